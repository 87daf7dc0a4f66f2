"""The chat page in a real browser (Debian's Chromium driven by Playwright).

The `stack` tests talk to the running stack (CHAT_URL, RASA_URL: see conftest.py)
and assert on the bot's real replies: the greeting with its disclaimer, a typed
question, a quick-reply button, the conversation surviving a page reload (the
widget's local storage and Rasa's socket.io session_persistence), and the page
at phone width. Expected answers are read from the training data
(data/responses, knowledge/topics.yml), so the tests follow content edits.

The tests at the end check ops/web.py in-process and need no stack.
"""

import json
import re
import socket
import threading
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PHONE = {"width": 390, "height": 844}
REPLY_TIMEOUT = 45_000  # ms: the first message also loads Rasa's model caches


# --------------------------------------------------------------- expected content
@lru_cache(maxsize=None)
def _responses() -> Dict[str, list]:
    responses: Dict[str, list] = {}
    for path in sorted((ROOT / "data" / "responses").glob("*.yml")) + [ROOT / "domain.yml"]:
        responses.update((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    return responses


@lru_cache(maxsize=None)
def _topics() -> dict:
    return yaml.safe_load((ROOT / "knowledge" / "topics.yml").read_text())


def _plain(text: str) -> str:
    """Markdown to the text a reader sees: links to their text, no emphasis marks."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"[*_`#>]", "", text)
    return " ".join(text.split())


def faq_answer(key: str) -> Tuple[str, List[str]]:
    """(opening words, Source lines) of the answer utter_faq/<key>."""
    variants = _responses().get(f"utter_faq/{key}")
    assert variants, f"utter_faq/{key} is not in data/responses: update the browser test"
    text = variants[0]["text"]
    sources = [_plain(line) for line in text.splitlines() if line.strip().startswith("Source:")]
    assert sources, f"utter_faq/{key} has no 'Source:' line"
    opening = " ".join(_plain(text).split()[:8])
    return opening, sources


def topic_for_payload(payload: str):
    """The faq topic whose menu payload is this text (knowledge/topics.yml), if any."""
    for key, topic in _topics()["topics"].items():
        if topic.get("payload") == payload and f"utter_faq/{key}" in _responses():
            return key
    return None


def menu_topic(exclude: str) -> dict:
    """A topic-menu button (knowledge/topics.yml `menu`) that is answered by an faq response."""
    for item in _topics()["menu"]:
        if item["topic"] != exclude and f"utter_faq/{item['topic']}" in _responses():
            return item
    pytest.fail("no faq topic in the menu of knowledge/topics.yml")


# --------------------------------------------------------------- page helpers
# Rasa's socket.io channel sends each paragraph of a reply as its own message; the
# widget groups consecutive bot messages in one .rw-from-response element, so
# "the reply to a message" is the first bot group after it.
BOT = ".rw-group-message.rw-from-response"


def reply_at(page, index: int, *needles: str):
    """Bot group number `index` (0-based), once it contains every needle."""
    from playwright.sync_api import expect

    group = page.locator(BOT).nth(index)
    for needle in needles:
        expect(group).to_contain_text(needle, ignore_case=True, timeout=REPLY_TIMEOUT)
    return group


def settle(page) -> int:
    """Waits until the widget shows no pending bot message; returns the number of
    bot groups, i.e. the index the next reply will get."""
    from playwright.sync_api import expect

    expect(page.locator(".rw-typing-indication")).to_have_count(0, timeout=REPLY_TIMEOUT)
    return page.locator(BOT).count()


def open_chat(page, chat_url: str):
    """Opens the page and waits for the bot's greeting (sent by initPayload /greet)."""
    page.goto(chat_url)
    return reply_at(page, 0, "automated assistant")


def message_box(page):
    return page.get_by_role("textbox", name="Type your question")


def ask(page, text: str) -> int:
    """Types a message and sends it with Enter; returns the index of its reply."""
    from playwright.sync_api import expect

    index = settle(page)
    box = message_box(page)
    expect(box).to_be_enabled(timeout=REPLY_TIMEOUT)
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".rw-client", has_text=text).last).to_be_visible()
    return index


