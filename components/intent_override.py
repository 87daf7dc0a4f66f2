"""Setting a message's intent (and FAQ topic) from a rule-based component, after the
statistical classifier and the response selector."""

from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

FAQ = "faq"
# The intent of a message the classifiers could not place. components/source_coverage.py
# also gives it to a question the sources don't cover or one the facts answer (with its
# "coverage" decision), so that no new label enters the intent classifier's training: intents
# that only rules mention still shift DIET's results (docs/nlu-evaluation.md).
UNSURE_INTENT = "nlu_fallback"
# Where components/source_coverage.py puts its decision in the parse result.
COVERAGE_KEY = "coverage"
# ... and marks facts chosen only because the nearest ones agree on a topic (a weak answer).
AGREED = "agreed"


def force_intent(message: Message, name: str) -> None:
    """Make ``name`` the message's intent with full confidence, first in the ranking."""
    forced = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


def force_faq_topic(message: Message, topic: str) -> None:
    """Make the message the FAQ question ``faq/<topic>``, answered with utter_faq/<topic>."""
    force_intent(message, FAQ)
    properties = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
    previous = properties.get(FAQ) or {}
    key = f"{FAQ}/{topic}"
    chosen = {INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        r
        for r in previous.get(RESPONSE_SELECTOR_RANKING_KEY, [])
        if r.get(INTENT_RESPONSE_KEY) != key
    ]
    properties[FAQ] = {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            RESPONSE_SELECTOR_RESPONSES_KEY: [],
            PREDICTED_CONFIDENCE_KEY: 1.0,
            INTENT_RESPONSE_KEY: key,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
        },
        RESPONSE_SELECTOR_RANKING_KEY: [chosen, *ranking],
    }
    message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)


def weakly_answered(message: Message) -> bool:
    """The facts were chosen only because several of the nearest agree on a topic (VOTE_FACTS)."""
    return bool((message.get(COVERAGE_KEY) or {}).get(AGREED))


def withdraw_weak_answer(message: Message) -> None:
    """Back to the nearest topics to choose from, for a weak answer that something surer
    overrides."""
    coverage = message.get(COVERAGE_KEY) or {}
    message.set(
        COVERAGE_KEY,
        {"answer": "clarify", "clarify": coverage.get("clarify") or []},
        add_to_output=True,
    )
