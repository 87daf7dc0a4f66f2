"""Restart and shutdown: `make run` (python -m ops run) on free ports, stopped with
Ctrl-C in the middle of a conversation and started again.

- Ctrl-C (SIGINT to the process group, as a terminal sends it) stops all three
  servers cleanly; the SQLite tracker store passes an integrity check.
- After the restart the conversation continues from the tracker store: the slots
  and the active form (it was waiting for the FISH result) survive.
- "delete my data" really deletes the stored history; the operator command
  (scripts/delete_conversation.py, `make forget`) deletes a whole conversation.
- The second start has RASA_ENABLE_API=true: the API then needs the token, the
  token is on no command line, and model-changing endpoints are refused.
- SIGTERM (how a service manager stops it) is clean too.
- The logs of all of this contain no message text or results.
Two model loads: about 1-2 minutes.
"""

import json
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from ops.stack import listening
from tests.system.stacklib import (
    PYTHON,
    ROOT,
    RunScript,
    get,
    sqlite_integrity,
    stored_events,
    texts,
)

ASK_FISH = "What did the FISH/ISH result say"
RESTART_REPLY = "I've cleared our conversation"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    script = RunScript(tmp_path_factory.mktemp("restart"))
    try:
        yield script
    finally:
        script.close()


def test_ctrl_c_restart_continues_the_conversation(run):
    token = secrets.token_urlsafe(24)
    me, forgetful, removed = (f"restart-{uuid.uuid4()}" for _ in range(3))

    run.start()
    assert get(run.url + "/status")[0] == 404, "the HTTP API must be off by default"
    reply = texts(run.say(me, "My IHC was 2+ and I'm ER positive"))
    assert any(ASK_FISH in t for t in reply), reply
    run.say(forgetful, "My IHC was 3+")
    run.say(removed, "My IHC was 1+")

    # Ctrl-C: everything stops, cleanly and quickly.
    servers = run.processes()
    assert any("-m ops actions" in c for c in servers.values())
    assert any("-m ops rasa run" in c for c in servers.values())
    assert any("-m ops web" in c for c in servers.values())
    # The actions run without TensorFlow (ops/action_server.py); Rasa needs it.
    mapped = {
        name: Path(f"/proc/{run.pid_of(name)}/maps").read_text()
        for name in ("-m ops actions", "-m ops rasa")
    }
    assert "libtensorflow" not in mapped["-m ops actions"]
    assert "libtensorflow" in mapped["-m ops rasa"]
    started = time.monotonic()
    assert run.interrupt(signal.SIGINT) == 0, run.output.read_text()
    assert time.monotonic() - started < 60  # TensorFlow teardown is slow on a busy machine
    assert "Stopped." in run.output.read_text()
    assert run.processes() == {}
    assert not any(listening(p) for p in (run.rasa_port, run.action_port, run.web_port))
    assert sqlite_integrity(run.db) == "ok"

    # Start again, this time with the HTTP API on (it needs the token).
    run.start(RASA_ENABLE_API="true", RASA_API_TOKEN=token)
    reply = texts(run.say(me, "The FISH was not amplified"))
    assert "You told me: IHC 2+, FISH negative, ER-positive." in reply or any(
        t.startswith("You told me: IHC 2+, FISH negative") for t in reply
    ), reply
    assert any(t.startswith("Result: HER2-low") for t in reply), reply

    # The API: token required; the token is on no command line; models stay as started.
    assert get(run.url + "/status")[0] == 401
    assert get(run.url + "/status?token=wrong-token-123456")[0] == 401
    assert get(run.url + f"/status?token={token}")[0] == 200
    for method, path in (("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train")):
        assert get(run.url + f"{path}?token={token}", method=method)[0] == 403, path
    for pid, cmdline in run.processes().items():
        assert token not in cmdline, f"the API token is visible in the command line of {pid}"

    # "delete my data": reset, and the history before it is gone from the store.
    reply = texts(run.say(forgetful, "delete my data"))
    assert not any(RESTART_REPLY in t for t in reply), reply  # asked to confirm first
    reply = texts(run.say(forgetful, "/restart"))  # the confirm button's payload
    assert any(RESTART_REPLY in t for t in reply), reply
    kept = stored_events(run.db, forgetful)
    assert kept and kept[0][0] == "restart", [t for t, _ in kept]
    assert not any("IHC" in data for _, data in kept)
    reply = texts(run.say(forgetful, "what treatments are used for that?"))
    assert any("If you tell me your HER2 test results" in t for t in reply), reply

    # The operator command deletes one whole conversation, the others stay.
    assert stored_events(run.db, removed)
    env = {**run.env, "TRACKER_DB": str(run.db)}
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "forget", f"SENDER={removed}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Deleted" in done.stdout
    assert stored_events(run.db, removed) == []
    assert stored_events(run.db, me)
    again = subprocess.run(
        [str(PYTHON), "scripts/delete_conversation.py", removed],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1

    # SIGTERM (a service manager stopping it) is clean too.
    assert run.interrupt(signal.SIGTERM) == 0
    assert run.processes() == {}
    assert sqlite_integrity(run.db) == "ok"

    # Nothing users typed, and none of their results, is in the logs.
    logs = run.logs()
    assert "Rasa server is up and running" in logs
    for secret in (
        "My IHC was",
        "FISH was not amplified",
        "ER positive",
        "delete my data",
        "treatments are used",
        "HER2-low",
        "HER2-positive",
        "You told me",
        token,
    ):
        assert secret not in logs, f"{secret!r} found in the logs"
    events = [json.loads(d) for _, d in stored_events(run.db, me)]
    assert any(e.get("event") == "user" for e in events)
