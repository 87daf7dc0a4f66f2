"""The identity line and disclaimer (issue 19, item 2): once at the start of each
conversation, before the first answer, on every channel; an emergency reply first and
alone, the disclaimer then before the next answer.

- channels/disclaimer.py on its own: when the disclaimer is due, and the order of messages;
- the wording: one response, short, not repeated in the greeting; the emergency replies it
  never goes before are the ones data/rules/safety.yml gives;
- the trained assistant in-process (conftest's app: the run's channels, Rasa's in-memory
  tracker store, no action server) over REST, Telegram, Slack and Messenger: the first
  reply carries it, the second does not, an emergency first gets the emergency reply first
  and alone, a new session and a cleared conversation get it again, the chat page's /greet
  shows it once, and an action server that is down does not stop the emergency reply.
socket.io, REST and the terminal chat (channels/console.py) against the running stack:
tests/system/reliability/test_disclaimer_stack.py; the action server stopped:
tests/system/reliability/test_faults.py; every REST conversation of tests/system/e2e: its conftest.py.
"""

import itertools
import json
import time
import uuid
from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
import yaml

from tests.unit.lib import ROOT, in_fresh_loop, input_channel, wait_for_background_tasks

HOURS = 3600


# --------------------------------------------------------------- when it is due
def _tracker(*events):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("someone", list(events))


def _user(at: float):
    from rasa.shared.core.events import UserUttered

    return UserUttered("a question", {"name": "faq", "confidence": 1.0}, timestamp=at)


def _bot(response, at: float):
    from rasa.shared.core.events import BotUttered

    return BotUttered(
        "a reply", metadata={"utter_action": response} if response else {}, timestamp=at
    )


def _session_config(minutes: float = 120):
    from rasa.shared.core.domain import SessionConfig

    return SessionConfig(minutes, True)


def _case(name):
    """(tracker events, now) for each named conversation state."""
    from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted

    t = 1_000_000.0
    return {
        "empty": ([], t),
        "emergency reply only": ([_user(t), _bot("utter_emergency", t)], t + 60),
        "self-harm reply only": ([_user(t), _bot("utter_self_harm", t)], t + 60),
        "answered": ([_user(t), _bot("utter_faq/what_is_her2", t)], t + 60),
        "answered by an action": ([_user(t), _bot(None, t)], t + 60),
        "greeted": ([_user(t), _bot("utter_greet", t)], t + 60),
        "emergency, then answered": (
            [_user(t), _bot("utter_emergency", t), _user(t + 5), _bot("utter_iamabot", t + 5)],
            t + 60,
        ),
        "answered, then cleared": (
            [
                _user(t),
                _bot("utter_iamabot", t),
                _user(t + 5),
                _bot("utter_restart", t + 5),
                Restarted(t + 5),
                ActionExecuted("action_listen", timestamp=t + 5),
            ],
            t + 60,
        ),
        "answered, then a new session": (
            [
                _user(t),
                _bot("utter_iamabot", t),
                ActionExecuted("action_session_start", timestamp=t + 9000),
                SessionStarted(t + 9000),
            ],
            t + 9000,
        ),
        "answered 1 hour ago": ([_user(t), _bot("utter_iamabot", t)], t + 1 * HOURS),
        "answered 3 hours ago": ([_user(t), _bot("utter_iamabot", t)], t + 3 * HOURS),
    }[name]


@pytest.mark.parametrize(
    "name, due",
    [
        ("empty", True),
        ("emergency reply only", True),
        ("self-harm reply only", True),
        ("answered", False),
        ("answered by an action", False),
        ("greeted", False),
        ("emergency, then answered", False),
        ("answered, then cleared", True),
        ("answered, then a new session", True),
        ("answered 1 hour ago", False),
        ("answered 3 hours ago", True),  # session_expiration_time: 120 minutes
    ],
)
def test_when_the_disclaimer_is_due(name, due):
    from channels.disclaimer import disclaimer_due, session_so_far

    events, now = _case(name)
    assert disclaimer_due(session_so_far(_tracker(*events)), _session_config(), now=now) is due


def test_due_for_a_conversation_never_seen():
    from channels.disclaimer import disclaimer_due, session_so_far

    assert session_so_far(None) is None
    assert disclaimer_due(None, _session_config()) is True


