"""category_info(category): plain-language meaning of a category code, from categories.yml."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

CATEGORIES_FILE = Path(__file__).with_name("categories.yml")
INFO_KEYS = ("label", "meaning", "treatment_families", "is_asco_cap_category", "source")


@lru_cache(maxsize=1)
def _categories() -> dict:
    return yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))


def category_info(category: str) -> dict:
    """{"label", "meaning", "treatment_families", "is_asco_cap_category", "source"} for a code
    from classifier.CATEGORIES. Raises ValueError for anything else (including None)."""
    entries = _categories()
    if category not in entries:
        raise ValueError(f"unknown HER2 category: {category!r}")
    entry = entries[category]
    return {key: copy.deepcopy(entry[key]) for key in INFO_KEYS}
