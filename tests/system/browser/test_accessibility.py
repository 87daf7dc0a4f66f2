"""The chat page against WCAG 2.1 AA, in the real browser (issue 19, item 1).

- axe-core (web/node_modules/axe-core, pinned in web/package-lock.json) with the
  WCAG 2.0/2.1 A and AA rules, on the opening page, after quick-reply buttons and
  a HER2 results reply, at 320 px and 200% zoom, and while the assistant is
  unreachable: no violations. A failure lists each rule, its impact and the nodes.
- Keyboard only: the conversation, every quick reply, the message box and the send
  button in Tab order, each with a visible focus ring; Enter sends; a quick reply
  chosen from the keyboard leaves the focus in the message box.
- Screen readers: each new bot message (not the user's own words, not a restored
  conversation) is copied into a polite live region.
- 200% zoom (a 1280x800 screen is 640x400 CSS px) and 320 px wide screens: no
  sideways scrolling.
- prefers-reduced-motion: reduce turns the widget's animations and transitions off.

axe is added with add_init_script, which the page's Content-Security-Policy does
not block, so the page is checked exactly as it is served.
"""

import json
from pathlib import Path
from typing import List

import pytest

from tests.system.browser.test_web_chat import (
    BOT,
    REPLY_TIMEOUT,
    _topics,
    ask,
    choose,
    faq_answer,
    message_box,
    open_chat,
    reply_at,
    settle,
)

ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RESULTS_MESSAGE = "IHC 2+ and FISH not amplified"
# 200% browser zoom on a 1280x800 screen lays the page out in 640x400 CSS pixels at
# twice the pixel density; 320 CSS px is WCAG 1.4.10's reflow width (400% zoom).
ZOOM_200 = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
NARROW = {"viewport": {"width": 320, "height": 640}}
NARROW_SHORT = {"viewport": {"width": 320, "height": 256}}
LONG_WORD = "HER2/neu-ERBB2-" + "amplification" * 6  # one unbreakable 90-character word


# --------------------------------------------------------------- helpers
@pytest.fixture
def a11y_page(new_page):
    """new_page(...) with axe-core loaded into every document it opens."""
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS.relative_to(ROOT)} is missing: run scripts/ensure_browser.sh "
            "(npm ci --prefix web)"
        )

    def make(**options):
        page = new_page(**options)
        page.add_init_script(path=str(AXE_JS))
        return page

    return make


def axe_violations(page) -> List[dict]:
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: n.failureSummary}))}));
        }""",
        WCAG_21_AA,
    )


def assert_no_axe_violations(page, state: str) -> None:
    violations = axe_violations(page)
    if violations:
        lines = [f"axe-core: {len(violations)} WCAG 2.1 AA rule(s) fail {state}:"]
        for rule in violations:
            lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']}")
            for node in rule["nodes"]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    {node['target']}  -- {summary}")
        message = "\n".join(lines)
        print(message)
        pytest.fail(message, pytrace=False)


def menu_titles() -> List[str]:
    return [item["title"] for item in _topics()["menu"]]


def wait_for_menu(page) -> None:
    from playwright.sync_api import expect

    for title in menu_titles():
        expect(page.get_by_role("button", name=title, exact=True)).to_be_visible(
            timeout=REPLY_TIMEOUT
        )
    settle(page)


def results_conversation(page, how: str = "click") -> None:
    """The topic menu's results button, then a typed IHC/FISH result: the reply
    explains the category and offers follow-up quick replies."""
    from playwright.sync_api import expect

    results_title = next(item["title"] for item in _topics()["menu"] if item["topic"] == "results")
    reply_at(page, choose(page, results_title, how=how), "IHC score")
    reply_at(page, ask(page, RESULTS_MESSAGE), "HER2-low", "ASCO/CAP HER2 testing guideline")
    expect(page.locator(f"{BOT} .rw-reply").first).to_be_visible(timeout=REPLY_TIMEOUT)
    settle(page)


def focused(page) -> dict:
    """What has the keyboard focus, and how the focus is drawn."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(), cls: el.className || "",
                role: el.getAttribute("role") || "", label: el.getAttribute("aria-label") || "",
                text: (el.textContent || "").trim().slice(0, 80),
                focusVisible: el.matches(":focus-visible"),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                outlineColor: style.outlineColor,
            };
        }"""
    )


def describe(info: dict) -> str:
    if "rw-reply" in info["cls"]:
        return f"reply:{info['text']}"
    if "rw-messages-container" in info["cls"]:
        return "conversation"
    if "rw-new-message" in info["cls"]:
        return "message box"
    if "rw-send" in info["cls"]:
        return "send"
    return f"{info['tag']}.{info['cls']}"


def assert_visible_focus(info: dict) -> None:
    assert info["focusVisible"], f"{describe(info)} has focus but not :focus-visible"
    assert info["outlineStyle"] == "solid" and info["outlineWidth"] >= 2, (
        f"{describe(info)}: no visible focus ring ({info['outlineStyle']} {info['outlineWidth']}px)"
    )
    assert info["outlineColor"] == "rgb(31, 95, 191)", (describe(info), info["outlineColor"])


def tab_until(page, wanted: str, limit: int = 30, key: str = "Tab") -> List[str]:
    """Presses Tab (or Shift+Tab) until the focus is on `wanted` (a describe() value);
    returns the stops on the way. Fails if it is not reachable."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        stops.append(describe(info))
        if stops[-1] == wanted:
            assert_visible_focus(info)
            return stops
    pytest.fail(f"{wanted!r} not reachable with Tab; the stops were {stops}")


