"""interpret(text): parse + classify in one JSON-safe dict (what the CLI prints)."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from .categories import category_info
from .classifier import classify
from .guideline import load_guideline
from .parser import parse
from .report import read_report
from .wording import describe_findings, texts


def interpret(text: str, expect: Optional[str] = None) -> dict:
    """Parse `text` (see parse() for `expect`), classify it, and return one flat dict.

    Leading keys: ihc, ish_result (the written ISH result, or when none is written, the result
    the guideline gives the dual-probe ISH group read with the IHC score), ish_group, ratio, copy_number, hormone_receptor, category,
    label, needs, flags, explanation, problems (messages), summary (describe_findings); then the
    remaining Findings fields, with Findings.problems (codes) as problem_codes.
    """
    findings = parse(text, expect=expect)
    result = classify(findings)
    if result.category == "positive" and expect is None and _specimens_differ(text):
        # "lumpectomy: HER2 IHC 1+ ... lymph node: FISH amplified": the specimens' values are
        # not one result; read as one they would make a HER2-positive no specimen states alone
        result = replace(
            result,
            category="undetermined",
            needs=[],
            explanation=texts()["sentences"]["specimens_differ"],
        )
    details = findings.to_dict()
    details["problem_codes"] = details.pop("problems")
    leading = {
        "ihc": findings.ihc,
        "ish_result": findings.ish_result or _ish_result_of_group(findings, result.ish_group),
        "ish_group": result.ish_group,
        "ratio": findings.ratio,
        "copy_number": findings.copy_number,
        "hormone_receptor": findings.hormone_receptor_status(),
        "category": result.category,
        "label": category_info(result.category)["label"] if result.category else None,
        "needs": result.needs,
        "flags": result.flags,
        "explanation": result.explanation,
        "problems": result.problems,
        "summary": describe_findings(findings),
    }
    # The remaining Findings fields; a leading key is not overwritten (ish_result keeps the
    # result of the ISH group when none is written).
    return {**leading, **{name: value for name, value in details.items() if name not in leading}}


def _ish_result_of_group(findings, group: Optional[int]) -> Optional[str]:
    """ "positive"/"negative" for a dual-probe ISH group the guideline settles (groups 1 and 5;
    groups 2-4 with the IHC score), else None."""
    if group is None:
        return None
    row = next(row for row in load_guideline().dual_probe_groups if row.group == group)
    if row.result != "by_ihc":
        return row.result
    answer = row.by_ihc.get(findings.ihc) if findings.ihc else None
    return answer if answer in ("positive", "negative") else None


def _specimens_differ(text: str) -> bool:
    """The text gives results for several specimens, one of them HER2-negative by its own values
    (an equivocal IHC 2+ on one specimen and an ISH result on another complete each other)."""
    specimens = read_report(text).specimens
    categories = {specimen.classification.category for specimen in specimens}
    return len(specimens) > 1 and bool(categories & _NEGATIVE_CATEGORIES)


_NEGATIVE_CATEGORIES = {"negative", "low", "ultralow", "zero"}
