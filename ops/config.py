"""The effective endpoints and credentials files of a run, and Rasa with the fixes.

    python -m ops config [OUT_DIR]     write OUT_DIR/{endpoints,credentials}.yml
    python -m ops rasa ARGS            run `rasa ARGS` with the run-time fixes

- endpoints: endpoints.yml with the action server URL on $ACTION_HOST:$ACTION_PORT
  (default localhost:5055) and the SQLite tracker file at $TRACKER_DB (default
  var/tracker.db). Refused if it names a model server: models are only loaded from models/.
- credentials: credentials.yml plus every messaging channel whose environment
  variables are all set (channels/messaging.yml); the socket.io channel gets
  allowed_origins from $CORS_ORIGIN and, when $SOCKETIO_JWT_KEY is set, a JWT key
  (written as a ${VAR} placeholder: Rasa reads the secret from the environment).
- Rasa's HTTP API is off unless RASA_ENABLE_API=true, which needs RASA_API_TOKEN
  and/or RASA_JWT_SECRET. `ops rasa` adds --enable-api and the auth flags to `run`
  and `shell` inside this process, so the secrets never appear on a command line (ps,
  /proc/*/cmdline).
- `ops rasa` is how the project runs every Rasa command (`run`, `test`, `train`, `data
  validate`): it first applies the run-time fixes (rasa_fixes/: among them the 10 s
  action-server timeout and a stop that loses no message already sent), and refuses,
  with ERROR: and exit status 2, a Rasa other than the pinned one.
"""

import logging
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Mapping, Optional

import yaml

from channels.messaging import credentials_sections

ROOT = Path(__file__).resolve().parent.parent

SOCKETIO = "channels.socketio.SafeSocketIOInput"
MIN_SECRET_CHARS = 16


class ConfigError(ValueError):
    """A setting in the environment that must not be used."""


def cors_origins(env: Mapping[str, str] = os.environ) -> List[str]:
    """The chat page's origin(s): $CORS_ORIGIN (space-separated), never '*'."""
    default = f"http://{env.get('HOST', 'localhost')}:{env.get('WEB_PORT', '8080')}"
    origins = (env.get("CORS_ORIGIN") or default).split()
    for origin in origins:
        if "*" in origin or not origin.startswith(("http://", "https://")):
            raise ConfigError(
                f"CORS_ORIGIN must list the chat page's origin(s), such as "
                f"https://chat.example.org, not {origin!r} ('*' is never "
                f"allowed)."
            )
    return [o.rstrip("/") for o in origins]


def api_enabled(env: Mapping[str, str] = os.environ) -> bool:
    value = (env.get("RASA_ENABLE_API") or "false").strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"RASA_ENABLE_API must be true or false, not {value!r}.")
    return value == "true"


def rasa_api_args(env: Mapping[str, str] = os.environ) -> List[str]:
    """Extra `rasa run` arguments for the HTTP API: none unless RASA_ENABLE_API=true."""
    if not api_enabled(env):
        return []
    token, jwt_secret = env.get("RASA_API_TOKEN", ""), env.get("RASA_JWT_SECRET", "")
    if not token and not jwt_secret:
        raise ConfigError(
            "RASA_ENABLE_API=true needs RASA_API_TOKEN (or RASA_JWT_SECRET): "
            "the HTTP API is never started without authentication."
        )
    for name, value in (("RASA_API_TOKEN", token), ("RASA_JWT_SECRET", jwt_secret)):
        if value and len(value) < MIN_SECRET_CHARS:
            raise ConfigError(f"{name} must be at least {MIN_SECRET_CHARS} characters.")
    # "--name=value": a secret may start with "-" (secrets.token_urlsafe does, one time in
    # 64), which argparse would take for an option of its own
    args = ["--enable-api"]
    if token:
        args += [f"--auth-token={token}"]
    if jwt_secret:
        args += [
            f"--jwt-secret={jwt_secret}",
            "--jwt-method",
            env.get("RASA_JWT_METHOD") or "HS256",
        ]
    return args


