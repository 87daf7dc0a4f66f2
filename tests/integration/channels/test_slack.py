"""Slack Events API: signed requests are answered via chat.postMessage (mocked);
requests without a valid X-Slack-Signature are rejected before the bot sees them.

The second half drives channels/slack.py's blueprint with a stand-in for Rasa and Slack's
output channel collecting what it would post: every message is cleaned and answered as
on the other channels (channels/delivery.py)."""

import hashlib
import hmac
import json
import secrets
import time
from types import SimpleNamespace

import pytest

from channels.delivery import CANT_LOOK_UP
from channels.text import EMPTY_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY, SHORTENED_NOTICE
from tests.unit.lib import (
    RasaStandIn,
    in_fresh_loop,
    input_channel,
    stand_in_app,
    wait_for_background_tasks,
)

WEBHOOK = "/webhooks/slack/webhook"
DM_CHANNEL = "D0HER2TEST"
USER = "U0HER2USER"
CHALLENGE = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def signed_headers(body: bytes, secret: str, timestamp: int = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


def message_event(text: str, **event) -> bytes:
    """A direct message to the bot, as the Events API posts it (``event``: more fields of
    the message event, e.g. ``files``)."""
    ts = f"{time.time():.6f}"
    return json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": "T0HER2TEAM",
            "api_app_id": "A0HER2APP",
            "type": "event_callback",
            "event_id": "Ev0HER2TEST",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0HER2TEAM", "user_id": "U0HER2BOT", "is_bot": True}],
            "event": {
                "type": "message",
                "channel": DM_CHANNEL,
                "channel_type": "im",
                "user": USER,
                "text": text,
                "ts": ts,
                "event_ts": ts,
                **event,
            },
        }
    ).encode()


@in_fresh_loop
async def test_signed_message_gets_the_bots_reply(
    app, outbound, channel_env, iamabot_text, disclaimer_text
):
    body = message_event("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, channel_env["SLACK_SIGNING_SECRET"])
    )

    assert response.status == 200
    await wait_for_background_tasks(input_channel(app, "slack"))  # Slack answers async
    sent = [c.kwargs for c in outbound.slack_post.await_args_list]
    # The conversation's first reply: after the disclaimer (tests/integration/channels/test_disclaimer.py).
    assert sent == [
        {"channel": DM_CHANNEL, "as_user": True, "text": text, "type": "mrkdwn"}
        for text in (disclaimer_text, iamabot_text)
    ]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(
            lambda body, secret: signed_headers(body, "wrong-" + secret), id="wrong-secret"
        ),
        pytest.param(lambda body, secret: signed_headers(body + b" ", secret), id="body-tampered"),
        pytest.param(
            lambda body, secret: signed_headers(body, secret, int(time.time()) - 600),
            id="replayed-10-min-old",
        ),
        pytest.param(lambda body, secret: {"Content-Type": "application/json"}, id="unsigned"),
    ],
)
@in_fresh_loop
async def test_badly_signed_message_is_rejected(app, outbound, channel_env, headers):
    body = message_event("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=headers(body, channel_env["SLACK_SIGNING_SECRET"])
    )

    assert response.status == 400
    await wait_for_background_tasks(input_channel(app, "slack"))
    outbound.slack_post.assert_not_awaited()


@in_fresh_loop
async def test_url_verification_challenge(app, outbound, channel_env):
    body = json.dumps(
        {"token": "unused", "challenge": CHALLENGE, "type": "url_verification"}
    ).encode()
    secret = channel_env["SLACK_SIGNING_SECRET"]

    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, secret)
    )
    assert response.status == 200
    assert response.json == CHALLENGE

    _, forged = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, "wrong-" + secret)
    )
    assert forged.status == 400
    assert CHALLENGE not in forged.text
    outbound.slack_post.assert_not_awaited()


# ------------------------------------------- every message cleaned and answered
BOT_USER = "U0HER2BOT"  # the bot's own user id (message_event's "authorizations")


@pytest.fixture
def rasa():
    return RasaStandIn()


