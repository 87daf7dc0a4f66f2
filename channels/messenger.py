"""The Facebook Messenger channel (channels/messaging.yml:
``channels.messenger.SafeFacebookInput``, switched on by the FACEBOOK_* variables; URL
/webhooks/facebook/webhook).

Rasa's Messenger channel does the Messenger part: the webhook verification
(``hub.verify_token``), reading the events, "seen" and the typing indicator, and the
Send API. What changes:

* The X-Hub-Signature check compares in constant time and accepts only sha1 / sha256
  (Rasa's looks the hash up by the name the request gives); a badly signed request is
  still answered "not validated" and never reaches the bot.
* Every message is handed to channels/delivery.py, as on the other channels: the text
  cleaned (channels/text.py), a kind reply to an empty message, the disclaimer before
  the first answer, and an answer within REPLY_TIMEOUT or CANT_LOOK_UP, never silence.
* A picture, voice message, video, file, sticker or location gets the "I can only read
  text" reply (Rasa reads an attachment's URL as if the person had typed it, and says
  nothing to other attachments); every event of a batched request is answered (Rasa's
  reads only the first). The page's own messages echoed back are ignored.
"""

import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.delivery import NOT_TEXT, deliver

logger = logging.getLogger(__name__)

_SIGNATURE_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


class SafeMessenger(Messenger):
    """Rasa's handler of one webhook request; each message goes to ``deliver``."""

    def __init__(
        self,
        page_access_token: Text,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        app: Optional[Sanic],
    ) -> None:
        super().__init__(page_access_token, self._deliver)
        self._rasa = on_new_message
        self._app = app

    async def _deliver(self, message: UserMessage) -> None:
        """Rasa's message (built by ``_handle_user_message`` with Messenger's output,
        between "typing on" and "typing off"), answered as on every channel."""
        await deliver(
            self._rasa,
            message.text,
            message.output_channel,
            message.sender_id,
            message.input_channel or self.name(),
            message.metadata,
            app=self._app,
        )

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        """Every messaging event of the request (Rasa's stops after the first)."""
        entries = payload.get("entry") if isinstance(payload, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            events = entry.get("messaging") if isinstance(entry, dict) else None
            for event in events if isinstance(events, list) else []:
                if not isinstance(event, dict):
                    continue
                self.last_message = event
                if isinstance(event.get("message"), dict):
                    await self.message(event, metadata)
                elif isinstance(event.get("postback"), dict):
                    await self.postback(event, metadata)

    async def message(self, message: Dict[Text, Any], metadata: Optional[Dict[Text, Any]]) -> None:
        body = message["message"]
        if body.get("is_echo"):
            return  # the page's own message, sent back to the webhook
        if self._is_quick_reply_message(message) or self._is_user_message(message):
            await super().message(message, metadata)  # text or a quick reply's payload
            return
        sender_id = self.get_user_id()
        if not sender_id:
            return
        output = MessengerBot(self.client)
        await deliver(self._rasa, NOT_TEXT, output, sender_id, self.name(), metadata, app=self._app)


class SafeFacebookInput(FacebookInput):
    """Rasa's Messenger channel; each message is handed to channels/delivery.py through
    SafeMessenger."""

    @staticmethod
    def validate_hub_signature(
        app_secret: Text, request_payload: bytes, hub_signature_header: Text
    ) -> bool:
        method, _, signature = (hub_signature_header or "").partition("=")
        digest = _SIGNATURE_HASHES.get(method)
        if digest is None or not signature or not app_secret:
            return False
        expected = hmac.new(app_secret.encode("utf-8"), request_payload or b"", digest).hexdigest()
        return hmac.compare_digest(expected, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's routes and answers, the POST handled by SafeMessenger (Rasa's blueprint
        creates its own Messenger inside the route, so it cannot be reused as it is)."""
        webhook = Blueprint("safe_fb_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge"))
            logger.warning(
                "Invalid Messenger verify token: it must match the webhook "
                "settings of the Facebook app (FACEBOOK_VERIFY)."
            )
            return response.text("failure, invalid token")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Hub-Signature") or ""
            if not self.validate_hub_signature(self.fb_secret, request.body, signature):
                logger.warning(
                    "A Messenger request without a valid X-Hub-Signature was "
                    "refused (FACEBOOK_SECRET must be the app secret)."
                )
                return response.text("not validated")
            try:
                payload = request.json
            except Exception:  # signed, yet not JSON
                return response.text("The request body must be JSON.", status=400)
            messenger = SafeMessenger(self.fb_access_token, on_new_message, request.app)
            await messenger.handle(payload, self.get_metadata(request))
            return response.text("success")

        return webhook