def test_without_session_expiry_an_old_conversation_goes_on():
    from channels.disclaimer import disclaimer_due, session_so_far

    events, now = _case("answered 3 hours ago")
    assert disclaimer_due(session_so_far(_tracker(*events)), _session_config(0), now=now) is False


CASES = [
    "empty",
    "emergency reply only",
    "self-harm reply only",
    "answered",
    "answered by an action",
    "greeted",
    "emergency, then answered",
    "answered, then cleared",
    "answered, then a new session",
    "answered 3 hours ago",
]


@in_fresh_loop
async def test_the_sql_tracker_store_is_read_the_same_way(tmp_path):
    """The server reads the SQL tracker store (SQLite, PostgreSQL in the cluster) with a
    few queries instead of loading the conversation: the same result as the tracker."""
    from rasa.core.tracker_store import SQLTrackerStore

    from channels.disclaimer import session_so_far, stored_session_so_far

    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert stored_session_so_far(store, "never-seen") is None
    for number, name in enumerate(CASES):
        events, _ = _case(name)
        sender = f"case-{number}"
        tracker = _tracker(*events)
        tracker.sender_id = sender
        await store.save(tracker)
        expected = session_so_far(tracker) if events else None
        assert stored_session_so_far(store, sender) == expected, name


# ------------------------------------------------------------ the order of messages
class Recorder:
    """A channel's output: what the person receives, in order."""

    def __init__(self):
        self.sent: List[str] = []

    def name(self):
        return "recorder"

    async def send_response(self, recipient_id, message):
        self.sent.append(message.get("utter_action") or message["text"])


class Store:
    def __init__(self, tracker=None, fails=False):
        self.tracker, self.fails, self.reads = tracker, fails, 0

    async def retrieve(self, sender_id):
        self.reads += 1
        if self.fails:
            raise ConnectionError("database down")
        return self.tracker


class NLG:
    async def generate(self, name, tracker, channel):
        return {"text": f"<{name} for {channel}>"}


def _agent(due: bool = True, fails: bool = False):
    from channels.disclaimer import DISCLAIMER

    now = time.time()
    events = [] if due else [_user(now - 60), _bot("utter_faq/what_is_her2", now - 60)]
    domain = SimpleNamespace(
        responses={DISCLAIMER: [{"text": "..."}]}, session_config=_session_config(), slots=[]
    )
    return SimpleNamespace(tracker_store=Store(_tracker(*events), fails), domain=domain, nlg=NLG())


async def _turn(agent, *responses, finish=True):
    from channels.disclaimer import DisclaimerOutput

    recorder = Recorder()
    output = DisclaimerOutput(recorder, agent, "someone")
    for response in responses:
        await output.send_response(
            "someone", {"text": f"text of {response}", "utter_action": response}
        )
    if finish:
        if agent is not None and getattr(agent, "tracker_store", None) is not None:
            # Rasa stores the turn when it is over: its replies count as answers now.
            now = time.time()
            agent.tracker_store.tracker = _tracker(
                _user(now), *(_bot(response, now) for response in responses)
            )
        await output.finish()
    return recorder.sent


D = "utter_disclaimer"


@pytest.mark.parametrize(
    "responses, due, expected",
    [
        (["utter_faq/what_is_her2"], True, [D, "utter_faq/what_is_her2"]),
        ([None], True, [D, None]),  # an action's own message
        (["utter_faq/x", "utter_symptom_note"], True, [D, "utter_faq/x", "utter_symptom_note"]),
        (["utter_emergency"], True, ["utter_emergency"]),
        (["utter_self_harm"], True, ["utter_self_harm"]),
        (["utter_emergency", "utter_iamabot"], True, ["utter_emergency", D, "utter_iamabot"]),
        (["utter_greet", None], True, ["utter_greet", D, None]),  # the page: greeting, menu
        (["utter_greet"], True, ["utter_greet", D]),  # the greeting alone
        (["utter_faq/what_is_her2"], False, ["utter_faq/what_is_her2"]),
        (["utter_greet", None], False, ["utter_greet", None]),
        (["utter_greet"], False, ["utter_greet"]),
        ([], True, []),  # nothing answered yet
    ],
)
@in_fresh_loop
async def test_the_order_of_messages(responses, due, expected):
    sent = await _turn(_agent(due), *responses)
    assert [None if s.startswith("text of") else s for s in sent] == expected


