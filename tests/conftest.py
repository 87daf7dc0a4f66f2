"""Fixtures shared by the tiers (tests/unit, tests/integration, tests/system).

The unit and integration tiers switch on `no_internet` and `keep_event_loop_policy` for
every test (their conftest.py). Helpers (not fixtures) are in each tier's module:
tests/unit/lib.py, tests/integration/lib.py, tests/system/stacklib.py.
"""

import asyncio
import ipaddress
import socket
from unittest.mock import patch

import aiohttp
import pytest
import yarl
from sanic import Sanic

from tests.unit.lib import ALL_CHANNEL_VARIABLES


@pytest.fixture
def registered_listeners(monkeypatch):
    """Every (listener, event) registered on a Sanic app during the test; registration
    itself still happens."""
    registered = []
    register = Sanic.register_listener

    def recording(app, listener, event):
        registered.append((listener, event))
        return register(app, listener, event)

    monkeypatch.setattr(Sanic, "register_listener", recording)
    return registered


@pytest.fixture
def keep_event_loop_policy():
    """Importing aiogram (Rasa's Telegram channel) installs uvloop's event loop policy
    for the whole process; put the previous policy back after each test so that the
    tests running after it keep the loops they expect."""
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


@pytest.fixture
def no_internet():
    """Fail loudly if anything tries to reach a remote host.

    Used by every test of tests/unit and tests/integration (their conftest.py); function-
    scoped, so the guards are removed again after each test."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(address):
        raise ConnectionRefusedError(f"tests must not use the network (tried {address})")

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

    with (
        patch.object(socket.socket, "connect", guarded(real_connect)),
        patch.object(socket.socket, "connect_ex", guarded(real_connect_ex)),
        patch.object(socket, "getaddrinfo", getaddrinfo),
        patch.object(aiohttp.ClientSession, "_request", aiohttp_request),
    ):
        yield
