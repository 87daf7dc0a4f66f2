"""Facebook Messenger: events signed with the app secret (X-Hub-Signature) are
answered through the (mocked) Send API; others are refused; GET webhook
verification echoes hub.challenge only for the right hub.verify_token.

Note: Rasa answers a badly signed POST with HTTP 200 and the body
"not validated" (not a 4xx); what matters is that the bot never sees it.

The second half drives channels/messenger.py's blueprint with a stand-in for Rasa and
Messenger's output channel collecting what it would send: every message is cleaned and
answered as on the other channels (channels/delivery.py).
"""

import hashlib
import hmac
import json
import secrets
import time
from types import SimpleNamespace

import pytest

from channels.delivery import CANT_LOOK_UP
from channels.text import EMPTY_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY, SHORTENED_NOTICE
from tests.unit.lib import RasaStandIn, in_fresh_loop, stand_in_app

WEBHOOK = "/webhooks/facebook/webhook"
PAGE_ID = "1000000000000001"
USER_PSID = "2000000000000002"


def hub_signature(body: bytes, secret: str) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def messaging_event(text: str, message: dict = None, sender: str = USER_PSID) -> dict:
    """One event of a webhook request: a person's message (``message`` replaces the
    text message, e.g. with an attachment)."""
    now = int(time.time() * 1000)
    return {
        "sender": {"id": sender},
        "recipient": {"id": PAGE_ID},
        "timestamp": now,
        "message": message or {"mid": f"m_{secrets.token_hex(8)}", "text": text},
    }


def webhook_request(*events: dict) -> bytes:
    """A webhook request, one entry per event (Messenger batches up to 1,000)."""
    now = int(time.time() * 1000)
    return json.dumps(
        {
            "object": "page",
            "entry": [{"id": PAGE_ID, "time": now, "messaging": [event]} for event in events],
        }
    ).encode()


def messaging_request(text: str) -> bytes:
    return webhook_request(messaging_event(text))


@in_fresh_loop
async def test_signed_message_gets_the_bots_reply(
    app, outbound, channel_env, iamabot_text, disclaimer_text
):
    body = messaging_request("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature": hub_signature(body, channel_env["FACEBOOK_SECRET"]),
        },
    )

    assert response.status == 200
    assert response.text == "success"
    sent = [c.args for c in outbound.messenger_send.call_args_list]
    # The conversation's first reply: after the disclaimer (tests/integration/channels/test_disclaimer.py).
    assert sent == [
        ({"text": text}, USER_PSID, "RESPONSE") for text in (disclaimer_text, iamabot_text)
    ]
    actions = [c.args for c in outbound.messenger_action.call_args_list]
    assert actions == [(a, USER_PSID) for a in ("mark_seen", "typing_on", "typing_off")]


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(
            lambda body, secret: hub_signature(body, "wrong-" + secret), id="wrong-secret"
        ),
        pytest.param(lambda body, secret: hub_signature(body + b" ", secret), id="body-tampered"),
        pytest.param(lambda body, secret: "", id="unsigned"),
        pytest.param(lambda body, secret: "sha1=", id="empty-digest"),
    ],
)
@in_fresh_loop
async def test_badly_signed_message_is_rejected(app, outbound, channel_env, signature):
    body = messaging_request("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature": signature(body, channel_env["FACEBOOK_SECRET"]),
        },
    )

    assert response.text == "not validated"
    outbound.messenger_send.assert_not_called()
    outbound.messenger_action.assert_not_called()


@in_fresh_loop
async def test_webhook_verification_with_verify_token(app, channel_env):
    params = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": channel_env["FACEBOOK_VERIFY"],
    }
    _, response = await app.asgi_client.get(WEBHOOK, params=params)
    assert response.status == 200
    assert response.text == "1158201444"

    _, wrong = await app.asgi_client.get(
        WEBHOOK, params={**params, "hub.verify_token": "wrong-" + channel_env["FACEBOOK_VERIFY"]}
    )
    assert "1158201444" not in wrong.text
    assert wrong.text == "failure, invalid token"


# ------------------------------------------- every message cleaned and answered
@pytest.fixture
def rasa():
    return RasaStandIn()


