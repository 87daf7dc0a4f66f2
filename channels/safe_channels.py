"""Hardened chat channels: REST, socket.io and Telegram for the HER2 assistant, and Slack
and Messenger with the disclaimer.

credentials.yml (and channels/messaging.yml for the messaging apps) name these classes by
module path instead of Rasa's built-in ``rest``, ``socketio``, ``telegram``, ``slack``
and ``facebook``. The URLs stay the same (/webhooks/rest/webhook, /socket.io,
/webhooks/telegram/webhook, /webhooks/slack/webhook, /webhooks/facebook/webhook).

Every one of them, Slack and Messenger included: the identity line and disclaimer before
the first answer of each conversation, never before an emergency reply
(channels/disclaimer.py).

What the others add to Rasa 3.6's channels, all in this module:

* Every message goes through ``clean_text``: invalid UTF-8 and lone surrogates become
  U+FFFD / "?", control characters are removed, text is NFC-normalised, and it is
  capped at MAX_MESSAGE_CHARS (4,000): longer messages are cut at a word boundary,
  processed, and the user is told that only the start was read. A user-typed
  ``/intent{"slot": ...}`` is never run as a command: the leading slashes are
  dropped so NLU reads it as plain text; only the bare commands in ALLOWED_COMMANDS
  (the chat page's ``/greet``, ``/restart``) pass through.
* Empty or whitespace-only messages get a kind reply and never reach Rasa.
* Every message gets an answer: if processing fails, takes longer than REPLY_TIMEOUT
  or produces no bot message (Rasa 3.6 stays silent when the action server is down),
  the user gets CANT_LOOK_UP (calls to the action server time out after ACTION_TIMEOUT
  seconds: rasa_fixes/action_timeout.py).
* A REST message sent twice is answered once: a request's ``X-Request-ID`` header (set
  by nginx in the cluster, the same when nginx sends the request again to another
  replica because the first died while handling it) becomes the message id, and a
  message whose id is already stored as the conversation's latest turns gets the
  stored replies instead of being processed again (``stored_replies``).
* REST: JSON only (415 otherwise), malformed or non-UTF-8 JSON, a missing or invalid
  ``sender`` / ``message`` give 400; bodies over MAX_REQUEST_BYTES give 413. A
  request without a sender is never merged into a shared "default" conversation.
* socket.io: connections from browser origins other than ``allowed_origins`` (the
  chat page, from CORS_ORIGIN) are refused; optional JWT (``jwt_key``); a socket
  can only talk in the session it asked for with ``session_request``. The chat page gets
  the appointment summary as one block and the feedback question under the answer
  (channels/web_output.py).
* Telegram: the ``X-Telegram-Bot-Api-Secret-Token`` header must equal
  ``secret_token`` (TELEGRAM_SECRET_TOKEN); the webhook is registered with it.
* Privacy: after a restart ("start over", "delete my data") the stored events from
  before the restart are deleted from the SQL tracker store (``forget_before_restart``);
  ``delete_conversation`` is what scripts/delete_conversation.py uses. Nothing here
  logs message text, slot values or sender ids.
* With ``--enable-api`` the endpoints that load, replace, unload or train models
  answer 403, so models are only ever loaded from models/ at start-up.

Settings (environment): MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES, REPLY_TIMEOUT.
"""
import asyncio
import hmac
import json
import logging
import os
import re
import unicodedata
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, NamedTuple, Optional, Text

from rasa.core.channels.channel import (
    CollectingOutputChannel, InputChannel, OutputChannel, UserMessage, decode_bearer_token)
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.rest import RestInput
from rasa.core.channels.slack import SlackInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.disclaimer import DisclaimerOutput, agent_of, answer_with_disclaimer
from channels.disclaimer import sql_store as _sql_store
from channels.web_output import FEEDBACK_QUESTION, UTTER_ACTION, WebChatOutput

logger = logging.getLogger(__name__)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        raise RasaException(f"{name} must be a number, not {os.environ.get(name)!r}")
    if value <= 0:
        raise RasaException(f"{name} must be positive")
    return value


