"""Conversation actions: topic menu, "tell me more", fallback."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import drug_answers
from actions.replies import button, menu_buttons
from knowledge import load

ANSWER_ACTIONS = (
    "utter_faq",
    "action_drug_info",
    "action_explain_her2_results",
    "action_results_followup",
)


class ActionShowMenu(Action):
    def name(self) -> Text:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text="Here are some topics I can help with:", buttons=menu_buttons()
        )
        return []


class ActionCoreFallback(Action):
    """When no policy is confident: ask to rephrase, never guess an answer."""

    def name(self) -> Text:
        return "action_core_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_please_rephrase", buttons=menu_buttons())
        return [UserUtteranceReverted()]


class ActionTellMore(Action):
    def name(self) -> Text:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        last = last_answer(tracker)
        if last and last[0] == "utter_faq" and last[1]:
            related = load("topics")["topics"].get(last[1], {}).get("more") or []
            if related:
                dispatcher.utter_message(response=f"utter_faq/{related[0]}")
                extra = [
                    button(
                        load("topics")["topics"][t]["title"], load("topics")["topics"][t]["payload"]
                    )
                    for t in related[1:]
                ]
                if extra:
                    dispatcher.utter_message(text="Related topics:", buttons=extra)
                return []
        if last and last[0] == "action_drug_info" and tracker.get_slot("drug"):
            dispatcher.utter_message(text=drug_answers.answer(tracker.get_slot("drug"), "overview"))
            return []
        if last and last[0] in ("action_explain_her2_results", "action_results_followup"):
            dispatcher.utter_message(
                text="I can say more about what your result means for treatment, or about "
                "the drugs involved. What would you like?",
                buttons=[
                    button("What treatments are used for that?"),
                    button("Questions to ask my doctor"),
                ],
            )
            return []
        dispatcher.utter_message(
            text="Happy to say more. Which topic are you interested in?", buttons=menu_buttons()
        )
        return []


def last_answer(tracker: Tracker) -> Optional[tuple]:
    """(action name, faq sub-intent or None) of the most recent answer given."""
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") in ANSWER_ACTIONS:
            return event["name"], _faq_key_before(events, index)
    return None


def _faq_key_before(events: List[Dict[str, Any]], index: int) -> Optional[str]:
    for event in reversed(events[:index]):
        if event.get("event") == "user":
            selector = (event.get("parse_data") or {}).get("response_selector") or {}
            key = (selector.get("faq") or {}).get("response", {}).get("intent_response_key")
            return key.split("/", 1)[1] if key else None
    return None
