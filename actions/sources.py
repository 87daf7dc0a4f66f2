"""The action for a message the classifiers could not place: answered from the sources' facts,
or honestly saying what they don't cover, or offering the nearest topics."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import source_answers, summary
from actions.replies import button, menu_buttons


class ActionAnswerFallback(Action):
    """A message the classifiers could not place (nlu_fallback), with what the source coverage
    (components/source_coverage.py) decided for it: the honest "my sources don't cover ...",
    the matching facts, or the nearest topics to choose from; a symptom question also gets the
    one-line safety note. A request for the appointment summary (components/summary_request.py,
    no intent of its own) gets the summary (actions/summary.py)."""

    def name(self) -> Text:
        return "action_answer_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        coverage = tracker.latest_message.get("coverage") or {}
        symptom = any(
            e.get("entity") == "symptom" for e in tracker.latest_message.get("entities", [])
        )
        answer = coverage.get("answer")
        if answer == "summary":  # asked for the appointment summary (summary_request.py)
            for message in summary.summary_for(tracker, domain):
                dispatcher.utter_message(**message)
            return []
        reply = None
        if answer == "uncovered":
            reply = source_answers.uncovered_reply(coverage.get("uncovered") or [])
            buttons = source_answers.topic_buttons([coverage.get("faq_topic")])
        elif answer == "facts":
            reply = source_answers.facts_reply(coverage.get("facts") or [])
            buttons = source_answers.topic_buttons(coverage.get("topics") or [])
        if reply is not None:
            dispatcher.utter_message(text=reply, buttons=buttons)
        elif symptom:
            dispatcher.utter_message(response="utter_symptom_not_covered")
        else:
            dispatcher.utter_message(response="utter_please_rephrase")
            clarify = coverage.get("clarify") or []
            if clarify:
                dispatcher.utter_message(
                    text="Were you asking about one of these?",
                    buttons=source_answers.topic_buttons(clarify)
                    + [button("Something else", "help")],
                )
            else:
                dispatcher.utter_message(
                    text="Here are some topics I can help with:", buttons=menu_buttons()
                )
        if symptom:
            dispatcher.utter_message(response="utter_symptom_note")
        return []
