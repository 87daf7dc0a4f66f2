"""A REST message sent again with the same id is answered once (in-process, no model).

In the cluster, nginx sends a REST request to another replica when the first one died
while handling it (deploy/nginx.cluster.conf.template), with the same X-Request-ID.
If the dead replica had already stored the turn, the message must not be processed a
second time: the stored replies are sent. The app is built as `rasa run` builds it;
the agent is a stand-in with Rasa's real SQL tracker store (SQLite) and lock store,
which stores each turn as Rasa does (the user message with its id, then the replies).
The cluster test (tests/system/cluster, the replica-kill test) does the same with real replicas.
"""

import json

import pytest

from tests.unit.lib import channels_app, in_fresh_loop

WEBHOOK = "/webhooks/rest/webhook"


class StoringStandIn:
    """Answers "answer to <text>" (with a button) and stores the turn like Rasa."""

    def __init__(self, db_path):
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import SQLTrackerStore

        self.tracker_store = SQLTrackerStore(dialect="sqlite", db=str(db_path))
        self.lock_store = InMemoryLockStore()
        self.received = []

    async def store_turn(self, sender_id, text, message_id):
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

        tracker = await self.tracker_store.get_or_create_tracker(sender_id)
        tracker.update(UserUttered(text, message_id=message_id))
        tracker.update(
            BotUttered(
                f"answer to {text}",
                data={"buttons": [{"title": "More", "payload": "/more"}]},
                metadata={"utter_action": "utter_answer"},
            )
        )
        tracker.update(BotUttered("anything else?"))
        tracker.update(ActionExecuted("action_listen"))
        await self.tracker_store.save(tracker)

    async def handle_message(self, message):
        self.received.append(message)
        async with self.lock_store.lock(message.sender_id):
            await self.store_turn(message.sender_id, message.text, message.message_id)
        await message.output_channel.send_response(
            message.sender_id,
            {
                "text": f"answer to {message.text}",
                "buttons": [{"title": "More", "payload": "/more"}],
            },
        )
        await message.output_channel.send_response(message.sender_id, {"text": "anything else?"})


@pytest.fixture
def agent(tmp_path):
    return StoringStandIn(tmp_path / "tracker.db")


@pytest.fixture
def app(agent, tmp_path, monkeypatch):
    return channels_app(agent, tmp_path, monkeypatch)


async def post(app, sender, message, request_id=None):
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["X-Request-ID"] = request_id
    _, response = await app.asgi_client.post(
        WEBHOOK,
        content=json.dumps({"sender": sender, "message": message}).encode(),
        headers=headers,
    )
    return response


def user_messages(agent, sender):
    with agent.tracker_store.session_scope() as session:
        rows = (
            session.query(agent.tracker_store.SQLEvent.data)
            .filter(
                agent.tracker_store.SQLEvent.sender_id == sender,
                agent.tracker_store.SQLEvent.type_name == "user",
            )
            .all()
        )
    return [json.loads(data)["text"] for (data,) in rows]


@in_fresh_loop
async def test_the_request_id_becomes_the_stored_message_id(app, agent):
    response = await post(app, "again-id", "what is HER2?", "a1b2c3d4e5f60718293a4b5c6d7e8f90")
    assert [m["text"] for m in response.json] == ["answer to what is HER2?", "anything else?"]
    assert agent.received[0].message_id == "a1b2c3d4e5f60718293a4b5c6d7e8f90"


@in_fresh_loop
async def test_a_stored_message_sent_again_gets_its_stored_replies(app, agent):
    # What a replica that died after storing the turn, before replying, leaves behind.
    await agent.store_turn("again-stored", "my HER2 was 2+", "0f" * 16)
    response = await post(app, "again-stored", "my HER2 was 2+", "0f" * 16)
    assert response.status == 200
    assert [(m["text"], m.get("buttons")) for m in response.json] == [
        ("answer to my HER2 was 2+", [{"title": "More", "payload": "/more"}]),
        ("anything else?", None),
    ]
    assert agent.received == []  # not processed again
    assert user_messages(agent, "again-stored") == ["my HER2 was 2+"]  # stored once


@in_fresh_loop
async def test_an_earlier_message_sent_again_gets_only_its_own_replies(app, agent):
    await agent.store_turn("again-earlier", "first", "1a" * 16)
    await agent.store_turn("again-earlier", "second", "2b" * 16)
    response = await post(app, "again-earlier", "first", "1a" * 16)
    assert [m["text"] for m in response.json] == ["answer to first", "anything else?"]
    assert agent.received == []


@in_fresh_loop
async def test_new_ids_and_no_id_are_processed(app, agent):
    await agent.store_turn("again-new", "first", "3c" * 16)
    response = await post(app, "again-new", "second", "4d" * 16)
    assert [m["text"] for m in response.json] == ["answer to second", "anything else?"]
    response = await post(app, "again-new", "third")
    assert [m["text"] for m in response.json] == ["answer to third", "anything else?"]
    # The same id in another conversation is another message.
    response = await post(app, "again-other", "first", "3c" * 16)
    assert [m["text"] for m in response.json] == ["answer to first", "anything else?"]
    assert [m.text for m in agent.received] == ["second", "third", "first"]
    assert user_messages(agent, "again-new") == ["first", "second", "third"]


@in_fresh_loop
async def test_an_unusable_request_id_is_ignored(app, agent):
    await agent.store_turn("again-bad", "first", "5e" * 16)
    response = await post(app, "again-bad", "first", "x")  # too short to be an id
    assert [m["text"] for m in response.json] == ["answer to first", "anything else?"]
    assert len(agent.received) == 1 and agent.received[0].message_id != "x"
