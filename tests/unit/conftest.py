"""The unit tier (``make test-unit``): no trained model, no servers, no network.

Every test here runs under a guard that fails it, naming the tier it belongs to, when it
- opens a trained model (a models/*.tar.gz, e.g. through Agent.load or
  tests/integration/lib.load_trained_agent): tests/integration;
- starts a server process (rasa, the action server, the chat page: python -m ops
  run/shell/rasa/actions/web, run_cluster.sh): tests/system;
- connects to anything but this machine (tests/conftest.py no_internet).
In-process stand-ins on the loopback interface (tests/unit/lib.serve_webhook, Sanic's ASGI
client) are fine.
"""
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.unit.lib import ROOT

MODELS = (ROOT / "models").resolve()
# Programs and scripts that start servers: what the system tier runs.
SERVER_COMMANDS = {"rasa", "rasa_sdk", "run_cluster.sh", "sanic_probe.py"}
# python -m ops <command> (ops/__main__.py) commands that start servers.
OPS_SERVER_COMMANDS = {"run", "shell", "rasa", "actions", "web"}


class NotAUnitTest(AssertionError):
    pass


def _is_model(name) -> bool:
    try:
        path = Path(name).resolve()
    except (TypeError, ValueError):
        return False
    return path.name.endswith(".tar.gz") and MODELS in path.parents


def _starts_a_server(args) -> bool:
    words = [args] if isinstance(args, (str, bytes)) else list(args)
    words = [w.decode() if isinstance(w, bytes) else str(w) for w in words]
    if len(words) == 1:
        words = words[0].split()
    names = {Path(w).name for w in words}
    return bool(names & SERVER_COMMANDS) or any(
        a == "-m" and b.split(".")[0] in SERVER_COMMANDS for a, b in zip(words, words[1:])) \
        or any(a == "-m" and b == "ops" and c in OPS_SERVER_COMMANDS
               for a, b, c in zip(words, words[1:], words[2:]))


@pytest.fixture(autouse=True)
def unit_tier(no_internet, keep_event_loop_policy, monkeypatch):
    real_tar_open = tarfile.TarFile.open.__func__  # tarfile.open and Rasa's TarSafe.open
    real_popen_init = subprocess.Popen.__init__

    def tar_open(cls, name=None, *args, **kwargs):
        if name is not None and _is_model(name):
            raise NotAUnitTest(f"a unit test must not load the trained model ({name}): "
                               "move the test to tests/integration")
        return real_tar_open(cls, name, *args, **kwargs)

    def popen_init(self, args, *rest, **kwargs):
        if _starts_a_server(args):
            raise NotAUnitTest(f"a unit test must not start servers ({args}): move the test "
                               "to tests/system")
        return real_popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "open", classmethod(tar_open))
    monkeypatch.setattr(tarfile, "open", tarfile.TarFile.open)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen_init)
    yield
