"""Structured knowledge derived from the source articles: one place for each fact.

The YAML files beside this module are read by the NLU components (drug names,
red-flag phrases) and by the actions (drug facts, topics, menu). Nothing here
imports Rasa.
"""
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The parsed contents of ``knowledge/<name>.yml`` (cached: read once per process)."""
    with open(KNOWLEDGE_DIR / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
