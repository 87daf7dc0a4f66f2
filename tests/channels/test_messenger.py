"""Facebook Messenger: events signed with the app secret (X-Hub-Signature) are
answered through the (mocked) Send API; others are refused; GET webhook
verification echoes hub.challenge only for the right hub.verify_token.

Note: Rasa answers a badly signed POST with HTTP 200 and the body
"not validated" (not a 4xx); what matters is that the bot never sees it.
"""
import hashlib
import hmac
import json
import time

import pytest

from channel_testlib import in_fresh_loop

WEBHOOK = "/webhooks/facebook/webhook"
PAGE_ID = "1000000000000001"
USER_PSID = "2000000000000002"


def hub_signature(body: bytes, secret: str) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def messaging_event(text: str) -> bytes:
    now = int(time.time() * 1000)
    return json.dumps({
        "object": "page",
        "entry": [{
            "id": PAGE_ID, "time": now,
            "messaging": [{
                "sender": {"id": USER_PSID}, "recipient": {"id": PAGE_ID},
                "timestamp": now,
                "message": {"mid": "m_her2_test_1", "text": text},
            }],
        }],
    }).encode()


@in_fresh_loop
async def test_signed_message_gets_the_bots_reply(app, outbound, channel_env, iamabot_text,
                                                  disclaimer_text):
    body = messaging_event("are you a bot?")
    _, response = await app.asgi_client.post(WEBHOOK, content=body, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature": hub_signature(body, channel_env["FACEBOOK_SECRET"])})

    assert response.status == 200
    assert response.text == "success"
    sent = [c.args for c in outbound.messenger_send.call_args_list]
    # The conversation's first reply: after the disclaimer (tests/channels/test_disclaimer.py).
    assert sent == [({"text": text}, USER_PSID, "RESPONSE")
                    for text in (disclaimer_text, iamabot_text)]
    actions = [c.args for c in outbound.messenger_action.call_args_list]
    assert actions == [(a, USER_PSID)
                       for a in ("mark_seen", "typing_on", "typing_off")]


@pytest.mark.parametrize("signature", [
    pytest.param(lambda body, secret: hub_signature(body, "wrong-" + secret), id="wrong-secret"),
    pytest.param(lambda body, secret: hub_signature(body + b" ", secret), id="body-tampered"),
    pytest.param(lambda body, secret: "", id="unsigned"),
    pytest.param(lambda body, secret: "sha1=", id="empty-digest"),
])
@in_fresh_loop
async def test_badly_signed_message_is_rejected(app, outbound, channel_env, signature):
    body = messaging_event("are you a bot?")
    _, response = await app.asgi_client.post(WEBHOOK, content=body, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature": signature(body, channel_env["FACEBOOK_SECRET"])})

    assert response.text == "not validated"
    outbound.messenger_send.assert_not_called()
    outbound.messenger_action.assert_not_called()


@in_fresh_loop
async def test_webhook_verification_with_verify_token(app, channel_env):
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444",
              "hub.verify_token": channel_env["FACEBOOK_VERIFY"]}
    _, response = await app.asgi_client.get(WEBHOOK, params=params)
    assert response.status == 200
    assert response.text == "1158201444"

    _, wrong = await app.asgi_client.get(
        WEBHOOK, params={**params, "hub.verify_token": "wrong-" + channel_env["FACEBOOK_VERIFY"]})
    assert "1158201444" not in wrong.text
    assert wrong.text == "failure, invalid token"
