"""Rasa NLU component: a request for the appointment summary (issue 19, item 3).

"Can you give me a summary for my appointment", "summarise my results", or the "Summary for my
appointment" button after HER2 results: the message gets the intent nlu_fallback with
``"coverage": {"answer": "summary"}``, and action_answer_fallback gives the summary
(actions/summary.py), in the results form too (where the form then carries on), like the other
decisions of components/source_coverage.py. There is no intent of its own on purpose: an intent
that only rules mention still shifts the intent classifier's held-out scores
(components/intent_override.py, docs/nlu-evaluation.md).

Runs after the safety triage and never overrides an emergency: the emergency reply comes
first. A short message that asks for a summary and names nothing else ("summary please"), or a
summary word with an appointment or results word, is a request; "give me a summary of the
treatment options" is a question about the treatments and is left alone, as is a pasted report
(several lines, or a long message: "SUMMARY:" is a report heading).
"""

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_override import COVERAGE_KEY, UNSURE_INTENT, force_intent

SUMMARY = "summary"
# Never overridden: the emergency reply comes first.
EMERGENCY_INTENTS = {"emergency", "self_harm"}
# A symptom question gets its answer and the safety note; a drug named is a drug question.
KEEP_ENTITIES = {"symptom", "drug"}
MAX_WORDS = 20

_SUMMARY_WORD = re.compile(
    r"\b(?:summary|summaries|summari[sz]e|summari[sz]ing|recap|sum\s+(?:\w+\s+){0,3}?up)\b",
    re.IGNORECASE,
)
# Words that make a summary word a request for this summary.
_CONTEXT = re.compile(
    r"\b(?:appointments?|appt|consultation|consult|visit|clinic|doctors?|oncologists?|"
    r"surgeon|nurse|care\s+team|gp|results?|reports?|pathology|print|printable|pdf|"
    r"notes?|take\s+(?:with|in)|bring|conversation|chat|discussed|so\s+far|you\s+told\s+me)\b",
    re.IGNORECASE,
)
# The words of a bare request ("could you give me a quick summary please?").
_REQUEST_WORDS = set(
    """
    a an the me my i i'd id we us you can could would will please pls give make write send
    get have want need like do some short quick brief little of it this that everything all up
    for to just now okay ok yes thanks thank
    """.split()
)


def is_summary_request(text: str) -> bool:
    """Whether a message asks for the appointment summary."""
    text = (text or "").strip()
    if not text or "\n" in text or len(text.split()) > MAX_WORDS:
        return False
    match = _SUMMARY_WORD.search(text)
    if not match:
        return False
    if _CONTEXT.search(text):
        return True
    rest = _SUMMARY_WORD.sub(" ", text)
    words = [w.strip(".,!?:;()\"'").lower() for w in rest.split()]
    return all(not w or w in _REQUEST_WORDS for w in words)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SummaryRequest(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SummaryRequest":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            if intent in EMERGENCY_INTENTS:
                continue
            if any(e.get("entity") in KEEP_ENTITIES for e in message.get(ENTITIES) or []):
                continue
            if is_summary_request(message.get(TEXT)):
                force_intent(message, UNSURE_INTENT)
                message.set(COVERAGE_KEY, {"answer": SUMMARY}, add_to_output=True)
        return messages
