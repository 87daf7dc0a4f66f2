"""Helpers shared by the messaging-channel tests (see conftest.py)."""
import asyncio
import os
import secrets
import sys
from pathlib import Path
from typing import Dict

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # custom NLU components, channels/, scripts/
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from channels.messaging import TEMPLATE, required_variables  # noqa: E402

# The project's channels (channels/rest.py, socketio.py, ...) named in the credentials file.
SAFE_REST = "channels.rest.SafeRestInput"
SAFE_SOCKETIO = "channels.socketio.SafeSocketIOInput"
SAFE_TELEGRAM = "channels.telegram.SafeTelegramInput"
SAFE_SLACK = "channels.slack.SafeSlackInput"
SAFE_FACEBOOK = "channels.messenger.SafeFacebookInput"

# The variables that switch each channel on (the contract documented in the README).
CHANNEL_VARIABLES = {
    "telegram": {"TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL",
                 "TELEGRAM_SECRET_TOKEN"},
    "slack": {"SLACK_TOKEN", "SLACK_SIGNING_SECRET"},
    "facebook": {"FACEBOOK_VERIFY", "FACEBOOK_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"},
}
ALL_CHANNEL_VARIABLES = set().union(
    *(required_variables(section)
      for section in yaml.safe_load(TEMPLATE.read_text()).values()),
    *CHANNEL_VARIABLES.values(),
)


def fake_channel_env() -> Dict[str, str]:
    """Random, syntactically valid credentials for all three channels."""
    return {
        # aiogram validates the shape "<bot id>:<secret>".
        "TELEGRAM_TOKEN": f"{secrets.randbelow(10**9) + 1}:{secrets.token_urlsafe(24)}",
        "TELEGRAM_BOT_NAME": "her2_test_bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/webhooks/telegram/webhook",
        # SafeTelegramInput accepts 16-256 characters from A-Z, a-z, 0-9, "_", "-".
        "TELEGRAM_SECRET_TOKEN": secrets.token_urlsafe(32),
        "SLACK_TOKEN": f"xoxb-test-{secrets.token_hex(12)}",
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "FACEBOOK_VERIFY": secrets.token_urlsafe(16),
        "FACEBOOK_SECRET": secrets.token_hex(16),
        "FACEBOOK_PAGE_ACCESS_TOKEN": f"EAAtest{secrets.token_urlsafe(24)}",
    }


def build_input_channels(env: Dict[str, str], out_dir: Path, monkeypatch):
    """env -> .run/credentials.yml -> Rasa input channels, as scripts/run.sh does."""
    from rasa.core.run import create_http_input_channels
    from scripts.runtime_config import write_runtime_config

    for var in ALL_CHANNEL_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():  # Rasa substitutes ${VAR} from os.environ
        monkeypatch.setenv(var, value)
    write_runtime_config(out_dir, env=dict(os.environ))
    credentials_file = out_dir / "credentials.yml"
    return create_http_input_channels(None, str(credentials_file)), credentials_file


def in_fresh_thread(function, *args, **kwargs):
    """Runs ``function`` in a new thread, which has no event loop of its own.

    Rasa's Telegram channel (and SafeTelegramInput.get_output_channel) calls
    ``asyncio.run(set_webhook(...))`` while its blueprint is built. asyncio.run
    refuses to start when the calling thread already has a running loop, which is
    the case whenever pytest-asyncio (asyncio_mode = auto, pytest.ini) has a loop
    running when the app is built, e.g. when tests/channels runs in the same
    session as tests/security, tests/reliability or tests/actions. A worker thread
    never has a running loop, so the build works the same way in every session.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="channels-build") as pool:
        return pool.submit(function, *args, **kwargs).result()


def run_in_fresh_loop(coroutine):
    """Runs a coroutine to completion in a new event loop in a worker thread."""
    return in_fresh_thread(asyncio.run, coroutine)


def in_fresh_loop(test):
    """Decorator for the `async def` tests of this package: the test runs in its own
    event loop in a worker thread instead of pytest-asyncio's loop in the main thread.

    In a full `pytest tests` session the main thread may already have a running loop
    when these tests run: tests/browser keeps a Playwright sync-API browser open for
    the whole session, and the sync API keeps its event loop marked as running in the
    main thread. pytest-asyncio's loop then fails with "Cannot run the event loop while
    another loop is running", and asyncio.run with "asyncio.run() cannot be called from
    a running event loop". A fresh thread is unaffected by whatever ran before.
    """
    import functools

    if not asyncio.iscoroutinefunction(test):
        raise TypeError(f"{test.__name__} is not an async def test")

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return run_in_fresh_loop(test(*args, **kwargs))

    return wrapper


def input_channel(sanic_app, name: str):
    return next(c for c in sanic_app.ctx.input_channels if c.name() == name)


async def wait_for_background_tasks(channel, timeout: float = 60) -> None:
    """Slack answers in a background task; wait until the bot has replied."""
    tasks = list(getattr(channel, "_background_tasks", ()))
    if tasks:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout)


class RasaStandIn:
    """Stands in for the Rasa agent behind a channel: records the messages Rasa would get
    and answers "ok", fails (an exception), stays silent or hangs, as ``mode`` says. No
    tracker store, so no disclaimer (the trained-agent tests check that)."""

    ANSWER = "ok"

    def __init__(self):
        self.received = []
        self.mode = "ok"
        self.tracker_store = None
        self.lock_store = None

    async def handle_message(self, message):
        self.received.append(message)
        if self.mode == "fail":
            raise RuntimeError("action server unreachable")
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "ok":
            await message.output_channel.send_response(message.sender_id,
                                                       {"text": self.ANSWER})


def stand_in_app(channel, agent):
    """A Sanic app serving only ``channel``'s real blueprint, registered as `rasa run`
    registers it (under /webhooks/), with ``agent`` in place of Rasa's."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    Sanic.test_mode = True
    app = Sanic(f"her2_{channel.name()}_test")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    return app
