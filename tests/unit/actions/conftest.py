"""The action tests' dispatcher (Trackers: tests/unit/lib.make_tracker)."""

import pytest
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
