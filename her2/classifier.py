"""classify(findings) -> Classification, following the tables in guideline.yml.

Order of decision: impossible values, then contradictions, then ISH numbers (dual- or
single-probe, read with the IHC score), then a written ISH result, then the IHC score alone,
then a stated overall status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import List, Optional, Sequence, Tuple

from . import wording
from .findings import Findings
from .guideline import IshRow, load_guideline

CATEGORIES = ("positive", "low", "ultralow", "zero", "negative", "equivocal", "undetermined")
NEEDS = ("ihc", "ish", "ratio", "copy_number", "dual_probe_ish", "repeat")
FLAGS = ("contradiction", "discordant", "recount_noted", "outdated_terms", "stated_status_differs")


@dataclass
class Classification:
    """category: a code from CATEGORIES, or None when problems (impossible values) were found or
        when the text had no HER2 statement at all (findings.her2_mentioned is False; then
        problems is empty and needs is ["ihc"]).
    ish_group: the dual-probe ISH group (1-5) when ratio and copy number place it exactly.
    needs: codes from NEEDS for what would settle or refine the result, most useful first.
    flags: codes from FLAGS. explanation: one plain-language sentence.
    problems: human-readable messages about impossible values (ask the user again)."""

    category: Optional[str]
    ish_group: Optional[int] = None
    needs: List[str] = field(default_factory=list)
    flags: List[str] = field(default_factory=list)
    explanation: str = ""
    problems: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Outcome:
    category: Optional[str]  # None: can't be decided yet
    needs: Tuple[str, ...] = ()
    flags: Tuple[str, ...] = ()


@dataclass(frozen=True)
class _Decision:
    outcome: _Outcome
    basis: str  # what the decision rests on, as the start of the explanation
    group: Optional[int] = None
    from_tests: bool = True


def classify(findings: Findings) -> Classification:
    """Classify parsed findings into a HER2 category (see the module docstring)."""
    if findings.problems:
        return _impossible_values(findings)
    if _no_her2_statement(findings):
        sentences = wording.texts()["sentences"]
        return Classification(
            None,
            needs=["ihc"],
            explanation=sentences["no_her2"].format(**wording.needs_phrase(["ihc"])),
        )
    contradiction = _contradiction(findings)
    if contradiction:
        return contradiction
    decision = _decide(findings)
    category = decision.outcome.category or "undetermined"
    needs = list(decision.outcome.needs)
    flags = list(decision.outcome.flags)
    category, decision = _apply_stated_status(findings, decision, category, needs, flags)
    if category == "positive" and "stated_status_differs" in flags:
        # "Negative (Score 3+)": the report's own words and its values disagree; never call
        # that HER2-positive, ask for the line to be checked (the safe side)
        sentence = wording.texts()["sentences"]["stated_negative_values_positive"]
        return _undecided(
            sentence.format(stated=wording.status_label(findings.stated_status)),
            ["ihc"] if findings.ihc == "3+" else ["ish"],
            findings,
            group=decision.group,
        )
    if _discordant(findings) and "discordant" not in flags:
        # "IHC 3+. FISH not amplified (ratio 1.1)": decided by its numbers, the written ISH
        # result still disagrees with the IHC score (pathologist review)
        flags.append("discordant")
    if findings.repeat_requested and (_discordant(findings) or "stated_status_differs" in flags):
        # IHC and ISH disagree, or the report's own words and its values do ("lists HER2 as
        # positive; the IHC report scores HER2 as 1+"), and the report says the testing is being
        # repeated or reviewed: the guideline's category is not the final word, the review is
        category, needs = "undetermined", ["repeat"]
        flags = list(dict.fromkeys([*flags, "discordant"]))
    if findings.outdated_terms:
        flags.append("outdated_terms")
    flags = [flag for flag in FLAGS if flag in flags]
    return Classification(
        category=category,
        ish_group=decision.group,
        needs=needs,
        flags=flags,
        explanation=_explanation(findings, decision, category, needs, flags),
    )


def _discordant(findings: Findings) -> bool:
    """The written ISH result and the IHC score point different ways (the guideline's
    discordant pairs)."""
    if not findings.ish_result or not findings.ihc:
        return False
    return load_guideline().discordant_category(findings.ish_result, findings.ihc) is not None


def _no_her2_statement(findings: Findings) -> bool:
    """Parsed text that names no HER2 test and gives no HER2 value (e.g. ER/PR only)."""
    if findings.her2_mentioned is not False:
        return False
    return not (
        findings.has_test_values()
        or findings.stated_status
        or findings.outdated_terms
        or findings.percent_stained is not None
    )


# --- decisions ---


def _decide(findings: Findings) -> _Decision:
    if findings.ratio is not None or findings.copy_number is not None:
        decision = _decide_by_ish_numbers(findings)
        numbers_incomplete = len(_matching_rows(findings)[0]) > 1
        if decision.outcome.category is None and numbers_incomplete and findings.ish_result:
            # The written result is the pathologist's reading of the numbers we don't have.
            return _decide_by_written_ish_result(findings)
        return decision
    if findings.ish_result:
        return _decide_by_written_ish_result(findings)
    if findings.ihc:
        return _decide_by_ihc(findings)
    return _decide_without_test_values(findings)


def _decide_by_ish_numbers(findings: Findings) -> _Decision:
    rows, dual_probe = _matching_rows(findings)
    outcomes = [_row_outcome(row, findings.ihc) for row in rows]
    outcome = _agreed_outcome(outcomes)
    group = rows[0].group if len(rows) == 1 else None
    if outcome.category is None and len(rows) > 1:
        missing = []
        if dual_probe and findings.ratio is None:
            missing.append("ratio")
        if findings.copy_number is None:
            missing.append("copy_number")
        outcome = _Outcome(None, needs=_unique([*missing, *outcome.needs]))
    basis = wording.ish_numbers_phrase(findings, group)
    if findings.ihc:
        basis += f", together with {wording.ihc_phrase(findings.ihc, findings.percent_stained)},"
    return _Decision(outcome, basis, group)


def _decide_by_written_ish_result(findings: Findings) -> _Decision:
    result = load_guideline().qualitative_ish[findings.ish_result]
    outcome = _result_outcome(result, findings.ihc)
    basis = wording.ish_result_phrase(findings)
    if findings.ihc:
        basis = f"{wording.ihc_phrase(findings.ihc, findings.percent_stained)} with {basis}"
    return _Decision(outcome, basis)


def _decide_by_ihc(findings: Findings) -> _Decision:
    guideline = load_guideline()
    basis = wording.ihc_phrase(findings.ihc, findings.percent_stained)
    result = guideline.ihc[findings.ihc]
    if result == "positive":
        return _Decision(_Outcome("positive"), basis)
    if result == "negative":
        return _Decision(_Outcome(guideline.negative_category(findings.ihc)), basis)
    resolved = guideline.equivocal_resolved_by_stated_status.get(findings.stated_status)
    if resolved:
        stated = wording.status_label(findings.stated_status)
        basis += (
            f" with an overall {stated} result (after IHC 2+, the overall result "
            f"follows the ISH test)"
        )
        return _Decision(_Outcome(resolved), basis)
    return _Decision(_Outcome("equivocal", needs=_ish_needs(findings)), basis)


def _decide_without_test_values(findings: Findings) -> _Decision:
    guideline = load_guideline()
    stated = guideline.stated_status.get(findings.stated_status)
    if stated:
        needs = ("ihc",) if stated == "negative" else ()
        basis = (
            f"a stated result of {wording.status_label(findings.stated_status)}, "
            f"with no test values given,"
        )
        return _Decision(_Outcome(stated, needs=needs), basis, from_tests=False)
    if findings.ish_method or findings.outdated_terms:
        method = findings.ish_method or "ISH"
        basis = (
            f"a {method} result described as equivocal"
            if findings.outdated_terms
            else f"a {method} test without its result"
        )
        return _Decision(_Outcome(None, needs=(*_ish_needs(findings), "ihc")), basis)
    return _Decision(_Outcome(None, needs=("ihc",)), "")


def _ish_needs(findings: Findings) -> Tuple[str, ...]:
    # After an old "FISH equivocal" report, the numbers on it are what's needed.
    return ("ratio", "copy_number") if findings.outdated_terms else ("ish",)


# --- table lookups ---


def _matching_rows(findings: Findings) -> Tuple[List[IshRow], bool]:
    guideline = load_guideline()
    single_probe = findings.ish_probe == "single" and findings.ratio is None
    table = guideline.single_probe if single_probe else guideline.dual_probe_groups
    rows = [row for row in table if row.matches(findings.ratio, findings.copy_number)]
    return rows, not single_probe


def _row_outcome(row: IshRow, ihc: Optional[str]) -> _Outcome:
    if row.result != "by_ihc":
        return _result_outcome(row.result, ihc)
    if ihc is None:
        return _Outcome(None, needs=("ihc",))
    answer = row.by_ihc[ihc]
    if answer == "dual_probe_ish":
        # IHC 2+ with a single-probe result that needs dual-probe ISH: still equivocal.
        category = "equivocal" if load_guideline().ihc[ihc] == "equivocal" else None
        return _Outcome(category, needs=("dual_probe_ish",))
    flags = ("recount_noted",) if ihc == row.recount_with else ()
    category = "positive" if answer == "positive" else load_guideline().negative_category(ihc)
    return _Outcome(category, flags=flags)


def _result_outcome(result: str, ihc: Optional[str]) -> _Outcome:
    """An ISH result that doesn't depend on IHC, read with the IHC score (if any)."""
    guideline = load_guideline()
    discordant = guideline.discordant_category(result, ihc)
    if discordant:
        return _Outcome(discordant, flags=("discordant",))
    if result == "positive":
        return _Outcome("positive")
    return _Outcome(guideline.negative_category(ihc), needs=("ihc",) if ihc is None else ())


