"""Wording of the HER2 results conversation, built from the her2 package's output.

Every medical statement comes from her2/categories.yml and her2/explanations.yml (the
guideline table and the two source articles) or from knowledge/drugs.yml. What the user
said is restated from the parsed values only, never from their raw text.
"""

from typing import Any, Dict, List, Optional

from actions import drug_answers
from actions.replies import button, source_line
from her2 import Classification, Findings, category_info, classify, describe_findings, read_report
from knowledge import load
from knowledge.drug_matcher import drug_by_id

FINAL_CALL = (
    "Your pathologist and oncologist make the final call on what your results mean "
    "and on your treatment."
)
# The button after HER2 results that asks for the appointment summary (actions/summary.py);
# its title is its payload, which components/summary_request.py recognises.
SUMMARY_BUTTON = "Summary for my appointment"
ELIGIBILITY_DECIDES = (
    "Whether a treatment is right for you is for your oncologist to decide: "
    "eligibility depends on much more than the HER2 result."
)
# Categories whose meaning is settled enough to talk about treatment families.
SETTLED = {"positive", "low", "ultralow", "zero", "negative"}
ENHERTU = "fam_trastuzumab_deruxtecan"

HINT = {
    "ihc_score": (
        "I couldn't find an IHC score in that. On the report it usually appears next to "
        '"HER2" or "IHC" as 0, 1+, 2+ or 3+ ("2+" may also be written "++" or '
        '"equivocal").'
    ),
    "ish_result": (
        'I couldn\'t find a FISH/ISH result in that. Look for "FISH", "ISH", "CISH" or '
        '"SISH" on the report, followed by "amplified" / "not amplified" (positive / '
        "negative) or by a HER2/CEP17 ratio and an average HER2 copy number per cell."
    ),
}
DONT_KNOW = {
    "ihc_score": (
        'That\'s okay. When you have the pathology report, look for "HER2" with "IHC" and a '
        "score of 0, 1+, 2+ or 3+; your care team can also tell you."
    ),
    "ish_result": (
        'That\'s okay. An IHC score of 2+ is called "equivocal": it means the HER2 status is '
        "unclear, and doctors do a FISH test to clarify it. When the result is ready, look on "
        'the report for "FISH" or "ISH" with "amplified" / "not amplified", or a '
        "HER2/CEP17 ratio and copy number, and tell me if you'd like it explained."
    ),
}


def reask_hint(slot: str) -> str:
    return HINT[slot]


def dont_know_help(slot: str) -> str:
    return DONT_KNOW[slot]


def ish_summary(findings: Findings) -> str:
    """The ISH part of the findings in words, e.g. "FISH negative"."""
    ish_only = Findings(
        ish_method=findings.ish_method,
        ish_probe=findings.ish_probe,
        ish_result=findings.ish_result,
        ratio=findings.ratio,
        copy_number=findings.copy_number,
    )
    return describe_findings(ish_only) or "ISH result given"


def problem_message(findings: Findings) -> Optional[str]:
    """What to tell the user when a message has impossible or contradicting values."""
    result = classify(findings)
    if result.problems:
        return " ".join(result.problems)
    if "contradiction" in result.flags:
        return result.explanation
    return None


# How the bot names a statement it set aside (her2.read_report's kinds).
SET_ASIDE_WORDS = {
    "criteria": "the scoring criteria",
    "method": "how the test was done",
    "pending": "a test still to come",
    "failed": "a test that could not be read",
    "reference": "a result in another report",
    "general": "general information about HER2 testing",
    "other_assay": "a score from another kind of test (such as a gene-expression test), which "
    "is not how HER2 status is decided",
    "in_situ": "staining in the non-invasive (in situ) part, which is not what HER2 is scored on",
    "superseded": "an earlier result that the report corrects",
    "history": "the results of an earlier cancer in the history, not this tumour's",
}
# A message restated field by field: a pasted report rather than a chat answer.
MIN_FIELDS_TO_RESTATE = 3


def reading_message(text: str) -> Optional[Dict[str, Any]]:
    """For a pasted report: what was read, field by field, and what was set aside, and a
    request to check the report when something was unclear. None for a short chat answer."""
    reading = read_report(text or "")
    if not _is_pasted_report(reading):
        return None
    lines = _restatement(reading)
    if reading.uncertain:
        lines.append(
            "Part of it was unclear to me, so please check those lines on the report, "
            "or ask your care team, before relying on my explanation."
        )
    return {"text": "\n".join(lines)}


def _is_pasted_report(reading) -> bool:
    return len(reading.read) >= MIN_FIELDS_TO_RESTATE or bool(reading.set_aside)


def _restatement(reading) -> List[str]:
    lines = ["Here is what I read from what you pasted:"]
    lines += [f"• {line}" for line in reading.read]
    for kind, excerpt in reading.set_aside:
        lines.append(
            f"I skipped the line that gives {SET_ASIDE_WORDS.get(kind, kind)}: “{excerpt}”"
        )
    return lines


