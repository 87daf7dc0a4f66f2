"""The appointment summary and "Did this answer your question?" on the chat page, in a real
browser against the running stack (see conftest.py): the summary block with its two buttons,
reached by keyboard; Copy puts the summary's text on the clipboard; the print view shows the
summary alone; the feedback question under an answer keeps the answer's topic buttons, and a
click on No or Yes gets the bot's reply."""

import pytest
import yaml

from actions import results_replies, summary
from her2 import parse
from her2.samples import Sample
from tests.system.browser.test_web_chat import (
    BOT,
    REPLY_TIMEOUT,
    ROOT,
    ask,
    choose,
    menu_topic,
    open_chat,
    reply_at,
    settle,
)

pytestmark = pytest.mark.stack

with open(ROOT / "domain.yml", encoding="utf-8") as handle:
    RESPONSES = yaml.safe_load(handle)["responses"]
QUESTION = RESPONSES["utter_ask_feedback"][0]["text"]
RESULTS = "my report says IHC 2+ and FISH not amplified"


def lines(text: str):
    """The text's lines, each with its spaces folded (the page wraps, the clipboard doesn't)."""
    return [" ".join(line.split()) for line in text.strip().splitlines()]


def test_the_summary_can_be_copied_and_printed_alone(new_page, chat_url):
    from playwright.sync_api import expect

    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    open_chat(page, chat_url)
    reply_at(page, ask(page, RESULTS), "HER2-low")
    choose(page, results_replies.SUMMARY_BUTTON)
    block = page.locator(".rw-response.her2-summary")
    expect(block).to_have_count(1, timeout=REPLY_TIMEOUT)
    expected = summary.summary_text([Sample("", parse(RESULTS))])
    expect(block).to_contain_text("Summary for your appointment")
    expect(block).to_contain_text("Questions to ask your care team:")
    expect(block).to_contain_text(results_replies.FINAL_CALL)  # one block, to its end

    actions = page.get_by_role("group", name="Your appointment summary")
    expect(actions).to_have_count(1)
    # under the summary, not in its text
    assert "Copy" not in block.inner_text()
    print_button = actions.get_by_role("button", name="Print or save as PDF", exact=True)
    copy_button = actions.get_by_role("button", name="Copy", exact=True)
    # keyboard: from Print, Tab reaches Copy, and Enter copies
    print_button.focus()
    page.keyboard.press("Tab")
    expect(copy_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(actions.get_by_role("status")).to_have_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert [line for line in lines(copied) if line] == [line for line in lines(expected) if line]

    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    print_button.click()
    assert page.evaluate("() => window.__printed") == 1

    page.emulate_media(media="print")
    printed = page.locator("#her2-summary-print")
    expect(printed).to_be_visible()
    expect(page.locator(".page")).to_be_hidden()  # the chat, header and footer
    expect(page.get_by_role("textbox", name="Type your question")).to_be_hidden()
    assert [line for line in lines(printed.inner_text()) if line] == [
        line for line in lines(expected) if line
    ]
    page.emulate_media(media="screen")
    expect(printed).to_be_hidden()
    expect(page.locator(".page")).to_be_visible()


def test_feedback_under_an_answer_keeps_its_topic_buttons_and_gets_a_reply(page, chat_url):
    from playwright.sync_api import expect

    open_chat(page, chat_url)
    settle(page)
    expect(page.locator(".her2-feedback")).to_have_count(0)  # not after the greeting
    item = menu_topic(exclude="")
    answer = reply_at(page, choose(page, item["title"]), "Source:")
    feedback = page.locator(".her2-feedback")
    expect(feedback).to_have_count(1, timeout=REPLY_TIMEOUT)
    expect(feedback).to_have_accessible_name(QUESTION)
    expect(feedback).to_contain_text(QUESTION)
    # the answer's own follow-up buttons are still there (a message of its own would hide them)
    expect(page.locator(".rw-reply").first).to_be_visible()
    assert answer.locator(".her2-feedback").count() == 1
    assert QUESTION not in " ".join(answer.locator(".rw-response").all_inner_texts())

    # keyboard: the No button, then Enter
    no = feedback.get_by_role("button", name="No", exact=True)
    no.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client", has_text="No").last).to_be_visible()
    sorry = " ".join(RESPONSES["utter_feedback_sorry"][0]["text"].split())
    expect(page.locator(BOT).last).to_contain_text(sorry[:40], timeout=REPLY_TIMEOUT)
    expect(page.locator(".her2-feedback")).to_have_count(0)

    reply_at(page, ask(page, "what is HER2?"), "Source:")
    yes = page.locator(".her2-feedback").get_by_role("button", name="Yes", exact=True)
    expect(yes).to_be_visible(timeout=REPLY_TIMEOUT)
    yes.click()
    expect(page.locator(BOT).last).to_contain_text(
        RESPONSES["utter_feedback_thanks"][0]["text"], timeout=REPLY_TIMEOUT
    )