def choose(page, title: str, how: str = "click") -> int:
    """Chooses a quick reply (click, tap or keyboard); returns the index of its reply."""
    from playwright.sync_api import expect

    index = settle(page)
    button = page.get_by_role("button", name=title, exact=True)
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT)
    if how == "keyboard":
        button.focus()
        page.keyboard.press("Enter")
    elif how == "tap":
        button.scroll_into_view_if_needed()
        button.tap()
    else:
        button.click()
    # The widget shows the button's title as the user's message.
    expect(page.locator(".rw-client", has_text=title).last).to_be_visible()
    return index


def session_id(page) -> str:
    return page.evaluate(
        "() => (JSON.parse(localStorage.getItem('chat_session') || '{}').session_id || '')"
    )


# --------------------------------------------------------------- stack tests
@pytest.mark.stack
def test_stack_is_up(chat_url, rasa_url):
    with urllib.request.urlopen(chat_url, timeout=10) as response:
        assert response.status == 200
    if rasa_url:
        with urllib.request.urlopen(rasa_url + "/", timeout=10) as response:
            assert b"Rasa" in response.read()
        with urllib.request.urlopen(chat_url + "config.js", timeout=10) as response:
            config = response.read().decode()
        assert json.dumps(rasa_url)[1:-1] in config, (
            f"the page is configured for another Rasa server: {config}"
        )


@pytest.mark.stack
def test_welcome_message_disclaimer_and_menu(page, chat_url):
    from playwright.sync_api import expect

    greeting = open_chat(page, chat_url)
    expect(page).to_have_title("HER2 Assistant")
    assert page.get_attribute("html", "lang") == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("HER2 Assistant")
    note = page.locator("#disclaimer")
    expect(note).to_be_visible()
    expect(note).to_contain_text(
        "Automated assistant — educational information, not medical advice."
    )
    expect(note).to_contain_text("In an emergency call your local emergency number.")

    # The bot's own greeting: an automated assistant, not medical advice, emergencies.
    expect(greeting).to_contain_text("automated assistant")
    expect(greeting).to_contain_text("not medical advice")
    expect(greeting).to_contain_text("emergency")

    # The topic menu as quick replies, exposed as buttons.
    for item in _topics()["menu"]:
        expect(page.get_by_role("button", name=item["title"], exact=True)).to_be_visible(
            timeout=REPLY_TIMEOUT
        )
    expect(message_box(page)).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_be_visible()
    assert page.her2_errors == [], page.her2_errors


@pytest.mark.stack
def test_typed_question_gets_the_sourced_answer(page, chat_url):
    open_chat(page, chat_url)
    opening, sources = faq_answer("what_is_her2")
    answer = reply_at(
        page, ask(page, "what is HER2?"), "protein", "breast cells", opening, *sources
    )
    assert "Source:" in answer.inner_text()


@pytest.mark.stack
def test_a_pasted_multi_line_report_is_explained_on_the_page(page, chat_url):
    from playwright.sync_api import expect

    from tests.system.e2e.test_conversations import PASTED_REPORT

    open_chat(page, chat_url)
    index = settle(page)
    box = message_box(page)
    expect(box).to_be_enabled(timeout=REPLY_TIMEOUT)
    box.fill(PASTED_REPORT)
    box.press("Enter")
    reply_at(page, index, "HER2-low", "ASCO/CAP HER2 testing guideline")


