"""Rasa NLU component: the safety triage (triage/) decides before anything else.

Runs last in the pipeline, after the statistical classifier, the response selector and
the drug extractor, so that what it decides always wins:
- emergency now: the ``emergency`` or ``self_harm`` intent, which the rules answer with the
  emergency reply first (data/rules/safety.yml). Two layers: the lexicon (triage.assess) and
  the intent classifier as a second opinion; either one saying "emergency" wins;
- a question about a symptom or a risk: the ``symptom`` entity, so the rules add the one-line
  safety note to the answer; a named drug makes it a question about that drug's side
  effects; a question the classifier could not place gets the honest "not covered" reply;
- distress without danger: the FAQ topic "coping" (support, with a crisis line offered).
The decision is added to the parse result under "triage": tier, kind, category, and each
layer's own opinion ("lexicon": its tier, "classifier": the emergency intent it ranked).
"""
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_override import FAQ, force_faq_topic, force_intent
import triage

EMERGENCY_INTENTS = {"medical": "emergency", "self_harm": "self_harm"}
SYMPTOM_ENTITY = "symptom"
DRUG_INTENT = "ask_drug"
UNSURE_INTENT = "nlu_fallback"
# Intents whose answer a symptom question keeps (plus the safety note); any other intent is
# a guess about a question the sources may not cover: it gets the honest reply instead.
ANSWERING_INTENTS = {FAQ, DRUG_INTENT, "list_drugs"}
DISTRESS_TOPIC = "coping"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyTriage(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # The classifier's second opinion: an emergency intent ranked first, or with at
        # least this confidence anywhere in the ranking (bench/TUNING.md, docs/safety.md).
        return {"classifier_threshold": 0.3}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "SafetyTriage":
        return cls(config)

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        self._threshold = float((config or {}).get("classifier_threshold", 0.3))
        triage.lexicon()   # built once, before the first message

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                self._triage(message, text)
        return messages

    def classifier_emergency(self, message: Message) -> Optional[str]:
        """The emergency intent the classifier gives first place or enough confidence."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY, []) or []
                   if r.get("name") != UNSURE_INTENT]
        for position, entry in enumerate(ranking):
            if entry.get("name") in EMERGENCY_INTENTS.values() and (
                    position == 0 or entry.get("confidence", 0.0) >= self._threshold):
                return entry["name"]
        return None

    def _triage(self, message: Message, text: str) -> None:
        assessment = triage.assess(text)
        by_classifier = self.classifier_emergency(message)
        if assessment.is_emergency:
            kind, layer = assessment.kind, "lexicon"
        elif by_classifier:
            kind = "self_harm" if by_classifier == "self_harm" else "medical"
            layer = "classifier"
        else:
            kind, layer = "", None
        if layer:
            force_intent(message, EMERGENCY_INTENTS[kind])
            tier = "emergency"
        else:
            tier = assessment.tier
            intent = (message.get(INTENT) or {}).get("name")
            if tier == "symptom_question":
                self._symptom_question(message, intent, assessment.evidence)
            elif tier == "distress" and intent in (FAQ, UNSURE_INTENT, "out_of_scope", None):
                force_faq_topic(message, DISTRESS_TOPIC)
        # Both opinions, so each layer can be measured on its own (tests/safety/).
        message.set("triage", {"tier": tier, "kind": kind, "category": assessment.category,
                               "lexicon": assessment.tier, "classifier": by_classifier},
                    add_to_output=True)

    @staticmethod
    def _symptom_question(message: Message, intent: Optional[str], evidence: str) -> None:
        entities = message.get(ENTITIES, []) or []
        start = max(0, (message.get(TEXT) or "").find(evidence))
        entities.append({"entity": SYMPTOM_ENTITY, "value": evidence, "start": start,
                         "end": start + len(evidence), "confidence_entity": 1.0,
                         "extractor": SafetyTriage.__name__})
        message.set(ENTITIES, entities, add_to_output=True)
        if any(e.get("entity") == "drug" for e in entities):
            force_intent(message, DRUG_INTENT)
        elif intent not in ANSWERING_INTENTS:
            force_intent(message, UNSURE_INTENT)
