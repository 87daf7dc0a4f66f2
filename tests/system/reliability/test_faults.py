"""Fault injection: the action server goes down, or hangs, in the middle of a
conversation and comes back.

Runs its own action server and Rasa server on free ports (ops.stack.Stack, the
launcher `make run` uses) with short timeouts, so the whole test
takes about one model load plus ~30 s.
"""

import signal
import time
import uuid

import pytest
import yaml

from channels.delivery import CANT_LOOK_UP
from ops.stack import ROOT, Stack
from tests.system.stacklib import texts

ACTION_TIMEOUT = 3  # s, instead of the default 10, to keep the test short
ASK_FISH = "What did the FISH/ISH result say"
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]


def response(name: str) -> str:
    return " ".join(RESPONSES[name][0]["text"].split())


def folded(replies):
    return [" ".join(t.split()) for t in replies]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        tmp_path_factory.mktemp("faults"),
        parts=("actions", "rasa"),
        env={"ACTION_TIMEOUT": str(ACTION_TIMEOUT), "REPLY_TIMEOUT": "20"},
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


def test_action_server_down_and_back(stack):
    me = f"fault-{uuid.uuid4()}"
    reply = texts(stack.say(me, "My IHC was 2+"))
    assert any(ASK_FISH in t for t in reply), reply

    assert stack.stop("actions")["actions"] is not None
    # Down: a clear reply at once, never silence.
    started = time.monotonic()
    reply = texts(stack.say(me, "The FISH was not amplified"))
    assert reply == [CANT_LOOK_UP]
    assert time.monotonic() - started < 10
    # Conversations that need no lookup are still answered, a new one after the
    # identity line and disclaimer (sent by the Rasa server's channel, no action server).
    other = texts(stack.say(f"fault-{uuid.uuid4()}", "are you a bot?"))
    assert folded(other) == [response("utter_disclaimer"), response("utter_iamabot")], other
    # A new conversation that opens with an emergency: its reply first and alone, at once.
    started = time.monotonic()
    reply = texts(stack.say(f"fault-{uuid.uuid4()}", "my throat is closing up after my Herceptin"))
    assert folded(reply) == [response("utter_emergency")], reply
    assert time.monotonic() - started < 10

    stack.start("actions")
    # Back: the conversation carries on where it was (IHC 2+ remembered, form active).
    reply = texts(stack.say(me, "The FISH was not amplified"))
    assert "You told me: IHC 2+, FISH negative." in reply, reply
    assert any(t.startswith("Result: HER2-low") for t in reply), reply


def test_action_server_hangs_and_recovers(stack):
    me = f"fault-{uuid.uuid4()}"
    reply = texts(stack.say(me, "My IHC was 3+"))
    assert any(t.startswith("Result: HER2-positive") for t in reply), reply

    stack.send_signal("actions", signal.SIGSTOP)  # accepts connections, never answers
    try:
        started = time.monotonic()
        reply = texts(stack.say(me, "what treatments are used for that?"))
        elapsed = time.monotonic() - started
        assert reply == [CANT_LOOK_UP]
        assert elapsed < ACTION_TIMEOUT * 3 + 5, f"took {elapsed:.1f} s"
    finally:
        stack.send_signal("actions", signal.SIGCONT)

    reply = texts(stack.say(me, "what treatments are used for that?"))
    assert any("HER2-targeted" in t for t in reply), reply
    assert CANT_LOOK_UP not in reply


def test_logs_have_no_message_text_or_results(stack):
    """At the default log level neither server logs what users typed or their results
    (checked after the conversations above, including their error paths)."""
    logs = stack.logs()
    assert "Rasa server is up and running" in logs  # the right files were read
    for secret in (
        "My IHC was",
        "FISH was not amplified",
        "treatments are used",
        "are you a bot",
        "HER2-low",
        "HER2-positive",
        "ihc_score': '",
        "You told me",
    ):
        assert secret not in logs, f"{secret!r} found in the logs"
