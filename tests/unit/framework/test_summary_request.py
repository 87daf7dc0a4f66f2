"""Recognising a request for the appointment summary (components/summary_request.py): the
button, requests in words, and what is left alone (questions about a topic, pasted reports,
emergencies, symptom and drug questions)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.results_replies import SUMMARY_BUTTON
from components.summary_request import SummaryRequest, is_summary_request


@pytest.mark.parametrize(
    "text",
    [
        SUMMARY_BUTTON,
        "can you give me a summary for my appointment",
        "Could you sum it all up for me?",
        "summary please",
        "summarise my results",
        "I'd like a printable summary",
        "can I have a summary to take to my oncologist?",
        "recap of what we discussed",
    ],
)
def test_requests_for_the_summary(text):
    assert is_summary_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "give me a summary of the treatment options",
        "is there a summary of side effects",
        "what is HER2?",
        "SUMMARY: invasive ductal carcinoma, grade 2\nHER2 (IHC): 2+\nFISH: not amplified",
        "Final summary of findings: invasive carcinoma of no special type with lymphovascular "
        "invasion present and margins clear, ER positive, PR negative, HER2 report to follow",
    ],
)
def test_other_messages_are_left_alone(text):
    assert not is_summary_request(text)


def message(text, intent, entities=()):
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "entities": list(entities),
        }
    )


def test_the_component_sets_the_decision_and_keeps_the_classifier_s_ranking():
    [done] = SummaryRequest().process([message(SUMMARY_BUTTON, "faq")])
    assert done.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert done.get("coverage") == {"answer": "summary"}
    assert [r["name"] for r in done.get("intent_ranking")] == ["nlu_fallback", "faq"]


@pytest.mark.parametrize(
    "intent, entities",
    [
        ("emergency", []),
        ("self_harm", []),
        ("faq", [{"entity": "symptom", "value": "chest pain"}]),
        ("ask_drug", [{"entity": "drug", "value": "trastuzumab"}]),
    ],
)
def test_an_emergency_a_symptom_or_a_drug_question_is_never_taken(intent, entities):
    [done] = SummaryRequest().process([message("summary for my appointment", intent, entities)])
    assert done.get("intent")["name"] == intent and done.get("coverage") is None
