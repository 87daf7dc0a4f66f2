"""Secrets: every messaging channel needs its signing secret, the Telegram webhook
needs its secret token, none are in the repository; the Rasa pin has the
CVE-2024-49375 fix; models are only loaded from models/."""

import re
import subprocess
from types import SimpleNamespace
from unittest.mock import AsyncMock, patch

import pytest
import yaml

from channels.messaging import credentials_sections, enabled_channels
from ops import config as runtime_config
from tests.unit.lib import ROOT, in_fresh_loop, in_fresh_thread

TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": "123456789:AAtest-not-a-real-token-0123456789abc",
    "TELEGRAM_BOT_NAME": "her2_test_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": "test-secret-token-0123456789abcdef",
}
SIGNING_SECRETS = {
    "telegram": "TELEGRAM_SECRET_TOKEN",
    "slack": "SLACK_SIGNING_SECRET",
    "facebook": "FACEBOOK_SECRET",
}
FULL_ENV = {
    **TELEGRAM_ENV,
    "SLACK_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "s" * 32,
    "FACEBOOK_VERIFY": "v" * 16,
    "FACEBOOK_SECRET": "f" * 32,
    "FACEBOOK_PAGE_ACCESS_TOKEN": "p" * 32,
}


# ------------------------------------------------------ channel secrets required
@pytest.mark.parametrize("channel, secret", sorted(SIGNING_SECRETS.items()))
def test_channel_is_off_without_its_secret(channel, secret):
    assert channel in enabled_channels(FULL_ENV)
    for missing in ({k: v for k, v in FULL_ENV.items() if k != secret}, {**FULL_ENV, secret: ""}):
        assert channel not in enabled_channels(missing)


def test_telegram_uses_the_hardened_channel():
    sections = credentials_sections(TELEGRAM_ENV)
    assert list(sections) == ["channels.telegram.SafeTelegramInput"]
    assert (
        sections["channels.telegram.SafeTelegramInput"]["secret_token"]
        == "${TELEGRAM_SECRET_TOKEN}"
    )


@pytest.mark.parametrize("secret", [None, "", "short", "has spaces in it 1234567", "x" * 257])
def test_telegram_channel_refuses_a_missing_or_weak_secret(secret):
    from rasa.shared.exceptions import RasaException

    from channels.telegram import SafeTelegramInput

    with pytest.raises(RasaException):
        SafeTelegramInput(
            "1:abc", "bot", "https://x.example/webhooks/telegram/webhook", secret_token=secret
        )


class StandIn:
    def __init__(self):
        self.received = []
        self.tracker_store = self.lock_store = None

    async def handle_message(self, message):
        self.received.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})


@pytest.fixture
def telegram(tmp_path, monkeypatch):
    """The app with the Telegram channel, every Telegram API call mocked."""
    from aiogram import Bot
    from rasa.core.channels.telegram import TelegramOutput
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    Sanic.test_mode = True
    for name, value in TELEGRAM_ENV.items():
        monkeypatch.setenv(name, value)
    runtime_config.write_runtime_config(tmp_path, env={**TELEGRAM_ENV, "WEB_PORT": "8080"})
    assert TELEGRAM_ENV["TELEGRAM_SECRET_TOKEN"] not in (tmp_path / "credentials.yml").read_text()
    bot = SimpleNamespace(id=1, is_bot=True, username=TELEGRAM_ENV["TELEGRAM_BOT_NAME"])
    with (
        patch.object(Bot, "request", new_callable=AsyncMock, return_value=True) as api_request,
        patch.object(TelegramOutput, "get_me", new_callable=AsyncMock, return_value=bot),
        patch.object(TelegramOutput, "send_message", new_callable=AsyncMock) as send,
    ):

        def build():
            channels = create_http_input_channels(None, str(tmp_path / "credentials.yml"))
            return configure_app(input_channels=channels, enable_api=False)

        # (in a worker thread: Rasa's Telegram channel calls asyncio.run while it starts)
        app = in_fresh_thread(build)
        app.ctx.agent = StandIn()
        yield SimpleNamespace(app=app, api_request=api_request, send=send)


def update(text):
    chat = {"id": 4242, "first_name": "Test", "type": "private"}
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": chat,
            "from": {"id": 4242, "is_bot": False, "first_name": "Test"},
            "text": text,
        },
    }