@pytest.fixture
def messenger(rasa, monkeypatch):
    """channels/messenger.py's channel on a Sanic app with the stand-in for Rasa; ``sent``
    collects (recipient, text) of every message the bot would send, ``actions`` its
    sender actions (seen, typing)."""
    from rasa.core.channels.facebook import MessengerBot

    from channels.messenger import SafeFacebookInput

    sent, actions = [], []

    async def send_text_message(bot, recipient_id, text, **kwargs):
        sent.append((recipient_id, text))

    async def send_action(bot, recipient_id, sender_action):
        actions.append((recipient_id, sender_action))

    monkeypatch.setattr(MessengerBot, "send_text_message", send_text_message)
    monkeypatch.setattr(MessengerBot, "send_action", send_action)
    channel = SafeFacebookInput.from_credentials(
        {
            "verify": secrets.token_urlsafe(16),
            "secret": secrets.token_hex(16),
            "page-access-token": f"EAAtest{secrets.token_urlsafe(24)}",
        }
    )
    return SimpleNamespace(
        channel=channel, app=stand_in_app(channel, rasa), sent=sent, actions=actions
    )


async def post_signed(messenger, body: bytes, signature: str = None):
    signature = signature or hub_signature(body, messenger.channel.fb_secret)
    _, response = await messenger.app.asgi_client.post(
        WEBHOOK,
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature": signature},
    )
    return response


@in_fresh_loop
async def test_a_message_reaches_rasa_and_gets_its_answer(messenger, rasa):
    response = await post_signed(messenger, messaging_request("are you a bot?"))

    assert (response.status, response.text) == (200, "success")
    assert [(m.text, m.sender_id, m.input_channel) for m in rasa.received] == [
        ("are you a bot?", USER_PSID, "facebook")
    ]
    assert messenger.sent == [(USER_PSID, RasaStandIn.ANSWER)]
    assert messenger.actions == [(USER_PSID, a) for a in ("mark_seen", "typing_on", "typing_off")]


@in_fresh_loop
async def test_a_sha256_signature_is_accepted(messenger, rasa):
    body = messaging_request("are you a bot?")
    digest = hmac.new(messenger.channel.fb_secret.encode(), body, hashlib.sha256).hexdigest()
    response = await post_signed(messenger, body, signature="sha256=" + digest)

    assert response.text == "success"
    assert messenger.sent == [(USER_PSID, RasaStandIn.ANSWER)]


@pytest.mark.parametrize("signature", ["md5=0", "new=abc", "sha1", "=", "sha1=zz"])
@in_fresh_loop
async def test_an_odd_signature_is_refused_without_an_error(messenger, rasa, signature):
    response = await post_signed(messenger, messaging_request("hi"), signature=signature)

    assert (response.status, response.text) == (200, "not validated")
    assert rasa.received == [] and messenger.sent == []


@in_fresh_loop
async def test_control_characters_are_removed(messenger, rasa):
    await post_signed(messenger, messaging_request("what is\u0000 HER2\u007f?\r\nthanks"))

    assert [m.text for m in rasa.received] == ["what is HER2?\nthanks"]
    assert messenger.sent == [(USER_PSID, RasaStandIn.ANSWER)]


@in_fresh_loop
async def test_an_over_long_message_is_shortened_with_a_notice(messenger, rasa):
    await post_signed(messenger, messaging_request("HER2 IHC 2+ " * 1000))  # 12,000 chars

    assert len(rasa.received) == 1
    read = rasa.received[0].text
    assert len(read) <= MAX_MESSAGE_CHARS and read.endswith("2+")
    assert messenger.sent == [
        (USER_PSID, SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS)),
        (USER_PSID, RasaStandIn.ANSWER),
    ]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\u200b\u0000", "\r\n\t"],
    ids=["empty", "spaces", "invisible", "line-breaks"],
)
@in_fresh_loop
async def test_an_empty_message_gets_the_kind_reply(messenger, rasa, text):
    await post_signed(messenger, messaging_request(text))

    assert rasa.received == []
    assert messenger.sent == [(USER_PSID, EMPTY_REPLY)]


