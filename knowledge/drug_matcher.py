"""Finds HER2-targeted drug names in free text with spaCy rules.

Generic names, brand names and the misspellings/abbreviations listed in
``drugs.yml`` are matched with a PhraseMatcher on a blank English pipeline
(no pretrained model). Words that look like a misspelt known name (e.g.
"herceptine") are matched by similarity as a last resort, and words that
look like some other drug's name ("tamoxifen") are reported as unknown so the
bot can say honestly that it has no information on them.
"""

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

from knowledge import load

# Endings typical of drug names (monoclonal antibodies, kinase inhibitors,
# hormone drugs, chemo). Only used to spot drug names we do NOT know.
_DRUG_LIKE = re.compile(
    r"^[a-z]{4,}(mab|nib|lib|rib|fen|zole|platin|rubicin|taxel|mycin|stine|stane|"
    r"relin|strant|limus|cept|tecan|tansine|mide|tabine)$"
)
_MIN_FUZZY_LENGTH = 6
_FUZZY_CUTOFF = 0.84


@dataclass(frozen=True)
class DrugMention:
    drug_id: str  # id in drugs.yml ("trastuzumab"), or "chemo:<name>"
    text: str  # the words as the user wrote them
    start: int  # character offsets in the message
    end: int


class DrugMatcher:
    def __init__(self, drugs: dict):
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        self._single_words: Dict[str, str] = {}
        for drug_id, names in _names_by_id(drugs).items():
            self._matcher.add(drug_id, [self._nlp.make_doc(n) for n in names])
            for name in names:
                if " " not in name and "-" not in name:
                    self._single_words[name.lower()] = drug_id

    def find(self, text: str) -> List[DrugMention]:
        """Known drugs mentioned in ``text``, longest match first, in text order."""
        doc = self._nlp.make_doc(text)
        spans = [
            Span(doc, start, end, label=match_id) for match_id, start, end in self._matcher(doc)
        ]
        mentions = [
            DrugMention(span.label_, span.text, span.start_char, span.end_char)
            for span in filter_spans(spans)
        ]
        covered = {i for m in mentions for i in range(m.start, m.end)}
        for token in doc:
            if token.idx in covered or len(token.text) < _MIN_FUZZY_LENGTH:
                continue
            drug_id = self._closest(token.lower_)
            if drug_id:
                mentions.append(
                    DrugMention(drug_id, token.text, token.idx, token.idx + len(token.text))
                )
        return sorted(mentions, key=lambda m: m.start)

    def unknown_drug_names(self, text: str) -> List[str]:
        """Words that look like a drug name but are not one we have facts on."""
        known = {i for m in self.find(text) for i in range(m.start, m.end)}
        return [
            t.text
            for t in self._nlp.make_doc(text)
            if t.idx not in known and _DRUG_LIKE.match(t.lower_)
        ]

    def _closest(self, word: str) -> Optional[str]:
        match = difflib.get_close_matches(word, self._single_words, n=1, cutoff=_FUZZY_CUTOFF)
        return self._single_words[match[0]] if match else None


def _names_by_id(drugs: dict) -> Dict[str, List[str]]:
    names: Dict[str, List[str]] = {}
    for drug in drugs["drugs"]:
        names[drug["id"]] = [drug["name"], *drug.get("brands", []), *drug.get("aliases", [])]
    for chemo in drugs.get("chemotherapy", []):
        names[f"chemo:{chemo['name']}"] = [chemo["name"], *chemo.get("brands", [])]
    return {k: sorted({n for n in v if n}) for k, v in names.items()}


@lru_cache(maxsize=1)
def default_matcher() -> DrugMatcher:
    """The matcher built from knowledge/drugs.yml (built once per process)."""
    return DrugMatcher(load("drugs"))


def drug_by_id(drug_id: str) -> Optional[dict]:
    return next((d for d in load("drugs")["drugs"] if d["id"] == drug_id), None)


def chemo_by_id(drug_id: str) -> Optional[dict]:
    name = drug_id.split(":", 1)[1] if drug_id.startswith("chemo:") else None
    return next((c for c in load("drugs").get("chemotherapy", []) if c["name"] == name), None)
