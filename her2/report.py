"""read_report(text) -> ReportReading: a whole pasted report, specimen by specimen.

The parser (parse) reads one set of values from a text. A report may give results for several
specimens (a core biopsy and the excision, a metastasis, blocks A2 and B1): read_report splits
the text at the specimens it names (specimens.yml), parses and classifies each one on its own
(a later specimen never overwrites an earlier one), restates per field what it read, lists the
statements about HER2/ER/PR it set aside (criteria, method, pending, failed, reference, general:
the parser's statement kinds, lexicon.STATEMENT_KINDS) and says whether anything was unclear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import yaml

from .classifier import Classification, classify
from .findings import Findings
from .parser import REPORT_TOPICS, parse, statement_facts
from .wording import ihc_phrase, number, percent

SPECIMENS_FILE = Path(__file__).with_name("specimens.yml")

# The parser's statement kinds, as the kinds of set-aside statements read_report reports.
SET_ASIDE_KINDS = {
    "criterion": "criteria",
    "definition": "criteria",
    "method": "method",
    "control": "method",  # control tissue and what it showed: method text to the reader
    "pending": "pending",
    "failed": "failed",
    "reference": "reference",
    "general": "general",
    "other_assay": "other_assay",
    "in_situ": "in_situ",
    "superseded": "superseded",
    "history": "history",
}
EXCERPT_MAX = 60
# Set-aside kinds that leave a result open: the bot asks the user to check before interpreting.
_OPEN_KINDS = {"pending", "failed"}
# "negative" (IHC level unknown) agrees with any one of the HER2-negative levels.
_NEGATIVE_FAMILY = {"negative", "zero", "ultralow", "low"}
_UNCLEAR_FLAGS = {"contradiction", "stated_status_differs"}
_ANALYTE_TOPICS = set(REPORT_TOPICS) | {"ratio", "copies", "score"}
# Where a statement may be split when it gives several specimens' results.
_CLAUSE_SPLIT = re.compile(
    r"\s*;\s*|,\s+|\s+(?:and|but|whereas|while|compared\s+(?:with|to)|"
    r"versus|vs\.?)\s+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_ENUMERATOR = re.compile(r"^\s*(?:[A-Z]|\d{1,2}|[ivx]{1,4})[.)]\s+")


class Specimen(NamedTuple):
    label: str
    findings: Findings
    classification: Classification


@dataclass
class ReportReading:
    """specimens: (label, Findings, Classification) per specimen; one unlabelled ("") entry
        when the text gives one set of values.
    read: short restatements of the values read, per field, in reading order.
    set_aside: (kind, excerpt) for HER2/ER/PR statements whose values were not taken.
    uncertain: True when the bot should ask the user to check the report first.
    unclear: why it is uncertain (UNCLEAR_REASONS codes, in that order); [] when certain."""

    specimens: List[Specimen] = field(default_factory=list)
    read: List[str] = field(default_factory=list)
    set_aside: List[Tuple[str, str]] = field(default_factory=list)
    uncertain: bool = False
    unclear: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "specimens": [
                {
                    "label": s.label,
                    "findings": s.findings.to_dict(),
                    "classification": s.classification.to_dict(),
                }
                for s in self.specimens
            ],
            "read": list(self.read),
            "set_aside": [{"kind": kind, "excerpt": excerpt} for kind, excerpt in self.set_aside],
            "uncertain": self.uncertain,
            "unclear": list(self.unclear),
        }


# --- specimen labels (specimens.yml) ---


@dataclass(frozen=True)
class _Labels:
    patterns: List[Tuple[str, "re.Pattern"]]
    not_before: "re.Pattern"
    counts: "re.Pattern"
    prepositions: "re.Pattern"
    determiners: "re.Pattern"


@lru_cache(maxsize=1)
def specimen_table() -> dict:
    """specimens.yml as written."""
    return yaml.safe_load(SPECIMENS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _labels() -> _Labels:
    table = specimen_table()
    patterns = [
        (entry["label"], re.compile(r"(?<![\w-])(?:%s)(?![\w])" % entry["pattern"], re.IGNORECASE))
        for entry in table["kinds"]
    ]
    patterns += [
        (entry["label"], re.compile(r"(?<![\w-])" + entry["pattern"])) for entry in table["ids"]
    ]
    return _Labels(
        patterns,
        re.compile(table["not_before"], re.IGNORECASE),
        re.compile(table["counts"], re.IGNORECASE),
        re.compile(table["prepositions"], re.IGNORECASE),
        re.compile(table["determiners"], re.IGNORECASE),
    )


def _label_text(template: str, match: "re.Match") -> str:
    groups = {key: value for key, value in match.groupdict().items() if value}
    site = groups.get("site") or groups.get("site2") or ""
    ident = re.sub(r"[ \t-]", "", groups.get("id", "")).upper()
    return template.format(site=site.lower().replace("-", " "), id=ident)


def _specimen_labels(statement: str) -> List[Tuple[int, str]]:
    """(position, label) of the specimens a statement reports on (specimens.yml)."""
    table = _labels()
    if table.counts.search(statement):
        return []
    taken: List[Tuple[int, int]] = []
    found: List[Tuple[int, str]] = []
    # A heading line ends with ":" ("A. Left breast, core biopsy:"); a field's name is before it.
    head = (
        statement
        if statement.rstrip().endswith(":")
        else (statement.split(":", 1)[0] if ":" in statement else None)
    )
    short = (
        head is None
        and len(statement.split()) <= 8
        and not (statement_facts(statement).topics.keys() & _ANALYTE_TOPICS)
    )
    for template, pattern in table.patterns:
        for match in pattern.finditer(statement):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            before = statement[:start]
            if table.not_before.search(before):
                continue
            in_brackets = before.count("(") > before.count(")")
            placed = (
                (head is not None and end <= len(head))
                or short
                or in_brackets
                or not _ENUMERATOR.sub("", before).strip(" \t,.:-")
                or table.prepositions.search(before)
                or _opens_valued_clause(statement, start, end, table)
            )
            if placed:
                taken.append((start, end))
                found.append((start, _label_text(template, match)))
    return sorted(found)


def _opens_valued_clause(statement: str, start: int, end: int, table: _Labels) -> bool:
    """A label that opens a clause giving a value, after at most a determiner: "the biopsy was
    2+", "and my surgery sample came back 3+" (how a chat message names its sample)."""
    before = statement[:start]
    clause_start = max((m.end() for m in _CLAUSE_SPLIT.finditer(before)), default=0)
    lead = _ENUMERATOR.sub("", before[clause_start:]).strip(" \t,.:-")
    if lead and not table.determiners.fullmatch(lead + " "):
        return False
    after = _CLAUSE_SPLIT.search(statement, end)
    clause = statement[clause_start : after.start() if after else len(statement)]
    return _has_values(parse(clause))


