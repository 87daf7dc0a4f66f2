"""interpret(text): parse + classify in one JSON-safe dict (what the CLI prints)."""

from __future__ import annotations

from typing import Optional

from .categories import category_info
from .classifier import classify
from .guideline import load_guideline
from .parser import parse
from .wording import describe_findings


def interpret(text: str, expect: Optional[str] = None) -> dict:
    """Parse `text` (see parse() for `expect`), classify it, and return one flat dict.

    Leading keys: ihc, ish_result (the written ISH result, or when none is written, the result
    the guideline gives the dual-probe ISH group read with the IHC score), ish_group, ratio, copy_number, hormone_receptor, category,
    label, needs, flags, explanation, problems (messages), summary (describe_findings); then the
    remaining Findings fields, with Findings.problems (codes) as problem_codes.
    """
    findings = parse(text, expect=expect)
    result = classify(findings)
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