@pytest.mark.parametrize(
    "attachment",
    [
        {"type": "image", "payload": {"url": "https://scontent.example.test/report.jpg"}},
        {"type": "audio", "payload": {"url": "https://cdn.example.test/voice.mp4"}},
        {"type": "file", "payload": {"url": "https://cdn.example.test/report.pdf"}},
        {
            "type": "image",
            "payload": {
                "url": "https://cdn.example.test/sticker.png",
                "sticker_id": 369239263222822,
            },
        },
        {"type": "location", "payload": {"coordinates": {"lat": 52.5, "long": 13.4}}},
    ],
    ids=["picture", "voice", "file", "sticker", "location"],
)
@in_fresh_loop
async def test_a_message_without_text_gets_the_text_only_reply(messenger, rasa, attachment):
    event = messaging_event("", message={"mid": "m_attachment", "attachments": [attachment]})
    response = await post_signed(messenger, webhook_request(event))

    assert response.text == "success"
    assert rasa.received == []  # an attachment's URL is never read as if typed
    assert messenger.sent == [(USER_PSID, NOT_TEXT_REPLY)]


@pytest.mark.parametrize("mode", ["fail", "silent", "hang"])
@in_fresh_loop
async def test_a_failure_gets_the_try_again_reply(messenger, rasa, mode, monkeypatch):
    from channels import delivery

    monkeypatch.setattr(delivery, "REPLY_TIMEOUT", 0.5)
    rasa.mode = mode
    started = time.monotonic()
    response = await post_signed(messenger, messaging_request("IHC 2+"))

    assert (response.status, response.text) == (200, "success")
    assert time.monotonic() - started < 10
    assert [m.text for m in rasa.received] == ["IHC 2+"]
    assert messenger.sent == [(USER_PSID, CANT_LOOK_UP)]
    assert messenger.actions[-1] == (USER_PSID, "typing_off")


@in_fresh_loop
async def test_every_message_of_a_batched_request_is_answered(messenger, rasa):
    other = "3000000000000003"
    await post_signed(
        messenger,
        webhook_request(messaging_event("IHC 2+"), messaging_event("hello", sender=other)),
    )

    assert [(m.sender_id, m.text) for m in rasa.received] == [
        (USER_PSID, "IHC 2+"),
        (other, "hello"),
    ]
    assert messenger.sent == [(USER_PSID, RasaStandIn.ANSWER), (other, RasaStandIn.ANSWER)]


@in_fresh_loop
async def test_the_pages_own_messages_echoed_back_are_not_answered(messenger, rasa):
    echo = messaging_event(
        "",
        sender=PAGE_ID,
        message={"mid": "m_echo", "is_echo": True, "app_id": 1517776481860111, "text": "ok"},
    )
    echo_attachment = messaging_event(
        "",
        sender=PAGE_ID,
        message={"mid": "m_echo2", "is_echo": True, "attachments": [{"type": "fallback"}]},
    )
    response = await post_signed(messenger, webhook_request(echo, echo_attachment))

    assert response.text == "success"
    assert rasa.received == [] and messenger.sent == []


@in_fresh_loop
async def test_a_signed_body_that_is_not_json_gets_400(messenger, rasa):
    response = await post_signed(messenger, b"not json")

    assert response.status == 400
    assert rasa.received == []


@pytest.mark.parametrize(
    "event",
    [
        {"postback": {"title": "Get Started", "payload": "/greet"}},
        {
            "message": {
                "mid": "m_quick",
                "text": "Treatments",
                "quick_reply": {"payload": "what treatments are there?"},
            }
        },
    ],
    ids=["postback", "quick-reply"],
)
@in_fresh_loop
async def test_buttons_reach_rasa_as_their_payload(messenger, rasa, event):
    await post_signed(
        messenger,
        webhook_request({"sender": {"id": USER_PSID}, "recipient": {"id": PAGE_ID}, **event}),
    )

    payload = (event.get("postback") or event["message"]["quick_reply"])["payload"]
    assert [m.text for m in rasa.received] == [payload]
    assert messenger.sent == [(USER_PSID, RasaStandIn.ANSWER)]
