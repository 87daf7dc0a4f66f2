"""Several samples, and confirming the reading of a pasted report (issue 16, items 4 and 5),
driven through the actions with rasa_sdk Trackers the way the Rasa server calls them.

Expected categories come from the ASCO/CAP table: IHC 3+ -> HER2-positive; IHC 2+ with a
negative ISH -> HER2-low; IHC 1+ -> HER2-low; IHC 2+ alone -> equivocal.
"""

from typing import Any, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import results_replies
from actions.her2_results import (
    READING_CONFIRMED,
    READING_CORRECTED,
    READING_REDO,
    ActionAskReadingOk,
    ActionAskSampleAnswer,
    ActionExplainHER2Results,
    ActionResultsFollowup,
    ExtractHER2Values,
    ValidateHER2Form,
)
from her2 import Findings, category_info, parse
from her2.samples import Pending, Sample, add_message, message_samples, to_dicts
from tests.unit.lib import DOMAIN, TWO_TUMOURS, make_tracker, slot_sets, texts

SLOTS = (
    "ihc_score",
    "ish_result",
    "her2_findings",
    "her2_samples",
    "her2_pending",
    "her2_sample_answer",
    "her2_check",
    "her2_reading_ok",
)
FORM_DOMAIN: Dict[str, Any] = {
    "forms": {"her2_form": {"required_slots": ["ihc_score", "ish_result"]}},
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in SLOTS},
}


# A biomarker section in the CAP template's layout with a test still to come (values written
# for this test): IHC 2+ with the ISH result not known -> equivocal.
PENDING_ISH = """Specimen: left breast, core needle biopsy
Estrogen Receptor (ER): Positive (95%)
Progesterone Receptor (PgR): Positive (60%)
HER2 (by immunohistochemistry): Equivocal (Score 2+)
HER2 (by in situ hybridization): Pending, to be reported in an addendum"""

CERTAIN = """Estrogen Receptor (ER): Positive (90%)
Progesterone Receptor (PgR): Negative (<1%)
HER2 (by immunohistochemistry): Positive (Score 3+)"""


def stored_samples(*pairs) -> List[dict]:
    return to_dicts([Sample(label, parse(text)) for label, text in pairs])


async def extract(dispatcher, text, intent="inform_results", **slots):
    """Slot extraction after a user message; Rasa has reset her2_pasted just before."""
    tracker = make_tracker(text, intent=intent, slots={**slots, "her2_pasted": False})
    return await ExtractHER2Values().run(dispatcher, tracker, DOMAIN)


