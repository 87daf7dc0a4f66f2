"""Connections to the action server are kept open and reused.

What Rasa does: every call to the action server (``EndpointConfig.request``) opens a new
aiohttp session (``EndpointConfig.session``) and a new TCP connection, and closes both
afterwards.

What the fix changes: ``EndpointConfig.session`` returns one session per event loop and
endpoint (URL, headers, basic auth), kept open, so connections are reused; never shared
across event loops. Idle connections are dropped after 2 s, before the action server
(Sanic) closes them at 5 s, so a request never goes out on a connection the server is
closing. The sessions' connectors are closed at exit.

Gain: at 10 conversations, Rasa CPU per message 25.6 -> 21.5 ms and action server CPU
3.0 -> 2.0 ms, when every message called the action server (bench/TUNING.md, change 7).

After an upgrade: check that ``EndpointConfig.request`` still does
``async with self.session() as session:`` and nothing else with the session;
tests/test_rasa_speedups.py checks three requests use one TCP connection.
"""
import asyncio
import atexit
from typing import Any, Dict

from rasa_fixes._targets import Target, replace

NAME = "action_server_sessions"
TARGETS = (Target("rasa.utils.endpoints:EndpointConfig", "session", "function"),)
REQUIRES = (Target("rasa.utils.endpoints:EndpointConfig", "request", "function"),
            Target("rasa.utils.endpoints", "DEFAULT_REQUEST_TIMEOUT", "number"))
KEEPALIVE_S = 2.0
_sessions: Dict[tuple, Any] = {}


class _SharedSession:
    """``async with`` yields the kept-open session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def _close_sessions() -> None:
    # At exit the loop is gone; closing the connectors (synchronous) releases the sockets
    # and marks the sessions closed, so aiohttp does not warn about them.
    for session, _loop in _sessions.values():
        if session.connector is not None and not session.connector.closed:
            session.connector._close()
    _sessions.clear()


def apply() -> None:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    def session(self: EndpointConfig) -> _SharedSession:
        loop = asyncio.get_running_loop()
        key = (id(loop), self.url, tuple(sorted(self.headers.items())),
               tuple(sorted(self.basic_auth.items())))
        shared, owner = _sessions.get(key, (None, None))
        if shared is None or shared.closed or owner is not loop:  # never across loops
            auth = (aiohttp.BasicAuth(self.basic_auth["username"],
                                      self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S))
            if not _sessions:
                atexit.register(_close_sessions)
            _sessions[key] = (shared, loop)
        return _SharedSession(shared)

    replace(TARGETS[0], session)