def no_sideways_scrolling(page, label: str) -> None:
    sizes = page.evaluate(
        """() => {
            const doc = document.scrollingElement;
            const list = document.querySelector(".rw-messages-container");
            const wider = [...document.querySelectorAll("body *")].filter(el => {
                const box = el.getBoundingClientRect();
                return box.width > 0 && (box.right > window.innerWidth + 0.5 || box.left < -0.5);
            }).map(el => el.tagName.toLowerCase() + "." + el.className);
            return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth,
                    listScroll: list.scrollWidth, listClient: list.clientWidth, wider};
        }"""
    )
    assert sizes["scrollWidth"] <= sizes["clientWidth"], (label, sizes)
    assert sizes["listScroll"] <= sizes["listClient"], (label, sizes)
    assert sizes["wider"] == [], (label, sizes)


# --------------------------------------------------------------- axe-core
@pytest.mark.stack
@pytest.mark.parametrize("screen", ["desktop", "320px"])
def test_axe_finds_no_violations_on_the_opening_page(a11y_page, chat_url, screen):
    page = a11y_page(**(NARROW if screen == "320px" else {}))
    open_chat(page, chat_url)
    wait_for_menu(page)
    assert page.evaluate("() => typeof axe.run") == "function"
    assert_no_axe_violations(page, f"on the opening page ({screen})")
    assert page.her2_errors == [], page.her2_errors


@pytest.mark.stack
def test_axe_finds_no_violations_after_buttons_and_a_results_reply(a11y_page, chat_url):
    page = a11y_page()
    open_chat(page, chat_url)
    wait_for_menu(page)
    results_conversation(page)
    # The page really holds what was checked: the user's words, the explanation and
    # its follow-up buttons.
    assert page.locator(".rw-client", has_text=RESULTS_MESSAGE).count() == 1
    assert page.locator(f"{BOT} .rw-reply[role=button]").count() >= 1
    assert_no_axe_violations(page, "after quick replies and a HER2 results reply")


@pytest.mark.stack
def test_axe_finds_no_violations_while_the_assistant_is_unreachable(a11y_page, chat_url):
    """The error notice and the widget's "Connecting…" bar must be readable too."""
    from playwright.sync_api import expect

    page = a11y_page()
    # The page is told to use a Rasa server it cannot reach (port 9, outside its CSP).
    config = {"socketUrl": "http://127.0.0.1:9", "socketPath": "/socket.io/"}
    page.route(
        "**/config.js",
        lambda route: route.fulfill(
            content_type="text/javascript",
            body=f"window.HER2_CHAT_CONFIG = Object.freeze({json.dumps(config)});",
        ),
    )
    page.goto(chat_url)
    status = page.locator("#chat-status")
    expect(status).to_contain_text("Can't reach the assistant", timeout=REPLY_TIMEOUT)
    expect(status).to_have_attribute("role", "status")
    expect(message_box(page)).to_be_visible()
    assert_no_axe_violations(page, "while the assistant is unreachable")


