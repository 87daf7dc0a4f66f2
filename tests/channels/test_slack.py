"""Slack Events API: signed requests are answered via chat.postMessage (mocked);
requests without a valid X-Slack-Signature are rejected before the bot sees them."""
import hashlib
import hmac
import json
import time

import pytest

from channel_testlib import in_fresh_loop, input_channel, wait_for_background_tasks

WEBHOOK = "/webhooks/slack/webhook"
DM_CHANNEL = "D0HER2TEST"
USER = "U0HER2USER"
CHALLENGE = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def signed_headers(body: bytes, secret: str, timestamp: int = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature}


def message_event(text: str) -> bytes:
    """A direct message to the bot, as the Events API posts it."""
    ts = f"{time.time():.6f}"
    return json.dumps({
        "token": "unused-verification-token",
        "team_id": "T0HER2TEAM",
        "api_app_id": "A0HER2APP",
        "type": "event_callback",
        "event_id": "Ev0HER2TEST",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0HER2TEAM", "user_id": "U0HER2BOT",
                            "is_bot": True}],
        "event": {"type": "message", "channel": DM_CHANNEL, "channel_type": "im",
                  "user": USER, "text": text, "ts": ts, "event_ts": ts},
    }).encode()


@in_fresh_loop
async def test_signed_message_gets_the_bots_reply(app, outbound, channel_env, iamabot_text,
                                                  disclaimer_text):
    body = message_event("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, channel_env["SLACK_SIGNING_SECRET"]))

    assert response.status == 200
    await wait_for_background_tasks(input_channel(app, "slack"))  # Slack answers async
    sent = [c.kwargs for c in outbound.slack_post.await_args_list]
    # The conversation's first reply: after the disclaimer (tests/channels/test_disclaimer.py).
    assert sent == [{"channel": DM_CHANNEL, "as_user": True, "text": text,
                     "type": "mrkdwn"} for text in (disclaimer_text, iamabot_text)]


@pytest.mark.parametrize("headers", [
    pytest.param(lambda body, secret: signed_headers(body, "wrong-" + secret),
                 id="wrong-secret"),
    pytest.param(lambda body, secret: signed_headers(body + b" ", secret),
                 id="body-tampered"),
    pytest.param(lambda body, secret: signed_headers(body, secret, int(time.time()) - 600),
                 id="replayed-10-min-old"),
    pytest.param(lambda body, secret: {"Content-Type": "application/json"},
                 id="unsigned"),
])
@in_fresh_loop
async def test_badly_signed_message_is_rejected(app, outbound, channel_env, headers):
    body = message_event("are you a bot?")
    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=headers(body, channel_env["SLACK_SIGNING_SECRET"]))

    assert response.status == 400
    await wait_for_background_tasks(input_channel(app, "slack"))
    outbound.slack_post.assert_not_awaited()


@in_fresh_loop
async def test_url_verification_challenge(app, outbound, channel_env):
    body = json.dumps({"token": "unused", "challenge": CHALLENGE,
                       "type": "url_verification"}).encode()
    secret = channel_env["SLACK_SIGNING_SECRET"]

    _, response = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, secret))
    assert response.status == 200
    assert response.json == CHALLENGE

    _, forged = await app.asgi_client.post(
        WEBHOOK, content=body, headers=signed_headers(body, "wrong-" + secret))
    assert forged.status == 400
    assert CHALLENGE not in forged.text
    outbound.slack_post.assert_not_awaited()
