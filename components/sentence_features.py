"""Gives the classifiers the sentence-level features of the user's text only.

DIETClassifier and ResponseSelector run here without transformer layers (config.yml).
Without a transformer, every position of a message is embedded on its own, and both
classifiers read the intent / FAQ topic from the sentence position alone
(``_last_token`` in rasa/nlu/classifiers/diet_classifier.py). The token-level
(sequence) features of every word still went through the sparse input layers, in
training and on every message, only to be thrown away: most of the classifiers' work.

Rasa insists on some sequence-level features, so each message keeps one position with a
single feature that is always zero; what the classifiers read is unchanged.
"""

from typing import Any, Dict, List

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ORIGIN = "SentenceFeaturesOnly"


def _is_token_feature(feature: Features) -> bool:
    return feature.attribute == TEXT and feature.type == FEATURE_TYPE_SEQUENCE


def keep_sentence_features(message: Message) -> None:
    if not any(_is_token_feature(f) for f in message.features):
        return  # not featurized (e.g. an empty text): nothing to replace
    message.features = [f for f in message.features if not _is_token_feature(f)]
    message.features.append(
        Features(scipy.sparse.coo_matrix((1, 1)), FEATURE_TYPE_SEQUENCE, TEXT, ORIGIN)
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceFeaturesOnly(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceFeaturesOnly":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            keep_sentence_features(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            keep_sentence_features(message)
        return messages
