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
from her2 import Findings, classify, parse, samples

NOT_KNOWN = "not_known"
# her2_reading_ok: the reading of a pasted report is right / wrong (the values are asked for
# again) / corrected by values typed instead of an answer.
READING_CONFIRMED, READING_REDO, READING_CORRECTED = "yes", "no", "corrected"
# Intents that ask something else mid-form: the form steps aside for them.
QUESTION_INTENTS = {
    "faq",
    "ask_drug",
    "list_drugs",
    "help",
    "bot_challenge",
    "tell_more",
    "results_treatment",
    "ask_eligibility",
    "stop",
    "emergency",
    "self_harm",
    "restart",
    "clear_conversation",
    "goodbye",
    "greet",
    "thank",
}
EMERGENCY_INTENTS = {"emergency", "self_harm"}
# A pasted report: at least this many lines (and restated field by field).
MIN_PASTED_LINES = 3
RESULT_INTENTS = {
    "inform_results",
    "interpret_results",
    "results_treatment",
    "ask_eligibility",
    "dont_know",
}
# Words that show a message is about the user's (or their loved one's) own report.
PERSONAL_WORDS = {
    "my",
    "mine",
    "i",
    "i'm",
    "im",
    "me",
    "we",
    "our",
    "her",
    "his",
    "mum",
    "mom",
    "mother",
    "wife",
    "husband",
    "partner",
    "sister",
    "daughter",
    "friend",
    "report",
    "result",
    "results",
    "came",
    "says",
    "said",
    "was",
}


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


def stored_samples(tracker: Tracker) -> List[samples.Sample]:
    """The results per sample; a conversation from before samples were kept (her2_findings
    only) is one unnamed sample."""
    data = tracker.get_slot("her2_samples")
    if data is not None:
        return samples.samples_from(data)
    findings = stored_findings(tracker)
    return [] if findings.is_empty() else [samples.Sample("", findings)]


def stored_pending(tracker: Tracker) -> List[samples.Pending]:
    return samples.pending_from(tracker.get_slot("her2_pending"))


def _intent(tracker: Tracker) -> Optional[str]:
    """The message's intent; a question the source coverage answers (something the sources
    don't cover, or the facts: components/source_coverage.py) and a request for the summary
    (components/summary_request.py) count as a question."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if (tracker.latest_message.get("coverage") or {}).get("answer") in (
        "uncovered",
        "facts",
        "summary",
    ):
        return "faq"
    return intent


def _has_ish(findings: Findings) -> bool:
    return any(v is not None for v in (findings.ish_result, findings.ratio, findings.copy_number))


def is_pasted_report(text: str) -> bool:
    """Several lines that read as a report's results (restated field by field)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return len(lines) >= MIN_PASTED_LINES and results_replies.reading_message(text) is not None


def _is_about_own_results(tracker: Tracker, text: str, pasted: bool = False) -> bool:
    if tracker.active_loop.get("name") == "her2_form":
        return True
    if pasted:
        return True  # someone pasting a report is sharing their (or their loved one's) results
    if (tracker.latest_message.get("intent") or {}).get("name") in RESULT_INTENTS:
        return True
    words = {w.strip(".,!?:;()\"'").lower() for w in text.split()}
    return bool(words & PERSONAL_WORDS)


def slot_events(merged: Findings, tracker: Tracker) -> List[Dict[Text, Any]]:
    """SlotSets for the findings that changed. Re-setting an unchanged required slot would
    make the form treat a mid-form question as an answer, so unchanged values are left out."""
    return _changed(_findings_values(merged), tracker)


