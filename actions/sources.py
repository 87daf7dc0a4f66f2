"""Actions answering from the sources' facts, or honestly saying what they don't cover."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import source_answers
from actions.replies import menu_buttons


class ActionAnswerUncovered(Action):
    """A question about something the two articles don't cover (components/source_coverage.py
    marked it): the honest reply, the nearby facts, and the safety note for a symptom."""

    def name(self) -> Text:
        return "action_answer_uncovered"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        coverage = tracker.latest_message.get("coverage") or {}
        reply = source_answers.uncovered_reply(coverage.get("uncovered") or [])
        if reply is None:   # nothing usable reached us: never silence
            dispatcher.utter_message(response="utter_please_rephrase", buttons=menu_buttons())
            return []
        dispatcher.utter_message(text=reply,
                                 buttons=source_answers.offer_button(coverage.get("faq_topic")))
        if any(e.get("entity") == "symptom" for e in tracker.latest_message.get("entities", [])):
            dispatcher.utter_message(response="utter_symptom_note")
        return []


class ActionAnswerFacts(Action):
    """A question the FAQ selection was unsure of, or narrower than a whole topic
    (components/source_coverage.py chose the facts): the matching facts with their
    sources, and the topic they belong to offered as a button."""

    def name(self) -> Text:
        return "action_answer_facts"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        coverage = tracker.latest_message.get("coverage") or {}
        reply = source_answers.facts_reply(coverage.get("facts") or [])
        if reply is None:
            dispatcher.utter_message(response="utter_please_rephrase", buttons=menu_buttons())
            return []
        dispatcher.utter_message(text=reply,
                                 buttons=source_answers.topic_buttons(coverage.get("topics") or []))
        if any(e.get("entity") == "symptom" for e in tracker.latest_message.get("entities", [])):
            dispatcher.utter_message(response="utter_symptom_note")
        return []
