"""The appointment summary (issue 19, item 3) and the feedback after an answer (item 4), driven
through the actions with rasa_sdk Trackers the way the Rasa server calls them.

Expected categories come from the ASCO/CAP table (IHC 2+ with a negative ISH -> HER2-low,
IHC 3+ -> HER2-positive); every sentence of the summary must be one the results replies or
the FAQ answer on questions for the doctor already use."""

import yaml

from actions import results_replies, summary
from actions.feedback import ActionRecordFeedback
from actions.replies import source_line
from actions.sources import ActionAnswerFallback
from her2 import category_info, classify, parse
from her2.samples import Sample, to_dicts
from tests.unit.lib import DOMAIN, make_tracker, slot_sets, texts

with open("data/responses/faq.yml", encoding="utf-8") as handle:
    QUESTIONS_TEXT = yaml.safe_load(handle)["responses"]["utter_faq/questions_for_doctor"][0][
        "text"
    ]
SOURCE_QUESTIONS = [
    line.strip()[2:] for line in QUESTIONS_TEXT.splitlines() if line.strip().startswith("•")
]


def summary_request(slots=None, active_loop=None):
    tracker = make_tracker(
        "can you give me a summary for my appointment",
        intent="nlu_fallback",
        slots=slots,
        active_loop=active_loop,
    )
    tracker.latest_message["coverage"] = {"answer": "summary"}
    return tracker


def samples_slot(*pairs):
    return to_dicts([Sample(label, parse(text)) for label, text in pairs])


async def test_one_sample_summary_states_values_category_meaning_questions_and_sources(dispatcher):
    slots = {"her2_samples": samples_slot(("", "IHC 2+, FISH not amplified, ER positive 90%"))}
    await ActionAnswerFallback().run(dispatcher, summary_request(slots), DOMAIN)
    [message] = dispatcher.messages
    assert message[summary.SUMMARY_MARK] is True  # the chat page's summary block
    text = message["text"]
    lines = text.splitlines()
    assert lines[0] == "Summary for your appointment"
    findings = parse("IHC 2+, FISH not amplified, ER positive 90%")
    low = category_info("low")
    assert "• IHC 2+, FISH negative, ER-positive (90%)." in lines
    assert f"• {low['label']}. {classify(findings).explanation}" in lines
    assert f"• {low['label']}: {low['meaning']}" in lines
    assert lines.index("Questions to ask your care team:") < lines.index(f"• {SOURCE_QUESTIONS[0]}")
    assert all(f"• {question}" in lines for question in SOURCE_QUESTIONS)
    assert len(SOURCE_QUESTIONS) == 7
    # HER2-low: the point the eligibility reply makes
    assert f"• {results_replies.ELIGIBILITY_DECIDES}" in lines
    assert source_line("asco_cap") in lines
    assert "Source: Everyday Health — What Is HER2-Positive Breast Cancer?" in lines
    assert "Source: Breast Cancer Research Foundation — HER2 status" in lines
    assert lines[-1] == results_replies.FINAL_CALL
    # plain text for every channel: no markdown marks
    assert "**" not in text and "#" not in text


async def test_two_samples_are_each_stated_and_the_care_team_question_is_added(dispatcher):
    slots = {
        "her2_samples": samples_slot(
            ("core biopsy", "IHC 2+, FISH negative"), ("surgical specimen", "IHC 3+")
        )
    }
    await ActionAnswerFallback().run(dispatcher, summary_request(slots), DOMAIN)
    lines = dispatcher.messages[0]["text"].splitlines()
    assert "• Core biopsy: IHC 2+, FISH negative." in lines
    assert "• Surgical specimen: IHC 3+." in lines
    assert "What the ASCO/CAP guideline calls them:" in lines
    positive, low = category_info("positive"), category_info("low")
    assert any(line.startswith(f"• Core biopsy: {low['label']}. ") for line in lines)
    assert any(line.startswith(f"• Surgical specimen: {positive['label']}. ") for line in lines)
    assert f"• {positive['label']}: {positive['meaning']}" in lines
    assert f"• {low['label']}: {low['meaning']}" in lines
    # the several-samples note's own sentence about which result the care team goes by
    point = (
        "• Which result applies to your treatment is for your care team to decide, so "
        "it's worth asking them which one they are going by."
    )
    assert point in lines and point[2:] in results_replies.SEVERAL_SAMPLES_NOTE


