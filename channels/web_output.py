"""What the chat page (rasa-webchat 1.0.1 over socket.io) gets differently from Rasa's
socket.io output: the appointment summary as one block, and "Did this answer your question?"
drawn under the answer instead of replacing its buttons.

* The summary (a bot message with ``her2_summary`` in its metadata: actions/summary.py) is
  sent as one message, not one per paragraph, with the widget's ``customCss`` metadata, so
  its bubble gets the class ``her2-summary``: web/summary.js adds "Print or save as PDF" and
  "Copy" to it.
* The feedback question (``utter_ask_feedback``) is sent as a message the widget shows
  nothing for, whose ``customCss`` puts the class ``her2-ask-feedback`` on the bubble before
  it, the answer: web/feedback.js draws the question and its Yes / No buttons there. The
  widget shows quick replies only under its last message, so a message of its own would hide
  the answer's topic buttons. (rasa-webchat renders a "custom" message only through a React
  ``customComponent``, which a page without React cannot give it.)

Everything else goes out as Rasa sends it; the other channels get the plain text and buttons.
"""

from typing import Any, Dict, List, Text

from rasa.core.channels.socketio import SocketIOOutput

SUMMARY_MARK = "her2_summary"  # actions/summary.py SUMMARY_MARK
SUMMARY_CLASS = "her2-summary"  # web/summary.js, web/summary.css
FEEDBACK_QUESTION = "utter_ask_feedback"
FEEDBACK_CLASS = "her2-ask-feedback"  # web/feedback.js
UTTER_ACTION = "utter_action"  # where Rasa names the response a message comes from


def _styled(css_class: str) -> Dict[str, Any]:
    """rasa-webchat's metadata that gives the (last) bubble a class."""
    return {"customCss": {"style": "class", "css": css_class}}


class WebChatOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        if kwargs.get(SUMMARY_MARK):
            await self._send_message(
                recipient_id, {"text": text.strip(), "metadata": _styled(SUMMARY_CLASS)}
            )
            return
        await super().send_text_message(recipient_id, text, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if kwargs.get(UTTER_ACTION) == FEEDBACK_QUESTION:
            # No "text" of its own: the widget adds no bubble, it styles the answer's.
            await self._send_message(
                recipient_id, {"her2_feedback": True, "metadata": _styled(FEEDBACK_CLASS)}
            )
            return
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)