def named_specimen(text: str) -> str:
    """The label of the one specimen a text gives values for ("the surgery sample came back 3+"
    -> "surgical specimen"), "" when it names none, or values sit under more than one label or
    none (read_report then has one unlabelled specimen, or several)."""
    if not text or not text.strip():
        return ""
    valued = [
        label
        for label, items, _ in _groups(_statements(text))
        if _has_values(parse("\n".join(items)))
    ]
    return valued[0] if len(valued) == 1 else ""


# --- statements of the original text ---


def _statements(text: str) -> List[str]:
    """Lines and sentences of the user's text; a line that carries on a mixed-case sentence
    (it starts in lower case) is joined to the one before, as the parser does."""
    mixed = any(c.islower() for c in text) and any(c.isupper() for c in text)
    lines: List[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if lines and mixed and stripped[:1].islower():
            lines[-1] += " " + stripped
        else:
            lines.append(stripped)
    return [
        sentence.strip()
        for line in lines
        for sentence in _SENTENCE_END.split(line)
        if sentence.strip()
    ]


def _has_values(findings: Findings) -> bool:
    return bool(
        findings.ihc_candidates
        or findings.ish_result_candidates
        or findings.ratio is not None
        or findings.copy_number is not None
        or findings.percent_stained is not None
        or findings.er
        or findings.pr
        or findings.er_percent is not None
        or findings.pr_percent is not None
        or findings.hr_stated
        or findings.stated_status
    )


# --- specimens ---


def _groups(statements: List[str]) -> List[Tuple[str, List[str], List[str]]]:
    """(label, statements, source statements) in order of first appearance; statements with no
    label belong to the specimen named last ("" before any). A statement that gives results for
    several specimens ("HER2 IHC: 2+ (core biopsy); 3+ (excision)") is split into clauses; the
    source statements are the whole statements a specimen's clauses come from."""
    groups: Dict[str, List[str]] = {"": []}
    sources: Dict[str, List[str]] = {"": []}
    current = ""
    for statement in statements:
        labels = _specimen_labels(statement)
        pieces = _split_by_specimen(statement, labels) if len({l for _, l in labels}) > 1 else None
        if pieces:
            for label, piece in pieces:
                groups.setdefault(label, []).append(piece)
                sources.setdefault(label, []).append(statement)
                current = label
            continue
        if labels:
            current = ", ".join(dict.fromkeys(label for _, label in labels))
        groups.setdefault(current, []).append(statement)
        sources.setdefault(current, []).append(statement)
    return [(label, items, sources[label]) for label, items in groups.items() if items]


def _split_by_specimen(
    statement: str, labels: List[Tuple[int, str]]
) -> Optional[List[Tuple[str, str]]]:
    """Clauses of one statement, each with its specimen, when two or more of them give values
    for different specimens; else None (the labels name one specimen: "Part A: core biopsy")."""
    field_name = statement.split(":", 1)[0] + ": " if ":" in statement else ""
    if field_name and not (statement_facts(field_name).topics.keys() & _ANALYTE_TOPICS):
        field_name = ""
    clauses, position = [], 0
    for match in _CLAUSE_SPLIT.finditer(statement):
        clauses.append((position, statement[position : match.start()]))
        position = match.end()
    clauses.append((position, statement[position:]))
    pieces: List[Tuple[str, str]] = []
    label = None
    for start, clause in clauses:
        inside = [l for p, l in labels if start <= p < start + len(clause)]
        if inside:
            label = inside[0]
        if label is None or not pieces or inside and inside[0] != pieces[-1][0]:
            pieces.append((label or "", clause))
        else:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + ", " + clause)
    if len(pieces) > 1 and pieces[0][0] == "":  # words before the first label go with it
        pieces = [(pieces[1][0], pieces[0][1] + ", " + pieces[1][1])] + pieces[2:]
    out = []
    for index, (label, piece) in enumerate(pieces):
        if index and field_name and not (statement_facts(piece).topics.keys() - {"score"}):
            piece = field_name + piece
        out.append((label, piece))
    valued = {label for label, piece in out if _has_values(parse(piece))}
    return out if len(valued) > 1 else None


