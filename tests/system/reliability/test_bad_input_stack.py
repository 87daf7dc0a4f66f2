"""The bad-input table against the running stack: REST, socket.io and the chat page.

Needs RASA_URL (and CHAT_URL for the page); scripts/test.sh sets them. Each case
asserts the status or reply a patient (or a client) should get, and that the server
keeps answering afterwards.
"""

import asyncio
import json
import os
import time
import uuid
from pathlib import Path

import pytest
import yaml

from channels.delivery import CANT_LOOK_UP
from channels.text import EMPTY_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY, SHORTENED_NOTICE
from tests.system.stacklib import (
    ROOT,
    SocketChat,
    in_thread,
    post,
    say,
    stored_events,
    texts,
    threaded,
)

pytestmark = pytest.mark.stack
LONG_NOTICE = SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS)
REPORT_100KB = (
    "My pathology report: HER2 IHC 2+ (equivocal), FISH not amplified, ER positive. " * 1300
)[:100_000]
MAX_LONG_MESSAGE_SECONDS = 3.0
MARKUP = ["<script", "<img", "onerror", "javascript:", "evil.example", "**"]
GREETING = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_greet"][0]["text"]


def greeted(replies) -> bool:
    """The greeting is among the replies (it no longer says "automated assistant": the
    disclaimer after it, once per conversation, does)."""
    return " ".join(GREETING.split()) in [" ".join(t.split()) for t in texts(replies)]


def sender() -> str:
    return f"bad-input-{uuid.uuid4()}"


def webhook(rasa_url: str) -> str:
    return f"{rasa_url}/webhooks/rest/webhook"


def assert_still_up(rasa_url: str) -> None:
    reply = say(rasa_url, sender(), "are you a bot?")
    assert any("automated assistant" in t for t in texts(reply)), reply


def tracker_db() -> Path:
    path = Path(os.environ.get("TRACKER_DB", ""))
    path = path if path.is_absolute() else ROOT / path
    return path if os.environ.get("TRACKER_DB") and path.is_file() else None


# -------------------------------------------------------------------- REST
@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b'{"sender": "x", "message": ', "application/json", 400),
        (b'{"sender": "x", "message": "\xff\xfe"}', "application/json", 400),
        (bytes(range(256)) * 8, "application/json", 400),
        (bytes(range(256)), "application/octet-stream", 415),
        (b'{"sender": "x", "message": "hi"}', "text/plain", 415),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
        (b'{"message": "hi"}', "application/json", 400),
        (b'{"sender": "x"}', "application/json", 400),
        (b'{"sender": "x", "message": 12}', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
    ],
)
def test_rest_bad_requests_get_4xx(rasa_url, body, content_type, status):
    got, reply, _ = post(webhook(rasa_url), body, content_type)
    assert got == status, reply
    assert_still_up(rasa_url)


@pytest.mark.parametrize("message", ["", "    ", "\n\t ", "\u200b"])
def test_rest_empty_message_gets_a_kind_reply(rasa_url, message):
    assert texts(say(rasa_url, sender(), message)) == [EMPTY_REPLY]


def test_rest_100kb_message_is_capped_answered_and_fast(rasa_url):
    me = sender()
    status, reply, elapsed = post(
        webhook(rasa_url), json.dumps({"sender": me, "message": REPORT_100KB}).encode()
    )
    assert status == 200
    assert texts(reply)[0] == LONG_NOTICE
    assert len(reply) > 1, "the capped text was not answered"
    assert elapsed < MAX_LONG_MESSAGE_SECONDS, f"100 KB message took {elapsed:.2f} s"
    db = tracker_db()
    if db:
        stored = [json.loads(d)["text"] for t, d in stored_events(db, me) if t == "user"]
        assert stored and all(len(text) <= MAX_MESSAGE_CHARS for text in stored)


