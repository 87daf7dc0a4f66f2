"""Talks to the running stack over the REST channel (scripts/test.sh starts it)."""
import json
import os
import urllib.request
import uuid
from typing import Dict, List

import pytest

RASA_URL = os.environ.get("RASA_URL")


class Conversation:
    def __init__(self, base_url: str):
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4()}"

    def say(self, text: str) -> List[Dict]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(self.url, data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def texts(self, text: str) -> List[str]:
        return [m.get("text", "") for m in self.say(text)]


@pytest.fixture
def chat() -> Conversation:
    if not RASA_URL:
        pytest.skip("RASA_URL is not set: run through `make test`, which starts the stack")
    return Conversation(RASA_URL)
