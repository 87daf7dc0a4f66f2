"""Wording of the HER2 results conversation, built from the her2 package's output.

Every medical statement comes from her2/categories.yml and her2/explanations.yml (the
guideline table and the two source articles) or from knowledge/drugs.yml. What the user
said is restated from the parsed values only, never from their raw text.
"""
from typing import Any, Dict, List, Optional

from actions import drug_answers
from actions.replies import button, source_line
from her2 import (Classification, Findings, category_info, classify, describe_findings,
                  read_report)
from knowledge import load
from knowledge.drug_matcher import drug_by_id

FINAL_CALL = ("Your pathologist and oncologist make the final call on what your results mean "
              "and on your treatment.")
# Categories whose meaning is settled enough to talk about treatment families.
SETTLED = {"positive", "low", "ultralow", "zero", "negative"}
ENHERTU = "fam_trastuzumab_deruxtecan"

HINT = {
    "ihc_score": (
        "I couldn't find an IHC score in that. On the report it usually appears next to "
        "\"HER2\" or \"IHC\" as 0, 1+, 2+ or 3+ (\"2+\" may also be written \"++\" or "
        "\"equivocal\")."),
    "ish_result": (
        "I couldn't find a FISH/ISH result in that. Look for \"FISH\", \"ISH\", \"CISH\" or "
        "\"SISH\" on the report, followed by \"amplified\" / \"not amplified\" (positive / "
        "negative) or by a HER2/CEP17 ratio and an average HER2 copy number per cell."),
}
DONT_KNOW = {
    "ihc_score": (
        "That's okay. When you have the pathology report, look for \"HER2\" with \"IHC\" and a "
        "score of 0, 1+, 2+ or 3+; your care team can also tell you."),
    "ish_result": (
        "That's okay. An IHC score of 2+ is called \"equivocal\": it means the HER2 status is "
        "unclear, and doctors do a FISH test to clarify it. When the result is ready, look on "
        "the report for \"FISH\" or \"ISH\" with \"amplified\" / \"not amplified\", or a "
        "HER2/CEP17 ratio and copy number, and tell me if you'd like it explained."),
}


def reask_hint(slot: str) -> str:
    return HINT[slot]


def dont_know_help(slot: str) -> str:
    return DONT_KNOW[slot]


def ish_summary(findings: Findings) -> str:
    """The ISH part of the findings in words, e.g. "FISH negative"."""
    ish_only = Findings(ish_method=findings.ish_method, ish_probe=findings.ish_probe,
                        ish_result=findings.ish_result, ratio=findings.ratio,
                        copy_number=findings.copy_number)
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
}
# A message restated field by field: a pasted report rather than a chat answer.
MIN_FIELDS_TO_RESTATE = 3


def reading_message(text: str) -> Optional[Dict[str, Any]]:
    """For a pasted report: what was read, field by field, and what was set aside, and a
    request to check the report when something was unclear. None for a short chat answer."""
    reading = read_report(text or "")
    if len(reading.read) < MIN_FIELDS_TO_RESTATE and not reading.set_aside:
        return None
    lines = ["Here is what I read from what you pasted:"]
    lines += [f"• {line}" for line in reading.read]
    for kind, excerpt in reading.set_aside:
        lines.append(f"I skipped the line that gives {SET_ASIDE_WORDS.get(kind, kind)}: "
                     f"“{excerpt}”")
    if reading.uncertain:
        lines.append("Part of it was unclear to me, so please check those lines on the report, "
                     "or ask your care team, before relying on my explanation.")
    return {"text": "\n".join(lines)}


def nothing_to_explain() -> str:
    return ("I don't have any HER2 test results from you yet. You can type what the report "
            "says, for example \"IHC 2+ and FISH not amplified\".")


def explanation_messages(findings: Findings, result: Classification,
                         not_known: List[str]) -> List[Dict[str, Any]]:
    """The chat bubbles explaining a classification, in order."""
    messages = [{"text": _what_it_means(findings, result, not_known)}]
    if result.category in SETTLED:
        messages.append({"text": _treatment_text(result.category, findings)})
    messages.append({
        "text": f"{_questions_offer()} {FINAL_CALL}",
        "buttons": [_questions_button(), button("What treatments are used for that?")],
    })
    return messages


def treatment_message(category: Optional[str], findings: Findings) -> Dict[str, Any]:
    if category in SETTLED:
        return {"text": f"{_treatment_text(category, findings)}\n\n{FINAL_CALL}",
                "buttons": [_questions_button()]}
    if category == "equivocal":
        info = category_info("equivocal")
        return {"text": f"{info['meaning']}\n\n{info['treatment_families']}\n\n"
                        f"{_source(info)}\n\n{FINAL_CALL}"}
    return {"text": "Treatment depends on the stage of the cancer, the tumour's hormone status, "
                    "the size of the tumour, your overall health and other factors, and "
                    "treatments are sometimes combined. If you tell me your HER2 test results, I "
                    "can explain what the sources say for that kind of result.\n\n"
                    + source_line("everyday_health"),
            "buttons": [button("Help me understand my results"),
                        button("Treatment options", _topic_payload("treatment_overview"))]}


def eligibility_message(category: Optional[str]) -> Dict[str, Any]:
    enhertu = drug_by_id(ENHERTU)
    lines = [f"What my sources say about {enhertu['name']} ({', '.join(enhertu['brands'])}): "
             f"{enhertu['when_used']}"]
    if enhertu.get("notes"):
        lines.append(enhertu["notes"])
    if category in SETTLED or category == "equivocal":
        info = category_info(category)
        lines.append(f"For a result that is {info['label']}: {info['treatment_families']}")
    else:
        lines.append("If you tell me your HER2 test results, I can explain what the sources say "
                     "for that kind of result.")
    lines.append("Whether a treatment is right for you is for your oncologist to decide: "
                 "eligibility depends on much more than the HER2 result.")
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
    text = ("What the sources say about treatment, in general (not about you in particular): "
            f"{info['treatment_families']}")
    sources = _source(info)
    hormone = findings.hormone_receptor_status()
    if hormone:
        text += (f"\n\nWith the hormone receptor status you gave, that is "
                 f"{_combined_label(hormone, info)}. Hormone status matters too: treatment "
                 "depends on the tumour's hormone status, along with the stage, the tumour size "
                 "and your overall health.")
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


def _questions_button() -> Dict[str, str]:
    return button("Questions to ask my doctor", _topic_payload("questions_for_doctor"))


def _topic_payload(topic: str) -> str:
    return load("topics")["topics"][topic]["payload"]
