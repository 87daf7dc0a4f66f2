"""Red-flag detection: emergencies and crisis messages must always be caught."""
import pytest

from knowledge.red_flags import default_detector

RED_FLAGS = [
    "I have chest pain",
    "my mum has a tight chest pressure and feels sick",
    "pain in my chest since this morning",
    "I'm having trouble breathing",
    "she can't breathe properly",
    "I can’t catch my breath",
    "shortness of breath after my infusion",
    "I have a fever during chemo",
    "running a temperature of 38.5 after chemotherapy",
    "I'm on chemo and my temperature is 38.7",
    "his temp went up to 39.2 after treatment",
    "my temperature reads 101 since the infusion",
    "had chemo on Monday and now my temperature is really high",
    "I feel hot and shivery since my chemo",
    "I'm bleeding heavily",
    "the bleeding won't stop",
    "coughing up blood",
    "my wife is suddenly confused",
    "sudden weakness in my left arm",
    "I suddenly lost my vision",
    "he fainted an hour ago",
    "I want to kill myself",
    "I've been thinking about suicide",
    "I feel suicidal",
    "I want to die",
    "I don't want to live anymore",
    "I keep thinking about self-harm",
    "everyone would be better off without me",
    "I want to end my life",
    "I am not sure but I have chest pain",
    "I don't see the point in being alive any more",
    "there's no point in living like this",
    "my sister says she is planning to end everything",
    "I might end it all soon",
    "I've decided to end it tonight",
    "he talked about wanting to take his own life",
]

NOT_RED_FLAGS = [
    "what is HER2?",
    "how is Herceptin given?",
    "what are the side effects of chemotherapy?",
    "I have no chest pain, just a question about FISH",
    "I'm not suicidal, just tired of waiting for results",
    "my IHC score was 2+",
    "what does HER2-low mean?",
    "is hair loss normal after treatment?",
    "where can I find a support group?",
    "she doesn't have a fever",
    "my temperature is 37.2, is that normal?",
    "how do I get rid of hay fever",
    "what temperature should Herceptin be stored at?",
    "can we end this conversation here",
    "when does Herceptin treatment end?",
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flag_messages_are_caught(text):
    assert default_detector().find(text) is not None


@pytest.mark.parametrize("text", NOT_RED_FLAGS)
def test_ordinary_and_negated_messages_are_not_red_flags(text):
    assert default_detector().find(text) is None
