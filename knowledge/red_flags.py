"""Spots red-flag messages (emergencies, self-harm) with the phrases in red_flags.yml."""
import re
from functools import lru_cache
from typing import List, Optional, Pattern

from knowledge import load

# How far back (characters) a negation may stand before a red-flag phrase.
_NEGATION_WINDOW = 24
_CLAUSE_BREAK = re.compile(r"[.,;:!?]|\bbut\b|\band\b|\bnow\b", re.IGNORECASE)


class RedFlagDetector:
    def __init__(self, patterns: List[str], negations: List[str]):
        self._patterns = [re.compile(rf"(?<![\w']){p}(?![\w])", re.IGNORECASE) for p in patterns]
        self._negation = re.compile(
            r"(?<![\w'])(" + "|".join(re.escape(n) for n in negations) + r")(?![\w'])",
            re.IGNORECASE)

    def find(self, text: str) -> Optional[str]:
        """The first red-flag phrase in ``text`` that is not negated, else None."""
        text = _normalise_apostrophes(text)
        for pattern in self._patterns:
            for match in pattern.finditer(text):
                if not self._negated(text[:match.start()]):
                    return match.group(0)
        return None

    def _negated(self, before: str) -> bool:
        window = _CLAUSE_BREAK.split(before[-_NEGATION_WINDOW:])[-1]
        return bool(self._negation.search(window))


def _normalise_apostrophes(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=1)
def default_detector() -> RedFlagDetector:
    config = load("red_flags")
    return RedFlagDetector(config["patterns"], config["negations"])
