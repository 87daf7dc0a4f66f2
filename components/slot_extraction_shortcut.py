"""Skips the slot-extraction call to the action server for a message it cannot act on.

Rasa runs ``action_validate_slot_mappings`` (actions/her2_results.py, ExtractHER2Values)
on the action server after every user message, for the HER2 slots' custom mappings: a
round trip that costs the Rasa server about 3 ms (rebuilding the tracker, sending the
whole conversation) and the person waiting another 3 ms or so. That action returns
nothing, and says nothing, unless the her2 parser finds a HER2 or hormone-receptor value
in the message or the form has just asked for one. The same parser runs here first (about
0.1 ms): when the form is not asking and it finds nothing, Rasa goes on as if the action had
answered with nothing, which is what it would have answered. In the benchmark's message
mix, three messages in four skip the call (bench/TUNING.md).
tests/actions/test_slot_extraction_shortcut.py checks, over every example message in the
training and test data, that the action has nothing to say for the messages skipped here.
"""
from typing import Any, List, Optional

from her2 import parse

REQUESTED_SLOT = "requested_slot"


def nothing_to_extract(text: Optional[str], requested_slot: Optional[str]) -> bool:
    """True when ExtractHER2Values would return no event and send no message: an empty or
    ``/intent`` message, or a message with no value in it while the form asks nothing."""
    if not text or text.startswith("/"):
        return True
    return requested_slot is None and parse(text).is_empty()


def _skip_empty_extraction() -> None:
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.events import SlotSet

    execute_validation_action = ActionExtractSlots._execute_validation_action
    if getattr(execute_validation_action, "skips_empty_extraction", False):
        return

    async def _execute_validation_action(self: ActionExtractSlots, extraction_events: List[Any],
                                         output_channel: Any, nlg: Any, tracker: Any,
                                         domain: Any) -> List[Any]:
        if nothing_to_extract(tracker.latest_message.text, tracker.get_slot(REQUESTED_SLOT)):
            # What Rasa returns when the validation action answers with no event.
            return [event for event in extraction_events if isinstance(event, SlotSet)]
        return await execute_validation_action(self, extraction_events, output_channel, nlg,
                                               tracker, domain)

    _execute_validation_action.skips_empty_extraction = True  # type: ignore[attr-defined]
    ActionExtractSlots._execute_validation_action = _execute_validation_action


try:  # the pipeline entry (config.yml) that makes the Rasa server load this module
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from components.load_hook import LoadHook

    _skip_empty_extraction()

    @DefaultV1Recipe.register(
        [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
    )
    class SlotExtractionShortcut(LoadHook):
        @classmethod
        def loaded(cls) -> None:
            parse("IHC 2+")  # builds the parser's spaCy pipeline now, not for the first person
except ImportError:  # pragma: no cover - outside Rasa's venv
    pass