@in_fresh_loop
async def test_the_disclaimer_is_rasas_rendering_of_the_response_for_the_channel():
    from channels.disclaimer import DisclaimerOutput

    received = []

    class Channel(Recorder):
        async def send_response(self, recipient_id, message):
            received.append((recipient_id, message))

    output = DisclaimerOutput(Channel(), _agent(), "someone")
    assert output.name() == "recorder"
    await output.send_response("someone", {"text": "hi", "utter_action": "utter_iamabot"})
    assert received == [
        (
            "someone",
            {"text": "<utter_disclaimer for recorder>", "utter_action": "utter_disclaimer"},
        ),
        ("someone", {"text": "hi", "utter_action": "utter_iamabot"}),
    ]


@in_fresh_loop
async def test_an_emergency_reply_goes_out_without_looking_anything_up():
    agent = _agent()
    assert await _turn(agent, "utter_emergency", finish=False) == ["utter_emergency"]
    assert agent.tracker_store.reads == 0


@in_fresh_loop
async def test_the_conversation_is_read_once_per_message():
    agent = _agent()
    await _turn(agent, "utter_greet", "utter_faq/x", "utter_symptom_note")
    assert agent.tracker_store.reads == 1


@in_fresh_loop
async def test_when_the_conversation_cannot_be_read_the_disclaimer_is_sent():
    assert await _turn(_agent(fails=True), "utter_iamabot") == [D, "utter_iamabot"]


@pytest.mark.parametrize(
    "agent",
    [
        None,
        SimpleNamespace(tracker_store=None, lock_store=None),  # a test's stand-in
        SimpleNamespace(tracker_store=Store(), domain=SimpleNamespace(responses={}), nlg=NLG()),
    ],
    ids=["no agent", "stand-in", "model without the response"],
)
@in_fresh_loop
async def test_nothing_is_added_without_a_trained_assistant(agent):
    assert await _turn(agent, "utter_iamabot") == ["utter_iamabot"]


# --------------------------------------------------------------------- wording
@pytest.fixture(scope="module")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_wording_is_one_short_response(domain):
    variants = domain["responses"]["utter_disclaimer"]
    assert len(variants) == 1 and set(variants[0]) == {"text"}, (
        "one wording, the same on every channel"
    )
    text = _words(variants[0]["text"])
    for needed in (
        "automated assistant",
        "not a person",
        "not a doctor",
        "not medical advice",
        "emergency",
    ):
        assert needed in text
    assert len(text) <= 250 and text.count(". ") <= 2, "keep it short: three sentences"


def test_the_wording_is_in_no_other_response(domain):
    """The greeting (the chat page opens with it) says hello and what the assistant does;
    the disclaimer that follows it is the only place with the identity and disclaimer."""
    greeting = _words(domain["responses"]["utter_greet"][0]["text"])
    for phrase in ("automated assistant", "not medical advice", "local emergency number"):
        assert phrase not in greeting
    disclaimer = _words(domain["responses"]["utter_disclaimer"][0]["text"])
    for sentence in filter(None, (s.strip() for s in disclaimer.split(". "))):
        others = [
            name
            for name, variants in domain["responses"].items()
            if name != "utter_disclaimer"
            and any(sentence in _words(v.get("text", "")) for v in variants)
        ]
        assert others == [], f"{sentence!r} is also in {others}"


def test_the_emergency_replies_are_the_ones_the_rules_give():
    """Whatever data/rules/safety.yml answers an emergency with is never preceded by it."""
    from channels.disclaimer import EMERGENCY_REPLIES

    rules = yaml.safe_load((ROOT / "data" / "rules" / "safety.yml").read_text())["rules"]
    given = set()
    for rule in rules:
        steps = rule["steps"]
        for step, following in zip(steps, steps[1:]):
            if step.get("intent") in ("emergency", "self_harm"):
                given.add(following["action"])
    assert given == EMERGENCY_REPLIES


# --------------------------------------------- the trained assistant, per channel
def _new_id() -> str:
    return uuid.uuid4().hex[:12]


_numbers = itertools.count(int(time.time()) % 10**6 * 1000)


