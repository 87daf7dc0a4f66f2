"""`python -m her2 "<text>"`: one JSON object on stdout, exit 0; empty input exits 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REQUIRED_KEYS = {
    "ihc",
    "ish_result",
    "ish_group",
    "ratio",
    "copy_number",
    "hormone_receptor",
    "category",
    "needs",
    "flags",
    "explanation",
    "problems",
}


def run_cli(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "her2", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_json(*args, stdin=None):
    done = run_cli(*args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_prints_one_json_object_with_the_documented_keys():
    result = run_json("IHC 2+ and FISH negative")
    assert REQUIRED_KEYS <= set(result)
    assert result["ihc"] == "2+"
    assert result["ish_result"] == "negative"
    assert result["category"] == "low"
    assert result["needs"] == [] and result["flags"] == [] and result["problems"] == []
    assert isinstance(result["explanation"], str) and result["explanation"].endswith(".")


def test_ish_numbers_and_hormone_receptors():
    result = run_json("ER positive 90%, HER2/CEP17 ratio 1.8 with 6.5 copies per cell, IHC 2+")
    assert (result["ratio"], result["copy_number"], result["ish_group"]) == (1.8, 6.5, 3)
    assert result["category"] == "positive"
    assert result["flags"] == ["recount_noted"]
    assert result["hormone_receptor"] == "positive"


def test_words_given_as_separate_arguments_are_joined():
    assert run_json("my", "HER2", "was", "3+")["category"] == "positive"


def test_undetermined_lists_what_is_needed():
    result = run_json("ratio 2.3 copies 3.5")
    assert result["category"] == "undetermined"
    assert result["ish_group"] == 2
    assert result["needs"] == ["ihc"]


def test_impossible_value_has_problems_and_no_category():
    result = run_json("IHC 4+")
    assert result["category"] is None
    assert len(result["problems"]) == 1 and "3+" in result["problems"][0]
    assert result["problem_codes"] == ["ihc_out_of_range"]


def test_contradiction_is_flagged():
    result = run_json("IHC 2+ and 3+")
    assert result["flags"] == ["contradiction"] and result["needs"] == ["ihc"]


def test_reads_stdin_with_a_dash():
    assert run_json("-", stdin="HER2 1+\n")["category"] == "low"


@pytest.mark.parametrize("args", [[], [""], ["   "], ["\n\t"]])
def test_empty_input_exits_2_with_a_message_on_stderr(args):
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no text" in done.stderr


def test_empty_stdin_exits_2():
    done = run_cli("-", stdin="")
    assert done.returncode == 2 and done.stderr