def state_events(
    stored: List[samples.Sample],
    pending: List[samples.Pending],
    tracker: Tracker,
    check: Optional[Dict[str, Any]] = None,
) -> List[Dict[Text, Any]]:
    """SlotSets for the samples (her2_findings and the form's slots follow the last one), the
    values waiting for an answer, and a reading waiting for confirmation; changed ones only."""
    values: Dict[str, Any] = {
        "her2_samples": samples.to_dicts(stored),
        "her2_pending": samples.to_dicts(pending) or None,
    }
    if stored:
        values.update(_findings_values(stored[-1].findings))
    else:
        values.update({"her2_findings": None, "ihc_score": None, "ish_result": None})
    if pending and values["her2_pending"] != tracker.get_slot("her2_pending"):
        values["her2_sample_answer"] = None  # a new question
    if check is not None:
        values["her2_check"] = check
        if check != tracker.get_slot("her2_check"):
            values["her2_reading_ok"] = None  # a new question
    elif tracker.get_slot("her2_reading_ok") == READING_REDO:
        values["her2_reading_ok"] = None  # the values asked for again have come
    return _changed(values, tracker)


def _findings_values(merged: Findings) -> Dict[str, Any]:
    values = {"her2_findings": merged.to_dict()}
    if merged.ihc is not None:
        values["ihc_score"] = merged.ihc
    elif merged.has_ihc_contradiction():
        values["ihc_score"] = None
    if _has_ish(merged):
        values["ish_result"] = results_replies.ish_summary(merged)
    return values


def _changed(values: Dict[str, Any], tracker: Tracker) -> List[Dict[Text, Any]]:
    return [
        SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value
    ]


def reading_to_check(text: str, tracker: Tracker) -> Optional[Dict[str, Any]]:
    """her2_check for a pasted report whose reading needs confirming: the restatement, and the
    samples from before it (kept if the person says the reading is wrong). The same report
    read again (Rasa extracts slots twice when the form starts) keeps its first record."""
    restatement = results_replies.reading_check(text)
    if restatement is None:
        return None
    current = tracker.get_slot("her2_check")
    if current and current.get("text") == restatement:
        return current
    return {
        "text": restatement,
        "before": samples.to_dicts(stored_samples(tracker)),
        "shown": False,
    }


