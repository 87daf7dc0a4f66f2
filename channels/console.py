"""Chat in the terminal through the REST channel, as every other channel does.

`rasa shell` serves Rasa's own command-line channel (CmdlineInput), which none of this
project's channel code reaches: its first answer comes without the identity line and
disclaimer (channels/disclaimer.py), and without the input checks of
channels/text.py and channels/delivery.py. This is Rasa's same terminal chat (rasa.core.channels.console:
the prompt, the buttons, /stop to leave), talking to a running Rasa server's REST webhook
(SafeRestInput) instead:

    python -m channels.console --url http://localhost:5005    # with `make run` running

For `make shell` to give the disclaimer, scripts/shell.sh has to start the Rasa server
(`rasa run` with the run's credentials, as scripts/run.sh does) and run this instead of
`rasa shell`.
"""
import argparse
import asyncio
import uuid
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:5005",
                        help="the Rasa server (default: %(default)s)")
    parser.add_argument("--sender", default=None,
                        help="conversation id (default: a new conversation)")
    args = parser.parse_args(argv)

    from rasa.core.channels import console

    sender = args.sender or f"shell-{uuid.uuid4().hex}"
    # The REST channel answers a whole turn at once (it has no streaming mode).
    asyncio.run(console.record_messages(sender, server_url=args.url.rstrip("/"),
                                        use_response_stream=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
