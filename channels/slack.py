"""The Slack channel (channels/messaging.yml: ``channels.slack.SafeSlackInput``, switched
on by SLACK_TOKEN and SLACK_SIGNING_SECRET): Rasa's Slack channel (its request
signature check included), with the disclaimer (channels/disclaimer.py)."""
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackInput
from sanic import Blueprint

from channels.disclaimer import disclaimed_blueprint


class SafeSlackInput(SlackInput):
    """Rasa's Slack channel (its request signature check included), with the disclaimer."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        return disclaimed_blueprint(super().blueprint, on_new_message)
