"""find_facts(question, k): the facts of knowledge/facts.yml that best answer a question.

Each fact is indexed twice with scikit-learn's TfidfVectorizer over the keys of answers.text
(lemmas without stop words, synonyms applied, one key per drug): its text, and its context (the
heading it sits under and the title of its FAQ topic). A question's score for a fact is

    (1 - CONTEXT_WEIGHT) * cosine(text) + CONTEXT_WEIGHT * cosine(context)

and, when the question names a drug that the fact names too, that score is raised by
DRUG_BOOST of the way to 1. Every score is in 0..1. The index is built once per process.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Sequence, Set

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from answers.facts import Fact, all_facts
from answers.text import DRUG_PREFIX, analyzer
from knowledge import load

CONTEXT_WEIGHT = 0.2
DRUG_BOOST = 0.25


@dataclass(frozen=True)
class Match:
    fact: Fact
    score: float   # 0..1


def _context(fact: Fact) -> str:
    topic = load("topics")["topics"].get(fact.topic or "", {})
    return f"{fact.section} {topic.get('title', '')}"


class _Index:
    def __init__(self, facts: Sequence[Fact]):
        self.facts = tuple(facts)
        self._analyze = analyzer().keys
        fact_keys = [self._analyze(f.text) for f in self.facts]
        self.text = TfidfVectorizer(analyzer=lambda keys: keys, sublinear_tf=True)
        self.text_matrix = self.text.fit_transform(fact_keys).tocsr()
        self.context = TfidfVectorizer(analyzer=lambda keys: keys, sublinear_tf=True)
        self.context_matrix = self.context.fit_transform(
            [self._analyze(_context(f)) for f in self.facts]).tocsr()
        self.drugs: List[Set[str]] = [{k for k in keys if k.startswith(DRUG_PREFIX)}
                                      for keys in fact_keys]
        self.idf: Dict[str, float] = dict(zip(self.text.get_feature_names_out(), self.text.idf_))
        self.max_idf = float(self.text.idf_.max())

    def search(self, question: str, k: int) -> List[Match]:
        keys = self._analyze(question)
        if not keys or k <= 0:
            return []
        scores = (1 - CONTEXT_WEIGHT) * _cosines(self.text, self.text_matrix, keys)
        scores += CONTEXT_WEIGHT * _cosines(self.context, self.context_matrix, keys)
        asked_drugs = {key for key in keys if key.startswith(DRUG_PREFIX)}
        if asked_drugs:
            boost = np.array([DRUG_BOOST if drugs & asked_drugs else 0.0 for drugs in self.drugs])
            scores = scores + (1 - scores) * boost * (scores > 0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [Match(self.facts[i], round(float(min(1.0, scores[i])), 4))
                for i in order if scores[i] > 0]


def _cosines(vectorizer: TfidfVectorizer, matrix, keys: List[str]) -> np.ndarray:
    vector = vectorizer.transform([keys])
    return (matrix @ vector.T).toarray().ravel()


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
