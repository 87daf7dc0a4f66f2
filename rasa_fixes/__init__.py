"""The run-time fixes this project applies to Rasa, in one place.

Every Rasa (or Sanic) name this project replaces at run time is replaced here, by
``apply()``, and nowhere else. The launcher (scripts/runtime_config.py, which every
`rasa run`, `rasa shell`, `rasa test`, `rasa train` and `rasa data validate` of the
project goes through) calls it before Rasa starts.

``apply()`` first checks that the installed Rasa is the pinned version and that every
name a fix replaces exists with the expected kind; only if all checks pass does it
replace anything. Otherwise it raises ``RasaFixError`` (the launcher prints
``ERROR: ...`` and exits with status 2) and Rasa is left untouched. Each fix is one
module of this package; docs/rasa-fixes.md lists them and the upgrade checklist.
"""
import logging
from typing import List, Optional

from rasa_fixes import action_timeout
from rasa_fixes._targets import RasaFixError, Target, check, revert as _revert

logger = logging.getLogger(__name__)

# The Rasa version these fixes were written and measured against. A test checks it
# equals the pin in requirements-lock.txt; after an upgrade, see docs/rasa-fixes.md.
PINNED_RASA_VERSION = "3.6.21"

# In the order they are applied.
FIXES = (action_timeout,)

_applied: Optional[List[str]] = None

__all__ = ["PINNED_RASA_VERSION", "FIXES", "RasaFixError", "Target", "apply", "applied", "revert"]


def revert() -> None:
    """Puts back every name apply() replaced, so apply() can run again (for tests)."""
    global _applied
    _revert()
    _applied = None


def applied() -> List[str]:
    """The names of the fixes applied in this process (empty before ``apply()``)."""
    return list(_applied or [])


def apply() -> List[str]:
    """Checks the Rasa version and every target, then applies every fix (once per
    process; later calls do nothing). Returns the names of the fixes applied.

    Raises RasaFixError, having replaced nothing, when the installed Rasa is not
    PINNED_RASA_VERSION or a target is missing or of another kind."""
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
            f"requirements-lock.txt), or follow the upgrade checklist in docs/rasa-fixes.md.")
    problems = [f"{fix.NAME}: {problem}" for fix in FIXES
                for problem in [*check(fix.TARGETS), *getattr(fix, "problems", list)()]]
    if problems:
        raise RasaFixError(
            "The run-time fixes for Rasa cannot be applied, so none was: "
            + "; ".join(problems) + ". See docs/rasa-fixes.md.")
    for fix in FIXES:
        fix.apply()
    _applied = [fix.NAME for fix in FIXES]
    logger.info("Rasa %s run-time fixes applied: %s", installed, ", ".join(_applied))
    return list(_applied)
