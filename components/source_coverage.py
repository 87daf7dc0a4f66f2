"""Rasa NLU component: questions the sources don't cover, and questions nobody could place.

Runs after the drug extractor and before the safety triage (which still decides over it).
- When a question names a concept of knowledge/uncovered.yml (heart checks, pregnancy,
  vaccines, how long treatment lasts, ...; answers/coverage.py) and the intent classifier took
  it for a question (a FAQ topic, a drug, unsure, or a look-alike conversation control such
  as "take a break" read as clearing the conversation), the intent becomes ``nlu_fallback``
  and the parse result gets ``"coverage": {"answer": "uncovered", "uncovered": [ids],
  "faq_topic": topic or None}``
  (unless the FAQ topic chosen already answers those words: ``answered_by``). The action
  (action_answer_fallback, actions/sources.py) says what the sources don't cover, who can answer, and what the
  sources do say next to it; the FAQ topic the selector had chosen is offered as a button,
  never sent as the answer.
- A FAQ topic that shares (almost) no content word with the question (answers.topics) is not
  its answer: the question is treated as one the classifier could not place (next point).
- A question the intent classifier could not place (nlu_fallback) is answered from the
  sources' facts when one matches well (``"coverage": {"answer": "facts", "facts": [ids],
  "topics": [...]}``); otherwise the FAQ topics nearest to it are offered to choose from
  (``"answer": "clarify"``).
No new intent is used (components/intent_override.py says why); the one fallback action
reads the decision.
"""

import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from answers import find_facts
from answers.coverage import LONG_MESSAGE_WORDS, question_part, uncovered_topics
from answers.topics import content_words, topic_support
from components.drug_entity_extractor import DRUG_INTENT
from components.intent_override import AGREED, COVERAGE_KEY, FAQ, UNSURE_INTENT, force_intent
from her2.parser import parse
from knowledge.drug_matcher import default_matcher

