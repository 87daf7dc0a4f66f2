"""Rasa's RedisLockStore with its read-modify-write steps made atomic.

deploy/endpoints.cluster.yml uses ``type: serving.lock_store.AtomicRedisLockStore`` with
exactly the settings of Rasa's ``type: redis`` (url, port, password, db, key_prefix,
use_ssl, ...). Locks are Rasa's own ``TicketLock`` objects under Rasa's own keys
(``lock:<conversation id>``), and Rasa's agent takes them exactly as before; only the
way a lock is changed in Redis differs.

Why it is needed (seen on this project's cluster, tests/system/cluster): Rasa 3.6's
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

A replica that dies holding a lock (SIGKILL, out of memory, a lost node) no longer
blocks its conversation for the whole ticket lifetime (Rasa's 60 s): every ticket
records its owner (host, pid and a random tag of the replica), and each replica keeps
a key ``lock-owner:<owner>`` alive in Redis from a background thread (set every
LOCK_OWNER_HEARTBEAT seconds, 1, expiring after LOCK_OWNER_TTL, 5). A waiting replica,
which re-checks the lock every second, drops the tickets of owners whose key has
expired: a dead replica's ticket is gone LOCK_OWNER_TTL + 1 s after it died at most.
A live replica keeps its tickets however long its turn takes (its thread beats even
while its event loop is busy), so the lock still serialises live replicas; the ticket
lifetime stays the backstop for a replica that hangs alive. Tickets without an owner
(issued by Rasa's own class) only expire.
"""

import json
import logging
import os
import secrets
import socket
import threading
import time
from typing import Any, Callable, Dict, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    LOCK_LIFETIME,
    LockError,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        raise ValueError(
            f"{name} must be a number of seconds, not {os.environ.get(name)!r}"
        ) from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


# How often a replica says it is alive, and how long that lasts: a dead replica's
# tickets are dropped LOCK_OWNER_TTL (+ the 1 s Rasa waits between checks) after its
# last beat. The slack between the two is what a live replica may be late by.
LOCK_OWNER_HEARTBEAT = _seconds("LOCK_OWNER_HEARTBEAT", 1)
LOCK_OWNER_TTL = _seconds("LOCK_OWNER_TTL", 5)
if LOCK_OWNER_TTL < 2 * LOCK_OWNER_HEARTBEAT:
    raise ValueError("LOCK_OWNER_TTL must be at least twice LOCK_OWNER_HEARTBEAT")


class OwnedTicketLock(TicketLock):
    """Rasa's TicketLock that also stores who holds each ticket (``owners``: ticket
    number -> owner). Rasa's TicketLock.from_dict reads the same JSON and ignores it."""

    def __init__(
        self, conversation_id: Text, tickets: Any = None, owners: Optional[Dict[int, Text]] = None
    ) -> None:
        super().__init__(conversation_id, tickets)
        self.owners: Dict[int, Text] = dict(owners or {})

    @classmethod
    def from_dict(cls, data: Dict[Text, Any]) -> "OwnedTicketLock":
        plain = TicketLock.from_dict(data)
        owners = {int(number): str(owner) for number, owner in (data.get("owners") or {}).items()}
        return cls(plain.conversation_id, plain.tickets, owners)

    def dumps(self) -> Text:
        numbers = {ticket.number for ticket in self.tickets}
        return json.dumps(
            dict(
                conversation_id=self.conversation_id,
                tickets=[ticket.dumps() for ticket in self.tickets],
                owners={str(n): owner for n, owner in self.owners.items() if n in numbers},
            )
        )

    def remove_tickets_of(self, dead: set) -> int:
        """Drops the tickets whose owner is in ``dead``; returns how many."""
        gone = [t for t in self.tickets if self.owners.get(t.number) in dead]
        for ticket in gone:
            self.tickets.remove(ticket)
        return len(gone)


Change = Callable[[Optional[OwnedTicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock updates are atomic across Rasa replicas."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path from its endpoint config alone.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)
        # Who this replica is, in the tickets it takes (the pid lets an operator, or the
        # cluster tests, find the process that holds a conversation).
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # "lock-owner:" beside Rasa's "lock:" (same optional prefix): never a lock key.
        self.owner_prefix = (
            self.key_prefix[: -len(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)] + "lock-owner:"
        )
        self._heartbeat: Optional[threading.Thread] = None
        self._heartbeat_guard = threading.Lock()

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    # ------------------------------------------------------------ owner liveness
    def owner_key(self, owner: Text) -> Text:
        return self.owner_prefix + owner

    def _beat(self) -> None:
        self.red.set(self.owner_key(self.owner), str(time.time()), px=int(LOCK_OWNER_TTL * 1000))

    def _keep_alive(self) -> None:
        """The heartbeat thread: runs as long as the process does."""
        while True:
            time.sleep(LOCK_OWNER_HEARTBEAT)
            try:
                self._beat()
            except Exception as error:  # Redis away: the locks are unusable anyway
                logger.warning("Lock store heartbeat failed (%s).", type(error).__name__)

    def _ensure_alive(self) -> None:
        """Marks this replica alive before its first ticket, and starts the heartbeat."""
        if self._heartbeat is not None:
            return
        with self._heartbeat_guard:
            if self._heartbeat is None:
                self._beat()
                thread = threading.Thread(
                    target=self._keep_alive, daemon=True, name="lock-owner-heartbeat"
                )
                thread.start()
                self._heartbeat = thread

    def _drop_dead_owners(self, lock: OwnedTicketLock) -> None:
        """Drops the tickets of replicas that are no longer alive."""
        owners = sorted(
            {
                lock.owners[t.number]
                for t in lock.tickets
                if t.number in lock.owners and lock.owners[t.number] != self.owner
            }
        )
        if not owners:
            return
        alive = self.red.mget([self.owner_key(owner) for owner in owners])
        dead = {owner for owner, beat in zip(owners, alive) if beat is None}
        if dead and lock.remove_tickets_of(dead):
            logger.warning(
                "Conversation '%s': dropped the lock ticket(s) of %d replica(s) "
                "that stopped while holding or waiting for it.",
                lock.conversation_id,
                len(dead),
            )

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
                    lock = OwnedTicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None or not new_lock.tickets:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    logger.debug(
                        f"Lock of conversation '{conversation_id}' changed "
                        f"concurrently; trying again."
                    )

    @staticmethod
    def create_lock(conversation_id: Text) -> OwnedTicketLock:
        return OwnedTicketLock(conversation_id)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[OwnedTicketLock]) -> Tuple[OwnedTicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            self._drop_dead_owners(lock)
            number = lock.issue_ticket(lock_lifetime)
            lock.owners[number] = self.owner
            return lock, number

        try:
            self._ensure_alive()
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[OwnedTicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
                self._drop_dead_owners(lock)
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
