"""Plain-language wording: describe_findings() and the pieces of classify()'s explanation.

Everything here is built from parsed values, never from the user's raw text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Optional

import yaml

from .findings import Findings

EXPLANATIONS_FILE = Path(__file__).with_name("explanations.yml")

_STATUS_LABELS = {
    "positive": "HER2-positive",
    "negative": "HER2-negative",
    "low": "HER2-low",
    "ultralow": "HER2-ultralow",
}


@lru_cache(maxsize=1)
def texts() -> dict:
    return yaml.safe_load(EXPLANATIONS_FILE.read_text(encoding="utf-8"))


def number(value: float) -> str:
    """2.0 -> "2.0", 6.5 -> "6.5", 2.25 -> "2.25" (boundaries keep their decimal)."""
    return f"{value:.1f}" if float(value).is_integer() else f"{value:g}"


def percent(value: float) -> str:
    return f"{value:g}%"


def status_label(status: str) -> str:
    return _STATUS_LABELS.get(status, status)


def ihc_phrase(score: str, percent_stained: Optional[float] = None) -> str:
    """ "IHC 2+", "IHC 0 with faint membrane staining in 5% of cells"."""
    if score == "0-staining":
        where = f" in {percent(percent_stained)} of cells" if percent_stained else ""
        return f"IHC 0 with faint membrane staining{where}"
    if percent_stained is not None and score != "0":
        return f"IHC {score} (staining in {percent(percent_stained)} of cells)"
    return f"IHC {score}"


def ish_numbers_phrase(findings: Findings, group: Optional[int] = None) -> str:
    """ "a HER2/CEP17 ratio of 1.8 with 6.5 HER2 copies per cell (ISH group 3)"."""
    ratio, copies = findings.ratio, findings.copy_number
    if ratio is not None and copies is not None:
        phrase = f"a HER2/CEP17 ratio of {number(ratio)} with {number(copies)} HER2 copies per cell"
    elif ratio is not None:
        phrase = f"a HER2/CEP17 ratio of {number(ratio)}"
    else:
        phrase = f"an average of {number(copies)} HER2 copies per cell"
        if findings.ish_probe == "single":
            phrase += " on a single-probe ISH test"
    return phrase + (f" (ISH group {group})" if group else "")


def ish_result_phrase(findings: Findings) -> str:
    """ "a negative FISH result"."""
    return f"a {findings.ish_result} {findings.ish_method or 'ISH'} result"


def needs_phrase(needs: Iterable[str]) -> dict:
    """{"needs": "the IHC score ... and the HER2/CEP17 ratio", "is_are": "are"}."""
    parts = [texts()["needs"][need] for need in needs]
    if not parts:
        return {"needs": "", "is_are": "is"}
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return {"needs": joined, "is_are": "are" if len(parts) > 1 else "is"}


def sentence(basis: str, verdict: str, notes: List[str]) -> str:
    """One sentence: basis + verdict, then notes after semicolons."""
    text = " ".join(part for part in (basis, verdict) if part)
    text = "; ".join([text, *notes])
    return text[0].upper() + text[1:] + "."


def describe_findings(findings: Findings) -> str:
    """A short restatement of the parsed values, e.g. "IHC 2+, FISH negative" or
    "IHC 2+, HER2/CEP17 ratio 1.8, 6.5 HER2 copies per cell, ER-positive (90%), PR-negative".
    Returns "" when nothing was found."""
    parts = [
        _ihc_part(findings),
        _ish_part(findings),
        f"HER2/CEP17 ratio {number(findings.ratio)}" if findings.ratio is not None else None,
        (
            f"{number(findings.copy_number)} HER2 copies per cell"
            if findings.copy_number is not None
            else None
        ),
        (f"reported as {status_label(findings.stated_status)}" if findings.stated_status else None),
        _receptor_part(
            "ER", findings.er, findings.er_percent, "er" in findings.receptor_word_differs
        ),
        _receptor_part(
            "PR", findings.pr, findings.pr_percent, "pr" in findings.receptor_word_differs
        ),
        (
            f"hormone receptor-{findings.hr_stated}"
            if findings.hr_stated and not (findings.er or findings.pr)
            else None
        ),
    ]
    return ", ".join(part for part in parts if part)


def _ihc_part(findings: Findings) -> Optional[str]:
    if findings.ihc:
        return ihc_phrase(findings.ihc, findings.percent_stained)
    if len(findings.ihc_candidates) > 1:
        scores = " or ".join(findings.ihc_candidates)
        return f"IHC {scores} (two different scores)"
    return None


def _ish_part(findings: Findings) -> Optional[str]:
    method = findings.ish_method or "ISH"
    probe = f"{findings.ish_probe}-probe " if findings.ish_probe else ""
    if findings.ish_result:
        return f"{probe}{method} {findings.ish_result}"
    if len(findings.ish_result_candidates) > 1:
        return f"{probe}{method} given as both positive and negative"
    if findings.outdated_terms and findings.ish_method:
        return f"{probe}{method} described as equivocal (an older term)"
    if (findings.ish_method or findings.ish_probe) and (
        findings.ratio is not None or findings.copy_number is not None
    ):
        return f"{probe}{method}"
    if findings.ish_method or findings.ish_probe:
        return f"{probe}{method} (result not given)"
    return None


def _receptor_part(
    name: str, status: Optional[str], value: Optional[float], word_differs: bool = False
) -> Optional[str]:
    if status and value is not None and word_differs:
        # the report's word and its own percentage disagree: both as written, no rule of ours
        word = "negative" if status == "positive" else "positive"
        return f"{name} {percent(value)} (the report calls it {word}: please check this line with your care team)"
    if status and value is not None:
        return f"{name}-{status} ({percent(value)})"
    if status:
        return f"{name}-{status}"
    if value is not None:
        return f"{name} {percent(value)}"
    return None
