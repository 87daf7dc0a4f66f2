"""Who is answering, once at the start of every conversation, on every channel.

The identity line and disclaimer (the ``utter_disclaimer`` response in domain.yml, its only
wording) reach the person before the first answer of each conversation, whatever the first
message is, on every channel of the Rasa server: REST, socket.io (the chat page), Telegram,
Slack and Messenger (channels/delivery.py puts ``DisclaimerOutput`` in front of each
channel's output). In the order the person sees the bot's messages:

* an emergency reply (``utter_emergency``, ``utter_self_harm``) is sent the moment Rasa
  sends it, with nothing before it and without even looking anything up: it comes first
  and alone. Both replies already say they come from an automated assistant. The disclaimer
  then comes before the next answer, in a later message of the conversation;
* a greeting that opens the conversation (``utter_greet``: the chat page's ``/greet``, or
  "hello") comes first, and the disclaimer right after it, before the topic menu;
* any other bot message comes after the disclaimer when it is the conversation's first.
Replies the channel makes by itself (an empty message, "please try again") answer nothing:
the disclaimer waits for the first real answer.

"A conversation" is Rasa's conversation session (domain.yml ``session_config``): a new one
starts after ``session_expiration_time`` minutes without a message, and after the person
clears the conversation (restart). Nothing is stored for this: the disclaimer is due when
the conversation's stored events (the tracker store, shared by every replica in the
cluster) show no bot message since the session began other than an emergency reply, or
when this message starts a new session. On these channels every other bot message goes
out after the disclaimer, so a bot message in the session means it was shown. Reading
that costs one small query per message (about 0.6 ms of CPU with SQLite), made when the
first answer is about to go out, and never before an emergency reply.

Why here, and not in a custom ``action_session_start``: Rasa runs the session start before
it reads the message, so it cannot let an emergency reply go first; and a custom session
start runs on the action server, on the way to the first reply of every conversation:
with the action server down, Rasa loses the session start's events, no rule matches the
first message, and even an emergency gets no reply (tried with this assistant's model).
Here the disclaimer needs neither the action server nor any change to what Rasa predicts.

`rasa shell` uses Rasa's own command-line channel, which nothing here reaches: see
channels/console.py for a terminal chat through the REST channel (and so with this).
"""

import json
import logging
import time
from typing import Any, Dict, Iterable, NamedTuple, Optional, Text

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.domain import SessionConfig
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DISCLAIMER = "utter_disclaimer"
# Responses that open a conversation and may come before the disclaimer: a greeting is
# not an answer.
GREETINGS = frozenset({"utter_greet"})
# The replies to an emergency (data/rules/safety.yml): sent first and alone, never after
# the disclaimer (tests/integration/channels/test_disclaimer.py checks the rules use no other).
EMERGENCY_REPLIES = frozenset({"utter_emergency", "utter_self_harm"})
UTTER_ACTION = "utter_action"  # where Rasa names the response a bot message comes from


def response_name(message: Any) -> Optional[str]:
    """The domain response a bot message was made from (None for an action's own text)."""
    return message.get(UTTER_ACTION) if isinstance(message, dict) else None


class SessionSoFar(NamedTuple):
    """What decides on the disclaimer, from a conversation's current session as stored."""

    last_user_message: Optional[float]  # its timestamp (None: no message yet)
    answered: bool  # a bot message other than an emergency reply was sent


def _answers(bot_messages: Iterable[Any]) -> bool:
    return any(response_name(m) not in EMERGENCY_REPLIES for m in bot_messages)


def session_so_far(tracker: Optional[DialogueStateTracker]) -> Optional[SessionSoFar]:
    """From a tracker (None: a conversation never seen). Its applied events start at the
    latest session start or restart."""
    if tracker is None:
        return None
    events = tracker.applied_events()
    users = [e.timestamp for e in events if isinstance(e, UserUttered)]
    return SessionSoFar(
        users[-1] if users else None,
        _answers(e.metadata or {} for e in events if isinstance(e, BotUttered)),
    )


def stored_session_so_far(sql: Any, sender_id: Text) -> Optional[SessionSoFar]:
    """The same, read from Rasa's SQL tracker store (SQLite; PostgreSQL in the cluster)
    with one query that walks back from the latest event to the session's start and
    usually stops after a few rows, instead of loading the whole conversation (which
    costs the server 2-5 ms of CPU for a few turns: 10-20% of a turn)."""
    import sqlalchemy as sa

    event = sql.SQLEvent
    latest_first = (
        sa.select(event.type_name, event.timestamp, event.data)
        .where(
            event.sender_id == sender_id,
            event.type_name.in_(("user", "bot", "session_started", "restart")),
        )
        .order_by(event.id.desc())
        .execution_options(yield_per=8)
    )
    seen_any, last_user, answered = False, None, False
    with sql.session_scope() as session:
        for type_name, timestamp, data in session.execute(latest_first):
            seen_any = True
            if type_name in ("session_started", "restart"):
                break
            if type_name == "user":
                last_user = timestamp if last_user is None else last_user
            elif not answered:
                answered = _answers([json.loads(data).get("metadata") or {}])
            if answered and last_user is not None:
                break
    return SessionSoFar(last_user, answered) if seen_any else None


