"""The scale-out deployment against real servers on loopback (see conftest.py).

Two Rasa replicas share conversations through PostgreSQL (tracker store) and lock
them in Redis (lock store); nginx balances REST round-robin and socket.io sticky.
Each test asserts on the bot's real replies and on the events stored in PostgreSQL.
The test that stops a replica runs last: the ones before it need both (the one that
kills a replica waits until run_cluster.sh has started it again).
"""

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Dict, List, Tuple

import pytest
import yaml

from her2 import category_info
from ops.cluster_config import RESEND_REPLY
from ops.stack import ROOT

pytestmark = pytest.mark.cluster

with open("domain.yml", encoding="utf-8") as handle:
    RESPONSES = yaml.safe_load(handle)["responses"]
with open("data/responses/faq.yml", encoding="utf-8") as handle:
    RESPONSES.update(yaml.safe_load(handle)["responses"])

ASK_IHC = RESPONSES["utter_ask_ihc_score"][0]["text"]
ASK_ISH = RESPONSES["utter_ask_ish_result"][0]["text"]
POSITIVE = f"Result: {category_info('positive')['label']}."
LOW = f"Result: {category_info('low')['label']}."


def folded(text: str) -> str:
    return " ".join(text.split())


def answers(response: str) -> List[str]:
    return [folded(variant["text"]) for variant in RESPONSES[response]]


def new_sender(kind: str) -> str:
    return f"cluster-{kind}-{uuid.uuid4().hex[:12]}"


def user_texts(events: List[Dict]) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def turns(events: List[Dict]) -> List[List[Dict]]:
    """The stored events cut into turns: a user message and everything up to the next."""
    result: List[List[Dict]] = []
    for event in events:
        if event["event"] == "user":
            result.append([event])
        elif result:
            result[-1].append(event)
    return result


def final_upstream(row: Tuple[str, str, int, str]) -> str:
    """The replica that answered ("a, b" in nginx's log: a refused, b answered)."""
    return row[3].split(", ")[-1]


def assert_whole_turns(events: List[Dict]) -> None:
    """Every turn is complete and on its own: it ends by listening, and listens once."""
    for turn in turns(events):
        listens = [e for e in turn if e["event"] == "action" and e["name"] == "action_listen"]
        assert (
            turn[-1]["event"] == "action"
            and turn[-1]["name"] == "action_listen"
            and len(listens) == 1
        ), (
            f"turn {turn[0]['text']!r} is not a whole turn: "
            f"{[(e['event'], e.get('name')) for e in turn]}"
        )


# --------------------------------------------------------------------------- 1
def test_turns_alternating_between_replicas_keep_slots_and_form_state(cluster):
    first, second = cluster.rasa_url(0), cluster.rasa_url(1)
    sender = new_sender("alternate")

    # The form starts on one replica, and each answer goes to the other one.
    assert (
        cluster.texts(first, sender, "can you help me understand my HER2 results?")[-1] == ASK_IHC
    )
    assert cluster.slots(sender)["active_loop"] == "her2_form"
    assert cluster.texts(second, sender, "2+")[-1] == ASK_ISH
    assert cluster.slots(sender)["requested_slot"] == "ish_result"
    replies = "\n".join(cluster.texts(first, sender, "FISH was amplified"))
    assert "You told me: IHC 2+, FISH positive." in replies
    assert POSITIVE in replies
    follow_up = cluster.texts(second, sender, "what treatments are used for that?")[0]
    assert category_info("positive")["treatment_families"] in follow_up

    slots = cluster.slots(sender)
    assert slots["ihc_score"] == "2+" and slots["ish_result"] == "FISH positive"
    assert slots["her2_category"] == "positive" and slots["active_loop"] is None
    events = cluster.events(sender)
    assert user_texts(events) == [
        "can you help me understand my HER2 results?",
        "2+",
        "FISH was amplified",
        "what treatments are used for that?",
    ]
    assert_whole_turns(events)


def test_rest_through_nginx_is_round_robin(cluster):
    sender = new_sender("nginx")
    before = len(cluster.access_log())
    assert cluster.texts(cluster.lb_url, sender, "my HER2 IHC was 2+")[-1] == ASK_ISH
    replies = "\n".join(cluster.texts(cluster.lb_url, sender, "the FISH came back negative"))
    assert "You told me: IHC 2+, FISH negative." in replies and LOW in replies
    assert category_info("low")["treatment_families"] in "\n".join(
        cluster.texts(cluster.lb_url, sender, "what treatments are used for that?")
    )
    assert folded(cluster.texts(cluster.lb_url, sender, "thank you so much")[0]) in answers(
        "utter_you_are_welcome"
    )

    time.sleep(0.5)  # nginx writes the access log line after the reply
    rest = [row for row in cluster.access_log()[before:] if row[1] == "/webhooks/rest/webhook"]
    assert [row[2] for row in rest] == [200] * 4
    upstreams = [final_upstream(row) for row in rest]
    assert set(upstreams) == {f"127.0.0.1:{port}" for port in cluster.rasa_ports}, upstreams
    assert all(a != b for a, b in zip(upstreams, upstreams[1:])), upstreams


