"""The system tier (``make test-system``): servers, the browser, channels over HTTP,
reliability, the cluster.

`stack` tests talk to the running stack: scripts/test.sh starts it on test ports and sets
RASA_URL (the Rasa server) and CHAT_URL (the chat page); they are skipped only when those
are unset. The other tests start their own servers on free ports (ops.stack.Stack,
stacklib.RunScript, the cluster's ops.cluster.Cluster) or serve the app on a
socket in-process. Helpers: tests/system/stacklib.py.
"""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def rasa_url() -> str:
    url = os.environ.get("RASA_URL")
    if not url:
        pytest.skip("RASA_URL is not set: run through `make test-system` (or `make test`), "
                    "which starts the stack")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def chat_url() -> str:
    url = os.environ.get("CHAT_URL")
    if not url:
        pytest.skip("CHAT_URL is not set: run through `make test-system` (or `make test`), "
                    "which starts the stack")
    return url if url.endswith("/") else url + "/"


@pytest.fixture(scope="session")
def chat_origin(chat_url) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(chat_url)
    return f"{parts.scheme}://{parts.netloc}"