def _agreed_outcome(outcomes: Sequence[_Outcome]) -> _Outcome:
    """The outcome all candidate rows agree on, or an undecided one listing what they need."""
    categories = {outcome.category for outcome in outcomes}
    if len(categories) == 1 and None not in categories:
        shared_flags = set.intersection(*(set(outcome.flags) for outcome in outcomes))
        return _Outcome(
            categories.pop(),
            needs=_unique(need for outcome in outcomes for need in outcome.needs),
            flags=tuple(flag for flag in outcomes[0].flags if flag in shared_flags),
        )
    return _Outcome(None, needs=_unique(need for outcome in outcomes for need in outcome.needs))


# --- stated status, contradictions, impossible values ---


def _apply_stated_status(
    findings: Findings, decision: _Decision, category: str, needs: List[str], flags: List[str]
) -> Tuple[str, _Decision]:
    """Check a stated status against the tests' category; it may name the negative subgroup."""
    stated = findings.stated_status
    if not stated or not decision.from_tests or category in ("undetermined", "equivocal"):
        return category, decision
    if category == "negative" and stated in ("low", "ultralow"):
        needs.remove("ihc")  # the report already names the HER2-negative subgroup
        basis = f"{decision.basis} with a stated result of {wording.status_label(stated)}"
        return stated, replace(decision, basis=basis)
    if category not in load_guideline().stated_status_agrees_with[stated]:
        flags.append("stated_status_differs")
    return category, decision


