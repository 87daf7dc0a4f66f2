"""The integration tier: the trained model in process (``make test-rasa``).

No servers and no network (tests/conftest.py no_internet); the model is loaded through
tests/integration/lib.load_trained_agent, once per session for the `agent` fixture.
"""

import pytest

from tests.integration.lib import load_trained_agent


@pytest.fixture(autouse=True)
def integration_tier(no_internet, keep_event_loop_policy):
    yield


@pytest.fixture(scope="session")
def agent():
    """The trained assistant, loaded once per test session. In-memory tracker store, no
    action server: the tests use messages whose replies are plain responses from domain.yml."""
    return load_trained_agent()
