"""her2.samples: results for several samples across a conversation (issue 16, item 4).

Expected values are labelled from what the messages say and the ASCO/CAP table (IHC 3+ ->
positive, IHC 2+ alone -> equivocal, IHC 2+ with a negative ISH -> low), not from the parser.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

from her2 import Findings, classify, parse, read_report  # noqa: E402
from her2.report import named_specimen  # noqa: E402
from her2.samples import (  # noqa: E402
    ANOTHER,
    CORRECTION,
    Pending,
    Sample,
    add_message,
    answer,
    conflicts,
    find_sample,
    is_correction,
    message_samples,
    named_label,
    pending_from,
    resolve,
    same_sample,
    samples_from,
    to_dicts,
)


def said(text: str):
    """The samples of one chat message, as the chatbot reads them."""
    return message_samples(text, parse(text))


def told(*messages: str):
    """Samples stored after messages that raise no question."""
    stored = []
    for message in messages:
        update = add_message(stored, said(message), correction=is_correction(message))
        assert update.pending == [], message
        stored = update.samples
    return stored


def summary(samples):
    return [(s.label, classify(s.findings).category) for s in samples]


@pytest.mark.parametrize(
    "text, label",
    [
        ("the biopsy was 2+", "biopsy"),
        ("my mum's surgery sample came back 3+", "surgical specimen"),
        ("the excision was 3+", "excision"),
        ("on the metastasis it was 1+", "metastasis"),
        ("HER2 3+ on the core biopsy", "core biopsy"),
        ("it was 3+", ""),
        ("IHC 2+ and FISH not amplified", ""),
        ("sorry, I meant 1+", ""),
    ],
)
def test_a_chat_message_names_its_sample(text, label):
    assert named_specimen(text) == label


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "the biopsy was 2+ and the surgery sample came back 3+",
            [("biopsy", "equivocal"), ("surgical specimen", "positive")],
        ),
        (
            "the core biopsy was 2+, the excision came back 3+",
            [("core biopsy", "equivocal"), ("excision", "positive")],
        ),
        (
            "the biopsy was 2+ but after surgery it was 3+",
            [("biopsy", "equivocal"), ("surgical specimen", "positive")],
        ),
        (
            "biopsy HER2 2+ FISH negative, surgical specimen HER2 3+",
            [("biopsy", "low"), ("surgical specimen", "positive")],
        ),
    ],
)
def test_one_message_about_two_samples_keeps_them_apart(text, expected):
    assert summary(said(text)) == expected
    assert read_report(text).unclear == ["samples_differ"]


def test_a_later_value_that_adds_to_the_result_is_merged():
    assert summary(told("IHC 2+", "FISH was not amplified")) == [("", "low")]


def test_a_correction_replaces_the_value():
    assert summary(told("my HER2 was 3+", "sorry, I meant 1+")) == [("", "low")]


def test_a_different_value_with_no_sample_named_waits_for_an_answer():
    stored = told("IHC 2+ and FISH not amplified")
    update = add_message(stored, said("it was 3+"))
    assert summary(update.samples) == [("", "low")]  # nothing replaced
    assert len(update.pending) == 1 and update.pending[0].target == 0
    assert update.pending[0].sample.findings.ihc == "3+"
    another = resolve(update.samples, update.pending, ANOTHER)
    assert summary(another) == [("", "low"), ("", "positive")]
    corrected = resolve(update.samples, update.pending, CORRECTION)
    assert [s.findings.ihc for s in corrected] == ["3+"]


def test_a_sample_named_after_an_unnamed_one_may_be_it_so_a_conflict_waits():
    update = add_message(told("my HER2 was 2+"), said("the surgery sample came back 3+"))
    assert update.pending and update.pending[0].sample.label == "surgical specimen"
    # no conflict: the named sample is the one told first, and takes its name
    assert summary(told("my HER2 was 2+", "the surgery sample FISH was not amplified")) == [
        ("surgical specimen", "low")
    ]


def test_a_value_for_a_newly_named_sample_is_kept_apart_at_once():
    stored = told("the biopsy was 2+", "the surgery sample came back 3+")
    assert summary(stored) == [("biopsy", "equivocal"), ("surgical specimen", "positive")]
    # naming a sample again adds to it
    stored = told(
        "the biopsy was 2+", "the surgery sample came back 3+", "the biopsy FISH was not amplified"
    )
    assert summary(stored) == [("biopsy", "low"), ("surgical specimen", "positive")]


def test_with_several_samples_a_value_naming_none_asks_which():
    stored = told("the biopsy was 2+ and the surgery sample came back 3+")
    update = add_message(stored, said("FISH was not amplified"))
    assert update.samples == stored and update.pending[0].target is None
    names = ["biopsy", "surgical specimen"]
    chosen = answer(update.samples, update.pending, "Biopsy", names=names)
    assert summary(chosen) == [("biopsy", "low"), ("surgical specimen", "positive")]
    kept = answer(update.samples, update.pending, "Another sample", names=names)
    assert len(kept) == 3 and kept[2].findings.ish_result == "negative"
    assert answer(update.samples, update.pending, "yes", yes_no=True, names=names) is None


def test_the_same_message_twice_changes_nothing():
    """Rasa runs slot extraction twice when the form starts: it must be idempotent."""
    for first, second in [
        ("IHC 2+", "it was 3+"),
        ("the biopsy was 2+", "the surgery sample came back 3+"),
    ]:
        once = add_message(told(first), said(second))
        twice = add_message(once.samples, said(second))
        assert to_dicts(twice.samples) == to_dicts(once.samples)
        assert to_dicts(twice.pending) == to_dicts(once.pending)


@pytest.mark.parametrize(
    "text, yes_no, expected",
    [
        ("Yes, another sample", None, ANOTHER),
        ("No, it corrects the earlier one", None, CORRECTION),
        ("yes", True, ANOTHER),
        ("no", False, CORRECTION),
        ("it's a different sample", None, ANOTHER),
        ("it's from the surgery", None, ANOTHER),
        ("sorry, that was a typo", None, CORRECTION),
        ("purple", None, None),
    ],
)
def test_answers_to_another_sample_or_a_correction(text, yes_no, expected):
    stored = told("the biopsy was 2+")
    pending = [Pending(Sample("", parse("IHC 3+")), 0)]
    result = answer(stored, pending, text, yes_no=yes_no)
    if expected is None:
        assert result is None
    elif expected == ANOTHER:
        assert [s.findings.ihc for s in result] == ["2+", "3+"]
    else:
        assert [s.findings.ihc for s in result] == ["3+"]


def test_an_answer_naming_the_sample_asked_about_is_a_correction():
    stored = told("the core biopsy was 2+")
    pending = [Pending(Sample("", parse("IHC 3+")), 0)]
    assert [s.findings.ihc for s in answer(stored, pending, "the core biopsy")] == ["3+"]
    kept = answer(stored, pending, "it's from the surgery")
    assert [(s.label, s.findings.ihc) for s in kept] == [
        ("core biopsy", "2+"),
        ("surgical specimen", "3+"),
    ]


def test_conflicts_compare_known_values_only():
    assert conflicts(parse("IHC 2+"), parse("FISH not amplified")) == []
    assert conflicts(parse("IHC 2+"), parse("IHC 3+")) == ["ihc"]
    assert conflicts(parse("IHC 0"), parse("IHC 0 with faint staining in 5% of cells")) == []
    assert conflicts(parse("ER positive 90%"), parse("ER negative")) == ["er"]
    assert conflicts(parse("ER positive 90%"), parse("ER positive 80%")) == ["er_percent"]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("core biopsy", "biopsy", True),
        ("liver biopsy", "biopsy", True),
        ("excision", "surgical specimen", True),
        ("part A, core biopsy", "core biopsy", True),
        ("excision", "mastectomy", False),
        ("core biopsy", "liver biopsy", False),
        ("", "", False),
    ],
)
def test_sample_names_that_may_mean_one_sample(a, b, same):
    assert same_sample(a, b) is same and same_sample(b, a) is same


def test_find_sample_needs_one_match():
    stored = [Sample("core biopsy", Findings()), Sample("liver biopsy", Findings())]
    assert find_sample(stored, "liver biopsy") == 1
    assert find_sample(stored, "biopsy") is None  # two biopsies: ask
    assert named_label("the surgery one") == "surgical specimen"


def test_round_trip_through_slots():
    update = add_message(told("IHC 2+"), said("it was 3+"))
    assert to_dicts(samples_from(to_dicts(update.samples))) == to_dicts(update.samples)
    assert to_dicts(pending_from(to_dicts(update.pending))) == to_dicts(update.pending)
    assert all(not s.findings.problems for s in said("IHC 4+"))
