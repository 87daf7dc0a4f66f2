"""The Telegram channel (channels/messaging.yml: ``channels.telegram.SafeTelegramInput``,
switched on by the TELEGRAM_* variables).

What it adds to Rasa 3.6's ``telegram`` channel: the ``X-Telegram-Bot-Api-Secret-Token``
header must equal ``secret_token`` (TELEGRAM_SECRET_TOKEN), and the webhook is
registered with it; ``/start`` is the greeting. Every message goes through
channels/delivery.py (cleaning, the disclaimer, an answer to every message).
"""

import asyncio
import hmac
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.delivery import deliver

_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SafeTelegramOutput(TelegramOutput):
    """Rasa's Telegram output; setWebhook always carries the secret token."""

    def __init__(self, access_token: Optional[Text], secret_token: Text) -> None:
        super().__init__(access_token)
        self._her2_secret_token = secret_token

    async def request(
        self, method: Text, data: Optional[Dict] = None, files: Optional[Dict] = None, **kwargs: Any
    ) -> Any:
        from aiogram.bot import api

        if method == api.Methods.SET_WEBHOOK:
            data = {**(data or {}), "secret_token": self._her2_secret_token}
        return await super().request(method, data, files, **kwargs)


class SafeTelegramInput(TelegramInput):
    """Rasa's Telegram channel; every request must carry the secret token header."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            debug_mode=False,
            secret_token=credentials.get("secret_token"),
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        debug_mode: bool = False,
        secret_token: Optional[Text] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        if not isinstance(secret_token, str) or not _TELEGRAM_SECRET.match(secret_token):
            raise RasaException(
                "Telegram needs secret_token (TELEGRAM_SECRET_TOKEN): 16-256 characters "
                "from A-Z, a-z, 0-9, '_' and '-'."
            )
        self.secret_token = secret_token

    def get_output_channel(self) -> TelegramOutput:
        from aiogram.utils.exceptions import TelegramAPIError

        channel = SafeTelegramOutput(self.access_token, self.secret_token)
        try:
            asyncio.run(channel.set_webhook(url=self.webhook_url))
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        seen: Dict[str, Sanic] = {}

        async def guarded(message: UserMessage) -> None:
            text = "/greet" if message.text == "/start" else message.text
            await deliver(
                on_new_message,
                text,
                message.output_channel,
                message.sender_id,
                message.input_channel or self.name(),
                message.metadata,
                app=seen.get("app"),
            )

        webhook = super().blueprint(guarded)

        @webhook.middleware("request")
        async def require_secret(request: Request) -> Optional[HTTPResponse]:
            seen["app"] = request.app
            if request.path.rstrip("/").endswith("/telegram"):
                return None  # health check
            given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return response.text("forbidden", status=403)
            return None

        return webhook
