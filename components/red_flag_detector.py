"""Rasa NLU component: red-flag phrases (emergency, self-harm) force the ``red_flag`` intent.

Runs after the statistical intent classifier, so a message like "I have chest
pain, is that Herceptin?" is always treated as a possible emergency first.
"""
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_override import force_intent
from knowledge.red_flags import default_detector

RED_FLAG_INTENT = "red_flag"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class RedFlagDetector(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "RedFlagDetector":
        return cls()

    def __init__(self) -> None:
        self._detector = default_detector()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and self._detector.find(text):
                force_intent(message, RED_FLAG_INTENT)
        return messages
