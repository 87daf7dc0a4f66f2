"""her2.interpret on the labelled real-report table (tests/her2_reports/statements.yml).

288 HER2/ER/PR statements, 233 from the 76 real TCGA breast pathology reports in
../shared/her2-reports and 55 in modern CAP-template wording, labelled blind (from the reports'
own words and the ASCO/CAP guideline, never from the parser); plus 1,095 written blind in report
style by eleven helpers (tests/her2_reports/written_statements.yml, the `written` split, tuned on
like dev). Each statement is in the `dev`
split (may be looked at and tuned on) or the `holdout` split (never looked at, never tuned on:
only its aggregate scores are reported).

Issue 16, "Done when": HER2 category right >= 98%, each HER2 field (ihc, ish_result, ratio,
copy_number) >= 97%, ER and PR status >= 95%, and NO non-positive statement called positive.
FLOORS below are the accuracies reached; where a floor is under the target, the gap is noted.

Run as a script for the table (and, with --dev-errors, the dev split's errors only):
    .venv/bin/python -m tests.unit.her2.test_reports [--dev-errors]
"""

import sys
from pathlib import Path

import pytest

from tests.unit.lib import read_yaml

ROOT = Path(__file__).resolve().parents[3]

from her2 import interpret  # noqa: E402

STATEMENTS_FILE = ROOT / "tests" / "her2_reports" / "statements.yml"
# Statements written blind for this table (no report behind them; may be tuned on, like dev).
WRITTEN_FILE = ROOT / "tests" / "her2_reports" / "written_statements.yml"
FIELDS = (
    "her2_category",
    "ihc",
    "ish_result",
    "ratio",
    "copy_number",
    "er",
    "er_percent",
    "pr",
    "pr_percent",
)
NUMBER_FIELDS = {"ratio", "copy_number", "er_percent", "pr_percent"}
SPLITS = ("dev", "written", "holdout")

# The targets (fractions); er/pr are the receptor status; the percentages are reported
# but have no target of their own.
TARGETS = {
    "her2_category": 0.98,
    "ihc": 0.97,
    "ish_result": 0.97,
    "ratio": 0.97,
    "copy_number": 0.97,
    "er": 0.95,
    "pr": 0.95,
}