MAX_MESSAGE_CHARS = int(_env_number("MAX_MESSAGE_CHARS", 4000))
MAX_REQUEST_BYTES = int(_env_number("MAX_REQUEST_BYTES", 1_000_000))
REPLY_TIMEOUT = _env_number("REPLY_TIMEOUT", 40)
MAX_SENDER_CHARS = 128
SHUTDOWN_TIMEOUT = 5  # seconds to close open sockets when the server stops
# Bare commands a client may send as-is: the chat page's initPayload, and restart.
ALLOWED_COMMANDS = frozenset({"/greet", "/restart"})

EMPTY_REPLY = ("It looks like your message was empty. What would you like to know? You can "
               "ask about HER2, your test results, treatments or support.")
SHORTENED_NOTICE = ("Your message was very long, so I read only the first {limit:,} "
                    "characters. If I missed something, please send it in a shorter message.")
CANT_LOOK_UP = "I'm sorry, I can't look that up right now. Please try again in a moment."
NOT_TEXT_REPLY = "I can only read text messages. Please type your question."
# A REST request's id (nginx's $request_id in the cluster): the message's id.
MESSAGE_ID_HEADER = "X-Request-ID"
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
# How many of a conversation's latest messages a repeated message id is looked for in.
RECENT_MESSAGES = 5

# ------------------------------------------------------------------ message text
# C0 and C1 control characters except tab and newline (CR is turned into newline).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LEADING_COMMAND = re.compile(r"^[/\s]+")


class Cleaned(NamedTuple):
    text: str          # what Rasa gets; "" when there is nothing to process
    shortened: bool    # the message was longer than MAX_MESSAGE_CHARS


def clean_text(raw: Any, limit: Optional[int] = None) -> Cleaned:
    """The text of a user message made safe to process (see the module docstring)."""
    limit = limit or MAX_MESSAGE_CHARS
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw).decode("utf-8", "replace")
    if not isinstance(raw, str):
        return Cleaned("", False)
    # Bound the work on huge input before anything else touches it.
    text = raw[: limit * 2 + 1024]
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text).strip()
    shortened = len(text) > limit or len(raw) > limit * 2 + 1024
    if shortened:
        cut = text[:limit]
        space = cut.rfind(" ", limit - 200)
        text = (cut[:space] if space > 0 else cut).rstrip()
    if text.startswith("/") and text not in ALLOWED_COMMANDS:
        text = _LEADING_COMMAND.sub("", text)
    if not any(ch.isprintable() and not ch.isspace() for ch in text):
        text = ""  # nothing visible: only spaces, zero-width or format characters
    return Cleaned(text, shortened)


def valid_sender(value: Any) -> Optional[str]:
    """A conversation id from a client, or None when it is missing or unusable."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    sender = str(value)
    if not sender.strip() or len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        return None
    return sender


# ------------------------------------------------------------- answering a message
class _CountingOutput(OutputChannel):
    """Passes bot messages on to the real output channel and counts them. "Did this answer
    your question?" with nothing before it in the turn is not passed on: the answer it
    follows failed (an action that timed out), and the user gets CANT_LOOK_UP instead."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if not self.sent and message.get(UTTER_ACTION) == FEEDBACK_QUESTION:
            logger.info("The feedback question had no answer before it; it was not sent.")
            return
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def message_id_of(value: Any) -> Optional[str]:
    """A client's (or nginx's) message id, or None when it is missing or unusable."""
    return value if isinstance(value, str) and _MESSAGE_ID.match(value) else None


def _stored_turn_sql(sql: Any, sender_id: Text, message_id: Text
                     ) -> Optional[List[Dict[Text, Any]]]:
    """The bot messages stored after the user message ``message_id`` (one of the
    conversation's latest), read with two small queries; None if it is not stored."""
    event = sql.SQLEvent
    with sql.session_scope() as session:
        recent = session.query(event.id, event.data).filter(
            event.sender_id == sender_id, event.type_name == "user").order_by(
                event.id.desc()).limit(RECENT_MESSAGES).all()
        later_ids = [row.id for row in recent]
        for position, row in enumerate(recent):
            if json.loads(row.data).get("message_id") != message_id:
                continue
            query = session.query(event.data).filter(
                event.sender_id == sender_id, event.type_name == "bot", event.id > row.id)
            if position > 0:  # up to the next user message
                query = query.filter(event.id < later_ids[position - 1])
            return [json.loads(data) for (data,) in query.order_by(event.id).all()]
    return None