# --- confirming the reading of a pasted report before interpreting it (issue 16, item 5) ---

# Why the bot asks to check its reading (her2.ReportReading.unclear).
UNCLEAR_WORDS = {
    "undetermined": "I couldn't find a HER2 result I can be sure of",
    "contradiction": "it gives two different values for the same test",
    "stated_status_differs": "the HER2 status it states doesn't fit the test values",
    "impossible_value": "a value isn't possible as I read it",
    "pending": "a test is still to come",
    "failed": "a test could not be read",
    "samples_differ": "the samples give different HER2 results",
    "receptors_differ": "the samples give different ER or PR results",
}
READING_YES = "Yes, that's right"
READING_NO = "No, let me correct it"
READING_HINT = (
    "Please check what I read against the report. If it matches, choose “Yes, that's right” and "
    "I'll explain it. If something is wrong or you're not sure, choose “No, let me correct it” "
    "and I'll ask for the values one at a time. Your care team can also go through the report "
    "with you."
)
READING_CORRECTED = (
    "No problem, let's put it right. I've set aside what I read from that report; I'll ask for "
    "the HER2 values one at a time, so you can copy each one from the report as it is written."
)


def reading_check(text: str) -> Optional[str]:
    """For a pasted report read with something unclear, or with results for more than one
    sample: what was read, and why it needs checking, to confirm before interpreting. None when
    the reading is clear (it is explained at once) or the message is a short chat answer."""
    reading = read_report(text or "")
    if not _is_pasted_report(reading) or not (reading.uncertain or len(reading.specimens) > 1):
        return None
    lines = _restatement(reading)
    reasons = [UNCLEAR_WORDS[code] for code in reading.unclear if code in UNCLEAR_WORDS]
    if reasons:
        lines.append(
            f"Part of it is unclear to me ({'; '.join(reasons)}), so before I explain "
            "what it means, please check that I read it right."
        )
    else:
        lines.append(
            f"I read results for {len(reading.specimens)} samples, so before I explain "
            "what they mean, please check that I matched each result to the right "
            "sample."
        )
    return "\n".join(lines)


def reading_question(check: str, first_time: bool = True) -> Dict[str, Any]:
    """Asks to confirm a reading (the her2_form's question for her2_reading_ok)."""
    question = "Did I read it right?"
    text = (
        f"{check}\n\n{question}"
        if first_time
        else f"{question} (What I read from your report is in my message above.)"
    )
    return {"text": text, "buttons": [button(READING_YES), button(READING_NO)]}


# --- results for several samples (issue 16, item 4) ---

# What the ASCO/CAP guideline says about testing again, and who decides (no more than that).
SEVERAL_SAMPLES_NOTE = (
    "The ASCO/CAP HER2 testing guideline allows HER2 to be tested again on another sample, for "
    "example on the surgery specimen after a core biopsy, or on a metastasis, so one person can "
    "have more than one HER2 result. I've kept each sample's result on its own rather than "
    "replacing one with the other. Which result applies to your treatment is for your care team "
    "to decide, so it's worth asking them which one they are going by."
)
ANOTHER_SAMPLE = "Yes, another sample"
A_CORRECTION = "No, it corrects the earlier one"
NEW_SAMPLE = "Another sample"
SAMPLE_HINT = (
    "If you're not sure, choose “Yes, another sample”: I'll keep both results apart, and your "
    "care team can tell you which sample each one comes from."
)
WHICH_SAMPLE_HINT = (
    "Please choose the sample this result is for, or “Another sample” if it's from a sample you "
    "haven't told me about. If you're not sure, your care team can tell you."
)


def sample_names(samples) -> List[str]:
    """How the bot names each sample: its label ("core biopsy"), "sample 2" when the person
    named none, with a number when two share a label."""
    labels = [sample.label for sample in samples]
    names = []
    for index, label in enumerate(labels):
        if not label:
            names.append(f"sample {index + 1}")
        elif labels.count(label) > 1:
            names.append(f"{label} ({labels[: index + 1].count(label)})")
        else:
            names.append(label)
    return names


def sample_question(samples, pending) -> Dict[str, Any]:
    """Asks about values that would change a stored result (the her2_form's question for
    her2_sample_answer): another sample or a correction; or, with several samples stored and
    none named, which sample they are for."""
    names = sample_names(samples)
    new = "; ".join(_findings_text(item.sample) for item in pending)
    if any(item.target is None for item in pending):
        return {
            "text": f"You've told me about more than one sample ({_listed(names)}). Which "
            f"sample is this result ({new}) for?",
            "buttons": [button(_cap(name)) for name in names] + [button(NEW_SAMPLE)],
        }
    targets = [item.target for item in pending if item.target is not None]
    earlier = "; ".join(
        f"{describe_findings(samples[t].findings)}"
        + (f" for {_named(names[t])}" if samples[t].label else "")
        for t in dict.fromkeys(targets)
    )
    return {
        "text": f"Earlier you told me {earlier}, and now {new}. Is that a result for a "
        "different sample, for example the surgery specimen after a biopsy, or a "
        "metastasis? I won't replace the earlier result unless you tell me it was a "
        "mistake.",
        "buttons": [button(ANOTHER_SAMPLE), button(A_CORRECTION)],
    }