# Floors: the accuracies reached (rounded down), so that any regression fails the test.
# Measured: see the table this test prints. Below-target floors keep the target above.
FLOORS = {
    # Gaps to the targets (dev / holdout): category 98% (1.0 / 2.5 points), ihc 97% (- / 0.4),
    # ratio 97% (- / 1.6), pr 95% (- / 1.8). False HER2+: 0 / 0.
    "dev": {
        # 98.0% until r-501..551 (method, control and criteria text of the dev reports) came in;
        # its three misses left are on the safe side: "undetermined" for a fixation time, a
        # Ki-67 scale and a HER2 scoring scale with no result, labelled "none"
        "her2_category": 0.97,
        "ihc": 1.0,
        "ish_result": 1.0,
        "ratio": 1.0,
        "copy_number": 1.0,
        "er": 0.993,
        "er_percent": 1.0,
        "pr": 1.0,
        "pr_percent": 0.993,
    },
    # Written blind (tests/her2_reports/written_statements.yml), scored on arrival before any
    # parser change for them: w-001..115 category 87.0%, ihc 89.6%, ish 99.1%, ratio 99.1%,
    # copies 98.3%, ER 96.5%, PR 93.9%, one false HER2+ (a 3+ control cell line); w-116..195
    # category 90.0%, ihc 92.5%, ish 95.0%, ratio 100%, copies 95.0%, ER 97.5%, PR 97.5%, one
    # false HER2+ ("amplified control tissue stained 3+"); w-196..295 category 84.0%, ihc 92.0%,
    # ish 95.0%, ratio 98.0%, copies 91.0%, ER 95.0%, PR 91.0%, two false HER2+ (3+ confined to
    # DCIS; an Oncotype DX RT-PCR "HER2 ... Positive"); w-296..395 category 87.0%, ihc 95.0%,
    # ish 96.0%, ratio 97.0%, copies 97.0%, ER 88.0%, PR 91.0%, three false HER2+ ("ESTROGEN
    # RECEPTOR ASSAY (IMMUNOHISTOCHEMICAL): Positive"; OCR "N0T AMPLIFIED" twice); w-396..495
    # category 94.0%, ihc 98.0%, ish 97.0%, ratio 96.0%, copies 94.0%, ER 99.0%, PR 98.0%, one
    # false HER2+ (an earlier cancer's "HER2 amplified" in the history); w-496..595 (modern CAP
    # wording) category 88.0%, ihc 94.0%, ish 97.0%, ratio 98.0%, copies 99.0%, ER 98.0%, PR 97.0%,
    # no false HER2+; w-596..695 (PR/ER forms, ISH numbers, traps) category 94.0%, ihc 98.0%, ish
    # 97.0%, ratio 98.0%, copies 98.0%, ER 97.0%, PR 95.0%, three false HER2+ (IHC and FISH the
    # report calls discordant, with repeat testing requested; "Prior 2009 ... carcinoma was HER2
    # amplified"; a criterion "2.0 or greater ... is interpreted as amplified"); w-696..795 (ER/PR
    # forms, worded and heterogeneous IHC, ISH counts, traps) category 87.0%, ihc 92.0%, ish
    # 97.0%, ratio 98.0%, copies 97.0%, ER 98.0%, PR 98.0%, two false HER2+ ("Negative (Score
    # 3+)" with a correction to follow; a lumpectomy's 1+ and a lymph node's amplified FISH read
    # as one), after the changes 93.0%, 96.0%, 97.0%, 98.0%, 98.0%, 100%, 100%, none; w-796..895
    # (2000-2015 report style: clones, amended scores, OCR letters in numbers, polysomy, traps)
    # category 92.0%, ihc 97.0%, ish 97.0%, ratio 97.0%, copies 98.0%, ER 99.0%, PR 100%, one false
    # HER2+ (IHC 3+ and FISH not amplified, sent for review), after the changes 97.0%, 99.0%,
    # 97.0%, 98.0%, 100%, 100%, 100%, none; w-896..995 (ER/PR percentages written every way,
    # HER2 wordings, traps) category 99.0%, ihc 99.0%, ish 100%, ratio 99.0%, copies 100%, ER 100%,
    # ER% 97.0%, PR 100%, PR% 99.0%, no false HER2+, after the changes ER% 100%, PR% 100%;
    # w-996..1095 (pasted portal rows and clinic letters, report style with OCR damage, traps)
    # category 94.0%, ihc 95.0%, ish 99.0%, ratio 97.0%, copies 96.0%, ER 98.0%, ER% 97.0%, PR
    # 98.0%, PR% 97.0%, no false HER2+, after the changes 99.0%, 99.0%, 99.0%, 99.0%, 99.0%, 100%,
    # 100%, 100%, 100%. After the changes the whole written set showed:
    "written": {
        "her2_category": 0.965,
        "ihc": 0.985,
        "ish_result": 0.984,
        "ratio": 0.992,
        "copy_number": 0.993,
        "er": 0.991,
        "er_percent": 0.994,
        "pr": 0.993,
        "pr_percent": 0.999,
    },
    "holdout": {
        # 96.5% until a statement whose stated negative contradicts its positive values
        # ("Negative (Score 3+)") became "undetermined" rather than positive (2026-12-07): one
        # held-out statement changed, which one was not looked at
        "her2_category": 0.954,
        "ihc": 0.965,
        "ish_result": 0.988,
        "ratio": 0.954,
        "copy_number": 1.0,
        "er": 0.965,
        # 90.9% until two different percentages of one receptor in two result statements gave
        # no one percentage (2026-12-08, from the written batch w-996..1095): one held-out
        # statement changed, which one was not looked at
        "er_percent": 0.92,
        "pr": 0.931,
        "pr_percent": 0.92,
    },
}


def load_statements():
    return [
        statement
        for path in (STATEMENTS_FILE, WRITTEN_FILE)
        for statement in read_yaml(str(path.relative_to(ROOT)))["statements"]
    ]


