"""Security tests: the HTTP API, CORS and origins, socket.io JWT, channel secrets,
secrets in the repository, dependency pins, where models come from.

In-process tests build the Rasa app the way `rasa run` does (configure_app with the
run's credentials file from scripts/runtime_config.py). `stack` tests use RASA_URL /
CHAT_URL (scripts/test.sh sets them) and are skipped only when those are unset.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.conftest import chat_origin, chat_url, rasa_url  # noqa: E402,F401
