"""The Rasa server skips the slot-extraction call only where the action has nothing to do.

rasa_fixes/slot_extraction_shortcut.py decides in the Rasa server, before calling
``action_validate_slot_mappings``, that ExtractHER2Values would answer with no event and no
message. These tests hold that decision to the action's real behaviour on every example
message of the training and test data, and check that Rasa then skips the call.
"""

import asyncio
from pathlib import Path
from typing import List, Tuple

import pytest
import yaml
from aiohttp import web
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import CollectingDispatcher

import rasa_fixes
from actions.her2_results import ExtractHER2Values
from bench.conversations import CONVERSATIONS
from rasa_fixes.slot_extraction_shortcut import nothing_to_extract
from tests.unit.lib import make_tracker, serve_webhook

ROOT = Path(__file__).resolve().parents[3]
rasa_fixes.apply()  # as the launcher does before Rasa starts


def _nlu_examples(path: Path) -> List[Tuple[str, str]]:
    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).intent_examples]


def _story_messages() -> List[Tuple[str, str]]:
    stories = yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text())["stories"]
    return [
        (step["user"].strip(), step["intent"].split("/")[0])
        for story in stories
        for step in story["steps"]
        if "user" in step
    ]


def _all_messages() -> List[Tuple[str, str]]:
    messages = _nlu_examples(ROOT / "data" / "nlu")
    messages += _nlu_examples(ROOT / "tests" / "nlu" / "holdout.yml")
    messages += _story_messages()
    messages += [(text, "inform_results") for turns in CONVERSATIONS.values() for text, _ in turns]
    return messages


MESSAGES = _all_messages()


def _action_reply(text: str, intent: str):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ExtractHER2Values().run(dispatcher, make_tracker(text, intent), {}))
    return events, dispatcher.messages


def test_the_action_has_nothing_to_do_for_every_message_the_server_skips():
    skipped = [(text, intent) for text, intent in MESSAGES if nothing_to_extract(text, None)]
    called = [(text, intent) for text, intent in MESSAGES if not nothing_to_extract(text, None)]
    # Both kinds are plentiful, so the comparison covers real cases of each.
    assert len(MESSAGES) > 4000 and len(skipped) > 3000 and len(called) > 400
    for text, intent in skipped:
        # Its own intent, and a results intent (which makes the action most willing to act).
        for as_intent in (intent, "inform_results"):
            assert _action_reply(text, as_intent) == ([], []), (text, as_intent)
    acted = [text for text, _ in called if _action_reply(text, "inform_results")[0]]
    assert len(acted) > 400  # messages with values are still read by the action


@pytest.mark.parametrize("text", ["what is HER2?", "it was 2+", "no idea", "3"])
def test_every_message_goes_to_the_action_while_the_form_asks(text):
    for requested in ("ihc_score", "ish_result"):
        assert not nothing_to_extract(text, requested)


@pytest.mark.parametrize("text", ["", "/greet", '/inform_results{"ihc_score": "2+"}'])
def test_empty_and_intent_messages_are_skipped_as_the_action_skips_them(text):
    assert nothing_to_extract(text, None) and nothing_to_extract(text, "ihc_score")
    assert _action_reply(text, "inform_results") == ([], [])


async def _action_server(calls: List[str]):
    async def webhook(request):
        payload = await request.json()
        calls.append(payload["tracker"]["latest_message"]["text"])
        return web.json_response(
            {"events": [{"event": "slot", "name": "ihc_score", "value": "2+"}], "responses": []}
        )

    return await serve_webhook(webhook)


def test_rasa_calls_the_action_server_only_for_messages_with_values():
    domain = Domain.load(str(ROOT / "domain.yml"))

    async def extract(url: str, text: str, drug: str = ""):
        entities = [{"entity": "drug", "value": drug, "start": 0, "end": len(drug)}] if drug else []
        tracker = DialogueStateTracker.from_events(
            "patient",
            [
                ActionExecuted("action_listen"),
                UserUttered(text, {"name": "faq", "confidence": 0.9}, entities),
            ],
            domain.slots,
        )
        return await ActionExtractSlots(EndpointConfig(url)).run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            tracker,
            domain,
        )

    async def scenario():
        runner, url = await _action_server(calls)
        try:
            return (
                await extract(url, "what is HER2?"),
                await extract(url, "my IHC was 2+"),
                await extract(url, "tell me about Kadcyla", drug="trastuzumab emtansine"),
            )
        finally:
            await runner.cleanup()

    calls: List[str] = []
    no_values, values, drug_question = asyncio.run(scenario())
    assert calls == ["my IHC was 2+"]
    # Every message resets her2_pasted (a from_intent mapping Rasa fills itself).
    reset = SlotSet("her2_pasted", False)
    assert no_values == [reset]
    assert values == [SlotSet("ihc_score", "2+"), reset]
    # A slot filled by Rasa itself is still set when the call is skipped.
    assert drug_question == [SlotSet("drug", "trastuzumab emtansine"), reset]
