"""The project's command line (what the Makefile runs):

    python -m ops run                  make run: action server, Rasa, chat page; Ctrl-C stops
    python -m ops shell                make shell: a terminal chat on its own servers
    python -m ops rasa ARGS            `rasa ARGS` with the run-time fixes (rasa_fixes/)
    python -m ops config [OUT_DIR]     write OUT_DIR/{endpoints,credentials}.yml (.run)
    python -m ops actions ARGS         the action server (rasa_sdk ARGS), without TensorFlow
    python -m ops web [--port ...]     the chat page
    python -m ops wait URL... [--timeout S]   exit 0 once every URL answers 2xx, else 1

run and shell read their settings from the environment (ops/launch.py); rasa and config
from the environment too (ops/config.py).
"""

import sys


def main(argv) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command in ("run", "shell"):
        from ops import launch

        return launch.main(command, rest)
    if command in ("rasa", "actions"):
        from ops.quiet import hide_third_party_deprecations

        hide_third_party_deprecations()
    if command in ("rasa", "config"):
        from ops import config

        return config.main(argv)
    if command == "actions":
        from ops import action_server

        action_server.main(rest)
        return 0
    if command == "web":
        from ops import web

        return web.main(rest)
    if command == "wait":
        return wait(rest)
    print(__doc__, file=sys.stderr if command not in ("-h", "--help", "help") else sys.stdout)
    return 0 if command in ("-h", "--help", "help") else 2


def wait(argv) -> int:
    import argparse

    from ops.stack import NotReady, wait_ready

    parser = argparse.ArgumentParser(
        prog="python -m ops wait", description="Waits until every URL answers HTTP 2xx."
    )
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    try:
        wait_ready("waiting", {url: url for url in args.urls}, timeout=args.timeout)
    except NotReady as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
