"""The bad-input table through the hardened REST channel, in-process (no model needed).

The Rasa app is built as `rasa run` builds it (configure_app with the channels from
credentials.yml); the agent is a stand-in that records what reaches Rasa and answers
"ok", fails, stays silent or hangs. The same table is run against the real stack in
test_bad_input_stack.py.
"""

import asyncio
import json

import pytest

from channels import delivery, guard
from channels.delivery import CANT_LOOK_UP
from channels.text import (
    ALLOWED_COMMANDS,
    EMPTY_REPLY,
    MAX_MESSAGE_CHARS,
    NOT_TEXT_REPLY,
    SHORTENED_NOTICE,
    clean_text,
    valid_sender,
)
from tests.unit.lib import RasaStandIn, channels_app, in_fresh_loop

WEBHOOK = "/webhooks/rest/webhook"
LONG_NOTICE = SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS)


@pytest.fixture
def agent():
    return RasaStandIn()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """The app, built once for this file (building it is most of a test's time)."""
    with pytest.MonkeyPatch.context() as patched:
        return channels_app(None, tmp_path_factory.mktemp("channels"), patched)


@pytest.fixture
def app(shared_app, agent):
    shared_app.ctx.agent = agent  # each test's own stand-in
    return shared_app


async def post(app, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    _, response = await app.asgi_client.post(WEBHOOK, content=data, headers=headers)
    return response


def sent(sender="bad-input", message="hello"):
    return {"sender": sender, "message": message}


# ------------------------------------------------------------ requests refused
@pytest.mark.parametrize(
    "name, body, content_type, status",
    [
        ("malformed JSON", b'{"sender": "a", "message": ', "application/json", 400),
        ("not JSON at all", b"hello", "application/json", 400),
        ("JSON array", b'["a", "hello"]', "application/json", 400),
        ("JSON string", b'"hello"', "application/json", 400),
        (
            "invalid UTF-8 body",
            b'{"sender": "a", "message": "\xff\xfe hi"}',
            "application/json",
            400,
        ),
        ("binary body", bytes(range(256)) * 4, "application/json", 400),
        ("binary, octet-stream", bytes(range(256)), "application/octet-stream", 415),
        ("text/plain", b'{"sender": "a", "message": "hi"}', "text/plain", 415),
        ("form-encoded", b"sender=a&message=hi", "application/x-www-form-urlencoded", 415),
        ("no content type", b'{"sender": "a", "message": "hi"}', None, 415),
        ("missing sender", {"message": "hi"}, "application/json", 400),
        ("empty sender", sent(sender=""), "application/json", 400),
        ("blank sender", sent(sender="   "), "application/json", 400),
        ("sender too long", sent(sender="x" * 129), "application/json", 400),
        ("sender with control characters", sent(sender="a\nb"), "application/json", 400),
        ("sender is a list", sent(sender=["a"]), "application/json", 400),
        ("sender is a boolean", sent(sender=True), "application/json", 400),
        ("missing message", {"sender": "a"}, "application/json", 400),
        ("message is null", sent(message=None), "application/json", 400),
        ("message is a number", sent(message=42), "application/json", 400),
        ("message is an object", sent(message={"text": "hi"}), "application/json", 400),
    ],
)
@in_fresh_loop
async def test_bad_request_gets_4xx_and_never_reaches_rasa(
    app, agent, name, body, content_type, status
):
    response = await post(app, body, content_type)
    assert response.status == status, (name, response.text)
    assert "message" in response.json
    assert agent.received == []
    # The server is still up and answers the next good request.
    ok = await post(app, sent())
    assert ok.status == 200 and ok.json[0]["text"] == "ok"


@in_fresh_loop
async def test_request_over_the_size_limit_is_refused(app, agent, monkeypatch):
    monkeypatch.setattr(guard, "MAX_REQUEST_BYTES", 10_000)
    response = await post(app, sent(message="x" * 20_000))
    assert response.status == 413
    assert agent.received == []


@in_fresh_loop
async def test_get_on_the_webhook_is_not_allowed(app):
    _, response = await app.asgi_client.get(WEBHOOK)
    assert response.status == 405


@in_fresh_loop
async def test_numeric_sender_is_accepted_as_text(app, agent):
    response = await post(app, sent(sender=12345))
    assert response.status == 200
    assert agent.received[0].sender_id == "12345"


# ---------------------------------------------------------------- kind replies
@pytest.mark.parametrize(
    "message", ["", " ", "   \n\t  ", "\u0000\u0007", "\r\n", "\u200b\u200e\ufeff", "\u3000\u00a0"]
)
@in_fresh_loop
async def test_empty_or_blank_message_gets_a_kind_reply(app, agent, message):
    response = await post(app, sent(message=message))
    assert response.status == 200
    assert [m["text"] for m in response.json] == [EMPTY_REPLY]
    assert response.json[0]["recipient_id"] == "bad-input"
    assert agent.received == []


@in_fresh_loop
async def test_100kb_message_is_capped_with_a_notice_and_answered_fast(app, agent):
    message = ("My report says IHC 2+ and FISH not amplified. " * 2300)[:100_000]
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await post(app, sent(message=message))
    elapsed = loop.time() - started
    assert response.status == 200
    assert [m["text"] for m in response.json] == [LONG_NOTICE, "ok"]
    processed = agent.received[0].text
    assert 3800 <= len(processed) <= MAX_MESSAGE_CHARS
    assert message.startswith(processed)
    assert elapsed < 1.0, f"capping a 100 KB message took {elapsed:.2f} s"


@pytest.mark.parametrize(
    "message, reaches_rasa",
    [
        ("Qué es HER2? ¿Es agresivo? Ça va, naïve, Ørsted", None),
        ("🙂 what is HER2? 👩‍⚕️🎗️", None),
        ("ما هو HER2؟ מה זה HER2", None),
        ("混合 text 日本語", None),
        ("e\u0301 decomposed accent", "\u00e9 decomposed accent"),  # NFC
        ("<script>alert('x')</script> what is HER2?", None),  # plain text for NLU
        ('<img src=x onerror="alert(1)">', None),
        ("**IHC 3+** [report](http://evil.example)", None),
        ("hello\u0000 there\u0007", "hello there"),
        ("line one\r\nline two", "line one\nline two"),
        ("lone surrogate \ud800 here", "lone surrogate ? here"),
    ],
)
@in_fresh_loop
async def test_text_reaches_rasa_cleaned_but_unchanged_in_meaning(
    app, agent, message, reaches_rasa
):
    response = await post(app, sent(message=message))
    assert response.status == 200
    assert [m["text"] for m in response.json] == ["ok"]
    assert agent.received[0].text == (reaches_rasa or message)


# ------------------------------------------------------- slash commands
@pytest.mark.parametrize(
    "typed, reaches_rasa",
    [
        ('/inform{"ihc_score":"3+"}', 'inform{"ihc_score":"3+"}'),
        (
            '/inform_results{"her2_category": "positive"}',
            'inform_results{"her2_category": "positive"}',
        ),
        ('/ask_drug@1.0{"drug": "anything"}', 'ask_drug@1.0{"drug": "anything"}'),
        ("/results_treatment", "results_treatment"),
        ("/session_start", "session_start"),
        ("//greet", "greet"),
        ('  /greet{"x": 1}', 'greet{"x": 1}'),
        ("/ / faq", "faq"),
        ("/greet", "/greet"),  # the chat page's initPayload
        (" /greet ", "/greet"),
        ("/restart", "/restart"),
    ],
)
@in_fresh_loop
async def test_typed_commands_become_plain_text(app, agent, typed, reaches_rasa):
    response = await post(app, sent(message=typed))
    assert response.status == 200
    assert agent.received[0].text == reaches_rasa


@in_fresh_loop
async def test_a_lone_slash_is_an_empty_message(app, agent):
    response = await post(app, sent(message=" / "))
    assert [m["text"] for m in response.json] == [EMPTY_REPLY]
    assert agent.received == []


# ----------------------------------------------------- every message is answered
@in_fresh_loop
async def test_failure_gets_the_try_again_reply(app, agent):
    agent.mode = "fail"
    response = await post(app, sent(message="IHC 2+"))
    assert response.status == 200
    assert [m["text"] for m in response.json] == [CANT_LOOK_UP]


@in_fresh_loop
async def test_silence_gets_the_try_again_reply(app, agent):
    agent.mode = "silent"  # what Rasa 3.6 does when the action server is down
    response = await post(app, sent(message="IHC 2+"))
    assert [m["text"] for m in response.json] == [CANT_LOOK_UP]


@in_fresh_loop
async def test_a_hang_is_cut_short_with_the_try_again_reply(app, agent, monkeypatch):
    monkeypatch.setattr(delivery, "REPLY_TIMEOUT", 0.5)
    agent.mode = "hang"
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await post(app, sent(message="IHC 2+"))
    assert loop.time() - started < 5
    assert [m["text"] for m in response.json] == [CANT_LOOK_UP]


# ------------------------------------------------------------------- units
def test_clean_text_units():
    assert clean_text("x" * 5000).shortened
    assert not clean_text("x" * 4000).shortened
    words = clean_text("word " * 2000).text
    assert len(words) <= MAX_MESSAGE_CHARS and words.endswith("word")
    assert clean_text(b"\xff\xfehi").text == "\ufffd\ufffdhi"
    assert clean_text(None).text == "" and clean_text(5).text == ""
    assert all(clean_text(c).text == c for c in ALLOWED_COMMANDS)


def test_sender_units():
    assert valid_sender("e2e-1234") == "e2e-1234"
    assert valid_sender(7) == "7"
    for bad in (None, "", " ", "a\tb", "x" * 129, 1.5, True, {}):
        assert valid_sender(bad) is None


def test_not_text_reply_exists_for_socketio():
    assert NOT_TEXT_REPLY and CANT_LOOK_UP.startswith("I'm sorry, I can't look that up")
