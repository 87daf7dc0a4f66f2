"""Fixtures shared by tests in several folders."""
import pytest
from sanic import Sanic


@pytest.fixture
def registered_listeners(monkeypatch):
    """Every (listener, event) registered on a Sanic app during the test; registration
    itself still happens."""
    registered = []
    register = Sanic.register_listener

    def recording(app, listener, event):
        registered.append((listener, event))
        return register(app, listener, event)

    monkeypatch.setattr(Sanic, "register_listener", recording)
    return registered