async def test_no_results_yet_is_said_kindly_with_an_offer_to_take_them(dispatcher):
    await ActionAnswerFallback().run(dispatcher, summary_request({"her2_samples": []}), DOMAIN)
    [message] = dispatcher.messages
    assert message["text"] == summary.NO_RESULTS
    assert message["text"].startswith("I don't have any HER2 test results from you yet")
    assert summary.SUMMARY_MARK not in message
    assert [b["title"] for b in message["buttons"]] == [
        "Help me understand my results",
        "Questions to ask my doctor",
    ]


async def test_values_waiting_for_an_answer_are_said_to_be_left_out(dispatcher):
    slots = {
        "her2_samples": samples_slot(("", "IHC 3+")),
        "her2_pending": [
            {"sample": {"label": "", "findings": parse("IHC 1+").to_dict()}, "target": 0}
        ],
    }
    await ActionAnswerFallback().run(dispatcher, summary_request(slots, "her2_form"), DOMAIN)
    text = dispatcher.messages[0]["text"]
    assert summary.PENDING_NOTE in text and "IHC 1+" not in text


async def test_the_summary_names_nothing_the_person_typed(dispatcher):
    """Only the parsed values are restated: a name or a hospital number in the message that
    gave the results never reaches the summary."""
    given = "Jane Smith, hospital no 4471123: my HER2 was 3+"
    slots = {"her2_samples": samples_slot(("", given))}
    await ActionAnswerFallback().run(dispatcher, summary_request(slots), DOMAIN)
    text = dispatcher.messages[0]["text"]
    assert "• IHC 3+." in text.splitlines()
    assert "Jane" not in text and "Smith" not in text and "4471123" not in text


def test_every_results_explanation_offers_the_summary():
    findings = parse("IHC 2+ and FISH not amplified")
    messages = results_replies.explanation_messages(findings, classify(findings), [])
    assert "Summary for my appointment" in [b["title"] for b in messages[-1]["buttons"]]
    samples = [
        Sample("core biopsy", parse("IHC 2+, FISH negative")),
        Sample("surgical specimen", parse("IHC 3+")),
    ]
    last = results_replies.samples_messages(samples)[-1]
    assert "Summary for my appointment" in [b["title"] for b in last["buttons"]]


async def test_a_yes_is_recorded_and_thanked(dispatcher):
    tracker = make_tracker("Yes", intent="affirm")
    events = await ActionRecordFeedback().run(dispatcher, tracker, DOMAIN)
    assert slot_sets(events) == {"answer_feedback": "yes"}
    assert [m.get("response") for m in dispatcher.messages] == ["utter_feedback_thanks"]


async def test_a_no_is_recorded_with_a_kind_line(dispatcher):
    tracker = make_tracker("No", intent="deny")
    events = await ActionRecordFeedback().run(dispatcher, tracker, DOMAIN)
    assert slot_sets(events) == {"answer_feedback": "no"}
    assert [m.get("response") for m in dispatcher.messages] == ["utter_feedback_sorry"]
    with open("domain.yml", encoding="utf-8") as handle:
        responses = yaml.safe_load(handle)["responses"]
    sorry = responses["utter_feedback_sorry"][0]["text"]
    assert (
        sorry.startswith("Thanks for telling me")
        and "care team" in sorry
        and "other words" in sorry
    )
    assert responses["utter_feedback_thanks"][0]["text"] == "Thanks for telling me."
    question = responses["utter_ask_feedback"][0]
    assert question["text"] == "Did this answer your question?"
    assert [(b["title"], b["payload"]) for b in question["buttons"]] == [
        ("Yes", "Yes"),
        ("No", "No"),
    ]


async def test_anything_else_records_nothing(dispatcher):
    events = await ActionRecordFeedback().run(dispatcher, make_tracker("hm", "faq"), DOMAIN)
    assert events == [] and texts(dispatcher) == [""]