# Intents that take the message for a question (or mistake one for a conversation control).
QUESTION_INTENTS = {
    FAQ,
    "ask_drug",
    "list_drugs",
    "nlu_fallback",
    "clear_conversation",
    "stop",
    "help",
    "results_treatment",
    "ask_eligibility",
}
# Intents a long post keeps whatever it asks: results given, and emergencies.
NEVER_RELABELLED = {"inform_results", "emergency", "self_harm"}
# A long post that gives HER2 values and asks about them goes to the results flow.
RESULTS_INTENT = "inform_results"
RESULTS_INTENTS = {"inform_results", "interpret_results", "results_treatment", "ask_eligibility"}
_ASKS = re.compile(
    r"\?|\b(mean|means|meaning|explain|explained|understand|correct|right)\b", re.IGNORECASE
)
# A FAQ topic chosen with at least this confidence is offered as a button.
OFFER_CONFIDENCE = 0.5
# A question the intent classifier could not place is answered by the best-matching facts
# when the best one scores at least FACT_SCORE (answers.find_facts, 0..1); facts within
# FACT_RATIO of the best are shown with it (up to 3). Chosen on the real questions' dev part
# (bench/TUNING.md, change 21).
FACT_SCORE = 0.5
FACT_RATIO = 0.6
# A message the intent classifier could not place gets up to this many topics to choose from
# (from facts scoring at least CLARIFY_SCORE) instead of the whole menu.
CLARIFY_TOPICS = 3
CLARIFY_SCORE = 0.15
# ... unless the facts agree: when the best fact and at least VOTE_FACTS of the VOTE_DEPTH best
# (each scoring at least CLARIFY_SCORE) belong to one FAQ topic, that topic's facts among them
# are the answer ("closest to your question", with the topic as a button): a long post that
# shares a little with several facts of one topic is about that topic. Chosen on the real
# questions' dev part (bench/TUNING.md, change 32).
VOTE_FACTS = 2
VOTE_DEPTH = 4
# A FAQ topic whose own words (examples and answer) share almost nothing with a question of
# at least MIN_CONTENT_WORDS content words does not answer it: below MIN_TOPIC_SUPPORT
# (answers.topic_support, 0..1) the question is answered like one the classifier could not
# place. Chosen on the real questions' dev part and on the FAQ training examples left out
# one at a time (bench/TUNING.md, change 22).
MIN_TOPIC_SUPPORT = 0.02
MIN_CONTENT_WORDS = 2
# A FAQ topic the response selector chose with less confidence than this is not sent as the
# answer either: the question is answered like one the classifier could not place (the facts,
# or the nearest topics to choose from). Chosen on the real questions' dev part and the held-out
# NLU set's FAQ questions (bench/TUNING.md, change 27).
MIN_FAQ_CONFIDENCE = 0.2


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SourceCoverage(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SourceCoverage":
        return cls()

    def __init__(self) -> None:
        self._drugs = default_matcher()
        find_facts("HER2")  # the indexes are built once, before the first message
        topic_support("HER2", "what_is_her2")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def _one_drug(self, text: str) -> bool:
        """The message names exactly one drug of the sources (not a chemotherapy)."""
        found = {m.drug_id for m in self._drugs.find(text)}
        return len(found) == 1 and not next(iter(found)).startswith("chemo:")

    def _only_unknown_drugs(self, text: str) -> bool:
        return bool(self._drugs.unknown_drug_names(text)) and not self._drugs.find(text)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get("name")
            if text and _results_in_a_post(text, intent):
                # "It says: HER2/neu: not overexpressed (1+3+). Is that positive?": the results
                # flow reads and explains them (or asks to check a line), not a topic answer
                force_intent(message, RESULTS_INTENT)
                continue
            if not text or not (intent in QUESTION_INTENTS or _long_post(text, intent)):
                continue
            if intent == "ask_drug" and self._only_unknown_drugs(text):
                continue  # "how long does tamoxifen take...": the honest unknown-drug reply
            selected = _faq_topic(message, 0.0) if intent == FAQ else None
            # a FAQ topic that already answers these words stands ("lose my hair")
            found = [t for t in uncovered_topics(text) if selected not in t.answered_by]
            if found:
                offered = _faq_topic(message) if intent == FAQ else None
                force_intent(message, UNSURE_INTENT)
                message.set(
                    COVERAGE_KEY,
                    {
                        "answer": "uncovered",
                        "uncovered": [t.id for t in found],
                        "faq_topic": offered,
                    },
                    add_to_output=True,
                )
            elif intent == UNSURE_INTENT:
                self._answer_from_facts(message, text)
            elif intent == FAQ and (_unsure_of_topic(message) or not _supported(text, selected)):
                force_intent(message, UNSURE_INTENT)
                self._answer_from_facts(message, text)
            if _unplaced(message) and self._one_drug(text):
                # "My next step is to consider taking Neratinib. Anyone take this?": no fact
                # or topic fits, but the one drug it names has its own answer
                message.set(COVERAGE_KEY, None)
                force_intent(message, DRUG_INTENT)
        return messages

    @staticmethod
    def _answer_from_facts(message: Message, text: str) -> None:
        matches = find_facts(question_part(text), k=CLARIFY_TOPICS + 2)
        best = matches[0].score if matches else 0.0
        agreed = _agreed_topic(matches)
        if best < FACT_SCORE and agreed:
            chosen = [m.fact for m in matches[:VOTE_DEPTH] if m.fact.topic == agreed][:3]
            message.set(
                COVERAGE_KEY,
                {
                    "answer": "facts",
                    "facts": [f.id for f in chosen],
                    "topics": [agreed],
                    # a weaker answer than a good match: one drug named, feelings or a
                    # symptom (components/safety_triage.py) come first
                    AGREED: True,
                    "clarify": _clarify_topics(matches),
                },
                add_to_output=True,
            )
        elif best >= FACT_SCORE:
            chosen = [m.fact for m in matches[:3] if m.score >= best * FACT_RATIO]
            message.set(
                COVERAGE_KEY,
                {
                    "answer": "facts",
                    "facts": [f.id for f in chosen],
                    "topics": list(dict.fromkeys(f.topic for f in chosen if f.topic))[:2],
                },
                add_to_output=True,
            )
        else:
            message.set(
                COVERAGE_KEY,
                {"answer": "clarify", "clarify": _clarify_topics(matches)},
                add_to_output=True,
            )


def _clarify_topics(matches) -> List[str]:
    """The FAQ topics of the facts scoring at least CLARIFY_SCORE, best first."""
    topics = [m.fact.topic for m in matches if m.score >= CLARIFY_SCORE and m.fact.topic]
    return list(dict.fromkeys(topics))[:CLARIFY_TOPICS]


def _agreed_topic(matches) -> Optional[str]:
    """The FAQ topic of the best fact, when at least VOTE_FACTS of the VOTE_DEPTH best facts
    that score at least CLARIFY_SCORE belong to it; else None."""
    near = [m.fact.topic for m in matches[:VOTE_DEPTH] if m.score >= CLARIFY_SCORE]
    if not near or not near[0]:
        return None
    return near[0] if near.count(near[0]) >= VOTE_FACTS else None


def _unplaced(message: Message) -> bool:
    """Nothing placed it surely: the classifier could not, and neither a good fact nor a
    catalogue concept fit (only the nearest topics to choose from, or a weak answer)."""
    coverage = message.get(COVERAGE_KEY) or {}
    return (message.get(INTENT) or {}).get("name") == UNSURE_INTENT and (
        coverage.get("answer", "clarify") == "clarify" or bool(coverage.get(AGREED))
    )


def _supported(text: str, topic: Optional[str]) -> bool:
    """Whether the FAQ topic chosen has anything to do with the question (a question with
    too few content words to tell is given the benefit of the doubt)."""
    asked = question_part(text)
    if topic is None or content_words(asked) < MIN_CONTENT_WORDS:
        return True
    return topic_support(asked, topic) >= MIN_TOPIC_SUPPORT


def _results_in_a_post(text: str, intent: Optional[str]) -> bool:
    """A long message that gives the writer's own HER2 test values (an IHC score, an ISH result,
    a ratio or a copy number, as her2.parse reads them) and asks about them."""
    if intent in NEVER_RELABELLED or intent in RESULTS_INTENTS:
        return False
    if len(text.split()) < LONG_MESSAGE_WORDS or not _ASKS.search(text):
        return False
    return parse(text).has_test_values()


def _long_post(text: str, intent: Optional[str]) -> bool:
    """A long, story-like message, which the intent classifier often takes for something
    else ("my heart is only functioning at 45 percent" read as results): read for what it
    asks whatever the intent, unless it gives HER2 values (results) or is an emergency."""
    return (
        intent not in NEVER_RELABELLED
        and len(text.split()) >= LONG_MESSAGE_WORDS
        and question_part(text) != text
    )


def _selection(message: Message) -> Dict[str, Any]:
    """The response selector's FAQ prediction ({} when it made none)."""
    return ((message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ) or {}).get(
        RESPONSE_SELECTOR_PREDICTION_KEY
    ) or {}


def _unsure_of_topic(message: Message) -> bool:
    """The response selector chose its FAQ topic with less than MIN_FAQ_CONFIDENCE."""
    selected = _selection(message)
    return bool(selected) and selected.get(PREDICTED_CONFIDENCE_KEY, 0.0) < MIN_FAQ_CONFIDENCE


def _faq_topic(message: Message, at_least: float = OFFER_CONFIDENCE) -> Optional[str]:
    """The FAQ topic the response selector chose, if it is at least that confident."""
    selected = _selection(message)
    key = selected.get(INTENT_RESPONSE_KEY) or ""
    if selected.get(PREDICTED_CONFIDENCE_KEY, 0.0) >= at_least and "/" in key:
        return key.split("/", 1)[1]
    return None