def got_values(text):
    """The labelled fields as interpret() gives them; a category of None with no problems is
    "none" (no HER2 statement in the passage)."""
    result = interpret(text)
    values = {name: result.get(name) for name in FIELDS if name != "her2_category"}
    category = result["category"]
    values["her2_category"] = "none" if category is None and not result["problems"] else category
    return values


def same(name, expected, got):
    if name in NUMBER_FIELDS and expected is not None and got is not None:
        return abs(float(expected) - float(got)) <= 1e-6
    return expected == got


def score(statements):
    """{split: {"n": count, "right": {field: count}, "false_positive": [ids],
    "errors": [(id, field, expected, got)]}}"""
    table = {
        split: {"n": 0, "right": dict.fromkeys(FIELDS, 0), "false_positive": [], "errors": []}
        for split in SPLITS
    }
    for statement in statements:
        row = table[statement["split"]]
        row["n"] += 1
        got = got_values(statement["text"])
        for name in FIELDS:
            expected = statement["expect"][name]
            if same(name, expected, got[name]):
                row["right"][name] += 1
            else:
                row["errors"].append((statement["id"], name, expected, got[name]))
        if (
            statement["expect"]["her2_category"] != "positive"
            and got["her2_category"] == "positive"
        ):
            row["false_positive"].append(statement["id"])
    return table


def accuracy(row, name):
    return row["right"][name] / row["n"] if row["n"] else 1.0


def table_lines(table):
    lines = [
        f"{'field':<14}"
        + "".join(f"{split + ' (n=' + str(table[split]['n']) + ')':>18}" for split in SPLITS)
        + f"{'target':>9}"
    ]
    for name in FIELDS:
        cells = "".join(f"{accuracy(table[split], name):>18.1%}" for split in SPLITS)
        target = f"{TARGETS[name]:.0%}" if name in TARGETS else "-"
        lines.append(f"{name:<14}{cells}{target:>9}")
    lines.append(
        f"{'false HER2+':<14}"
        + "".join(f"{len(table[split]['false_positive']):>18}" for split in SPLITS)
        + f"{'0':>9}"
    )
    return lines


class _TablePrinter:
    """Prints the accuracy table in pytest's terminal summary (registered by the fixture)."""

    def __init__(self, scored):
        self.scored = scored

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("HER2/ER/PR real-report table (tests/her2_reports)")
        for line in table_lines(self.scored):
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def table(request):
    scored = score(load_statements())
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("her2-report-table"):
        plugins.register(_TablePrinter(scored), "her2-report-table")
    return scored


def test_table_is_well_formed():
    statements = load_statements()
    ids = [statement["id"] for statement in statements]
    assert len(ids) == len(set(ids))
    for statement in statements:
        assert statement["split"] in SPLITS, statement["id"]
        assert set(statement["expect"]) == set(FIELDS), statement["id"]


@pytest.mark.parametrize("split", SPLITS)
def test_no_false_her2_positive(table, split):
    # The worst error this assistant can make: the ids only (holdout texts are not shown).
    assert table[split]["false_positive"] == [], (
        f"non-positive statements called HER2-positive ({split}): {table[split]['false_positive']}"
    )


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("name", FIELDS)
def test_accuracy_floor(table, split, name):
    reached = accuracy(table[split], name)
    assert reached >= FLOORS[split][name], (
        f"{name} on {split}: {reached:.1%} < floor {FLOORS[split][name]:.1%}"
    )


def main(argv):
    scored = score(load_statements())
    print("\n".join(table_lines(scored)))
    if "--floors" in argv:  # the FLOORS dict for the accuracies reached (rounded down)
        print(
            {
                split: {name: int(accuracy(scored[split], name) * 1000) / 1000 for name in FIELDS}
                for split in SPLITS
            }
        )
    if "--dev-errors" in argv:  # never the holdout's
        texts = {s["id"]: s["text"].strip() for s in load_statements() if s["split"] == "dev"}
        shown = set()
        for statement_id, name, expected, got in scored["dev"]["errors"]:
            if statement_id not in shown:
                print(f"\n{statement_id}: {texts[statement_id]}")
                shown.add(statement_id)
            print(f"    {name}: expected {expected!r}, got {got!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