@pytest.mark.parametrize(
    "message",
    [
        "Qué es HER2? ¿Es agresivo?",
        "🙂 what is HER2? 👩‍⚕️🎗️",
        "ما هو HER2؟",
        "מה זה HER2?",
        "what is HER2?\u0000\u0007",
        "lone surrogate \ud800 what is HER2",
    ],
)
def test_rest_unicode_and_odd_characters_are_answered(rasa_url, message):
    reply = texts(say(rasa_url, sender(), message))
    assert reply and CANT_LOOK_UP not in reply and EMPTY_REPLY not in reply


@pytest.mark.parametrize(
    "message",
    [
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)"> what is HER2?',
        "My IHC was **3+** see [my report](http://evil.example/x) <b>now</b>",
        "tell me about <b>fakeomab</b>",
        "what about [trastuzumab](javascript:alert(1))",
    ],
)
def test_rest_markup_is_never_echoed_back(rasa_url, message):
    for text in texts(say(rasa_url, sender(), message)):
        for needle in MARKUP:
            assert needle not in text, (needle, text)


def test_restated_results_are_the_parsed_values(rasa_url):
    from her2 import describe_findings, parse

    typed = "My HER2 was **IHC 3+** <b>positive</b>"
    reply = texts(say(rasa_url, sender(), typed))
    restated = [t for t in reply if t.startswith("You told me:")]
    assert restated == [f"You told me: {describe_findings(parse(typed))}."], reply
    assert not any(needle in restated[0] for needle in ("**", "<b>", "</b>"))


def test_rest_typed_commands_cannot_set_slots(rasa_url):
    """`/intent{"slot": value}` typed by a user is plain text: no intent is forced and
    no slot is set from the JSON (values are only ever what the results parser reads
    from the words, exactly as for any other message)."""
    me = sender()
    say(rasa_url, me, '/inform_results{"her2_category": "zero", "requested_slot": "ish_result"}')
    say(rasa_url, me, '/results_treatment{"her2_category":"zero", "drug": "x"}')
    say(rasa_url, me, '/ask_drug{"drug": "<b>evil</b>"}')
    reply = texts(say(rasa_url, me, "what treatments are used for that?"))
    # No category was ever set: the general answer, not the one for a HER2 result.
    assert any("If you tell me your HER2 test results" in t for t in reply), reply
    db = tracker_db()
    if db:
        events = stored_events(db, me)
        users = [json.loads(d) for t, d in events if t == "user"]
        assert len(users) == 4 and not any(u["text"].startswith("/") for u in users)
        for user in users:
            entities = {e.get("entity") for e in user["parse_data"].get("entities", [])}
            assert entities <= {"drug"}, user["parse_data"]
        # Slots that got a value (the form clearing ihc_score to re-ask is not a value).
        slots = {
            e["name"]
            for e in (json.loads(d) for t, d in events if t == "slot")
            if e.get("value") is not None
        }
        assert not slots & {"her2_category", "ihc_score", "drug"}, slots


def test_rest_greet_command_still_greets(rasa_url):
    reply = say(rasa_url, sender(), "/greet")
    assert greeted(reply), reply


# --------------------------------------------------------------- socket.io
@threaded
async def test_socketio_bad_input_table(rasa_url, chat_origin):
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        assert texts(await chat.send("")) == [EMPTY_REPLY]
        assert texts(await chat.send("   \n ")) == [EMPTY_REPLY]
        assert texts(await chat.send(None)) == [EMPTY_REPLY]
        assert texts(await chat.send(42)) == [NOT_TEXT_REPLY]
        assert texts(await chat.send(["a", "list"])) == [NOT_TEXT_REPLY]

        started = time.monotonic()
        long_reply = texts(await chat.send(REPORT_100KB, settle=0.5, min_messages=2))
        elapsed = time.monotonic() - started - 0.5
        assert long_reply[0] == LONG_NOTICE and len(long_reply) > 1, long_reply
        assert elapsed < MAX_LONG_MESSAGE_SECONDS + 1, f"100 KB took {elapsed:.2f} s"

        for message in ("🙂 ما هو HER2؟ Qué es", b"\xff\xfe\x00binary", "\ud800 hi"):
            reply = texts(await chat.send(message))
            assert reply and CANT_LOOK_UP not in reply, (message, reply)
        for message in ("<script>alert(1)</script>", "**IHC 3+** [x](http://evil.example)"):
            for text in texts(await chat.send(message)):
                for needle in MARKUP:
                    assert needle not in text, (needle, text)

        assert greeted(await chat.send("/greet"))

    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        await chat.send('/inform_results{"her2_category": "zero"}')
        await chat.send('/ask_drug{"drug": "<b>evil</b>"}')
        reply = texts(await chat.send("what treatments are used for that?"))
        assert any("If you tell me your HER2 test results" in t for t in reply), reply


