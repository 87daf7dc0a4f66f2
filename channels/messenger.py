"""The Facebook Messenger channel (channels/messaging.yml:
``channels.messenger.SafeFacebookInput``, switched on by the FACEBOOK_* variables):
Rasa's Messenger channel (its X-Hub-Signature check included), with the disclaimer
(channels/disclaimer.py)."""
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint

from channels.disclaimer import disclaimed_blueprint


class SafeFacebookInput(FacebookInput):
    """Rasa's Messenger channel (its X-Hub-Signature check included), with the
    disclaimer."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        return disclaimed_blueprint(super().blueprint, on_new_message)
