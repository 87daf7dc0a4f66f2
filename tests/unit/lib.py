"""Helpers of the unit tier (tests/unit: no trained model, no servers). The tiers above
use them too (tests/integration/lib.py adds the trained model, tests/system/stacklib.py
the running stack).

- the source articles beside the checkout (source_texts);
- real report lines (TWO_TUMOURS);
- action-server Trackers as the Rasa server sends them (make_tracker);
- the project's channels built as `rasa run` builds them (build_input_channels,
  channels_app), a stand-in agent (RasaStandIn) and a stand-in webhook (serve_webhook);
- running async code where pytest-asyncio's loop cannot be used (in_fresh_loop);
- the project's own Python files, without the virtualenvs and caches (project_python_files);
- the test data files, parsed once per session with libyaml (read_yaml).
"""

import asyncio
import copy
import functools
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import pytest
import yaml
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from channels.messaging import TEMPLATE, required_variables  # noqa: E402


@functools.lru_cache(maxsize=None)
def _parsed_yaml(path: Path) -> Any:
    return yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)


def read_yaml(relative: str) -> Any:
    """A YAML file of the checkout (ROOT / relative), parsed once per test session (libyaml:
    the real-report and real-question tables are read by several test files); each caller gets
    its own copy, so a test that changes what it read changes nothing for the others."""
    return copy.deepcopy(_parsed_yaml(ROOT / relative))


def project_python_files() -> List[Path]:
    """The project's Python files: tracked, or new and not git-ignored (so that a file not yet
    committed is checked too), never the virtualenvs, node_modules or results."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in sorted(set(listed)) if (ROOT / name).is_file()]


# The project's channels (channels/rest.py, socketio.py, ...) named in the credentials file.
SAFE_REST = "channels.rest.SafeRestInput"
SAFE_SOCKETIO = "channels.socketio.SafeSocketIOInput"
SAFE_TELEGRAM = "channels.telegram.SafeTelegramInput"
SAFE_SLACK = "channels.slack.SafeSlackInput"
SAFE_FACEBOOK = "channels.messenger.SafeFacebookInput"

# The variables that switch each channel on (the contract documented in the README).
CHANNEL_VARIABLES = {
    "telegram": {
        "TELEGRAM_TOKEN",
        "TELEGRAM_BOT_NAME",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_SECRET_TOKEN",
    },
    "slack": {"SLACK_TOKEN", "SLACK_SIGNING_SECRET"},
    "facebook": {"FACEBOOK_VERIFY", "FACEBOOK_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"},
}
ALL_CHANNEL_VARIABLES = set().union(
    *(required_variables(section) for section in yaml.safe_load(TEMPLATE.read_text()).values()),
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
    """env -> .run/credentials.yml -> Rasa input channels, as `make run` does."""
    from rasa.core.run import create_http_input_channels

    from ops.config import write_runtime_config

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
    running when the app is built, e.g. when the channel tests run in the same
    session as the security, reliability or action tests. A worker thread never has a
    running loop, so the build works the same way in every session.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="channels-build") as pool:
        return pool.submit(function, *args, **kwargs).result()


def run_in_fresh_loop(coroutine):
    """Runs a coroutine to completion in a new event loop in a worker thread."""
    return in_fresh_thread(asyncio.run, coroutine)


def in_fresh_loop(test):
    """Decorator for an `async def` test: the test runs in its own
    event loop in a worker thread instead of pytest-asyncio's loop in the main thread.

    In a full `pytest tests` session the main thread may already have a running loop
    when these tests run: tests/system/browser keeps a Playwright sync-API browser open for
    the whole session, and the sync API keeps its event loop marked as running in the
    main thread. pytest-asyncio's loop then fails with "Cannot run the event loop while
    another loop is running", and asyncio.run with "asyncio.run() cannot be called from
    a running event loop". A fresh thread is unaffected by whatever ran before.
    """
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
            await message.output_channel.send_response(message.sender_id, {"text": self.ANSWER})


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


async def serve_webhook(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> Tuple[web.AppRunner, str]:
    """An aiohttp server on a free loopback port answering POST /webhook with ``handler``;
    returns its runner (to clean up) and the webhook's URL."""
    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook"


