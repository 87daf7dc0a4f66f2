"""Telegram: an inbound webhook update is answered through the (mocked) Bot API
only when it carries the webhook's secret token.

The run uses channels.telegram.SafeTelegramInput (channels/messaging.py maps
the ``telegram`` section of channels/messaging.yml to it), which adds to Rasa 3.6's
Telegram channel (rasa/core/channels/telegram.py):
- setWebhook registers TELEGRAM_WEBHOOK_URL together with ``secret_token``
  (TELEGRAM_SECRET_TOKEN), so Telegram sends that token with every update in the
  X-Telegram-Bot-Api-Secret-Token header;
- every request to /webhooks/telegram/webhook (and /set_webhook) without exactly
  that header is answered 403 before Rasa sees it.
Rasa's own check stays: on every update it asks Telegram who the token belongs to
(getMe) and only answers when that username equals `verify` (TELEGRAM_BOT_NAME).
"""

import secrets
import time
from unittest.mock import AsyncMock, patch

import pytest

from tests.unit.lib import in_fresh_loop, in_fresh_thread, input_channel

CHAT_ID = 4242
WEBHOOK = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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


def with_secret(channel_env) -> dict:
    """The headers Telegram sends once the webhook is registered with the secret."""
    return {SECRET_HEADER: channel_env["TELEGRAM_SECRET_TOKEN"]}


def test_the_run_uses_the_hardened_channel(app, channel_env):
    from channels.telegram import SafeTelegramInput

    channel = input_channel(app, "telegram")
    assert type(channel) is SafeTelegramInput
    assert channel.secret_token == channel_env["TELEGRAM_SECRET_TOKEN"]


def test_webhook_registered_with_configured_url(app, outbound, channel_env):
    outbound.telegram_set_webhook.assert_awaited_once_with(url=channel_env["TELEGRAM_WEBHOOK_URL"])
    assert channel_env["TELEGRAM_WEBHOOK_URL"].startswith("https://")


def test_webhook_registration_carries_the_secret_token(channel_env):
    """The setWebhook request itself (Bot API call mocked) includes secret_token."""
    from aiogram import Bot
    from aiogram.bot import api

    from channels.telegram import SafeTelegramInput

    channel = SafeTelegramInput.from_credentials(
        {
            "access_token": channel_env["TELEGRAM_TOKEN"],
            "verify": channel_env["TELEGRAM_BOT_NAME"],
            "webhook_url": channel_env["TELEGRAM_WEBHOOK_URL"],
            "secret_token": channel_env["TELEGRAM_SECRET_TOKEN"],
        }
    )
    with patch.object(Bot, "request", new_callable=AsyncMock, return_value=True) as request:
        # get_output_channel calls asyncio.run: never on a thread with a running loop.
        in_fresh_thread(channel.get_output_channel)

    calls = [c.args for c in request.await_args_list]
    assert [call[0] for call in calls] == [api.Methods.SET_WEBHOOK]
    payload = calls[0][1]
    assert payload["url"] == channel_env["TELEGRAM_WEBHOOK_URL"]
    assert payload["secret_token"] == channel_env["TELEGRAM_SECRET_TOKEN"]


@in_fresh_loop
async def test_message_with_the_secret_gets_the_bots_reply(
    app, outbound, channel_env, iamabot_text, disclaimer_text
):
    _, response = await app.asgi_client.post(
        WEBHOOK, json=telegram_update("are you a bot?"), headers=with_secret(channel_env)
    )

    assert response.status == 200
    assert response.text == "success"
    outbound.telegram_get_me.assert_awaited()
    sent = [c.args for c in outbound.telegram_send.await_args_list]
    # The conversation's first reply: after the disclaimer (tests/integration/channels/test_disclaimer.py).
    assert sent == [(str(CHAT_ID), disclaimer_text), (str(CHAT_ID), iamabot_text)]


@pytest.mark.parametrize(
    "secret_header",
    [
        pytest.param(lambda secret: {}, id="missing"),
        pytest.param(lambda secret: {SECRET_HEADER: ""}, id="empty"),
        pytest.param(lambda secret: {SECRET_HEADER: secrets.token_urlsafe(32)}, id="wrong-secret"),
        pytest.param(lambda secret: {SECRET_HEADER: secret[:-1]}, id="truncated"),
        pytest.param(lambda secret: {SECRET_HEADER: secret + "x"}, id="extended"),
        pytest.param(lambda secret: {SECRET_HEADER: secret.swapcase()}, id="other-case"),
        pytest.param(lambda secret: {"X-Telegram-Bot-Api-Secret": secret}, id="wrong-header-name"),
    ],
)
@in_fresh_loop
async def test_update_without_the_right_secret_is_rejected(
    app, outbound, channel_env, secret_header
):
    headers = secret_header(channel_env["TELEGRAM_SECRET_TOKEN"])
    if SECRET_HEADER in headers:
        assert headers[SECRET_HEADER] != channel_env["TELEGRAM_SECRET_TOKEN"]

    _, response = await app.asgi_client.post(
        WEBHOOK, json=telegram_update("are you a bot?"), headers=headers
    )

    assert response.status == 403
    assert response.text != "success"
    # Refused before Rasa's handler: no getMe, no reply, nothing sent to Telegram.
    outbound.telegram_get_me.assert_not_awaited()
    outbound.telegram_send.assert_not_awaited()

    # Nor can the webhook be re-registered without the secret.
    _, response = await app.asgi_client.post("/webhooks/telegram/set_webhook", headers=headers)
    assert response.status == 403
    outbound.telegram_set_webhook.assert_awaited_once()  # only the start-up call


@in_fresh_loop
async def test_health_check_needs_no_secret(app):
    _, response = await app.asgi_client.get("/webhooks/telegram/")
    assert response.status == 200
    assert response.json == {"status": "ok"}


@in_fresh_loop
async def test_update_for_another_bot_is_not_answered(app, outbound, channel_env):
    """The token belongs to a bot other than TELEGRAM_BOT_NAME: Rasa refuses."""
    outbound.telegram_get_me.return_value.username = "some_other_bot"

    _, response = await app.asgi_client.post(
        WEBHOOK, json=telegram_update("are you a bot?"), headers=with_secret(channel_env)
    )

    assert response.text == "failed"
    outbound.telegram_send.assert_not_awaited()


@in_fresh_loop
async def test_update_to_unknown_webhook_path_is_not_answered(app, outbound, channel_env):
    _, response = await app.asgi_client.post(
        "/webhooks/telegram/not-the-webhook",
        json=telegram_update("are you a bot?"),
        headers=with_secret(channel_env),
    )

    assert response.status == 404
    outbound.telegram_send.assert_not_awaited()
