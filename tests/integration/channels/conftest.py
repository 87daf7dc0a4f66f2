"""Fixtures for the messaging-channel tests (Telegram, Slack, Facebook Messenger).

The tests run offline, the way Rasa's own test suite tests channels: the Rasa
Sanic app is built in-process and requests go through sanic_testing's ASGI
client. The channels are created the same way `rasa run` creates them:

    fake env vars -> scripts/runtime_config.write_runtime_config (credentials
    file with ${VAR} placeholders) -> rasa.core.run.create_http_input_channels
    (Rasa fills in the placeholders) -> rasa.core.run.configure_app

Every outbound call to Telegram, Slack or Facebook is replaced by a mock, and a
guard makes any attempt to open a non-loopback network connection fail.
All tokens and secrets are random fake values generated for each test.
"""
import asyncio
import ipaddress
import socket
from typing import Dict
from types import SimpleNamespace
from unittest.mock import AsyncMock, patch

import aiohttp
import pytest
import yaml
import yarl

from channel_testlib import (
    ALL_CHANNEL_VARIABLES, ROOT, build_input_channels, fake_channel_env, in_fresh_thread)
from tests.testlib import load_trained_agent


@pytest.fixture(autouse=True)
def keep_event_loop_policy():
    """Importing aiogram (Rasa's Telegram channel) installs uvloop's event loop policy
    for the whole process; put the previous policy back after each test so that the
    test packages running after this one keep the loops they expect."""
    policy = asyncio.get_event_loop_policy()
    yield
    if asyncio.get_event_loop_policy() is not policy:
        asyncio.set_event_loop_policy(policy)


@pytest.fixture
def clean_env(monkeypatch):
    """No messaging-channel variable from the developer's shell leaks in."""
    for var in ALL_CHANNEL_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _is_loopback(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX path
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_internet():
    """Fail loudly if anything tries to reach a remote host.

    Function-scoped, so the guards are removed again after each test of this package
    (a session-scoped fixture here would keep them on for every later test package)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(address):
        raise ConnectionRefusedError(
            f"tests/channels must not use the network (tried {address})")

    def guarded(real):
        def connect(sock, address):
            if not _is_loopback(address):
                refuse(address)
            return real(sock, address)
        return connect

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback((host,)):
            refuse(host)  # no DNS queries either
        return real_getaddrinfo(host, *args, **kwargs)

    # aiogram switches asyncio to uvloop, whose DNS and connects bypass the
    # socket module: also guard aiohttp (used by aiogram and slack_sdk).
    real_request = aiohttp.ClientSession._request

    async def aiohttp_request(session, method, url, *args, **kwargs):
        host = yarl.URL(str(url)).host
        if not _is_loopback((host,)):
            refuse(str(url))
        return await real_request(session, method, url, *args, **kwargs)

    with patch.object(socket.socket, "connect", guarded(real_connect)), \
            patch.object(socket.socket, "connect_ex", guarded(real_connect_ex)), \
            patch.object(socket, "getaddrinfo", getaddrinfo), \
            patch.object(aiohttp.ClientSession, "_request", aiohttp_request):
        yield


@pytest.fixture(scope="session")
def domain_responses() -> Dict[str, str]:
    """First text variant of every response in domain.yml."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return {name: variants[0]["text"]
            for name, variants in domain["responses"].items()
            if variants and "text" in variants[0]}


@pytest.fixture(scope="session")
def iamabot_text(domain_responses) -> str:
    return domain_responses["utter_iamabot"].strip()


@pytest.fixture(scope="session")
def disclaimer_text(domain_responses) -> str:
    """The identity line and disclaimer, before a conversation's first answer."""
    return domain_responses["utter_disclaimer"].strip()


@pytest.fixture(scope="session")
def agent():
    """The trained assistant, loaded once per test session. In-memory tracker store, no
    action server: the tests use messages whose replies are plain responses from domain.yml."""
    return load_trained_agent()


@pytest.fixture
def outbound():
    """Mocks for every call the three channels make to their platform's API."""
    from rasa.core.channels.telegram import TelegramOutput

    bot_user = SimpleNamespace(id=1, is_bot=True, username="her2_test_bot")
    with patch.object(TelegramOutput, "set_webhook",
                      new_callable=AsyncMock, return_value=True) as set_webhook, \
            patch.object(TelegramOutput, "get_me",
                         new_callable=AsyncMock, return_value=bot_user) as get_me, \
            patch.object(TelegramOutput, "send_message",
                         new_callable=AsyncMock) as telegram_send, \
            patch("slack_sdk.web.async_client.AsyncWebClient.chat_postMessage",
                  new_callable=AsyncMock) as slack_post, \
            patch("fbmessenger.MessengerClient.send") as messenger_send, \
            patch("fbmessenger.MessengerClient.send_action") as messenger_action:
        yield SimpleNamespace(
            telegram_set_webhook=set_webhook, telegram_get_me=get_me,
            telegram_send=telegram_send, slack_post=slack_post,
            messenger_send=messenger_send, messenger_action=messenger_action)


@pytest.fixture
def channel_env() -> Dict[str, str]:
    return fake_channel_env()


@pytest.fixture
def app(agent, outbound, channel_env, tmp_path, monkeypatch):
    """The Rasa server app with every messaging channel switched on.

    Built in a worker thread: Rasa's Telegram channel (SafeTelegramInput too) calls
    asyncio.run(set_webhook(...)) while its blueprint is created, which fails on a
    thread that already has a running event loop (see channel_testlib.in_fresh_loop).
    """
    from rasa.core.run import configure_app
    from sanic import Sanic

    Sanic.test_mode = True  # several apps with the same name in one process
    input_channels, _ = build_input_channels(channel_env, tmp_path / ".run", monkeypatch)
    # `rasa run` without --enable-api, as in scripts/run.sh.
    sanic_app = in_fresh_thread(
        configure_app, input_channels=input_channels, enable_api=False)
    sanic_app.ctx.agent = agent
    return sanic_app