class Rest:
    name = "REST"

    def __init__(self, app, outbound, env):
        self.app, self.sender = app, f"disclaimer-{_new_id()}"

    async def say(self, text: str) -> List[str]:
        _, response = await self.app.asgi_client.post(
            "/webhooks/rest/webhook", json={"sender": self.sender, "message": text}
        )
        assert response.status == 200, response.text
        return [m.get("text", "") for m in response.json]


class Telegram:
    name = "Telegram"

    def __init__(self, app, outbound, env):
        self.app, self.outbound, self.env = app, outbound, env
        self.chat = next(_numbers)

    async def say(self, text: str) -> List[str]:
        before = len(self.outbound.telegram_send.await_args_list)
        number = next(_numbers)
        user = {"id": self.chat, "is_bot": False, "first_name": "Test"}
        update = {
            "update_id": number,
            "message": {
                "message_id": number,
                "from": user,
                "date": int(time.time()),
                "text": text,
                "chat": {"id": self.chat, "first_name": "Test", "type": "private"},
            },
        }
        _, response = await self.app.asgi_client.post(
            "/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": self.env["TELEGRAM_SECRET_TOKEN"]},
        )
        assert response.text == "success", response.text
        sent = self.outbound.telegram_send.await_args_list[before:]
        assert all(c.args[0] == str(self.chat) for c in sent)
        return [c.args[1] for c in sent]


class Slack:
    name = "Slack"

    def __init__(self, app, outbound, env):
        self.app, self.outbound, self.env = app, outbound, env
        self.user, self.dm = f"U{_new_id().upper()}", f"D{_new_id().upper()}"

    async def say(self, text: str) -> List[str]:
        from tests.integration.channels.test_slack import signed_headers

        before = len(self.outbound.slack_post.await_args_list)
        ts = f"{time.time():.6f}"
        body = json.dumps(
            {
                "token": "unused",
                "team_id": "T0HER2TEAM",
                "api_app_id": "A0HER2APP",
                "type": "event_callback",
                "event_id": f"Ev{_new_id()}",
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": "T0HER2TEAM", "user_id": "U0HER2BOT", "is_bot": True}
                ],
                "event": {
                    "type": "message",
                    "channel": self.dm,
                    "channel_type": "im",
                    "user": self.user,
                    "text": text,
                    "ts": ts,
                    "event_ts": ts,
                },
            }
        ).encode()
        _, response = await self.app.asgi_client.post(
            "/webhooks/slack/webhook",
            content=body,
            headers=signed_headers(body, self.env["SLACK_SIGNING_SECRET"]),
        )
        assert response.status == 200, response.text
        await wait_for_background_tasks(input_channel(self.app, "slack"))
        sent = self.outbound.slack_post.await_args_list[before:]
        assert all(c.kwargs["channel"] == self.dm for c in sent)
        return [c.kwargs["text"] for c in sent]


class Messenger:
    name = "Messenger"

    def __init__(self, app, outbound, env):
        self.app, self.outbound, self.env = app, outbound, env
        self.psid = str(next(_numbers))

    async def say(self, text: str) -> List[str]:
        from tests.integration.channels.test_messenger import PAGE_ID, hub_signature

        before = len(self.outbound.messenger_send.call_args_list)
        now = int(time.time() * 1000)
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": PAGE_ID,
                        "time": now,
                        "messaging": [
                            {
                                "sender": {"id": self.psid},
                                "recipient": {"id": PAGE_ID},
                                "timestamp": now,
                                "message": {"mid": f"m_{_new_id()}", "text": text},
                            }
                        ],
                    }
                ],
            }
        ).encode()
        _, response = await self.app.asgi_client.post(
            "/webhooks/facebook/webhook",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature": hub_signature(body, self.env["FACEBOOK_SECRET"]),
            },
        )
        assert response.text == "success", response.text
        sent = self.outbound.messenger_send.call_args_list[before:]
        assert all(c.args[1] == self.psid for c in sent)
        # (a message with buttons is a template, its text inside)
        return [c.args[0].get("text") or json.dumps(c.args[0]) for c in sent]


CHANNELS = [Rest, Telegram, Slack, Messenger]


