"""Rasa's SQLTrackerStore, made to survive a PostgreSQL restart.

deploy/endpoints.cluster.yml uses ``type: serving.tracker_store.ReconnectingSQLTrackerStore``
with exactly the settings of Rasa's ``type: SQL`` (dialect, url, port, db, username,
password). The events table, its rows and every query are Rasa's own: this class only
changes how the connection pool deals with a database that went away.

Why it is needed (seen on this project's cluster, tests/system/cluster): Rasa 3.6 creates the
SQLAlchemy engine without ``pool_pre_ping`` and wraps every tracker store in a
``FailSafeTrackerStore``. After PostgreSQL restarts, the first query on each replica
uses a pooled connection that the restart closed; it fails, FailSafeTrackerStore logs
it and returns *no tracker*, so the replica answers as if the conversation had just
begun (the form and its slots are gone) and then appends part of that fresh tracker to
the stored conversation. One message per replica, silently wrong.

What this class does:
- ``pool_pre_ping=True`` (SQLAlchemy's "pessimistic disconnect handling"): a pooled
  connection is tested before use and replaced if the server closed it;
- while PostgreSQL is down or restarting, reading or saving a conversation is retried
  (``retry_seconds``, default 20, below the 60 s conversation lock lifetime) instead
  of falling back to an empty conversation. Only connection errors are retried; when
  the time is up the error goes to Rasa as before.
"""

import asyncio
import logging
import time
from typing import Any, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 20.0


class ReconnectingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with pre-ping and bounded retries on lost connections."""

    def __init__(self, *args: Any, retry_seconds: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_seconds = float(
            DEFAULT_RETRY_SECONDS if retry_seconds is None else retry_seconds
        )
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _with_retries(self, what: Text, operation):
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.2
        while True:
            try:
                return await operation()
            except sqlalchemy.exc.OperationalError as error:
                # Connection refused/closed, server shutting down or starting up.
                if time.monotonic() + delay > deadline:
                    raise
                logger.warning(
                    f"PostgreSQL unavailable while trying to {what} "
                    f"({str(error).splitlines()[0]}); retrying in {delay:.1f} s"
                )
                self.engine.dispose()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool):
        parent = super()._retrieve
        return await self._with_retries(
            "read a conversation", lambda: parent(sender_id, fetch_events_from_all_sessions)
        )

    async def save(self, tracker) -> None:
        # A failed attempt committed nothing (one transaction), so trying again
        # stores exactly the events that are not stored yet.
        parent = super().save
        await self._with_retries("save a conversation", lambda: parent(tracker))

    async def keys(self):
        parent = super().keys
        return await self._with_retries("list conversations", parent)
