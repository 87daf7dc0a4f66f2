"""Helper of the integration tier (tests/integration): the trained model, in process.
Everything that needs no model is in tests/unit/lib.py."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "models" / "her2-assistant.tar.gz"


def load_trained_agent():
    """The trained assistant (``make train``), loaded afresh (~5-10 s)."""
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH.relative_to(ROOT)} not found: run `make train` first")
    from rasa.core.agent import Agent

    import rasa_fixes

    rasa_fixes.apply()  # as the launcher does before Rasa starts
    return Agent.load(str(MODEL_PATH))
