"""The summary for an appointment (issue 19, item 3): the results as the assistant understood
them, what the ASCO/CAP guideline calls them and what that means, the questions to ask the care
team, and the sources.

Nothing here is new medical wording: the values are restated from the parsed findings only
(never from the person's own text, so nothing that identifies them is repeated), the category
and its meaning come from her2/ (categories.yml, explanations.yml) through the same functions
as the results replies (actions/results_replies.py), and the questions are the sources' list
(the FAQ answer utter_faq/questions_for_doctor) plus the points the results replies already
raise for the care team when they apply. The text is plain (bullets, no markdown): the chat
page shows it as one block with "Print or save as PDF" and "Copy" (web/summary.js), the other
channels as it is.
"""

from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from actions import results_replies
from actions.replies import button, source_line
from her2 import category_info, classify, describe_findings

# The first line of every summary (the chat page finds the block by the message's metadata,
# SUMMARY_MARK; other channels show the title as it is).
TITLE = "Summary for your appointment"
# Bot-message metadata that marks the summary (channels/web_output.py sends it to the chat
# page as one block with the class web/summary.js looks for).
SUMMARY_MARK = "her2_summary"
QUESTIONS_RESPONSE = "utter_faq/questions_for_doctor"
FAQ_RESPONSES = Path(__file__).resolve().parent.parent / "data" / "responses" / "faq.yml"

INTRO = (
    "Made by the HER2 Assistant, an automated assistant: educational information, not "
    "medical advice."
)
NO_RESULTS = (
    "I don't have any HER2 test results from you yet, so there's nothing for me to put in a "
    "summary. If you'd like, type what the report says, for example \"IHC 2+ and FISH not "
    "amplified\", and I'll explain it; then I can make the summary for your appointment."
)
PENDING_NOTE = (
    "A result you gave last is waiting for your answer above (another sample, or a "
    "correction?), so it isn't in this summary yet."
)
UNCHECKED_NOTE = (
    "I haven't yet checked with you that I read your pasted report right, so "
    "please compare these values with the report."
)
# A point the eligibility reply makes (results_replies.eligibility_message), for the results
# that trastuzumab deruxtecan eligibility concerns.
ELIGIBILITY_POINT = results_replies.ELIGIBILITY_DECIDES
ELIGIBILITY_CATEGORIES = {"low", "ultralow"}
KNOWN_CATEGORIES = results_replies.SETTLED | {"equivocal"}


def _questions_answer(domain: Optional[Dict[str, Any]] = None) -> str:
    """The text of utter_faq/questions_for_doctor, from the domain the Rasa server sends, else
    from the training data."""
    variants = ((domain or {}).get("responses") or {}).get(QUESTIONS_RESPONSE)
    if not variants:
        with FAQ_RESPONSES.open(encoding="utf-8") as handle:
            variants = yaml.safe_load(handle)["responses"][QUESTIONS_RESPONSE]
    return variants[0]["text"]


def sources_questions(domain: Optional[Dict[str, Any]] = None) -> List[str]:
    """The questions the sources suggest asking (the bullets of that answer)."""
    return [
        line.strip()[1:].strip()
        for line in _questions_answer(domain).splitlines()
        if line.strip().startswith("•")
    ]


def questions_source(domain: Optional[Dict[str, Any]] = None) -> str:
    """That answer's Source line."""
    return next(
        line.strip()
        for line in _questions_answer(domain).splitlines()
        if line.strip().startswith("Source:")
    )


def summary_text(
    stored, domain: Optional[Dict[str, Any]] = None, pending: bool = False, unchecked: bool = False
) -> str:
    """The summary of the stored samples (her2.samples.Sample, with values)."""
    names = results_replies.sample_names(stored)
    several = len(stored) > 1
    results = [classify(sample.findings) for sample in stored]

    told = ["Your HER2 results, as I understood them:"]
    for name, sample in zip(names, stored):
        values = describe_findings(sample.findings) or "no HER2 result yet"
        told.append(f"• {results_replies._cap(name)}: {values}." if several else f"• {values}.")
    if unchecked:
        told.append(UNCHECKED_NOTE)
    if pending:
        told.append(PENDING_NOTE)

    category = [
        "What the ASCO/CAP guideline calls them:"
        if several
        else "What the ASCO/CAP guideline calls it:"
    ]
    for name, result in zip(names, results):
        label = (
            f"{category_info(result.category)['label']}. "
            if result.category in KNOWN_CATEGORIES
            else ""
        )
        prefix = f"{results_replies._cap(name)}: " if several else ""
        category.append(f"• {prefix}{label}{result.explanation}")

    sources = [source_line("asco_cap")]
    meanings = ["What that means:"]
    for code in dict.fromkeys(r.category for r in results if r.category in KNOWN_CATEGORIES):
        info = category_info(code)
        meanings.append(f"• {info['label']}: {info['meaning']}")
        sources.append(results_replies._source(info))

    questions = ["Questions to ask your care team:"]
    questions += [f"• {q}" for q in sources_questions(domain)]
    sources.append(questions_source(domain))
    points = _points_for_the_care_team(results)

    parts = [f"{TITLE}\n{INTRO}", "\n".join(told), "\n".join(category)]
    if len(meanings) > 1:
        parts.append("\n".join(meanings))
    parts.append("\n".join(questions))
    if points:
        parts.append(
            "\n".join(["Also worth raising with your care team:"] + [f"• {p}" for p in points])
        )
    parts.append("\n".join(dict.fromkeys("\n".join(sources).split("\n"))))
    parts.append(results_replies.FINAL_CALL)
    return "\n\n".join(parts)


def _points_for_the_care_team(results) -> List[str]:
    """What the results replies already tell the person to take to the care team, where it
    applies to these results."""
    points = []
    categories = {r.category for r in results}
    if len(results) > 1:
        # the last sentence of the several-samples note: which result they are going by
        points.append(results_replies.SEVERAL_SAMPLES_NOTE.rsplit(". ", 1)[-1])
    if categories & ELIGIBILITY_CATEGORIES:
        points.append(ELIGIBILITY_POINT)
    return points


def summary_messages(
    stored, domain: Optional[Dict[str, Any]] = None, pending: bool = False, unchecked: bool = False
) -> List[Dict[str, Any]]:
    """The messages to send: the summary, marked for the chat page; or, with no results yet,
    a kind reply that offers to take them."""
    stored = [sample for sample in stored if not sample.findings.is_empty()]
    if not stored:
        return [
            {
                "text": NO_RESULTS,
                "buttons": [
                    button("Help me understand my results"),
                    results_replies._questions_button(),
                ],
            }
        ]
    return [{"text": summary_text(stored, domain, pending, unchecked), SUMMARY_MARK: True}]


def summary_for(tracker, domain: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """The summary messages for a conversation (rasa_sdk Tracker): its stored samples, and
    whether a value or a pasted report still waits for the person's answer."""
    from actions.her2_results import stored_pending, stored_samples

    return summary_messages(
        stored_samples(tracker),
        domain,
        pending=bool(stored_pending(tracker)),
        unchecked=bool(tracker.get_slot("her2_check")),
    )
