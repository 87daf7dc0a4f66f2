"""A report for the people who maintain the content: the questions the assistant could not
answer well, from the stored conversations (the tracker store).

    python scripts/review.py [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out FILE]
                             [--endpoints FILE]
    make review [REVIEW_ARGS="--since 2026-11-01"]

It lists, grouped by their normalised text and counted:

* the questions the assistant abstained on: what the sources don't cover (the honest "my
  sources don't cover that") and what it could not place at all (it asked to rephrase and
  offered topics);
* the questions it fell back on: answered from the sources' facts because no topic fitted
  (nlu_fallback), or not understood by the dialogue (action_core_fallback);
* the answers people said "No" to ("Did this answer your question?").

Each with the intent or FAQ topic the classifier chose and its confidence, over a date range
(the messages' dates, UTC; by default the last 30 days). The report never names a
conversation: no conversation ids, no times, and nothing else of a conversation than the
question itself, in which e-mail addresses, links and long numbers (phone numbers, record
numbers, dates) are replaced. (The chat page asks people not to type their name.)

The tracker store is the one the server uses: endpoints.yml with $TRACKER_DB (SQLite, as
`make run` runs it), or another endpoints file such as deploy/endpoints.cluster.yml
(PostgreSQL; its ${VAR} values are read from the environment). It is only read.
Exit status: 0 written, 2 error.
"""

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from ops.config import prepare_operator_tool, store_endpoints

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DAYS = 30
DEFAULT_OUT = ROOT / "results" / "review.md"
MAX_QUESTION_CHARS = 200

# What each section holds, in the report's order.
SECTIONS = {
    "uncovered": (
        "Not covered by the sources",
        "The assistant said its sources don't cover this (knowledge/uncovered.yml).",
    ),
    "clarify": (
        "Not understood",
        "No topic fitted and no fact matched well: it asked to rephrase and offered topics.",
    ),
    "facts": (
        "Answered from the facts",
        "No topic fitted; the closest facts of knowledge/facts.yml were given.",
    ),
    "core_fallback": (
        "Not understood by the dialogue",
        "The dialogue could not continue with confidence (action_core_fallback).",
    ),
    "no": ('Answers rated "No"', "Someone said the answer did not answer their question."),
}
FALLBACK_ACTION = "action_answer_fallback"
CORE_FALLBACK_ACTION = "action_core_fallback"
FEEDBACK_QUESTION = "utter_ask_feedback"
FEEDBACK_SLOT = "answer_feedback"
UNSURE_INTENT = "nlu_fallback"


