"""The runtime fixes in components/rasa_speedups.py keep Rasa's behaviour."""
import asyncio
import gc
import sqlite3

import aiohttp
import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import event

import components.rasa_speedups  # noqa: F401  (applies the fixes)
from components.rasa_speedups import freeze_heap_once_loaded


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


def test_sqlite_tracker_store_keeps_one_connection_and_every_event(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    connects = []
    event.listen(store.engine, "connect", lambda *_: connects.append(1))

    async def conversation():
        for turn in range(3):
            tracker = await store.get_or_create_tracker("patient")
            tracker.update(UserUttered(f"question {turn}"))
            tracker.update(BotUttered(f"answer {turn}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        return await store.retrieve("patient")

    tracker = asyncio.run(conversation())
    assert [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))] == [
        "question 0", "answer 0", "question 1", "answer 1", "question 2", "answer 2"]
    assert len(connects) <= 1  # pooled: not one new connection per session
    with sqlite3.connect(path) as reader:  # another process sees every committed turn
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert reader.execute("SELECT count(*) FROM events WHERE type_name = 'user'"
                              ).fetchone() == (3,)


def test_the_heap_is_frozen_right_after_the_model_has_loaded():
    async def load_then_serve():
        freeze_heap_once_loaded()  # what loading the model does
        frozen_while_loading = gc.get_freeze_count()
        await asyncio.sleep(0)  # the server's next step
        return frozen_while_loading, gc.get_freeze_count()

    gc.freeze()  # as if a previous model had been loaded: loading another unfreezes
    try:
        while_loading, serving = asyncio.run(load_then_serve())
    finally:
        gc.unfreeze()
    assert while_loading == 0
    assert serving > 10_000


def test_nothing_is_frozen_when_a_model_is_loaded_outside_a_server():
    try:
        freeze_heap_once_loaded()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
