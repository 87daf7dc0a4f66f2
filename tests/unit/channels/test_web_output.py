"""The chat page's socket.io output (channels/web_output.py): the appointment summary as one
block, the feedback question drawn under the answer, everything else as Rasa sends it."""

from typing import Any, Dict, List

from channels.web_output import WebChatOutput

SUMMARY = "Summary for your appointment\nMade by...\n\nYour HER2 results:\n• IHC 3+."
FEEDBACK_BUTTONS = [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"}]


class FakeSocketServer:
    def __init__(self) -> None:
        self.emitted: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Any = None, room: str = None, **kwargs: Any) -> None:
        self.emitted.append({"event": event, "data": data, "room": room})


def output():
    sio = FakeSocketServer()
    return WebChatOutput(sio, "bot_uttered"), sio


async def test_the_summary_goes_out_as_one_block_with_its_class():
    channel, sio = output()
    await channel.send_response(
        "session-1", {"text": SUMMARY, "her2_summary": True, "buttons": None}
    )
    assert sio.emitted == [
        {
            "event": "bot_uttered",
            "room": "session-1",
            "data": {
                "text": SUMMARY,
                "metadata": {"customCss": {"style": "class", "css": "her2-summary"}},
            },
        }
    ]


async def test_the_feedback_question_adds_no_bubble_and_marks_the_answer():
    channel, sio = output()
    await channel.send_response(
        "session-1",
        {
            "text": "Did this answer your question?",
            "buttons": FEEDBACK_BUTTONS,
            "utter_action": "utter_ask_feedback",
        },
    )
    [emitted] = sio.emitted
    assert "text" not in emitted["data"]  # rasa-webchat renders no message for it
    assert emitted["data"]["metadata"] == {
        "customCss": {"style": "class", "css": "her2-ask-feedback"}
    }


async def test_other_messages_go_out_as_rasa_sends_them():
    channel, sio = output()
    await channel.send_response("session-1", {"text": "First part.\n\nSecond part."})
    await channel.send_response(
        "session-1",
        {"text": "Pick one", "buttons": FEEDBACK_BUTTONS, "utter_action": "utter_confirm_clear"},
    )
    assert [e["data"] for e in sio.emitted] == [
        {"text": "First part."},
        {"text": "Second part."},
        {
            "text": "Pick one",
            "quick_replies": [
                {"content_type": "text", "title": "Yes", "payload": "Yes"},
                {"content_type": "text", "title": "No", "payload": "No"},
            ],
        },
    ]