class ExtractHER2Values(ValidationAction):
    """Runs after every user message (action_extract_slots) and stores any HER2 values, per
    sample (her2.samples): a value that would change a stored result waits for the person to
    say whether it is another sample or a correction; a pasted report read with something
    unclear waits for the person to confirm the reading."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if not text or text.startswith("/"):
            return []
        if _intent(tracker) in EMERGENCY_INTENTS:
            # The emergency reply comes first and alone: a value in the same message must
            # not let the results form carry on (data/rules/safety.yml ends the form).
            return []
        requested = tracker.get_slot("requested_slot")
        findings = parse_turn(text, requested)
        if findings.is_empty():
            return []
        pasted = is_pasted_report(text)
        if not _is_about_own_results(tracker, text, pasted):
            return []
        new = samples.message_samples(text, findings)
        check = reading_to_check(text, tracker)
        problem = results_replies.problem_message(findings)
        if problem and (len(new) > 1 or check) and not classify(findings).problems:
            problem = None  # two samples' values, or restated for checking: not a contradiction
        if problem:
            dispatcher.utter_message(text=problem)
        # While the bot asks to check its reading, new values correct it.
        correcting = requested == "her2_reading_ok" or samples.is_correction(text)
        update = samples.add_message(stored_samples(tracker), new, correction=correcting)
        pending = update.pending or stored_pending(tracker)  # an open question stays open
        events = state_events(update.samples, pending, tracker, check)
        if pasted:
            events.append(SlotSet("her2_pasted", True))
        return events


class ValidateHER2Form(FormValidationAction):
    """Asks only for what the classification still needs: first whether a pasted report was
    read right (when it needed checking), then whether a value that would change a stored
    result is another sample or a correction, then the IHC score and ISH result of a single
    sample (with several samples each one's explanation says what it still needs)."""

    def name(self) -> Text:
        return "validate_her2_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        required = []
        if tracker.get_slot("her2_check"):
            required.append("her2_reading_ok")
        if tracker.get_slot("her2_pending"):
            required.append("her2_sample_answer")
        stored = stored_samples(tracker)
        if len(stored) > 1:
            return required
        needs = classify(stored[0].findings if stored else Findings()).needs
        if tracker.get_slot("her2_reading_ok") == READING_REDO:
            needs = list(dict.fromkeys(["ihc"] + needs))  # the values are asked for again
        if "ihc" in needs:
            required.append("ihc_score")
        if "ish" in needs or "dual_probe_ish" in needs:
            required.append("ish_result")
        return required

    async def extract_ihc_score(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer_for("ihc_score", dispatcher, tracker)

    async def extract_ish_result(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer_for("ish_result", dispatcher, tracker)

    def _answer_for(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """ "I don't know" fills the slot; an answer with no usable value gets a hint."""
        if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
            return {}
        intent = _intent(tracker)
        if intent in EMERGENCY_INTENTS:
            return {}
        if intent == "dont_know":
            dispatcher.utter_message(text=results_replies.dont_know_help(slot))
            return {slot: NOT_KNOWN}
        if tracker.get_slot("her2_pasted") or tracker.get_slot("her2_pending"):
            # a pasted report (stored already), or a value that waits for "another sample or
            # a correction?": the form asks what comes next
            return {slot: None}
        if intent in QUESTION_INTENTS:
            return {}
        text = tracker.latest_message.get("text") or ""
        if results_replies.problem_message(parse_turn(text, slot)) is None:
            dispatcher.utter_message(text=results_replies.reask_hint(slot))
        return {slot: None}

    # --- "Did I read it right?" (a pasted report that needed checking) ---

    async def extract_her2_reading_ok(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "her2_reading_ok":
            return {}
        intent = _intent(tracker)
        text = (tracker.latest_message.get("text") or "").strip()
        if intent in EMERGENCY_INTENTS:
            return {}
        if text == results_replies.READING_YES:
            return {"her2_reading_ok": READING_CONFIRMED}
        if text == results_replies.READING_NO:
            return {"her2_reading_ok": READING_REDO}
        if tracker.get_slot("her2_pasted"):
            # another report: a reading to check is asked about; a clear one corrected it
            fresh = not (tracker.get_slot("her2_check") or {}).get("shown")
            return {"her2_reading_ok": None if fresh else READING_CORRECTED}
        if intent in QUESTION_INTENTS:  # asked something else, or wants to stop
            return {}
        if not parse_turn(text, None).is_empty():
            return {"her2_reading_ok": READING_CORRECTED}  # stored as corrections already
        if intent == "affirm":
            return {"her2_reading_ok": READING_CONFIRMED}
        if intent == "deny":
            return {"her2_reading_ok": READING_REDO}
        dispatcher.utter_message(text=results_replies.READING_HINT)
        return {"her2_reading_ok": None}

    async def validate_her2_reading_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in (READING_CONFIRMED, READING_CORRECTED):
            return {"her2_reading_ok": value, "her2_check": None}
        if value == READING_REDO:
            dispatcher.utter_message(text=results_replies.READING_CORRECTED)
            before = samples.samples_from((tracker.get_slot("her2_check") or {}).get("before"))
            events = {event["name"]: event["value"] for event in state_events(before, [], tracker)}
            return {
                **events,
                "her2_samples": samples.to_dicts(before),
                "her2_pending": None,
                "ihc_score": None,
                "ish_result": None,
                "her2_check": None,
                "her2_reading_ok": READING_REDO,
            }
        return {"her2_reading_ok": None}

    # --- "Another sample, or a correction?" / "Which sample is it for?" ---

    async def extract_her2_sample_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "her2_sample_answer":
            return {}
        intent = _intent(tracker)
        if intent in EMERGENCY_INTENTS:
            return {}
        stored, pending = stored_samples(tracker), stored_pending(tracker)
        text = (tracker.latest_message.get("text") or "").strip()
        names = results_replies.sample_names(stored)
        if tracker.get_slot("her2_pasted"):
            return {"her2_sample_answer": None}  # a pasted report: asked about again
        if intent in QUESTION_INTENTS and text not in results_replies.sample_buttons(names):
            return {}  # asked something else, or wants to stop
        yes_no = {"affirm": True, "deny": False}.get(intent)
        if samples.answer(stored, pending, text, yes_no, names) is not None:
            return {"her2_sample_answer": text}
        which = any(item.target is None for item in pending)
        dispatcher.utter_message(text=results_replies.sample_hint(which))
        return {"her2_sample_answer": None}

    async def validate_her2_sample_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not value:
            return {"her2_sample_answer": None}
        stored = stored_samples(tracker)
        yes_no = {"affirm": True, "deny": False}.get(_intent(tracker))
        answered = samples.answer(
            stored, stored_pending(tracker), value, yes_no, results_replies.sample_names(stored)
        )
        if answered is None:
            return {"her2_sample_answer": None}
        events = {event["name"]: event["value"] for event in state_events(answered, [], tracker)}
        return {
            **events,
            "her2_samples": samples.to_dicts(answered),
            "her2_pending": None,
            "her2_sample_answer": value,
        }


class ActionAskReadingOk(Action):
    """The her2_form's question for her2_reading_ok: what was read, and "Did I read it right?"
    (the restatement in full the first time only)."""

    def name(self) -> Text:
        return "action_ask_her2_reading_ok"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        check = tracker.get_slot("her2_check") or {}
        first_time = not check.get("shown")
        dispatcher.utter_message(
            **results_replies.reading_question(check.get("text", ""), first_time)
        )
        return [SlotSet("her2_check", {**check, "shown": True})] if first_time and check else []


class ActionAskSampleAnswer(Action):
    """The her2_form's question for her2_sample_answer: another sample or a correction; or
    which sample a value is for."""

    def name(self) -> Text:
        return "action_ask_her2_sample_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        pending = stored_pending(tracker)
        if pending:
            dispatcher.utter_message(
                **results_replies.sample_question(stored_samples(tracker), pending)
            )
        return []


class ActionExplainHER2Results(Action):
    """Explains the stored results: one sample's classification, or each sample's on its own
    with what the guideline says about testing again (her2.samples)."""

    def name(self) -> Text:
        return "action_explain_her2_results"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        stored = [sample for sample in stored_samples(tracker) if not sample.findings.is_empty()]
        if not stored:
            dispatcher.utter_message(text=results_replies.nothing_to_explain())
            return []
        reading = results_replies.reading_message(tracker.latest_message.get("text") or "")
        if reading:
            dispatcher.utter_message(**reading)
        if len(stored) > 1:
            for message in results_replies.samples_messages(stored):
                dispatcher.utter_message(**message)
            return [SlotSet("her2_category", results_replies.shared_category(stored))]
        findings = stored[0].findings
        result = classify(findings)
        not_known = [s for s in ("ihc_score", "ish_result") if tracker.get_slot(s) == NOT_KNOWN]
        for message in results_replies.explanation_messages(findings, result, not_known):
            dispatcher.utter_message(**message)
        return [SlotSet("her2_category", result.category)]


class ActionResultsFollowup(Action):
    """Treatment and eligibility questions, answered for the user's own category (for each
    kind of result when samples gave different ones)."""

    def name(self) -> Text:
        return "action_results_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = _intent(tracker)
        category = tracker.get_slot("her2_category")
        stored = [sample for sample in stored_samples(tracker) if not sample.findings.is_empty()]
        if len(stored) > 1 and results_replies.shared_category(stored) is None:
            message = results_replies.samples_followup(intent, stored)
        elif intent == "ask_eligibility":
            message = results_replies.eligibility_message(category)
        else:
            message = results_replies.treatment_message(
                category, stored[-1].findings if stored else Findings()
            )
        dispatcher.utter_message(**message)
        return []
