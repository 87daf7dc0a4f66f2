"""Once a model is loaded to serve it, the long-lived heap is collected and frozen.

What Rasa does: nothing special; Python's cyclic garbage collector walks every tracked
object of its oldest generation from time to time. Once the model is loaded that is
~650,000 objects (TensorFlow, Rasa, the graph) that live as long as the process, and a
full collection of them blocks the event loop for ~300 ms: every message in flight
waits.

What the fix changes: ``Agent.load_model`` (what `rasa run` and the HTTP API's model
endpoint load through) first unfreezes (so a replaced model can be collected), loads,
then, when it runs inside the server's event loop, schedules one collection and
``gc.freeze`` (Python's API for long-lived heaps) for the loop's next step, once the
agent has its new processor. Later collections only look at objects created afterwards.
Reference counting still frees everything as before. A model loaded outside an event
loop (`rasa test`, scripts) is not frozen: a one-off run has nothing to gain.

Gain: at 10 conversations p99 370 -> 140 ms and the slowest request 420 -> 160 ms; a
full collection 292-312 ms -> 0.004 ms (bench/TUNING.md, change 11).

After an upgrade: check that the server still loads its model through
``Agent.load_model`` (rasa/core/agent.py ``load_agent``, rasa/server.py);
tests/unit/framework/test_rasa_fixes.py checks the heap is frozen after a load inside a loop.
"""

import asyncio
import functools
import gc
import logging
from typing import Any

from rasa_fixes._targets import Target, replace

logger = logging.getLogger(__name__)

NAME = "heap_freeze"
TARGETS = (Target("rasa.core.agent:Agent", "load_model", "function"),)


def _collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()
    logger.debug(f"Heap frozen after loading the model: {gc.get_freeze_count()} objects.")


def freeze_heap_once_loaded() -> None:
    """Called when a model has been loaded: freezes the heap at the event loop's next
    step (nothing outside an event loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # loaded outside an event loop: a one-off run, nothing to gain
        return
    loop.call_soon(_collect_and_freeze)


def apply() -> None:
    def load_model(self: Any, *args: Any, **kwargs: Any) -> None:
        gc.unfreeze()  # the model being replaced can then be collected
        rasa_load_model(self, *args, **kwargs)
        freeze_heap_once_loaded()

    rasa_load_model = replace(TARGETS[0], load_model)
    functools.update_wrapper(load_model, rasa_load_model)
