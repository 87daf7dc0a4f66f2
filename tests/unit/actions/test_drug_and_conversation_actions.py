"""Drug and conversation actions, driven with rasa_sdk Trackers and a CollectingDispatcher."""

from actions import drug_answers
from actions.conversation import ActionCoreFallback, ActionShowMenu, ActionTellMore
from actions.drugs import ActionDrugInfo, ActionListDrugs
from knowledge import load
from knowledge.drug_matcher import drug_by_id
from tests.unit.lib import DOMAIN, make_tracker, slot_sets, texts

PHESGO = "trastuzumab_pertuzumab_hyaluronidase"


async def test_drug_question_answers_the_aspect_asked(dispatcher):
    events = await ActionDrugInfo().run(
        dispatcher, make_tracker("how is Phesgo given?", intent="ask_drug"), DOMAIN
    )
    assert drug_by_id(PHESGO)["how_given"] in texts(dispatcher)[0]
    assert slot_sets(events) == {"drug": PHESGO}


async def test_follow_up_without_a_name_uses_the_drug_in_context(dispatcher):
    tracker = make_tracker("and when is it used?", intent="ask_drug", slots={"drug": PHESGO})
    await ActionDrugInfo().run(dispatcher, tracker, DOMAIN)
    assert drug_by_id(PHESGO)["when_used"] in texts(dispatcher)[0]


async def test_side_effects_not_in_the_sources_are_not_invented(dispatcher):
    tracker = make_tracker(
        "what about side effects?", intent="ask_drug", slots={"drug": "fam_trastuzumab_deruxtecan"}
    )
    await ActionDrugInfo().run(dispatcher, tracker, DOMAIN)
    assert "don't list side effects" in texts(dispatcher)[0]
    assert "oncologist" in texts(dispatcher)[0]
    assert "hair loss" not in texts(dispatcher)[0]  # not attached to the drug
    offered = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert "Complications the sources list" in offered


async def test_unknown_drug_gets_an_honest_answer_even_with_a_drug_in_context(dispatcher):
    tracker = make_tracker("what is tamoxifen?", intent="ask_drug", slots={"drug": "trastuzumab"})
    events = await ActionDrugInfo().run(dispatcher, tracker, DOMAIN)
    assert "don't have information on “tamoxifen”" in texts(dispatcher)[0]
    assert events == []


async def test_comparison_with_the_previous_drug(dispatcher):
    earlier = [{"event": "slot", "name": "drug", "value": "trastuzumab"}]
    tracker = make_tracker(
        "what's the difference with Herceptin Hylecta?",
        intent="ask_drug",
        slots={"drug": "trastuzumab_hyaluronidase"},
        events=earlier,
    )
    await ActionDrugInfo().run(dispatcher, tracker, DOMAIN)
    for drug_id in ("trastuzumab", "trastuzumab_hyaluronidase"):
        assert drug_by_id(drug_id)["how_given"] in texts(dispatcher)[0]


async def test_no_drug_at_all_asks_which_one(dispatcher):
    await ActionDrugInfo().run(
        dispatcher, make_tracker("how is it given?", intent="ask_drug"), DOMAIN
    )
    assert texts(dispatcher)[0].startswith("Which drug")


async def test_list_of_drugs_names_every_drug(dispatcher):
    await ActionListDrugs().run(
        dispatcher, make_tracker("which drugs?", intent="list_drugs"), DOMAIN
    )
    for drug in load("drugs")["drugs"]:
        assert drug_answers.display_name(drug) in texts(dispatcher)[0]


async def test_menu_buttons_come_from_the_topics_file(dispatcher):
    await ActionShowMenu().run(dispatcher, make_tracker("help", intent="help"), DOMAIN)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == [item["title"] for item in load("topics")["menu"]]


async def test_core_fallback_asks_to_rephrase_and_reverts_the_message(dispatcher):
    events = await ActionCoreFallback().run(dispatcher, make_tracker("qwerty"), DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_please_rephrase"
    assert events == [{"event": "rewind", "timestamp": None}]


async def test_tell_more_after_a_topic_gives_the_related_topic(dispatcher):
    selector = {"faq": {"response": {"intent_response_key": "faq/prognosis"}}}
    history = [
        {
            "event": "user",
            "text": "what is the outlook",
            "parse_data": {"intent": {"name": "faq"}, "response_selector": selector},
        },
        {"event": "action", "name": "utter_faq"},
    ]
    tracker = make_tracker("tell me more", intent="tell_more", events=history)
    await ActionTellMore().run(dispatcher, tracker, DOMAIN)
    related = load("topics")["topics"]["prognosis"]["more"]
    assert dispatcher.messages[0]["response"] == f"utter_faq/{related[0]}"


async def test_tell_more_after_a_drug_gives_the_overview(dispatcher):
    history = [{"event": "action", "name": "action_drug_info"}]
    tracker = make_tracker(
        "tell me more", intent="tell_more", events=history, slots={"drug": "tucatinib"}
    )
    await ActionTellMore().run(dispatcher, tracker, DOMAIN)
    assert drug_by_id("tucatinib")["when_used"] in texts(dispatcher)[0]


async def test_a_drug_slot_set_to_nonsense_is_not_trusted(dispatcher):
    tracker = make_tracker("how is it given?", intent="ask_drug", slots={"drug": "<script>"})
    await ActionDrugInfo().run(dispatcher, tracker, DOMAIN)
    assert texts(dispatcher)[0].startswith("Which drug")
