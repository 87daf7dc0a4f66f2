"""Stored conversations are deleted when the person asks for it.

* After a restart ("start over", "delete my data") the stored events from before the
  restart are deleted from the SQL tracker store (``forget_before_restart``, run by
  channels/delivery.py after every message).
* ``delete_conversation`` deletes one whole conversation: what
  scripts/delete_conversation.py (``make forget``) uses.

Nothing in channels/ logs message text, slot values or sender ids.
"""

import logging
from typing import Any, Text

from rasa.shared.exceptions import RasaException
from sanic import Sanic

from channels.disclaimer import sql_store

logger = logging.getLogger(__name__)


def delete_conversation(store: Any, sender_id: Text) -> int:
    """Deletes every stored event of one conversation; returns how many were deleted."""
    sql = sql_store(store)
    if sql is None:
        raise RasaException(
            "Deleting conversations needs the SQL tracker store "
            f"(configured: {type(store).__name__})."
        )
    with sql.session_scope() as session:
        deleted = (
            session.query(sql.SQLEvent)
            .filter(sql.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return int(deleted or 0)


def delete_events_before_restart(store: Any, sender_id: Text) -> int:
    """Deletes the stored events that come before the conversation's latest restart."""
    import sqlalchemy as sa

    sql = sql_store(store)
    if sql is None:
        return 0
    event = sql.SQLEvent
    with sql.session_scope() as session:
        restart_id = (
            session.query(sa.func.max(event.id))
            .filter(event.sender_id == sender_id, event.type_name == "restart")
            .scalar()
        )
        if restart_id is None:
            return 0
        deleted = (
            session.query(event)
            .filter(event.sender_id == sender_id, event.id < restart_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return int(deleted or 0)


async def forget_before_restart(app: Sanic, sender_id: Text) -> None:
    """After "start over" / "delete my data" the old history is really gone.

    Runs under the conversation's lock, so it never races a message being processed.
    """
    agent = getattr(app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None or sql_store(store) is None:
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
        logger.error("Could not delete the events before a restart (%s).", type(error).__name__)
