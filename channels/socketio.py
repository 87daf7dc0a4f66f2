"""The socket.io channel the chat page talks to (credentials.yml:
``channels.socketio.SafeSocketIOInput``; same events and options as Rasa's ``socketio``).

What it adds: connections from browser origins other than ``allowed_origins`` (the chat
page, from CORS_ORIGIN) are refused; optional JWT (``jwt_key``); a socket can only talk
in the session it asked for with ``session_request``. The chat page gets the appointment
summary as one block and the feedback question under the answer
(channels/web_output.py). Every message goes through channels/delivery.py (cleaning,
the disclaimer, an answer to every message).
"""

import asyncio
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketIOInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.delivery import deliver
from channels.guard import GuardedSocketBlueprint
from channels.web_output import WebChatOutput

logger = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 5  # seconds to close open sockets when the server stops
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


def _origins(value: Any) -> List[str]:
    if not value:
        return []
    items = value.split() if isinstance(value, str) else list(value)
    origins = [str(o).rstrip("/") for o in items if o]
    if "*" in origins:
        raise RasaException(
            "socketio allowed_origins must list the chat page's origin(s), never '*'."
        )
    return origins


class SafeSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (same events and options) with the checks above.

    Extra credentials: ``allowed_origins`` (list or space-separated origins; empty =
    no Origin check). ``jwt_key`` / ``jwt_method`` work as in Rasa: when a key is set,
    clients must connect with ``auth={"token": "<JWT>"}``.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.allowed_origins = _origins(credentials.get("allowed_origins"))
        return channel

    def __init__(self, *args: Any, allowed_origins: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = _origins(list(allowed_origins))

    def origin_allowed(self, origin: Optional[str]) -> bool:
        """Browsers send Origin; other clients (no Origin) are not restricted by it."""
        if not origin or not self.allowed_origins:
            return True
        return origin.rstrip("/") in self.allowed_origins

    def token_valid(self, auth: Any) -> bool:
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            return False
        return decode_bearer_token(token, self.jwt_key, self.jwt_algorithm) is not None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = GuardedSocketBlueprint(sio, self.socketio_path, "safe_socketio_webhook", __name__)
        self.sio = sio
        sessions: Dict[str, str] = {}  # socket id -> conversation (session) id

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.listener("before_server_stop")
        async def close_sockets(*_: Any) -> None:
            """Clean shutdown: close every socket and stop engine.io's ping tasks, which
            would otherwise be destroyed while pending when the loop closes."""
            try:
                # Bounded: a refused session still open can keep disconnect() waiting.
                await asyncio.wait_for(sio.eio.disconnect(), SHUTDOWN_TIMEOUT)
            except Exception as error:  # never block the shutdown (incl. the timeout)
                logger.debug("socket.io shutdown: %s", type(error).__name__)
            for task in asyncio.all_tasks():
                if getattr(task.get_coro(), "__qualname__", "") == "AsyncSocket._send_ping":
                    task.cancel()

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self.origin_allowed(environ.get("HTTP_ORIGIN")):
                logger.info("Refused a socket.io connection from a foreign origin.")
                return False
            if not self.token_valid(auth):
                logger.info("Refused a socket.io connection without a valid token.")
                return False
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            sessions.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = (
                requested
                if isinstance(requested, str) and _SESSION_ID.match(requested)
                else uuid.uuid4().hex
            )
            sessions[sid] = session_id
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if self.session_persistence:
                # Only the session this socket asked for: never another conversation.
                sender_id = sessions.get(sid)
                if sender_id is None:
                    logger.debug("A socket.io message before session_request was ignored.")
                    return
            else:
                sender_id = sid
            if not isinstance(data, dict):
                data = {"message": data}
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            output = WebChatOutput(sio, self.bot_message_evt)
            await deliver(
                on_new_message,
                data.get("message"),
                output,
                sender_id,
                self.name(),
                metadata,
                app=getattr(webhook.ctx, "app", None),
            )

        return webhook
