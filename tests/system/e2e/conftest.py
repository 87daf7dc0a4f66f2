"""Talks to the running stack over the REST channel (the `stack` fixture, tests/system/conftest.py).

Every conversation here also checks the identity line and disclaimer (issue 19): it
comes once per conversation, before the conversation's first answer (right after the
greeting when the conversation opens with one), never before an emergency reply, and
again after the conversation is cleared. ``say`` returns the replies without it, so that
the tests read the answers (``say_all`` keeps it); tests/system/reliability/
test_disclaimer_stack.py looks at it directly.
"""

import json
import urllib.request
import uuid
from typing import Dict, List

import pytest
import yaml

from channels.delivery import CANT_LOOK_UP
from channels.text import EMPTY_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY, SHORTENED_NOTICE

with open("domain.yml", encoding="utf-8") as handle:
    _RESPONSES = yaml.safe_load(handle)["responses"]


def _folded(text: str) -> str:
    return " ".join(text.split())


DISCLAIMER = _folded(_RESPONSES["utter_disclaimer"][0]["text"])
GREETING = _folded(_RESPONSES["utter_greet"][0]["text"])
CLEARED = _folded(_RESPONSES["utter_restart"][0]["text"])
EMERGENCY_REPLIES = [
    _folded(_RESPONSES[name][0]["text"]) for name in ("utter_emergency", "utter_self_harm")
]
# What the channel says by itself: no answer, so no disclaimer before it.
CHANNEL_REPLIES = {
    _folded(t)
    for t in (
        CANT_LOOK_UP,
        EMPTY_REPLY,
        NOT_TEXT_REPLY,
        SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS),
    )
}


def is_emergency_reply(text: str) -> bool:
    """(A reply of several paragraphs may come as several messages.)"""
    return any(_folded(text) in reply for reply in EMERGENCY_REPLIES)


class DisclaimerCheck:
    """The disclaimer's place in one conversation, turn after turn."""

    def __init__(self) -> None:
        self.shown = False

    def turn(self, texts: List[str]) -> List[int]:
        """Checks one turn's bot texts; returns the positions of the disclaimer."""
        folded = [_folded(t) for t in texts]
        where = [i for i, t in enumerate(folded) if t == DISCLAIMER]
        answers = [
            i
            for i, t in enumerate(folded)
            if t != DISCLAIMER and t not in CHANNEL_REPLIES and not is_emergency_reply(t)
        ]
        assert len(where) <= 1, f"the disclaimer twice in one turn: {texts}"
        if where:
            assert not self.shown, f"the disclaimer again in the same conversation: {texts}"
            before = [
                t
                for t in folded[: where[0]]
                if t not in CHANNEL_REPLIES and not is_emergency_reply(t)
            ]
            assert before in ([], [GREETING]), (
                f"the disclaimer must come before the first answer: {texts}"
            )
            self.shown = True
        elif answers and not self.shown:
            raise AssertionError(
                f"the conversation's first answer came without the "
                f"identity line and disclaimer: {texts}"
            )
        if CLEARED in folded:
            self.shown = False  # cleared: the next answer starts a new conversation
        return where


class Conversation:
    def __init__(self, base_url: str):
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4()}"
        self.disclaimer = DisclaimerCheck()

    def say_all(self, text: str) -> List[Dict]:
        """Every bot message the message gets, the disclaimer included (checked)."""
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.loads(response.read())
        self.disclaimer.turn([m.get("text", "") for m in replies])
        return replies

    def say(self, text: str) -> List[Dict]:
        """The bot messages the message gets, without the disclaimer."""
        return [m for m in self.say_all(text) if _folded(m.get("text", "")) != DISCLAIMER]

    def texts(self, text: str) -> List[str]:
        return [m.get("text", "") for m in self.say(text)]


@pytest.fixture
def chat(rasa_url) -> Conversation:
    return Conversation(rasa_url)
