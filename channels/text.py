"""The text of a user message, made safe to process, on every channel.

* ``clean_text``: invalid UTF-8 and lone surrogates become U+FFFD / "?", control
  characters are removed, text is NFC-normalised, and it is capped at
  MAX_MESSAGE_CHARS (4,000): longer messages are cut at a word boundary, processed,
  and the user is told that only the start was read (SHORTENED_NOTICE). A user-typed
  ``/intent{"slot": ...}`` is never run as a command: the leading slashes are dropped
  so NLU reads it as plain text; only the bare commands in ALLOWED_COMMANDS (the chat
  page's ``/greet``, ``/restart``) pass through.
* Empty or whitespace-only messages get EMPTY_REPLY and never reach Rasa; anything that
  is not text (a file, a picture, a JSON object) gets NOT_TEXT_REPLY
  (channels/delivery.py sends these).
* ``valid_sender``: a conversation id from a client, or None.

Setting (environment): MAX_MESSAGE_CHARS.
"""

import os
import re
import unicodedata
from typing import Any, NamedTuple, Optional

from rasa.shared.exceptions import RasaException


def env_number(name: str, default: float) -> float:
    """A positive number from the environment (``default`` when unset)."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        raise RasaException(f"{name} must be a number, not {os.environ.get(name)!r}") from None
    if value <= 0:
        raise RasaException(f"{name} must be positive")
    return value


MAX_MESSAGE_CHARS = int(env_number("MAX_MESSAGE_CHARS", 4000))
MAX_SENDER_CHARS = 128
# Bare commands a client may send as-is: the chat page's initPayload, and restart.
ALLOWED_COMMANDS = frozenset({"/greet", "/restart"})

EMPTY_REPLY = (
    "It looks like your message was empty. What would you like to know? You can "
    "ask about HER2, your test results, treatments or support."
)
SHORTENED_NOTICE = (
    "Your message was very long, so I read only the first {limit:,} "
    "characters. If I missed something, please send it in a shorter message."
)
NOT_TEXT_REPLY = "I can only read text messages. Please type your question."

# C0 and C1 control characters except tab and newline (CR is turned into newline).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LEADING_COMMAND = re.compile(r"^[/\s]+")


class Cleaned(NamedTuple):
    text: str  # what Rasa gets; "" when there is nothing to process
    shortened: bool  # the message was longer than MAX_MESSAGE_CHARS


def clean_text(raw: Any, limit: Optional[int] = None) -> Cleaned:
    """The text of a user message made safe to process (see the module docstring)."""
    limit = limit or MAX_MESSAGE_CHARS
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw).decode("utf-8", "replace")
    if not isinstance(raw, str):
        return Cleaned("", False)
    # Bound the work on huge input before anything else touches it.
    text = raw[: limit * 2 + 1024]
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text).strip()
    shortened = len(text) > limit or len(raw) > limit * 2 + 1024
    if shortened:
        cut = text[:limit]
        space = cut.rfind(" ", limit - 200)
        text = (cut[:space] if space > 0 else cut).rstrip()
    if text.startswith("/") and text not in ALLOWED_COMMANDS:
        text = _LEADING_COMMAND.sub("", text)
    if not any(ch.isprintable() and not ch.isspace() for ch in text):
        text = ""  # nothing visible: only spaces, zero-width or format characters
    return Cleaned(text, shortened)


def valid_sender(value: Any) -> Optional[str]:
    """A conversation id from a client, or None when it is missing or unusable."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    sender = str(value)
    if not sender.strip() or len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        return None
    return sender
