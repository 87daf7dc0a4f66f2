"""The SQL tracker store reads and writes SQLite files with plain SQL.

What Rasa does: ``SQLTrackerStore._retrieve`` reads a conversation, and
``_additional_events`` finds which of its events are new before ``save``, with ORM
queries (a sub-query for the latest session start) whose statement-cache keys
SQLAlchemy 1.4 rebuilds on every call; ``save`` stores each new event through the ORM's
unit of work.

What the fix changes: for SQLite files the same SQL is sent as plain text and the new
events are inserted in one statement: the same rows, in the same order, read and
written. Other databases (PostgreSQL in deploy/) keep Rasa's code (``RASA_METHODS``).

Gain: retrieve + save 3.65 -> 1.21 ms per turn (micro-benchmark, a 6-turn conversation;
bench/TUNING.md, change 14).

After an upgrade: compare ``_event_query``, ``_retrieve``, ``_additional_events`` and
``save`` in rasa/core/tracker_store.py with the statements here (columns, ordering,
session logic); tests/integration/framework/test_rasa_fixes_behaviour.py stores and reads the same conversations
both ways and compares every row and every event.
"""

import itertools
import json
from typing import Any, Dict

from rasa_fixes._targets import Target, replace

NAME = "plain_sqlite_queries"
_OWNER = "rasa.core.tracker_store:SQLTrackerStore"
_METHODS = ("_retrieve", "_additional_events", "save")
TARGETS = tuple(Target(_OWNER, name, "function") for name in _METHODS)
REQUIRES = (
    Target(_OWNER, "stream_events", "function"),
    Target(_OWNER, "session_scope", "function"),
)
RASA_METHODS: Dict[str, Any] = {}  # Rasa's own, kept for other databases (and tests)


def _sqlite_event_statements(table: str) -> Dict[str, Any]:
    import sqlalchemy as sa

    # The latest session's events: what Rasa's ``_event_query`` selects (events from the
    # latest session start on, or all of them when no session has started).
    latest_start = (
        f"(SELECT max(timestamp) FROM {table} WHERE sender_id = :sender_id "
        "AND type_name = :session_started)"
    )
    in_latest_session = (
        f"sender_id = :sender_id AND (timestamp >= {latest_start} OR {latest_start} IS NULL)"
    )
    return {
        "latest_session": sa.text(
            f"SELECT data FROM {table} WHERE {in_latest_session} ORDER BY id"
        ),
        "all_sessions": sa.text(
            f"SELECT data FROM {table} WHERE sender_id = :sender_id ORDER BY id"
        ),
        "count_latest_session": sa.text(f"SELECT count(*) FROM {table} WHERE {in_latest_session}"),
    }


def apply() -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    statements: Dict[str, Dict[str, Any]] = {}

    def is_sqlite(store: SQLTrackerStore) -> bool:
        return store.engine.dialect.name == "sqlite"

    def statement(store: SQLTrackerStore, name: str) -> Any:
        table = store.SQLEvent.__tablename__
        if table not in statements:
            statements[table] = _sqlite_event_statements(table)
        return statements[table][name]

    def parameters(sender_id: str) -> Dict[str, str]:
        return {"sender_id": sender_id, "session_started": SessionStarted.type_name}

    async def _retrieve(
        self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Any:
        if not is_sqlite(self):
            return await RASA_METHODS["_retrieve"](self, sender_id, fetch_events_from_all_sessions)
        query = statement(
            self, "all_sessions" if fetch_events_from_all_sessions else "latest_session"
        )
        with self.session_scope() as session:
            events = [json.loads(data) for (data,) in session.execute(query, parameters(sender_id))]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self: SQLTrackerStore, session: Any, tracker: Any) -> Any:
        if not is_sqlite(self):
            return RASA_METHODS["_additional_events"](self, session, tracker)
        stored = session.execute(
            statement(self, "count_latest_session"), parameters(tracker.sender_id)
        ).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        if not is_sqlite(self):
            return await RASA_METHODS["save"](self, tracker)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()  # the columns Rasa's save fills, from the same data
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    for target, method in zip(TARGETS, (_retrieve, _additional_events, save)):
        RASA_METHODS[target.attribute] = replace(target, method)