@threaded
async def test_socketio_message_without_session_is_ignored_and_server_stays_up(
    rasa_url, chat_origin
):
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    replies = []
    client.on("bot_uttered", lambda message: replies.append(message))
    await client.connect(rasa_url, headers={"Origin": chat_origin}, transports=["polling"])
    try:
        await client.emit("user_uttered", {"message": "hi", "session_id": "someone-elses-id"})
        await client.emit("user_uttered", "not even a dict")
        await asyncio.sleep(2)
    finally:
        await client.disconnect()
    assert replies == []
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        assert greeted(await chat.send("/greet"))


@threaded
async def test_socketio_session_cannot_be_switched_per_message(rasa_url, chat_origin):
    """A socket only talks in the session it asked for: naming another conversation's
    session_id in a message does not reach (or answer into) that conversation."""
    async with (
        SocketChat(rasa_url, origin=chat_origin) as victim,
        SocketChat(rasa_url, origin=chat_origin) as other,
    ):
        await victim.send("My IHC was 2+")
        await other.sio.emit("user_uttered", {"message": "IHC 0", "session_id": victim.session_id})
        await asyncio.sleep(3)
        victim_seen = texts(victim.messages)
        assert not any("IHC 0" in t for t in victim_seen), victim_seen
        assert any("IHC 0" in t for t in texts(other.messages)), other.messages


@threaded
async def test_socketio_conversation_survives_a_reconnect(rasa_url, chat_origin):
    """A page reload asks for its stored session id again and carries on."""
    async with SocketChat(rasa_url, origin=chat_origin) as first:
        reply = texts(await first.send("My IHC was 2+"))
        assert any("What did the FISH/ISH result say" in t for t in reply), reply
    async with SocketChat(rasa_url, origin=chat_origin, session_id=first.session_id) as again:
        assert again.session_id == first.session_id
        reply = texts(await again.send("The FISH was not amplified"))
        assert "You told me: IHC 2+, FISH negative." in reply, reply


# ------------------------------------------------------------------ the page
def check_page_shows_markup_as_text(chat_url):
    from playwright.sync_api import expect, sync_playwright

    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(45_000)
            page = context.new_page()
            dialogs = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(chat_url)
            expect(
                page.locator(".rw-response").filter(has_text="automated assistant").first
            ).to_be_visible()
            box = page.get_by_role("textbox", name="Type your question")
            attacks = [
                '<img src=x onerror="window.__her2_xss=1;alert(1)">',
                "<script>window.__her2_xss=2;alert(2)</script>",
                "[click me](javascript:window.__her2_xss=3)",
                "<b>bold?</b> **IHC 3+**",
            ]
            for attack in attacks:
                before = page.locator(".rw-response").count()
                expect(box).to_be_enabled()
                box.fill(attack)
                box.press("Enter")
                expect(page.locator(".rw-response")).not_to_have_count(before)
            # Shown as the text the user typed ...
            for text in attacks[:2] + ["<b>bold?</b>"]:
                expect(page.locator(".rw-client").filter(has_text=text).first).to_be_visible()
            # ... never run or turned into elements.
            messages = page.locator(".rw-messages-container")
            assert page.evaluate("() => window.__her2_xss") is None
            assert dialogs == []
            assert messages.locator("img[src='x'], script, b").count() == 0
            assert messages.locator("a[href^='javascript']").count() == 0
        finally:
            browser.close()


def test_page_shows_html_and_script_as_text(chat_url):
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        pytest.fail(f"{chromium} is missing: run scripts/ensure_browser.sh")
    in_thread(check_page_shows_markup_as_text, chat_url)
