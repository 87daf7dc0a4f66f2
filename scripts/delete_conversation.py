"""Deletes every stored event of one conversation from the tracker store.

    python scripts/delete_conversation.py SENDER_ID [--endpoints FILE]
    make forget SENDER=SENDER_ID

SENDER_ID is the conversation id: the REST `sender`, the chat page's socket.io
session id (the widget keeps it in the browser's localStorage, key `chat_session`),
or the Telegram chat id. The tracker store is the one the server uses: by default
endpoints.yml with $TRACKER_DB (as `make run` runs it); `--endpoints` points at
another endpoints file (e.g. a PostgreSQL deployment; ${VAR} values are read from the
environment). Safe while the server runs: the conversation simply starts afresh.
Exit status: 0 deleted, 1 no such conversation, 2 error.
"""

import argparse
import sys
from pathlib import Path

from ops.config import prepare_operator_tool, store_endpoints


def tracker_store(endpoints_file: Path):
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    config = endpoints.tracker_store
    if config is None:
        raise ValueError(f"{endpoints_file} configures no tracker store")
    if config.kwargs.get("dialect") == "sqlite" and not Path(config.kwargs["db"]).is_file():
        raise ValueError(f"no tracker database at {config.kwargs['db']}")
    return TrackerStore.create(config)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sender_id", help="the conversation id to delete")
    parser.add_argument(
        "--endpoints", type=Path, help="endpoints file (default: endpoints.yml with $TRACKER_DB)"
    )
    args = parser.parse_args(argv)
    if not args.sender_id.strip():
        parser.error("SENDER_ID must not be empty")
    endpoints_file = prepare_operator_tool(args.endpoints)

    from channels.privacy import delete_conversation

    try:
        with store_endpoints(endpoints_file) as endpoints:
            deleted = delete_conversation(tracker_store(endpoints), args.sender_id)
    except Exception as error:  # noqa: BLE001 (an operator tool: say what went wrong)
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    if not deleted:
        print(f"No stored conversation with id {args.sender_id!r}.", file=sys.stderr)
        return 1
    print(f"Deleted {deleted} stored events of conversation {args.sender_id!r}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
