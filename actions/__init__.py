"""Custom actions, one module per concern; each action is a thin wrapper over plain functions."""

import gc


def _action_server_app():
    """rasa_sdk's Sanic app when this package is imported by the action server, else None."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:  # rasa_sdk creates its app, then imports this package, then starts serving
        return Sanic.get_app("rasa_sdk")
    except SanicException:  # imported elsewhere (tests, scripts)
        return None


def prepare_action_server() -> None:
    """Builds the HER2 parser's spaCy pipeline and loads the guideline table before the
    first request (about a second, otherwise paid by the first person who types a
    result), then freezes the start-up heap. A full collection of those ~380,000
    long-lived objects blocks the server for ~170 ms; frozen, Python's collector only
    walks objects created later (the Rasa server does the same:
    rasa_fixes/heap_freeze.py)."""
    from her2 import classify, parse

    classify(parse("IHC 2+"))
    gc.collect()
    gc.freeze()


def stop_gracefully(app) -> None:
    """On SIGTERM, no request already sent to this server is dropped
    (serving/graceful_shutdown.py; the Rasa server does the same)."""
    from serving import graceful_shutdown

    app.register_listener(graceful_shutdown.before_server_stop, "before_server_stop")


_app = _action_server_app()
if _app is not None:
    prepare_action_server()
    stop_gracefully(_app)