# ------------------------------------------------------------------ the store
def store_url(endpoints_file: Path) -> Any:
    """The SQLAlchemy URL of the tracker store an endpoints file configures."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints_file), "tracker_store")
    if config is None:
        raise ValueError(f"{endpoints_file} configures no tracker store")
    kwargs = config.kwargs
    if (config.type or "").lower() != "sql" and "dialect" not in kwargs:
        raise ValueError(
            f"{endpoints_file}: the tracker store is not an SQL store (type {config.type!r})"
        )
    dialect = kwargs.get("dialect", "sqlite")
    if dialect == "sqlite":
        db = Path(kwargs.get("db", "rasa.db"))
        db = db if db.is_absolute() else ROOT / db
        if not db.is_file():
            raise ValueError(f"no tracker database at {db}")
        return f"sqlite:///file:{db}?mode=ro&uri=true"  # read-only
    return SQLTrackerStore.get_db_url(
        dialect,
        config.url,
        kwargs.get("port"),
        kwargs.get("db", "rasa.db"),
        kwargs.get("username"),
        kwargs.get("password"),
        kwargs.get("login_db"),
        kwargs.get("query"),
    )


def read_events(url: Any, since: float, until: float) -> Iterator[Tuple[str, str, Dict]]:
    """(conversation, event type, event) in each conversation's order, for the events in
    [since, until). The conversation id is used only to keep conversations apart."""
    import sqlalchemy as sa

    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("sender_id"),
        sa.column("type_name"),
        sa.column("timestamp"),
        sa.column("data"),
    )
    query = (
        sa.select(events.c.sender_id, events.c.type_name, events.c.data)
        .where(
            events.c.timestamp >= since,
            events.c.timestamp < until,
            events.c.type_name.in_(("user", "action", "slot", "restart", "session_started")),
        )
        .order_by(events.c.sender_id, events.c.id)
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            for sender, type_name, data in connection.execution_options(
                stream_results=True
            ).execute(query):
                try:
                    yield sender, type_name, json.loads(data or "{}")
                except ValueError:
                    continue
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the questions
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
_LONG_NUMBER = re.compile(r"(?<![\w.])\+?\d[\d ()-]{4,}\d(?![\w.])")


def normalised(text: str) -> str:
    """How questions are grouped and shown: lower case, one space between words, no end
    punctuation, and nothing that could identify someone (e-mail addresses, links, dates
    and long numbers replaced)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _EMAIL.sub("[e-mail]", text)
    text = _LINK.sub("[link]", text)
    text = _DATE.sub("[date]", text)
    text = _LONG_NUMBER.sub(
        lambda m: "[number]" if sum(c.isdigit() for c in m.group()) >= 5 else m.group(), text
    )
    text = " ".join(text.lower().split()).strip(" .!?,;:")
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def chosen(parse_data: Dict[str, Any]) -> Tuple[str, Optional[float]]:
    """The intent (or FAQ topic) the classifier chose for a message, and its confidence:
    its own first choice, before any rule-based decision (nlu_fallback) over it."""
    ranking = [
        r
        for r in parse_data.get("intent_ranking") or []
        if r.get("name") and r.get("name") != UNSURE_INTENT
    ]
    if not ranking:
        intent = parse_data.get("intent") or {}
        return intent.get("name") or "unknown", intent.get("confidence")
    top = ranking[0]
    if top["name"] == "faq":
        response = ((parse_data.get("response_selector") or {}).get("faq") or {}).get(
            "response"
        ) or {}
        key = response.get("intent_response_key")
        if key:
            return key, response.get("confidence")
    return top["name"], top.get("confidence")


@dataclass
class Question:
    text: str  # normalised
    label: str  # what the classifier chose
    confidence: Optional[float]
    detail: str = ""  # the concepts not covered, for an uncovered question


@dataclass
class Review:
    found: Dict[str, List[Question]] = field(default_factory=lambda: defaultdict(list))
    questions: int = 0  # user messages in the range (commands excluded)
    conversations: int = 0
    feedback: Counter = field(default_factory=Counter)


def _is_command(text: str) -> bool:
    return (text or "").startswith("/")


def review(rows: Iterable[Tuple[str, str, Dict]]) -> Review:
    """Walks the events, one conversation after another."""
    result = Review()
    sender = None
    last_user: Optional[Dict[str, Any]] = None
    rated: Optional[Dict[str, Any]] = None  # the question "Did this answer..." was about
    for conversation, type_name, event in rows:
        if conversation != sender:
            sender, last_user, rated = conversation, None, None
            result.conversations += 1
        if type_name in ("restart", "session_started"):
            last_user, rated = None, None
        elif type_name == "user":
            text = event.get("text") or ""
            if text and not _is_command(text):
                result.questions += 1
            last_user = event
        elif type_name == "action" and last_user is not None:
            name = event.get("name")
            if name == FEEDBACK_QUESTION:
                rated = last_user
            elif name == FALLBACK_ACTION:
                _add_fallback(result, last_user)
            elif name == CORE_FALLBACK_ACTION:
                _add(result, "core_fallback", last_user)
        elif type_name == "slot" and event.get("name") == FEEDBACK_SLOT:
            value = event.get("value")
            if value in ("yes", "no"):
                result.feedback[value] += 1
                if value == "no" and rated is not None:
                    _add(result, "no", rated)
            rated = None
    return result


