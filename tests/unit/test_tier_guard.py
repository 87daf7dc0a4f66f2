"""The unit tier's guard (tests/unit/conftest.py) refuses what belongs to another tier, with a
message that names it."""

import socket
import subprocess
import sys
import tarfile

import pytest

from tests.integration.lib import MODEL_PATH
from tests.unit.conftest import NotAUnitTest


def test_opening_the_trained_model_is_refused():
    with pytest.raises(NotAUnitTest, match="move the test to tests/integration"):
        tarfile.open(MODEL_PATH)  # refused before the file is looked at
    with pytest.raises(NotAUnitTest, match="trained model"):
        tarfile.TarFile.open(str(MODEL_PATH), "r:gz")  # the way Rasa's TarSafe opens it


@pytest.mark.parametrize(
    "command",
    [
        [".venv/bin/rasa", "run"],
        [sys.executable, "-m", "rasa_sdk"],
        ["scripts/run.sh"],
        "scripts/run_cluster.sh --replicas 2",
        [sys.executable, "-m", "her2", "IHC 2+"],
    ],
)
def test_starting_a_server_or_another_program_is_refused(command):
    with pytest.raises(NotAUnitTest, match="move the test to tests/system"):
        subprocess.Popen(command)


def test_git_and_other_archives_are_allowed(tmp_path):
    done = subprocess.run(["git", "--version"], capture_output=True, text=True)
    assert done.stdout.startswith("git version")
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz"):
        pass
    with tarfile.open(archive) as opened:
        assert opened.getnames() == []


def test_the_network_beyond_this_machine_is_refused():
    with pytest.raises(ConnectionRefusedError, match="must not use the network"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routed
