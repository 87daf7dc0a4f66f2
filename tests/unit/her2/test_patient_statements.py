"""her2.interpret on results as patients and carers type them (tests/her2_reports/patient_statements.yml):
real sentences from public posts ("ER/PR+ HER2-", "triple positive", "Her2 -, Er +, PR+",
"estrogen and progesterone positive, HER2-"), labelled blind. The dev split is tuned on; the
holdout split is never looked at (its aggregate scores only).

Measured (the file's header gives the scores on arrival; docs/nlu-evaluation.md, "Reading results"):
the floors are the accuracies reached, rounded down. The false HER2-positive readings left are
general talk ("HER2+ as I understand is pretty serious", "Is IHC 3+ enough to give Herceptin?"):
their ids are pinned so that none is added.
"""

import pytest

from tests.unit.her2.test_reports import FIELDS, accuracy, got_values, score
from tests.unit.lib import read_yaml

STATEMENTS = read_yaml("tests/her2_reports/patient_statements.yml")["statements"]
SPLITS = ("dev", "holdout")
FLOORS = {
    "dev": {"her2_category": 0.80, "er": 0.89, "pr": 0.88},
    "holdout": {"her2_category": 0.70, "er": 0.87, "pr": 0.87},
}
# The non-positive statements still read as HER2-positive (all general talk or questions).
KNOWN_FALSE_POSITIVE = {
    "dev": {"pr-131", "pq-027", "pq-055", "pq-056", "pq-077"},
    "holdout": {"pq-003", "pq-017", "pq-025", "pq-064"},
}


@pytest.fixture(scope="module")
def scored():
    table = score(STATEMENTS)  # the real-report table's scorer (its "written" split stays empty)
    for split in SPLITS:
        row = table[split]
        print(
            f"\npatient-typed results, {split} (n={row['n']}): "
            + ", ".join(f"{name} {accuracy(row, name):.1%}" for name in FIELDS)
            + f"; false HER2+ {len(row['false_positive'])}"
        )
    return table


def test_file_is_well_formed():
    ids = [s["id"] for s in STATEMENTS]
    assert len(ids) == len(set(ids))
    for statement in STATEMENTS:
        assert statement["split"] in SPLITS and statement["source"], statement["id"]
        assert set(statement["expect"]) == set(FIELDS), statement["id"]


@pytest.mark.parametrize("split", SPLITS)
def test_no_new_false_her2_positive(scored, split):
    added = set(scored[split]["false_positive"]) - KNOWN_FALSE_POSITIVE[split]
    assert not added, f"non-positive statements called HER2-positive ({split}): {sorted(added)}"


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("name", ["her2_category", "er", "pr"])
def test_accuracy_floor(scored, split, name):
    reached = accuracy(scored[split], name)
    assert reached >= FLOORS[split][name], f"{name} on {split}: {reached:.1%}"


@pytest.mark.parametrize(
    "text, category, er, pr",
    [
        # written forms seen in the real posts, each read as the guideline reads it
        ("ER+, PR+, HER2 -.", "negative", "positive", "positive"),
        ("Her2 -, Er +, PR+ so the oncologist explained", "negative", "positive", "positive"),
        (
            "I was diagnosed with triple positive breast cancer last year",
            "positive",
            "positive",
            "positive",
        ),
        (
            "diagnosed with triple negative breast cancer in May of 2018",
            "negative",
            "negative",
            "negative",
        ),
        ("PR and ER positive Her2 negative.", "negative", "positive", "positive"),
        ("Progesterone and estrogen positive, HER2-.", "negative", "positive", "positive"),
        ("(ErPr+; her2 negative)", "negative", "positive", "positive"),
        ("I was diagnosed with DCIS ER/PR+ in my left breast", "none", "positive", "positive"),
        # short and misspelt receptor names and status words
        ("stage 2 Her2+ Est+ Proj- breast cancer", "positive", "positive", "negative"),
        ("HER2+ Estrogen+ progesterone- breast cancer", "positive", "positive", "negative"),
        ("HER2 negative, ER and PRO positive", "negative", "positive", "positive"),
        (
            "Estrogen negative, progesterone positive, HER2 postitive.",
            "positive",
            "negative",
            "positive",
        ),
        ("I am HERS2 positive", "positive", None, None),
        # ... and the everyday words they look like
        ("I am a pro at this by now", "none", None, None),
        ("the pros and cons of a mastectomy", "none", None, None),
        # general talk and questions are no result
        ("What is triple negative?", "none", None, None),
        ("we were told it was not triple negative", "none", None, None),
        ("HER2 positive tumors tend to grow faster", "undetermined", None, None),
        # a dash that is a separator, not a minus
        ("HER2 - 3+", "positive", None, None),
    ],
)
def test_patient_wording(text, category, er, pr):
    got = got_values(text)
    assert (got["her2_category"], got["er"], got["pr"]) == (category, er, pr)


@pytest.mark.parametrize(
    "text, er_percent, pr_percent",
    [
        # two percentages after both receptors named together are one each, in the order named
        ("DCIS ER/PR positive (90%/30%), grade 3", 90.0, 30.0),
        ("ER and PR positive at 95% and 5%", 95.0, 5.0),
        ("PR and ER positive at 5% and 95%", 95.0, 5.0),
        # one percentage for both stays with both; a later unrelated one is not PR's
        ("ER/PR positive 90%", 90.0, 90.0),
        ("ER/PR positive (90%). Ki67 30%", 90.0, 90.0),
    ],
)
def test_paired_receptor_percentages(text, er_percent, pr_percent):
    got = got_values(text)
    assert (got["er_percent"], got["pr_percent"]) == (er_percent, pr_percent)
