"""The run-time fixes this project applies to Rasa, in one place.

Every Rasa (or Sanic) name this project replaces at run time is replaced here, by
``apply()``, and nowhere else. The launcher (python -m ops rasa, ops/config.py, which
every `rasa run`, `rasa test`, `rasa train` and `rasa data validate` of the project goes
through) calls it before Rasa starts. One module per fix; each module's docstring says
what Rasa does, what the fix changes, the measured gain and how to check it after an
upgrade; docs/rasa-fixes.md lists them with the upgrade checklist.

``apply()`` first checks that the installed Rasa is the pinned version, then that every
name a fix replaces (``TARGETS``) or relies on (``REQUIRES``) exists with the expected
kind, and the fixes' settings; only if all checks pass does it replace anything.
Otherwise it raises ``RasaFixError`` (the launcher prints ``ERROR: ...`` and exits with
status 2) and no Rasa name is replaced.
"""

import logging
from typing import List, Optional

from rasa_fixes import (
    action_response_validator,
    action_timeout,
    graceful_stop,
    heap_freeze,
    no_jax,
    plain_sqlite_queries,
    prediction_only_load,
    slot_extraction_shortcut,
    sqlite_pool,
    sqlite_wal,
    traced_prediction,
)
from rasa_fixes._targets import RasaFixError, Target, check
from rasa_fixes._targets import revert as _revert

logger = logging.getLogger(__name__)

# The Rasa version these fixes were written and measured against. A test checks it
# equals the pin in requirements-lock.txt; after an upgrade, see docs/rasa-fixes.md.
PINNED_RASA_VERSION = "3.6.21"

# Run before the targets are checked (checking imports TensorFlow); replaces no Rasa name.
BEFORE_IMPORT = (no_jax,)
# In the order they are applied.
FIXES = (
    action_timeout,
    action_response_validator,
    slot_extraction_shortcut,
    sqlite_wal,
    sqlite_pool,
    plain_sqlite_queries,
    traced_prediction,
    prediction_only_load,
    heap_freeze,
    graceful_stop,
)

_applied: Optional[List[str]] = None

__all__ = ["PINNED_RASA_VERSION", "FIXES", "RasaFixError", "Target", "apply", "applied", "revert"]


def applied() -> List[str]:
    """The names of the fixes applied in this process (empty before ``apply()``)."""
    return list(_applied or [])


def revert() -> None:
    """Puts back every name apply() replaced, so apply() can run again (for tests)."""
    global _applied
    _revert()
    _applied = None


def problems() -> List[str]:
    """Why the fixes cannot be applied to the Rasa imported here (empty when they can)."""
    return [
        f"{fix.NAME}: {problem}"
        for fix in FIXES
        for problem in [
            *check(fix.TARGETS),
            *check(getattr(fix, "REQUIRES", ()), replaced=False),
            *getattr(fix, "problems", list)(),
        ]
    ]


def apply() -> List[str]:
    """Checks the Rasa version, every target and setting, then applies every fix (once
    per process; later calls do nothing). Returns the names of the fixes applied.

    Raises RasaFixError, having replaced no Rasa name, when the installed Rasa is not
    PINNED_RASA_VERSION, a target is missing or of another kind, or a setting is bad."""
    global _applied
    if _applied is not None:
        return list(_applied)
    import rasa

    installed = getattr(rasa, "__version__", "unknown")
    if installed != PINNED_RASA_VERSION:
        raise RasaFixError(
            f"Rasa {installed} is installed, but the run-time fixes in rasa_fixes/ are "
            f"written for Rasa {PINNED_RASA_VERSION} (requirements-lock.txt). Install the "
            f"pinned version (.venv/bin/pip install -r requirements.txt -c "
            f"requirements-lock.txt), or follow the upgrade checklist in docs/rasa-fixes.md."
        )
    for fix in BEFORE_IMPORT:
        fix.apply()
    found = problems()
    if found:
        raise RasaFixError(
            f"The run-time fixes cannot be applied to Rasa {installed}, so none was: "
            + "; ".join(found)
            + ". See docs/rasa-fixes.md."
        )
    for fix in FIXES:
        fix.apply()
    _applied = [fix.NAME for fix in BEFORE_IMPORT + FIXES]
    logger.info("Rasa %s run-time fixes applied: %s", installed, ", ".join(_applied))
    return list(_applied)