async def form_turn(text, intent="inform_results", pasted=False, **slots):
    """The form's validation after a user message, as Rasa calls it; (events, replies).
    pasted: the message was a pasted report (her2_pasted, set this turn)."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text, intent=intent, slots={**slots, "her2_pasted": pasted}, active_loop="her2_form"
    )
    events = await ValidateHER2Form().run(dispatcher, tracker, FORM_DOMAIN)
    return slot_sets(events), texts(dispatcher)


def after(slots: Dict[str, Any], events: Dict[str, Any]) -> Dict[str, Any]:
    return {**slots, **events}


# --- several samples: one message ---


async def test_one_message_about_two_samples_stores_both_without_asking_which_score(dispatcher):
    slots = slot_sets(
        await extract(dispatcher, "the biopsy was 2+ and the surgery sample came back 3+")
    )
    assert [(s["label"], Findings.from_dict(s["findings"]).ihc) for s in slots["her2_samples"]] == [
        ("biopsy", "2+"),
        ("surgical specimen", "3+"),
    ]
    assert slots.get("her2_pending") is None
    assert texts(dispatcher) == []  # not "two different IHC scores, which is right?"
    tracker = make_tracker("", slots={"her2_samples": slots["her2_samples"]})
    assert await ValidateHER2Form().required_slots([], dispatcher, tracker, DOMAIN) == []


# --- several samples: turn by turn ---


async def test_a_different_score_later_waits_for_another_sample_or_a_correction(dispatcher):
    before = {
        "her2_samples": stored_samples(("", "IHC 2+ and FISH not amplified")),
        "her2_findings": parse("IHC 2+ and FISH not amplified").to_dict(),
        "ihc_score": "2+",
        "ish_result": "FISH negative",
    }
    slots = slot_sets(await extract(dispatcher, "it was 3+", **before))
    assert "her2_samples" not in slots and "ihc_score" not in slots  # nothing replaced
    assert slots["her2_pending"][0]["sample"]["findings"]["ihc"] == "3+"
    state = after(before, slots)
    tracker = make_tracker("", slots=state)
    assert await ValidateHER2Form().required_slots([], dispatcher, tracker, DOMAIN) == [
        "her2_sample_answer"
    ]
    await ActionAskSampleAnswer().run(dispatcher, make_tracker("", slots=state), DOMAIN)
    question = dispatcher.messages[-1]
    assert "IHC 2+, FISH negative" in question["text"] and "IHC 3+" in question["text"]
    assert [b["title"] for b in question["buttons"]] == [
        results_replies.ANOTHER_SAMPLE,
        results_replies.A_CORRECTION,
    ]


@pytest.mark.parametrize(
    "answer, intent, ihc_scores",
    [
        (results_replies.ANOTHER_SAMPLE, "faq", ["2+", "3+"]),  # the button, whatever the NLU says
        (results_replies.A_CORRECTION, "dont_know", ["3+"]),
        ("yes", "affirm", ["2+", "3+"]),
        ("no", "deny", ["3+"]),
        ("it was from the surgery", "inform_results", ["2+", "3+"]),
    ],
)
async def test_the_answer_keeps_the_samples_apart_or_corrects(answer, intent, ihc_scores):
    state = {
        "her2_samples": stored_samples(("", "IHC 2+")),
        "her2_findings": parse("IHC 2+").to_dict(),
        "ihc_score": "2+",
        "her2_pending": [
            {"sample": {"label": "", "findings": parse("IHC 3+").to_dict()}, "target": 0}
        ],
        "requested_slot": "her2_sample_answer",
    }
    slots, replies = await form_turn(answer, intent=intent, **state)
    assert [Findings.from_dict(s["findings"]).ihc for s in slots["her2_samples"]] == ihc_scores
    assert slots["her2_pending"] is None and replies == []
    assert slots["requested_slot"] is None  # nothing else to ask: the explanation comes next
    if len(ihc_scores) == 2 and "surgery" in answer:
        assert slots["her2_samples"][1]["label"] == "surgical specimen"


async def test_an_unclear_answer_gets_a_hint_and_an_emergency_leaves_the_question():
    state = {
        "her2_samples": stored_samples(("", "IHC 2+")),
        "her2_pending": [
            {"sample": {"label": "", "findings": parse("IHC 3+").to_dict()}, "target": 0}
        ],
        "requested_slot": "her2_sample_answer",
    }
    slots, replies = await form_turn("purple", intent="nlu_fallback", **state)
    assert replies == [results_replies.SAMPLE_HINT] and slots["her2_sample_answer"] is None
    assert slots["requested_slot"] == "her2_sample_answer"  # asked again
    for intent in ("emergency", "self_harm", "stop"):
        slots, replies = await form_turn("yes I have chest pain", intent=intent, **state)
        assert set(slots) <= {"requested_slot"} and replies == []  # the form steps aside
    slots, replies = await form_turn("what is a FISH test?", intent="faq", **state)
    assert "her2_sample_answer" not in slots  # a question is answered, then asked again


async def test_with_several_samples_a_value_naming_none_asks_which_sample(dispatcher):
    two = stored_samples(("core biopsy", "IHC 2+"), ("excision", "IHC 3+"))
    slots = slot_sets(await extract(dispatcher, "FISH was not amplified", her2_samples=two))
    assert slots["her2_pending"][0]["target"] is None
    state = {"her2_samples": two, **slots}
    await ActionAskSampleAnswer().run(dispatcher, make_tracker("", slots=state), DOMAIN)
    assert [b["title"] for b in dispatcher.messages[-1]["buttons"]] == [
        "Core biopsy",
        "Excision",
        results_replies.NEW_SAMPLE,
    ]
    slots, _ = await form_turn(
        "Core biopsy", intent="faq", **{**state, "requested_slot": "her2_sample_answer"}
    )
    assert [
        (s["label"], Findings.from_dict(s["findings"]).ish_result) for s in slots["her2_samples"]
    ] == [("core biopsy", "negative"), ("excision", None)]


async def test_a_sample_named_again_gets_its_value_and_a_new_one_is_kept_apart(dispatcher):
    one = stored_samples(("biopsy", "IHC 2+"))
    slots = slot_sets(
        await extract(dispatcher, "the surgery sample came back 3+", her2_samples=one)
    )
    assert [s["label"] for s in slots["her2_samples"]] == ["biopsy", "surgical specimen"]
    assert slots.get("her2_pending") is None


async def test_a_correction_still_replaces_at_once(dispatcher):
    slots = slot_sets(
        await extract(
            dispatcher,
            "sorry, I meant 1+",
            her2_samples=stored_samples(("", "my HER2 was 3+")),
            her2_findings=parse("my HER2 was 3+").to_dict(),
            ihc_score="3+",
        )
    )
    assert slots["ihc_score"] == "1+" and slots.get("her2_pending") is None


async def test_slot_extraction_twice_on_one_message_changes_nothing_more(dispatcher):
    """Rasa runs slot extraction again when the form starts, on the same message."""
    state = {
        "her2_samples": stored_samples(("", "IHC 2+")),
        "her2_findings": parse("IHC 2+").to_dict(),
        "ihc_score": "2+",
    }
    first = slot_sets(await extract(dispatcher, "it was 3+", **state))
    assert slot_sets(await extract(dispatcher, "it was 3+", **after(state, first))) == {}
    first = slot_sets(await extract(dispatcher, TWO_TUMOURS))
    assert slot_sets(await extract(dispatcher, TWO_TUMOURS, **first)) == {"her2_pasted": True}


# --- the explanation and follow-ups for several samples ---


async def test_several_samples_are_each_explained_with_the_retesting_note(dispatcher):
    state = {
        "her2_samples": stored_samples(
            ("core biopsy", "IHC 2+ and FISH not amplified"), ("surgical specimen", "IHC 3+")
        )
    }
    events = await ActionExplainHER2Results().run(
        dispatcher, make_tracker("yes", slots=state), DOMAIN
    )
    first = texts(dispatcher)[0]
    assert "• Core biopsy: IHC 2+, FISH negative. Result: HER2-low." in first
    assert "• Surgical specimen: IHC 3+. Result: HER2-positive." in first
    assert results_replies.SEVERAL_SAMPLES_NOTE in first
    assert "Source: ASCO/CAP HER2 testing guideline" in first
    assert "What the sources say about treatment" not in "\n".join(texts(dispatcher))
    assert texts(dispatcher)[-1].endswith(results_replies.FINAL_CALL)
    assert slot_sets(events)["her2_category"] is None  # no one category for the person


async def test_samples_that_agree_get_the_treatment_bubble_for_that_category(dispatcher):
    state = {
        "her2_samples": stored_samples(
            ("part 1", "IHC 2+, FISH not amplified"), ("lumpectomy", "IHC 1+")
        )
    }
    events = await ActionExplainHER2Results().run(
        dispatcher, make_tracker("yes", slots=state), DOMAIN
    )
    assert slot_sets(events)["her2_category"] == "low"
    assert category_info("low")["treatment_families"] in "\n".join(texts(dispatcher))


@pytest.mark.parametrize("intent", ["results_treatment", "ask_eligibility"])
async def test_a_follow_up_with_samples_that_differ_covers_each_and_defers(dispatcher, intent):
    state = {
        "her2_samples": stored_samples(("core biopsy", "IHC 1+"), ("metastasis", "IHC 3+")),
        "her2_category": None,
    }
    await ActionResultsFollowup().run(
        dispatcher, make_tracker("and treatment?", intent=intent, slots=state), DOMAIN
    )
    reply = texts(dispatcher)[0]
    assert "the core biopsy: HER2-low; the metastasis: HER2-positive" in reply
    assert "is for your care team to decide" in reply
    for category in ("low", "positive"):
        assert category_info(category)["treatment_families"] in reply
    assert "Source: " in reply and reply.endswith(results_replies.FINAL_CALL)


# --- confirming the reading of a pasted report ---


async def test_an_uncertain_pasted_report_is_restated_and_confirmed_first(dispatcher):
    slots = slot_sets(await extract(dispatcher, PENDING_ISH))
    check = slots["her2_check"]
    assert "• HER2 IHC: 2+" in check["text"] and "a test is still to come" in check["text"]
    assert check["before"] == [] and slots.get("her2_reading_ok") is None
    tracker = make_tracker("", slots=slots)
    assert await ValidateHER2Form().required_slots([], dispatcher, tracker, DOMAIN) == [
        "her2_reading_ok",
        "ish_result",
    ]
    events = await ActionAskReadingOk().run(dispatcher, tracker, DOMAIN)
    asked = dispatcher.messages[-1]
    assert (
        asked["text"].startswith("Here is what I read") and "Did I read it right?" in asked["text"]
    )
    assert [b["title"] for b in asked["buttons"]] == [
        results_replies.READING_YES,
        results_replies.READING_NO,
    ]
    assert "Result:" not in asked["text"] and "equivocal" not in asked["text"].lower()
    shown = slot_sets(events)["her2_check"]
    await ActionAskReadingOk().run(
        dispatcher, make_tracker("", slots={**slots, "her2_check": shown}), DOMAIN
    )
    assert not dispatcher.messages[-1]["text"].startswith("Here is what I read")  # short


async def test_a_clear_pasted_report_is_explained_at_once(dispatcher):
    slots = slot_sets(await extract(dispatcher, CERTAIN))
    assert slots.get("her2_check") is None
    tracker = make_tracker("", slots=slots)
    assert await ValidateHER2Form().required_slots([], dispatcher, tracker, DOMAIN) == []


async def test_a_pasted_report_with_two_samples_is_confirmed_then_each_explained(dispatcher):
    slots = slot_sets(await extract(dispatcher, TWO_TUMOURS))
    assert [(s["label"], Findings.from_dict(s["findings"]).ihc) for s in slots["her2_samples"]] == [
        ("part 1", "2+"),
        ("lumpectomy", "1+"),
    ]
    assert "I read results for 2 samples" in slots["her2_check"]["text"]
    assert texts(dispatcher) == []
    confirmed, replies = await form_turn(
        results_replies.READING_YES,
        intent="affirm",
        **{**slots, "requested_slot": "her2_reading_ok"},
    )
    assert confirmed["her2_reading_ok"] == READING_CONFIRMED and confirmed["her2_check"] is None
    assert confirmed["requested_slot"] is None and replies == []


@pytest.mark.parametrize(
    "answer, intent", [("yes", "affirm"), (results_replies.READING_YES, "affirm")]
)
async def test_yes_interprets(answer, intent):
    slots = slot_sets(await extract(CollectingDispatcher(), PENDING_ISH))
    confirmed, _ = await form_turn(
        answer, intent=intent, **{**slots, "requested_slot": "her2_reading_ok"}
    )
    assert confirmed["her2_reading_ok"] == READING_CONFIRMED
    assert confirmed["requested_slot"] == "ish_result"  # then what the result still needs


@pytest.mark.parametrize("answer, intent", [("no", "deny"), (results_replies.READING_NO, "stop")])
async def test_no_sets_the_reading_aside_and_asks_for_the_values(answer, intent):
    slots = slot_sets(await extract(CollectingDispatcher(), PENDING_ISH))
    redo, replies = await form_turn(
        answer, intent=intent, **{**slots, "requested_slot": "her2_reading_ok"}
    )
    assert replies == [results_replies.READING_CORRECTED]
    assert redo["her2_reading_ok"] == READING_REDO and redo["her2_samples"] == []
    assert redo["her2_findings"] is None and redo["requested_slot"] == "ihc_score"
    # the value typed next is stored, and the usual questions follow
    state = after(after(slots, redo), {"requested_slot": "ihc_score"})
    typed = slot_sets(await extract(CollectingDispatcher(), "2+", **state))
    assert typed["ihc_score"] == "2+" and typed["her2_reading_ok"] is None


async def test_values_typed_instead_of_yes_or_no_correct_the_reading(dispatcher):
    slots = slot_sets(await extract(dispatcher, PENDING_ISH))
    state = {**slots, "requested_slot": "her2_reading_ok"}
    typed = slot_sets(await extract(dispatcher, "the FISH came back not amplified", **state))
    assert Findings.from_dict(typed["her2_findings"]).ish_result == "negative"
    corrected, _ = await form_turn("the FISH came back not amplified", **after(state, typed))
    assert corrected["her2_reading_ok"] == READING_CORRECTED
    assert corrected["requested_slot"] is None  # IHC 2+ and ISH negative: explained next


async def test_an_unclear_answer_to_the_reading_question_gets_a_hint():
    slots = slot_sets(await extract(CollectingDispatcher(), PENDING_ISH))
    state = {**slots, "requested_slot": "her2_reading_ok"}
    answered, replies = await form_turn("hmm", intent="nlu_fallback", **state)
    assert replies == [results_replies.READING_HINT] and answered["her2_reading_ok"] is None
    left, replies = await form_turn("I can't breathe", intent="emergency", **state)
    assert set(left) <= {"requested_slot"} and replies == []  # Rasa's form then steps aside


def test_message_samples_match_the_stored_ones():
    update = add_message([], message_samples(TWO_TUMOURS, parse(TWO_TUMOURS)))
    assert [s.label for s in update.samples] == ["part 1", "lumpectomy"]


async def test_a_different_score_while_the_form_asks_for_fish_is_asked_about_without_a_hint():
    state = {
        "her2_samples": stored_samples(("", "IHC 2+")),
        "her2_findings": parse("IHC 2+").to_dict(),
        "ihc_score": "2+",
        "requested_slot": "ish_result",
    }
    extracted = slot_sets(await extract(CollectingDispatcher(), "it was 3+", **state))
    assert extracted["her2_pending"]
    slots, replies = await form_turn("it was 3+", **after(state, extracted))
    assert replies == []  # not "I couldn't find a FISH/ISH result in that"
    assert slots["requested_slot"] == "her2_sample_answer"


def test_the_sample_question_names_samples_plainly():
    question = results_replies.sample_question(
        [Sample("core biopsy", parse("IHC 2+"))], [Pending(Sample("", parse("IHC 3+")), 0)]
    )
    assert question["text"].startswith(
        "Earlier you told me IHC 2+ for the core biopsy, and now IHC 3+."
    )
    reply = results_replies.samples_followup(
        "results_treatment", [Sample("", parse("IHC 1+")), Sample("", parse("IHC 3+"))]
    )
    assert reply["text"].startswith(
        "Your samples gave different results (sample 1: HER2-low; sample 2: HER2-positive)."
    )


async def test_a_pasted_report_is_marked_whatever_the_intent(dispatcher):
    """The NLU often takes a pasted report's ER/PR/HER2 lines for a question (faq); her2_pasted
    lets the rules take it to the results form all the same (data/rules/her2_results.yml)."""
    slots = slot_sets(await extract(dispatcher, TWO_TUMOURS, intent="faq"))
    assert slots["her2_pasted"] is True and len(slots["her2_samples"]) == 2
    slots = slot_sets(await extract(dispatcher, CERTAIN, intent="nlu_fallback"))
    assert slots["her2_pasted"] is True and slots["ihc_score"] == "3+"
    # a question with values on one line is a question
    assert (
        await extract(
            dispatcher, "what does ER positive, PR negative and HER2 2+ mean?", intent="faq"
        )
        == []
    )
    slots = slot_sets(await extract(dispatcher, "my ER is positive, PR negative and HER2 2+"))
    assert "her2_pasted" not in slots


async def test_a_report_pasted_while_a_question_is_open_is_read_not_stepped_aside():
    slots = slot_sets(await extract(CollectingDispatcher(), PENDING_ISH))
    state = {**slots, "requested_slot": "her2_reading_ok"}
    pasted = slot_sets(await extract(CollectingDispatcher(), TWO_TUMOURS, intent="faq", **state))
    answered, replies = await form_turn(
        TWO_TUMOURS, intent="faq", pasted=True, **after(state, pasted)
    )
    assert answered["requested_slot"] == "her2_reading_ok" and replies == []
