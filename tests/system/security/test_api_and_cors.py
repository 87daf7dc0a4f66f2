"""The HTTP API is off by default and needs a token or JWT when on; CORS and the
socket.io origin check only let the chat page's origin in; model-changing endpoints
are refused even with a valid token."""

import os
import secrets
import subprocess

import jwt
import pytest
import socketio

from ops import config as runtime_config
from ops.config import ConfigError, cors_origins, rasa_api_args
from ops.stack import MODEL, Stack
from tests.system.stacklib import (
    PYTHON,
    ROOT,
    SocketChat,
    free_port,
    get,
    threaded,
    websocket_connect_refused,
)

CHAT_ORIGIN = "http://localhost:8080"
FOREIGN = "http://evil.example"
MODEL_CHANGES = [
    ("put", "/model"),
    ("delete", "/model"),
    ("post", "/model/train"),
    ("post", "/model/test/intents"),
    ("post", "/model/test/stories"),
]


def build_app(tmp_path, enable_api=False, **api):
    """The app `rasa run` builds from the run's credentials (no model loaded)."""
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    Sanic.test_mode = True
    runtime_config.write_runtime_config(tmp_path, env={"WEB_PORT": "8080"})
    channels = create_http_input_channels(None, str(tmp_path / "credentials.yml"))
    return configure_app(
        input_channels=channels,
        enable_api=enable_api,
        cors=cors_origins({"WEB_PORT": "8080"}),
        **api,
    )


# ----------------------------------------------------------- the API switch
def test_api_off_unless_enabled():
    assert rasa_api_args({}) == []
    assert rasa_api_args({"RASA_ENABLE_API": "false", "RASA_API_TOKEN": "x" * 20}) == []


@pytest.mark.parametrize(
    "env",
    [
        {"RASA_ENABLE_API": "true"},
        {"RASA_ENABLE_API": "true", "RASA_API_TOKEN": ""},
        {"RASA_ENABLE_API": "true", "RASA_API_TOKEN": "short"},
        {"RASA_ENABLE_API": "yes", "RASA_API_TOKEN": "x" * 20},
    ],
)
def test_api_never_without_a_proper_token(env):
    with pytest.raises(ConfigError):
        rasa_api_args(env)


@pytest.mark.parametrize(
    "token, key",
    [
        ("t" * 24, "k" * 32),
        # secrets.token_urlsafe gives one starting with "-" one time in 64: it was read as an
        # option of its own and `rasa run` refused to start
        ("-" + "t" * 23, "-" + "k" * 31),
    ],
)
def test_api_flags_with_token_or_jwt_as_rasa_reads_them(token, key):
    from rasa.__main__ import create_argument_parser

    parser = create_argument_parser()
    args = rasa_api_args({"RASA_ENABLE_API": "true", "RASA_API_TOKEN": token})
    read = parser.parse_args(["run", *args])
    assert (read.enable_api, read.auth_token) == (True, token)
    args = rasa_api_args({"RASA_ENABLE_API": "TRUE", "RASA_JWT_SECRET": key})
    read = parser.parse_args(["run", *args])
    assert (read.enable_api, read.jwt_secret, read.jwt_method) == (True, key, "HS256")


