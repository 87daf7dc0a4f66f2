"""find_facts(question, k): the facts of knowledge/facts.yml that best answer a question.

Each fact is indexed twice with scikit-learn's TfidfVectorizer over the keys of answers.text
(lemmas without stop words, synonyms applied, one key per drug): its text, and its context
(the heading it sits under and the title of its FAQ topic). A question's score for a fact is

    (1 - CONTEXT_WEIGHT) * cosine(text) + CONTEXT_WEIGHT * cosine(context)

raised, when the question names drugs, by DRUG_BOOST * (Jaccard overlap of the question's and
the fact's drugs) of the way to 1 (a fact about Herceptin alone beats the list of all the
antibodies and Kadcyla's "ado-trastuzumab"), and, for a "what is X?" question, by
SUBJECT_BOOST * (Jaccard overlap of X and the fact's subject) of the way to 1; a fact's subject
is the words before its first verb, comma or bracket ("HER2 is ...", "In a lumpectomy, ..."),
else its first three keys. Every score is in 0..1. The index is built once per process; the
weights were chosen on the dev real questions and our own questions
(tests/test_answers_retrieval.py), never on the holdout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Sequence, Set

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from answers.facts import Fact, all_facts
from answers.text import DRUG_PREFIX, analyzer
from knowledge import load

CONTEXT_WEIGHT = 0.15
DRUG_BOOST = 0.25
SUBJECT_BOOST = 0.3

_QUESTION_SUBJECT = re.compile(
    r"^\W*(?:so\s+|and\s+|but\s+)?what(?:'s|\s+is|\s+are|\s+does|\s+do)\s+(?:an?\s+|the\s+)?"
    r"(?P<subject>[^?.!]{1,60}?)(?:\s+(?:mean|stand\s+for))?\s*[?.!]*\s*$",
    re.I,
)
_FACT_SUBJECT = re.compile(
    r"^(?:In\s+)?(?P<subject>[^,:;(]{1,80}?)(?:[,:;(]|\s+(?:is|are|means|was|does|do)\s)"
)
_MAX_SUBJECT_KEYS = 6


@dataclass(frozen=True)
class Match:
    fact: Fact
    score: float  # 0..1


def _context(fact: Fact) -> str:
    topic = load("topics")["topics"].get(fact.topic or "", {})
    return f"{fact.section} {topic.get('title', '')}"


class _Field:
    """One TF-IDF index (scikit-learn's TfidfVectorizer, sublinear tf, l2 norm) with the fact
    vectors kept dense, and questions turned into vectors by the same formula without
    scikit-learn's per-call overhead (tests/test_answers_retrieval.py checks they agree)."""

    def __init__(self, documents: List[List[str]]):
        self.vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(documents).toarray()  # facts x keys
        self.column = self.vectorizer.vocabulary_
        self.idf = self.vectorizer.idf_

    def vector(self, keys: List[str]) -> np.ndarray:
        counts: Dict[int, int] = {}
        for key in keys:
            column = self.column.get(key)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        vector = np.zeros(len(self.idf))
        for column, count in counts.items():
            vector[column] = (1.0 + np.log(count)) * self.idf[column]
        norm = np.sqrt(vector @ vector)
        return vector / norm if norm else vector

    def cosines(self, keys: List[str]) -> np.ndarray:
        return self.matrix @ self.vector(keys)


class _Index:
    def __init__(self, facts: Sequence[Fact]):
        self.facts = tuple(facts)
        self._analyze = analyzer().keys
        fact_keys = [self._analyze(f.text) for f in self.facts]
        self.text = _Field(fact_keys)
        self.context = _Field([self._analyze(_context(f)) for f in self.facts])
        self.drugs: List[Set[str]] = [_drugs(keys) for keys in fact_keys]
        self.subjects: List[Set[str]] = [_fact_subject(f.text, self._analyze) for f in self.facts]
        vocabulary = self.text.vectorizer.get_feature_names_out()
        self.idf: Dict[str, float] = dict(zip(vocabulary, self.text.idf))
        self.max_idf = float(self.text.idf.max())

    def search(self, question: str, k: int) -> List[Match]:
        keys = self._analyze(question)
        if not keys or k <= 0:
            return []
        scores = (1 - CONTEXT_WEIGHT) * self.text.cosines(
            keys
        ) + CONTEXT_WEIGHT * self.context.cosines(keys)
        asked_drugs = _drugs(keys)
        if asked_drugs:
            same = np.array([len(d & asked_drugs) / len(d | asked_drugs) for d in self.drugs])
            scores = scores + (1 - scores) * DRUG_BOOST * same
        subject = _question_subject(question, self._analyze)
        if subject:
            overlap = np.array(
                [len(subject & s) / len(subject | s) if s else 0.0 for s in self.subjects]
            )
            scores = scores + (1 - scores) * SUBJECT_BOOST * overlap
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Match(self.facts[i], round(float(min(1.0, scores[i])), 4))
            for i in order
            if scores[i] > 0
        ]


def _identity(keys: List[str]) -> List[str]:
    return keys


def _drugs(keys: List[str]) -> Set[str]:
    return {key for key in keys if key.startswith(DRUG_PREFIX)}


def _question_subject(question: str, analyze) -> Set[str]:
    """The keys of X in "what is X?" / "what does X mean?", else an empty set."""
    match = _QUESTION_SUBJECT.match(question)
    if not match:
        return set()
    keys = set(analyze(match.group("subject")))
    return keys if 0 < len(keys) <= _MAX_SUBJECT_KEYS else set()


def _fact_subject(text: str, analyze) -> Set[str]:
    """The keys before the fact's first verb, comma or bracket ("HER2 is ..."), else its
    first three keys ("The FISH test counts ...")."""
    match = _FACT_SUBJECT.match(text)
    keys = set(analyze(match.group("subject"))) if match else set()
    if 0 < len(keys) <= _MAX_SUBJECT_KEYS:
        return keys
    return set(analyze(text)[:3])


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(all_facts())


def find_facts(question: str, k: int = 3) -> List[Match]:
    """The (at most) ``k`` facts that best answer ``question``, best first, each with a score
    in 0..1; facts sharing no key with the question are left out."""
    return _index().search(question or "", k)


def content_keys(text: str) -> List[str]:
    """The search keys of ``text`` (as find_facts sees it)."""
    return analyzer().keys(text)


def idf(key: str) -> float:
    """How rare ``key`` is among the facts (scikit-learn's smoothed idf; a key no fact has
    gets the highest)."""
    index = _index()
    return index.idf.get(key, index.max_idf)
