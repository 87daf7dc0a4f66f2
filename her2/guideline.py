"""The guideline tables from guideline.yml, with the few helpers needed to read them."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

GUIDELINE_FILE = Path(__file__).with_name("guideline.yml")

_OPERATORS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Condition:
    """A numeric condition such as ">= 4.0 and < 6.0"."""

    text: str

    def holds(self, value: float) -> bool:
        for clause in self.text.split(" and "):
            symbol, number = clause.split()
            if not _OPERATORS[symbol](value, float(number)):
                return False
        return True


@dataclass(frozen=True)
class IshRow:
    """One row of an ISH table: conditions on ratio/copies and the result they give."""

    result: str
    copies: Condition
    ratio: Optional[Condition] = None
    group: Optional[int] = None
    by_ihc: Dict[str, str] = field(default_factory=dict)
    recount_with: Optional[str] = None

    def matches(self, ratio: Optional[float], copies: Optional[float]) -> bool:
        """True when the known values fit this row (an unknown value fits any row)."""
        ratio_fits = ratio is None or self.ratio is None or self.ratio.holds(ratio)
        copies_fit = copies is None or self.copies.holds(copies)
        return ratio_fits and copies_fit


@dataclass(frozen=True)
class Guideline:
    ihc: Dict[str, str]
    dual_probe_groups: List[IshRow]
    single_probe: List[IshRow]
    qualitative_ish: Dict[str, str]
    negative_by_ihc: Dict[str, str]
    discordant: List[dict]
    stated_status: Dict[str, str]
    equivocal_resolved_by_stated_status: Dict[str, str]
    stated_status_agrees_with: Dict[str, List[str]]
    limits: dict

    def negative_category(self, ihc: Optional[str]) -> str:
        """Category of a HER2-negative result, named by its IHC score."""
        return self.negative_by_ihc[ihc if ihc is not None else "unknown"]

    def discordant_category(self, ish_result: str, ihc: Optional[str]) -> Optional[str]:
        """The category when an IHC-independent ISH result and the IHC score disagree."""
        for rule in self.discordant:
            if rule["ish"] == ish_result and ihc in rule["ihc"]:
                return rule["category"]
        return None

    def within_limits(self, name: str, value: float) -> bool:
        return Condition(self.limits[name]).holds(value)


def _ish_row(raw: dict) -> IshRow:
    return IshRow(
        result=raw["result"],
        copies=Condition(raw["copies"]),
        ratio=Condition(raw["ratio"]) if "ratio" in raw else None,
        group=raw.get("group"),
        by_ihc=dict(raw.get("by_ihc", {})),
        recount_with=raw.get("recount_with"),
    )


@lru_cache(maxsize=1)
def load_guideline() -> Guideline:
    raw = yaml.safe_load(GUIDELINE_FILE.read_text(encoding="utf-8"))
    return Guideline(
        ihc=raw["ihc"],
        dual_probe_groups=[_ish_row(row) for row in raw["dual_probe_groups"]],
        single_probe=[_ish_row(row) for row in raw["single_probe"]],
        qualitative_ish=raw["qualitative_ish"],
        negative_by_ihc=raw["negative_by_ihc"],
        discordant=raw["discordant"],
        stated_status=raw["stated_status"],
        equivocal_resolved_by_stated_status=raw["equivocal_resolved_by_stated_status"],
        stated_status_agrees_with=raw["stated_status_agrees_with"],
        limits=raw["limits"],
    )
