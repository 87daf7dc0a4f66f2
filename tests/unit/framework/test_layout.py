"""The project's layout rules (issue 18): the packages are installed (pyproject.toml), so
nothing edits sys.path; nothing outside tests/ imports from tests/; deploy/ holds
configuration only; one launcher class."""

import ast
import re

from tests.unit.lib import ROOT
from tests.unit.lib import project_python_files as python_files


def test_no_file_edits_sys_path():
    edits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"sys\.path\.(insert|append)|sys\.path\s*\[.*\]\s*=|sys\.path\s*=", line)
    ]
    assert edits == []


def test_nothing_outside_tests_imports_from_tests():
    found = []
    for path in python_files():
        if path.relative_to(ROOT).parts[0] == "tests":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name == "tests" or name.startswith("tests.")
            ]
    assert found == []


def test_deploy_holds_configuration_only():
    code = [p.name for p in (ROOT / "deploy").iterdir() if p.suffix in (".py", ".sh")]
    assert code == []


def test_one_launcher_class():
    """Outside the tests, only ops.stack.Stack spawns the Rasa server, the action server or
    the chat page from Python (scripts/run_cluster.sh, bash, runs them through python -m
    ops too)."""
    serving = re.compile(r'"ops",\s*"(actions|web)"|"rasa",\s*"run"|"run",\s*"--model"')
    spawners = [
        str(path.relative_to(ROOT))
        for path in python_files()
        if path.relative_to(ROOT).parts[0] != "tests"
        and path.relative_to(ROOT).as_posix() != "ops/stack.py"
        and serving.search(path.read_text())
    ]
    assert spawners == []
    classes = [
        str(path.relative_to(ROOT))
        for path in python_files()
        if re.search(r"^class \w*Stack\b", path.read_text(), re.M)
    ]
    assert classes == ["ops/stack.py"]