@pytest.mark.stack
def test_a_pasted_report_with_two_samples_is_confirmed_with_a_button_then_explained(page, chat_url):
    """Issue 16, items 4 and 5: read back first ("Did I read it right?"), then each sample."""
    from playwright.sync_api import expect

    from actions.results_replies import READING_YES
    from tests.system.e2e.test_conversations import TWO_TUMOURS

    open_chat(page, chat_url)
    index = settle(page)
    box = message_box(page)
    expect(box).to_be_enabled(timeout=REPLY_TIMEOUT)
    box.fill(TWO_TUMOURS)
    box.press("Enter")
    reply_at(page, index, "I read results for 2 samples", "Did I read it right?")
    reply_at(
        page,
        choose(page, READING_YES),
        "Part 1:",
        "Lumpectomy:",
        "HER2-low",
        "tested again on another sample",
        "ASCO/CAP HER2 testing guideline",
    )


@pytest.mark.stack
def test_an_emergency_gets_the_emergency_reply_on_the_page(page, chat_url):
    open_chat(page, chat_url)
    reply = reply_at(
        page,
        ask(page, "my throat is closing up after my Herceptin"),
        "emergency",
        "911",
        "999",
        "112",
    )
    assert "Herceptin (trastuzumab)" not in reply.inner_text()  # not the drug answer
    reply_at(page, ask(page, "I wrote goodbye letters to my family"), "988", "116 123")


@pytest.mark.stack
def test_quick_reply_buttons_get_their_answers(page, chat_url):
    open_chat(page, chat_url)
    item = menu_topic(exclude="what_is_her2")
    opening, sources = faq_answer(item["topic"])
    reply_at(page, choose(page, item["title"]), opening, "Source:", *sources)

    # The answer's own follow-up button, chosen from the keyboard this time.
    follow_up = _responses()[f"utter_faq/{item['topic']}"][0]["buttons"][0]
    index = choose(page, follow_up["title"], how="keyboard")
    topic = topic_for_payload(follow_up["payload"])
    if topic:
        reply_at(page, index, faq_answer(topic)[0], "Source:")
    else:
        reply_at(page, index, "Source:")


@pytest.mark.stack
def test_conversation_is_kept_after_reload(page, chat_url):
    from playwright.sync_api import expect

    open_chat(page, chat_url)
    answer_index = ask(page, "what is HER2?")
    reply_at(page, answer_index, "protein", "Source:")
    settle(page)
    session = session_id(page)
    assert session, "the widget stored no session id"

    page.reload()
    # The conversation is still on screen, once: no second greeting ...
    reply_at(page, 0, "automated assistant")
    reply_at(page, answer_index, "protein", "Source:")
    expect(page.locator(".rw-client", has_text="what is HER2?")).to_have_count(1)
    expect(page.locator(BOT, has_text="automated assistant")).to_have_count(1)
    assert session_id(page) == session

    # ... and Rasa still has it: "tell me more" continues from the last answer
    # (actions/conversation.py answers the first related topic of what_is_her2),
    # which only works if the reloaded page rejoined the same Rasa conversation.
    related = _topics()["topics"]["what_is_her2"]["more"][0]
    reply_at(page, ask(page, "tell me more"), faq_answer(related)[0])
    expect(page.locator(BOT, has_text="automated assistant")).to_have_count(1)


@pytest.mark.stack
def test_usable_at_phone_width(new_page, chat_url):
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    greeting = open_chat(page, chat_url)
    expect(page.locator("#disclaimer")).to_be_in_viewport()
    expect(greeting).to_be_in_viewport()
    box = message_box(page)
    expect(box).to_be_in_viewport()
    input_box = box.bounding_box()
    assert input_box["x"] >= 0 and input_box["x"] + input_box["width"] <= PHONE["width"]
    assert input_box["y"] + input_box["height"] <= PHONE["height"]
    assert input_box["width"] >= PHONE["width"] * 0.6, input_box

    # Nothing wider than the screen (no sideways scrolling).
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide at a {PHONE['width']}px viewport"

    item = menu_topic(exclude="what_is_her2")
    reply_at(page, choose(page, item["title"], how="tap"), faq_answer(item["topic"])[0], "Source:")

    answer = reply_at(page, ask(page, "what is HER2?"), "protein", "Source:")
    settle(page)
    # The message list scrolls to the newest message; the input stays on screen.
    expect(answer.locator(".rw-message").last).to_be_in_viewport()
    expect(box).to_be_in_viewport()
    bubble = answer.bounding_box()
    assert bubble["x"] >= 0 and bubble["x"] + bubble["width"] <= PHONE["width"], bubble
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.stack
def test_page_loads_nothing_from_other_sites(page, chat_url, rasa_url):
    """Everything comes from the page's server or the Rasa server (hospital firewalls)."""
    from urllib.parse import urlsplit

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_chat(page, chat_url)
    settle(page)
    allowed = {urlsplit(chat_url).netloc}
    if rasa_url:
        allowed.add(urlsplit(rasa_url).netloc)
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(url).netloc not in allowed
    ]
    assert foreign == [], foreign
    violations = [line for line in page.her2_console if "Content Security Policy" in line]
    assert violations == [], violations


