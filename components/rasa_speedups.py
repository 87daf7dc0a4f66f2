"""Seven runtime fixes for Rasa 3.6.21, loaded by config.yml's first pipeline entry.
Measured in bench/TUNING.md; nothing here changes what the bot says.

1. Custom-action responses are validated with ``jsonschema.validate(result, schema)``
   (rasa/core/actions/action.py, ``RemoteAction._validate_action_result``). With the
   pinned jsonschema 4.17 that call re-checks the schema itself against the draft
   2020-12 meta-schema every time, and this project calls the action server on every
   message (``action_validate_slot_mappings``, for the custom slot mappings) and on every
   form turn. py-spy: about 40% of the Rasa server's time per turn. The fix builds the
   validator once and validates each response exactly as before (same errors, same
   message).
2. The SQLite tracker store commits with SQLite's defaults (rollback journal,
   ``synchronous=FULL``: an fsync on every commit, inside the event loop), and
   SQLAlchemy 1.4 opens and closes a connection per session for a SQLite file (its
   ``NullPool``): several per turn, each with its own set-up. ``journal_mode=WAL`` +
   ``synchronous=NORMAL`` keeps the database consistent after a crash of the process
   (a power cut may lose the last turns) and fsyncs only at checkpoints; one connection
   held open stops every close from checkpointing, and SQLite files get a connection
   pool like every other database. PostgreSQL (deploy/) is untouched.
3. Every call to the action server (``EndpointConfig.request``) opens a new aiohttp
   session and a new TCP connection, and closes both afterwards. One session per event
   loop and endpoint is kept open instead, so connections are reused. Idle connections
   are dropped after 2 s, well before the action server (Sanic) closes them at 5 s, so a
   request never goes out on a connection the server is closing.
4. Python's cyclic garbage collector walks every tracked object in its oldest generation
   from time to time. Once the model is loaded that is ~650,000 objects (TensorFlow,
   Rasa, the graph) which live as long as the process, and a full collection of them
   blocks the event loop for ~300 ms: every message in flight waits, which is most of
   the latency above the 98th percentile. Once the model is loaded, one collection
   runs and the survivors are frozen (``gc.freeze``, made for long-lived heaps), so
   later collections only look at objects created afterwards (tens, not hundreds of
   thousands). Reference counting still frees everything as before; loading another
   model (HTTP API) unfreezes first, so the replaced model is collected.
5. The SQL tracker store reads a conversation, and finds which of its events are new
   before saving, with SQLAlchemy ORM queries (a sub-query for the latest session start)
   whose statement-cache keys SQLAlchemy 1.4 rebuilds on every call, and it stores each
   new event through the ORM's unit of work. For SQLite files the same SQL is sent as
   plain text and the new events are inserted in one statement: the same rows, in the
   same order, read and written; about 2.4 of 3.6 ms less per turn (retrieve + save).
   Other databases keep Rasa's code.
6. DIET and the ResponseSelector call their prediction function, a ``tf.function`` with
   a fixed input signature, on every message; TensorFlow then matches the inputs against
   that signature and looks the traced graph up again each time (0.4 ms of 1.4 ms per
   call). The traced graph (``get_concrete_function``, TensorFlow's public API for it)
   is called instead: the same graph, the same outputs.
7. Loading DIET or the ResponseSelector to serve it (``RasaModel.load``), Rasa compiles
   the model with an Adam optimizer and trains it for one step on one example, only so
   that every weight exists before it reads the trained weights over them. That traces
   the whole training graph and creates the optimizer's two copies of every weight:
   about 5 of the 10 s a load takes, and about 200 MB that stay resident while serving.
   Keras reads a checkpoint into a model whose weights do not exist yet as they are
   created (TensorFlow's documented delayed restoration), so here the weights are read
   first and the one prediction Rasa makes anyway creates them; the checkpoint is then
   checked to have supplied every weight that exists (else Rasa's own load runs). The
   same weights, the same predictions (tests/test_rasa_speedups.py compares every
   intent, FAQ topic and confidence with Rasa's load). Fine-tuning and ``run_eagerly``
   keep Rasa's load.

How it is loaded: ``RasaSpeedups`` is a no-op NLU component; listing it in config.yml
makes every process that loads the model (``rasa run``, ``rasa test``, ``rasa shell``)
import this module, which applies the fixes once. The peer configuration of the
benchmark (bench/peer_config.yml: what ``rasa init`` trains) does not list it, so the
benchmark compares against Rasa as installed.
"""
import asyncio
import atexit
import gc
import logging
import sqlite3
from typing import Any, Dict

logger = logging.getLogger(__name__)
_applied = False


def _cache_action_response_validator() -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validators: Dict[str, Any] = {}

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        validator = validators.get("response")
        if validator is None:
            schema = self.action_response_format_spec()
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = validators["response"] = cls(schema)
        # What jsonschema.validate does after its schema check.
        error = jsonschema.exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result