def test_telegram_webhook_registered_with_the_secret(telegram):
    calls = [c.args for c in telegram.api_request.await_args_list]
    assert (
        "setWebhook",
        {
            "url": TELEGRAM_ENV["TELEGRAM_WEBHOOK_URL"],
            "secret_token": TELEGRAM_ENV["TELEGRAM_SECRET_TOKEN"],
        },
    ) in [
        (method, {k: v for k, v in (data or {}).items() if v is not None})
        for method, data, *_ in calls
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"X-Telegram-Bot-Api-Secret-Token": ""}],
)
@in_fresh_loop
async def test_telegram_update_without_the_secret_is_refused(telegram, headers):
    for path in ("/webhooks/telegram/webhook", "/webhooks/telegram/set_webhook"):
        _, response = await telegram.app.asgi_client.post(path, json=update("hi"), headers=headers)
        assert response.status == 403, path
    assert telegram.app.ctx.agent.received == []
    telegram.send.assert_not_awaited()


@in_fresh_loop
async def test_telegram_update_with_the_secret_is_answered(telegram):
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_ENV["TELEGRAM_SECRET_TOKEN"]}
    for text, reaches in (
        ("what is HER2?", "what is HER2?"),
        ("/start", "/greet"),
        ('/inform{"ihc_score": "3+"}', 'inform{"ihc_score": "3+"}'),
    ):
        _, response = await telegram.app.asgi_client.post(
            "/webhooks/telegram/webhook", json=update(text), headers=headers
        )
        assert response.status == 200 and response.text == "success"
        assert telegram.app.ctx.agent.received[-1] == reaches
    _, health = await telegram.app.asgi_client.get("/webhooks/telegram/")
    assert health.status == 200


# ----------------------------------------------------------- the repository
SECRET_PATTERNS = {
    "Slack token": re.compile(r"xox[abprs]-[0-9A-Za-z]{10,}-[0-9A-Za-z-]{10,}"),
    "Telegram bot token": re.compile(r"\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b"),
    "Facebook token": re.compile(r"\bEAA[0-9A-Za-z]{30,}"),
    "private key": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "secret assignment": re.compile(
        r"(?i)\b(token|secret|password|passwd|api_key)\b\s*[:=]\s*['\"]?(?!\$\{)"
        r"[A-Za-z0-9/+_-]{24,}"
    ),
}


def tracked_files():
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    untracked = subprocess.run(
        ["git", "ls-files", "-z", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed + untracked):
        path = ROOT / name.decode()
        if (
            path.is_file()
            and path.suffix not in (".png", ".gz", ".ico")
            and path.name != "package-lock.json"
        ):
            yield path


def test_no_secrets_in_the_repository():
    found = []
    for path in tracked_files():
        text = path.read_text(errors="ignore")
        for name, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {name}: {match.group(0)[:12]}...")
    assert found == []
    for name in (".env", "credentials.local.yml"):
        assert (
            not list(ROOT.glob(name))
            or name
            not in subprocess.run(
                ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
            ).stdout
        )


def test_credentials_files_name_variables_only():
    for path in (ROOT / "credentials.yml", ROOT / "channels" / "messaging.yml"):
        for section in (yaml.load(path.read_text(), Loader=yaml.BaseLoader) or {}).values():
            for key, value in (section or {}).items():
                if re.search(r"token|secret|verify|key", key):
                    assert re.fullmatch(r"\$\{[A-Z0-9_]+\}", value), (path.name, key)


# ------------------------------------------------------------ pins and models
def test_rasa_pin_has_the_cve_2024_49375_fix():
    import rasa
    from packaging.version import Version

    for name in ("requirements.txt", "requirements-lock.txt"):
        pins = re.findall(r"^rasa==([0-9.]+)", (ROOT / name).read_text(), re.M)
        assert pins and all(Version(v) >= Version("3.6.21") for v in pins), name
    assert Version(rasa.__version__) >= Version("3.6.21")


def test_models_only_from_the_models_directory(tmp_path, monkeypatch):
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert "models" not in endpoints  # no model server
    assert "models" not in runtime_config.runtime_endpoints({})
    (tmp_path / "endpoints.yml").write_text(
        yaml.safe_dump({**endpoints, "models": {"url": "http://models.example/model.tar.gz"}})
    )
    monkeypatch.setattr(runtime_config, "ROOT", tmp_path)
    with pytest.raises(runtime_config.ConfigError):
        runtime_config.runtime_endpoints({})
    from ops.stack import Stack

    command = Stack(tmp_path).command("rasa")
    assert command[command.index("--model") + 1] == "models/her2-assistant.tar.gz"
    assert "--remote-storage" not in command
