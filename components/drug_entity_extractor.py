"""Rasa NLU component: adds a ``drug`` entity for every known drug name in a message.

A message that names a drug we have no facts on ("what is tamoxifen?") and no
known drug is routed to ``ask_drug``, so the drug action can say honestly that
it has no information on it instead of answering a neighbouring FAQ topic.
A message that names a known drug but that the classifier could not place
(nlu_fallback: "tell me about herceptin") is a question about that drug too.
"""

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_override import force_intent
from knowledge.drug_matcher import default_matcher

DRUG_ENTITY = "drug"
DRUG_INTENT = "ask_drug"
# A possible emergency is never turned into a drug question.
NEVER_OVERRIDDEN = {"emergency", "self_harm"}
UNSURE_INTENT = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class DrugEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DrugEntityExtractor":
        return cls()

    def __init__(self) -> None:
        self._matcher = default_matcher()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    "entity": DRUG_ENTITY,
                    "value": m.drug_id,
                    "start": m.start,
                    "end": m.end,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for m in self._matcher.find(text)
            ]
            intent = (message.get(INTENT) or {}).get("name")
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
                if intent == UNSURE_INTENT:
                    force_intent(message, DRUG_INTENT)
            elif self._matcher.unknown_drug_names(text) and intent not in NEVER_OVERRIDDEN:
                force_intent(message, DRUG_INTENT)
        return messages