_keepers: Dict[str, sqlite3.Connection] = {}


def _close_keepers() -> None:
    # The last connection to close checkpoints the WAL into the database and removes the
    # -wal and -shm files, so a stopped server leaves one self-contained .db file.
    for connection in _keepers.values():
        try:
            connection.close()
        except sqlite3.Error:
            pass
    _keepers.clear()


def _is_wal_database(path: str) -> bool:
    """True when the database file's header says WAL (bytes 18 and 19 are 2)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2


def _sqlite_wal() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous=NORMAL")  # per connection, no I/O
            rows = cursor.execute("PRAGMA database_list").fetchall()
            path = next((row[2] for row in rows if row[1] == "main"), "")
            if not path or path in _keepers:
                return
            cursor.execute("PRAGMA journal_mode=WAL").fetchall()  # stored in the file
            # Keep one connection open for the life of the process: SQLAlchemy 1.4 opens
            # and closes a SQLite connection per session, and closing the last one
            # checkpoints the WAL (an fsync every turn). Only once the file itself says
            # WAL: a new database's first pages are still in the WAL until that first
            # checkpoint, and other connections would not see them.
            if _is_wal_database(path):
                keeper = sqlite3.connect(path, check_same_thread=False)
                # A connection takes part in the WAL once it has used the database
                # (fetchall: no statement, hence no read snapshot, stays open).
                keeper.execute("PRAGMA journal_mode").fetchall()
                if not _keepers:
                    atexit.register(_close_keepers)
                _keepers[path] = keeper
        finally:
            cursor.close()


def _pool_sqlite_connections() -> None:
    import rasa.core.tracker_store as tracker_store
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    rasa_engine_kwargs = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = rasa_engine_kwargs(url)
        parsed = make_url(url) if isinstance(url, str) else url
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            # Pooled connections are handed from one session to the next on the event
            # loop's thread; SQLite's same-thread check would refuse a connection that a
            # pool created for another thread (rasa shell, tests).
            kwargs.update(poolclass=QueuePool, connect_args={"check_same_thread": False})
        return kwargs

    tracker_store.create_engine_kwargs = create_engine_kwargs


_SESSION_KEEPALIVE_S = 2.0
_sessions: Dict[tuple, Any] = {}


class _SharedSession:
    """``async with`` yields the kept-open session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def _close_sessions() -> None:
    # At exit the loop is gone; closing the connectors (synchronous) releases the sockets
    # and marks the sessions closed, so aiohttp does not warn about them.
    for session, _loop in _sessions.values():
        if session.connector is not None and not session.connector.closed:
            session.connector._close()
    _sessions.clear()


def _reuse_endpoint_sessions() -> None:
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    def session(self: EndpointConfig) -> _SharedSession:
        loop = asyncio.get_running_loop()
        key = (id(loop), self.url, tuple(sorted(self.headers.items())),
               tuple(sorted(self.basic_auth.items())))
        shared, owner = _sessions.get(key, (None, None))
        if shared is None or shared.closed or owner is not loop:  # never across loops
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=_SESSION_KEEPALIVE_S))
            if not _sessions:
                atexit.register(_close_sessions)
            _sessions[key] = (shared, loop)
        return _SharedSession(shared)

    EndpointConfig.session = session


_SQL_METHODS = ("_retrieve", "_additional_events", "save")
RASA_SQL_METHODS: Dict[str, Any] = {}  # Rasa's own, kept for other databases (and tests)


def _sqlite_event_statements(table: str) -> Dict[str, Any]:
    import sqlalchemy as sa

    # The latest session's events: what Rasa's ``_event_query`` selects (events from the
    # latest session start on, or all of them when no session has started).
    latest_start = (f"(SELECT max(timestamp) FROM {table} WHERE sender_id = :sender_id "
                    "AND type_name = :session_started)")
    in_latest_session = (f"sender_id = :sender_id AND (timestamp >= {latest_start} "
                         f"OR {latest_start} IS NULL)")
    return {
        "latest_session": sa.text(f"SELECT data FROM {table} WHERE {in_latest_session} "
                                  "ORDER BY id"),
        "all_sessions": sa.text(f"SELECT data FROM {table} WHERE sender_id = :sender_id "
                                "ORDER BY id"),
        "count_latest_session": sa.text(f"SELECT count(*) FROM {table} "
                                        f"WHERE {in_latest_session}"),
    }


