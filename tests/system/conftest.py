"""The system tier (``make test-system``): servers, the browser, channels over HTTP,
reliability, the cluster.

`stack` tests talk to the running stack (the `stack` fixture): the one scripts/test.sh
starts on test ports (RASA_URL, the Rasa server; CHAT_URL, the chat page), else one this
conftest starts for the session. The other tests start their own servers on free ports
(ops.stack.Stack, stacklib.RunScript, the cluster's ops.cluster.Cluster) or serve the app on a
socket in-process. Helpers: tests/system/stacklib.py.
"""

import os
from typing import Tuple

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Tuple[str, str]:
    """(Rasa server URL, chat page URL) of the running stack: the one scripts/test.sh
    started (RASA_URL and CHAT_URL set), else one started here on free ports for this
    session (`make test-system`, or `pytest tests/system/...` on its own), stopped after the
    last test. Only tests that talk to the stack start it."""
    rasa, chat = os.environ.get("RASA_URL"), os.environ.get("CHAT_URL")
    if rasa and chat:
        yield rasa.rstrip("/"), chat if chat.endswith("/") else chat + "/"
        return
    from tests.system.stacklib import RunScript

    run = RunScript(tmp_path_factory.mktemp("stack"))
    try:
        run.start()
    except RuntimeError as error:
        run.close()
        pytest.fail(f"the stack did not start: {error}", pytrace=False)
    environment = pytest.MonkeyPatch()
    environment.setenv("TRACKER_DB", str(run.db))  # its tracker store, as scripts/test.sh has it
    try:
        yield run.url, f"http://localhost:{run.web_port}/"
    finally:
        environment.undo()
        run.close()


@pytest.fixture(scope="session")
def rasa_url(stack) -> str:
    return stack[0]


@pytest.fixture(scope="session")
def chat_url(stack) -> str:
    return stack[1]


@pytest.fixture(scope="session")
def chat_origin(chat_url) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(chat_url)
    return f"{parts.scheme}://{parts.netloc}"
