"""interpret(text): parse + classify in one JSON-safe dict (what the CLI prints)."""
from __future__ import annotations

from typing import Optional

from .categories import category_info
from .classifier import classify
from .parser import parse
from .wording import describe_findings


def interpret(text: str, expect: Optional[str] = None) -> dict:
    """Parse `text` (see parse() for `expect`), classify it, and return one flat dict.

    Leading keys: ihc, ish_result, ish_group, ratio, copy_number, hormone_receptor, category,
    label, needs, flags, explanation, problems (messages), summary (describe_findings); then the
    remaining Findings fields, with Findings.problems (codes) as problem_codes.
    """
    findings = parse(text, expect=expect)
    result = classify(findings)
    details = findings.to_dict()
    details["problem_codes"] = details.pop("problems")
    return {
        "ihc": findings.ihc,
        "ish_result": findings.ish_result,
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
        **details,
    }
