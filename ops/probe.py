"""Talking to a running stack and looking at it (the soak and the tests): one REST POST,
a socket.io conversation as the chat page has it, a server's resident memory, the SQLite
tracker store's integrity and stored events. Standard library (python-socketio for
SocketChat, from Rasa's .venv)."""

import asyncio
import json
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional


def post(
    url: str,
    body: bytes,
    content_type: Optional[str] = "application/json",
    timeout: float = 90,
    headers: Optional[Dict[str, str]] = None,
):
    """(status, parsed JSON or text, seconds) of one POST."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={**({"Content-Type": content_type} if content_type else {}), **(headers or {})},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, raw.decode("utf-8", "replace"), elapsed


class SocketChat:
    """A socket.io conversation as the chat page has it (python-socketio client).

    The polling transport is used: python-engineio's websocket client needs a newer
    aiohttp than Rasa 3.6 allows. (The websocket origin check is tested separately.)
    """

    def __init__(
        self,
        rasa_url: str,
        origin: Optional[str] = None,
        auth: Optional[dict] = None,
        wait_timeout: float = 10,
        session_id: Optional[str] = None,
    ):
        self.rasa_url, self.origin, self.auth = rasa_url, origin, auth
        self.wait_timeout = wait_timeout
        self.requested_session = session_id  # resume this conversation (a page reload)
        self.messages: List[Dict] = []
        self.session_id: Optional[str] = None

    async def __aenter__(self) -> "SocketChat":
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        confirmed = asyncio.Event()

        @self.sio.on("session_confirm")
        async def on_confirm(session_id):
            self.session_id = session_id
            confirmed.set()

        @self.sio.on("bot_uttered")
        async def on_bot(message):
            self.messages.append(message)

        headers = {"Origin": self.origin} if self.origin else {}
        await self.sio.connect(
            self.rasa_url,
            headers=headers,
            transports=["polling"],
            socketio_path="/socket.io",
            auth=self.auth,
            wait_timeout=self.wait_timeout,
        )
        await self.sio.emit("session_request", {"session_id": self.requested_session})
        await asyncio.wait_for(confirmed.wait(), 20)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.sio.disconnect()
        await self.sio.eio.wait()  # let the client's background tasks finish

    async def send(
        self, message, settle: float = 1.0, timeout: float = 60, min_messages: int = 1
    ) -> List[Dict]:
        """Sends one message; returns the bot messages it produced (once at least
        `min_messages` arrived and no more came for `settle` seconds)."""
        before = len(self.messages)
        await self.sio.emit("user_uttered", {"message": message, "session_id": self.session_id})
        deadline = time.monotonic() + timeout
        while len(self.messages) < before + min_messages and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        last = -1  # wait until no more messages arrive for `settle` seconds
        while len(self.messages) != last and time.monotonic() < deadline:
            last = len(self.messages)
            await asyncio.sleep(settle)
        return self.messages[before:]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sqlite_integrity(db: Path) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def stored_events(db: Path, sender: str) -> List[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