async def stored_replies(agent: Any, sender_id: Text, message_id: Text
                         ) -> Optional[List[Dict[Text, Any]]]:
    """The replies already stored for a message sent again, or None if it is new.

    Read under the conversation's lock: a replica that died while handling the message
    either stored its whole turn before it died or stored nothing, and once its lock is
    given up (deploy/lock_store.py) nothing of it can still be on its way to the store.
    """
    from rasa.shared.core.events import BotUttered, Event, UserUttered

    store = getattr(agent, "tracker_store", None)
    lock_store = getattr(agent, "lock_store", None)
    if store is None or lock_store is None:
        return None
    async with lock_store.lock(sender_id):
        sql = _sql_store(store)
        if sql is not None:
            bots = _stored_turn_sql(sql, sender_id, message_id)
        else:
            tracker = await store.retrieve(sender_id)
            events = list(tracker.events) if tracker is not None else []
            users = [i for i, e in enumerate(events) if isinstance(e, UserUttered)]
            match = [i for i in users[-RECENT_MESSAGES:] if events[i].message_id == message_id]
            if not match:
                return None
            bots = []
            for later in events[match[-1] + 1:]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    bots.append(later.as_dict())
    if bots is None:
        return None
    messages = []
    for data in bots:
        bot = Event.from_parameters(data)
        if isinstance(bot, BotUttered):
            messages.append({k: v for k, v in bot.message().items()
                             if v is not None and k != "timestamp"})
    return messages


async def deliver(on_new_message: Callable[[UserMessage], Awaitable[Any]], raw: Any,
                  output: OutputChannel, sender_id: Text, input_channel: Text,
                  metadata: Optional[Dict[Text, Any]] = None,
                  app: Optional[Sanic] = None, message_id: Optional[Text] = None) -> None:
    """Cleans one user message, lets Rasa answer it (after the disclaimer when it is the
    conversation's first answer), and makes sure there is an answer. With a
    ``message_id`` already stored (the same message sent again), the stored replies are
    sent instead."""
    if raw is not None and not isinstance(raw, (str, bytes, bytearray)):
        await output.send_response(sender_id, {"text": NOT_TEXT_REPLY})
        return
    cleaned = clean_text(raw)
    if not cleaned.text:
        await output.send_response(sender_id, {"text": EMPTY_REPLY})
        return
    if cleaned.shortened:
        await output.send_response(
            sender_id, {"text": SHORTENED_NOTICE.format(limit=MAX_MESSAGE_CHARS)})
    # Rasa's messages are counted; the disclaimer, sent in front of them, is not an answer.
    disclaimed = DisclaimerOutput(output, agent_of(app), sender_id)
    counting = _CountingOutput(disclaimed)
    message = UserMessage(cleaned.text, counting, sender_id, input_channel=input_channel,
                          metadata=metadata if isinstance(metadata, dict) else None,
                          message_id=message_id)

    async def answer() -> None:
        stored = (await stored_replies(agent_of(app), sender_id, message_id)
                  if message_id and app is not None else None)
        if stored is None:
            await on_new_message(message)
            return
        logger.info("A message sent again was already answered before (its replica "
                    "stopped before replying): the stored replies were sent.")
        for reply in stored:
            await counting.send_response(sender_id, reply)

    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await asyncio.wait_for(answer(), REPLY_TIMEOUT)
    except Exception as error:  # the user must get an answer whatever went wrong
        reason = (f"no answer within {REPLY_TIMEOUT:g} s"
                  if loop.time() - started >= REPLY_TIMEOUT else type(error).__name__)
        logger.error("A message could not be answered (%s); the user was asked to try "
                     "again.", reason)
        logger.debug("Processing error", exc_info=True)
    await disclaimed.finish()
    if not counting.sent:
        await output.send_response(sender_id, {"text": CANT_LOOK_UP})
    if app is not None:
        await forget_before_restart(app, sender_id)


# ------------------------------------------------------------ privacy: forgetting
def delete_conversation(store: Any, sender_id: Text) -> int:
    """Deletes every stored event of one conversation; returns how many were deleted."""
    sql = _sql_store(store)
    if sql is None:
        raise RasaException("Deleting conversations needs the SQL tracker store "
                            f"(configured: {type(store).__name__}).")
    with sql.session_scope() as session:
        deleted = session.query(sql.SQLEvent).filter(
            sql.SQLEvent.sender_id == sender_id).delete(synchronize_session=False)
        session.commit()
    return int(deleted or 0)


