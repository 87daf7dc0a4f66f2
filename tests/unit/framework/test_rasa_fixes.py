"""rasa_fixes.apply(): version and target checks, and the launcher's refusal.

(Each fix is compared with Rasa's own code in tests/integration/framework/test_rasa_fixes_behaviour.py.)
"""

import ast
import logging
import re
import sys
from pathlib import Path

import pytest
import rasa
import rasa.core.actions.action
import rasa.core.constants

import rasa_fixes
from ops import config as runtime_config
from tests.unit.lib import project_python_files

ROOT = Path(__file__).resolve().parents[3]


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


def _checked_names():
    return [
        pytest.param(fix, target, id=f"{fix.NAME}:{target}")
        for fix in rasa_fixes.FIXES
        for target in fix.TARGETS + getattr(fix, "REQUIRES", ())
    ]


def _defined_on(target):
    """The module or class that itself holds the target (a base class, if inherited)."""
    owner = target.resolve_owner()
    if isinstance(owner, type):
        return next(k for k in owner.__mro__ if target.attribute in vars(k))
    return owner


def test_the_pinned_version_is_the_one_in_requirements_lock():
    lock = (ROOT / "requirements-lock.txt").read_text()
    assert re.search(r"^rasa==(\S+)$", lock, re.M).group(1) == rasa_fixes.PINNED_RASA_VERSION
    assert rasa.__version__ == rasa_fixes.PINNED_RASA_VERSION


def test_apply_replaces_every_target_once_and_logs_one_line(pristine, caplog):
    before = _current_targets()
    with caplog.at_level(logging.INFO, logger="rasa_fixes"):
        names = rasa_fixes.apply()
        assert rasa_fixes.apply() == names  # idempotent: nothing happens again
    assert names == [fix.NAME for fix in rasa_fixes.BEFORE_IMPORT + rasa_fixes.FIXES]
    lines = [r.getMessage() for r in caplog.records if r.name == "rasa_fixes"]
    assert lines == [f"Rasa {rasa.__version__} run-time fixes applied: " + ", ".join(names)]
    after = _current_targets()
    assert all(after[name] is not before[name] for name in before), "a target was not replaced"


def test_the_action_timeout_is_10_s_by_default(pristine):
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 300  # Rasa's own
    rasa_fixes.apply()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 10
    assert rasa.core.constants.DEFAULT_REQUEST_TIMEOUT == 300  # the other users keep it


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
        f"Rasa {rasa_fixes.PINNED_RASA_VERSION}"
    )
    assert "docs/rasa-fixes.md" in str(refused.value)
    assert rasa_fixes.applied() == []
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)


@pytest.mark.parametrize("fix, target", _checked_names())
def test_a_missing_target_is_refused_and_nothing_is_replaced(pristine, monkeypatch, fix, target):
    before = _current_targets()
    monkeypatch.delattr(_defined_on(target), target.attribute)
    with pytest.raises(rasa_fixes.RasaFixError) as refused:
        rasa_fixes.apply()
    assert f"{fix.NAME}: {target} is missing" in str(refused.value)
    assert rasa_fixes.applied() == []
    monkeypatch.undo()
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)


def test_a_target_of_another_kind_is_refused(pristine, monkeypatch):
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", "300")
    with pytest.raises(
        rasa_fixes.RasaFixError,
        match=r"rasa\.core\.actions\.action\.DEFAULT_REQUEST_TIMEOUT is a str, "
        r"not a number",
    ):
        rasa_fixes.apply()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == "300"


def test_the_launcher_exits_2_with_ERROR_on_another_rasa_version(pristine, monkeypatch, capsys):
    before = _current_targets()
    monkeypatch.setattr(rasa, "__version__", "3.6.20")
    status = runtime_config.main(["rasa", "--version"])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("ERROR: Rasa 3.6.20 is installed, but the run-time fixes")
    after = _current_targets()
    assert all(after[name] is before[name] for name in before)


def _replaced_names(source: Path):
    """Line numbers of assignments to (and setattr on) names imported from rasa or sanic."""
    tree = ast.parse(source.read_text(), str(source))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] in ("rasa", "sanic")
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "rasa",
            "sanic",
        ):
            imported |= {a.asname or a.name for a in node.names}

    def root(node):
        while isinstance(node, ast.Attribute):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target] if isinstance(node.target, ast.Attribute) else []
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr" and node.args:
            targets = [node.args[0]]
        else:
            targets = []
        if any(root(target) in imported for target in targets):
            yield node.lineno


def test_the_check_below_finds_replaced_rasa_names(tmp_path):
    source = tmp_path / "patching.py"
    source.write_text(
        "import rasa.core.actions.action\n"
        "from rasa.core.agent import Agent as A\n"
        "from sanic import Sanic\n"
        "rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = 10\n"
        "A.load_model = print\n"
        "setattr(Sanic, 'test_mode', True)\n"
        "A().x = 1\n"
        "settings = A\n"
    )
    assert list(_replaced_names(source)) == [4, 5, 6]


def test_no_rasa_name_is_replaced_outside_rasa_fixes():
    """Tests may monkeypatch; the code that runs in production replaces Rasa's (and
    Sanic's) names only in rasa_fixes/."""
    skipped = {"rasa_fixes", "tests"}
    sources = [p for p in project_python_files() if p.relative_to(ROOT).parts[0] not in skipped]
    assert len(sources) > 50
    found = [
        f"{source.relative_to(ROOT)}:{line}"
        for source in sources
        for line in _replaced_names(source)
    ]
    assert found == []


@pytest.mark.parametrize(
    "args, api",
    [
        (["run", "--port", "5999"], True),
        (["train", "--quiet"], False),
        (["test", "nlu"], False),
        (["data", "validate"], False),
    ],
)
def test_the_launcher_applies_the_fixes_then_runs_rasa(pristine, monkeypatch, capsys, args, api):
    import rasa.__main__

    monkeypatch.setenv("RASA_ENABLE_API", "true")
    monkeypatch.setenv("RASA_API_TOKEN", "a-token-long-enough-for-the-check")
    monkeypatch.setattr("sys.argv", ["runtime_config.py"])
    ran = []
    monkeypatch.setattr(
        rasa.__main__, "main", lambda: ran.append((list(sys.argv), rasa_fixes.applied()))
    )
    assert runtime_config.main(["rasa", *args]) == 0
    ((argv, applied),) = ran
    assert applied == [fix.NAME for fix in rasa_fixes.BEFORE_IMPORT + rasa_fixes.FIXES]
    # The HTTP API flags only where Rasa has an HTTP server (`run`, `shell`).
    assert argv == [
        "rasa",
        *args,
        *(["--enable-api", "--auth-token=" + "a-token-long-enough-for-the-check"] if api else []),
    ]
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 10
    logged = capsys.readouterr().err
    if "--quiet" in args:
        assert "run-time fixes applied" not in logged
    else:  # one INFO line, before Rasa configures its own logging
        assert [line.split("  - ")[1] for line in logged.splitlines() if "rasa_fixes" in line] == [
            f"Rasa {rasa.__version__} run-time fixes applied: " + ", ".join(applied)
        ]


def test_the_launcher_refuses_a_bad_ACTION_TIMEOUT_with_exit_2(pristine, monkeypatch, capsys):
    monkeypatch.setenv("ACTION_TIMEOUT", "soon")
    assert runtime_config.main(["rasa", "run"]) == 2
    assert capsys.readouterr().err.startswith(
        "ERROR: The run-time fixes cannot be applied to Rasa 3.6.21, so none was: "
        "action_timeout: ACTION_TIMEOUT must be a number of seconds, not 'soon'"
    )
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 300
