"""The identity line and disclaimer against the running stack (issue 19, item 2): over
REST, over socket.io (the chat page's channel) and through the terminal chat
(channels/console.py: Rasa's console over the REST channel), the conversation's first
reply carries it and the second does not; an emergency first gets the emergency reply
first and alone; the page's opening /greet shows it once, after the greeting.

Needs RASA_URL (and CHAT_URL for the page's origin); scripts/test.sh sets them. Every
conversation of tests/system/e2e checks the same rules on the way (tests/system/e2e/conftest.py); the
other channels and the session rules: tests/integration/channels/test_disclaimer.py; the action
server down: tests/system/reliability/test_faults.py.
"""

import uuid

import pytest
import yaml

from tests.system.stacklib import ROOT, SocketChat, in_thread, say, texts, threaded

pytestmark = pytest.mark.stack
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]


def folded(text: str) -> str:
    return " ".join(text.split())


DISCLAIMER = folded(RESPONSES["utter_disclaimer"][0]["text"])
GREETING = folded(RESPONSES["utter_greet"][0]["text"])
EMERGENCY = folded(RESPONSES["utter_emergency"][0]["text"])
IAMABOT = folded(RESPONSES["utter_iamabot"][0]["text"])


def sender() -> str:
    return f"disclaimer-{uuid.uuid4()}"


def folded_texts(replies):
    return [folded(t) for t in texts(replies)]


# ------------------------------------------------------------------------- REST
def test_rest_first_reply_carries_it_and_the_second_does_not(rasa_url):
    me = sender()
    first = folded_texts(say(rasa_url, me, "what is HER2?"))
    assert first[0] == DISCLAIMER and len(first) > 1, first
    assert first.count(DISCLAIMER) == 1
    second = folded_texts(say(rasa_url, me, "how is it tested?"))
    assert second and DISCLAIMER not in second, second


def test_rest_an_emergency_first_gets_its_reply_first_and_alone(rasa_url):
    me = sender()
    assert folded_texts(say(rasa_url, me, "my throat is closing up after my Herceptin")) == [
        EMERGENCY
    ]
    assert folded_texts(say(rasa_url, me, "are you a bot?")) == [DISCLAIMER, IAMABOT]


# -------------------------------------------------------------------- socket.io
@threaded
async def test_socketio_first_reply_carries_it_and_the_second_does_not(rasa_url, chat_origin):
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        first = folded_texts(await chat.send("what is HER2?"))
        assert first[0] == DISCLAIMER and len(first) > 1, first
        second = folded_texts(await chat.send("how is it tested?"))
        assert second and DISCLAIMER not in second, second
        assert folded_texts(chat.messages).count(DISCLAIMER) == 1


@threaded
async def test_socketio_an_emergency_first_gets_its_reply_first_and_alone(rasa_url, chat_origin):
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        assert folded_texts(await chat.send("it's hard to breathe and my chest feels tight")) == [
            EMERGENCY
        ]
        assert folded_texts(await chat.send("are you a bot?")) == [DISCLAIMER, IAMABOT]


@threaded
async def test_the_pages_greeting_shows_it_once_after_the_greeting(rasa_url, chat_origin):
    """The page opens with /greet (its initPayload): the greeting, the disclaimer, the topic
    menu; the answers after it, and the page reopened in the same conversation, don't
    repeat it."""
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        opening = await chat.send("/greet", min_messages=3)
        assert folded_texts(opening)[:2] == [GREETING, DISCLAIMER], opening
        assert opening[2].get("quick_replies") or opening[2].get("buttons"), opening
        assert DISCLAIMER not in folded_texts(await chat.send("what is HER2?"))
        session = chat.session_id
    async with SocketChat(rasa_url, origin=chat_origin, session_id=session) as again:
        assert DISCLAIMER not in folded_texts(await again.send("/greet"))


# ------------------------------------------------------------------ the terminal
def _console_conversation(rasa_url: str, me: str, messages):
    """channels/console.py's chat, the person's typing and the screen replaced: returns
    the bot messages it shows for each message, in order."""
    from unittest.mock import patch

    from channels import console as terminal

    typed = iter(list(messages) + ["/stop"])
    shown, turns = [], []

    def show(message):
        shown.append(message)

    async def next_input(previous_response=None):
        if previous_response is not None:
            shown.append(previous_response)  # the console shows a turn's last message
        if shown or turns:  # with the prompt for the next one
            turns.append(list(shown))
            shown.clear()
        return next(typed)

    with (
        patch("rasa.core.channels.console._print_bot_output", show),
        patch("rasa.core.channels.console._get_user_input", next_input),
    ):
        assert terminal.main(["--url", rasa_url, "--sender", me]) == 0
    return [[folded(m.get("text", "")) for m in turn] for turn in turns]


def test_the_terminal_chat_first_reply_carries_it_and_the_second_does_not(rasa_url):
    turns = in_thread(
        _console_conversation, rasa_url, sender(), ["are you a bot?", "are you a bot?"]
    )
    assert turns == [[DISCLAIMER, IAMABOT], [IAMABOT]]


def test_the_terminal_chat_an_emergency_first_gets_its_reply_first(rasa_url):
    turns = in_thread(
        _console_conversation,
        rasa_url,
        sender(),
        ["my throat is closing up after my Herceptin", "are you a bot?"],
    )
    assert turns == [[EMERGENCY], [DISCLAIMER, IAMABOT]]
