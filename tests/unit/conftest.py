"""The unit tier (``make test-unit``): in process, no trained model, no servers, no network.

Every test here runs under a guard that fails it, naming the tier it belongs to, when it
- opens a trained model (a models/*.tar.gz, e.g. through Agent.load or
  tests/integration/lib.load_trained_agent): tests/integration;
- starts a server or any other program (rasa, the action server, scripts/run.sh, a CLI run
  as a process...; git and uname aside): tests/system;
- connects to anything but this machine (tests/conftest.py no_internet).
In-process stand-ins on the loopback interface (tests/unit/lib.serve_webhook, Sanic's ASGI
client) are fine.
"""

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.unit.lib import ROOT

MODELS = (ROOT / "models").resolve()
# Programs a unit test may run: git, asked where the sources are and what is tracked, and
# uname, which the standard library's platform.processor() asks (HTTP clients' user agents).
ALLOWED_PROGRAMS = {"git", "uname"}


class NotAUnitTest(AssertionError):
    pass


def _is_model(name) -> bool:
    try:
        path = Path(name).resolve()
    except (TypeError, ValueError):
        return False
    return path.name.endswith(".tar.gz") and MODELS in path.parents


def _program(args) -> str:
    """The name of the program a Popen command line starts."""
    if isinstance(args, (str, bytes)):
        args = os.fsdecode(args).split()
    first = next(iter(args), "")
    return Path(os.fsdecode(first)).name


@pytest.fixture(autouse=True)
def unit_tier(no_internet, keep_event_loop_policy, monkeypatch):
    real_tar_open = tarfile.TarFile.open.__func__  # tarfile.open and Rasa's TarSafe.open
    real_popen_init = subprocess.Popen.__init__

    def tar_open(cls, name=None, *args, **kwargs):
        if name is not None and _is_model(name):
            raise NotAUnitTest(
                f"a unit test must not load the trained model ({name}): "
                "move the test to tests/integration"
            )
        return real_tar_open(cls, name, *args, **kwargs)

    def popen_init(self, args, *rest, **kwargs):
        if _program(args) not in ALLOWED_PROGRAMS:
            raise NotAUnitTest(
                f"a unit test runs in process, it must not start servers or "
                f"other programs ({args}): move the test to tests/system"
            )
        return real_popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "open", classmethod(tar_open))
    monkeypatch.setattr(tarfile, "open", tarfile.TarFile.open)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen_init)
    yield
