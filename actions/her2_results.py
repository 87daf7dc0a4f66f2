"""Actions that read HER2 test results from the conversation and explain them.

All parsing and classification is done by the ``her2`` package; these actions
only move values between the tracker and that package and word the replies.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import results_replies
from her2 import Findings, classify, parse

NOT_KNOWN = "not_known"
# Intents that ask something else mid-form: the form steps aside for them.
QUESTION_INTENTS = {"faq", "ask_drug", "list_drugs", "help", "bot_challenge", "tell_more",
                    "results_treatment", "ask_eligibility", "stop", "emergency", "self_harm", "restart",
                    "clear_conversation", "ask_uncovered", "goodbye", "greet", "thank"}
EMERGENCY_INTENTS = {"emergency", "self_harm"}
RESULT_INTENTS = {"inform_results", "interpret_results", "results_treatment",
                  "ask_eligibility", "dont_know"}
# Words that show a message is about the user's (or their loved one's) own report.
PERSONAL_WORDS = {"my", "mine", "i", "i'm", "im", "me", "we", "our", "her", "his", "mum",
                  "mom", "mother", "wife", "husband", "partner", "sister", "daughter",
                  "friend", "report", "result", "results", "came", "says", "said", "was"}


def parse_turn(text: str, requested_slot: Optional[str]) -> Findings:
    """Findings in one message; a bare answer ("2+", "not amplified") is read as the
    answer to the question the form just asked."""
    findings = parse(text)
    if requested_slot == "ihc_score" and findings.ihc is None and not findings.ihc_candidates:
        hinted = parse(f"IHC {text}")
        if hinted.ihc or hinted.problems:
            return hinted
    if requested_slot == "ish_result" and not _has_ish(findings):
        hinted = parse(f"FISH {text}")
        if _has_ish(hinted) or hinted.problems:
            return hinted
    return findings


def stored_findings(tracker: Tracker) -> Findings:
    return Findings.from_dict(tracker.get_slot("her2_findings") or {})


def _has_ish(findings: Findings) -> bool:
    return any(v is not None for v in (findings.ish_result, findings.ratio, findings.copy_number))


def _is_about_own_results(tracker: Tracker, text: str) -> bool:
    if tracker.active_loop.get("name") == "her2_form":
        return True
    if (tracker.latest_message.get("intent") or {}).get("name") in RESULT_INTENTS:
        return True
    words = {w.strip(".,!?:;()\"'").lower() for w in text.split()}
    return bool(words & PERSONAL_WORDS)


def slot_events(merged: Findings, tracker: Tracker) -> List[Dict[Text, Any]]:
    """SlotSets for the findings that changed. Re-setting an unchanged required slot would
    make the form treat a mid-form question as an answer, so unchanged values are left out."""
    values = {"her2_findings": merged.to_dict()}
    if merged.ihc is not None:
        values["ihc_score"] = merged.ihc
    elif merged.has_ihc_contradiction():
        values["ihc_score"] = None
    if _has_ish(merged):
        values["ish_result"] = results_replies.ish_summary(merged)
    return [SlotSet(name, value) for name, value in values.items()
            if tracker.get_slot(name) != value]


class ExtractHER2Values(ValidationAction):
    """Runs after every user message (action_extract_slots) and stores any HER2 values."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if not text or text.startswith("/"):
            return []
        if (tracker.latest_message.get("intent") or {}).get("name") in EMERGENCY_INTENTS:
            # The emergency reply comes first and alone: a value in the same message must
            # not let the results form carry on (data/rules/safety.yml ends the form).
            return []
        findings = parse_turn(text, tracker.get_slot("requested_slot"))
        if findings.is_empty() or not _is_about_own_results(tracker, text):
            return []
        problem = results_replies.problem_message(findings)
        if problem:
            dispatcher.utter_message(text=problem)
        merged = stored_findings(tracker).merge(findings)
        merged.problems = []  # impossible values are reported, never stored
        return slot_events(merged, tracker)


class ValidateHER2Form(FormValidationAction):
    """Asks only for what the classification still needs."""

    def name(self) -> Text:
        return "validate_her2_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        needs = classify(stored_findings(tracker)).needs
        required = []
        if "ihc" in needs:
            required.append("ihc_score")
        if "ish" in needs or "dual_probe_ish" in needs:
            required.append("ish_result")
        return required

    async def extract_ihc_score(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        return self._answer_for("ihc_score", dispatcher, tracker)

    async def extract_ish_result(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        return self._answer_for("ish_result", dispatcher, tracker)

    def _answer_for(self, slot: str, dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> Dict[Text, Any]:
        """"I don't know" fills the slot; an answer with no usable value gets a hint."""
        if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "dont_know":
            dispatcher.utter_message(text=results_replies.dont_know_help(slot))
            return {slot: NOT_KNOWN}
        if intent in QUESTION_INTENTS:
            return {}
        text = tracker.latest_message.get("text") or ""
        if results_replies.problem_message(parse_turn(text, slot)) is None:
            dispatcher.utter_message(text=results_replies.reask_hint(slot))
        return {slot: None}


class ActionExplainHER2Results(Action):
    def name(self) -> Text:
        return "action_explain_her2_results"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        findings = stored_findings(tracker)
        if findings.is_empty():
            dispatcher.utter_message(text=results_replies.nothing_to_explain())
            return []
        result = classify(findings)
        not_known = [s for s in ("ihc_score", "ish_result") if tracker.get_slot(s) == NOT_KNOWN]
        reading = results_replies.reading_message(tracker.latest_message.get("text") or "")
        if reading:
            dispatcher.utter_message(**reading)
        for message in results_replies.explanation_messages(findings, result, not_known):
            dispatcher.utter_message(**message)
        return [SlotSet("her2_category", result.category)]


class ActionResultsFollowup(Action):
    """Treatment and eligibility questions, answered for the user's own category."""

    def name(self) -> Text:
        return "action_results_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        category = tracker.get_slot("her2_category")
        findings = stored_findings(tracker)
        if intent == "ask_eligibility":
            message = results_replies.eligibility_message(category)
        else:
            message = results_replies.treatment_message(category, findings)
        dispatcher.utter_message(**message)
        return []
