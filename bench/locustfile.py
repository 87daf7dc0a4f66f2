"""Locust users for the benchmark (run headless by bench/run_bench.py).

ConversationUser: one simulated person. It holds whole conversations from
bench/conversations.py over the REST webhook, one message after the other, each
conversation with a new sender id. A request fails when the status is not 200, the
body is not a non-empty JSON list, or it times out; a reply that lacks the expected
text is counted separately as "unexpected" (the request itself succeeded).

ParseUser: the NLU-only floor. Sends the same messages to ``/model/parse``.

Environment: BENCH_RECORD (path: every request's timing and the unexpected replies
are written there as JSON when Locust quits), BENCH_AUTH_TOKEN (for /model/parse),
BENCH_THINK_S (mean pause after each of a user's messages, seconds; default 0).

The pause is drawn uniformly from 0.5-1.5x BENCH_THINK_S, and each user starts after a
pause of up to BENCH_THINK_S (seeded per user, so runs repeat): with one constant pause,
every simulated person would send at the same instant after the first reply, turn after
turn, and a step would measure bursts of N simultaneous messages rather than N people
typing at their own pace.
"""

import itertools
import json
import os
import random
import time
import uuid

import gevent
from conversations import CONVERSATIONS, MIX, parse_messages, reply_text
from locust import FastHttpUser, constant, events, task

RECORD_PATH = os.environ.get("BENCH_RECORD")
AUTH_TOKEN = os.environ.get("BENCH_AUTH_TOKEN", "")
THINK_S = float(os.environ.get("BENCH_THINK_S", "0"))
TIMEOUT_S = float(os.environ.get("BENCH_REQUEST_TIMEOUT_S", "30"))
MAX_EXAMPLES = 20

_user_numbers = itertools.count()
_window = {"start": None, "stop": None}
_requests = []  # [start (unix s), elapsed (ms), ok (0/1), name]
_unexpected = {"count": 0, "examples": []}


def category(conversation: str) -> str:
    return conversation.split("_", 1)[0]


@events.test_start.add_listener
def _on_test_start(**_kwargs):
    _window["start"] = time.time()


@events.test_stop.add_listener
def _on_test_stop(**_kwargs):
    _window["stop"] = time.time()


@events.request.add_listener
def _on_request(name, response_time, exception, start_time=None, **_kwargs):
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _requests.append([round(started, 4), round(response_time, 3), 0 if exception else 1, name])


@events.quitting.add_listener
def _on_quitting(**_kwargs):
    if not RECORD_PATH:
        return
    with open(RECORD_PATH, "w", encoding="utf-8") as handle:
        json.dump({"window": _window, "requests": _requests, "unexpected": _unexpected}, handle)


def _note_unexpected(conversation: str, message: str, expected: str, got: str) -> None:
    _unexpected["count"] += 1
    if len(_unexpected["examples"]) < MAX_EXAMPLES:
        _unexpected["examples"].append(
            {
                "conversation": conversation,
                "message": message,
                "expected": expected,
                "got": got[:200],
            }
        )


class ConversationUser(FastHttpUser):
    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S

    def on_start(self):
        number = next(_user_numbers)
        self.rng = random.Random(number)
        # Users start at different points of the mix, so the mix holds at any concurrency.
        self.position = number * 5
        if THINK_S:
            gevent.sleep(self.rng.uniform(0, THINK_S))

    def think(self) -> float:
        return self.rng.uniform(0.5 * THINK_S, 1.5 * THINK_S)

    def wait_time(self):  # after the last message of a conversation
        return self.think()

    @task
    def conversation(self):
        name = MIX[self.position % len(MIX)]
        self.position += 1
        sender = f"bench-{uuid.uuid4().hex}"
        for number, (message, expected) in enumerate(CONVERSATIONS[name]):
            if number and THINK_S:
                gevent.sleep(self.think())
            with self.client.post(
                "/webhooks/rest/webhook",
                name=category(name),
                json={"sender": sender, "message": message},
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return
                try:
                    messages = response.json()
                except ValueError:
                    response.failure("reply is not JSON")
                    return
                if not isinstance(messages, list) or not messages:
                    response.failure("empty reply")
                    return
                response.success()
                text = reply_text(messages)
                if expected not in text:
                    _note_unexpected(name, message, expected, text)


class ParseUser(FastHttpUser):
    wait_time = constant(0)
    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S

    def on_start(self):
        self.messages = itertools.cycle(parse_messages())

    @task
    def parse(self):
        with self.client.post(
            f"/model/parse?token={AUTH_TOKEN}",
            name="parse",
            json={"text": next(self.messages)},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            try:
                ok = "intent" in response.json()
            except ValueError:
                ok = False
            if ok:
                response.success()
            else:
                response.failure("no intent in the parse result")
