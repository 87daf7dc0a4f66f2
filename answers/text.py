"""Turning a question or a fact into search keys.

A key is a word's lemma (spaCy's English lookup table, through triage.text.Keyer, which also
corrects a misspelt word towards a word of the facts: "herceptn" -> "herceptin"), after:
- a few rewrites of how results are written ("HER2+" -> "her2 positive", "2+" -> "2plus",
  "HER2/neu" -> "her2");
- the phrases of knowledge/answer_synonyms.yml replaced by the words they stand for ("chemo" ->
  "chemotherapy"), longest phrase first;
- every name of a drug in knowledge/drugs.yml (generic name, brands, misspellings) replaced by
  one key for that drug ("Herceptin", "trastuzumab" -> "drug:trastuzumab"; "ado-trastuzumab
  emtansine" is Kadcyla's key, not trastuzumab's);
- stop words and a few words that every question has ("mean", "wonder") left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterable, List, Tuple

import spacy
from spacy.lang.en.stop_words import STOP_WORDS

from knowledge import load
from triage.text import Keyer

DRUG_PREFIX = "drug:"

# spaCy stop words that carry meaning here ("side effects", "first-line", "given as an IV",
# "before or after surgery").
_KEEP = frozenset(
    {
        "side",
        "first",
        "whole",
        "amount",
        "last",
        "front",
        "back",
        "least",
        "less",
        "more",
        "most",
        "only",
        "well",
        "give",
        "used",
        "using",
        "name",
        "full",
    }
)
_FILLER = frozenset(
    {
        "mean",
        "meaning",
        "wonder",
        "tell",
        "explain",
        "please",
        "thank",
        "thanks",
        "hi",
        "hello",
        "hey",
        "anyone",
        "anybody",
        "question",
        "lady",
        "guy",
        "x",
        "xx",
        "xxx",
        "also",
        "really",
        "just",
        "'s",
        "s",
        "t",
    }
)
STOP = frozenset((set(STOP_WORDS) - _KEEP) | _FILLER)

_REWRITES: Tuple[Tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        (r"[\u2018\u2019`]", "'"),
        (r"[\u201c\u201d]", '"'),
        (r"[\u2010-\u2015]", "-"),
        (r"\u00ae|\u2122", ""),
        (r"\bher[\s-]?2\s*/\s*neu\b|\bher-2\b|\bher 2\b", "her2"),
        (r"\b(her2|er|pr|hr|fish|ish)\s*\+(?:ve\b)?", r"\1 positive "),
        (r"\b(her2|er|pr|hr|fish|ish)\s*-\s*ve\b", r"\1 negative "),
        (r"\b(her2|er|pr|hr|fish|ish)\s*-(?=\s|$|[,.;:)/])", r"\1 negative "),
        (r"(?<![\w.])([0-3])\s*\+", r" \1plus "),
        (r"%", " percent "),
    )
)


def rewrite(text: str) -> str:
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class _Phrase:
    keys: Tuple[str, ...]  # what replaces the phrase


class Analyzer:
    """text -> list of keys. Built once (loads spaCy's lookup tables); then pure lookups."""

    def __init__(self, synonyms: Dict[str, str], drugs: dict, texts: Iterable[str] = ()):
        """``texts``: what misspelt words are corrected towards (the facts)."""
        self._nlp = spacy.blank("en")
        self._keyer = Keyer()  # no vocabulary yet: nothing is corrected while building
        self._phrases: Dict[Tuple[str, ...], _Phrase] = {}
        self._longest = 1
        for drug_id, names in _drug_names(drugs).items():
            for name in names:
                self._add_phrase(name, (DRUG_PREFIX + drug_id,))
        for phrase, replacement in synonyms.items():
            self._add_phrase(str(phrase), tuple(self.words(str(replacement))))
        words = {w for text in texts for w in self.words(text)}
        words |= {w for source in self._phrases for w in source}
        words |= {w for phrase in self._phrases.values() for w in phrase.keys}
        self._keyer.set_vocabulary(w for w in words if not w.startswith(DRUG_PREFIX))

    def _add_phrase(self, phrase: str, keys: Tuple[str, ...]) -> None:
        source = tuple(self.words(phrase))
        if source and source not in self._phrases:
            self._phrases[source] = _Phrase(keys)
            self._longest = max(self._longest, len(source))

    def words(self, text: str) -> List[str]:
        """The lemmas of ``text``'s words, stop words included (no phrases applied)."""
        out = []
        for token in self._nlp.make_doc(rewrite(text)):
            word = token.lower_
            if not any(ch.isalnum() for ch in word):
                continue
            out.append(word if word in STOP else self._keyer.key(word))
        return out

    def keys(self, text: str) -> List[str]:
        """The search keys of ``text``: phrases and drug names replaced, stop words left out."""
        words = self.words(text)
        out: List[str] = []
        i = 0
        while i < len(words):
            for length in range(min(self._longest, len(words) - i), 0, -1):
                phrase = self._phrases.get(tuple(words[i : i + length]))
                if phrase is not None:
                    out.extend(k for k in phrase.keys if k not in STOP)
                    i += length
                    break
            else:
                if words[i] not in STOP:
                    out.append(words[i])
                i += 1
        return out


def _drug_names(drugs: dict) -> Dict[str, List[str]]:
    """Every name a drug goes by, by drug id (the chemotherapy drugs as "chemo_<name>")."""
    names: Dict[str, List[str]] = {}
    for drug in drugs.get("drugs", []):
        names[drug["id"]] = [drug["name"], *drug.get("brands", []), *drug.get("aliases", [])]
    for drug in drugs.get("chemotherapy", []):
        drug_id = "chemo_" + re.sub(r"\W+", "_", drug["name"].lower()).strip("_")
        names[drug_id] = [drug["name"], *drug.get("brands", []), *drug.get("aliases", [])]
    return names


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """The analyzer for questions and facts, with the facts' own words as the spelling
    vocabulary."""
    return Analyzer(
        load("answer_synonyms")["synonyms"],
        load("drugs"),
        [fact["text"] for fact in load("facts")["facts"]],
    )
