"""SQLite tracker store files get a connection pool.

What Rasa does: ``rasa.core.tracker_store.create_engine_kwargs`` gives SQLAlchemy no pool
class, and SQLAlchemy 1.4 then uses a ``NullPool`` for a SQLite file: every session opens
a new connection, runs the connect-time PRAGMAs and closes it, several times per turn.

What the fix changes: for a SQLite file (not ``:memory:``) the engine gets a
``QueuePool``, like every other database, with SQLite's same-thread check off (pooled
connections are handed from one session to the next on the event loop's thread; `rasa
shell` and tests use other threads). Other databases get Rasa's arguments unchanged.

Gain: Rasa CPU per message at 10 conversations 30-32 -> 25 ms, p95 89.6-123.5 ->
57-59 ms (with the heap freeze in the same runs; bench/TUNING.md, change 12).

After an upgrade: check that ``SQLTrackerStore.__init__`` still builds its engine with
``create_engine(engine_url, **create_engine_kwargs(engine_url))``;
tests/integration/framework/test_rasa_fixes_behaviour.py checks that three turns use one connection.
"""

from typing import Any, Dict

from rasa_fixes._targets import Target, replace

NAME = "sqlite_pool"
TARGETS = (Target("rasa.core.tracker_store", "create_engine_kwargs", "function"),)


def apply() -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = rasa_engine_kwargs(url)
        parsed = make_url(url) if isinstance(url, str) else url
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            kwargs.update(poolclass=QueuePool, connect_args={"check_same_thread": False})
        return kwargs

    rasa_engine_kwargs = replace(TARGETS[0], create_engine_kwargs)