@pytest.fixture
def slack(rasa, monkeypatch):
    """channels/slack.py's channel on a Sanic app with the stand-in for Rasa; ``posted``
    collects (Slack channel, text) of every message the bot would post."""
    from rasa.core.channels.slack import SlackBot

    from channels.slack import SafeSlackInput

    posted = []

    async def send_text_message(bot, recipient_id, text, **kwargs):
        posted.append((bot.slack_channel, text))

    monkeypatch.setattr(SlackBot, "send_text_message", send_text_message)
    channel = SafeSlackInput.from_credentials(
        {"slack_token": "xoxb-test-token", "slack_signing_secret": secrets.token_hex(16)}
    )
    return SimpleNamespace(channel=channel, app=stand_in_app(channel, rasa), posted=posted)


async def post_signed(slack, body: bytes):
    _, response = await slack.app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, slack.channel.slack_signing_secret)
    )
    await wait_for_background_tasks(slack.channel)  # Slack answers in a background task
    return response


@in_fresh_loop
async def test_a_message_reaches_rasa_and_gets_its_answer(slack, rasa):
    response = await post_signed(slack, message_event(f"<@{BOT_USER}> are you a bot?"))

    assert response.status == 200
    assert [(m.text, m.sender_id, m.input_channel) for m in rasa.received] == [
        ("are you a bot?", USER, "slack")
    ]
    assert slack.posted == [(DM_CHANNEL, RasaStandIn.ANSWER)]


@in_fresh_loop
async def test_control_characters_are_removed(slack, rasa):
    await post_signed(slack, message_event("what is\u0000 HER2\u007f?\r\nthanks\u0007"))

    assert [m.text for m in rasa.received] == ["what is HER2?\nthanks"]
    assert slack.posted == [(DM_CHANNEL, RasaStandIn.ANSWER)]


@in_fresh_loop
async def test_an_over_long_message_is_shortened_with_a_notice(slack, rasa):
    await post_signed(slack, message_event("HER2 IHC 2+ " * 1000))  # 12,000 characters

    assert len(rasa.received) == 1
    read = rasa.received[0].text
    assert len(read) <= MAX_MESSAGE_CHARS and read.endswith("2+")
    assert slack.posted == [
        (DM_CHANNEL, SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS)),
        (DM_CHANNEL, RasaStandIn.ANSWER),
    ]


@pytest.mark.parametrize(
    "text",
    [f"<@{BOT_USER}>", "   ", "\u200b\u0000", "\r\n\t"],
    ids=["only-the-mention", "spaces", "invisible", "line-breaks"],
)
@in_fresh_loop
async def test_an_empty_message_gets_the_kind_reply(slack, rasa, text):
    await post_signed(slack, message_event(text))

    assert rasa.received == []
    assert slack.posted == [(DM_CHANNEL, EMPTY_REPLY)]


@in_fresh_loop
async def test_a_file_without_text_gets_the_text_only_reply(slack, rasa):
    files = [{"id": "F0HER2PDF", "name": "report.pdf", "mimetype": "application/pdf"}]
    await post_signed(slack, message_event("", subtype="file_share", files=files))

    assert rasa.received == []
    assert slack.posted == [(DM_CHANNEL, NOT_TEXT_REPLY)]


@pytest.mark.parametrize("mode", ["fail", "silent", "hang"])
@in_fresh_loop
async def test_a_failure_gets_the_try_again_reply(slack, rasa, mode, monkeypatch):
    from channels import delivery

    monkeypatch.setattr(delivery, "REPLY_TIMEOUT", 0.5)
    rasa.mode = mode
    started = time.monotonic()
    response = await post_signed(slack, message_event("IHC 2+"))

    assert response.status == 200
    assert time.monotonic() - started < 10
    assert [m.text for m in rasa.received] == ["IHC 2+"]
    assert slack.posted == [(DM_CHANNEL, CANT_LOOK_UP)]


@in_fresh_loop
async def test_the_bots_own_messages_are_not_answered(slack, rasa):
    await post_signed(slack, message_event("ok", bot_id="B0HER2BOT"))
    await post_signed(slack, message_event("", bot_id="B0HER2BOT", files=[{"id": "F1"}]))

    assert rasa.received == [] and slack.posted == []