def delete_events_before_restart(store: Any, sender_id: Text) -> int:
    """Deletes the stored events that come before the conversation's latest restart."""
    import sqlalchemy as sa

    sql = _sql_store(store)
    if sql is None:
        return 0
    event = sql.SQLEvent
    with sql.session_scope() as session:
        restart_id = session.query(sa.func.max(event.id)).filter(
            event.sender_id == sender_id, event.type_name == "restart").scalar()
        if restart_id is None:
            return 0
        deleted = session.query(event).filter(
            event.sender_id == sender_id, event.id < restart_id).delete(
                synchronize_session=False)
        session.commit()
    return int(deleted or 0)


async def forget_before_restart(app: Sanic, sender_id: Text) -> None:
    """After "start over" / "delete my data" the old history is really gone.

    Runs under the conversation's lock, so it never races a message being processed.
    """
    agent = getattr(app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None or _sql_store(store) is None:
        return
    try:
        lock_store = getattr(agent, "lock_store", None)
        if lock_store is not None:
            async with lock_store.lock(sender_id):
                deleted = delete_events_before_restart(store, sender_id)
        else:
            deleted = delete_events_before_restart(store, sender_id)
        if deleted:
            logger.info("Deleted %d stored events after a conversation restart.", deleted)
    except Exception as error:
        logger.error("Could not delete the events before a restart (%s).",
                     type(error).__name__)


# ------------------------------------------------------------------ app-wide guards
# With --enable-api these would load, replace, unload or train models: refused, so
# the only model ever loaded is the one `rasa run --model models/...` starts with.
_BLOCKED_API = (("PUT", re.compile(r"^/model/?$")), ("DELETE", re.compile(r"^/model/?$")),
                ("POST", re.compile(r"^/model/(train|test/.*)/?$")))


async def _refuse_model_changes(request: Request) -> Optional[HTTPResponse]:
    for method, path in _BLOCKED_API:
        if request.method == method and path.match(request.path):
            return response.json(
                {"status": "failure", "reason": "Forbidden",
                 "message": "This server only runs the model it was started with."},
                status=403)
    return None


def _install_app_guards(app: Sanic) -> None:
    if getattr(app.ctx, "her2_guards", False):
        return
    app.ctx.her2_guards = True
    app.register_middleware(_refuse_model_changes, "request")
    if app.config.REQUEST_MAX_SIZE > MAX_REQUEST_BYTES:
        app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES


class _GuardedBlueprint(Blueprint):
    """Remembers the app it is registered on and installs the app-wide guards."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        _install_app_guards(app)
        self.ctx.app = app
        super().register(app, options)


class _GuardedSocketBlueprint(SocketBlueprint):
    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        _install_app_guards(app)
        self.ctx.app = app
        super().register(app, options)


# ------------------------------------------------------------------------- REST
def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"status": "failure", "message": message}, status=status)


def _json_body(request: Request) -> Any:
    """The request's JSON object, or an HTTPResponse saying what is wrong with it."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _error(415, "Send JSON with 'Content-Type: application/json'.")
    length = request.headers.get("content-length")
    if (length and length.isdigit() and int(length) > MAX_REQUEST_BYTES) \
            or len(request.body or b"") > MAX_REQUEST_BYTES:
        return _error(413, "The request is too large.")
    try:
        body = json.loads((request.body or b"").decode("utf-8"))
    except UnicodeDecodeError:
        return _error(400, "The request body must be UTF-8 encoded JSON.")
    except ValueError:
        return _error(400, "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return _error(400, "The request body must be a JSON object with 'sender' and "
                           "'message'.")
    return body


class SafeRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender": "<conversation id>", "message": "<text>"}
    -> a JSON list of bot messages. (The ``stream`` option is not supported.)"""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]
                  ) -> Blueprint:
        webhook = _GuardedBlueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = _json_body(request)
            if isinstance(body, HTTPResponse):
                return body
            sender = valid_sender(body.get("sender"))
            if sender is None:
                return _error(400, f"'sender' must be a non-empty string of at most "
                                   f"{MAX_SENDER_CHARS} characters naming the conversation.")
            if not isinstance(body.get("message"), str):
                return _error(400, "'message' must be a string.")
            collector = CollectingOutputChannel()
            await deliver(on_new_message, body["message"], collector, sender, self.name(),
                          body.get("metadata"), app=request.app,
                          message_id=message_id_of(request.headers.get(MESSAGE_ID_HEADER)))
            return response.json(collector.messages)

        return webhook


# -------------------------------------------------------------------- socket.io
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


def _origins(value: Any) -> List[str]:
    if not value:
        return []
    items = value.split() if isinstance(value, str) else list(value)
    origins = [str(o).rstrip("/") for o in items if o]
    if "*" in origins:
        raise RasaException("socketio allowed_origins must list the chat page's origin(s), "
                            "never '*'.")
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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = _GuardedSocketBlueprint(sio, self.socketio_path, "safe_socketio_webhook",
                                          __name__)
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
            session_id = (requested if isinstance(requested, str)
                          and _SESSION_ID.match(requested) else uuid.uuid4().hex)
            sessions[sid] = session_id
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid,
                           namespace=self.namespace)

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
            await deliver(on_new_message, data.get("message"), output, sender_id, self.name(),
                          metadata, app=getattr(webhook.ctx, "app", None))

        return webhook


# --------------------------------------------------------------------- Telegram
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SafeTelegramOutput(TelegramOutput):
    """Rasa's Telegram output; setWebhook always carries the secret token."""

    def __init__(self, access_token: Optional[Text], secret_token: Text) -> None:
        super().__init__(access_token)
        self._her2_secret_token = secret_token

    async def request(self, method: Text, data: Optional[Dict] = None,
                      files: Optional[Dict] = None, **kwargs: Any) -> Any:
        from aiogram.bot import api

        if method == api.Methods.SET_WEBHOOK:
            data = {**(data or {}), "secret_token": self._her2_secret_token}
        return await super().request(method, data, files, **kwargs)


class SafeTelegramInput(TelegramInput):
    """Rasa's Telegram channel; every request must carry the secret token header."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(credentials.get("access_token"), credentials.get("verify"),
                   credentials.get("webhook_url"), debug_mode=False,
                   secret_token=credentials.get("secret_token"))

    def __init__(self, access_token: Optional[Text], verify: Optional[Text],
                 webhook_url: Optional[Text], debug_mode: bool = False,
                 secret_token: Optional[Text] = None) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        if not isinstance(secret_token, str) or not _TELEGRAM_SECRET.match(secret_token):
            raise RasaException(
                "Telegram needs secret_token (TELEGRAM_SECRET_TOKEN): 16-256 characters "
                "from A-Z, a-z, 0-9, '_' and '-'.")
        self.secret_token = secret_token

    def get_output_channel(self) -> TelegramOutput:
        from aiogram.utils.exceptions import TelegramAPIError

        channel = SafeTelegramOutput(self.access_token, self.secret_token)
        try:
            asyncio.run(channel.set_webhook(url=self.webhook_url))
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        seen: Dict[str, Sanic] = {}

        async def guarded(message: UserMessage) -> None:
            text = "/greet" if message.text == "/start" else message.text
            await deliver(on_new_message, text, message.output_channel, message.sender_id,
                          message.input_channel or self.name(), message.metadata,
                          app=seen.get("app"))

        webhook = super().blueprint(guarded)

        @webhook.middleware("request")
        async def require_secret(request: Request) -> Optional[HTTPResponse]:
            seen["app"] = request.app
            if request.path.rstrip("/").endswith("/telegram"):
                return None  # health check
            given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return response.text("forbidden", status=403)
            return None

        return webhook


# ---------------------------------------------------------------- Slack, Messenger
def _answered_with_disclaimer(
        channel_blueprint: Callable[[Callable[[UserMessage], Awaitable[Any]]], Blueprint],
        on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
    """A channel's own blueprint, its messages answered through the disclaimer."""
    seen: Dict[str, Sanic] = {}
    webhook = channel_blueprint(answer_with_disclaimer(on_new_message,
                                                       lambda: seen.get("app")))

    @webhook.middleware("request")
    async def remember_app(request: Request) -> None:
        seen["app"] = request.app

    return webhook


class SafeSlackInput(SlackInput):
    """Rasa's Slack channel (its request signature check included), with the disclaimer."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        return _answered_with_disclaimer(super().blueprint, on_new_message)


class SafeFacebookInput(FacebookInput):
    """Rasa's Messenger channel (its X-Hub-Signature check included), with the
    disclaimer."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        return _answered_with_disclaimer(super().blueprint, on_new_message)
