"""App-wide guards, installed by the REST and socket.io channels when Rasa registers
their blueprints (both are always on, so every Rasa server has them):

* With ``--enable-api`` the endpoints that load, replace, unload or train models answer
  403, so the only model ever loaded is the one `rasa run --model models/...` starts
  with.
* Request bodies are capped at MAX_REQUEST_BYTES (environment, default 1,000,000).
"""

import re
from typing import Any, Dict, Optional, Text

from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.text import env_number

MAX_REQUEST_BYTES = int(env_number("MAX_REQUEST_BYTES", 1_000_000))

_BLOCKED_API = (
    ("PUT", re.compile(r"^/model/?$")),
    ("DELETE", re.compile(r"^/model/?$")),
    ("POST", re.compile(r"^/model/(train|test/.*)/?$")),
)


async def refuse_model_changes(request: Request) -> Optional[HTTPResponse]:
    for method, path in _BLOCKED_API:
        if request.method == method and path.match(request.path):
            return response.json(
                {
                    "status": "failure",
                    "reason": "Forbidden",
                    "message": "This server only runs the model it was started with.",
                },
                status=403,
            )
    return None


def install_app_guards(app: Sanic) -> None:
    if getattr(app.ctx, "her2_guards", False):
        return
    app.ctx.her2_guards = True
    app.register_middleware(refuse_model_changes, "request")
    if app.config.REQUEST_MAX_SIZE > MAX_REQUEST_BYTES:
        app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES


class GuardedBlueprint(Blueprint):
    """Remembers the app it is registered on and installs the app-wide guards."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        install_app_guards(app)
        self.ctx.app = app
        super().register(app, options)


class GuardedSocketBlueprint(SocketBlueprint):
    """The same for the socket.io channel's blueprint."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        install_app_guards(app)
        self.ctx.app = app
        super().register(app, options)