def sample_buttons(names: List[str]) -> List[str]:
    """Every button title the sample questions use (their payloads are the titles)."""
    return [ANOTHER_SAMPLE, A_CORRECTION, NEW_SAMPLE] + [_cap(name) for name in names]


def sample_hint(which: bool) -> str:
    return WHICH_SAMPLE_HINT if which else SAMPLE_HINT


def samples_messages(samples) -> List[Dict[str, Any]]:
    """The chat bubbles explaining results for several samples, each on its own."""
    names = sample_names(samples)
    results = [classify(sample.findings) for sample in samples]
    lines = [f"You've given me HER2 results for {len(samples)} samples, and I've kept them apart:"]
    for name, sample, result in zip(names, samples, results):
        told = describe_findings(sample.findings) or "no HER2 result yet"
        verdict = result.explanation
        if result.category in SETTLED or result.category == "equivocal":
            verdict = f"Result: {category_info(result.category)['label']}. {verdict}"
        lines.append(f"• {_cap(name)}: {told}. {verdict}")
    parts = ["\n".join(lines)]
    sources = [source_line("asco_cap")]
    categories = list(
        dict.fromkeys(
            r.category for r in results if r.category in SETTLED or r.category == "equivocal"
        )
    )
    if categories:
        meanings = ["What these results mean:"]
        for category in categories:
            info = category_info(category)
            meanings.append(f"• {info['label']}: {info['meaning']}")
            sources.append(_source(info))
        parts.append("\n".join(meanings))
    parts.append(SEVERAL_SAMPLES_NOTE)
    parts.append("\n".join(dict.fromkeys("\n".join(sources).split("\n"))))
    messages = [{"text": "\n\n".join(parts)}]
    shared = {r.category for r in results}
    if len(shared) == 1 and shared <= SETTLED:
        messages.append({"text": _treatment_text(shared.pop(), samples[-1].findings)})
    messages.append(_closing_bubble())
    return messages


def shared_category(samples) -> Optional[str]:
    """The HER2 category all samples share, else None."""
    categories = {classify(sample.findings).category for sample in samples}
    return categories.pop() if len(categories) == 1 else None


def samples_followup(intent: Optional[str], samples) -> Dict[str, Any]:
    """A treatment or eligibility question when samples gave different results: what the
    sources say for each kind of result, and that the care team decides which applies."""
    names = sample_names(samples)
    results = [classify(sample.findings) for sample in samples]
    said = "; ".join(
        f"{_named(name)}: {_category_words(result.category)}"
        for name, result in zip(names, results)
    )
    lines = [
        f"Your samples gave different results ({said}). Which result your treatment "
        "follows is for your care team to decide."
    ]
    sources = []
    if intent == "ask_eligibility":
        enhertu = drug_by_id(ENHERTU)
        lines.append(
            f"What my sources say about {enhertu['name']} "
            f"({', '.join(enhertu['brands'])}): {enhertu['when_used']}"
        )
        if enhertu.get("notes"):
            lines.append(enhertu["notes"])
        sources.append(source_line(*drug_answers.cited(enhertu, ["when_used", "notes"]), "bcrf"))
    for category in dict.fromkeys(r.category for r in results):
        if category in SETTLED or category == "equivocal":
            info = category_info(category)
            lines.append(f"For a result that is {info['label']}: {info['treatment_families']}")
            sources.append(_source(info))
    if intent == "ask_eligibility":
        lines.append(ELIGIBILITY_DECIDES)
    lines.append("\n".join(dict.fromkeys("\n".join(sources).split("\n"))))
    lines.append(FINAL_CALL)
    return {"text": "\n\n".join(lines), "buttons": [_questions_button()]}


def _category_words(category: Optional[str]) -> str:
    if category in SETTLED or category == "equivocal":
        return category_info(category)["label"]
    return "not settled yet"


def _findings_text(sample) -> str:
    told = describe_findings(sample.findings)
    return f"{told} for {_named(sample.label)}" if sample.label else told


def _named(name: str) -> str:
    """ "the core biopsy", but "sample 2", "part A", "block B1" as they are."""
    return (
        name if name.split(" ", 1)[0] in ("sample", "part", "block", "specimen") else f"the {name}"
    )