def disclaimer_due(
    session: Optional[SessionSoFar], session_config: SessionConfig, now: Optional[float] = None
) -> bool:
    """Whether the next answer to this conversation must come after the disclaimer.

    ``session`` is the conversation as stored before the message being answered (None
    for a conversation never seen). Due for a new conversation, a new session (the last
    message is older than the session expiration time: the test Rasa's MessageProcessor
    makes to start one), after a restart, and while the session has had no bot message
    but emergency replies.
    """
    if session is None:
        return True
    if session_config.are_sessions_enabled() and session.last_user_message is not None:
        elapsed = (time.time() if now is None else now) - session.last_user_message
        if elapsed / 60 > session_config.session_expiration_time:
            return True
    return not session.answered


class DisclaimerOutput(OutputChannel):
    """One user message's output channel, with the disclaimer put in front of the first
    answer of a conversation (see the module docstring for the order)."""

    def __init__(self, inner: OutputChannel, agent: Any, sender_id: Text) -> None:
        self.inner = inner
        self.agent = agent
        self.sender_id = sender_id
        self._due: Optional[bool] = None  # looked up at the first answer
        self._greeted: Optional[Text] = None  # recipient of an opening greeting

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        name = response_name(message)
        if name in EMERGENCY_REPLIES:
            pass  # at once: nothing before it, and nothing to look up first
        elif name in GREETINGS and self._due is not False:
            # The disclaimer follows it (or ends the turn). Looked up now: once the turn
            # is over, Rasa has stored the greeting as an answer.
            await self._look_up_once()
            self._greeted = recipient_id
        else:
            await self._disclaimer_if_due(recipient_id)
        await self.inner.send_response(recipient_id, message)

    async def finish(self) -> None:
        """End of the turn: a conversation opened by a greeting alone gets it now (the
        greeting looked up whether it is due)."""
        if self._greeted is not None:
            await self._disclaimer_if_due(self._greeted)

    # ------------------------------------------------------------------------------
    async def _look_up_once(self) -> None:
        """Whether it is due, from the conversation as stored before this message: read
        while Rasa is still answering it (Rasa stores the turn when it is over)."""
        if self._due is None:
            self._due = await self._look_up()

    async def _disclaimer_if_due(self, recipient_id: Text) -> None:
        await self._look_up_once()
        if not self._due:
            return
        self._due = False
        message = await self._render()
        if message:
            await self.inner.send_response(recipient_id, message)

    def _domain(self) -> Any:
        domain = getattr(self.agent, "domain", None)
        return domain if domain is not None and DISCLAIMER in domain.responses else None

    async def _look_up(self) -> bool:
        store, domain = getattr(self.agent, "tracker_store", None), self._domain()
        if store is None or domain is None:
            return False  # no trained assistant behind this channel (a test's stand-in)
        try:
            sql = sql_store(store)
            if sql is not None:
                session = stored_session_so_far(sql, self.sender_id)
            else:
                session = session_so_far(await store.retrieve(self.sender_id))
        except Exception as error:  # shown once too often rather than never
            logger.warning(
                "Could not read the conversation to decide on the disclaimer (%s); it is sent.",
                type(error).__name__,
            )
            return True
        return disclaimer_due(session, domain.session_config)

    async def _render(self) -> Optional[Dict[Text, Any]]:
        """utter_disclaimer as Rasa renders a response for this channel."""
        domain, nlg = self._domain(), getattr(self.agent, "nlg", None)
        if domain is None or nlg is None:
            return None
        tracker = DialogueStateTracker(self.sender_id, domain.slots)
        try:
            message = await nlg.generate(DISCLAIMER, tracker, self.inner.name())
        except Exception as error:
            logger.error("Could not render %s (%s).", DISCLAIMER, type(error).__name__)
            return None
        if not message:
            return None
        return {**message, UTTER_ACTION: DISCLAIMER}


def sql_store(store: Any) -> Any:
    """The SQLTrackerStore behind ``store`` (Rasa may wrap it), or None."""
    from rasa.core.tracker_store import SQLTrackerStore

    for candidate in (
        store,
        getattr(store, "_tracker_store", None),
        getattr(store, "tracker_store", None),
    ):
        if isinstance(candidate, SQLTrackerStore):
            return candidate
    return None


def agent_of(app: Any) -> Any:
    """The Rasa agent a Sanic app serves (None before the model is loaded)."""
    return getattr(getattr(app, "ctx", None), "agent", None)
