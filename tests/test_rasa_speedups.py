"""The runtime fixes in components/rasa_speedups.py keep Rasa's behaviour."""
import asyncio

import aiohttp
import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import components.rasa_speedups  # noqa: F401  (applies the fixes)


async def _serve_counting_connections():
    peers = []

    async def webhook(request):
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook", peers


def test_action_server_calls_reuse_one_connection():
    async def scenario():
        runner, url, peers = await _serve_counting_connections()
        try:
            endpoint = EndpointConfig(url)
            replies = [await endpoint.request(json={"n": n}) for n in range(3)]
        finally:
            await runner.cleanup()
        return replies, peers

    replies, peers = asyncio.run(scenario())
    assert replies == [{"events": [], "responses": []}] * 3
    assert len(peers) == 3 and len(set(peers)) == 1  # three requests, one TCP connection


def test_a_new_event_loop_gets_its_own_session():
    async def session_of(endpoint):
        async with endpoint.session() as session:
            return session

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    first, second = asyncio.run(session_of(endpoint)), asyncio.run(session_of(endpoint))
    assert first is not second
    assert isinstance(second, aiohttp.ClientSession)


def test_invalid_action_responses_are_still_rejected():
    action = RemoteAction("action_anything", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.exceptions.ValidationError):
        action._validate_action_result({"events": "not a list"})
