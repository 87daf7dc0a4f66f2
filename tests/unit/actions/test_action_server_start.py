"""What the action server does when it starts, before its first request."""

import gc
import importlib

from sanic import Sanic

import actions
from her2 import parser
from serving import graceful_shutdown


def test_the_action_server_builds_the_parser_freezes_its_heap_and_stops_gracefully(
    registered_listeners,
):
    app = Sanic("rasa_sdk")  # rasa_sdk.endpoint.create_app: the app, then the actions import
    parser._pipeline.cache_clear()
    try:
        importlib.reload(actions)
        assert parser._pipeline.cache_info().currsize == 1  # no first-request build
        assert gc.get_freeze_count() > 10_000
        assert registered_listeners == [
            (graceful_shutdown.before_server_stop, "before_server_stop")
        ]
    finally:
        gc.unfreeze()
        Sanic._app_registry.pop(app.name, None)


def test_importing_the_actions_anywhere_else_changes_nothing():
    parser._pipeline.cache_clear()
    importlib.reload(actions)
    assert parser._pipeline.cache_info().currsize == 0
    assert gc.get_freeze_count() == 0
