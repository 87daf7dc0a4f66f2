"""Writes the effective endpoints and credentials files for this run into .run/.

- endpoints: endpoints.yml with the action server URL on $ACTION_PORT and the
  SQLite tracker file at $TRACKER_DB (default var/tracker.db).
- credentials: credentials.yml plus every messaging channel whose environment
  variables are all set (channels/messaging.yml).
"""
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.messaging import enabled_channels  # noqa: E402


def write_runtime_config(out_dir: Path, env=os.environ) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = (
        f"http://localhost:{env.get('ACTION_PORT', '5055')}/webhook")
    endpoints["tracker_store"]["db"] = env.get("TRACKER_DB", endpoints["tracker_store"]["db"])
    (out_dir / "endpoints.yml").write_text(yaml.safe_dump(endpoints, sort_keys=False))

    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    credentials.update(enabled_channels(env))
    (out_dir / "credentials.yml").write_text(yaml.safe_dump(credentials, sort_keys=False))


if __name__ == "__main__":
    write_runtime_config(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".run")
