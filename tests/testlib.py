"""Helpers shared by tests in several folders: the trained model, and a stand-in webhook."""
from pathlib import Path
from typing import Awaitable, Callable, Tuple

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "models" / "her2-assistant.tar.gz"


def load_trained_agent():
    """The trained assistant (``make train``), loaded afresh (~5-10 s)."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH.relative_to(ROOT)} not found: run `make train` first")
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL_PATH))


async def serve_webhook(
        handler: Callable[[web.Request], Awaitable[web.Response]]) -> Tuple[web.AppRunner, str]:
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
