"""Custom actions, one module per concern; each action is a thin wrapper over plain functions."""
import gc


def _is_action_server() -> bool:
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:  # rasa_sdk creates its app, then imports this package, then starts serving
        Sanic.get_app("rasa_sdk")
    except SanicException:  # imported elsewhere (tests, scripts)
        return False
    return True


def prepare_action_server() -> None:
    """Builds the HER2 parser's spaCy pipeline and loads the guideline table before the
    first request (about a second, otherwise paid by the first person who types a
    result), then freezes the start-up heap. A full collection of those ~380,000
    long-lived objects blocks the server for ~170 ms; frozen, Python's collector only
    walks objects created later (the Rasa server does the same:
    components/rasa_speedups.py, fix 4)."""
    from her2 import classify, parse

    classify(parse("IHC 2+"))
    gc.collect()
    gc.freeze()


def stop_gracefully() -> None:
    """On SIGTERM, no request already sent to this server is dropped
    (deploy/graceful_shutdown.py; the Rasa server does the same)."""
    from sanic import Sanic

    from deploy import graceful_shutdown

    Sanic.get_app("rasa_sdk").register_listener(
        graceful_shutdown.before_server_stop, "before_server_stop")


if _is_action_server():
    prepare_action_server()
    stop_gracefully()
