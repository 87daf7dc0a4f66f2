"""`make run` and `make shell`: a Stack in the foreground.

run    the action server, the Rasa server (REST + socket.io) and the chat page on
       $ACTION_PORT, $RASA_PORT, $WEB_PORT (5055, 5005, 8080); prints the URL to open;
       Ctrl-C (or SIGTERM) stops all of them, exit status 0. Exit status 1 when
       something fails to start or a server exits by itself, and on an unsafe setting
       (RASA_ENABLE_API=true without a token, CORS_ORIGIN '*'), refused with ERROR:
       before anything starts.
shell  a terminal chat (channels/console.py) through the Rasa server's REST channel, with
       the action server running; stops both on exit. Through the REST channel the
       terminal gets what every channel gets: the identity line and disclaimer, the input
       checks. It runs its own two servers, on free ports (SHELL_PORT / SHELL_ACTION_PORT
       to choose them), with their own generated files ($RUN_DIR/shell/) and logs
       ($LOG_DIR/rasa-shell.log, actions-shell.log): next to a running `make run` it
       takes none of its ports or files. Conversations are stored in the same tracker
       store as `make run`'s ($TRACKER_DB, default var/tracker.db). With its input not a
       terminal, each line is a message and the replies are printed as plain text:
       echo "what is HER2?" | make shell

Environment (both): RUN_DIR (.run), LOG_DIR (logs), TRACKER_DB, READY_TIMEOUT (s: 120
for run, 240 for shell); run also HOST (localhost), CORS_ORIGIN (the chat page's
origin(s), space-separated; default http://$HOST:$WEB_PORT), PUBLIC_RASA_URL (where the
browser reaches Rasa; default http://$HOST:$RASA_PORT) and the API settings of
ops/config.py.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from ops.config import ConfigError, check_environment
from ops.stack import CLEAN_EXITS, ROOT, SERVER_PYTHON, NotReady, Stack


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived."""


def _interrupt(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def _dirs(env) -> tuple:
    run_dir = Path(env.get("RUN_DIR") or ".run")
    log_dir = Path(env.get("LOG_DIR") or "logs")
    return run_dir, log_dir


def run(env=os.environ) -> int:
    os.chdir(ROOT)
    host = env.get("HOST") or "localhost"
    rasa_port = int(env.get("RASA_PORT") or 5005)
    action_port = int(env.get("ACTION_PORT") or 5055)
    web_port = int(env.get("WEB_PORT") or 8080)
    run_dir, log_dir = _dirs(env)
    settings = {**env, "HOST": host, "WEB_PORT": str(web_port)}
    try:
        check_environment(settings)  # before anything starts
    except ConfigError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    # CORS_ORIGIN and the API settings are the operator's here (a Stack would drop them).
    kept = {
        k: env[k]
        for k in (
            "CORS_ORIGIN",
            "RASA_ENABLE_API",
            "RASA_API_TOKEN",
            "RASA_JWT_SECRET",
            "SOCKETIO_JWT_KEY",
        )
        if env.get(k)
    }
    stack = Stack(
        run_dir=run_dir,
        log_dir=log_dir,
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        env={**kept, "HOST": host},
        public_rasa_url=env.get("PUBLIC_RASA_URL") or f"http://{host}:{rasa_port}",
        own_session=False,
        inherit_env=env,
    )
    Path("var").mkdir(exist_ok=True)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            stack.start(wait=False)
        except ConfigError as error:
            print(f"ERROR: {error}", file=sys.stderr)
            return 1
        print(f"Starting (logs in {log_dir}/) ...", flush=True)
        try:
            stack.wait_ready(timeout=float(env.get("READY_TIMEOUT") or 120))
        except NotReady as error:
            print(
                f"{error}\nSomething failed to start; see {log_dir}/rasa.log, actions.log "
                f"and web.log.",
                file=sys.stderr,
            )
            _stop(stack)
            return 1
        print(
            f"""
  The HER2 assistant is running.
  Chat in your browser:  http://{host}:{web_port}/
  REST webhook:          http://{host}:{rasa_port}/webhooks/rest/webhook

  Press Ctrl-C to stop.""",
            flush=True,
        )
        while not stack.exited():
            time.sleep(0.5)
        part, status = next(iter(stack.exited().items()))
        # Ctrl-C reaches the servers as well as this process, and they stop on it by
        # themselves; one that exited cleanly before the signal handler ran is that same
        # shutdown, not a crash.
        if status in CLEAN_EXITS:
            _stop(stack)
            return 0
        print(f"The {part} server exited (status {status}); see {log_dir}/.", file=sys.stderr)
        _stop(stack, quiet=True)
        return 1
    except Interrupted:
        _stop(stack)
        return 0


def _stop(stack: Stack, quiet: bool = False) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not quiet:
        print("\nStopping ...", flush=True)
    stack.stop()
    if not quiet:
        print("Stopped.", flush=True)


def shell(env=os.environ, stdin=None) -> int:
    os.chdir(ROOT)
    run_dir, log_dir = _dirs(env)
    stack = Stack(
        run_dir=run_dir / "shell",
        log_dir=log_dir,
        log_suffix="-shell",
        parts=("actions", "rasa"),
        rasa_port=int(env["SHELL_PORT"]) if env.get("SHELL_PORT") else None,
        action_port=(int(env["SHELL_ACTION_PORT"]) if env.get("SHELL_ACTION_PORT") else None),
        # The chat page's origin(s) as `make run` has them (the credentials).
        env={k: env[k] for k in ("CORS_ORIGIN",) if env.get(k)},
        web_port=int(env.get("WEB_PORT") or 8080),
        inherit_env=env,
    )
    Path("var").mkdir(exist_ok=True)
    interactive = (stdin or sys.stdin).isatty()
    try:
        try:
            stack.start(wait=False)
        except ConfigError as error:
            print(f"ERROR: {error}", file=sys.stderr)
            return 1
        if interactive:
            print(
                f"Starting the assistant for the terminal (logs in {stack.log_path('rasa')}) ...",
                flush=True,
            )
        try:
            stack.wait_ready(timeout=float(env.get("READY_TIMEOUT") or 240))
        except NotReady as error:
            print(
                f"{error}\nThe assistant did not start; see {stack.log_path('rasa')} and "
                f"{stack.log_path('actions')}.",
                file=sys.stderr,
            )
            return 1
        command: List[str] = [
            str(SERVER_PYTHON if SERVER_PYTHON.exists() else sys.executable),
            "-m",
            "channels.console",
            "--url",
            stack.url,
        ]
        if not interactive:
            command.append("--lines")
        # Ctrl-C is the console's (it ends the chat); the servers, in their own sessions,
        # are stopped here afterwards.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return subprocess.call(
                command,
                cwd=ROOT,
                env=stack.env,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        stack.stop()


def main(command: str, argv: Optional[List[str]] = None) -> int:
    if argv:
        print(
            f"`python -m ops {command}` takes no arguments; it reads its settings from the "
            f"environment (see ops/launch.py).",
            file=sys.stderr,
        )
        return 2
    return run() if command == "run" else shell()
