"""rasa_fixes.apply(): version and target checks, and the launcher's refusal.

(The fixes' own behaviour is compared with Rasa's in tests/test_rasa_speedups.py.)
"""
import logging
import re
from pathlib import Path

import pytest
import rasa
import rasa.core.actions.action
import rasa.core.constants

import rasa_fixes
from rasa_fixes import action_timeout
from scripts import runtime_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pristine(monkeypatch):
    """Rasa as installed (no fix applied); afterwards the fixes as they were."""
    was_applied = bool(rasa_fixes.applied())
    rasa_fixes.revert()
    monkeypatch.delenv("ACTION_TIMEOUT", raising=False)
    yield
    monkeypatch.undo()
    rasa_fixes.revert()
    if was_applied:
        rasa_fixes.apply()


def _current_targets():
    return {str(target): target.current() for fix in rasa_fixes.FIXES for target in fix.TARGETS}


def test_the_pinned_version_is_the_one_in_requirements_lock():
    lock = (ROOT / "requirements-lock.txt").read_text()
    assert re.search(r"^rasa==(\S+)$", lock, re.M).group(1) == rasa_fixes.PINNED_RASA_VERSION
    assert rasa.__version__ == rasa_fixes.PINNED_RASA_VERSION


def test_apply_replaces_every_target_once_and_logs_one_line(pristine, caplog):
    before = _current_targets()
    with caplog.at_level(logging.INFO, logger="rasa_fixes"):
        names = rasa_fixes.apply()
        assert rasa_fixes.apply() == names          # idempotent: nothing happens again
    assert names == [fix.NAME for fix in rasa_fixes.FIXES]
    lines = [r.getMessage() for r in caplog.records if r.name == "rasa_fixes"]
    assert lines == [f"Rasa {rasa.__version__} run-time fixes applied: " + ", ".join(names)]
    after = _current_targets()
    assert all(after[name] is not before[name] for name in before), "a target was not replaced"


def test_the_action_timeout_is_10_s_by_default(pristine):
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 300   # Rasa's own
    rasa_fixes.apply()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 10
    assert rasa.core.constants.DEFAULT_REQUEST_TIMEOUT == 300        # the other users keep it


def test_the_action_timeout_comes_from_ACTION_TIMEOUT(pristine, monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT", "2.5")
    rasa_fixes.apply()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 2.5


@pytest.mark.parametrize("value", ["ten", "0", "-3"])
def test_a_bad_ACTION_TIMEOUT_refuses_and_replaces_nothing(pristine, monkeypatch, value):
    before = _current_targets()
    monkeypatch.setenv("ACTION_TIMEOUT", value)
    with pytest.raises(rasa_fixes.RasaFixError, match=f"ACTION_TIMEOUT must be .*'{value}'"):
        rasa_fixes.apply()
    assert rasa_fixes.applied() == []
    assert _current_targets() == before


def test_another_rasa_version_is_refused_and_nothing_is_replaced(pristine, monkeypatch):
    before = _current_targets()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(rasa_fixes.RasaFixError) as refused:
        rasa_fixes.apply()
    assert str(refused.value).startswith(
        "Rasa 3.7.0 is installed, but the run-time fixes in rasa_fixes/ are written for "
        f"Rasa {rasa_fixes.PINNED_RASA_VERSION}")
    assert "docs/rasa-fixes.md" in str(refused.value)
    assert rasa_fixes.applied() == []
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)


@pytest.mark.parametrize("fix, target", [(fix, target) for fix in rasa_fixes.FIXES
                                         for target in fix.TARGETS], ids=str)
def test_a_missing_target_is_refused_and_nothing_is_replaced(pristine, monkeypatch,
                                                               fix, target):
    before = _current_targets()
    monkeypatch.delattr(target.resolve_owner(), target.attribute)
    with pytest.raises(rasa_fixes.RasaFixError) as refused:
        rasa_fixes.apply()
    assert f"{fix.NAME}: {target} is missing" in str(refused.value)
    assert rasa_fixes.applied() == []
    monkeypatch.undo()
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)


def test_a_target_of_another_kind_is_refused(pristine, monkeypatch):
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", "300")
    with pytest.raises(rasa_fixes.RasaFixError,
                       match=r"rasa\.core\.actions\.action\.DEFAULT_REQUEST_TIMEOUT is a str, "
                             r"not a number"):
        rasa_fixes.apply()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == "300"


def test_the_launcher_exits_2_with_ERROR_on_another_rasa_version(pristine, monkeypatch,
                                                                 capsys):
    before = _current_targets()
    monkeypatch.setattr(rasa, "__version__", "3.6.20")
    status = runtime_config.main(["--exec-rasa", "--version"])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("ERROR: Rasa 3.6.20 is installed, but the run-time fixes")
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)
