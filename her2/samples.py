"""Results for several samples across a conversation (issue 16, item 4): kept apart, never
replaced silently.

A person may give results for more than one sample (a core biopsy and the surgery specimen, a
metastasis), in one message or turn by turn. Each sample keeps its own Findings. A later value
goes to the sample it names (specimens.yml); one that names no sample goes to the only sample
there is. When it differs from a value already stored for that sample, it is applied only when
the message says it corrects it ("sorry, I meant 1+") or names a sample of its own; otherwise it
waits (`pending`) until the person says whether it is another sample or a correction. With
several samples stored, a value that names none waits for the person to say which sample it is
for. Pure functions over plain data: the chatbot keeps Samples and Pending in its slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import List, Optional, Sequence

from .findings import Findings
from .report import _specimen_labels, named_specimen, read_report, specimen_table

# Values compared for a conflict: another value in one of these is a different result.
_COMPARED = (
    "ihc",
    "ish_result",
    "ratio",
    "copy_number",
    "er",
    "pr",
    "er_percent",
    "pr_percent",
    "stated_status",
    "hr_stated",
)
# IHC 0 and "0 with faint staining" refine each other; they do not conflict.
_ZERO = {"0", "0-staining"}

ANOTHER = "another"
CORRECTION = "correction"


@dataclass
class Sample:
    """label: the sample's name as read ("core biopsy", "surgical specimen", "part B"), "" when
    the person named none. findings: its values (problems are never stored)."""

    label: str
    findings: Findings

    def to_dict(self) -> dict:
        return {"label": self.label, "findings": self.findings.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "Sample":
        return cls(data.get("label") or "", Findings.from_dict(data.get("findings") or {}))


@dataclass
class Pending:
    """A sample's values waiting for the person's answer. target: the index of the stored
    sample it may correct (ask "another sample or a correction?"), or None when several are
    stored and the message named none (ask "which sample?")."""

    sample: Sample
    target: Optional[int]

    def to_dict(self) -> dict:
        return {"sample": self.sample.to_dict(), "target": self.target}

    @classmethod
    def from_dict(cls, data: dict) -> "Pending":
        return cls(Sample.from_dict(data.get("sample") or {}), data.get("target"))


@dataclass
class Update:
    """samples: the stored samples after a message; pending: values that wait for an answer."""

    samples: List[Sample]
    pending: List[Pending]


def to_dicts(items) -> list:
    return [item.to_dict() for item in items]


def samples_from(data) -> List[Sample]:
    return [Sample.from_dict(item) for item in (data or [])]


def pending_from(data) -> List[Pending]:
    return [Pending.from_dict(item) for item in (data or [])]


# --- one message ---


def message_samples(text: str, findings: Findings) -> List[Sample]:
    """The samples a message gives values for: one per specimen when it reports on several
    ("the biopsy was 2+ and the surgery sample came back 3+"), else one with `findings` (what
    the chatbot read from the message) and the sample the message names, if any."""
    reading = read_report(text)
    if len(reading.specimens) > 1:
        return [Sample(s.label, _without_problems(s.findings)) for s in reading.specimens]
    return [Sample(named_specimen(text), _without_problems(findings))]


def is_correction(text: str) -> bool:
    """The message says it corrects what was said before ("sorry, I meant 1+")."""
    return bool(_patterns()["corrections"].search(text or ""))


def named_label(text: str) -> str:
    """The one sample a short answer names ("it's from the surgery", "core biopsy"), else ""."""
    labels = {label for _, label in _specimen_labels(text or "")}
    return labels.pop() if len(labels) == 1 else ""


# --- across messages ---


def conflicts(old: Findings, new: Findings) -> List[str]:
    """Fields that `new` gives a different value for than `old` (both known)."""
    found = []
    for name in _COMPARED:
        before, after = getattr(old, name), getattr(new, name)
        if before is None or after is None or before == after:
            continue
        if name == "ihc" and {before, after} <= _ZERO:
            continue
        found.append(name)
    return found


def same_sample(a: str, b: str) -> bool:
    """Two labels may name one sample: equal, or one is a generic name ("biopsy", "surgical
    specimen") of the other's family ("core biopsy", "excision"). Labels read from a heading
    ("part A, core biopsy") match on any of their parts."""
    if not a or not b:
        return False
    parts_a, parts_b = _parts(a), _parts(b)
    if parts_a & parts_b:
        return True
    for x in parts_a:
        for y in parts_b:
            fx, fy = _family(x), _family(y)
            if fx and fx == fy and (x in _generic() or y in _generic()):
                return True
    return False


def add_message(samples: List[Sample], new: List[Sample], correction: bool = False) -> Update:
    """Adds a message's samples to the stored ones. A value that differs from one stored for
    the same sample waits for an answer unless `correction` (the message says it corrects:
    is_correction; or the bot had asked the person to check its reading). Samples of one
    message are different samples by construction: each is matched only with those stored
    before it."""
    stored = [Sample(s.label, s.findings) for s in samples]
    before = len(stored)
    pending: List[Pending] = []
    for sample in new:
        if sample.findings.is_empty():
            continue
        target = _target(stored[:before], sample)
        if target == _UNPLACED:
            pending.append(Pending(sample, None))
        elif target is None:
            stored.append(sample)
        elif conflicts(stored[target].findings, sample.findings) and not correction:
            pending.append(Pending(sample, target))
        else:
            stored[target] = _merged(stored[target], sample)
    return Update(stored, pending)


def answer(
    samples: List[Sample],
    pending: List[Pending],
    text: str,
    yes_no: Optional[bool] = None,
    names: Sequence[str] = (),
) -> Optional[List[Sample]]:
    """The stored samples once the person has answered about the waiting values, or None when
    the answer doesn't say. `yes_no`: the answer was a plain yes (True) or no (False) to "is
    this another sample?"; `names`: how the bot named each stored sample in its question (a
    button or typed name picks that sample).

    Asked "another sample or a correction?": another sample (said, a yes, or a sample named
    that isn't the earlier one) keeps the values apart; a correction (said, a no, or the
    earlier sample named) replaces the earlier values. Asked "which sample is it for?": a
    sample's name adds the values to it, "another sample" keeps them apart."""
    text = (text or "").strip()
    wanted = text.lower().strip(" .!")
    chosen = next((i for i, name in enumerate(names) if name and name.lower() == wanted), None)
    label = named_label(text)
    if chosen is None and label:
        chosen = find_sample(samples, label)
    another = bool(_patterns()["another_sample"].search(text))
    corrects = is_correction(text)
    which = any(item.target is None for item in pending)
    if which:
        if chosen is not None:
            return resolve(samples, pending, CORRECTION, chosen)
        if another or (label and not corrects):
            return resolve(samples, pending, ANOTHER, label=label)
        return None
    targets = {item.target for item in pending}
    if chosen is not None and not another:
        kind = CORRECTION if chosen in targets else ANOTHER
        return resolve(samples, pending, kind, label="" if kind == CORRECTION else label)
    if another and not corrects:
        return resolve(samples, pending, ANOTHER, label=label)
    if corrects and not another:
        return resolve(samples, pending, CORRECTION)
    if label:
        return resolve(samples, pending, ANOTHER, label=label)
    if yes_no is not None and not (another or corrects):
        return resolve(samples, pending, ANOTHER if yes_no else CORRECTION)
    return None


