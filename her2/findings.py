"""Findings: the structured values read from one message (or merged across chat turns)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import List, Optional

IHC_SCORES = ("0", "0-staining", "1+", "2+", "3+")
ISH_METHODS = ("FISH", "CISH", "SISH", "DISH", "ISH")
ISH_PROBES = ("dual", "single")
RESULTS = ("positive", "negative")
STATED_STATUSES = ("positive", "negative", "low", "ultralow")


@dataclass
class Findings:
    """HER2-related values found in text. Every field is None/empty when not mentioned.

    ihc / ihc_candidates: the IHC score, and every distinct score seen. When a message gives two
        different scores (and no correction such as "sorry, I meant 1+"), ihc is None and
        ihc_candidates lists both.
    ish_result / ish_result_candidates: the written ISH result, the same way.
    hr_stated: a hormone-receptor status stated without ER/PR ("HR-positive").
    problems: codes for impossible values, which are never stored in the value fields.
    her2_mentioned: True when the text names HER2 (or a HER2 test such as FISH, or gives a HER2
        value), False when parsed text has no HER2 statement at all (only ER/PR, Ki-67, or
        nothing), None when unknown (Findings built by hand). Not a value: is_empty() ignores it.
    repeat_requested: True when the text says the testing is being repeated ("These results are
        discordant; repeat testing has been requested"). Not a value: is_empty() ignores it.
    receptor_word_differs: "er"/"pr" when the report's status word for it differs from what its
        own percentage gives ("PR: negative (5%)"): the percentage decides, and the restatement
        says so.
    """

    ihc: Optional[str] = None
    ihc_candidates: List[str] = field(default_factory=list)
    ish_method: Optional[str] = None
    ish_probe: Optional[str] = None
    ish_result: Optional[str] = None
    ish_result_candidates: List[str] = field(default_factory=list)
    ratio: Optional[float] = None
    copy_number: Optional[float] = None
    percent_stained: Optional[float] = None
    er: Optional[str] = None
    pr: Optional[str] = None
    er_percent: Optional[float] = None
    pr_percent: Optional[float] = None
    hr_stated: Optional[str] = None
    stated_status: Optional[str] = None
    outdated_terms: bool = False
    problems: List[str] = field(default_factory=list)
    her2_mentioned: Optional[bool] = None
    repeat_requested: bool = False
    receptor_word_differs: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-safe dict; Findings.from_dict(f.to_dict()) == f."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Findings":
        """Build from to_dict() output. Unknown keys are ignored, missing ones get defaults."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in (data or {}).items() if key in known}
        for list_field in ("ihc_candidates", "ish_result_candidates", "problems"):
            values[list_field] = list(values.get(list_field) or [])
        for number_field in ("ratio", "copy_number", "percent_stained", "er_percent", "pr_percent"):
            if values.get(number_field) is not None:
                values[number_field] = float(values[number_field])
        values["outdated_terms"] = bool(values.get("outdated_terms", False))
        return cls(**values)

    def is_empty(self) -> bool:
        """True when nothing HER2- or hormone-receptor-related (not even a problem) was found.
        A bare mention of HER2 (her2_mentioned) is not a finding."""
        return replace(self, her2_mentioned=None, repeat_requested=False) == Findings()

    def has_test_values(self) -> bool:
        """True when any IHC or ISH value (not just a stated status) is known."""
        return bool(
            self.ihc_candidates
            or self.ish_result_candidates
            or self.ratio is not None
            or self.copy_number is not None
        )

    def has_ihc_contradiction(self) -> bool:
        return self.ihc is None and len(self.ihc_candidates) > 1

    def has_ish_contradiction(self) -> bool:
        return self.ish_result is None and len(self.ish_result_candidates) > 1

    def hormone_receptor_status(self) -> Optional[str]:
        """'positive' if ER or PR is positive, 'negative' if both are negative, else hr_stated."""
        if "positive" in (self.er, self.pr):
            return "positive"
        if self.er == "negative" and self.pr == "negative":
            return "negative"
        return self.hr_stated

    def merge(self, newer: "Findings") -> "Findings":
        """Values present in `newer` override these, field by field (corrections across turns).

        A newer IHC score replaces ihc, ihc_candidates and percent_stained together; a newer ISH
        result replaces ish_result and ish_result_candidates together. outdated_terms and
        repeat_requested stay set once seen. problems always come from `newer`: they describe the latest message, and
        impossible values are never stored.
        """
        merged = Findings.from_dict(self.to_dict())
        for f in fields(Findings):
            value = getattr(newer, f.name)
            if f.name not in _NOT_MERGED_ONE_BY_ONE and value is not None:
                setattr(merged, f.name, _copy(value))
        if newer.ihc_candidates:
            merged.ihc = newer.ihc
            merged.ihc_candidates = list(newer.ihc_candidates)
            merged.percent_stained = newer.percent_stained
        merged.ihc = refine_zero_score(merged.ihc, merged.percent_stained)
        merged.ihc_candidates = _unique(
            refined
            for refined in (
                refine_zero_score(score, merged.percent_stained) for score in merged.ihc_candidates
            )
            if refined
        )
        if newer.ish_result_candidates:
            merged.ish_result = newer.ish_result
            merged.ish_result_candidates = list(newer.ish_result_candidates)
        merged.outdated_terms = self.outdated_terms or newer.outdated_terms
        merged.repeat_requested = self.repeat_requested or newer.repeat_requested
        merged.receptor_word_differs = list(
            newer.receptor_word_differs if (newer.er or newer.pr) else self.receptor_word_differs
        )
        mentions = (self.her2_mentioned, newer.her2_mentioned)
        merged.her2_mentioned = True if True in mentions else (False if False in mentions else None)
        merged.problems = list(newer.problems)
        return merged


_NOT_MERGED_ONE_BY_ONE = {
    "ihc",
    "ihc_candidates",
    "ish_result",
    "ish_result_candidates",
    "outdated_terms",
    "problems",
    "her2_mentioned",
    "receptor_word_differs",
}


# IHC 0 with staining ("ultralow") covers staining in more than 0% and at most this share of
# tumour cells (guideline.yml, "0-staining"); more staining than that is not a score of 0.
ULTRALOW_MAX_PERCENT = 10.0


def refine_zero_score(ihc: Optional[str], percent_stained: Optional[float]) -> Optional[str]:
    """IHC 0 with some stained cells is "0 with membrane staining" (HER2-ultralow), when the
    stained share is at most 10%. A score of 0 said to stain more than 10% of cells doesn't fit
    the score, so the score is not taken (None: the IHC score is needed)."""
    if ihc in ("0", "0-staining") and percent_stained is not None:
        if percent_stained > ULTRALOW_MAX_PERCENT:
            return None
        if percent_stained > 0:
            return "0-staining"
    return ihc


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def _copy(value):
    return list(value) if isinstance(value, list) else value
