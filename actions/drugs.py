"""Actions answering questions about HER2-targeted drugs."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import drug_answers
from actions.replies import button
from knowledge import load


class ActionDrugInfo(Action):
    def name(self) -> Text:
        return "action_drug_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        mentioned = drug_answers.drugs_in(text)
        unknown = drug_answers.unknown_drug_names(text)
        if unknown and not mentioned:
            dispatcher.utter_message(text=drug_answers.unknown_drug_reply(unknown))
            return []
        drug_id = mentioned[0] if mentioned else tracker.get_slot("drug")
        if not drug_answers.is_known(drug_id):
            dispatcher.utter_message(
                text="Which drug would you like to know about?\n" + drug_answers.known_drug_list(),
            )
            return []
        # A question about a symptom or a risk (the safety triage's `symptom` entity) asks
        # about the drug's side effects, however it is worded ("can Enhertu cause a cough?").
        symptom = any(
            e.get("entity") == "symptom" for e in tracker.latest_message.get("entities", [])
        )
        aspect = "side_effects" if symptom else drug_answers.aspect_of(text)
        other = mentioned[1] if len(mentioned) > 1 else _previous_drug(tracker, drug_id)
        dispatcher.utter_message(
            text=drug_answers.answer(drug_id, aspect, other),
            buttons=_follow_up_buttons(aspect),
        )
        return [SlotSet("drug", drug_id)]


class ActionListDrugs(Action):
    def name(self) -> Text:
        return "action_list_drugs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=drug_answers.list_drugs_reply())
        return []


def _previous_drug(tracker: Tracker, current: str) -> Any:
    """The drug the conversation was about before the latest message, if another one."""
    seen_latest_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_latest_user_message = True
        elif (
            seen_latest_user_message
            and event.get("event") == "slot"
            and event.get("name") == "drug"
            and event.get("value")
        ):
            return event["value"] if event["value"] != current else None
    return None


def _follow_up_buttons(aspect: str) -> List[Dict[str, str]]:
    options = {
        "how_given": "How is it given?",
        "when_used": "When is it used?",
        "side_effects": "What about side effects?",
    }
    buttons = [button(title) for key, title in options.items() if key != aspect]
    if aspect == "side_effects":
        # What the sources do list (complications of the disease in general), offered apart
        # from the drug's answer rather than attached to its name.
        buttons.append(
            button(
                "Complications the sources list",
                load("topics")["topics"]["side_effects"]["payload"],
            )
        )
    return buttons
