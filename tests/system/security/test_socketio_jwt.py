"""socket.io JWT authentication (SOCKETIO_JWT_KEY), against a real server socket.

The app is built from the run's credentials (ops/config.py adds
`jwt_key: ${SOCKETIO_JWT_KEY}`; Rasa reads the key from the environment) and served
on a free port; the clients are a raw websocket handshake and python-socketio's
client. No model is loaded: the test is about who may connect.
"""

import secrets

import jwt
import pytest
import socketio
import yaml

from ops.config import write_runtime_config
from tests.system.stacklib import SocketChat, free_port, threaded, websocket_connect_refused


@pytest.fixture
def jwt_app(tmp_path, monkeypatch):
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    Sanic.test_mode = True
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("SOCKETIO_JWT_KEY", key)
    write_runtime_config(tmp_path, env={"WEB_PORT": "8080", "SOCKETIO_JWT_KEY": key})
    written = (tmp_path / "credentials.yml").read_text()
    assert key not in written and "${SOCKETIO_JWT_KEY}" in written
    channels = create_http_input_channels(None, str(tmp_path / "credentials.yml"))
    app = configure_app(input_channels=channels, enable_api=False, cors=["http://localhost:8080"])
    return app, key


@threaded
async def test_connection_needs_a_valid_token(jwt_app):
    app, key = jwt_app
    port = free_port()
    running = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await running.startup()
    url = f"http://127.0.0.1:{port}"
    try:
        token = jwt.encode({"sub": "patient-portal-user"}, key, algorithm="HS256")
        for bad in (
            None,
            {},
            {"token": ""},
            {"token": "not-a-jwt"},
            {"token": jwt.encode({"sub": "x"}, "some-other-key-" * 3, algorithm="HS256")},
            {"token": jwt.encode({"sub": "x"}, key, algorithm="HS512")},
        ):
            assert await websocket_connect_refused(url, None, auth=bad), bad
        assert not await websocket_connect_refused(url, None, auth={"token": token})
        with pytest.raises(socketio.exceptions.ConnectionError):  # the polling transport too
            async with SocketChat(url, wait_timeout=3):
                pass
        async with SocketChat(url, auth={"token": token}) as chat:
            assert chat.session_id
    finally:
        running.close()
        await running.wait_closed()


def test_no_jwt_key_no_jwt(tmp_path):
    write_runtime_config(tmp_path, env={"WEB_PORT": "8080"})
    credentials = yaml.safe_load((tmp_path / "credentials.yml").read_text())
    socketio = credentials["channels.socketio.SafeSocketIOInput"]
    assert "jwt_key" not in socketio
    assert socketio["allowed_origins"] == ["http://localhost:8080"]
