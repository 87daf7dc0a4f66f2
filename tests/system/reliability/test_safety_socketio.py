"""The emergency reply over socket.io (the web page's channel), first and alone."""

import yaml

from tests.system.stacklib import SocketChat, texts, threaded

with open("domain.yml", encoding="utf-8") as handle:
    RESPONSES = yaml.safe_load(handle)["responses"]


def _folded(text):
    return " ".join(text.split())


@threaded
async def test_emergencies_over_socketio(rasa_url, chat_origin):
    emergency = _folded(RESPONSES["utter_emergency"][0]["text"])
    self_harm = _folded(RESPONSES["utter_self_harm"][0]["text"])
    async with SocketChat(rasa_url, origin=chat_origin) as chat:
        await chat.send("how is Herceptin given?")
        reply = texts(await chat.send("it's hard to breathe and my chest feels tight"))
        assert _folded(reply[0]) == emergency
        reply = texts(await chat.send("I can't go on, I want to end my life"))
        assert _folded(reply[0]) == self_harm