def test_forget_deletes_a_conversation_from_postgres(cluster):
    """`make forget` (scripts/delete_conversation.py) with the cluster's endpoints file."""
    sender = new_sender("forget")
    assert cluster.texts(cluster.lb_url, sender, "my HER2 was 3+")
    assert cluster.events(sender)
    result = subprocess.run(
        [
            sys.executable,
            "scripts/delete_conversation.py",
            sender,
            "--endpoints",
            "deploy/endpoints.cluster.yml",
        ],
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert cluster.events(sender) == []


# --------------------------------------------------------------------------- 2
CONCURRENT_PAIRS: List[Tuple[Tuple[str, str], Tuple[str, str]]] = [
    (
        ("what is HER2?", "utter_faq/what_is_her2"),
        ("what does a FISH test measure", "utter_faq/fish_test"),
    ),
    (
        ("what are the survival rates", "utter_faq/survival_rates"),
        ("am I talking to a robot?", "utter_iamabot"),
    ),
    (
        ("what are the signs of HER2 positive breast cancer", "utter_faq/symptoms"),
        ("thank you so much", "utter_you_are_welcome"),
    ),
]


def test_concurrent_messages_on_two_replicas_are_serialised(cluster):
    """Two messages of one conversation, released at the same instant to two replicas:
    the lock store makes one wait for the other, so both turns are stored whole, one
    after the other, each with its own replies."""
    sender = new_sender("concurrent")
    cluster.say(cluster.rasa_url(0), sender, "hello")
    replies: Dict[str, List[str]] = {}
    seconds: Dict[str, float] = {}
    failures: List[str] = []

    def send(index: int, text: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            replies[text] = cluster.texts(cluster.rasa_url(index), sender, text)
        except Exception as error:  # reported below, with the other thread's result
            failures.append(f"{text!r} on replica {index}: {error!r}")
        seconds[text] = time.monotonic() - started

    waited = []
    for (text_a, _), (text_b, _) in CONCURRENT_PAIRS:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=send, args=(0, text_a, barrier)),
            threading.Thread(target=send, args=(1, text_b, barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        waited.append(max(seconds.get(text_a, 0), seconds.get(text_b, 0)))
    assert not failures, failures

    # Each message got its own answer.
    for pair in CONCURRENT_PAIRS:
        for text, response in pair:
            assert replies[text] and folded(replies[text][0]) in answers(response), (
                text,
                replies[text],
            )

    # The stored conversation: every message exactly once, each turn whole and not
    # mixed with the other (its bot events are exactly the replies that message got).
    events = cluster.events(sender)
    sent = ["hello"] + [text for pair in CONCURRENT_PAIRS for text, _ in pair]
    assert sorted(user_texts(events)) == sorted(sent), user_texts(events)
    assert_whole_turns(events)
    for turn in turns(events)[1:]:
        stored = [folded(e["text"]) for e in turn if e["event"] == "bot"]
        assert stored == [folded(t) for t in replies[turn[0]["text"]]], turn[0]["text"]
    for first, second in zip(turns(events), turns(events)[1:]):
        assert first[-1]["timestamp"] <= second[0]["timestamp"] + 1e-3, "turns overlap"

    # The lock was really contended: Rasa re-checks a taken lock every second, so the
    # message that had to wait took at least that long.
    assert max(waited) >= 0.9, f"no message had to wait for the lock: {waited}"


# --------------------------------------------------------------------------- 3
class EngineIOClient:
    """What rasa-webchat's socket.io client does: an HTTP long-polling handshake, the
    socket.io connect over polling, then the upgrade to a WebSocket with the same sid.
    (python-socketio's own client needs a newer aiohttp for WebSockets than Rasa 3.6
    allows, so the few frames are written here.)"""

    def __init__(self, http, base_url: str):
        self.http = http
        self.url = f"{base_url}/socket.io/?EIO=4"
        self.sid = ""
        self.ws = None

    @staticmethod
    def packets(body: str) -> List[str]:
        return body.split("\x1e")

    async def poll(self) -> List[str]:
        async with self.http.get(f"{self.url}&transport=polling&sid={self.sid}") as response:
            assert response.status == 200, await response.text()
            return self.packets(await response.text())

    async def open(self) -> List[str]:
        """engine.io handshake and the socket.io connect, over polling: the packets the
        server answers the connect with ("40..." accepted, "44..." refused)."""
        async with self.http.get(f"{self.url}&transport=polling") as response:
            assert response.status == 200, await response.text()
            opening = self.packets(await response.text())[0]
        assert opening.startswith("0")
        self.sid = json.loads(opening[1:])["sid"]
        async with self.http.post(
            f"{self.url}&transport=polling&sid={self.sid}", data="40"
        ) as response:
            assert response.status == 200, await response.text()
        return await self.poll()

    async def connect(self) -> None:
        assert any(p.startswith("40") for p in await self.open())
        ws_url = self.url.replace("http://", "ws://") + f"&transport=websocket&sid={self.sid}"
        self.ws = await self.http.ws_connect(ws_url)
        await self.ws.send_str("2probe")
        assert await self.receive_frame() == "3probe"
        await self.ws.send_str("5")

    async def receive_frame(self) -> str:
        while True:
            frame = await asyncio.wait_for(self.ws.receive_str(), timeout=120)
            if frame == "2":  # engine.io ping
                await self.ws.send_str("3")
                continue
            return frame

    async def emit(self, event: str, data) -> None:
        await self.ws.send_str("42" + json.dumps([event, data]))

    async def wait_for(self, event: str):
        while True:
            frame = await self.receive_frame()
            if frame.startswith("42"):
                name, *args = json.loads(frame[2:])
                if name == event:
                    return args[0] if args else None

    async def say(self, session_id: str, text: str, quiet: float = 1.5) -> List[str]:
        """The texts of the bot messages the message gets (socket.io has no end-of-turn
        marker: the turn is over when nothing more comes for ``quiet`` seconds)."""
        await self.emit("user_uttered", {"message": text, "session_id": session_id})
        texts = [(await self.wait_for("bot_uttered")).get("text", "")]
        while True:
            try:
                message = await asyncio.wait_for(self.wait_for("bot_uttered"), quiet)
            except asyncio.TimeoutError:
                return texts
            texts.append(message.get("text", ""))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def close_polling(self) -> None:
        """engine.io's close packet over polling."""
        async with self.http.post(
            f"{self.url}&transport=polling&sid={self.sid}", data="1"
        ) as response:
            assert response.status == 200, await response.text()


def browser_session(cluster, origin: str = ""):
    """An HTTP client that behaves like a browser showing the chat page: it keeps
    cookies (unsafe=True: the host is an IP address) and sends the page's Origin."""
    import aiohttp

    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": origin or cluster.public_url}
    )


async def _browsers(cluster, count: int):
    async def browser(number: int):
        async with browser_session(cluster) as http:
            client = EngineIOClient(http, cluster.lb_url)
            await client.connect()
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            assert await client.wait_for("session_confirm") == session_id
            first = await client.say(session_id, "what is HER2?")
            results = await client.say(session_id, "my HER2 was 3+")
            cookie = {c.key: c.value for c in http.cookie_jar}.get("lb_route")
            await client.close()
            return {
                "sid": client.sid,
                "session_id": session_id,
                "first": first,
                "results": results,
                "cookie": cookie,
            }

    return await asyncio.gather(*(browser(n) for n in range(count)))


async def _continue_on(cluster, base_url: str, session_id: str, text: str) -> List[str]:
    async with browser_session(cluster) as http:
        client = EngineIOClient(http, base_url)
        await client.connect()
        await client.emit("session_request", {"session_id": session_id})
        await client.wait_for("session_confirm")
        reply = await client.say(session_id, text)
        await client.close()
        return reply


def test_socketio_is_sticky_and_conversations_move_between_replicas(cluster):
    before = len(cluster.access_log())
    browsers = asyncio.run(_browsers(cluster, 4))
    for browser in browsers:
        # The conversation's first answer, after the identity line and disclaimer.
        # (Rasa's socket.io channel sends each paragraph as its own message.)
        assert [folded(browser["first"][0])] == answers("utter_disclaimer"), browser["first"]
        assert folded(" ".join(browser["first"][1:])) in answers("utter_faq/what_is_her2")
        assert POSITIVE in "\n".join(browser["results"]), browser["results"]
        assert browser["cookie"] and len(browser["cookie"]) == 32

    time.sleep(0.5)
    rows = [row for row in cluster.access_log()[before:] if row[1].startswith("/socket.io/")]
    replica_of = {}
    for browser in browsers:
        mine = [row for row in rows if f"sid={browser['sid']}" in row[1]]
        assert any("transport=websocket" in row[1] and row[2] == 101 for row in mine), mine
        assert all(row[2] in (200, 101) for row in mine), mine
        upstreams = {row[3] for row in mine}
        assert len(upstreams) == 1, f"one browser's socket.io requests were split: {mine}"
        replica_of[browser["session_id"]] = upstreams.pop()

    # Why stickiness is needed: a polling request that reaches another replica than the
    # one that issued its sid is refused.
    browser = browsers[0]
    home = replica_of[browser["session_id"]]
    other = next(p for p in cluster.rasa_ports if f"127.0.0.1:{p}" != home)
    request = urllib.request.Request(
        f"http://127.0.0.1:{other}/socket.io/?EIO=4&transport=polling&sid={browser['sid']}"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400

    # The conversation itself is not tied to a replica: a new socket on the other
    # replica, with the same session id, continues it (the results given above).
    reply = asyncio.run(
        _continue_on(
            cluster,
            f"http://127.0.0.1:{other}",
            browser["session_id"],
            "what treatments are used for that?",
        )
    )
    assert category_info("positive")["treatment_families"] in "\n".join(reply)

    # Only the page's own origin (nginx's public URL) may open a socket.
    async def foreign() -> List[str]:
        async with browser_session(cluster, origin="http://evil.example") as http:
            client = EngineIOClient(http, cluster.lb_url)
            answer = await client.open()
            await client.close_polling()  # (a refused session left open stalls shutdown)
            return answer

    assert not any(p.startswith("40") for p in asyncio.run(foreign()))


# --------------------------------------------------------------------------- 4
def test_postgres_restart_replicas_reconnect_and_carry_on(cluster):
    first, second = cluster.rasa_url(0), cluster.rasa_url(1)
    a, b = new_sender("pg-a"), new_sender("pg-b")
    assert cluster.texts(first, a, "help me understand my results")[-1] == ASK_IHC
    assert cluster.texts(second, b, "help me understand my results")[-1] == ASK_IHC
    logs_before = {i: len(cluster.log(f"rasa-{p}")) for i, p in enumerate(cluster.rasa_ports)}

    # A restart closes every pooled connection of both replicas.
    cluster.pg_ctl("-m", "fast", "restart")
    assert cluster.texts(second, a, "2+")[-1] == ASK_ISH
    assert cluster.texts(first, b, "2+")[-1] == ASK_ISH

    # A message that arrives while PostgreSQL is down waits for it to come back.
    cluster.pg_ctl("-m", "fast", "stop")
    result: Dict[str, object] = {}

    def send() -> None:
        try:
            result["replies"] = cluster.texts(first, a, "FISH was amplified")
        except Exception as error:
            result["error"] = error

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(3)
    assert thread.is_alive(), f"answered while PostgreSQL was down: {result}"
    cluster.pg_ctl("start")
    thread.join(timeout=120)
    assert "error" not in result, result
    replies = "\n".join(result["replies"])
    assert "You told me: IHC 2+, FISH positive." in replies and POSITIVE in replies

    replies = "\n".join(cluster.texts(second, b, "the FISH came back negative"))
    assert "You told me: IHC 2+, FISH negative." in replies and LOW in replies

    for sender, expected in (
        (a, ["help me understand my results", "2+", "FISH was amplified"]),
        (b, ["help me understand my results", "2+", "the FISH came back negative"]),
    ):
        events = cluster.events(sender)
        assert user_texts(events) == expected
        assert_whole_turns(events)
    for index, port in enumerate(cluster.rasa_ports):
        new_log = cluster.log(f"rasa-{port}")[logs_before[index] :]
        assert "Falling back to use the 'InMemoryTrackerStore'" not in new_log


# --------------------------------------------------------------------------- 4b
def test_lock_store_tickets_are_unique_across_replicas(cluster):
    """The lock store itself, as two replicas use it, against the cluster's Redis: many
    tickets for one conversation requested at the same instant are all different, and
    the lock is gone once every ticket is served."""
    from rasa.utils.endpoints import EndpointConfig

    from serving.lock_store import AtomicRedisLockStore

    config = EndpointConfig(
        url="127.0.0.1",
        port=cluster.redis_port,
        db=1,
        password=cluster.redis_password,
        type="serving.lock_store.AtomicRedisLockStore",
    )
    replicas = [AtomicRedisLockStore(endpoint_config=config) for _ in range(2)]
    conversation = new_sender("tickets")
    barrier = threading.Barrier(16)
    tickets: List[int] = []
    guard = threading.Lock()

    def take(store) -> None:
        barrier.wait()
        number = store.issue_ticket(conversation)
        with guard:
            tickets.append(number)

    threads = [threading.Thread(target=take, args=(replicas[n % 2],)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(tickets) == list(range(16)), sorted(tickets)
    lock = replicas[0].get_lock(conversation)
    assert lock.now_serving == 0 and not lock.is_locked(0) and lock.is_locked(1)

    for number in sorted(tickets):
        replicas[number % 2].cleanup(conversation, number)
    assert replicas[1].get_lock(conversation) is None


HOLDER = """
import sys, time
from rasa.utils.endpoints import EndpointConfig
from serving.lock_store import AtomicRedisLockStore
store = AtomicRedisLockStore(endpoint_config=EndpointConfig(
    url="127.0.0.1", port=int(sys.argv[1]), password=sys.argv[2], db=1, type="x"))
print(store.issue_ticket(sys.argv[3]), flush=True)
time.sleep(600)
"""


def test_a_dead_replicas_lock_is_given_up_within_seconds(cluster):
    """A process that took a conversation's lock (ticket 0) keeps it while it is alive,
    even past LOCK_OWNER_TTL; SIGKILLed, its ticket is dropped by the next replica that
    waits, within LOCK_OWNER_TTL + 1 s instead of the 60 s ticket lifetime."""
    from rasa.utils.endpoints import EndpointConfig

    from serving.lock_store import LOCK_OWNER_TTL, AtomicRedisLockStore

    conversation = new_sender("dead-owner")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLDER,
            str(cluster.redis_port),
            cluster.redis_password,
            conversation,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "0"
        store = AtomicRedisLockStore(
            endpoint_config=EndpointConfig(
                url="127.0.0.1",
                port=cluster.redis_port,
                password=cluster.redis_password,
                db=1,
                type="serving.lock_store.AtomicRedisLockStore",
            )
        )
        assert cluster.lock_holders(cluster.redis(), [conversation]) == {conversation: holder.pid}

        async def take() -> float:
            async with store.lock(conversation):
                return time.monotonic()

        async def scenario() -> Tuple[bool, float]:
            waiting = asyncio.create_task(take())
            await asyncio.sleep(LOCK_OWNER_TTL + 2)
            taken_while_alive = waiting.done()
            holder.kill()
            killed = time.monotonic()
            return taken_while_alive, await asyncio.wait_for(waiting, 30) - killed

        taken_while_alive, seconds = asyncio.run(scenario())
        assert not taken_while_alive, "a live replica's lock was taken"
        assert seconds < LOCK_OWNER_TTL + 1.5, seconds
        assert store.get_lock(conversation) is None  # nothing left behind
    finally:
        holder.kill()
        holder.wait(timeout=30)


# --------------------------------------------------------------------------- 4c
CRASH_REST_USERS = 3
ROUND_SECONDS = 4  # how long one round waits for a moment to kill
MAX_ROUNDS = 12
NEXT_MESSAGE_SECONDS = 10  # the issue's bound for the message after the crash
PAGE_QUESTIONS = ["what is HER2?", "what does a FISH test measure", "what are the survival rates"]
AFTER_CRASH = ("what are the signs of HER2 positive breast cancer", "utter_faq/symptoms")


def rest_reply_ok(status: int, body, expected) -> str:
    """'answer', 'resend' or a description of what is wrong with a REST reply."""
    if status == 503 and body == [{"text": RESEND_REPLY}]:
        return "resend"
    if status != 200 or not isinstance(body, list) or not body:
        return f"status {status}, body {str(body)[:160]!r}"
    texts = [m.get("text", "") for m in body]
    if expected is None:
        ok = folded(texts[0]) in answers("utter_you_are_welcome")
    else:
        ok = expected in "\n".join(texts)
    return "answer" if ok else f"wrong answer {texts!r:.200}"


def opening(response: str) -> str:
    """The first words of a response as the page shows them (markdown removed)."""
    import re

    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", RESPONSES[response][0]["text"])
    return " ".join(re.sub(r"[*_`#>]", "", text).split()[:6])


class SocketUser(threading.Thread):
    """A socket.io client (the widget's protocol, EngineIOClient) in its own thread and
    event loop, driven by the test: ``send(text)``; ``result()`` is ("answered", texts)
    or ("dropped", texts received before the connection closed). After a drop, the next
    ``send`` opens a new socket through nginx, continues the same session and reports
    ("after", texts, seconds from reconnecting to the first reply)."""

    def __init__(self, cluster, cookie: str, session_id: str):
        super().__init__(daemon=True)
        self.cluster, self.cookie, self.session_id = cluster, cookie, session_id
        self.commands: "queue.Queue" = queue.Queue()
        self.results: "queue.Queue" = queue.Queue()

    def send(self, text: str) -> None:
        self.commands.put(text)

    def result(self, timeout: float = 60):
        return self.results.get(timeout=timeout)

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as error:  # reported to the test, which fails on it
            self.results.put(("error", repr(error)))

    async def _session(self, http) -> EngineIOClient:
        from yarl import URL

        http.cookie_jar.update_cookies(
            {"lb_route": self.cookie}, URL(self.cluster.lb_url + "/socket.io/")
        )
        client = EngineIOClient(http, self.cluster.lb_url)
        await client.connect()
        await client.emit("session_request", {"session_id": self.session_id})
        assert await client.wait_for("session_confirm") == self.session_id
        return client

    async def _next_command(self) -> str:
        return await asyncio.get_running_loop().run_in_executor(None, self.commands.get)

    async def _main(self) -> None:
        import aiohttp

        async with browser_session(self.cluster) as http:
            client = await self._session(http)
            self.results.put(("connected", []))
            while True:
                text = await self._next_command()
                await client.emit("user_uttered", {"message": text, "session_id": self.session_id})
                texts: List[str] = []
                try:
                    texts.append((await client.wait_for("bot_uttered")).get("text", ""))
                    while True:
                        try:
                            message = await asyncio.wait_for(client.wait_for("bot_uttered"), 1.5)
                        except asyncio.TimeoutError:
                            break
                        texts.append(message.get("text", ""))
                except (TypeError, aiohttp.ClientError, ConnectionError):
                    # receive_str() on a closed WebSocket: the replica is gone
                    self.results.put(("dropped", texts, time.monotonic()))
                    break
                self.results.put(("answered", texts))
        text = await self._next_command()
        async with browser_session(self.cluster) as http:
            started = time.monotonic()  # reconnecting is part of the wait
            client = await self._session(http)
            await client.emit("user_uttered", {"message": text, "session_id": self.session_id})
            reply = [(await client.wait_for("bot_uttered")).get("text", "")]
            seconds = time.monotonic() - started
            while True:
                try:
                    message = await asyncio.wait_for(client.wait_for("bot_uttered"), 1.5)
                except asyncio.TimeoutError:
                    break
                reply.append(message.get("text", ""))
            self.results.put(("after", reply, seconds))
            await client.close()


def test_a_replica_killed_mid_message_under_load_leaves_nobody_unanswered(cluster):
    """SIGKILL to the replica handling messages of a REST user, a socket.io client and
    the chat page at the same moment, under load through nginx. Every REST message gets
    its real answer (nginx sends it again to the other replica, which answers once) or
    the "please send it again" reply, never silence or an empty 5xx; the socket.io
    client sees its connection drop, and the page says exactly that the message may
    not have reached the assistant; the next message of each of those conversations is
    answered within 10 s (the dead replica's lock is given up within seconds); the
    killed replica is started again by run_cluster.sh."""
    from playwright.sync_api import expect, sync_playwright

    from tests.system.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    stop = threading.Event()
    killed = {"at": None}  # time.monotonic() of the SIGKILL
    current: Dict[int, str] = {}  # REST user -> its conversation now
    turns_sent: List[Dict] = []
    guard = threading.Lock()

    def rest_user(number: int) -> None:
        while not stop.is_set():
            sender = new_sender("crash")
            current[number] = sender
            script = FORM + [("thank you so much", None)]  # None: utter_you_are_welcome
            index = 0
            while index < len(script):
                text, expected = script[index]
                started = time.monotonic()
                status, body = cluster.say_status(cluster.lb_url, sender, text)
                record = {
                    "sender": sender,
                    "text": text,
                    "expected": expected,
                    "status": status,
                    "body": body,
                    "started": started,
                    "finished": time.monotonic(),
                }
                with guard:
                    turns_sent.append(record)
                at = killed["at"]
                if (
                    at is not None
                    and started < at < record["finished"]
                    and index == len(script) - 1
                ):
                    script.append(("thank you so much", None))  # a next message
                index += 1
            if killed["at"] is not None and time.monotonic() > killed["at"] + 12:
                return

    redis_client = cluster.redis()
    replica_pids = cluster.replica_pids()
    assert len(replica_pids) == 2, replica_pids
    users = [
        threading.Thread(target=rest_user, args=(n,), daemon=True) for n in range(CRASH_REST_USERS)
    ]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.set_default_timeout(45_000)
            page = context.new_page()
            page.goto(cluster.public_url + "/")
            bots = page.locator(".rw-group-message.rw-from-response")
            expect(bots.nth(0)).to_contain_text("automated assistant", ignore_case=True)
            page_session = page.evaluate(
                "() => JSON.parse(localStorage.getItem('chat_session') || '{}').session_id"
            )
            cookie = next(c["value"] for c in context.cookies() if c["name"] == "lb_route")
            box = page.get_by_role("textbox", name="Type your question")
            status = page.locator("#chat-status")

            # A socket.io client on the page's replica (same lb_route cookie).
            socket_session = uuid.uuid4().hex
            socket_user = SocketUser(cluster, cookie, socket_session)
            socket_user.start()
            assert socket_user.result()[0] == "connected"

            for user in users:
                user.start()
            time.sleep(2)  # the load is running

            victim_pid, rest_victims = None, []
            for round_number in range(MAX_ROUNDS):
                question = PAGE_QUESTIONS[round_number % len(PAGE_QUESTIONS)]
                expect(page.locator(".rw-typing-indication")).to_have_count(0)
                replies_before = bots.count()
                socket_user.send(question)
                expect(box).to_be_enabled()
                box.fill(question)
                box.press("Enter")
                deadline = time.monotonic() + ROUND_SECONDS
                while time.monotonic() < deadline:
                    rest_senders = list(current.values())
                    holders = cluster.lock_holders(
                        redis_client, [page_session, socket_session] + rest_senders
                    )
                    pid = holders.get(page_session)
                    on_it = [s for s in rest_senders if holders.get(s) == pid]
                    if pid in replica_pids and holders.get(socket_session) == pid and on_it:
                        os.kill(pid, signal.SIGKILL)
                        killed["at"] = time.monotonic()
                        victim_pid, rest_victims = pid, on_it
                        break
                    time.sleep(0.003)
                if victim_pid:
                    break
                # No moment found: let this round's messages be answered, then again.
                assert socket_user.result()[0] == "answered"
                expect(bots).to_have_count(replies_before + 1)
            assert victim_pid, (
                f"the three messages were never on one replica at once in {MAX_ROUNDS} rounds"
            )
            victim_index = replica_pids[victim_pid]

            # The socket.io client: its connection drops (what the page reacts to).
            outcome = socket_user.result(timeout=30)
            assert outcome[0] == "dropped", outcome
            assert outcome[2] - killed["at"] < 3, "the connection outlived the replica"
            # The page: exactly this, in its status line (role=status, announced).
            expect(status).to_have_text(RESEND_REPLY, timeout=15_000)
            expect(status).to_be_visible()

            # The next message of each: answered within 10 s.
            socket_user.send(AFTER_CRASH[0])
            question, response = AFTER_CRASH
            expect(box).to_be_enabled(timeout=30_000)
            replies_before = bots.count()
            box.fill(question)
            sent_at = time.monotonic()
            box.press("Enter")
            expect(status).to_be_hidden(timeout=5_000)  # the notice goes with a new message
            expect(bots.nth(replies_before)).to_contain_text(
                opening(response), timeout=NEXT_MESSAGE_SECONDS * 1000
            )
            page_seconds = time.monotonic() - sent_at
            outcome = socket_user.result(timeout=60)
            assert outcome[0] == "after", outcome
            # (The identity line and disclaimer first: the crash took the first answer.)
            texts = [t for t in outcome[1] if folded(t) not in answers("utter_disclaimer")]
            assert folded(" ".join(texts)) in answers(response), outcome
            assert outcome[2] < NEXT_MESSAGE_SECONDS, outcome
            assert page_seconds < NEXT_MESSAGE_SECONDS
            print(
                f"\nkilled replica {replica_pids[victim_pid]} in round {round_number + 1}; "
                f"next message answered in {outcome[2]:.1f} s (socket.io, reconnect "
                f"included), {page_seconds:.1f} s (page)"
            )
            context.close()
        finally:
            stop.set()
            browser.close()
    for user in users:
        user.join(timeout=180)

    # REST: every message got its answer or the "send it again" reply, nothing else;
    # the ones in flight on the killed replica were answered by the other one.
    problems = [
        (t["text"], verdict)
        for t in turns_sent
        if (verdict := rest_reply_ok(t["status"], t["body"], t["expected"]))
        not in ("answer", "resend")
    ]
    assert not problems, problems
    in_flight = {t["sender"] for t in turns_sent if t["started"] < killed["at"] < t["finished"]}
    assert set(rest_victims) <= in_flight
    for sender in in_flight:
        mine = [t for t in turns_sent if t["sender"] == sender]
        hit = [i for i, t in enumerate(mine) if t["started"] < killed["at"] < t["finished"]]
        next_turn = mine[hit[0] + 1]
        assert next_turn["finished"] - next_turn["started"] < NEXT_MESSAGE_SECONDS, next_turn
        # Each message stored once: the retried one was not processed twice.
        stored = user_texts(cluster.events(sender))
        resent = {t["text"] for t in mine if t["status"] == 503}
        assert [t for t in stored if t not in resent] == [
            t["text"] for t in mine if t["text"] not in resent
        ], (stored, mine)
        assert_whole_turns(cluster.events(sender))
    # nginx really sent requests of the killed replica to the other one.
    time.sleep(0.5)
    dead = f"127.0.0.1:{cluster.rasa_ports[victim_index]}"
    retried = [
        row
        for row in cluster.access_log()
        if row[1] == "/webhooks/rest/webhook" and row[3].startswith(dead + ", ")
    ]
    assert retried and all(row[2] == 200 for row in retried), retried

    # run_cluster.sh starts the killed replica again (the next test needs both).
    deadline = time.monotonic() + 150
    while (
        not (cluster.replica_ready(victim_index) and victim_pid not in cluster.replica_pids())
        and time.monotonic() < deadline
    ):
        time.sleep(1)
    assert cluster.replica_ready(victim_index), cluster.output_tail()
    assert "crashed: starting it again" in cluster.output_tail(200)
    new_pid = cluster.pid(f"rasa-{cluster.rasa_ports[victim_index]}")
    with open(f"/proc/{new_pid}/cmdline", "rb") as handle:  # the server, not a shell
        assert b"-m ops rasa run" in handle.read().replace(b"\0", b" ")


# --------------------------------------------------------------------------- 5
LOAD_USERS = 6
LOAD_SECONDS = 24
STOP_AFTER_SECONDS = 6
FORM = [
    ("can you help me understand my HER2 results?", ASK_IHC),
    ("2+", ASK_ISH),
    ("FISH was amplified", "You told me: IHC 2+, FISH positive."),
    ("what treatments are used for that?", category_info("positive")["treatment_families"]),
]


def test_stopping_a_replica_under_load_loses_no_conversation(cluster):
    """Conversations run through nginx while one replica is stopped (SIGTERM, as
    Kubernetes stops a pod): every conversation is carried on by the other replica,
    every message is answered, and PostgreSQL holds every turn."""
    deadline = time.monotonic() + LOAD_SECONDS
    conversations: List[Dict] = []
    problems: List[str] = []
    lock = threading.Lock()

    def user() -> None:
        while time.monotonic() < deadline:
            record = {"sender": new_sender("load"), "started": time.monotonic(), "turns": 0}
            with lock:
                conversations.append(record)
            for text, expected in FORM:
                try:
                    reply = "\n".join(cluster.texts(cluster.lb_url, record["sender"], text))
                except Exception as error:
                    with lock:
                        problems.append(f"{record['sender']} {text!r}: {error!r}")
                    break
                if expected not in reply:
                    with lock:
                        problems.append(f"{record['sender']} {text!r}: {reply[:120]!r}")
                    break
                record["turns"] += 1
            record["finished"] = time.monotonic()

    threads = [threading.Thread(target=user) for _ in range(LOAD_USERS)]
    for thread in threads:
        thread.start()
    time.sleep(STOP_AFTER_SECONDS)
    before = len(cluster.access_log())
    stopped_at = time.monotonic()
    cluster.stop_replica(0)
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 180)

    assert not problems, problems
    assert all(c["turns"] == len(FORM) for c in conversations)
    spanning = [c for c in conversations if c["started"] < stopped_at < c["finished"]]
    assert len(spanning) >= LOAD_USERS - 1, "the stop did not happen under load"
    after_stop = [c for c in conversations if c["started"] > stopped_at + 5]
    assert after_stop, "no conversation ran on the remaining replica"

    # The stopped replica is gone and the rest of the load was served by the other.
    deadline = time.monotonic() + 30
    while cluster.replica_alive(0) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not cluster.replica_alive(0)
    survivor = f"127.0.0.1:{cluster.rasa_ports[1]}"
    rest = [row for row in cluster.access_log()[before:] if row[1] == "/webhooks/rest/webhook"]
    assert all(row[2] == 200 for row in rest)
    assert all(final_upstream(row) == survivor for row in rest[-2 * LOAD_USERS :]), rest[-12:]

    # Every turn of every conversation is stored, once.
    for record in conversations:
        events = cluster.events(record["sender"])
        assert user_texts(events) == [text for text, _ in FORM], record["sender"]
        assert_whole_turns(events)
