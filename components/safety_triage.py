"""Rasa NLU component: the safety triage (triage/) decides before anything else.

Runs last in the pipeline, after the intent classifier, the response selector and the drug
extractor, so that what it decides always wins:
- emergency now: the ``emergency`` or ``self_harm`` intent, which the rules answer with the
  emergency reply first (data/rules/safety.yml). Two layers, either of which raises the
  alarm: the lexicon (triage.assess) and the safety classifier (triage/classifier.py),
  trained here with the model on the NLU examples and the blind-written sets of
  data/safety/. The intent classifier's own emergency intents are never trusted alone;
- a question about a symptom or a risk: the ``symptom`` entity, so the rules add the one-line
  safety note to the answer; a named drug makes it a question about that drug's side
  effects; a question the intent classifier could not place gets the honest reply;
- distress without danger: the FAQ topic "coping" (support, with crisis lines offered).
The decision is added to the parse result under "triage": tier, kind, category, and each
layer's own opinion ("lexicon": its tier; "classifier": the emergency kind or None, and
"classifier_probability"), so that each layer can be measured (tests/safety/).
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import triage
from components.drug_entity_extractor import DRUG_INTENT
from components.intent_override import (
    COVERAGE_KEY,
    FAQ,
    force_faq_topic,
    force_intent,
    weakly_answered,
    withdraw_weak_answer,
)
from triage import classifier

EMERGENCY_INTENTS = {"medical": "emergency", "self_harm": "self_harm"}
SYMPTOM_ENTITY = "symptom"
UNSURE_INTENT = "nlu_fallback"
# Intents whose answer a symptom question keeps (the safety note is added to the FAQ and drug
# answers); any other intent is a guess about a question the sources may not cover: it gets
# the honest reply instead. HER2 results keep their own conversation.
ANSWERING_INTENTS = {
    FAQ,
    DRUG_INTENT,
    "list_drugs",
    "inform_results",
    "interpret_results",
    "results_treatment",
    "ask_eligibility",
}
DISTRESS_TOPIC = "coping"
COPING_KEY = f"{FAQ}/{DISTRESS_TOPIC}"
MODEL_FILE = "safety_classifier.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafetyTriage(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # The safety classifier's settings (measured in bench/TUNING.md, change 19):
            # the probability of an emergency from which it raises the alarm, and the
            # logistic regression's inverse regularisation.
            "classifier_threshold": 0.85,
            "classifier_c": 64.0,
            # The distress classifier's: the probability from which a message that is
            # neither an emergency nor a symptom question counts as distress, and its C
            # (bench/TUNING.md, change 20).
            "distress_threshold": 0.5,
            "distress_c": 16.0,
            # Blind-written, labelled messages it also learns from: every dev set in
            # data/safety/ (a glob, relative to the project; never the held-out set).
            "labelled_sets": "data/safety/dev*_messages.yml",
        }

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyTriage":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SafetyTriage":
        models = None
        try:
            with model_storage.read_from(resource) as directory:
                models = joblib.load(Path(directory) / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            models = None  # trained without examples: the lexicon decides alone
        return cls(config, model_storage, resource, models)

    def __init__(
        self,
        config: Optional[Dict[str, Any]] = None,
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        models: Optional[Dict[str, Any]] = None,
    ) -> None:
        config = {**self.get_default_config(), **(config or {})}
        self._config = config
        self._threshold = float(config["classifier_threshold"])
        self._distress_threshold = float(config["distress_threshold"])
        models = models or {}
        self._storage, self._resource = model_storage, resource
        self._model, self._distress_model = models.get("emergency"), models.get("distress")
        triage.lexicon()  # built once, before the first message

    # -- training -----------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        texts, labels, feelings = [], [], []
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            texts.append(example.get(TEXT))
            labels.append(
                "self_harm"
                if intent == "self_harm"
                else "medical"
                if intent == "emergency"
                else "none"
            )
            feelings.append(
                "distress" if example.get(INTENT_RESPONSE_KEY) == COPING_KEY else "none"
            )
        for path in sorted(Path().glob(self._config["labelled_sets"])):
            for message in yaml.safe_load(Path(path).read_text())["messages"]:
                texts.append(message["text"])
                labels.append(message["kind"] if message["tier"] == "emergency" else "none")
                feelings.append("distress" if message["tier"] == "distress" else "none")
        if {"self_harm", "medical"} & set(labels):
            self._model = classifier.fit(texts, labels, float(self._config["classifier_c"]))
            models = {"emergency": self._model}
            if "distress" in feelings:
                self._distress_model = classifier.fit(
                    texts,
                    feelings,
                    float(self._config["distress_c"]),
                    classes=classifier.DISTRESS_CLASSES,
                )
                models["distress"] = self._distress_model
            with self._storage.write_to(self._resource) as directory:
                joblib.dump(models, Path(directory) / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # -- messages -----------------------------------------------------------------------
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                self._triage(message, text)
        return messages

    def _triage(self, message: Message, text: Text) -> None:
        assessment = triage.assess(text)
        by_classifier, probability = (
            classifier.emergency(self._model, text, self._threshold)
            if self._model is not None
            else (None, 0.0)
        )
        if assessment.is_emergency:
            kind = assessment.kind
        else:
            kind = by_classifier or ""
        intent = (message.get(INTENT) or {}).get("name")
        p_distress = (
            classifier.distress(self._distress_model, text)
            if self._distress_model is not None
            else 0.0
        )
        if kind:
            force_intent(message, EMERGENCY_INTENTS[kind])
            tier = "emergency"
        else:
            tier = assessment.tier
            if tier is None and p_distress >= self._distress_threshold:
                tier = "distress"  # the distress classifier's opinion
            if tier in ("distress", "symptom_question") and weakly_answered(message):
                # feelings and symptoms come before facts chosen only by their topic's vote
                withdraw_weak_answer(message)
            if intent in EMERGENCY_INTENTS.values():
                # the intent classifier alone never raises the alarm
                force_intent(message, UNSURE_INTENT)
                intent = UNSURE_INTENT
            if tier == "symptom_question":
                self._symptom_question(message, intent, assessment.evidence)
            elif (
                tier == "distress"
                and not _answered_by_coverage(message)
                and (
                    intent in (UNSURE_INTENT, "out_of_scope", None)
                    or (intent == FAQ and "?" not in text and assessment.tier == "distress")
                )
            ):
                # feelings, not a question: support, whatever topic the words resemble ("my
                # world collapsed when I got the diagnosis" is not a question about diagnosis);
                # a FAQ question is taken from its topic only on the lexicon's word (questions
                # are often typed without "?": "can you have breast cancer and feel nothing")
                force_faq_topic(message, DISTRESS_TOPIC)
        message.set(
            "triage",
            {
                "tier": tier,
                "kind": kind,
                "category": assessment.category,
                "lexicon": assessment.tier,
                "classifier": by_classifier,
                "classifier_probability": round(probability, 4),
                "distress_probability": round(p_distress, 4),
            },
            add_to_output=True,
        )

    @staticmethod
    def _symptom_question(message: Message, intent: Optional[str], evidence: str) -> None:
        entities = list(message.get(ENTITIES, []) or [])
        start = max(0, (message.get(TEXT) or "").find(evidence))
        entities.append(
            {
                "entity": SYMPTOM_ENTITY,
                "value": evidence,
                "start": start,
                "end": start + len(evidence),
                "confidence_entity": 1.0,
                "extractor": SafetyTriage.__name__,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)
        if _answered_by_coverage(message):
            return  # the honest "my sources don't cover ..." or the facts, with the note
        drugs = {e.get("value") for e in entities if e.get("entity") == "drug"}
        # one drug named: its side effects; several ("my Carbo/Taxo/Herceptin/Perjeta
        # infusion") and a topic chosen: the topic (no one drug's list for them all)
        if len(drugs) == 1 or (drugs and intent not in ANSWERING_INTENTS):
            force_intent(message, DRUG_INTENT)
        elif intent not in ANSWERING_INTENTS:
            force_intent(message, UNSURE_INTENT)


def _answered_by_coverage(message: Message) -> bool:
    """The source coverage chose an answer for it: the honest "not covered" or the facts."""
    return (message.get(COVERAGE_KEY) or {}).get("answer") in ("uncovered", "facts")