def runtime_endpoints(env: Mapping[str, str] = os.environ) -> dict:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    if endpoints.get("models"):
        raise ConfigError(
            "endpoints.yml must not configure a model server: models are only loaded from models/."
        )
    endpoints["action_endpoint"]["url"] = (
        f"http://{env.get('ACTION_HOST') or 'localhost'}:{env.get('ACTION_PORT', '5055')}/webhook"
    )
    endpoints["tracker_store"]["db"] = env.get("TRACKER_DB", endpoints["tracker_store"]["db"])
    return endpoints


def prepare_operator_tool(endpoints: Optional[Path] = None) -> Optional[Path]:
    """What an operator tool (make forget, make review) does before Rasa is imported: the
    endpoints file given on its command line made absolute, then the project root as the
    working directory (relative database paths as in `make run`), no telemetry, quiet
    TensorFlow and no library deprecation noise. Returns the absolute endpoints file."""
    endpoints = endpoints.resolve() if endpoints else None
    os.chdir(ROOT)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.showwarning = lambda *args, **kwargs: None
    return endpoints


@contextmanager
def store_endpoints(given: Optional[Path] = None) -> Iterator[Path]:
    """The endpoints file an operator tool (make forget, make review) reads the tracker store
    from: ``given``, or, while the block runs, one written from the environment as the
    server's (endpoints.yml with $TRACKER_DB)."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "endpoints.yml"
        path.write_text(yaml.safe_dump(runtime_endpoints(os.environ)))
        yield path


def runtime_credentials(env: Mapping[str, str] = os.environ) -> dict:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    socketio = credentials.get(SOCKETIO)
    if isinstance(socketio, dict):
        socketio["allowed_origins"] = cors_origins(env)
        if env.get("SOCKETIO_JWT_KEY"):
            socketio["jwt_key"] = "${SOCKETIO_JWT_KEY}"
            if env.get("SOCKETIO_JWT_METHOD"):
                socketio["jwt_method"] = "${SOCKETIO_JWT_METHOD}"
    credentials.update(credentials_sections(env))
    return credentials


def check_environment(env: Mapping[str, str] = os.environ) -> None:
    """Fails fast (before anything starts) on unsafe settings."""
    rasa_api_args(env)
    cors_origins(env)


def write_runtime_config(out_dir: Path, env=os.environ) -> None:
    check_environment(env)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "endpoints.yml").write_text(yaml.safe_dump(runtime_endpoints(env), sort_keys=False))
    (out_dir / "credentials.yml").write_text(
        yaml.safe_dump(runtime_credentials(env), sort_keys=False)
    )


def exec_rasa(args: List[str], env: Mapping[str, str] = os.environ) -> None:
    """Runs the Rasa CLI in this process, with the project's run-time fixes applied
    (rasa_fixes/, refused with RasaFixError on another Rasa version), and for `run` and
    `shell` the API flags added."""
    import rasa_fixes

    api_args = rasa_api_args(env) if args[:1] in (["run"], ["shell"]) else []
    fixes_log = logging.getLogger("rasa_fixes")
    if "--quiet" not in args:  # Rasa configures logging only later, in main()
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s")
        )
        fixes_log.addHandler(handler)
        fixes_log.setLevel(logging.INFO)
    try:
        rasa_fixes.apply()
    finally:
        for handler in list(fixes_log.handlers):
            fixes_log.removeHandler(handler)
        fixes_log.setLevel(logging.NOTSET)
    from rasa.__main__ import main

    sys.argv = ["rasa", *args, *api_args]
    main()


def main(argv: List[str]) -> int:
    """`python -m ops config [OUT_DIR]` and `python -m ops rasa ARGS` (the module
    docstring); 2 on a refused setting or Rasa version."""
    try:
        if argv[:1] == ["rasa"]:
            from rasa_fixes import RasaFixError

            try:
                exec_rasa(argv[1:])
            except RasaFixError as error:
                raise ConfigError(str(error)) from None
        else:
            write_runtime_config(Path(argv[1]) if len(argv) > 1 else ROOT / ".run")
    except ConfigError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    return 0
