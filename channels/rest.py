"""The REST channel: POST /webhooks/rest/webhook {"sender": "<conversation id>",
"message": "<text>"} -> a JSON list of bot messages (credentials.yml:
``channels.rest.SafeRestInput``).

What it adds to Rasa 3.6's ``rest`` channel: JSON only (415 otherwise); malformed or
non-UTF-8 JSON, a missing or invalid ``sender`` / ``message`` give 400; bodies over
MAX_REQUEST_BYTES give 413 (channels/guard.py). A request without a sender is never
merged into a shared "default" conversation. The message then goes through
channels/delivery.py (cleaning, the disclaimer, an answer to every message); its
``X-Request-ID`` header is the message id, so a message sent again is answered once.
"""

import json
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import guard
from channels.delivery import MESSAGE_ID_HEADER, deliver, message_id_of
from channels.text import MAX_SENDER_CHARS, valid_sender


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"status": "failure", "message": message}, status=status)


def _json_body(request: Request) -> Any:
    """The request's JSON object, or an HTTPResponse saying what is wrong with it."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _error(415, "Send JSON with 'Content-Type: application/json'.")
    length = request.headers.get("content-length")
    if (length and length.isdigit() and int(length) > guard.MAX_REQUEST_BYTES) or len(
        request.body or b""
    ) > guard.MAX_REQUEST_BYTES:
        return _error(413, "The request is too large.")
    try:
        body = json.loads((request.body or b"").decode("utf-8"))
    except UnicodeDecodeError:
        return _error(400, "The request body must be UTF-8 encoded JSON.")
    except ValueError:
        return _error(400, "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return _error(400, "The request body must be a JSON object with 'sender' and 'message'.")
    return body


class SafeRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender": "<conversation id>", "message": "<text>"}
    -> a JSON list of bot messages. (The ``stream`` option is not supported.)"""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = guard.GuardedBlueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = _json_body(request)
            if isinstance(body, HTTPResponse):
                return body
            sender = valid_sender(body.get("sender"))
            if sender is None:
                return _error(
                    400,
                    f"'sender' must be a non-empty string of at most "
                    f"{MAX_SENDER_CHARS} characters naming the conversation.",
                )
            if not isinstance(body.get("message"), str):
                return _error(400, "'message' must be a string.")
            collector = CollectingOutputChannel()
            await deliver(
                on_new_message,
                body["message"],
                collector,
                sender,
                self.name(),
                body.get("metadata"),
                app=request.app,
                message_id=message_id_of(request.headers.get(MESSAGE_ID_HEADER)),
            )
            return response.json(collector.messages)

        return webhook
