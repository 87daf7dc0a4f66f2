"""SQLite tracker store files in WAL mode, with one connection held open.

What Rasa does: the SQL tracker store on a SQLite file commits with SQLite's defaults
(rollback journal, ``synchronous=FULL``: an fsync on every commit, inside the event loop).

What the fix changes: every SQLite connection SQLAlchemy opens gets
``synchronous=NORMAL``, and the file ``journal_mode=WAL``. One extra connection per file
is held open for the life of the process, because closing the last connection
checkpoints the WAL (an fsync again); it is closed at exit, which leaves one
self-contained .db file. A crash of the process leaves a consistent database; a power
cut may lose the last turns. PostgreSQL (deploy/) is untouched. Nothing of Rasa is
replaced: this is a SQLAlchemy ``connect`` listener.

Gain: with the action-response validator, Rasa CPU per message 69-78 -> 27-31 ms; the
SQLite ``save`` was ~19% of a turn (bench/TUNING.md, change 4).

After an upgrade: tests/integration/framework/test_rasa_fixes_behaviour.py checks that three turns use one connection,
that every event is stored and that another reader sees them in WAL mode.
"""

import atexit
import sqlite3
from typing import Dict

from rasa_fixes._targets import Target, on_revert

NAME = "sqlite_wal"
TARGETS = ()
REQUIRES = (Target("sqlalchemy.engine", "Engine", "class"),)

_keepers: Dict[str, sqlite3.Connection] = {}


def _close_keepers() -> None:
    # The last connection to close checkpoints the WAL into the database and removes the
    # -wal and -shm files, so a stopped server leaves one self-contained .db file.
    for connection in _keepers.values():
        try:
            connection.close()
        except sqlite3.Error:
            pass
    _keepers.clear()


def _is_wal_database(path: str) -> bool:
    """True when the database file's header says WAL (bytes 18 and 19 are 2)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL")  # per connection, no I/O
        rows = cursor.execute("PRAGMA database_list").fetchall()
        path = next((row[2] for row in rows if row[1] == "main"), "")
        if not path or path in _keepers:
            return
        cursor.execute("PRAGMA journal_mode=WAL").fetchall()  # stored in the file
        # Keep one connection open for the life of the process: SQLAlchemy 1.4 opens
        # and closes a SQLite connection per session (without the sqlite_pool fix), and
        # closing the last one checkpoints the WAL (an fsync every turn). Only once the
        # file itself says WAL: a new database's first pages are still in the WAL until
        # that first checkpoint, and other connections would not see them.
        if _is_wal_database(path):
            keeper = sqlite3.connect(path, check_same_thread=False)
            # A connection takes part in the WAL once it has used the database
            # (fetchall: no statement, hence no read snapshot, stays open).
            keeper.execute("PRAGMA journal_mode").fetchall()
            if not _keepers:
                atexit.register(_close_keepers)
            _keepers[path] = keeper
    finally:
        cursor.close()


def apply() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)
    on_revert(lambda: event.remove(Engine, "connect", _on_connect))
