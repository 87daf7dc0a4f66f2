"""Helpers for the reliability and security tests: REST and socket.io clients (from
ops/probe.py), and `make run` (python -m ops run) in its own session on free ports
(RunScript).

A private stack that a test can break (stop, pause with SIGSTOP, restart one server) is
ops.stack.Stack itself, the launcher every other starter uses.
"""

import asyncio
import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from ops.probe import SocketChat, post, rss_kb, sqlite_integrity, stored_events  # noqa: F401
from ops.stack import PRIVATE_VARIABLES, ROOT, SERVER_PYTHON, free_port, free_ports, wait_ready  # noqa: F401

PYTHON = SERVER_PYTHON
START_TIMEOUT = 240  # s: loading the model takes ~15-60 s on a busy 2-core machine


# ------------------------------------------------------------------------ REST
def say(rasa_url: str, sender: str, text: str, timeout: float = 90) -> List[Dict]:
    status, reply, _ = post(
        f"{rasa_url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        timeout=timeout,
    )
    assert status == 200, (status, reply)
    return reply


def texts(messages: List[Dict]) -> List[str]:
    return [m.get("text", "") for m in messages]


def get(
    url: str, headers: Optional[Dict[str, str]] = None, method: str = "GET", timeout: float = 30
):
    """(status, headers, body text) of a request that may fail."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


# ------------------------------------------------------------------- socket.io
async def websocket_connect_refused(
    rasa_url: str, origin: Optional[str], auth: Optional[dict] = None
) -> bool:
    """Engine.IO/Socket.IO handshake over a raw websocket; True when the socket.io
    connection is refused (CONNECT_ERROR or the server closing the socket)."""
    import websockets

    url = rasa_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    headers = {"Origin": origin} if origin else {}
    try:
        async with websockets.connect(url, extra_headers=headers, open_timeout=10) as ws:
            opened = await asyncio.wait_for(ws.recv(), 10)
            assert opened.startswith("0"), opened
            await ws.send("40" + (json.dumps(auth) if auth is not None else ""))
            while True:
                packet = await asyncio.wait_for(ws.recv(), 10)
                if packet.startswith("40"):
                    return False
                if packet.startswith("44"):
                    return True
    except websockets.exceptions.InvalidStatusCode:
        return True
    except websockets.exceptions.ConnectionClosed:
        return True


# ----------------------------------------------------------------- processes
def session_processes(session_id: int) -> Dict[int, str]:
    """pid -> command line of every live process in a session (setsid)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            state, sid = fields[0], int(fields[3])
            if sid == session_id and state != "Z":
                pid = int(stat.parent.name)
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[pid] = cmdline.decode("utf-8", "replace").strip()
        except (OSError, IndexError, ValueError):
            continue
    return found


class RunScript:
    """`make run` (python -m ops run) in its own session on free ports."""

    def __init__(self, workdir: Path, **env: str):
        self.dir = Path(workdir)
        self.rasa_port, self.action_port, self.web_port = free_ports(3)
        self.db, self.log_dir = self.dir / "tracker.db", self.dir / "logs"
        base = {k: v for k, v in os.environ.items() if k not in PRIVATE_VARIABLES}
        self.env = {
            **base,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "WEB_PORT": str(self.web_port),
            "RUN_DIR": str(self.dir / "run"),
            "LOG_DIR": str(self.log_dir),
            "TRACKER_DB": str(self.db),
            **env,
        }
        self.proc: Optional[subprocess.Popen] = None
        self.output = self.dir / "run.out"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def start(self, wait: bool = True, **env: str) -> None:
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen(
                [str(PYTHON), "-m", "ops", "run"],
                cwd=ROOT,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        urls = {
            "actions": f"http://localhost:{self.action_port}/health",
            "rasa": self.url + "/",
            "web": f"http://localhost:{self.web_port}/healthz",
        }
        try:
            wait_ready("make run", urls, {"run": self.proc}, timeout=timeout)
        except RuntimeError as error:
            raise RuntimeError(f"{error}:\n" + self.output.read_text(errors="replace")) from error

    def processes(self) -> Dict[int, str]:
        return session_processes(self.proc.pid) if self.proc else {}

    def pid_of(self, needle: str) -> int:
        return next(pid for pid, cmd in self.processes().items() if needle in cmd)

    def interrupt(self, sig: int = signal.SIGINT, timeout: float = 90) -> Optional[int]:
        """Ctrl-C (SIGINT to the whole process group, as a terminal does) or another
        signal; returns the launcher's exit code, None if it had to be killed."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self.kill_leftovers()

    def kill_leftovers(self) -> None:
        if self.proc is None:
            return
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        self.interrupt(signal.SIGTERM)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    def say(self, sender: str, text: str, timeout: float = 90) -> List[Dict]:
        return say(self.url, sender, text, timeout)


# ------------------------------------------------------------ event loops
def run_async(coroutine):
    """Runs a coroutine to completion in a fresh event loop in a worker thread.

    The tests use this instead of pytest-asyncio's loop so that they work whatever ran
    before them in the session: a Playwright sync-API browser kept open by another test
    module keeps an event loop running in the main thread, and no second loop can run
    there.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def in_thread(function, *args, **kwargs):
    """Runs a plain function in a worker thread (for Playwright's sync API and for
    code that calls asyncio.run, for the same reason as run_async)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def threaded(test):
    """Decorator: an `async def` test that runs through run_async (see above)."""
    import functools

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return run_async(test(*args, **kwargs))

    return wrapper
