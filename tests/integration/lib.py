"""Helpers shared by tests in several folders: the trained model, a stand-in webhook, and
the source articles."""
import os
import subprocess
from pathlib import Path
from typing import Awaitable, Callable, Dict, Optional, Tuple

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "models" / "her2-assistant.tar.gz"


def load_trained_agent():
    """The trained assistant (``make train``), loaded afresh (~5-10 s)."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH.relative_to(ROOT)} not found: run `make train` first")
    import rasa_fixes
    from rasa.core.agent import Agent

    rasa_fixes.apply()  # as the launcher does before Rasa starts
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


def source_articles_dir() -> Optional[Path]:
    """The source articles (../shared/sources beside the repository, README "Source
    content"): $HER2_SOURCES_DIR if set, else beside this checkout, else beside the local
    repository this checkout was cloned from (a CI clone made elsewhere on the machine)."""
    candidates = [os.environ.get("HER2_SOURCES_DIR"), ROOT.parent / "shared" / "sources"]
    try:
        origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
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
    """The Rasa server's Sanic app with the project's channels (as scripts/run.sh configures
    them, for a page on port 8080) and ``agent`` in place of a trained model: no server, no
    model; requests go through ``sanic_app.asgi_client``."""
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    from scripts.runtime_config import write_runtime_config

    Sanic.test_mode = True
    monkeypatch.delenv("SOCKETIO_JWT_KEY", raising=False)
    write_runtime_config(config_dir, env={"WEB_PORT": "8080"})
    channels = create_http_input_channels(None, str(config_dir / "credentials.yml"))
    sanic_app = configure_app(input_channels=channels, enable_api=False,
                              cors="http://localhost:8080")
    sanic_app.ctx.agent = agent
    return sanic_app
