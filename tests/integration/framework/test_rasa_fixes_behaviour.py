"""The run-time fixes (rasa_fixes/) keep Rasa's behaviour: each is compared with Rasa's
own code on the same input (rasa_fixes.apply() is done below, as the launcher does)."""

import asyncio
import gc
import sqlite3

import jsonschema
import numpy as np
import pytest
import tensorflow as tf
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel
from sqlalchemy import event
from tensorflow.types.experimental import ConcreteFunction

import rasa_fixes
from rasa_fixes.heap_freeze import freeze_heap_once_loaded
from rasa_fixes.plain_sqlite_queries import RASA_METHODS as RASA_SQL_METHODS
from rasa_fixes.prediction_only_load import RASA_LOAD as RASA_MODEL_LOAD
from tests.integration.lib import MODEL_PATH, load_trained_agent

rasa_fixes.apply()


def test_invalid_action_responses_are_still_rejected():
    action = RemoteAction("action_anything", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.exceptions.ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_sqlite_tracker_store_keeps_one_connection_and_every_event(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    connects = []
    event.listen(store.engine, "connect", lambda *_: connects.append(1))

    async def conversation():
        for turn in range(3):
            tracker = await store.get_or_create_tracker("patient")
            tracker.update(UserUttered(f"question {turn}"))
            tracker.update(BotUttered(f"answer {turn}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        return await store.retrieve("patient")

    tracker = asyncio.run(conversation())
    assert [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))] == [
        "question 0",
        "answer 0",
        "question 1",
        "answer 1",
        "question 2",
        "answer 2",
    ]
    assert len(connects) <= 1  # pooled: not one new connection per session
    with sqlite3.connect(path) as reader:  # another process sees every committed turn
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert reader.execute(
            "SELECT count(*) FROM events WHERE type_name = 'user'"
        ).fetchone() == (3,)


def test_the_heap_is_frozen_right_after_the_model_has_loaded():
    from rasa.core.agent import Agent

    async def load_then_serve():
        agent = Agent()
        agent.load_model(str(MODEL_PATH))  # as `rasa run` and the HTTP API load a model
        frozen_while_loading = gc.get_freeze_count()
        await asyncio.sleep(0)  # the server's next step
        return agent, frozen_while_loading, gc.get_freeze_count()

    gc.freeze()  # as if a previous model had been loaded: loading another unfreezes
    try:
        agent, while_loading, serving = asyncio.run(load_then_serve())
    finally:
        gc.unfreeze()
    assert while_loading == 0
    assert serving > 10_000
    assert agent.is_ready()


def test_nothing_is_frozen_when_a_model_is_loaded_outside_a_server():
    try:
        freeze_heap_once_loaded()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


class SQLTrackerStoreAsInstalled(SQLTrackerStore):
    """Rasa's own SQL tracker store code, without fix 5."""


for _name, _method in RASA_SQL_METHODS.items():
    setattr(SQLTrackerStoreAsInstalled, _name, _method)


def _turn(n):
    return [
        UserUttered(
            f"question {n}",
            {"name": "faq", "confidence": 0.9},
            parse_data={
                "intent": {"name": "faq", "confidence": 0.9},
                "entities": [],
                "text": f"question {n}",
            },
        ),
        SlotSet("drug", f"drug {n}"),
        ActionExecuted("utter_faq"),
        BotUttered(f"answer {n}"),
        ActionExecuted("action_listen"),
    ]


def _session_start():
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]


def test_sqlite_queries_store_and_read_exactly_what_rasas_own_code_does(tmp_path):
    """Two conversations, the first over two sessions, saved turn by turn by both codes."""
    domain = Domain.load("domain.yml")
    fast = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "fast.db"))
    rasa = SQLTrackerStoreAsInstalled(domain, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    script = {
        "anna": [_session_start(), _turn(1), _turn(2), _session_start(), _turn(3)],
        "ben": [_session_start(), _turn(4)],
    }

    def rows(store):
        with sqlite3.connect(store.engine.url.database) as db:
            return db.execute(
                "SELECT sender_id, type_name, timestamp, intent_name, "
                "action_name, data FROM events ORDER BY id"
            ).fetchall()

    async def play():
        seen = []
        for sender, steps in script.items():
            for events in steps:
                for store in (fast, rasa):
                    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
                    for e in events:
                        tracker.update(e)
                    await store.save(tracker)
                assert rows(fast) == rows(rasa)
                latest = [await s.retrieve(sender) for s in (fast, rasa)]
                full = [await s.retrieve_full_tracker(sender) for s in (fast, rasa)]
                assert latest[0].current_state() == latest[1].current_state()
                assert full[0].current_state() == full[1].current_state()
                seen.append((len(latest[0].events), len(full[0].events)))
        return seen, await fast.retrieve("nobody"), await rasa.retrieve("nobody")

    seen, fast_nobody, rasa_nobody = asyncio.run(play())
    assert fast_nobody is None and rasa_nobody is None
    # A session starts at its session_started event; the second one of "anna" starts a
    # short latest-session tracker again, and "ben" is kept apart.
    assert seen == [(2, 3), (7, 8), (12, 13), (2, 16), (7, 21), (2, 3), (7, 8)]
    assert len(rows(fast)) == 29


def test_other_databases_keep_rasas_sql_code(monkeypatch, tmp_path):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    monkeypatch.setattr(store.engine.dialect, "name", "postgresql")
    used = []

    async def conversation():
        tracker = await store.get_or_create_tracker("patient")
        tracker.update(UserUttered("hello"))
        await store.save(tracker)
        return await store.retrieve("patient")

    event_query = SQLTrackerStore._event_query
    monkeypatch.setattr(
        SQLTrackerStore,
        "_event_query",
        lambda self, *a, **k: used.append(1) or event_query(self, *a, **k),
    )
    tracker = asyncio.run(conversation())
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hello"]
    assert len(used) >= 3  # retrieve (twice) and save's count went through Rasa's ORM query


class _Doubling(RasaModel):
    def __init__(self):
        super().__init__(random_seed=1)
        self.prepared_for_prediction = True

    def predict_step(self, batch_in):
        return {"doubled": batch_in[0] * 2.0}


def test_predictions_call_the_traced_graph_with_the_same_results():
    model = _Doubling()
    outputs, steps = [], []
    for rows in (1, 1, 3):  # a batch of another size fits the same signature
        batch = (np.full((rows, 2), rows, dtype=np.float32),)
        outputs.append(model._rasa_predict(batch)["doubled"].tolist())
        steps.append(isinstance(model._tf_predict_step, ConcreteFunction))
    assert outputs == [[[2.0, 2.0]], [[2.0, 2.0]], [[6.0, 6.0]] * 3]
    assert steps == [False, True, True]  # traced on the first call, then called directly


def _parses(agent, texts):
    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    parsed = asyncio.run(parse_all())
    return [
        (
            p["intent"]["name"],
            round(p["intent"]["confidence"], 6),
            [(r["name"], round(r["confidence"], 6)) for r in p["intent_ranking"]],
            p["response_selector"]["faq"]["response"]["intent_response_key"],
            round(p["response_selector"]["faq"]["response"]["confidence"], 6),
        )
        for p in parsed
    ]


@pytest.fixture
def counted_fits(monkeypatch):
    fits = []
    fit = tf.keras.Model.fit

    def counting_fit(self, *args, **kwargs):
        fits.append(type(self).__name__)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(tf.keras.Model, "fit", counting_fit)
    return fits


def test_models_loaded_for_prediction_only_predict_exactly_as_rasas_load(counted_fits, monkeypatch):
    texts = [m.get("text") for m in load_data("tests/nlu/holdout.yml").intent_examples]
    assert len(texts) > 300
    fast = _parses(load_trained_agent(), texts)
    assert counted_fits == []  # no training step to create the weights
    monkeypatch.setattr(RasaModel, "load", classmethod(RASA_MODEL_LOAD["load"]))
    rasas = _parses(load_trained_agent(), texts)
    assert sorted(counted_fits) == ["DIET", "DIET2BOW"]  # DIET, the ResponseSelector
    assert fast == rasas


def test_a_weight_the_checkpoint_lacks_falls_back_to_rasas_load(counted_fits, monkeypatch):
    from rasa.nlu.classifiers.diet_classifier import DIET

    prepare_for_predict = DIET.prepare_for_predict

    def prepare_with_a_new_weight(self):
        self.weight_not_in_the_checkpoint = tf.Variable(1.0)
        prepare_for_predict(self)

    monkeypatch.setattr(DIET, "prepare_for_predict", prepare_with_a_new_weight)
    agent = load_trained_agent()
    assert sorted(counted_fits) == ["DIET", "DIET2BOW"]  # both loaded Rasa's way, after the check
    intent = _parses(agent, ["what does HER2-positive mean?"])[0][0]
    assert intent == "faq"