def resolve(
    samples: List[Sample],
    pending: List[Pending],
    kind: str,
    chosen: Optional[int] = None,
    label: str = "",
) -> List[Sample]:
    """Applies an answer to the waiting values: CORRECTION merges each into `chosen` (the
    sample the person picked) or else the sample it may correct; ANOTHER keeps each as a sample
    of its own (named `label` when the answer named one and the values didn't)."""
    stored = [Sample(s.label, s.findings) for s in samples]
    extra: List[Sample] = []
    for item in pending:
        target = chosen if chosen is not None else item.target
        if kind == CORRECTION and target is not None and 0 <= target < len(stored):
            stored[target] = _merged(stored[target], item.sample)
        else:
            extra.append(Sample(item.sample.label or label, item.sample.findings))
    return stored + extra


def find_sample(samples: List[Sample], label: str) -> Optional[int]:
    """The index of the one stored sample a label names, else None."""
    exact = [i for i, s in enumerate(samples) if s.label and s.label == label]
    if len(exact) == 1:
        return exact[0]
    similar = [i for i, s in enumerate(samples) if same_sample(s.label, label)]
    return similar[0] if len(similar) == 1 else None


# --- helpers ---

_UNPLACED = -1


def _target(stored: List[Sample], sample: Sample) -> Optional[int]:
    """The stored sample a new sample's values belong to; None for a new sample of its own;
    _UNPLACED when several are stored and the message names none of them."""
    if not stored:
        return None
    if sample.label:
        found = find_sample(stored, sample.label)
        if found is not None:
            return found
        if len(stored) == 1 and not stored[0].label:
            return 0  # the sample told first, unnamed: this may be it, or another one
        return None
    if len(stored) == 1:
        return 0
    return _UNPLACED


def _merged(old: Sample, new: Sample) -> Sample:
    merged = old.findings.merge(new.findings)
    merged.problems = []
    return Sample(old.label or new.label, merged)


def _without_problems(findings: Findings) -> Findings:
    return replace(findings, problems=[])


def _parts(label: str) -> set:
    return {part.strip().lower() for part in label.split(",") if part.strip()}


@lru_cache(maxsize=1)
def _patterns() -> dict:
    table = specimen_table()
    return {
        name: re.compile(table[name], re.IGNORECASE) for name in ("corrections", "another_sample")
    }


@lru_cache(maxsize=None)
def _family(label: str) -> Optional[str]:
    """A label's family (specimens.yml); "{site} biopsy" labels match their template."""
    for entry in specimen_table()["kinds"]:
        template = entry["label"]
        pattern = re.escape(template).replace(r"\{site\}", r"[\w ]+")
        if re.fullmatch(pattern, label):
            return entry.get("family")
    return None


@lru_cache(maxsize=1)
def _generic() -> frozenset:
    return frozenset(entry["label"] for entry in specimen_table()["kinds"] if entry.get("generic"))