def make_run_quickly(tmp_path, **env):
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RASA_ENABLE_API", "RASA_API_TOKEN", "RASA_JWT_SECRET", "CORS_ORIGIN")
    }
    full = {
        **base,
        **{k: str(v) for k, v in ports.items()},
        "RUN_DIR": str(tmp_path / "run"),
        "LOG_DIR": str(tmp_path / "logs"),
        "TRACKER_DB": str(tmp_path / "t.db"),
        **env,
    }
    done = subprocess.run(
        [str(PYTHON), "-m", "ops", "run"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    return done, ports


@pytest.mark.parametrize(
    "env, message",
    [
        ({"RASA_ENABLE_API": "true"}, "RASA_API_TOKEN"),
        ({"CORS_ORIGIN": "*"}, "CORS_ORIGIN"),
    ],
)
def test_make_run_refuses_unsafe_settings_before_starting_anything(tmp_path, env, message):
    done, ports = make_run_quickly(tmp_path, **env)
    assert done.returncode != 0
    assert message in done.stderr + done.stdout
    assert not (tmp_path / "logs" / "rasa.log").exists(), "a server was started"


def test_cors_origin_is_never_a_wildcard():
    assert cors_origins({"WEB_PORT": "8080"}) == [CHAT_ORIGIN]
    assert cors_origins({"HOST": "chat.example.org", "WEB_PORT": "443"}) == [
        "http://chat.example.org:443"
    ]
    assert cors_origins({"CORS_ORIGIN": "https://a.example https://b.example/"}) == [
        "https://a.example",
        "https://b.example",
    ]
    for bad in ("*", "https://*.example.org", "null", "evil.example"):
        with pytest.raises(ConfigError):
            cors_origins({"CORS_ORIGIN": bad})


def test_make_run_passes_api_flags_only_through_the_launcher(tmp_path):
    token = "t0ken-" * 5
    stack = Stack(tmp_path, api_token=token)
    command = stack.command("rasa")
    assert command[1:5] == ["-m", "ops", "rasa", "run"]  # ops/config.py adds the flags
    assert "--enable-api" not in command
    assert not any(part.startswith("--auth-token") for part in command)
    assert not any(token in part for part in command)
    assert stack.part_env("rasa")["RASA_API_TOKEN"] == token
    assert command[command.index("--model") + 1] == MODEL == "models/her2-assistant.tar.gz"
    assert "--remote-storage" not in command


# ------------------------------------------------------------ in-process API
@threaded
async def test_no_api_routes_without_enable_api(tmp_path):
    app = build_app(tmp_path)
    for path in ("/status", "/version/x", "/conversations/abc/tracker", "/domain"):
        _, response = await app.asgi_client.get(path)
        assert response.status == 404, path
    _, response = await app.asgi_client.post("/model/parse", json={"text": "hi"})
    assert response.status == 404
    for method, path in MODEL_CHANGES:
        _, response = await getattr(app.asgi_client, method)(path)
        assert response.status in (403, 404), (method, path)


@threaded
async def test_api_requires_the_token(tmp_path):
    token = secrets.token_urlsafe(24)
    app = build_app(tmp_path, enable_api=True, auth_token=token)
    for path in ("/status", "/domain", "/conversations/abc/tracker"):
        _, response = await app.asgi_client.get(path)
        assert response.status == 401, path
        _, response = await app.asgi_client.get(f"{path}?token=not-the-token")
        assert response.status == 401, path
        _, response = await app.asgi_client.get(f"{path}?token={token}")
        assert response.status not in (401, 403), path  # (409: no model in this test)
    _, response = await app.asgi_client.post("/model/parse", json={"text": "hi"})
    assert response.status == 401


@threaded
async def test_api_accepts_a_jwt(tmp_path):
    key = secrets.token_urlsafe(32)
    app = build_app(tmp_path, enable_api=True, jwt_secret=key, jwt_method="HS256")
    admin = jwt.encode({"user": {"username": "ops", "role": "admin"}}, key, algorithm="HS256")
    forged = jwt.encode(
        {"user": {"username": "ops", "role": "admin"}}, "wrong-key-" * 4, algorithm="HS256"
    )
    _, response = await app.asgi_client.get("/status")
    assert response.status == 401
    _, response = await app.asgi_client.get(
        "/status", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status == 401
    _, response = await app.asgi_client.get("/status", headers={"Authorization": f"Bearer {admin}"})
    assert response.status not in (401, 403)


@threaded
async def test_model_changes_are_refused_even_with_the_token(tmp_path):
    token = secrets.token_urlsafe(24)
    app = build_app(tmp_path, enable_api=True, auth_token=token)
    for method, path in MODEL_CHANGES:
        kwargs = {"json": {"model_file": "/srv/evil.tar.gz"}} if method != "delete" else {}
        _, response = await getattr(app.asgi_client, method)(
            f"{path}?token={token}&model=/srv/evil.tar.gz", **kwargs
        )
        assert response.status == 403, (method, path, response.text)


# ------------------------------------------------------------------- CORS
@threaded
async def test_cors_preflight_only_for_the_chat_page(tmp_path):
    app = build_app(tmp_path)
    headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    _, allowed = await app.asgi_client.options(
        "/webhooks/rest/webhook", headers={"Origin": CHAT_ORIGIN, **headers}
    )
    assert allowed.headers.get("access-control-allow-origin") == CHAT_ORIGIN
    _, foreign = await app.asgi_client.options(
        "/webhooks/rest/webhook", headers={"Origin": FOREIGN, **headers}
    )
    assert foreign.headers.get("access-control-allow-origin") in (None, "")
    _, post = await app.asgi_client.post(
        "/webhooks/rest/webhook", headers={"Origin": FOREIGN}, json={"sender": "a", "message": ""}
    )
    assert post.headers.get("access-control-allow-origin") in (None, "")


@pytest.mark.stack
def test_stack_cors_preflight(rasa_url, chat_origin):
    headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    _, allowed, _ = get(
        f"{rasa_url}/webhooks/rest/webhook",
        method="OPTIONS",
        headers={"Origin": chat_origin, **headers},
    )
    assert allowed.get("Access-Control-Allow-Origin") == chat_origin
    _, foreign, _ = get(
        f"{rasa_url}/webhooks/rest/webhook",
        method="OPTIONS",
        headers={"Origin": FOREIGN, **headers},
    )
    assert foreign.get("Access-Control-Allow-Origin") in (None, "")
    assert allowed.get("Access-Control-Allow-Origin") != "*"


@pytest.mark.stack
def test_stack_api_is_off(rasa_url):
    for path in ("/status", "/domain", "/conversations/abc/tracker"):
        assert get(rasa_url + path)[0] == 404, path


@pytest.mark.stack
@threaded
async def test_stack_socketio_only_from_the_chat_page(rasa_url, chat_origin):
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        assert chat.session_id
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with SocketChat(rasa_url, origin=FOREIGN, wait_timeout=5):
            pass
    assert await websocket_connect_refused(rasa_url, FOREIGN)
    assert not await websocket_connect_refused(rasa_url, chat_origin)
