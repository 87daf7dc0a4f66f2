"""HER2 results actions, driven with rasa_sdk Trackers and a CollectingDispatcher."""

import pytest

from actions import results_replies
from actions.her2_results import (
    ActionExplainHER2Results,
    ActionResultsFollowup,
    ExtractHER2Values,
    ValidateHER2Form,
)
from her2 import Findings, category_info, classify, parse
from knowledge.drug_matcher import drug_by_id
from tests.unit.lib import DOMAIN, make_tracker, slot_sets, texts


def stored(text: str) -> dict:
    return parse(text).to_dict()


async def extract(dispatcher, text, **kwargs):
    return await ExtractHER2Values().run(dispatcher, make_tracker(text, **kwargs), DOMAIN)


async def test_results_in_a_message_fill_the_slots(dispatcher):
    slots = slot_sets(await extract(dispatcher, "my report says IHC 2+ and FISH not amplified"))
    assert slots["ihc_score"] == "2+"
    assert slots["ish_result"] == "FISH negative"
    assert Findings.from_dict(slots["her2_findings"]).ish_result == "negative"
    assert texts(dispatcher) == []


async def test_a_correction_replaces_the_earlier_score(dispatcher):
    slots = slot_sets(
        await extract(
            dispatcher,
            "sorry, I meant 1+",
            slots={"her2_findings": stored("my HER2 was 3+"), "ihc_score": "3+"},
        )
    )
    assert slots["ihc_score"] == "1+"
    assert classify(Findings.from_dict(slots["her2_findings"])).category == "low"


async def test_values_from_earlier_turns_are_kept(dispatcher):
    slots = slot_sets(
        await extract(
            dispatcher,
            "the FISH ratio was 2.4 with 5.1 copies",
            slots={"her2_findings": stored("IHC 2+")},
        )
    )
    merged = Findings.from_dict(slots["her2_findings"])
    assert (merged.ihc, merged.ratio, merged.copy_number) == ("2+", 2.4, 5.1)


@pytest.mark.parametrize(
    "answer, requested, slot, value",
    [
        ("2+", "ihc_score", "ihc_score", "2+"),
        ("two plus", "ihc_score", "ihc_score", "2+"),
        ("3", "ihc_score", "ihc_score", "3+"),
        ("not amplified", "ish_result", "ish_result", "ISH negative"),
        ("FISH was amplified", "ish_result", "ish_result", "FISH positive"),
    ],
)
async def test_a_bare_answer_fills_the_slot_the_form_asked_for(
    dispatcher, answer, requested, slot, value
):
    slots = slot_sets(
        await extract(
            dispatcher, answer, active_loop="her2_form", slots={"requested_slot": requested}
        )
    )
    assert slots[slot] == value


async def test_impossible_value_gets_a_clear_message_and_is_not_stored(dispatcher):
    slots = slot_sets(await extract(dispatcher, "my IHC score was 4+"))
    assert slots.get("ihc_score") is None
    assert texts(dispatcher) == [" ".join(classify(parse("my IHC score was 4+")).problems)]
    assert Findings.from_dict(slots.get("her2_findings") or {}).problems == []
    assert slots.get("her2_samples") in (None, [])  # nothing else was given: nothing stored


async def test_two_scores_in_one_message_ask_which_is_right(dispatcher):
    await extract(dispatcher, "my HER2 was 1+ and 3+")
    assert "1+" in texts(dispatcher)[0] and "3+" in texts(dispatcher)[0]


async def test_a_general_question_with_a_value_is_not_taken_as_the_users_result(dispatcher):
    assert await extract(dispatcher, "what does IHC 2+ mean?", intent="faq") == []


async def test_slash_commands_are_never_parsed_as_results(dispatcher):
    assert await extract(dispatcher, '/inform_results{"ihc_score": "3+"}') == []


@pytest.mark.parametrize(
    "report, required",
    [
        ("", ["ihc_score"]),
        ("IHC 2+", ["ish_result"]),
        ("IHC 3+", []),
        ("IHC 2+, FISH negative", []),
        ("HER2/CEP17 ratio 1.8, 6.5 copies per cell", ["ihc_score"]),
    ],
)
async def test_the_form_asks_only_for_what_is_missing(dispatcher, report, required):
    tracker = make_tracker("", slots={"her2_findings": stored(report) if report else None})
    assert await ValidateHER2Form().required_slots([], dispatcher, tracker, DOMAIN) == required


async def test_dont_know_is_a_valid_answer_and_explains_equivocal(dispatcher):
    tracker = make_tracker(
        "no idea",
        intent="dont_know",
        active_loop="her2_form",
        slots={"requested_slot": "ish_result", "her2_findings": stored("IHC 2+")},
    )
    assert await ValidateHER2Form().extract_ish_result(dispatcher, tracker, DOMAIN) == {
        "ish_result": "not_known"
    }
    assert "equivocal" in texts(dispatcher)[0]


async def test_an_answer_without_a_value_gets_a_helpful_reask(dispatcher):
    tracker = make_tracker(
        "purple",
        intent="nlu_fallback",
        active_loop="her2_form",
        slots={"requested_slot": "ihc_score"},
    )
    assert await ValidateHER2Form().extract_ihc_score(dispatcher, tracker, DOMAIN) == {
        "ihc_score": None
    }
    assert texts(dispatcher) == [results_replies.reask_hint("ihc_score")]


async def test_a_question_mid_form_lets_the_form_step_aside(dispatcher):
    tracker = make_tracker(
        "what is a FISH test?",
        intent="faq",
        active_loop="her2_form",
        slots={"requested_slot": "ish_result"},
    )
    assert await ValidateHER2Form().extract_ish_result(dispatcher, tracker, DOMAIN) == {}
    assert texts(dispatcher) == []


