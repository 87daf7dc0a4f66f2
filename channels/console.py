"""Chat in the terminal through the REST channel, as every other channel does.

`rasa shell` serves Rasa's own command-line channel (CmdlineInput), which none of this
project's channel code reaches: its first answer comes without the identity line and
disclaimer (channels/disclaimer.py), and without the input checks of
channels/text.py and channels/delivery.py. This is Rasa's same terminal chat (rasa.core.channels.console:
the prompt, the buttons, /stop to leave), talking to a running Rasa server's REST webhook
(SafeRestInput) instead:

    python -m channels.console --url http://localhost:5005    # with `make run` running

For `make shell` to give the disclaimer, `python -m ops shell` (ops/launch.py) starts the
Rasa server (`rasa run` with the run's credentials, as `make run` does) and runs this
instead of `rasa shell`.

With --lines (`make shell` adds it when its input is not a terminal, as in
`echo "what is HER2?" | make shell`), each line read is a message, and the replies are
printed as plain text, one line each (buttons as "1: title (payload)"), without the prompt.
"""

import argparse
import asyncio
import sys
import uuid
from typing import Dict, List, Optional, TextIO


def reply_lines(message: Dict) -> List[str]:
    """One bot message of the REST channel as plain lines."""
    lines = []
    if message.get("text"):
        lines.append(message["text"])
    for number, button in enumerate(message.get("buttons") or []):
        lines.append(f"{number + 1}: {button.get('title')} ({button.get('payload')})")
    for key in ("image", "attachment"):
        if message.get(key):
            lines.append(f"{key.title()}: {message[key]}")
    return lines


async def piped(sender: str, url: str, lines: TextIO, out: TextIO) -> int:
    """Sends each non-empty line of ``lines`` and prints the replies; '/stop' ends."""
    import aiohttp
    from rasa.core.channels import console

    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text == "/stop":
            break
        try:
            messages = await console.send_message_receive_block(url, "", sender, text)
        except aiohttp.ClientResponseError as error:
            print(f"(not sent: the assistant answered HTTP {error.status})", file=sys.stderr)
            continue
        except aiohttp.ClientError as error:
            print(f"The assistant at {url} is not answering ({error}).", file=sys.stderr)
            return 1
        for message in messages or []:
            for reply in reply_lines(message):
                print(reply, file=out, flush=True)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", default="http://localhost:5005", help="the Rasa server (default: %(default)s)"
    )
    parser.add_argument(
        "--sender", default=None, help="conversation id (default: a new conversation)"
    )
    parser.add_argument(
        "--lines",
        action="store_true",
        help="read the messages from standard input, one a line, and print "
        "the replies as plain text (no prompt)",
    )
    args = parser.parse_args(argv)

    sender = args.sender or f"shell-{uuid.uuid4().hex}"
    if args.lines:
        return asyncio.run(piped(sender, args.url.rstrip("/"), sys.stdin, sys.stdout))

    from rasa.core.channels import console

    # The REST channel answers a whole turn at once (it has no streaming mode).
    asyncio.run(
        console.record_messages(sender, server_url=args.url.rstrip("/"), use_response_stream=False)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
