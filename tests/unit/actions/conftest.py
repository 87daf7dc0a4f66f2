"""Builds rasa_sdk Trackers the way the Rasa server sends them to the action server."""
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: Dict[str, Any] = {}


def make_tracker(text: str = "", intent: str = "inform_results",
                 slots: Optional[Dict[str, Any]] = None, events: Optional[List[Dict]] = None,
                 active_loop: Optional[str] = None,
                 entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    slots = {"her2_findings": None, "ihc_score": None, "ish_result": None,
             "her2_category": None, "drug": None, "requested_slot": None, **(slots or {})}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99},
              "entities": entities or []}
    events = list(events or []) + [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("test-user", slots, latest, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def slot_sets(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
