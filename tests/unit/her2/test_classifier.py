"""her2.classify, the guideline tables, interpret and category_info.

Table-driven from tests/her2_classify_cases.yml (Findings -> Classification, every row and
boundary of the ASCO/CAP tables) and tests/her2_text_cases.yml (free text -> result).
"""

import itertools
import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]

from her2 import (  # noqa: E402
    CATEGORIES,
    FLAGS,
    NEEDS,
    Classification,
    Findings,
    category_info,
    classify,
    interpret,
    parse,
)
from her2.findings import IHC_SCORES  # noqa: E402
from her2.guideline import load_guideline  # noqa: E402
from tests.unit.lib import source_articles_dir  # noqa: E402

CLASSIFY_CASES = yaml.safe_load((ROOT / "tests" / "her2_classify_cases.yml").read_text("utf-8"))
TEXT_CASES = yaml.safe_load((ROOT / "tests" / "her2_text_cases.yml").read_text("utf-8"))


@pytest.mark.parametrize("case", CLASSIFY_CASES, ids=[c["name"] for c in CLASSIFY_CASES])
def test_classify_case(case):
    result = classify(Findings.from_dict(case["findings"])).to_dict()
    for name, expected in case["expect"].items():
        assert result[name] == expected, f"{name}: {result}"


def test_classify_case_table_is_well_formed():
    finding_names = {f.name for f in fields(Findings)}
    result_names = {f.name for f in fields(Classification)}
    names = [case["name"] for case in CLASSIFY_CASES]
    assert len(names) == len(set(names))
    for case in CLASSIFY_CASES:
        assert set(case["findings"]) <= finding_names, case["name"]
        assert set(case["expect"]) <= result_names, case["name"]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c["text"][:50] for c in TEXT_CASES])
def test_interpret_case(case):
    result = interpret(case["text"])
    for name, expected in case["expect"].items():
        if name == "problems_count":
            assert len(result["problems"]) == expected, result
        else:
            assert result[name] == expected, f"{name}: {result}"


# --- invariants over every case ---

ALL_FINDINGS = [Findings.from_dict(c["findings"]) for c in CLASSIFY_CASES] + [
    parse(c["text"]) for c in TEXT_CASES
]


@pytest.mark.parametrize("findings", ALL_FINDINGS)
def test_result_uses_only_documented_codes_and_one_sentence(findings):
    result = classify(findings)
    assert (
        result.category in CATEGORIES
        or (result.category is None and result.problems)
        or (result.category is None and findings.her2_mentioned is False)
    )
    assert set(result.needs) <= set(NEEDS)
    assert set(result.flags) <= set(FLAGS)
    assert result.ish_group in (None, 1, 2, 3, 4, 5)
    sentence = result.explanation
    assert sentence and sentence[0].isupper() and sentence.endswith(".")
    assert not re.search(r"[.!?] [A-Z]", sentence[:-1]), f"more than one sentence: {sentence}"


@pytest.mark.parametrize("findings", ALL_FINDINGS)
def test_category_only_when_no_problems(findings):
    # ... and when the text has no HER2 statement at all (issue 16: "none", not undetermined)
    result = classify(findings)
    no_her2 = findings.her2_mentioned is False and not findings.has_test_values()
    assert (result.category is None) == bool(findings.problems or no_her2)


def test_no_her2_statement_has_no_category_but_still_asks_for_the_ihc_score():
    for text in ("ER positive 90%, PR negative", "grade 2, 2 cm", "Ki-67 20%"):
        result = classify(parse(text))
        assert result.category is None and result.problems == [] and result.needs == ["ihc"]
    for text in ("HER2 pending", "HER2 testing was ordered", "FISH pending"):
        assert classify(parse(text)).category == "undetermined", text


def test_low_and_ultralow_are_called_eligibility_terms_not_asco_cap_categories():
    for findings in (
        Findings(ihc="1+"),
        Findings(ihc="2+", ish_result="negative"),
        Findings(ihc="0-staining"),
    ):
        explanation = classify(findings).explanation
        assert "eligibility rather than an ASCO/CAP result category" in explanation


def test_zero_mentions_what_would_make_it_ultralow():
    assert "ultralow" in classify(Findings(ihc="0")).explanation


def test_negative_without_ihc_says_the_ihc_score_decides_low_or_zero():
    result = classify(parse("FISH negative"))
    assert result.category == "negative" and result.needs == ["ihc"]
    assert "IHC score" in result.explanation


def test_outdated_terms_explain_the_current_rules():
    explanation = classify(parse("FISH equivocal")).explanation
    assert "older" in explanation and "ratio" in explanation and "copies" in explanation


def test_recount_is_noted_for_groups_2_to_4_with_ihc_2_plus_only():
    for group_values in ((2.3, 3.5), (1.8, 6.5), (1.5, 5.0)):
        ratio, copies = group_values
        with_2 = classify(Findings(ratio=ratio, copy_number=copies, ihc="2+"))
        with_3 = classify(Findings(ratio=ratio, copy_number=copies, ihc="3+"))
        assert "recount_noted" in with_2.flags and "recount" in with_2.explanation
        assert "recount_noted" not in with_3.flags
    assert "recount_noted" not in classify(Findings(ratio=1.2, copy_number=2.0, ihc="2+")).flags


