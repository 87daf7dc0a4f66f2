"""The safety classifier: the triage's second opinion on emergencies (scikit-learn).

A logistic regression over TF-IDF character and word n-grams, with three classes:
"self_harm", "medical" (an emergency of either kind) and "none"; and a second one, the same
features, for distress without danger ("distress" or "none"), which finds the feelings that
no list of words can enumerate ("I feel dead inside since the mastectomy"). It learns from labelled
messages (the NLU examples and the blind-written sets in data/safety/); the Rasa component
(components/safety_triage.py) trains it with the model and stores it in the model archive.
Measured against the lexicon in docs/safety.md; its settings in bench/TUNING.md.
"""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

CLASSES = ("self_harm", "medical", "none")
DISTRESS_CLASSES = ("distress", "none")


def build(c: float) -> Pipeline:
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(C=c, class_weight="balanced", max_iter=3000))


def fit(
    texts: Iterable[str], labels: Iterable[str], c: float, classes: Tuple[str, ...] = CLASSES
) -> Pipeline:
    labels = list(labels)
    unknown = set(labels) - set(classes)
    if unknown:
        raise ValueError(f"unknown safety classes: {sorted(unknown)}")
    return build(c).fit(list(texts), labels)


def emergency(model: Pipeline, text: str, threshold: float) -> Tuple[Optional[str], float]:
    """("self_harm" | "medical" | None, the probability of an emergency of either kind)."""
    probabilities = dict(zip(model.classes_, model.predict_proba([text])[0]))
    p_emergency = 1.0 - probabilities.get("none", 0.0)
    if p_emergency < threshold:
        return None, p_emergency
    kind = max(("self_harm", "medical"), key=lambda k: probabilities.get(k, 0.0))
    return kind, p_emergency


def distress(model: Pipeline, text: str) -> float:
    """The probability that a message is distress (feelings, no danger)."""
    probabilities = dict(zip(model.classes_, model.predict_proba([text])[0]))
    return float(probabilities.get("distress", 0.0))
