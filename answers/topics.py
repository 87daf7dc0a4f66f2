"""topic_support(question, topic): how much a FAQ topic has to do with a question, 0..1.

The response selector always picks one of the FAQ topics, however far the question is from
all of them ("which exercise is better: walking or the elliptical?" got a topic about HER2
scores). This is the check on its pick: the TF-IDF cosine (scikit-learn, over the keys of
answers.text: lemmas without stop words, synonyms, one key per drug) between the question's
question part and the topic's own words: its training examples (data/nlu/faq_*.yml) and its
answer (data/responses/faq.yml). A topic that shares no content word with the question, or
almost none, does not answer it (components/source_coverage.py then answers from the facts
or offers the nearest topics). Pure: no Rasa imports.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from answers.text import analyzer

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FAQ_PREFIX = "faq/"


def _topic_documents() -> Dict[str, str]:
    """Each FAQ topic's examples and answer variants, as one text."""
    words: Dict[str, List[str]] = {}
    for path in sorted((DATA_DIR / "nlu").glob("faq_*.yml")):
        for block in yaml.safe_load(path.read_text("utf-8")).get("nlu", []):
            intent = block.get("intent", "")
            if intent.startswith(FAQ_PREFIX):
                examples = [
                    line.strip()[2:]
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
                words.setdefault(intent[len(FAQ_PREFIX) :], []).extend(examples)
    responses = yaml.safe_load((DATA_DIR / "responses" / "faq.yml").read_text("utf-8"))
    for name, variants in (responses.get("responses") or {}).items():
        topic = name.split("/", 1)[1] if name.startswith("utter_faq/") else None
        if topic in words:
            words[topic].extend(v.get("text", "") for v in variants)
    return {topic: " ".join(texts) for topic, texts in words.items()}


@lru_cache(maxsize=1)
def _index() -> Tuple[TfidfVectorizer, Dict[str, int], object]:
    documents = _topic_documents()
    topics = sorted(documents)
    vectorizer = TfidfVectorizer(analyzer=analyzer().keys, sublinear_tf=True)
    matrix = vectorizer.fit_transform([documents[t] for t in topics])
    return vectorizer, {t: i for i, t in enumerate(topics)}, matrix


def content_words(question: str) -> int:
    """How many search keys (content words, phrases, drugs) the question has."""
    return len(analyzer().keys(question))


def topic_support(question: str, topic: str) -> float:
    """Cosine similarity of the question and the topic's words (0 for an unknown topic)."""
    vectorizer, rows, matrix = _index()
    if topic not in rows:
        return 0.0
    vector = vectorizer.transform([question])
    return float((matrix[rows[topic]] @ vector.T).toarray()[0, 0])