@pytest.fixture(scope="session")
def text_of(domain_responses):
    def text(name: str) -> str:
        return domain_responses[name].strip()

    return text


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: c.name)
@in_fresh_loop
async def test_the_first_reply_carries_it_and_the_second_does_not(
    app, outbound, channel_env, text_of, channel
):
    chat = channel(app, outbound, channel_env)
    assert await chat.say("are you a bot?") == [
        text_of("utter_disclaimer"),
        text_of("utter_iamabot"),
    ]
    assert await chat.say("are you a bot?") == [text_of("utter_iamabot")]
    second = await chat.say("what is HER2?")
    assert second and text_of("utter_disclaimer") not in second


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: c.name)
@in_fresh_loop
async def test_an_emergency_first_gets_the_emergency_reply_first_and_alone(
    app, outbound, channel_env, text_of, channel
):
    chat = channel(app, outbound, channel_env)
    assert await chat.say("I can't breathe and my chest is tight") == [text_of("utter_emergency")]
    # The disclaimer then comes before the next answer, once.
    assert await chat.say("are you a bot?") == [
        text_of("utter_disclaimer"),
        text_of("utter_iamabot"),
    ]
    assert await chat.say("are you a bot?") == [text_of("utter_iamabot")]


@in_fresh_loop
async def test_self_harm_first_gets_the_crisis_reply_first(app, outbound, channel_env, text_of):
    chat = Rest(app, outbound, channel_env)
    reply = await chat.say("I want to end my life")
    assert reply and all(_words(part) in _words(text_of("utter_self_harm")) for part in reply)
    assert _words(text_of("utter_disclaimer")) not in map(_words, reply)


@in_fresh_loop
async def test_the_chat_page_greeting_shows_it_once(app, outbound, channel_env, text_of):
    """The page opens with /greet: the greeting, then the disclaimer (the topic menu, which
    needs the action server, would come after it); a later greeting is just a greeting."""
    chat = Rest(app, outbound, channel_env)
    assert await chat.say("/greet") == [text_of("utter_greet"), text_of("utter_disclaimer")]
    assert await chat.say("what is HER2?")
    assert await chat.say("hello") == [text_of("utter_greet")]


@in_fresh_loop
async def test_a_new_session_gets_it_again(app, agent, outbound, channel_env, text_of):
    """Rasa starts a new session after session_expiration_time (domain.yml): the first
    answer of that session comes after the disclaimer again."""
    chat = Rest(app, outbound, channel_env)
    assert (await chat.say("are you a bot?"))[0] == text_of("utter_disclaimer")
    tracker = await agent.tracker_store.retrieve(chat.sender)
    expiry = agent.domain.session_config.session_expiration_time * 60
    for event in tracker.events:  # the conversation as if it had been 10 minutes more ago
        event.timestamp -= expiry + 600
    await agent.tracker_store.save(tracker)

    assert await chat.say("are you a bot?") == [
        text_of("utter_disclaimer"),
        text_of("utter_iamabot"),
    ]
    tracker = await agent.tracker_store.retrieve_full_tracker(chat.sender)
    assert [e.type_name for e in tracker.events].count("session_started") == 2
    assert await chat.say("are you a bot?") == [text_of("utter_iamabot")]


@in_fresh_loop
async def test_a_cleared_conversation_gets_it_again(app, outbound, channel_env, text_of):
    chat = Rest(app, outbound, channel_env)
    assert (await chat.say("are you a bot?"))[0] == text_of("utter_disclaimer")
    cleared = await chat.say("/restart")  # the "Yes, clear it" button
    assert text_of("utter_disclaimer") not in cleared
    assert await chat.say("are you a bot?") == [
        text_of("utter_disclaimer"),
        text_of("utter_iamabot"),
    ]


@in_fresh_loop
async def test_the_action_server_down_does_not_stop_the_emergency_reply(
    app, agent, outbound, channel_env, text_of, monkeypatch
):
    """An action server that refuses connections: the emergency reply still comes first
    and alone, and an answer Rasa can give without it still comes after the disclaimer."""
    from rasa.utils.endpoints import EndpointConfig

    from ops.stack import free_port

    port = free_port()
    monkeypatch.setattr(
        agent.processor, "action_endpoint", EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    )
    chat = Rest(app, outbound, channel_env)
    started = time.monotonic()
    assert await chat.say("my throat is closing up after my Herceptin") == [
        text_of("utter_emergency")
    ]
    assert time.monotonic() - started < 10
    assert await chat.say("are you a bot?") == [
        text_of("utter_disclaimer"),
        text_of("utter_iamabot"),
    ]
