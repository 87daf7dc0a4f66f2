"""The Rasa server stops without dropping a message that already reached it.

What Rasa does: `rasa run` builds its Sanic app with ``rasa.core.run.configure_app``. On
SIGTERM, Sanic 21.12 closes its listening socket, then every connection that has not
sent a whole request: behind nginx those messages are lost (502).

What the fix changes: the app factory is wrapped so that the app also gets
serving/graceful_shutdown.py's ``before_server_stop`` listener (stop completing new
handshakes, then let the server read what had already arrived). Everything else about
the app is Rasa's.

Gain: no message lost when a replica stops (tests/system/reliability/test_graceful_shutdown.py,
tests/system/cluster/).

After an upgrade: check that rasa/core/run.py ``serve_application`` still calls the
module's ``configure_app`` and that Sanic still runs ``before_server_stop`` listeners
before closing connections; tests/system/reliability/test_graceful_shutdown.py checks it.
"""

import functools
from typing import Any, Callable

from rasa_fixes._targets import Target, replace

NAME = "graceful_stop"
TARGETS = (Target("rasa.core.run", "configure_app", "function"),)
REQUIRES = (Target("sanic:Sanic", "register_listener", "function"),)


def stopping_gracefully(configure_app: Callable) -> Callable:
    """Rasa's app factory, with a stop that loses no message already sent to it."""
    from serving import graceful_shutdown

    @functools.wraps(configure_app)
    def configure(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.register_listener(graceful_shutdown.before_server_stop, "before_server_stop")
        return app

    return configure


def apply() -> None:
    import rasa.core.run

    replace(TARGETS[0], stopping_gracefully(rasa.core.run.configure_app))
