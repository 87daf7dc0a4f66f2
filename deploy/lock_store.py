"""Rasa's RedisLockStore with its read-modify-write steps made atomic.

deploy/endpoints.cluster.yml uses ``type: deploy.lock_store.AtomicRedisLockStore`` with
exactly the settings of Rasa's ``type: redis`` (url, port, password, db, key_prefix,
use_ssl, ...). Locks are Rasa's own ``TicketLock`` objects under Rasa's own keys
(``lock:<conversation id>``), and Rasa's agent takes them exactly as before; only the
way a lock is changed in Redis differs.

Why it is needed (seen on this project's cluster, tests/cluster): Rasa 3.6's
RedisLockStore issues a ticket with GET, change, SET. Two replicas that receive a
message for the same conversation at the same moment both GET "no lock", both SET a
lock holding ticket 0, and both go ahead: the two turns run at once on the same
tracker and one of them is lost from PostgreSQL, or parts of both are stored. With
pairs of messages sent together to two replicas, that happened in all of 10 rounds
(three pairs each); 16 simultaneous ticket requests collided in 20 runs out of 20. The
same GET/SET race in cleanup can delete a lock another replica is still queued on.
This is Rasa's known limitation (RasaHQ/rasa#9213; the fix, a
"ConcurrentRedisLockStore", RasaHQ/rasa#11256, was reverted from open source,
RasaHQ/rasa#11428, and ships with Rasa Pro).

What this class changes: every change of a lock (issue a ticket, drop expired
tickets, finish serving a ticket, delete the lock when nobody waits) runs as a Redis
optimistic transaction (WATCH / MULTI / EXEC, retried on conflict), so ticket numbers
are unique and the queue is never overwritten. Waiting, expiry (TICKET_LOCK_LIFETIME)
and everything else stay Rasa's.
"""
import json
import logging
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock updates are atomic across Rasa replicas."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path from its endpoint config alone.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _change(self, conversation_id: Text, change: Change) -> T:
        """Applies ``change`` to the stored lock in one Redis transaction.

        ``change`` gets the current lock (None if there is none) and returns the lock to
        store (None or no tickets: the key is deleted) and a result. If another replica
        changes the lock in between, EXEC fails and the change is applied again to the
        new value.
        """
        key = self._key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None or not new_lock.tickets:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    logger.debug(f"Lock of conversation '{conversation_id}' changed "
                                 f"concurrently; trying again.")

    def issue_ticket(self, conversation_id: Text,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finishes ``ticket_number`` and deletes the lock if nobody else waits, in one
        step (Rasa does these separately, so a ticket issued in between was lost)."""
        self.finish_serving(conversation_id, ticket_number)

    def save_lock(self, lock: TicketLock) -> None:
        # Only reached through LockStore methods not overridden here.
        self.red.set(self._key(lock.conversation_id), lock.dumps())
