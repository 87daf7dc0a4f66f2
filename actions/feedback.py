""" "Did this answer your question?" (issue 19, item 4): the person's Yes or No is kept in the
conversation (the slot answer_feedback, "yes" / "no"), where `make review` (scripts/review.py)
finds the questions that got a No. The question itself is utter_ask_feedback (domain.yml),
asked by the rules after an answer (never after an emergency reply, in the results form, after
a greeting, or after a symptom question's safety note); its buttons send "Yes" and "No", which
the rules read as affirm / deny right after it (data/rules/feedback.yml)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

FEEDBACK_SLOT = "answer_feedback"
HELPFUL = {"affirm": "yes", "deny": "no"}


class ActionRecordFeedback(Action):
    """Keeps the answer to "Did this answer your question?" and thanks the person; on a No,
    points to the care team and offers to try other words."""

    def name(self) -> Text:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        helpful = HELPFUL.get(intent)
        if helpful is None:  # (the rules run this only after a yes or a no)
            dispatcher.utter_message(response="utter_ok")
            return []
        dispatcher.utter_message(
            response="utter_feedback_thanks" if helpful == "yes" else "utter_feedback_sorry"
        )
        # Set afresh for every answer (SlotSet is an event of its own even when the value
        # is the same as the last one), so each Yes or No is counted.
        return [SlotSet(FEEDBACK_SLOT, helpful)]
