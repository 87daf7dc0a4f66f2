"""The slot-extraction call to the action server is skipped when it has nothing to do.

What Rasa does: after every user message ``ActionExtractSlots`` runs
``action_validate_slot_mappings`` (actions/her2_results.py, ExtractHER2Values) on the
action server, because the HER2 slots have custom mappings
(``ActionExtractSlots._execute_validation_action``): a round trip that costs the Rasa
server about 3 ms (rebuilding the tracker, sending the whole conversation) and the
person waiting another 3 ms or so.

What the fix changes: that action returns nothing, and says nothing, unless the her2
parser finds a HER2 or hormone-receptor value in the message or the form has just asked
for one. The same parser runs here first (about 0.1 ms): when the form is not asking and
it finds nothing, Rasa goes on as if the action had answered with nothing, which is what
it would have answered. When a model is loaded (``Agent.load_model``) the parser's spaCy
pipeline is built, so the first person does not wait for it.

Gain: in the benchmark's message mix 30 of 39 messages skip the call; with changes 14-18,
Rasa CPU per message 25.4 -> 20.0 ms and action server CPU 2.4 -> 1.3 ms at 10
conversations (bench/TUNING.md, change 16).

After an upgrade: check that ``ActionExtractSlots.run`` still calls
``_execute_validation_action(extraction_events, output_channel, nlg, tracker, domain)``
and returns only the SlotSet events of ``extraction_events`` when the validation action
returns no event; tests/integration/framework/test_slot_extraction_shortcut.py checks, over every
example message, that the action has nothing to say for the messages skipped here.
"""

import functools
from typing import Any, List, Optional

from rasa_fixes._targets import Target, replace

NAME = "slot_extraction_shortcut"
TARGETS = (
    Target("rasa.core.actions.action:ActionExtractSlots", "_execute_validation_action", "function"),
    Target("rasa.core.agent:Agent", "load_model", "function"),
)
REQUESTED_SLOT = "requested_slot"


def nothing_to_extract(text: Optional[str], requested_slot: Optional[str]) -> bool:
    """True when ExtractHER2Values would return no event and send no message: an empty or
    ``/intent`` message, or a message with no value in it while the form asks nothing."""
    if not text or text.startswith("/"):
        return True
    from her2 import parse

    return requested_slot is None and parse(text).is_empty()


def warm_up() -> None:
    """Builds the her2 parser's spaCy pipeline now, not for the first person."""
    from her2 import parse

    parse("IHC 2+")


def apply() -> None:
    from rasa.shared.core.events import SlotSet

    async def _execute_validation_action(
        self: Any,
        extraction_events: List[Any],
        output_channel: Any,
        nlg: Any,
        tracker: Any,
        domain: Any,
    ) -> List[Any]:
        if nothing_to_extract(tracker.latest_message.text, tracker.get_slot(REQUESTED_SLOT)):
            # What Rasa returns when the validation action answers with no event.
            return [event for event in extraction_events if isinstance(event, SlotSet)]
        return await execute_validation_action(
            self, extraction_events, output_channel, nlg, tracker, domain
        )

    def load_model(self: Any, *args: Any, **kwargs: Any) -> None:
        rasa_load_model(self, *args, **kwargs)
        warm_up()

    execute_validation_action = replace(TARGETS[0], _execute_validation_action)
    rasa_load_model = replace(TARGETS[1], load_model)
    functools.update_wrapper(load_model, rasa_load_model)