def _add_fallback(result: Review, user: Dict[str, Any]) -> None:
    parse_data = user.get("parse_data") or {}
    coverage = parse_data.get("coverage") or {}
    answer = coverage.get("answer")
    if answer == "summary":
        return  # asked for the appointment summary: not a question it failed
    if answer == "uncovered":
        _add(result, "uncovered", user, ", ".join(coverage.get("uncovered") or []))
    elif answer == "facts":
        _add(result, "facts", user)
    else:
        _add(result, "clarify", user)


def _add(result: Review, section: str, user: Dict[str, Any], detail: str = "") -> None:
    text = normalised(user.get("text") or "")
    if not text or _is_command(user.get("text") or ""):
        return
    label, confidence = chosen(user.get("parse_data") or {})
    result.found[section].append(Question(text, label, confidence, detail))


# ------------------------------------------------------------------ the report
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _grouped(questions: List[Question]) -> List[Tuple[str, int, str, str, str]]:
    """(text, times, chosen, confidence, detail) per normalised text, most frequent first."""
    groups: Dict[str, List[Question]] = defaultdict(list)
    for question in questions:
        groups[question.text].append(question)
    rows = []
    for text, items in groups.items():
        label = Counter(q.label for q in items).most_common(1)[0][0]
        scores = [q.confidence for q in items if q.label == label and q.confidence is not None]
        if not scores:
            confidence = "–"
        elif min(scores) == max(scores) or len(scores) == 1:
            confidence = f"{scores[0]:.2f}"
        else:
            confidence = f"{sum(scores) / len(scores):.2f} ({min(scores):.2f}–{max(scores):.2f})"
        detail = ", ".join(dict.fromkeys(q.detail for q in items if q.detail))
        rows.append((text, len(items), label, confidence, detail))
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def report(result: Review, since: dt.date, until: dt.date) -> str:
    lines = [
        f"# Questions to review, {since.isoformat()} to {until.isoformat()}",
        "",
        f"From {result.conversations} conversations with {result.questions} messages "
        f'(dates in UTC). "Did this answer your question?": '
        f"{result.feedback['yes']} yes, {result.feedback['no']} no.",
        "Questions are grouped by their normalised text (lower case; e-mail addresses, "
        "links, dates and long numbers replaced). *Chosen* is what the intent "
        "classifier (or, for a FAQ question, the response selector) chose, with its "
        "confidence (the mean, and the range, over the times asked).",
        "",
    ]
    for section, (title, description) in SECTIONS.items():
        rows = _grouped(result.found.get(section, []))
        total = sum(row[1] for row in rows)
        lines += [f"## {title} ({total})", "", description, ""]
        if not rows:
            lines += ["None.", ""]
            continue
        with_detail = section == "uncovered"
        header = "| Question | Times | Chosen | Confidence |" + (
            " Not covered |" if with_detail else ""
        )
        lines += [header, "|---|---:|---|---:|" + ("---|" if with_detail else "")]
        for text, times, label, confidence, detail in rows:
            row = f"| {_cell(text)} | {times} | {_cell(label)} | {confidence} |"
            lines.append(row + (f" {_cell(detail)} |" if with_detail else ""))
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------ command line
def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _epoch(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--since", type=_date, help=f"first day (default: {DEFAULT_DAYS} days before --until)"
    )
    parser.add_argument("--until", type=_date, help="last day, included (default: today, UTC)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"the Markdown report (default: {DEFAULT_OUT.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--endpoints", type=Path, help="endpoints file (default: endpoints.yml with $TRACKER_DB)"
    )
    args = parser.parse_args(argv)
    until = args.until or dt.datetime.now(dt.timezone.utc).date()
    since = args.since or until - dt.timedelta(days=DEFAULT_DAYS)
    if since > until:
        parser.error("--since is after --until")
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    endpoints_file = prepare_operator_tool(args.endpoints)

    try:
        with store_endpoints(endpoints_file) as endpoints:
            url = store_url(endpoints)
        rows = read_events(url, _epoch(since), _epoch(until + dt.timedelta(days=1)))
        text = report(review(rows), since, until)
    except Exception as error:  # noqa: BLE001 (an operator tool: say what went wrong)
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