# --------------------------------------------------------------- keyboard only
@pytest.mark.stack
def test_keyboard_only_conversation(page, chat_url):
    from playwright.sync_api import expect

    open_chat(page, chat_url)
    wait_for_menu(page)
    titles = menu_titles()

    # From the top of the page: the conversation, every topic button in order, then
    # the message box; each with the focus ring. (The widget puts the focus in the
    # message box on load; Tab leaves the page once and comes back at its top.)
    tab_until(page, "conversation")
    stops = []
    for _ in range(len(titles) + 1):
        page.keyboard.press("Tab")
        info = focused(page)
        assert_visible_focus(info)
        stops.append(describe(info))
    assert stops == [f"reply:{title}" for title in titles] + ["message box"], stops

    # The send button is next once there is something to send; Space on it sends.
    page.keyboard.type("what is HER2?")
    page.keyboard.press("Tab")
    info = focused(page)
    assert describe(info) == "send" and info["label"] == "Send", info
    assert_visible_focus(info)
    index = settle(page)
    page.keyboard.press("Space")
    expect(page.locator(".rw-client", has_text="what is HER2?")).to_have_count(1)
    # The emptied box disables the send button: the focus goes back to the box.
    expect(message_box(page)).to_be_focused()
    opening, sources = faq_answer("what_is_her2")
    answer = reply_at(page, index, opening, *sources)
    settle(page)

    # A follow-up quick reply of that answer: Shift+Tab from the message box reaches
    # it; Enter chooses it.
    title = answer.locator(".rw-reply").first.inner_text().strip()
    expect(message_box(page)).to_be_focused()
    tab_until(page, f"reply:{title}", key="Shift+Tab")
    index = settle(page)
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client", has_text=title).last).to_be_visible()
    # The chosen button is gone (the widget shows it as the user's message): the
    # focus goes to the message box, not back to the top of the page.
    expect(message_box(page)).to_be_focused()
    reply_at(page, index, "Source:")

    # Typing and Enter, without the mouse: the message is sent and answered.
    index = settle(page)
    page.keyboard.type(RESULTS_MESSAGE)
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client", has_text=RESULTS_MESSAGE)).to_have_count(1)
    expect(message_box(page)).to_have_value("")
    reply_at(page, index, "HER2-low")
    assert page.her2_errors == [], page.her2_errors


# --------------------------------------------------------------- screen readers
def announced(page) -> List[str]:
    return page.locator("#chat-announcer > p").all_text_contents()


def bot_bubbles(page) -> List[str]:
    """The text of each bot message on screen, whitespace squashed."""
    return [
        " ".join(text.split()) for text in page.locator(f"{BOT} .rw-response").all_text_contents()
    ]


def assert_announced_in_order(lines: List[str], bubbles: List[str]) -> None:
    """The live region holds the last bot messages (at most 10), one line each."""
    assert 0 < len(lines) == min(10, len(bubbles)), (lines, bubbles)
    for line, bubble in zip(lines, bubbles[-len(lines) :]):
        assert line.startswith("Assistant: " + bubble), (line, bubble)


@pytest.mark.stack
def test_new_bot_messages_are_announced_in_a_polite_live_region(page, chat_url):
    from playwright.sync_api import expect

    open_chat(page, chat_url)
    wait_for_menu(page)
    region = page.locator("#chat-announcer")
    expect(region).to_have_attribute("aria-live", "polite")
    # Hidden from sight only: still in the accessibility tree.
    hidden = page.evaluate(
        """() => {
            const el = document.getElementById("chat-announcer");
            const style = getComputedStyle(el);
            return {display: style.display, visibility: style.visibility,
                    ariaHidden: !!el.closest("[aria-hidden=true]"),
                    width: el.getBoundingClientRect().width};
        }"""
    )
    assert hidden == {
        "display": "block",
        "visibility": "visible",
        "ariaHidden": False,
        "width": 1,
    }, hidden
    # The widget's own list is a labelled log that does not read out by itself
    # (else every message would be read twice).
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "off")

    # The greeting: one line per bot message, the topic buttons named as choices.
    lines = announced(page)
    assert_announced_in_order(lines, bot_bubbles(page))
    assert any("automated assistant" in line and "not medical advice" in line for line in lines), (
        lines
    )
    assert lines[-1].endswith("Choices: " + "; ".join(menu_titles()) + "."), lines[-1]

    # A typed question: its answer is announced, the user's own words are not.
    opening, sources = faq_answer("what_is_her2")
    reply_at(page, ask(page, "what is HER2?"), opening, *sources)
    settle(page)
    expect(region).to_contain_text(opening)
    lines = announced(page)
    assert_announced_in_order(lines, bot_bubbles(page))
    text = " ".join(lines)
    assert all(source in text for source in sources), lines
    assert "what is HER2?" not in text, lines

    # A reload restores the conversation on screen but reads none of it again;
    # the next answer is announced.
    page.reload()
    reply_at(page, 0, "automated assistant")
    reply_at(page, settle(page) - 1, opening)
    page.wait_for_timeout(1_000)
    assert announced(page) == []
    before = len(bot_bubbles(page))
    reply_at(page, ask(page, "what is HER2-low?"), "HER2-low")
    settle(page)
    lines, bubbles = announced(page), bot_bubbles(page)
    assert_announced_in_order(lines, bubbles[before:])  # only the new answer
    assert "HER2-low" in " ".join(lines), lines


