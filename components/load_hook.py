"""A pipeline entry that does no NLU work: listing it in config.yml makes every process that
loads the model import its module, and ``loaded`` runs when a trained model is loaded to
serve it (not while training)."""
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class LoadHook(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "LoadHook":
        return cls()

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage,
             resource: Resource, execution_context: ExecutionContext,
             **kwargs: Any) -> "LoadHook":
        cls.loaded()
        return cls()

    @classmethod
    def loaded(cls) -> None:
        """Runs once the model this entry belongs to is being loaded to serve it."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