@pytest.mark.parametrize(
    "report, category",
    [
        ("IHC 2+, FISH negative", "low"),
        ("IHC 3+", "positive"),
        ("IHC 0 with faint staining in 5% of cells", "ultralow"),
        ("IHC 0", "zero"),
        ("HER2/CEP17 ratio 2.3, 4.5 copies per cell", "positive"),
    ],
)
async def test_explanation_restates_names_the_category_and_ends_with_the_care_team(
    dispatcher, report, category
):
    tracker = make_tracker("", slots={"her2_findings": stored(report)})
    events = await ActionExplainHER2Results().run(dispatcher, tracker, DOMAIN)
    replies = "\n".join(texts(dispatcher))
    assert slot_sets(events)["her2_category"] == category
    assert f"You told me: {results_replies.describe_findings(parse(report))}." in replies
    assert f"Result: {category_info(category)['label']}." in replies
    assert category_info(category)["treatment_families"] in replies
    assert "Source: " in replies
    assert texts(dispatcher)[-1].endswith(results_replies.FINAL_CALL)


async def test_hormone_status_is_included(dispatcher):
    tracker = make_tracker("", slots={"her2_findings": stored("ER positive 90%, IHC 3+")})
    await ActionExplainHER2Results().run(dispatcher, tracker, DOMAIN)
    assert "HR-positive, HER2-positive" in "\n".join(texts(dispatcher))


async def test_equivocal_with_unknown_ish_explains_what_to_look_for(dispatcher):
    tracker = make_tracker("", slots={"her2_findings": stored("IHC 2+"), "ish_result": "not_known"})
    events = await ActionExplainHER2Results().run(dispatcher, tracker, DOMAIN)
    replies = "\n".join(texts(dispatcher))
    assert slot_sets(events)["her2_category"] == "equivocal"
    assert results_replies.dont_know_help("ish_result") in replies


async def test_eligibility_answer_uses_the_source_criteria_and_defers_to_the_oncologist(dispatcher):
    tracker = make_tracker(
        "am I eligible for Enhertu?", intent="ask_eligibility", slots={"her2_category": "low"}
    )
    await ActionResultsFollowup().run(dispatcher, tracker, DOMAIN)
    reply = texts(dispatcher)[0]
    assert drug_by_id("fam_trastuzumab_deruxtecan")["when_used"] in reply
    assert category_info("low")["treatment_families"] in reply
    assert "oncologist to decide" in reply


async def test_treatment_follow_up_is_for_the_users_category(dispatcher):
    tracker = make_tracker(
        "what treatments are used for that?",
        intent="results_treatment",
        slots={"her2_category": "positive", "her2_findings": stored("IHC 3+")},
    )
    await ActionResultsFollowup().run(dispatcher, tracker, DOMAIN)
    assert category_info("positive")["treatment_families"] in texts(dispatcher)[0]


async def test_treatment_follow_up_without_results_offers_to_explain_them(dispatcher):
    tracker = make_tracker("what treatments are used for that?", intent="results_treatment")
    await ActionResultsFollowup().run(dispatcher, tracker, DOMAIN)
    assert "If you tell me your HER2 test results" in texts(dispatcher)[0]


async def test_unchanged_values_are_not_set_again(dispatcher):
    """A mid-form question mentioning a known value must not count as an answer."""
    findings = stored("IHC 2+")
    events = await extract(
        dispatcher,
        "what does my 2+ mean for a FISH test?",
        intent="faq",
        active_loop="her2_form",
        slots={"her2_findings": findings, "ihc_score": "2+", "requested_slot": "ish_result"},
    )
    assert "ihc_score" not in slot_sets(events)


def test_a_pasted_report_is_restated_field_by_field_with_what_was_set_aside():
    from actions.results_replies import reading_message

    report = (
        "HER2 (IHC): Negative (Score 1+)\n"
        "Estrogen receptor: Positive (80%)\n"
        "Progesterone receptor: Negative\n"
        "Scores of 0 and 1+ are considered negative; 2+ equivocal; 3+ positive."
    )
    text = reading_message(report)["text"]
    assert "• HER2 IHC: 1+" in text and "• ER: positive (80%)" in text
    assert "I skipped the line that gives the scoring criteria" in text
    assert "unclear" not in text


def test_a_report_with_a_pending_test_asks_the_user_to_check_it():
    from actions.results_replies import reading_message

    report = (
        "HER2 IHC: 2+ (equivocal)\nER: positive (95%)\nPR: positive (60%)\n"
        "HER2 FISH has been ordered and will be reported separately."
    )
    text = reading_message(report)["text"]
    assert "a test still to come" in text and "please check those lines" in text


def test_a_short_chat_answer_is_not_restated():
    from actions.results_replies import reading_message

    assert reading_message("IHC 2+ and FISH not amplified") is None


def test_the_dcis_and_a_gene_expression_score_are_named_when_set_aside():
    from actions.results_replies import reading_message

    report = (
        "HER2 IHC: The ductal carcinoma in situ shows strong complete membrane staining "
        "(3+). The invasive carcinoma is negative (1+).\n"
        "Estrogen receptor: Positive (90%)\nProgesterone receptor: Positive (40%)\n"
        "Oncotype DX (RT-PCR): HER2 score 9.6 units (negative)."
    )
    text = reading_message(report)["text"]
    assert "• HER2 IHC: 1+" in text and "3+" not in text.split("I skipped")[0]
    assert "the non-invasive (in situ) part" in text
    assert "another kind of test" in text
