"""`make review` (scripts/review.py) on a tracker store built with known conversations: an
SQLite database written through Rasa's own SQLTrackerStore, read back by the script's main()
as `make review` runs it (its command line, an endpoints file naming the store, its exit
status and messages), in this process."""

import contextlib
import datetime as dt
import io
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts import review

ROOT = Path(__file__).resolve().parents[3]
DAY = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.timezone.utc).timestamp()
LATER = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc).timestamp()
SENDERS = [
    "review-test-alpha-7f3c",
    "review-test-beta-91ad",
    "review-test-gamma-5e02",
    "review-test-delta-0b44",
]


def parse(text, intent, confidence, ranking=(), faq=None, coverage=None):
    data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}]
        + [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    if faq:
        data["response_selector"] = {
            "faq": {"response": {"intent_response_key": faq[0], "confidence": faq[1]}}
        }
    if coverage:
        data["coverage"] = coverage
    return data


def user(text, parse_data, at):
    return UserUttered(text, parse_data["intent"], [], parse_data, timestamp=at)


def action(name, at):
    return ActionExecuted(name, timestamp=at)


def uncovered(text, at, concept="duration", guess=("faq", 0.62), topic="faq/targeted_therapy"):
    data = parse(
        text,
        "nlu_fallback",
        1.0,
        [guess],
        faq=(topic, 0.71),
        coverage={"answer": "uncovered", "uncovered": [concept], "faq_topic": "targeted_therapy"},
    )
    return [
        user(text, data, at),
        action("action_answer_fallback", at + 1),
        BotUttered("My sources don't cover how long treatment lasts...", timestamp=at + 1),
        action("action_listen", at + 1),
    ]


def answered_then_rated(text, intent, topic, helpful, at):
    data = parse(text, intent, 0.93, faq=(topic, 0.88) if topic else None)
    events = [
        user(text, data, at),
        action("utter_faq" if topic else "action_drug_info", at + 1),
        action("utter_ask_feedback", at + 1),
        action("action_listen", at + 1),
    ]
    reply = "Yes" if helpful == "yes" else "No"
    events += [
        user(reply, parse(reply, "affirm" if helpful == "yes" else "deny", 0.99), at + 5),
        action("action_record_feedback", at + 6),
        SlotSet("answer_feedback", helpful, timestamp=at + 6),
        action("action_listen", at + 6),
    ]
    return events


def conversations():
    return {
        SENDERS[0]: [
            *uncovered("How long will I be on Herceptin?", DAY),
            *answered_then_rated("what is HER2", "faq", "faq/what_is_her2", "yes", DAY + 20),
            # the appointment summary is not a question it failed
            user(
                "Summary for my appointment",
                parse(
                    "Summary for my appointment",
                    "nlu_fallback",
                    1.0,
                    coverage={"answer": "summary"},
                ),
                DAY + 40,
            ),
            action("action_answer_fallback", DAY + 41),
        ],
        SENDERS[1]: [
            *uncovered("how long will I be on herceptin", DAY + 100),
            *answered_then_rated("Is Kadcyla a chemo?", "ask_drug", None, "no", DAY + 120),
            user(
                "email me at jane.doe@example.com or call 07700 900123 about the dye thing",
                parse(
                    "email me ...",
                    "nlu_fallback",
                    0.55,
                    [("out_of_scope", 0.41)],
                    coverage={"answer": "clarify", "clarify": ["ihc_test"]},
                ),
                DAY + 140,
            ),
            action("action_answer_fallback", DAY + 141),
        ],
        SENDERS[2]: [
            user(
                "does herceptin go with grapefruit?",
                parse(
                    "does herceptin go with grapefruit?",
                    "nlu_fallback",
                    0.55,
                    [("faq", 0.44)],
                    faq=("faq/side_effects", 0.38),
                    coverage={"answer": "facts", "facts": ["eh_trastuzumab_use"]},
                ),
                DAY + 200,
            ),
            action("action_answer_fallback", DAY + 201),
            *answered_then_rated(
                "What are the side effects of radiation?", "faq", "faq/radiation", "no", DAY + 220
            ),
        ],
        # after the date range: left out
        SENDERS[3]: [*uncovered("Can I get pregnant after treatment?", LATER, "pregnancy")],
    }


@pytest.fixture
def store_file(tmp_path) -> Path:
    """A tracker store with the conversations above, and an endpoints file that names it."""
    import asyncio

    db = tmp_path / "tracker.db"
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(db))

    async def save_all():
        for sender, events in conversations().items():
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    asyncio.run(save_all())
    store.engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump({"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(db)}})
    )
    return endpoints


def run_review(endpoints: Path, out: Path, *args: str) -> SimpleNamespace:
    """scripts/review.py's main() with this command line: its exit status, output and
    errors. What it changes for the process it runs in (the working directory, the warning
    display) is put back afterwards."""
    argv = ["--endpoints", str(endpoints), "--out", str(out), *args]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patched:
        patched.chdir(ROOT)
        patched.setattr(warnings, "showwarning", warnings.showwarning)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                returncode = review.main(argv)
            except SystemExit as stop:  # argparse's usage errors
                returncode = stop.code
    return SimpleNamespace(
        returncode=returncode, stdout=stdout.getvalue(), stderr=stderr.getvalue()
    )


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_the_report_groups_counts_and_names_no_conversation(store_file, tmp_path):
    out = tmp_path / "review.md"
    done = run_review(store_file, out, "--since", "2026-11-01", "--until", "2026-11-30")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# Questions to review, 2026-11-01 to 2026-11-30")
    assert "From 3 conversations" in text and "1 yes, 2 no" in text

    not_covered = section(text, "Not covered by the sources (2)")
    # two phrasings of one question, grouped by their normalised text and counted
    assert (
        "| how long will i be on herceptin | 2 | faq/targeted_therapy | 0.71 | duration |"
        in not_covered
    )
    assert "pregnan" not in text  # asked after the date range

    not_understood = section(text, "Not understood (1)")
    assert (
        "| email me at [e-mail] or call [number] about the dye thing | 1 | out_of_scope "
        "| 0.41 |" in not_understood
    )
    facts = section(text, "Answered from the facts (1)")
    assert "| does herceptin go with grapefruit | 1 | faq/side_effects | 0.38 |" in facts
    rated_no = section(text, 'Answers rated "No" (2)')
    assert "| is kadcyla a chemo | 1 | ask_drug | 0.93 |" in rated_no
    assert "| what are the side effects of radiation | 1 | faq/radiation | 0.88 |" in rated_no
    assert "what is her2" not in text  # rated yes
    assert "summary for my appointment" not in text  # the summary is not a failure
    section(text, "Not understood by the dialogue (0)")

    # nothing that identifies anyone: no conversation ids, e-mail addresses or phone numbers
    for sender in SENDERS:
        assert sender not in text
    assert "jane" not in text and "900123" not in text


def test_the_date_range_selects_the_messages(store_file, tmp_path):
    out = tmp_path / "december.md"
    done = run_review(store_file, out, "--since", "2026-12-01", "--until", "2026-12-01")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "From 1 conversations" in text
    assert (
        "| can i get pregnant after treatment | 1 | faq/targeted_therapy | 0.71 | "
        "pregnancy |" in text
    )
    assert "herceptin" not in text


def test_bad_arguments_and_a_missing_store_are_said_plainly(tmp_path):
    missing = tmp_path / "endpoints.yml"
    missing.write_text(
        yaml.safe_dump(
            {"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "none.db")}}
        )
    )
    done = run_review(missing, tmp_path / "r.md")
    assert done.returncode == 2 and "no tracker database at" in done.stderr
    done = run_review(missing, tmp_path / "r.md", "--since", "yesterday")
    assert done.returncode == 2 and "not a date" in done.stderr
    done = run_review(missing, tmp_path / "r.md", "--since", "2026-12-02", "--until", "2026-12-01")
    assert done.returncode == 2 and "--since is after --until" in done.stderr


def test_normalised_text_keeps_her2_values_and_drops_identifiers():
    assert review.normalised("  My IHC was 2+ and ratio 1.8?! ") == "my ihc was 2+ and ratio 1.8"
    assert (
        review.normalised("seen on 12/03/2026 at www.example.org/x") == "seen on [date] at [link]"
    )
    assert review.normalised("NHS no 943 476 5919") == "nhs no [number]"
    long = review.normalised("word " * 100)
    assert long.endswith(" …") and len(long) <= review.MAX_QUESTION_CHARS + 2