def test_contradiction_asks_which_score_is_right():
    result = classify(parse("IHC 1+, later 3+"))
    assert result.flags == ["contradiction"]
    assert "1+" in result.explanation and "3+" in result.explanation


def test_problems_are_messages_and_there_is_no_category():
    result = classify(parse("IHC 4+ and 130% of cells"))
    assert result.category is None
    assert len(result.problems) == 2
    assert all(message.endswith(".") for message in result.problems)


def test_stated_status_fills_in_an_ish_answer_after_ihc_2_plus():
    merged = parse("IHC 2+").merge(parse("negative"))
    assert classify(merged).category == "low"
    merged = parse("IHC 2+").merge(parse("it was positive"))
    assert classify(merged).category == "positive"


# --- the guideline tables themselves ---


def test_dual_probe_groups_cover_every_ratio_and_copy_number_exactly_once():
    groups = load_guideline().dual_probe_groups
    ratios = [0.1, 1.0, 1.99, 2.0, 2.01, 5.0]
    copies = [0.5, 3.99, 4.0, 5.0, 5.99, 6.0, 6.01, 20.0]
    for ratio, copy_number in itertools.product(ratios, copies):
        matching = [row.group for row in groups if row.matches(ratio, copy_number)]
        assert len(matching) == 1, (ratio, copy_number, matching)


@pytest.mark.parametrize(
    "ratio, copies, group",
    [
        (2.0, 4.0, 1),
        (2.0, 3.99, 2),
        (1.99, 6.0, 3),
        (1.99, 4.0, 4),
        (1.99, 5.99, 4),
        (1.99, 3.99, 5),
        (2.0, 6.0, 1),
    ],
)
def test_boundaries_are_inclusive(ratio, copies, group):
    assert classify(Findings(ratio=ratio, copy_number=copies, ihc="1+")).ish_group == group


def test_single_probe_rows_cover_every_copy_number_exactly_once():
    rows = load_guideline().single_probe
    for copies in (0.5, 3.99, 4.0, 5.99, 6.0, 30.0):
        assert sum(row.matches(None, copies) for row in rows) == 1


def test_every_ihc_score_is_in_every_ihc_dependent_row():
    guideline = load_guideline()
    assert set(guideline.ihc) == set(IHC_SCORES)
    for row in guideline.dual_probe_groups + guideline.single_probe:
        if row.result == "by_ihc":
            assert set(row.by_ihc) == set(IHC_SCORES)


# --- category_info ---


@pytest.mark.parametrize("category", CATEGORIES)
def test_category_info(category):
    info = category_info(category)
    assert set(info) == {"label", "meaning", "treatment_families", "is_asco_cap_category", "source"}
    assert all(
        isinstance(info[key], str) and info[key]
        for key in ("label", "meaning", "treatment_families", "source")
    )
    assert (
        "Breast Cancer Research Foundation" in info["source"] or "Everyday Health" in info["source"]
    )


def test_low_and_ultralow_are_not_asco_cap_categories():
    assert category_info("low")["is_asco_cap_category"] is False
    assert category_info("ultralow")["is_asco_cap_category"] is False
    assert category_info("positive")["is_asco_cap_category"] is True
    assert category_info("zero")["is_asco_cap_category"] is True
    assert "metastatic" in category_info("low")["meaning"]


def test_category_info_rejects_unknown_codes():
    for bad in (None, "", "her2-positive", "LOW"):
        with pytest.raises(ValueError):
            category_info(bad)


def test_category_info_returns_a_copy():
    category_info("low")["label"] = "changed"
    assert category_info("low")["label"] == "HER2-low"


def test_every_drug_named_in_our_texts_is_in_the_source_articles():
    folder = source_articles_dir()
    if folder is None:
        pytest.skip("the source articles were not found; set HER2_SOURCES_DIR")
    sources = " ".join(p.read_text("utf-8").lower() for p in folder.glob("*.txt"))
    ours = " ".join(
        (ROOT / "her2" / name).read_text("utf-8") for name in ("categories.yml", "explanations.yml")
    )
    generic = set(re.findall(r"\b[\w-]*(?:mab|tinib|tecan|emtansine)\b", ours.lower()))
    brands = {brand.lower() for brand in re.findall(r"\(([A-Z][a-z]+)\)", ours)}  # (Enhertu)
    assert "trastuzumab" in generic and "enhertu" in brands
    missing = sorted(name for name in generic | brands if name not in sources)
    assert not missing, f"not in the source articles: {missing}"


def test_a_receptor_word_its_own_percentage_contradicts_is_named_in_the_restatement():
    """The percentage decides the field (receptors.yml), and the restatement gives both as written
    and asks to check the line."""
    from her2 import interpret

    result = interpret("PR: negative (4% weak staining). ER: positive (80%).")
    assert result["pr"] == "positive" and result["pr_percent"] == 4
    assert "PR 4% (the report calls it negative: please check this line" in result["summary"]
    assert "ER-positive (80%)," in result["summary"] + ","
    plain = interpret("PR: positive (40%)")
    assert plain["summary"] == "PR-positive (40%)"