def _plain_sqlite_queries() -> None:
    import itertools
    import json

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    for name in _SQL_METHODS:
        RASA_SQL_METHODS[name] = getattr(SQLTrackerStore, name)
    statements: Dict[str, Dict[str, Any]] = {}

    def is_sqlite(store: SQLTrackerStore) -> bool:
        return store.engine.dialect.name == "sqlite"

    def statement(store: SQLTrackerStore, name: str) -> Any:
        table = store.SQLEvent.__tablename__
        if table not in statements:
            statements[table] = _sqlite_event_statements(table)
        return statements[table][name]

    def parameters(sender_id: str) -> Dict[str, str]:
        return {"sender_id": sender_id, "session_started": SessionStarted.type_name}

    async def _retrieve(self: SQLTrackerStore, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Any:
        if not is_sqlite(self):
            return await RASA_SQL_METHODS["_retrieve"](self, sender_id,
                                                       fetch_events_from_all_sessions)
        query = statement(self, "all_sessions" if fetch_events_from_all_sessions
                          else "latest_session")
        with self.session_scope() as session:
            events = [json.loads(data)
                      for (data,) in session.execute(query, parameters(sender_id))]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self: SQLTrackerStore, session: Any, tracker: Any) -> Any:
        if not is_sqlite(self):
            return RASA_SQL_METHODS["_additional_events"](self, session, tracker)
        stored = session.execute(statement(self, "count_latest_session"),
                                 parameters(tracker.sender_id)).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        if not is_sqlite(self):
            return await RASA_SQL_METHODS["save"](self, tracker)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()  # the columns Rasa's save fills, from the same data
                rows.append({
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(
                        INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    SQLTrackerStore._retrieve = _retrieve
    SQLTrackerStore._additional_events = _additional_events
    SQLTrackerStore.save = save


def _call_traced_prediction_graphs() -> None:
    from rasa.utils.tensorflow.models import RasaModel
    from tensorflow.types.experimental import ConcreteFunction

    rasa_predict = RasaModel._rasa_predict

    def _rasa_predict(self: RasaModel, batch_in: Any) -> Any:
        step = self._tf_predict_step
        # Rasa creates the tf.function (with an input signature) on the first call.
        if (step is not None and not isinstance(step, ConcreteFunction)
                and step.input_signature is not None):
            self._tf_predict_step = step.get_concrete_function()
        return rasa_predict(self, batch_in)

    RasaModel._rasa_predict = _rasa_predict


RASA_MODEL_LOAD: Dict[str, Any] = {}  # Rasa's own RasaModel.load (fallback, and tests)


def _load_for_prediction_only() -> None:
    from rasa.utils.tensorflow.constants import RUN_EAGERLY
    from rasa.utils.tensorflow.models import RasaModel

    RASA_MODEL_LOAD.setdefault("load", RasaModel.load.__func__)

    def load(cls: Any, model_file_name: str, model_data_example: Any,
             predict_data_example: Any = None, finetune_mode: bool = False,
             *args: Any, **kwargs: Any) -> RasaModel:
        def rasa_load() -> RasaModel:
            return RASA_MODEL_LOAD["load"](cls, model_file_name, model_data_example,
                                           predict_data_example, finetune_mode, *args,
                                           **kwargs)

        if finetune_mode or not predict_data_example or kwargs.get("config", {}).get(
                RUN_EAGERLY):
            return rasa_load()
        model = cls(*args, **kwargs)
        status = model.load_weights(model_file_name)
        status.expect_partial()  # the optimizer's slots, and layers only training uses
        model.run_inference(predict_data_example)  # creates the weights: restored as created
        try:
            status.assert_existing_objects_matched()
        except AssertionError as error:
            logger.warning(f"{cls.__name__}: the checkpoint did not supply every weight "
                           f"({error}); loading it the way Rasa does.")
            return rasa_load()
        return model

    RasaModel.load = classmethod(load)


def _collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()
    logger.debug(f"Heap frozen after loading the model: {gc.get_freeze_count()} objects.")


def freeze_heap_once_loaded() -> None:
    """Fix 4: called while a model loads; freezes the heap right after the load finishes."""
    gc.unfreeze()
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # loaded outside an event loop: a one-off run, nothing to gain
        return
    # The whole graph is loaded synchronously inside the current callback (Agent.load_model),
    # so this runs once every component exists and the agent has been swapped in.
    loop.call_soon(_collect_and_freeze)


def apply() -> None:
    global _applied
    if _applied:
        return
    _cache_action_response_validator()
    _sqlite_wal()
    _pool_sqlite_connections()
    _reuse_endpoint_sessions()
    _plain_sqlite_queries()
    _call_traced_prediction_graphs()
    _load_for_prediction_only()
    _applied = True
    logger.debug("Rasa speed-ups applied (cached action-response validator, SQLite WAL, "
                 "pooled connections and plain queries, kept-open action server "
                 "connections, traced prediction graphs called directly, models loaded "
                 "for prediction only).")


apply()

try:  # the no-op pipeline component that makes a model import this module
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from components.load_hook import LoadHook

    @DefaultV1Recipe.register(
        [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
    )
    class RasaSpeedups(LoadHook):
        @classmethod
        def loaded(cls) -> None:
            freeze_heap_once_loaded()
except ImportError:  # pragma: no cover - outside Rasa's venv
    pass
