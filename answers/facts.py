"""The facts of knowledge/facts.yml as immutable objects (read once per process)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Optional, Tuple

from knowledge import load


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    source: str  # "everyday_health" | "bcrf" (knowledge/drugs.yml `sources`)
    section: str  # the heading it sits under, as spelled in the article
    terms: Tuple[str, ...]
    topic: Optional[str] = None  # an FAQ key of knowledge/topics.yml

    @property
    def source_name(self) -> str:
        """How the source is cited ("Everyday Health — What Is HER2-Positive Breast Cancer?")."""
        return load("drugs")["sources"][self.source]


@lru_cache(maxsize=1)
def all_facts() -> Tuple[Fact, ...]:
    """Every fact, in file order."""
    return tuple(
        Fact(
            id=f["id"],
            text=f["text"],
            source=f["source"],
            section=f["section"],
            terms=tuple(str(t) for t in f["terms"]),
            topic=f.get("topic"),
        )
        for f in load("facts")["facts"]
    )


@lru_cache(maxsize=1)
def _by_id() -> Dict[str, Fact]:
    return {fact.id: fact for fact in all_facts()}


def fact_by_id(fact_id: str) -> Fact:
    return _by_id()[fact_id]


@lru_cache(maxsize=1)
def empty_sections() -> Tuple[Tuple[str, str], ...]:
    """(source, heading) of the headings with no text in the scraped articles."""
    return tuple((e["source"], e["section"]) for e in load("facts")["empty_sections"])
