"""One user message in, at least one answer out: the helper every channel hands its
messages to (``deliver``), REST, socket.io, Telegram, Slack and Messenger alike.

* The text goes through channels/text.py first: not text -> NOT_TEXT_REPLY, nothing
  left -> EMPTY_REPLY (neither reaches Rasa); too long -> SHORTENED_NOTICE, then the
  start of it is processed.
* The disclaimer comes before the first answer of each conversation
  (channels/disclaimer.py).
* Every message gets an answer: if processing fails, takes longer than REPLY_TIMEOUT
  or produces no bot message (Rasa 3.6 stays silent when the action server is down),
  the user gets CANT_LOOK_UP (calls to the action server time out after ACTION_TIMEOUT
  seconds: rasa_fixes/action_timeout.py). "Did this answer your question?" with nothing
  before it is not sent (the answer it follows failed).
* A message sent twice is answered once: with a ``message_id`` (REST: the request's
  ``X-Request-ID`` header, set by nginx in the cluster and the same when nginx sends
  the request again to another replica because the first died while handling it), a
  message whose id is already stored among the conversation's latest turns gets the
  stored replies instead of being processed again (``stored_replies``).
* After a restart the conversation's older stored events are deleted
  (channels/privacy.py).

Setting (environment): REPLY_TIMEOUT (seconds, default 40).
"""

import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Sanic

from channels import text
from channels.disclaimer import DisclaimerOutput, agent_of, sql_store
from channels.privacy import forget_before_restart
from channels.text import EMPTY_REPLY, NOT_TEXT_REPLY, SHORTENED_NOTICE, clean_text
from channels.web_output import FEEDBACK_QUESTION, UTTER_ACTION

logger = logging.getLogger(__name__)

REPLY_TIMEOUT = text.env_number("REPLY_TIMEOUT", 40)
CANT_LOOK_UP = "I'm sorry, I can't look that up right now. Please try again in a moment."
# A REST request's id (nginx's $request_id in the cluster): the message's id.
MESSAGE_ID_HEADER = "X-Request-ID"
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
# How many of a conversation's latest messages a repeated message id is looked for in.
RECENT_MESSAGES = 5


class NotText:
    """What a channel hands to ``deliver`` for a message without text (a file, a
    picture, a sticker): the user gets NOT_TEXT_REPLY."""


NOT_TEXT = NotText()


class CountingOutput(OutputChannel):
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


def _stored_turn_sql(
    sql: Any, sender_id: Text, message_id: Text
) -> Optional[List[Dict[Text, Any]]]:
    """The bot messages stored after the user message ``message_id`` (one of the
    conversation's latest), read with two small queries; None if it is not stored."""
    event = sql.SQLEvent
    with sql.session_scope() as session:
        recent = (
            session.query(event.id, event.data)
            .filter(event.sender_id == sender_id, event.type_name == "user")
            .order_by(event.id.desc())
            .limit(RECENT_MESSAGES)
            .all()
        )
        later_ids = [row.id for row in recent]
        for position, row in enumerate(recent):
            if json.loads(row.data).get("message_id") != message_id:
                continue
            query = session.query(event.data).filter(
                event.sender_id == sender_id, event.type_name == "bot", event.id > row.id
            )
            if position > 0:  # up to the next user message
                query = query.filter(event.id < later_ids[position - 1])
            return [json.loads(data) for (data,) in query.order_by(event.id).all()]
    return None


async def stored_replies(
    agent: Any, sender_id: Text, message_id: Text
) -> Optional[List[Dict[Text, Any]]]:
    """The replies already stored for a message sent again, or None if it is new.

    Read under the conversation's lock: a replica that died while handling the message
    either stored its whole turn before it died or stored nothing, and once its lock is
    given up (serving/lock_store.py) nothing of it can still be on its way to the store.
    """
    from rasa.shared.core.events import BotUttered, Event, UserUttered

    store = getattr(agent, "tracker_store", None)
    lock_store = getattr(agent, "lock_store", None)
    if store is None or lock_store is None:
        return None
    async with lock_store.lock(sender_id):
        sql = sql_store(store)
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
            for later in events[match[-1] + 1 :]:
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
            messages.append(
                {k: v for k, v in bot.message().items() if v is not None and k != "timestamp"}
            )
    return messages


async def deliver(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    raw: Any,
    output: OutputChannel,
    sender_id: Text,
    input_channel: Text,
    metadata: Optional[Dict[Text, Any]] = None,
    app: Optional[Sanic] = None,
    message_id: Optional[Text] = None,
) -> None:
    """Cleans one user message, lets Rasa answer it (after the disclaimer when it is the
    conversation's first answer), and makes sure there is an answer. ``raw`` is the
    message as the channel received it (NOT_TEXT, or any other non-string, for a
    message without text). With a ``message_id`` already stored (the same message sent
    again), the stored replies are sent instead. Never raises for a failure of Rasa."""
    if raw is not None and not isinstance(raw, (str, bytes, bytearray)):
        await output.send_response(sender_id, {"text": NOT_TEXT_REPLY})
        return
    cleaned = clean_text(raw)
    if not cleaned.text:
        await output.send_response(sender_id, {"text": EMPTY_REPLY})
        return
    if cleaned.shortened:
        await output.send_response(
            sender_id, {"text": SHORTENED_NOTICE.format(limit=text.MAX_MESSAGE_CHARS)}
        )
    # Rasa's messages are counted; the disclaimer, sent in front of them, is not an answer.
    disclaimed = DisclaimerOutput(output, agent_of(app), sender_id)
    counting = CountingOutput(disclaimed)
    message = UserMessage(
        cleaned.text,
        counting,
        sender_id,
        input_channel=input_channel,
        metadata=metadata if isinstance(metadata, dict) else None,
        message_id=message_id,
    )

    async def answer() -> None:
        stored = (
            await stored_replies(agent_of(app), sender_id, message_id)
            if message_id and app is not None
            else None
        )
        if stored is None:
            await on_new_message(message)
            return
        logger.info(
            "A message sent again was already answered before (its replica "
            "stopped before replying): the stored replies were sent."
        )
        for reply in stored:
            await counting.send_response(sender_id, reply)

    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await asyncio.wait_for(answer(), REPLY_TIMEOUT)
    except Exception as error:  # the user must get an answer whatever went wrong
        reason = (
            f"no answer within {REPLY_TIMEOUT:g} s"
            if loop.time() - started >= REPLY_TIMEOUT
            else type(error).__name__
        )
        logger.error(
            "A message could not be answered (%s); the user was asked to try again.", reason
        )
        logger.debug("Processing error", exc_info=True)
    await disclaimed.finish()
    if not counting.sent:
        await output.send_response(sender_id, {"text": CANT_LOOK_UP})
    if app is not None:
        await forget_before_restart(app, sender_id)
