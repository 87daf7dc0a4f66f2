"""The appointment summary (issue 19, item 3) and "Did this answer your question?" (item 4)
over REST against the running stack: the bot's actual replies, and `make review`'s report
read from the stack's own tracker store."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions import results_replies, summary
from her2 import parse
from her2.samples import Sample
from tests.system.e2e.test_conversations import folded, form_question, response_texts

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[3]
with open(ROOT / "domain.yml", encoding="utf-8") as handle:
    RESPONSES = yaml.safe_load(handle)["responses"]
QUESTION = RESPONSES["utter_ask_feedback"][0]["text"]
THANKS = RESPONSES["utter_feedback_thanks"][0]["text"]
SORRY = folded(RESPONSES["utter_feedback_sorry"][0]["text"])


def is_feedback_question(message):
    return message.get("text") == QUESTION and [
        b["title"] for b in message.get("buttons") or []
    ] == ["Yes", "No"]


def test_an_answer_is_followed_by_the_question_and_a_yes_is_thanked(chat):
    replies = chat.say("what is HER2?")
    assert folded(replies[0]["text"]) in response_texts("utter_faq/what_is_her2", _faq_responses())
    assert is_feedback_question(replies[-1])
    assert [m["text"] for m in chat.say("Yes")] == [THANKS]


def test_a_no_gets_a_kind_line_and_a_drug_answer_is_asked_about_too(chat):
    replies = chat.say("what is Kadcyla?")
    assert "Kadcyla" in replies[0]["text"] and is_feedback_question(replies[-1])
    assert [folded(m["text"]) for m in chat.say("No")] == [SORRY]
    # typed rather than clicked, after the next answer
    chat.say("what are the survival rates")
    assert [m["text"] for m in chat.say("yes")] == [THANKS]


def test_no_question_after_an_emergency_a_greeting_or_in_the_results_form(chat):
    emergency = chat.say("I have crushing chest pain right now")
    assert not any(is_feedback_question(m) for m in emergency)
    assert not any(is_feedback_question(m) for m in chat.say("hello"))
    assert not any(is_feedback_question(m) for m in chat.say("thank you"))
    chat.say("help me read my HER2 results")
    chat.say("IHC 2+")
    mid_form = chat.say("wait, what is a FISH test?")
    assert not any(is_feedback_question(m) for m in mid_form)
    assert mid_form[-1]["text"] == form_question("ish_result")
    # the results explained at the end of the form are an answer
    assert is_feedback_question(chat.say("FISH was amplified")[-1])


def test_the_summary_after_results_is_the_summary_of_those_results(chat):
    text = "my report says IHC 2+ and FISH not amplified"
    replies = chat.say(text)
    assert is_feedback_question(replies[-1])
    offered = [b["title"] for b in replies[-2]["buttons"]]
    assert results_replies.SUMMARY_BUTTON in offered
    summary_replies = chat.say(results_replies.SUMMARY_BUTTON)  # the button's payload
    expected = summary.summary_text([Sample("", parse(text))])
    # REST sends each paragraph as a message of its own
    assert "\n\n".join(m["text"] for m in summary_replies) == expected
    assert summary_replies[0]["text"].startswith("Summary for your appointment\n")
    assert not any(is_feedback_question(m) for m in summary_replies)


def test_asked_in_words_before_any_results(chat):
    replies = chat.say("can you give me a summary for my appointment")
    assert [m["text"] for m in replies] == [summary.NO_RESULTS]
    assert "Help me understand my results" in [b["title"] for b in replies[0]["buttons"]]


def test_asked_in_the_middle_of_the_form_then_the_form_carries_on(chat):
    chat.say("help me read my HER2 results")
    chat.say("IHC 2+")
    replies = chat.say("could you sum it up for my appointment?")
    texts = [m["text"] for m in replies]
    assert texts[0].startswith("Summary for your appointment")
    joined = "\n\n".join(texts[:-1])
    assert "• IHC 2+." in joined and "HER2 equivocal (IHC 2+)" in joined
    assert texts[-1] == form_question("ish_result")


def test_make_review_reports_the_no_and_the_uncovered_question(chat, tmp_path):
    """The stack's own tracker store ($TRACKER_DB, as scripts/test.sh sets it), read by the
    script as `make review` runs it."""
    if not os.environ.get("TRACKER_DB"):
        pytest.skip("TRACKER_DB is not set: run through scripts/test.sh")
    question = "What does a FISH test measure?"
    replies = chat.say(question)
    assert is_feedback_question(replies[-1])
    chat.say("No")
    uncovered = "How long will I be on Herceptin?"
    assert chat.texts(uncovered)[0].startswith("My sources don't cover")
    out = tmp_path / "review.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "review.py"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    report = out.read_text()
    rated_no = report[report.index('## Answers rated "No"') :].split("\n## ")[0]
    assert re.search(
        r"^\| what does a fish test measure \| \d+ \| faq/fish_test \| "
        r"[01]\.\d\d",
        rated_no,
        re.MULTILINE,
    ), rated_no
    not_covered = report[report.index("## Not covered by the sources") :].split("\n## ")[0]
    assert re.search(
        r"^\| how long will i be on herceptin \| \d+ \| .* \| duration \|$",
        not_covered,
        re.MULTILINE,
    ), not_covered
    assert chat.sender not in report


def _faq_responses():
    with open(ROOT / "data" / "responses" / "faq.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]
