"""The fixed message mix of the benchmark: whole conversations, as people have them.

Each conversation is a list of turns ``(message, expected)``: ``expected`` is a piece
of text the bot's reply must contain for the turn to count as answered as intended
(it is not a failure of the request, which is judged on HTTP status and a non-empty
reply; see locustfile.py). Phrasings come from tests/test_stories.yml and
tests/system/e2e/test_conversations.py, so they are the kinds of messages the bot handles.

A simulated user works through ``MIX`` in order, starting at an offset given by its
number, so every run sends the same mix: a conversation that appears twice in
``MIX`` is twice as frequent. By turns the mix is about 40% source-content (FAQ)
questions, 25% drug questions, 30% HER2 results (one message, and multi-turn with the
form), 5% safety and chit-chat.
"""

from typing import Dict, List, Tuple

Turn = Tuple[str, str]

SOURCE = "Source:"
ASK_IHC = "What was the IHC score"
ASK_ISH = "What did the FISH/ISH result say"
RESULT = "Result:"

CONVERSATIONS: Dict[str, List[Turn]] = {
    # FAQ: questions about the two source articles.
    "faq_basics": [
        # The greeting. (The identity line and disclaimer come from the project's own REST
        # channel, channels/disclaimer.py; the benchmark serves both configurations through
        # Rasa's plain REST channel, so that the two are compared like for like.)
        ("hello", "I can explain HER2-positive breast cancer"),
        ("what is HER2?", SOURCE),
        ("what are the signs of HER2 positive breast cancer", SOURCE),
        ("thank you so much", "welcome"),
    ],
    "faq_testing": [
        ("what does a FISH test measure", SOURCE),
        ("which test results count as HER2 positive", SOURCE),
        ("what is meant by her2 ultralow", SOURCE),
    ],
    "faq_treatment": [
        ("what are the main ways this cancer is treated", SOURCE),
        ("how do HER2 targeted therapies work", SOURCE),
        ("what side effects can the treatment bring", SOURCE),
        ("what are the survival rates", SOURCE),
    ],
    # Drugs: by brand or generic name, with follow-ups in context.
    "drug_follow_up": [
        ("what is Kadcyla?", "Kadcyla"),
        ("and how is it given?", "Kadcyla"),
        ("what about side effects?", "Kadcyla"),
    ],
    "drug_list": [
        ("which drugs target HER2", "trastuzumab"),
        ("tell me about herceptin", "Herceptin"),
        ("what is tamoxifen?", "don't have information on"),
    ],
    # HER2 results: all in one message, then a follow-up.
    "results_one_message": [
        ("my report says IHC 2+ and FISH not amplified", RESULT),
        ("what treatments are used for that?", "HER2"),
    ],
    # HER2 results over several turns: the form asks only for what is missing.
    "results_form": [
        ("can you help me make sense of my HER2 results", ASK_IHC),
        ("it was 2+", ASK_ISH),
        ("FISH was amplified", RESULT),
    ],
    "results_form_with_question": [
        ("I need help understanding my HER2 test", ASK_IHC),
        ("IHC 2+", ASK_ISH),
        ("wait, what is a FISH test?", ASK_ISH),
        ("the FISH came back negative", RESULT),
        ("thanks", "welcome"),
    ],
    # Safety net and chit-chat.
    "safety_and_scope": [
        ("I have crushing chest pain right now", "emergency"),
        ("can you book me a taxi to the airport", "outside what I can help"),
    ],
}

# The order users go through; repeats set the weights.
MIX: List[str] = [
    "faq_basics",
    "drug_follow_up",
    "results_form",
    "faq_testing",
    "results_one_message",
    "faq_treatment",
    "drug_list",
    "results_form_with_question",
    "faq_basics",
    "drug_follow_up",
    "results_form",
    "safety_and_scope",
]


def turns_in_mix() -> List[Turn]:
    """Every turn of one pass through MIX, in order."""
    return [turn for name in MIX for turn in CONVERSATIONS[name]]


def parse_messages() -> List[str]:
    """The messages of one pass through MIX, for the NLU-only (``/model/parse``) floor."""
    return [message for message, _ in turns_in_mix()]


def reply_text(messages: List[Dict]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages if isinstance(m, dict))