def _listed(names: List[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def nothing_to_explain() -> str:
    return (
        "I don't have any HER2 test results from you yet. You can type what the report "
        'says, for example "IHC 2+ and FISH not amplified".'
    )


def explanation_messages(
    findings: Findings, result: Classification, not_known: List[str]
) -> List[Dict[str, Any]]:
    """The chat bubbles explaining a classification, in order."""
    messages = [{"text": _what_it_means(findings, result, not_known)}]
    if result.category in SETTLED:
        messages.append({"text": _treatment_text(result.category, findings)})
    messages.append(_closing_bubble())
    return messages


def treatment_message(category: Optional[str], findings: Findings) -> Dict[str, Any]:
    if category in SETTLED:
        return {
            "text": f"{_treatment_text(category, findings)}\n\n{FINAL_CALL}",
            "buttons": [_questions_button()],
        }
    if category == "equivocal":
        info = category_info("equivocal")
        return {
            "text": f"{info['meaning']}\n\n{info['treatment_families']}\n\n"
            f"{_source(info)}\n\n{FINAL_CALL}"
        }
    return {
        "text": "Treatment depends on the stage of the cancer, the tumour's hormone status, "
        "the size of the tumour, your overall health and other factors, and "
        "treatments are sometimes combined. If you tell me your HER2 test results, I "
        "can explain what the sources say for that kind of result.\n\n"
        + source_line("everyday_health"),
        "buttons": [
            button("Help me understand my results"),
            button("Treatment options", _topic_payload("treatment_overview")),
        ],
    }


def eligibility_message(category: Optional[str]) -> Dict[str, Any]:
    enhertu = drug_by_id(ENHERTU)
    lines = [
        f"What my sources say about {enhertu['name']} ({', '.join(enhertu['brands'])}): "
        f"{enhertu['when_used']}"
    ]
    if enhertu.get("notes"):
        lines.append(enhertu["notes"])
    if category in SETTLED or category == "equivocal":
        info = category_info(category)
        lines.append(f"For a result that is {info['label']}: {info['treatment_families']}")
    else:
        lines.append(
            "If you tell me your HER2 test results, I can explain what the sources say "
            "for that kind of result."
        )
    lines.append(ELIGIBILITY_DECIDES)
    lines.append(source_line(*drug_answers.cited(enhertu, ["when_used", "notes"]), "bcrf"))
    return {"text": "\n\n".join(lines), "buttons": [_questions_button()]}


def _what_it_means(findings: Findings, result: Classification, not_known: List[str]) -> str:
    parts = [f"You told me: {describe_findings(findings)}."]
    sources = [source_line("asco_cap")]
    if result.category in SETTLED or result.category == "equivocal":
        info = category_info(result.category)
        parts.append(f"Result: {info['label']}. {info['meaning']}")
        sources.append(_source(info))
    parts.append(result.explanation)
    for slot in not_known:
        if slot == "ish_result" and result.category == "equivocal":
            parts.append(DONT_KNOW["ish_result"])
    # Every results bubble ends with its sources: the guideline for the classification,
    # and the articles for what the category means.
    parts.append("\n".join(sources))
    return "\n\n".join(parts)


def _treatment_text(category: str, findings: Findings) -> str:
    info = category_info(category)
    text = (
        "What the sources say about treatment, in general (not about you in particular): "
        f"{info['treatment_families']}"
    )
    sources = _source(info)
    hormone = findings.hormone_receptor_status()
    if hormone:
        text += (
            f"\n\nWith the hormone receptor status you gave, that is "
            f"{_combined_label(hormone, info)}. Hormone status matters too: treatment "
            "depends on the tumour's hormone status, along with the stage, the tumour size "
            "and your overall health."
        )
        if "Everyday Health" not in sources:
            sources += "\n" + source_line("everyday_health")
    return f"{text}\n\n{sources}"


def _combined_label(hormone: str, info: Dict[str, Any]) -> str:
    return f"HR-{hormone}, {info['label']}"


def _source(info: Dict[str, Any]) -> str:
    names = [name.strip() for name in " ".join(info["source"].split()).split(";")]
    return "\n".join(f"Source: {name}" for name in names)


def _questions_offer() -> str:
    return "It may help to take questions like these to your next appointment."


def _closing_bubble() -> Dict[str, Any]:
    """The last bubble of a results explanation: questions for the doctor, the emergency
    line, and where to go next."""
    return {
        "text": f"{_questions_offer()} {FINAL_CALL}",
        "buttons": [
            _questions_button(),
            button("What treatments are used for that?"),
            button(SUMMARY_BUTTON),
        ],
    }


def _questions_button() -> Dict[str, str]:
    return button("Questions to ask my doctor", _topic_payload("questions_for_doctor"))


def _topic_payload(topic: str) -> str:
    return load("topics")["topics"][topic]["payload"]
