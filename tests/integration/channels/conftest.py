"""Fixtures for the messaging-channel tests (Telegram, Slack, Facebook Messenger).

The tests run offline, the way Rasa's own test suite tests channels: the Rasa
Sanic app is built in-process and requests go through sanic_testing's ASGI
client. The channels are created the same way `rasa run` creates them:

    fake env vars -> ops/config.write_runtime_config (credentials
    file with ${VAR} placeholders) -> rasa.core.run.create_http_input_channels
    (Rasa fills in the placeholders) -> rasa.core.run.configure_app

Every outbound call to Telegram, Slack or Facebook is replaced by a mock, and a
guard makes any attempt to open a non-loopback network connection fail (tests/conftest.py
no_internet, on for the whole tier).
All tokens and secrets are random fake values generated for each test.
"""

from types import SimpleNamespace
from typing import Dict
from unittest.mock import AsyncMock, patch

import pytest
import yaml

from tests.unit.lib import ROOT, build_input_channels, fake_channel_env, in_fresh_thread


@pytest.fixture(scope="session")
def domain_responses() -> Dict[str, str]:
    """First text variant of every response in domain.yml."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return {
        name: variants[0]["text"]
        for name, variants in domain["responses"].items()
        if variants and "text" in variants[0]
    }


@pytest.fixture(scope="session")
def iamabot_text(domain_responses) -> str:
    return domain_responses["utter_iamabot"].strip()


@pytest.fixture(scope="session")
def disclaimer_text(domain_responses) -> str:
    """The identity line and disclaimer, before a conversation's first answer."""
    return domain_responses["utter_disclaimer"].strip()


@pytest.fixture
def outbound():
    """Mocks for every call the three channels make to their platform's API."""
    from rasa.core.channels.telegram import TelegramOutput

    bot_user = SimpleNamespace(id=1, is_bot=True, username="her2_test_bot")
    with (
        patch.object(
            TelegramOutput, "set_webhook", new_callable=AsyncMock, return_value=True
        ) as set_webhook,
        patch.object(
            TelegramOutput, "get_me", new_callable=AsyncMock, return_value=bot_user
        ) as get_me,
        patch.object(TelegramOutput, "send_message", new_callable=AsyncMock) as telegram_send,
        patch(
            "slack_sdk.web.async_client.AsyncWebClient.chat_postMessage", new_callable=AsyncMock
        ) as slack_post,
        patch("fbmessenger.MessengerClient.send") as messenger_send,
        patch("fbmessenger.MessengerClient.send_action") as messenger_action,
    ):
        yield SimpleNamespace(
            telegram_set_webhook=set_webhook,
            telegram_get_me=get_me,
            telegram_send=telegram_send,
            slack_post=slack_post,
            messenger_send=messenger_send,
            messenger_action=messenger_action,
        )


@pytest.fixture
def channel_env() -> Dict[str, str]:
    return fake_channel_env()


@pytest.fixture
def app(agent, outbound, channel_env, tmp_path, monkeypatch):
    """The Rasa server app with every messaging channel switched on.

    Built in a worker thread: Rasa's Telegram channel (SafeTelegramInput too) calls
    asyncio.run(set_webhook(...)) while its blueprint is created, which fails on a
    thread that already has a running event loop (see tests/unit/lib.in_fresh_loop).
    """
    from rasa.core.run import configure_app
    from sanic import Sanic

    Sanic.test_mode = True  # several apps with the same name in one process
    input_channels, _ = build_input_channels(channel_env, tmp_path / ".run", monkeypatch)
    # `rasa run` without --enable-api, as in `make run`.
    sanic_app = in_fresh_thread(configure_app, input_channels=input_channels, enable_api=False)
    sanic_app.ctx.agent = agent
    return sanic_app
