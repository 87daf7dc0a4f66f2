"""The fallback action: the source coverage's decision (components/source_coverage.py) turned
into the reply."""

from actions.sources import ActionAnswerFallback
from answers import fact_by_id
from knowledge import load
from tests.unit.lib import DOMAIN, make_tracker, texts

TARGETED_THERAPY = load("topics")["topics"]["targeted_therapy"]["title"]


def fallback_tracker(text, coverage=None, entities=None):
    tracker = make_tracker(text, intent="nlu_fallback", entities=entities)
    if coverage is not None:
        tracker.latest_message["coverage"] = coverage
    return tracker


async def test_an_uncovered_question_gets_the_honest_reply_and_the_resembled_topic(dispatcher):
    tracker = fallback_tracker(
        "How long will I be on Herceptin?",
        {"answer": "uncovered", "uncovered": ["duration"], "faq_topic": "targeted_therapy"},
    )
    await ActionAnswerFallback().run(dispatcher, tracker, DOMAIN)
    [reply] = dispatcher.messages
    assert reply["text"].startswith("My sources don't cover how long treatment lasts")
    assert fact_by_id("eh_neratinib_early").text in reply["text"]
    assert [b["title"] for b in reply["buttons"]] == [TARGETED_THERAPY]


async def test_facts_are_given_with_their_source_and_section(dispatcher):
    tracker = fallback_tracker(
        "what can you tell me about herceptin",
        {"answer": "facts", "facts": ["eh_trastuzumab_use"], "topics": ["targeted_therapy"]},
    )
    await ActionAnswerFallback().run(dispatcher, tracker, DOMAIN)
    [reply] = texts(dispatcher)
    assert fact_by_id("eh_trastuzumab_use").text in reply
    assert (
        "Source: Everyday Health — What Is HER2-Positive Breast Cancer? "
        "(“Monoclonal Antibodies”)" in reply
    )


async def test_a_message_nobody_placed_is_offered_the_nearest_topics(dispatcher):
    tracker = fallback_tracker(
        "that thing about the dye test", {"answer": "clarify", "clarify": ["ihc_test"]}
    )
    await ActionAnswerFallback().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0].get("response") == "utter_please_rephrase"
    offered = [b["title"] for b in dispatcher.messages[1]["buttons"]]
    assert offered[0] == "The IHC test" and offered[-1] == "Something else"


async def test_a_symptom_question_gets_the_note_after_the_honest_reply(dispatcher):
    symptom = [{"entity": "symptom", "value": "palpitations"}]
    tracker = fallback_tracker(
        "Does Herceptin cause palpitations?",
        {"answer": "uncovered", "uncovered": ["heart"]},
        symptom,
    )
    await ActionAnswerFallback().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["text"].startswith("My sources don't cover heart effects")
    assert dispatcher.messages[-1].get("response") == "utter_symptom_note"
    plain = fallback_tracker("is this rash normal", None, symptom)
    dispatcher.messages.clear()
    await ActionAnswerFallback().run(dispatcher, plain, DOMAIN)
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_symptom_not_covered",
        "utter_symptom_note",
    ]