@pytest.mark.stack
def test_page_headers_and_unknown_paths(chat_url, rasa_url):
    with urllib.request.urlopen(chat_url, timeout=10) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    connect = re.search(r"connect-src ([^;]+)", csp).group(1).split()
    assert "'self'" in connect
    if rasa_url:
        assert rasa_url in connect, csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    for path in (
        "nope",
        "package.json",
        "node_modules/rasa-webchat/package.json",
        "..%2fMakefile",
        "ops/web.py",
    ):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(chat_url + path, timeout=10)
        assert error.value.code == 404, path


# --------------------------------------------------------------- ops/web.py, no stack
def _raw_get(port: int, path: str) -> Tuple[int, Dict[str, str], bytes]:
    """GET with the path sent exactly as given (urllib would normalise '..')."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def web_server():
    from ops import web as serve_web

    server = serve_web.build_server(0, "http://localhost:5999/", bind="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], serve_web
    server.shutdown()
    server.server_close()


def test_serve_web_serves_only_its_routes(web_server):
    port, serve_web = web_server
    status, headers, body = _raw_get(port, "/config.js")
    assert status == 200
    assert '"socketUrl": "http://localhost:5999"' in body.decode()
    assert headers["Content-Type"].startswith("text/javascript")
    csp = headers["Content-Security-Policy"]
    assert "connect-src 'self' http://localhost:5999 ws://localhost:5999;" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"

    status, headers, body = _raw_get(port, "/")
    expected = 200 if serve_web.BUNDLE.is_file() else 503
    assert status == expected
    if expected == 200:
        assert b"<title>HER2 Assistant</title>" in body
        status, _, bundle = _raw_get(port, "/webchat.js")
        assert status == 200 and b"WebChat" in bundle
        assert b"fonts.googleapis.com" not in bundle  # nothing from other sites
    else:
        assert b"npm ci --prefix web" in body

    for path in (
        "/../Makefile",
        "/%2e%2e/Makefile",
        "/web/index.html",
        "/index.html/",
        "/package.json",
        "/node_modules/",
        "/ops/web.py",
        "//etc/passwd",
        "/chat.js/..",
        "/.git/config",
    ):
        status, _, body = _raw_get(port, path)
        assert status == 404, path
        assert b"<title>" not in body, path


def test_serve_web_rejects_a_rasa_url_with_a_path(web_server):
    _, serve_web = web_server
    assert serve_web.normalise_rasa_url("https://bot.example.org/") == "https://bot.example.org"
    csp = serve_web.content_security_policy("https://bot.example.org")
    assert "connect-src 'self' https://bot.example.org wss://bot.example.org;" in csp
    for bad in ("localhost:5005", "ftp://host", "http://host/socket.io", "http://u:p@host"):
        with pytest.raises(ValueError):
            serve_web.normalise_rasa_url(bad)


def test_serve_web_explains_a_missing_bundle(web_server, monkeypatch, tmp_path):
    port, serve_web = web_server
    monkeypatch.setattr(serve_web, "BUNDLE", tmp_path / "missing" / "index.js")
    status, headers, body = _raw_get(port, "/")
    assert status == 503
    assert b"npm ci --prefix web" in body and b"make run" in body
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
