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


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (the second would silently win)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The parsed contents of ``knowledge/<name>.yml`` (cached: read once per process).
    A key given twice in one mapping is an error."""
    with open(KNOWLEDGE_DIR / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_StrictLoader)
