"""Answering from the two source articles, fact by fact (pure Python + spaCy + scikit-learn;
no Rasa imports).

Public API:

all_facts() -> tuple[Fact, ...]
    The facts of knowledge/facts.yml in file order (read once per process). A Fact has
    id, text, source ("everyday_health" | "bcrf"), source_name (how to cite it), section (the
    article heading it sits under), terms, topic (an FAQ key of knowledge/topics.yml or None).
fact_by_id(fact_id) -> Fact
    KeyError for an unknown id.
empty_sections() -> tuple[tuple[str, str], ...]
    (source, heading) of the headings that have no text in the scraped articles.
find_facts(question: str, k: int = 3) -> list[Match]
    The k facts that best answer ``question``, best first; Match(fact, score) with score in
    0..1 (TF-IDF cosine over lemmatised words without stop words, with the synonyms of
    knowledge/answer_synonyms.yml and each drug's names from knowledge/drugs.yml as one key,
    raised for facts naming the drugs the question names and, for "what is X?", for facts
    whose subject is X; answers/retrieval.py). Facts sharing nothing with the question are
    not returned, so the list may be shorter than k or empty. The index is built on first use
    (a second or two, mostly spaCy's lookup tables); then well under a millisecond a query.
"""

from answers.facts import Fact, all_facts, empty_sections, fact_by_id
from answers.retrieval import Match, find_facts

__all__ = ["Fact", "Match", "all_facts", "empty_sections", "fact_by_id", "find_facts"]
