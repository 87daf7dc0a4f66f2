"""The Slack channel (channels/messaging.yml: ``channels.slack.SafeSlackInput``, switched
on by SLACK_TOKEN and SLACK_SIGNING_SECRET; URL /webhooks/slack/webhook).

Rasa's Slack channel does the Slack part, unchanged: the X-Slack-Signature check (a
request that is unsigned, badly signed or over 5 minutes old gets 400), the
url_verification challenge, Slack's retries, bot mentions removed from the text, one
conversation per user, and the answer in a background task (Slack wants its 200 within
3 seconds). Every message it hands on then goes through channels/delivery.py, as on the
other channels: the text cleaned (channels/text.py), a kind reply to an empty message
(e.g. only a mention of the bot) or to a file sent without text, the disclaimer before
the first answer, and an answer within REPLY_TIMEOUT or CANT_LOOK_UP, never silence.
"""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackInput
from sanic.request import Request

from channels.delivery import NOT_TEXT, deliver

logger = logging.getLogger(__name__)


def _event(request_body: Any) -> Dict[Text, Any]:
    event = request_body.get("event") if isinstance(request_body, dict) else None
    return event if isinstance(event, dict) else {}


def _is_file_without_text(slack_event: Dict[Text, Any]) -> bool:
    """A person's message that is only a file (a picture, a PDF): Slack posts it with
    ``files`` and empty text."""
    event = _event(slack_event)
    return (
        event.get("type") == "message"
        and bool(event.get("files"))
        and not (event.get("text") or "").strip()
        and bool(event.get("user"))
        and not event.get("bot_id")
    )


class SafeSlackInput(SlackInput):
    """Rasa's Slack channel; each message is handed to channels/delivery.py."""

    @staticmethod
    def _is_user_message(slack_event: Dict[Text, Any]) -> bool:
        """Rasa's test, and a file sent without text (which Rasa drops without a word):
        it gets the "I can only read text" reply."""
        return bool(SlackInput._is_user_message(slack_event)) or _is_file_without_text(slack_event)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        """Where Rasa's webhook hands over each message: Rasa builds the message with
        Slack's output channel and runs the handler below in a background task."""
        body = request.json if request.headers.get("content-type") == "application/json" else None
        raw = NOT_TEXT if _is_file_without_text(body) else text
        app = request.app

        async def handle(message: UserMessage) -> None:
            try:
                await deliver(
                    on_new_message,
                    raw,
                    message.output_channel,
                    message.sender_id,
                    message.input_channel or self.name(),
                    message.metadata,
                    app=app,
                )
            except Exception as error:  # Slack's API itself failed: nothing reached the user
                logger.error("Could not send the reply to Slack (%s).", type(error).__name__)

        return await super().process_message(request, handle, text, sender_id, metadata)
