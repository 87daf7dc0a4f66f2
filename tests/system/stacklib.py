"""Helpers for the reliability and security tests: REST and socket.io clients, and a
private stack (action server + Rasa server) on free ports that a test can break.

LocalStack starts the two servers the way scripts/run.sh does (same commands and
generated config files), each in its own process group so a test can stop, pause
(SIGSTOP) or restart one of them. It only ever signals the processes it started.
"""
import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv" / "bin" / "rasa"
MODEL = "models/her2-assistant.tar.gz"
START_TIMEOUT = 240  # s: loading the model takes ~15-60 s on a busy 2-core machine
API_VARIABLES = ("RASA_ENABLE_API", "RASA_API_TOKEN", "RASA_JWT_SECRET", "SOCKETIO_JWT_KEY",
                 "CORS_ORIGIN")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------ REST
def post(url: str, body: bytes, content_type: Optional[str] = "application/json",
         timeout: float = 90, headers: Optional[Dict[str, str]] = None):
    """(status, parsed JSON or text, seconds) of one POST."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={**({"Content-Type": content_type}
                                                 if content_type else {}), **(headers or {})})
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


def say(rasa_url: str, sender: str, text: str, timeout: float = 90) -> List[Dict]:
    status, reply, _ = post(f"{rasa_url}/webhooks/rest/webhook",
                            json.dumps({"sender": sender, "message": text}).encode(),
                            timeout=timeout)
    assert status == 200, (status, reply)
    return reply


def texts(messages: List[Dict]) -> List[str]:
    return [m.get("text", "") for m in messages]


def get(url: str, headers: Optional[Dict[str, str]] = None, method: str = "GET",
        timeout: float = 30):
    """(status, headers, body text) of a request that may fail."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


# ------------------------------------------------------------------- socket.io
class SocketChat:
    """A socket.io conversation as the chat page has it (python-socketio client).

    The polling transport is used: python-engineio's websocket client needs a newer
    aiohttp than Rasa 3.6 allows. (The websocket origin check is tested separately.)
    """

    def __init__(self, rasa_url: str, origin: Optional[str] = None,
                 auth: Optional[dict] = None, wait_timeout: float = 10,
                 session_id: Optional[str] = None):
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
        await self.sio.connect(self.rasa_url, headers=headers, transports=["polling"],
                               socketio_path="/socket.io", auth=self.auth,
                               wait_timeout=self.wait_timeout)
        await self.sio.emit("session_request", {"session_id": self.requested_session})
        await asyncio.wait_for(confirmed.wait(), 20)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.sio.disconnect()
        await self.sio.eio.wait()  # let the client's background tasks finish

    async def send(self, message, settle: float = 1.0, timeout: float = 60,
                   min_messages: int = 1) -> List[Dict]:
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


async def websocket_connect_refused(rasa_url: str, origin: Optional[str],
                                    auth: Optional[dict] = None) -> bool:
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
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,)).fetchall()


class LocalStack:
    """Action server + Rasa server on free ports, with their own tracker DB and logs."""

    def __init__(self, workdir: Path, **env: str):
        self.dir = Path(workdir)
        self.rasa_port, self.action_port = free_port(), free_port()
        self.run_dir, self.log_dir = self.dir / "run", self.dir / "logs"
        self.db = self.dir / "tracker.db"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if k not in API_VARIABLES}
        self.env = {**base, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
                    "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_PORT": str(self.rasa_port),
                    "ACTION_PORT": str(self.action_port), "WEB_PORT": str(free_port()),
                    "TRACKER_DB": str(self.db), **env}
        self.procs: Dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def _spawn(self, name: str, args: List[str], env: Dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        try:
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self.procs[name] = proc
        return proc

    def start_actions(self, wait: bool = True) -> None:
        self._spawn("actions", [str(PYTHON), "scripts/action_server.py", "--actions", "actions",
                                "--port", str(self.action_port)], self.env)
        if wait:
            self.wait_ready("actions", f"http://localhost:{self.action_port}/health")

    def start_rasa(self, wait: bool = True, **env: str) -> None:
        env = {**self.env, **env}
        subprocess.run([str(PYTHON), "scripts/runtime_config.py", str(self.run_dir)],
                       cwd=ROOT, env=env, check=True)
        self._spawn("rasa", [str(PYTHON), "scripts/runtime_config.py", "--exec-rasa", "run",
                             "--model", MODEL, "--port", str(self.rasa_port),
                             "--endpoints", str(self.run_dir / "endpoints.yml"),
                             "--credentials", str(self.run_dir / "credentials.yml"),
                             "--cors", f"http://localhost:{env['WEB_PORT']}"], env)
        if wait:
            self.wait_ready("rasa", self.url + "/")

    def wait_ready(self, name: str, url: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited ({self.procs[name].returncode}):\n"
                                   + self.log_tail(name))
            try:
                with urllib.request.urlopen(url, timeout=5):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        raise RuntimeError(f"{name} not ready after {timeout} s:\n" + self.log_tail(name))

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) \
            if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    def send_signal(self, name: str, sig: int) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> Optional[int]:
        """Sends `sig` and waits; returns the exit code (None if it had to be killed)."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        self.send_signal(name, signal.SIGCONT)
        self.send_signal(name, sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.send_signal(name, signal.SIGKILL)
            proc.wait(10)
            return None

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def say(self, sender: str, text: str, timeout: float = 90) -> List[Dict]:
        return say(self.url, sender, text, timeout)


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
    """scripts/run.sh (what `make run` starts) in its own session on free ports."""

    def __init__(self, workdir: Path, **env: str):
        self.dir = Path(workdir)
        self.rasa_port, self.action_port, self.web_port = free_port(), free_port(), free_port()
        self.db, self.log_dir = self.dir / "tracker.db", self.dir / "logs"
        base = {k: v for k, v in os.environ.items() if k not in API_VARIABLES}
        self.env = {**base, "RASA_PORT": str(self.rasa_port),
                    "ACTION_PORT": str(self.action_port), "WEB_PORT": str(self.web_port),
                    "RUN_DIR": str(self.dir / "run"), "LOG_DIR": str(self.log_dir),
                    "TRACKER_DB": str(self.db), **env}
        self.proc: Optional[subprocess.Popen] = None
        self.output = self.dir / "run.out"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def start(self, wait: bool = True, **env: str) -> None:
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT,
                                         env={**self.env, **env}, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        urls = [f"http://localhost:{self.action_port}/health", self.url + "/",
                f"http://localhost:{self.web_port}/healthz"]
        deadline = time.monotonic() + timeout
        while urls and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"run.sh exited ({self.proc.returncode}):\n"
                                   + self.output.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(urls[0], timeout=5):
                    urls.pop(0)
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        if urls:
            raise RuntimeError(f"not ready after {timeout} s: {urls}")

    def processes(self) -> Dict[int, str]:
        return session_processes(self.proc.pid) if self.proc else {}

    def pid_of(self, needle: str) -> int:
        return next(pid for pid, cmd in self.processes().items() if needle in cmd)

    def interrupt(self, sig: int = signal.SIGINT, timeout: float = 90) -> Optional[int]:
        """Ctrl-C (SIGINT to the whole process group, as a terminal does) or another
        signal; returns run.sh's exit code, None if it had to be killed."""
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