@functools.lru_cache(maxsize=None)  # asked by hundreds of tests; git answers once
def source_articles_dir() -> Optional[Path]:
    """The source articles (../shared/sources beside the repository, README.md "Adding
    content"): $HER2_SOURCES_DIR if set, else beside this checkout, else beside the local
    repository this checkout was cloned from (a CI clone made elsewhere on the machine)."""
    candidates = [os.environ.get("HER2_SOURCES_DIR"), ROOT.parent / "shared" / "sources"]
    try:
        origin = subprocess.run(
            ["git", "-C", str(ROOT), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and "://" not in origin and ":" not in origin.split("/")[0]:
        candidates.append(Path(origin).resolve().parent / "shared" / "sources")
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("*.txt")):
            return Path(candidate)
    return None


def source_texts() -> Dict[str, str]:
    """The two source articles' text by source key (knowledge/drugs.yml ``sources``);
    skips the test when they are not beside the checkout."""
    folder = source_articles_dir()
    if folder is None:
        pytest.skip("the source articles were not found; set HER2_SOURCES_DIR")
    return {key: (folder / name).read_text("utf-8") for key, name in SOURCE_FILES.items()}


# The source articles' files (../shared/sources/README.md), by source key.
SOURCE_FILES = {"everyday_health": "000_244b1925f8247cf7.txt", "bcrf": "002_ce0fc5f13c5e33eb.txt"}


# Real report lines (TCGA-BH-A18H, ../shared/her2-reports): a bilateral cancer, the synoptic
# HER2, ER and PR lines of each breast under its part's heading. From the report's words and the
# ASCO/CAP table: right breast IHC 2+, FISH not amplified -> HER2-low; left breast IHC 1+ ->
# HER2-low.
TWO_TUMOURS = """PART 1: BREAST, RIGHTAT 9 O'CLOCK, SEGMENTAL MASTECTOMY
ESTROGEN RECEPTORS: positive, H-score: 230.
PROGESTERONE RECEPTORS: positive, H-score: 180.
HER2/NEU: 2+.
HER2/NEU (FISH): Not amplified.
PART 3: BREAST, LEFT. AT 12 O'CLOCK, SEGMENTAL MASTECTOMY
ESTROGEN RECEPTORS: positive, H-score: 300.
PROGESTERONE RECEPTORS: positive, H-score: 235.
HER2/NEU: 1+."""


def channels_app(agent, config_dir: Path, monkeypatch):
    """The Rasa server's Sanic app with the project's channels (as `make run` configures
    them, for a page on port 8080) and ``agent`` in place of a trained model: no server, no
    model; requests go through ``sanic_app.asgi_client``."""
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    from ops.config import write_runtime_config

    Sanic.test_mode = True
    monkeypatch.delenv("SOCKETIO_JWT_KEY", raising=False)
    write_runtime_config(config_dir, env={"WEB_PORT": "8080"})
    channels = create_http_input_channels(None, str(config_dir / "credentials.yml"))
    sanic_app = configure_app(
        input_channels=channels, enable_api=False, cors="http://localhost:8080"
    )
    sanic_app.ctx.agent = agent
    return sanic_app


# Action-server trackers, as the Rasa server sends them (tests/unit/actions).
DOMAIN: Dict[str, Any] = {}


def make_tracker(
    text: str = "",
    intent: str = "inform_results",
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict]] = None,
    active_loop: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    slots = {
        "her2_findings": None,
        "ihc_score": None,
        "ish_result": None,
        "her2_category": None,
        "drug": None,
        "requested_slot": None,
        **(slots or {}),
    }
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    events = list(events or []) + [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(
        "test-user",
        slots,
        latest,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def slot_sets(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
