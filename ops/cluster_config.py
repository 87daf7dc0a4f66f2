"""Configuration files of the scale-out deployment (used by scripts/run_cluster.sh and
ops/cluster.py).

    python -m ops.cluster_config nginx OUT     # deploy/nginx.cluster.conf.template -> OUT
    python -m ops.cluster_config redis OUT     # a private redis.conf -> OUT (mode 600)
    python -m ops.cluster_config secret FILE   # prints FILE's secret; creates it first

Everything is read from the environment that run_cluster.sh sets up:
CLUSTER_RASA_PORTS / CLUSTER_ACTION_PORTS (comma-separated), CLUSTER_LB_BIND,
CLUSTER_LB_PORT, CLUSTER_ACTION_LB_PORT, CLUSTER_WEB_PORT, CLUSTER_NGINX_DIR,
CLUSTER_LOG_DIR (absolute paths), REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, CLUSTER_REDIS_DIR.
"""

import json
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Dict, List, Mapping

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.cluster.conf.template"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Z_]+)\s*\}\}")


# What a person is told when the message they sent may have been lost with a replica
# that died while handling it (nginx's reply when no replica could answer a REST
# message; the chat page says the same when its connection drops, web/chat.js).
RESEND_REPLY = "That message may not have reached the assistant — please send it again."


def resend_reply_json() -> str:
    """RESEND_REPLY as a REST channel reply (a JSON list of bot messages), quoted for
    nginx's `return` (single quotes; no $ or quote inside)."""
    body = json.dumps([{"text": RESEND_REPLY}], ensure_ascii=False)
    if any(ch in body for ch in "'$\\"):
        raise ValueError("RESEND_REPLY cannot be put in nginx's configuration as it is")
    return body


def ports(value: str) -> List[int]:
    result = [int(p) for p in value.replace(" ", "").split(",") if p]
    if not result or any(not 0 < p < 65536 for p in result):
        raise ValueError(f"not a list of ports: {value!r}")
    return result


def server_lines(port_list: List[int]) -> str:
    # max_fails=1 fail_timeout=5s: a replica that refuses a connection is skipped for 5 s.
    return "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in port_list
    )


def render(template: str, values: Mapping[str, str]) -> str:
    missing = sorted({m.group(1) for m in PLACEHOLDER.finditer(template)} - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def nginx_values(env: Mapping[str, str]) -> Dict[str, str]:
    return {
        "RASA_SERVERS": server_lines(ports(env["CLUSTER_RASA_PORTS"])),
        "ACTION_SERVERS": server_lines(ports(env["CLUSTER_ACTION_PORTS"])),
        "LB_BIND": env.get("CLUSTER_LB_BIND", "127.0.0.1"),
        "LB_PORT": str(int(env["CLUSTER_LB_PORT"])),
        "ACTION_LB_PORT": str(int(env["CLUSTER_ACTION_LB_PORT"])),
        "WEB_PORT": str(int(env["CLUSTER_WEB_PORT"])),
        "NGINX_DIR": env["CLUSTER_NGINX_DIR"],
        "LOG_DIR": env["CLUSTER_LOG_DIR"],
        "RESEND_REPLY_JSON": resend_reply_json(),
    }


def nginx_conf(env: Mapping[str, str] = os.environ) -> str:
    return render(NGINX_TEMPLATE.read_text(encoding="utf-8"), nginx_values(env))


def redis_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redis_conf(env: Mapping[str, str] = os.environ) -> str:
    """A private, memory-only Redis for the lock store (locks are short-lived)."""
    lines = [
        f"bind {env.get('REDIS_HOST', '127.0.0.1')}",
        f"port {int(env['REDIS_PORT'])}",
        "protected-mode yes",
        'save ""',
        "appendonly no",
        "daemonize no",
        'logfile ""',
        f"dir {redis_quote(env['CLUSTER_REDIS_DIR'])}",
    ]
    if env.get("REDIS_PASSWORD"):
        lines.append(f"requirepass {redis_quote(env['REDIS_PASSWORD'])}")
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def secret(path: Path) -> str:
    """The secret stored in ``path``; a new random one is written there first if absent."""
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        write_private(path, secrets.token_hex(24) + "\n")
    return path.read_text(encoding="utf-8").strip()


def main(argv: List[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("nginx", "redis", "secret"):
        print(__doc__, file=sys.stderr)
        return 2
    command, target = argv[0], Path(argv[1])
    try:
        if command == "nginx":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(nginx_conf(), encoding="utf-8")
        elif command == "redis":
            write_private(target, redis_conf())
        else:
            print(secret(target))
    except (KeyError, ValueError) as error:
        print(f"cluster_config.py {command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