# --------------------------------------------------------------- zoom and small screens
@pytest.mark.stack
@pytest.mark.parametrize("screen", ["200% zoom", "320px", "320x256"])
def test_no_sideways_scrolling_at_200_percent_zoom_and_320px(a11y_page, chat_url, screen):
    from playwright.sync_api import expect

    options = {"200% zoom": ZOOM_200, "320px": NARROW, "320x256": NARROW_SHORT}[screen]
    width = options["viewport"]["width"]
    page = a11y_page(**options)
    open_chat(page, chat_url)
    wait_for_menu(page)
    no_sideways_scrolling(page, f"{screen}, opening page")

    results_conversation(page)
    # A long unbroken word (a pasted link or report line) wraps inside its bubble.
    index = ask(page, f"what does {LONG_WORD} mean?")
    expect(page.locator(BOT).nth(index)).to_be_visible(timeout=REPLY_TIMEOUT)
    settle(page)
    no_sideways_scrolling(page, f"{screen}, after a conversation")

    box = message_box(page)
    box.scroll_into_view_if_needed()
    expect(box).to_be_in_viewport()
    input_box = box.bounding_box()
    assert 0 <= input_box["x"] and input_box["x"] + input_box["width"] <= width, input_box
    assert input_box["width"] >= width * 0.6, input_box
    # The conversation keeps room for a few lines even on a very short screen.
    assert page.locator(".rw-messages-container").bounding_box()["height"] >= 150
    assert_no_axe_violations(page, f"at {screen}")


# --------------------------------------------------------------- reduced motion
MOTION_PROBE = """
    window.__her2Motion = [];
    new MutationObserver((records) => {
        for (const record of records) for (const node of record.addedNodes) {
            if (node.nodeType !== 1) continue;
            for (const dot of node.querySelectorAll(".rw-dot")) {
                window.__her2Motion.push(getComputedStyle(dot).animationName);
            }
        }
    }).observe(document, {childList: true, subtree: true});
"""

MOVING = """() => {
    const moving = [];
    for (const el of document.querySelectorAll("*")) {
        for (const pseudo of [null, "::before", "::after"]) {
            const style = getComputedStyle(el, pseudo);
            const durations = style.transitionDuration.split(",").map(parseFloat);
            if (style.animationName !== "none" || durations.some(d => d > 0)) {
                moving.push(el.tagName.toLowerCase() + "." + el.className + (pseudo || "")
                            + " " + style.animationName + " " + style.transitionDuration);
            }
        }
    }
    return moving;
}"""


def typing_dots_animation(page, chat_url) -> List[str]:
    page.add_init_script(MOTION_PROBE)
    open_chat(page, chat_url)
    wait_for_menu(page)
    reply_at(page, ask(page, "what is HER2?"), "Source:")
    settle(page)
    return page.evaluate("() => window.__her2Motion")


@pytest.mark.stack
def test_reduced_motion_turns_animations_and_transitions_off(new_page, chat_url):
    # Without the preference the widget does move (so the check below means something).
    page = new_page()
    dots = typing_dots_animation(page, chat_url)
    assert dots and set(dots) == {"wave"}, dots
    assert any(".rw-reply" in item or "rw-reply" in item for item in page.evaluate(MOVING))

    page = new_page()
    page.emulate_media(reduced_motion="reduce")
    dots = typing_dots_animation(page, chat_url)
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    # The typing indicator's dots were shown, standing still; nothing else moves.
    assert dots and set(dots) == {"none"}, dots
    assert page.evaluate(MOVING) == []
