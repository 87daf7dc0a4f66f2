"""The one way to start the assistant's servers: `Stack`, with the free-port and
wait-until-ready helpers that go with it.

A Stack is the action server, the Rasa server and the chat page (any of them: `parts`),
each a child process of the one that holds the Stack, on the ports it is given (a free
port for each one not given), with the model, environment, generated endpoints and
credentials files (ops/config.py) and log files of its own. `make run` and `make shell`
(python -m ops), the tests, the benchmark and the soak all start servers through it.

    with Stack(workdir) as stack:        # free ports, files under workdir
        stack.start()                    # starts every part, waits until all answer
        stack.say("me", "what is HER2?")

Standard library and PyYAML only: the benchmark imports it under .venv-bench (Python
3.11, no Rasa); the servers always run under Rasa's .venv (SERVER_PYTHON).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

ROOT = Path(__file__).resolve().parent.parent
SERVER_PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL = "models/her2-assistant.tar.gz"
PARTS = ("actions", "rasa", "web")
# Settings a stack never inherits from the caller's environment unless given: the API
# and its secrets, the chat page's origin (each stack has its own).
PRIVATE_VARIABLES = (
    "RASA_ENABLE_API",
    "RASA_API_TOKEN",
    "RASA_JWT_SECRET",
    "SOCKETIO_JWT_KEY",
    "CORS_ORIGIN",
)
# What every server process gets (as `make` has it).
BASE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
# Exit statuses of a server that stopped because it was asked to (SIGINT/SIGTERM).
CLEAN_EXITS = (0, 130, 143, -signal.SIGINT, -signal.SIGTERM)


class NotReady(RuntimeError):
    """A server exited, or was not ready in time."""


class Stalled(NotReady):
    """A server is running but not ready, and its log stopped growing."""


# ------------------------------------------------------------------ helpers
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> List[int]:
    """``count`` different free ports (all held open until all are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            return True
        except OSError:
            return False


def listening(port: int, host: str = "127.0.0.1", timeout: float = 1) -> bool:
    """True when something accepts TCP connections on ``port``."""
    try:
        socket.create_connection((host, port), timeout).close()
        return True
    except OSError:
        return False


def url_ok(url: str, timeout: float = 2) -> bool:
    """True when ``url`` answers HTTP 2xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def duration(seconds: float) -> str:
    """'45s', '12m05s' (as the benchmark's progress lines, bench/progress.py)."""
    seconds = int(round(max(0.0, seconds)))
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"


Check = Union[str, Callable[[], bool]]


def wait_ready(
    phase: str,
    checks: Mapping[str, Check],
    processes: Optional[Mapping[str, subprocess.Popen]] = None,
    logs: Optional[Mapping[str, Union[Path, Callable[[], int]]]] = None,
    *,
    timeout: Optional[float] = None,
    stall_s: Optional[float] = None,
    progress: Optional[Callable[[str], None]] = None,
    started: Optional[float] = None,
    poll_s: float = 0.1,
) -> Dict[str, float]:
    """Waits until every check passes (a URL answering 2xx, or a function returning
    True); returns the seconds each took, counted from ``started`` (a time.monotonic()
    reading; default now).

    Fails with NotReady at once when one of ``processes`` exits, and after ``timeout``
    seconds if given. With ``stall_s`` there need be no time limit: a server not ready
    yet is waited for while its log (``logs[key]``: a file, or a function giving a size)
    grows, and given up on (Stalled) when it has stayed still for ``stall_s`` seconds.
    ``progress(text)`` is called on every round. Stopping the processes is the caller's
    business."""
    started = time.monotonic() if started is None else started
    processes, logs = processes or {}, logs or {}
    tests = {
        key: (check if callable(check) else (lambda url=check: url_ok(url, timeout=1)))
        for key, check in checks.items()
    }
    ready: Dict[str, float] = {}
    grown = {key: (-1, started) for key in checks}  # log size, when it last changed
    while len(ready) < len(tests):
        for key, test in tests.items():
            if key not in ready and test():
                ready[key] = time.monotonic() - started
        now = time.monotonic()
        for key, process in processes.items():
            if process.poll() is not None:
                where = f"; see {logs[key]}" if key in logs else ""
                raise NotReady(
                    f"{phase}: the {key} server exited ({process.returncode}) "
                    f"before the servers were ready{where}"
                )
        if len(ready) == len(tests):
            break
        waiting = [key for key in tests if key not in ready]
        if timeout is not None and now - started > timeout:
            raise NotReady(f"{phase}: not ready after {timeout:.0f} s: {', '.join(waiting)}")
        if stall_s is not None:
            for key in waiting:
                log = logs.get(key)
                try:
                    size = log() if callable(log) else (log.stat().st_size if log else 0)
                except OSError:
                    size = 0
                if size != grown[key][0]:
                    grown[key] = (size, now)
                elif now - grown[key][1] > stall_s:
                    raise Stalled(
                        f"{phase}: the {key} server is running but not ready, and "
                        f"its log has not grown for {duration(now - grown[key][1])} "
                        f"(stall window); see {logs.get(key, 'its log')}"
                    )
        if progress is not None:
            progress(
                ", ".join(
                    f"{key} "
                    + (
                        f"ready in {ready[key]:.1f}s"
                        if key in ready
                        else f"loading {duration(now - started)}"
                    )
                    for key in tests
                )
            )
        time.sleep(poll_s)
    return ready


def post_json(
    url: str, body: object, timeout: float = 90, headers: Optional[Dict[str, str]] = None
):
    """(HTTP status, parsed JSON or text) of one POST; an error status is returned."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


# ------------------------------------------------------------------ the stack
class Stack:
    """The action server, the Rasa server and the chat page on their own ports.

    workdir     where its files go unless given one by one: run/ (endpoints.yml,
                credentials.yml), logs/, tracker.db
    parts       which servers start() starts: "actions", "rasa", "web"
    *_port      None: a free port
    model       the model file, relative to the project root or absolute
    env         added to every server's environment (the caller's, minus
                PRIVATE_VARIABLES); rasa_env to the Rasa server's only
    api_token   the HTTP API on with this token (on no command line with the project's
                launcher: through RASA_ENABLE_API / RASA_API_TOKEN)
    host        how the servers are reached (URLs, the action endpoint)
    interface   the address Rasa listens on (None: Rasa's default, all)
    cors        origins for `rasa run --cors`; None: ops/config.py's (CORS_ORIGIN, else
                the chat page's own origin)
    credentials a dict written as the credentials file instead of the generated one
    rasa        "project": Rasa with the run-time fixes (python -m ops rasa, as
                `make run`); "plain": Rasa as installed (the benchmark's peer)
    log_suffix  logs/<part><suffix>.log
    own_session each server in its own session (signals reach only it); False keeps them
                in the caller's process group, so a terminal's Ctrl-C reaches them too
    """

    def __init__(
        self,
        workdir: Union[str, Path, None] = None,
        *,
        parts: Sequence[str] = PARTS,
        rasa_port: Optional[int] = None,
        action_port: Optional[int] = None,
        web_port: Optional[int] = None,
        model: Union[str, Path] = MODEL,
        env: Optional[Mapping[str, str]] = None,
        rasa_env: Optional[Mapping[str, str]] = None,
        run_dir: Optional[Path] = None,
        log_dir: Optional[Path] = None,
        tracker_db: Optional[Path] = None,
        api_token: Optional[str] = None,
        host: str = "localhost",
        interface: Optional[str] = None,
        cors: Optional[Sequence[str]] = None,
        public_rasa_url: Optional[str] = None,
        credentials: Optional[dict] = None,
        rasa: str = "project",
        log_suffix: str = "",
        own_session: bool = True,
        inherit_env: Optional[Mapping[str, str]] = None,
    ):
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
        if rasa not in ("project", "plain"):
            raise ValueError(f"rasa must be 'project' or 'plain', not {rasa!r}")
        self.parts = tuple(parts)
        workdir = Path(workdir) if workdir is not None else None
        if workdir is None and (run_dir is None or log_dir is None):
            raise ValueError("give a workdir, or both run_dir and log_dir")
        self.run_dir = Path(run_dir) if run_dir else workdir / "run"
        self.log_dir = Path(log_dir) if log_dir else workdir / "logs"
        chosen = free_ports(3)
        self.rasa_port = rasa_port or chosen[0]
        self.action_port = action_port or chosen[1]
        self.web_port = web_port or chosen[2]
        self.model = Path(model)
        self.host, self.interface = host, interface
        self.api_token, self.credentials, self.rasa = api_token, credentials, rasa
        self.log_suffix, self.own_session = log_suffix, own_session
        base = dict(os.environ if inherit_env is None else inherit_env)
        for name in PRIVATE_VARIABLES:
            base.pop(name, None)
        self.env: Dict[str, str] = {**base, **BASE_ENV, **(env or {})}
        self.env.update(
            {
                "RASA_PORT": str(self.rasa_port),
                "ACTION_PORT": str(self.action_port),
                "ACTION_HOST": self.host,
                "WEB_PORT": str(self.web_port),
            }
        )
        if tracker_db is not None:
            self.env["TRACKER_DB"] = str(tracker_db)
        elif workdir is not None and "TRACKER_DB" not in (env or {}):
            self.env["TRACKER_DB"] = str(workdir / "tracker.db")
        self.rasa_env = dict(rasa_env or {})
        self.cors = list(cors) if cors is not None else None
        self.public_rasa_url = public_rasa_url
        self.procs: Dict[str, subprocess.Popen] = {}
        self.started_at: Dict[str, float] = {}

    # ------------------------------------------------------------- where
    @property
    def url(self) -> str:
        """The Rasa server."""
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}/"

    @property
    def db(self) -> Path:
        """The SQLite tracker store's file."""
        from ops.config import runtime_endpoints

        return Path(runtime_endpoints(self.env)["tracker_store"]["db"])

    def log_path(self, part: str) -> Path:
        return self.log_dir / f"{part}{self.log_suffix}.log"

    def ready_url(self, part: str) -> str:
        return {
            "actions": f"{self.action_url}/health",
            "rasa": f"{self.url}/",
            "web": self.web_url,
        }[part]

    def pid(self, part: str) -> Optional[int]:
        proc = self.procs.get(part)
        return proc.pid if proc is not None and proc.poll() is None else None

    # ------------------------------------------------------------- commands
    def write_config(self, env: Optional[Mapping[str, str]] = None) -> None:
        """The endpoints and credentials files of this stack (ops/config.py); raises
        ops.config.ConfigError on an unsafe setting (an API without a token, CORS '*')."""
        import yaml

        from ops.config import write_runtime_config

        write_runtime_config(self.run_dir, env={**self.env, **(env or {})})
        if self.credentials is not None:
            (self.run_dir / "credentials.yml").write_text(
                yaml.safe_dump(self.credentials, sort_keys=False)
            )

    def cors_origins(self, env: Optional[Mapping[str, str]] = None) -> List[str]:
        from ops.config import cors_origins

        return self.cors if self.cors is not None else cors_origins({**self.env, **(env or {})})

    def command(self, part: str, env: Optional[Mapping[str, str]] = None) -> List[str]:
        """The command line that starts ``part`` (no secret is ever on it with
        rasa="project")."""
        python = str(SERVER_PYTHON if SERVER_PYTHON.exists() else Path(sys.executable))
        if part == "actions":
            return [
                python,
                "-m",
                "ops",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(self.action_port),
            ]
        if part == "web":
            return [
                python,
                "-m",
                "ops",
                "web",
                "--port",
                str(self.web_port),
                "--rasa-url",
                self.public_rasa_url or self.url,
            ]
        if part != "rasa":
            raise ValueError(part)
        launcher = (
            [python, "-m", "ops", "rasa"]
            if self.rasa == "project"
            else [str(Path(python).parent / "rasa")]
        )
        command = [
            *launcher,
            "run",
            "--model",
            str(self.model),
            "--port",
            str(self.rasa_port),
            "--endpoints",
            str(self.run_dir / "endpoints.yml"),
            "--credentials",
            str(self.run_dir / "credentials.yml"),
        ]
        if self.interface:
            command += ["--interface", self.interface]
        origins = self.cors_origins(env)
        if origins:
            command += ["--cors", *origins]
        if self.api_token and self.rasa == "plain":
            command += ["--enable-api", f"--auth-token={self.api_token}"]
        return command

    def part_env(self, part: str, env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        full = {**self.env, **(env or {})}
        if part == "rasa":
            full.update(self.rasa_env)
            if self.api_token and self.rasa == "project":
                full.update({"RASA_ENABLE_API": "true", "RASA_API_TOKEN": self.api_token})
        return full

    # ------------------------------------------------------------- lifecycle
    def start(
        self,
        *parts: str,
        wait: bool = True,
        env: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = 240,
    ) -> None:
        """Starts ``parts`` (default: the stack's), then waits until each answers
        (NotReady after ``timeout`` seconds or when one exits; then the ones started here
        are stopped). ``env`` is added to their environment for this start. Rasa's
        configuration files are written first: an unsafe setting fails before anything
        starts."""
        parts = parts or self.parts
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if "rasa" in parts:
            self.write_config(env)
            Path(self.db).parent.mkdir(parents=True, exist_ok=True)
        for part in parts:
            self.spawn(part, env)
        if wait:
            try:
                self.wait_ready(*parts, timeout=timeout)
            except NotReady:
                for part in parts:
                    self.stop(part)
                raise

    def spawn(self, part: str, env: Optional[Mapping[str, str]] = None) -> subprocess.Popen:
        """Starts one server (no waiting); its output goes to its log (appended)."""
        if self.pid(part):
            raise RuntimeError(f"{part} is already running (pid {self.pid(part)})")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(part), "ab") as log:
            proc = subprocess.Popen(
                self.command(part, env),
                cwd=ROOT,
                env=self.part_env(part, env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.own_session,
            )
        self.procs[part] = proc
        self.started_at[part] = time.monotonic()
        return proc

    def wait_ready(
        self,
        *parts: str,
        timeout: Optional[float] = 240,
        stall_s: Optional[float] = None,
        progress: Optional[Callable[[str], None]] = None,
        phase: str = "starting",
    ) -> Dict[str, float]:
        """wait_ready() for ``parts`` (default: those started); returns the seconds each
        took since it was started."""
        parts = parts or tuple(self.procs)
        started = min(self.started_at[p] for p in parts)
        return wait_ready(
            phase,
            {p: self.ready_url(p) for p in parts},
            {p: self.procs[p] for p in parts},
            {p: self.log_path(p) for p in parts},
            timeout=timeout,
            stall_s=stall_s,
            progress=progress,
            started=started,
        )

    def send_signal(self, part: str, sig: int) -> None:
        proc = self.procs.get(part)
        if proc is None or proc.poll() is not None:
            return
        try:
            if self.own_session:
                os.killpg(proc.pid, sig)
            else:
                os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(
        self, *parts: str, sig: int = signal.SIGTERM, grace_s: float = 30
    ) -> Dict[str, Optional[int]]:
        """Stops ``parts`` (default: all started): ``sig`` (a paused one is resumed
        first), then SIGKILL after ``grace_s``. Returns each one's exit status (None if it
        had to be killed)."""
        parts = parts or tuple(self.procs)
        for part in parts:
            self.send_signal(part, signal.SIGCONT)
            self.send_signal(part, sig)
        deadline = time.monotonic() + grace_s
        codes: Dict[str, Optional[int]] = {}
        for part in parts:
            proc = self.procs.get(part)
            if proc is None:
                continue
            try:
                codes[part] = proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.send_signal(part, signal.SIGKILL)
                proc.wait(10)
                codes[part] = None
        return codes

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def exited(self) -> Dict[str, int]:
        """The parts that have exited, with their exit status."""
        return {
            part: proc.returncode for part, proc in self.procs.items() if proc.poll() is not None
        }

    # ------------------------------------------------------------- logs, talking
    def log_tail(self, part: str, lines: int = 40) -> str:
        path = self.log_path(part)
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def logs(self, parts: Iterable[str] = PARTS) -> str:
        return "\n".join(
            self.log_path(p).read_text(errors="replace") for p in parts if self.log_path(p).exists()
        )

    def say(self, sender: str, text: str, timeout: float = 90) -> List[Dict]:
        """The bot's messages for one message over the REST webhook (HTTP 200 asserted)."""
        status, reply = post_json(
            f"{self.url}/webhooks/rest/webhook",
            {"sender": sender, "message": text},
            timeout=timeout,
        )
        if status != 200:
            raise AssertionError((status, reply))
        return reply
