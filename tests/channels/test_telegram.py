"""Telegram: an inbound webhook update is answered through the (mocked) Bot API.

What Rasa 3.6's Telegram channel checks (rasa/core/channels/telegram.py):
- at start-up it registers TELEGRAM_WEBHOOK_URL with Telegram (setWebhook);
- on every update it asks Telegram who the token belongs to (getMe) and only
  answers when that username equals `verify` (TELEGRAM_BOT_NAME).
It does not authenticate the inbound request itself: no signature, no
X-Telegram-Bot-Api-Secret-Token header and a fixed path
(/webhooks/telegram/webhook). See README for what deployments must do.
"""
import time

import pytest

CHAT_ID = 4242
WEBHOOK = "/webhooks/telegram/webhook"


def telegram_update(text: str, update_id: int = 1) -> dict:
    """A private-chat text message as the Bot API posts it to a webhook."""
    user = {"id": CHAT_ID, "is_bot": False, "first_name": "Test", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": CHAT_ID, "first_name": "Test", "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }


def test_webhook_registered_with_configured_url(app, outbound, channel_env):
    outbound.telegram_set_webhook.assert_awaited_once_with(
        url=channel_env["TELEGRAM_WEBHOOK_URL"])
    assert channel_env["TELEGRAM_WEBHOOK_URL"].startswith("https://")


@pytest.mark.asyncio
async def test_message_gets_the_bots_reply(app, outbound, iamabot_text):
    _, response = await app.asgi_client.post(WEBHOOK, json=telegram_update("are you a bot?"))

    assert response.status == 200
    assert response.text == "success"
    outbound.telegram_get_me.assert_awaited()
    sent = [c.args for c in outbound.telegram_send.await_args_list]
    assert sent == [(str(CHAT_ID), iamabot_text)]


@pytest.mark.asyncio
async def test_update_for_another_bot_is_not_answered(app, outbound):
    """The token belongs to a bot other than TELEGRAM_BOT_NAME: Rasa refuses."""
    outbound.telegram_get_me.return_value.username = "some_other_bot"

    _, response = await app.asgi_client.post(WEBHOOK, json=telegram_update("are you a bot?"))

    assert response.text == "failed"
    outbound.telegram_send.assert_not_awaited()


@pytest.mark.asyncio
async def test_update_to_unknown_webhook_path_is_not_answered(app, outbound):
    _, response = await app.asgi_client.post(
        "/webhooks/telegram/not-the-webhook", json=telegram_update("are you a bot?"))

    assert response.status == 404
    outbound.telegram_send.assert_not_awaited()