def _contradiction(findings: Findings) -> Optional[Classification]:
    sentences = wording.texts()["sentences"]
    if findings.has_ihc_contradiction():
        scores = " and ".join(findings.ihc_candidates)
        return _undecided(sentences["ihc_contradiction"].format(scores=scores), ["ihc"], findings)
    if findings.has_ish_contradiction():
        return _undecided(sentences["ish_contradiction"], ["ish"], findings)
    if findings.ish_result and findings.ratio is not None and findings.copy_number is not None:
        rows, _ = _matching_rows(findings)
        group_result = rows[0].result if len(rows) == 1 else None
        if group_result in ("positive", "negative") and group_result != findings.ish_result:
            text = sentences["ish_numbers_contradiction"].format(
                numbers=wording.ish_numbers_phrase(findings),
                group=rows[0].group,
                group_result=group_result,
                written=findings.ish_result,
            )
            return _undecided(text, ["ish"], findings, group=rows[0].group)
    return None


def _undecided(
    text: str, needs: List[str], findings: Findings, group: Optional[int] = None
) -> Classification:
    flags = ["contradiction"] + (["outdated_terms"] if findings.outdated_terms else [])
    return Classification("undetermined", group, needs, flags, text)


def _impossible_values(findings: Findings) -> Classification:
    texts = wording.texts()
    entries = [texts["problems"][code] for code in findings.problems]
    summaries = ", ".join(entry["summary"] for entry in entries)
    template = "problems_one" if len(entries) == 1 else "problems_many"
    return Classification(
        category=None,
        needs=list(_unique(entry["needs"] for entry in entries if entry.get("needs"))),
        explanation=texts["sentences"][template].format(summaries=summaries),
        problems=[entry["message"] for entry in entries],
    )


# --- explanation ---


def _explanation(
    findings: Findings, decision: _Decision, category: str, needs: List[str], flags: List[str]
) -> str:
    texts = wording.texts()
    if not decision.basis:
        return texts["sentences"]["nothing_found"].format(**wording.needs_phrase(needs))
    verdict = texts["verdicts"][category].format(**wording.needs_phrase(needs))
    stated = wording.status_label(findings.stated_status or "")
    notes = [texts["notes"][flag].format(stated=stated) for flag in flags]
    return wording.sentence(decision.basis, verdict, notes)


def _unique(values) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(values))