# --- set-aside statements ---


def _excerpt(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;").lstrip("-*\u2022 ")
    if len(text) <= EXCERPT_MAX:
        return text
    cut = text[: EXCERPT_MAX - 3]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:(") + "..."


def _about_analyte(facts, context_topics: set, text_names_analyte: bool) -> bool:
    """Names HER2/ER/PR (or is in a statement that does); or, in a text that names them and
    naming no other marker, gives a value or describes a test (method, pending, failed,
    reference: "Internal controls stained appropriately")."""
    if facts.topics.keys() & _ANALYTE_TOPICS or context_topics:
        return True
    return (
        text_names_analyte
        and "other" not in facts.topics
        and (facts.valued or any(kind != "general" for kind in facts.kinds))
    )


def _set_aside(statements: List[str]) -> List[Tuple[str, str]]:
    """HER2/ER/PR statements, brackets and clauses with a statement kind and no value taken."""
    facts_of = [statement_facts(statement) for statement in statements]
    names_analyte = any(facts.topics.keys() & (_ANALYTE_TOPICS - {"score"}) for facts in facts_of)
    found: List[Tuple[str, str]] = []
    for statement, facts in zip(statements, facts_of):
        if not facts.kinds:
            continue
        context = set(facts.topics) & _ANALYTE_TOPICS
        brackets = _BRACKETED.findall(statement)
        rest = _BRACKETED.sub(" ", statement)
        for bracket in brackets:
            inner = statement_facts(bracket)
            if (
                inner.kinds
                and not _has_values(parse(bracket))
                and _about_analyte(inner, context, names_analyte)
            ):
                found.append((SET_ASIDE_KINDS[inner.kinds[0]], _excerpt(bracket)))
        rest_facts = statement_facts(rest)
        if not rest_facts.kinds:
            continue
        if not _has_values(parse(rest)):
            if _about_analyte(rest_facts, context, names_analyte):
                found.append((SET_ASIDE_KINDS[rest_facts.kinds[0]], _excerpt(rest)))
            continue
        for clause in _CLAUSE_SPLIT.split(rest):
            clause_facts = statement_facts(clause)
            if (
                clause_facts.kinds
                and not _has_values(parse(clause))
                and _about_analyte(clause_facts, context, names_analyte)
            ):
                found.append((SET_ASIDE_KINDS[clause_facts.kinds[0]], _excerpt(clause)))
    return list(dict.fromkeys(found))


# --- restatements ---

_ISH_WORDS = {"positive": "amplified", "negative": "not amplified"}


def _restate(findings: Findings, result: Classification, text: str) -> List[str]:
    """One short line per field read, ordered by where the field is first named in `text`. A
    stated HER2 status that only repeats the test values ("3+ (positive)") is not restated."""
    topics = statement_facts(text).topics
    late = 10**9

    def at(*names: str) -> int:
        return min((topics[name] for name in names if name in topics), default=late)

    entries: List[Tuple[int, int, str]] = []

    def add(position: int, line: str) -> None:
        entries.append((position, len(entries), line))

    if findings.ihc:
        add(
            at("ihc", "score", "her2"),
            "HER2 IHC: " + ihc_phrase(findings.ihc, findings.percent_stained)[4:],
        )
    elif len(findings.ihc_candidates) > 1:
        add(
            at("ihc", "score", "her2"),
            "HER2 IHC: " + " or ".join(findings.ihc_candidates) + " (two different scores)",
        )
    method = findings.ish_method or "ISH"
    probe = f"{findings.ish_probe}-probe " if findings.ish_probe else ""
    if method == "DISH":
        method, probe = "dual ISH", ""
    if findings.ish_result:
        add(at("ish"), f"HER2 {probe}{method}: {_ISH_WORDS[findings.ish_result]}")
    elif len(findings.ish_result_candidates) > 1:
        add(at("ish"), f"HER2 {probe}{method}: given as both amplified and not amplified")
    if findings.ratio is not None:
        add(at("ratio", "ish"), f"HER2/CEP17 ratio: {number(findings.ratio)}")
    if findings.copy_number is not None:
        add(at("copies", "ish"), f"HER2 copies per cell: {number(findings.copy_number)}")
    if findings.stated_status and (
        not findings.has_test_values() or "stated_status_differs" in result.flags
    ):
        add(at("her2"), f"HER2 status: {findings.stated_status}")
    for name, status, value in (
        ("ER", findings.er, findings.er_percent),
        ("PR", findings.pr, findings.pr_percent),
    ):
        if status or value is not None:
            shown = status or ""
            if value is not None:
                shown = f"{shown} ({percent(value)})" if shown else percent(value)
            add(at(name.lower(), "erpr", "hr"), f"{name}: {shown}")
    if findings.hr_stated and not (findings.er or findings.pr):
        add(at("hr"), f"Hormone receptors: {findings.hr_stated}")
    return [line for _, _, line in sorted(entries)]


# --- the reading ---


def read_report(text: str) -> ReportReading:
    """Read a pasted report (or a chat message): specimens, restatements, set-aside
    statements and whether anything was unclear. See her2/__init__.py."""
    if not text or not text.strip():
        return ReportReading()
    statements = _statements(text)
    whole = parse(text)
    text_names_her2 = _names_her2(text)
    groups = []
    for label, items, sources in _groups(statements):
        group_text = "\n".join(items)
        findings = parse(group_text)
        if text_names_her2 and not any(_names_her2(source) for source in sources):
            findings = _without_her2_values(findings, group_text)
        groups.append((label, group_text, findings))
    candidates = [
        (label, group_text, findings)
        for label, group_text, findings in groups
        if _has_values(findings) or (label and findings.her2_mentioned)
    ]
    if len(candidates) > 1 and sum(_has_values(f) for _, _, f in candidates) >= 1:
        chosen = candidates
    else:
        chosen = [("", text, whole)]
    reading = ReportReading()
    for label, group_text, findings in chosen:
        result = classify(findings)
        reading.specimens.append(Specimen(label, findings, result))
        suffix = f" ({label})" if label else ""
        reading.read += [line + suffix for line in _restate(findings, result, group_text)]
    reading.set_aside = _set_aside(statements)
    reading.unclear = _unclear(reading)
    reading.uncertain = bool(reading.unclear)
    return reading


_HER2_TOPICS = {"her2", "ihc", "ish", "cep17"}


def _names_her2(text: str) -> bool:
    return bool(statement_facts(text).topics.keys() & _HER2_TOPICS)


# An IHC score written as one ("3+", "2 +", "++", "two plus"), not a sum of grades
# ("3+3+3", "3 + 2 + 3 / 35 mitoses").
_IHC_NOTATION = re.compile(
    r"(?<![\d+])[0-3][ \t]?\+(?![ \t]*\+?[ \t]*\d)|(?<!\+)\+{2,3}(?!\+)|"
    r"\b(?:zero|one|two|three)[ -]plus\b",
    re.IGNORECASE,
)


def _without_her2_values(findings: Findings, group_text: str) -> Findings:
    """A specimen's findings when its text names neither HER2 nor a HER2 test, in a text that
    names HER2 elsewhere. Parsed alone, such a text is read as a chat answer would be:
    "Tubular score: 3" or "NHG3 (3 + 2 + 3 / 35 mitoses)" as an IHC score, "The stains are
    negative" as a HER2 status; the whole text's parse takes none of them. Only an IHC score
    written as one ("the surgery sample came back 3+") is kept; ER and PR values are kept."""
    keep_ihc = bool(_IHC_NOTATION.search(group_text))
    dropped = replace(
        findings,
        ish_method=None,
        ish_probe=None,
        ish_result=None,
        ish_result_candidates=[],
        ratio=None,
        copy_number=None,
        stated_status=None,
        outdated_terms=False,
        problems=[],
    )
    if not keep_ihc:
        dropped = replace(dropped, ihc=None, ihc_candidates=[], percent_stained=None)
    if not dropped.ihc_candidates:
        dropped.her2_mentioned = False
    return dropped


# Why a reading is uncertain (ReportReading.unclear), in this order.
UNCLEAR_REASONS = (
    "undetermined",
    "contradiction",
    "stated_status_differs",
    "impossible_value",
    "pending",
    "failed",
    "samples_differ",
    "receptors_differ",
)


def _unclear(reading: ReportReading) -> List[str]:
    found = set()
    for specimen in reading.specimens:
        result = specimen.classification
        if result.category == "undetermined":
            found.add("undetermined")
        if result.problems:
            found.add("impossible_value")
        found.update(_UNCLEAR_FLAGS & set(result.flags))
    found.update(kind for kind, _ in reading.set_aside if kind in _OPEN_KINDS)
    if len(reading.specimens) > 1:
        categories = {s.classification.category for s in reading.specimens} - {None}
        if len(categories) > 1 and not (
            categories <= _NEGATIVE_FAMILY and len(categories - {"negative"}) <= 1
        ):
            found.add("samples_differ")
        for receptor in ("er", "pr"):
            if len({getattr(s.findings, receptor) for s in reading.specimens} - {None}) > 1:
                found.add("receptors_differ")
    return [reason for reason in UNCLEAR_REASONS if reason in found]
