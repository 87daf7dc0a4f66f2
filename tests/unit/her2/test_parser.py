"""her2.parse, Findings and describe_findings, driven by tests/her2_parse_cases.yml."""

import json
import time
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]

from her2 import Findings, describe_findings, interpret, parse  # noqa: E402
from her2.findings import (  # noqa: E402
    IHC_SCORES,
    ISH_METHODS,
    ISH_PROBES,
    RESULTS,
    STATED_STATUSES,
)

PARSE_CASES = yaml.safe_load((ROOT / "tests" / "her2_parse_cases.yml").read_text("utf-8"))
FINDINGS_FIELDS = {f.name for f in fields(Findings)}


@pytest.mark.parametrize("case", PARSE_CASES, ids=[c["text"][:50] for c in PARSE_CASES])
def test_parse_case(case):
    found = parse(case["text"]).to_dict()
    for name, expected in case["expect"].items():
        assert found[name] == expected, f"{name} for {case['text']!r}: {found}"


def test_case_table_is_well_formed():
    texts = [case["text"] for case in PARSE_CASES]
    assert len(texts) == len(set(texts)), "duplicate texts in her2_parse_cases.yml"
    for case in PARSE_CASES:
        assert set(case["expect"]) <= FINDINGS_FIELDS, case["text"]


@pytest.mark.parametrize("case", PARSE_CASES, ids=[c["text"][:50] for c in PARSE_CASES])
def test_parse_uses_only_documented_codes(case):
    found = parse(case["text"])
    assert found.ihc in (None, *IHC_SCORES)
    assert set(found.ihc_candidates) <= set(IHC_SCORES)
    assert found.ish_method in (None, *ISH_METHODS)
    assert found.ish_probe in (None, *ISH_PROBES)
    assert found.ish_result in (None, *RESULTS)
    assert set(found.ish_result_candidates) <= set(RESULTS)
    assert found.er in (None, *RESULTS) and found.pr in (None, *RESULTS)
    assert found.hr_stated in (None, *RESULTS)
    assert found.stated_status in (None, *STATED_STATUSES)


@pytest.mark.parametrize("text", ["", "   ", "\n", "hello", "thanks!", "?", "...", "-", "+"])
def test_nothing_to_read(text):
    assert parse(text).is_empty()


@pytest.mark.parametrize(
    "text",
    [
        "HER2 ≥ 2.0 – ratio",
        "ＩＨＣ ２＋",
        "😀 2+ 😀",
        "((((",
        "ratio ratio ratio",
        "1" * 500,
        "ER/PR/HER2 " * 50,
        "+-+-+-+",
        "her2her2her2",
        "1.8–2.2",
        "2+++++",
    ],
)
def test_odd_input_never_crashes(text):
    findings = parse(text)
    json.dumps(findings.to_dict())


def test_values_inside_other_subjects_are_not_her2():
    findings = parse("ER 3+ 90%, PR 2+ 50%, Ki-67 20%, grade 2, 2.5 cm, seen 03/12/2024")
    assert findings.ihc is None and findings.ihc_candidates == []
    assert findings.percent_stained is None
    assert (findings.er_percent, findings.pr_percent) == (90.0, 50.0)


# --- Findings ---


@pytest.mark.parametrize(
    "text",
    [
        "IHC 2+ and FISH negative",
        "HER2/CEP17 ratio 1.8 with 6.5 copies per cell, IHC 2+, ER positive 90%, PR negative",
        "IHC 2+ and 3+",
        "IHC 4+",
        "FISH equivocal",
        "",
    ],
)
def test_findings_round_trip_through_json(text):
    findings = parse(text)
    data = json.loads(json.dumps(findings.to_dict()))
    assert Findings.from_dict(data) == findings


def test_from_dict_ignores_unknown_keys_and_fills_defaults():
    findings = Findings.from_dict({"ihc": "1+", "category": "low", "ratio": 2})
    assert findings.ihc == "1+"
    assert findings.ratio == 2.0 and isinstance(findings.ratio, float)
    assert findings.ihc_candidates == [] and findings.problems == []


def test_is_empty_and_has_test_values():
    assert Findings().is_empty() and not Findings().has_test_values()
    assert not parse("2+").is_empty() and parse("2+").has_test_values()
    assert not parse("IHC 4+").is_empty()  # a problem is something to answer
    assert not parse("IHC 4+").has_test_values()
    stated = parse("HER2 positive, ER negative")
    assert not stated.is_empty() and not stated.has_test_values()


def test_merge_correction_replaces_the_ihc_score():
    first = parse("IHC 2+ with staining in 30% of cells, FISH negative")
    merged = first.merge(parse("sorry, I meant 1+"))
    assert merged.ihc == "1+"
    assert merged.ihc_candidates == ["1+"]
    assert merged.percent_stained is None  # the old percentage described the old score
    assert merged.ish_result == "negative"


def test_merge_adds_a_later_answer():
    merged = parse("IHC 2+").merge(parse("not amplified"))
    assert (merged.ihc, merged.ish_result) == ("2+", "negative")
    later = merged.merge(parse("ratio 1.5")).merge(parse("3.1 copies"))
    assert (later.ratio, later.copy_number) == (1.5, 3.1)


def test_merge_keeps_values_the_newer_message_lacks():
    old = parse("IHC 0, ER positive 90%, HER2/CEP17 ratio 1.2")
    assert old.merge(Findings()) == old


def test_merge_problems_come_from_the_newer_message_only():
    bad = parse("IHC 4+")
    fixed = bad.merge(parse("IHC 3+"))
    assert fixed.problems == [] and fixed.ihc == "3+"
    assert parse("IHC 3+").merge(bad).problems == ["ihc_out_of_range"]


def test_merge_turns_zero_into_zero_with_staining_when_a_percentage_follows():
    merged = parse("IHC 0").merge(parse("faint staining in 5% of cells"))
    assert merged.ihc == "0-staining"
    assert merged.ihc_candidates == ["0-staining"]


def test_merge_does_not_change_either_side():
    old, new = parse("IHC 2+"), parse("IHC 1+")
    old.merge(new)
    assert (old.ihc, new.ihc) == ("2+", "1+")


def test_hormone_receptor_status():
    assert parse("ER positive, PR negative").hormone_receptor_status() == "positive"
    assert parse("ER negative, PR negative").hormone_receptor_status() == "negative"
    assert parse("ER negative").hormone_receptor_status() is None
    assert parse("hormone receptor positive").hormone_receptor_status() == "positive"


# --- describe_findings ---


@pytest.mark.parametrize(
    "text, expected",
    [
        ("IHC 2+ and FISH negative", "IHC 2+, FISH negative"),
        ("ihc2+ / fish NEG", "IHC 2+, FISH negative"),
        (
            "HER2/CEP17 ratio 1.8 with 6.5 copies per cell, IHC 2+",
            "IHC 2+, HER2/CEP17 ratio 1.8, 6.5 HER2 copies per cell",
        ),
        ("ER positive 90%, PR negative", "ER-positive (90%), PR-negative"),
        (
            "0 with faint staining in 5% of cells",
            "IHC 0 with faint membrane staining in 5% of cells",
        ),
        ("ratio 2, copy number 4", "HER2/CEP17 ratio 2.0, 4.0 HER2 copies per cell"),
        ("HER2 neg", "reported as HER2-negative"),
        ("IHC 2+ and 3+", "IHC 2+ or 3+ (two different scores)"),
        ("dual probe FISH pending", "dual-probe FISH (result not given)"),
        ("grade 2", ""),
    ],
)
def test_describe_findings(text, expected):
    assert describe_findings(parse(text)) == expected


def test_describe_findings_never_echoes_the_raw_text():
    text = "IHC 2+ <script>alert(1)</script> FISH negative"
    summary = describe_findings(parse(text))
    assert "<" not in summary and "script" not in summary


# --- speed: parse runs on every chat message ---


def test_parse_is_fast_once_warm():
    parse("warm up")
    messages = [case["text"] for case in PARSE_CASES]
    start = time.perf_counter()
    for message in messages:
        parse(message)
    average_ms = (time.perf_counter() - start) / len(messages) * 1000
    assert average_ms < 5, f"{average_ms:.2f} ms per message"


# --- bare answers to a question the bot asked (parse's `expect`) ---


@pytest.mark.parametrize(
    "text, expect, field_name, value",
    [
        ("3", None, "ihc", "3+"),
        ("3", "ihc", "ihc", "3+"),
        ("2.3", "ratio", "ratio", 2.3),
        ("it was 2", "ratio", "ratio", 2.0),
        ("6.5", "copy_number", "copy_number", 6.5),
        ("negative", "ish", "ish_result", "negative"),
        ("positive", "ish", "ish_result", "positive"),
        ("negative", None, "stated_status", "negative"),
    ],
)
def test_bare_answer_follows_the_question(text, expect, field_name, value):
    findings = parse(text, expect=expect)
    assert getattr(findings, field_name) == value
    assert findings.ihc in (None, value)  # nothing else is guessed


@pytest.mark.parametrize("expect", [None, "ihc", "ish", "ratio", "copy_number"])
def test_named_values_ignore_expect(expect):
    findings = parse("IHC 2+, ratio 1.8, 6.5 copies per cell", expect=expect)
    assert (findings.ihc, findings.ratio, findings.copy_number) == ("2+", 1.8, 6.5)


def test_bare_impossible_answers_are_problems():
    assert parse("4", expect="ihc").problems == ["ihc_out_of_range"]
    assert parse("0", expect="ratio").problems == ["ratio_not_positive"]
    assert parse("4").problems == [] and parse("4").is_empty()  # could be anything


def test_unknown_expect_is_rejected():
    with pytest.raises(ValueError):
        parse("3", expect="grade")


@pytest.mark.parametrize(
    "text, category, ihc",
    [
        # a control and what it showed is not the tumour's result (found by the blind written set)
        (
            "External control (HER2 3+ cell line) stained appropriately. Tumor: HER2 1+.",
            "low",
            "1+",
        ),
        # ... but a result next to a word about its controls stands
        ("HER2 IHC 3+ with appropriate controls.", "positive", "3+"),
        ("HER2 (4B5): 3+, external control stained as expected.", "positive", "3+"),
        # a scale in a sentence of its own is not a second result; in brackets, only the bracket
        (
            "HER2/neu: 1+ (negative). Scores of 0 or 1+ are considered negative, 2+ equivocal and 3+ "
            "positive.",
            "low",
            "1+",
        ),
        (
            "HER2 by IHC: 0 (scores of 0 and 1+ are considered negative; 2+ equivocal; 3+ positive).",
            "zero",
            "0",
        ),
        # a legend pairing several scores with several statuses is not a result
        ("HER2: negative. (Positive: 3+; Equivocal: 2+; Negative: 0-1+)", "negative", None),
        (
            "HER2 clone 4B5, scored per ASCO/CAP 2018 (3+ positive, 2+ equivocal). Result: 2+.",
            "equivocal",
            "2+",
        ),
        (
            "HER2 IHC score 0+ with faint incomplete membrane staining in 8% of tumour cells "
            "(ultralow). A score of 1+ requires faint staining in more than 10% of cells.",
            "ultralow",
            "0-staining",
        ),
        (
            "HER2 by IHC: Negative (0), antibody clone 4B5; internal positive control present; "
            "amplified control tissue stained 3+.",
            "zero",
            "0",
        ),
        ("HER2 IHC: 2+ -- FISH to follow.", "equivocal", "2+"),
        ("HER2/neu (4B5): Equivocal (2+) [ISH pending - see addendum]", "equivocal", "2+"),
        (
            "HER2/NEU: WEAKLY POSITIVE (SCORE 2+). HERCEPTEST SCORING: 0 AND 1+ NEGATIVE, 2+ WEAKLY "
            "POSITIVE, 3+ STRONGLY POSITIVE.",
            "equivocal",
            "2+",
        ),
        ("HER2: 0 (ultralow not assessed).", "zero", "0"),
        # flattened synoptic fields separated by "|"
        (
            "HER2 (ERBB2) by IHC: Equivocal (Score 2+) | HER2 by ISH: Pending | ER: Positive (85%)",
            "equivocal",
            "2+",
        ),
    ],
)
def test_statements_that_are_not_results_are_set_aside(text, category, ihc):
    result = interpret(text)
    assert (result["category"], result["ihc"]) == (category, ihc)


def test_a_receptor_detected_in_no_cells_is_negative():
    result = interpret(
        "Oestrogen receptor detected in 0% of tumour nuclei. Progesterone "
        "receptor not detected in any tumour nuclei."
    )
    assert (result["er"], result["pr"]) == ("negative", "negative")


@pytest.mark.parametrize(
    "text, er, pr",
    [
        ("ER: Allred score 7/8. PR: Allred score 2/8.", "positive", "negative"),
        ("There was no expression of progesterone receptor.", None, "negative"),
        (
            "Nuclear staining for progesterone receptor is absent in the invasive carcinoma.",
            None,
            "negative",
        ),
        ("Strong expression of the estrogen receptor in 90% of cells.", "positive", None),
        (
            "ER H-score 280 (strongly positive). PR H-score 15 (weakly positive).",
            "positive",
            "positive",
        ),
        # intensity bins: stained when any cells stain at 1+ or more
        (
            "ER: 0 20%; 1+ 30%; 2+ 30%; 3+ 20%. PR: 0 100%; 1+ 0%; 2+ 0%; 3+ 0%.",
            "positive",
            "negative",
        ),
    ],
)
def test_receptors_written_as_scores_or_in_words(text, er, pr):
    """Also pick-list fields (see test_pick_list_fields_with_their_scale_in_brackets)."""

    result = interpret(text)
    assert (result["er"], result["pr"]) == (er, pr)


def test_an_older_plus_first_score_is_read():

    result = interpret("HER2 (SCORE +1) NEGATIVE.")
    assert (result["category"], result["ihc"]) == ("low", "1+")


@pytest.mark.parametrize(
    "text, ratio, copies",
    [
        # a reference after a ";" in the bracket is not the measured ratio's statement
        (
            "TUMOR IS NEGATIVE FOR HER-2/NEU GENE AMPLIFICATION BY FISH (HER2/CEP17 RATIO 1.05; "
            "REFERENCE: AMPLIFIED >= 2.0).",
            1.05,
            None,
        ),
        # a count of nuclei is not a copy number
        (
            "HER2 FISH: AMPLIFIED. HER2/CEP17 ratio 4.6; average HER2 copy number 10.2 signals per "
            "nucleus (60 nuclei counted).",
            4.6,
            10.2,
        ),
    ],
)
def test_ish_numbers_next_to_references_and_counts(text, ratio, copies):

    result = interpret(text)
    assert (result["ratio"], result["copy_number"]) == (ratio, copies)


def test_pick_list_fields_with_their_scale_in_brackets():

    result = interpret(
        "HER2/neu IHC (0-3+, n/a): 1\nEstrogen receptor (% positive nuclei): 70\n"
        "Progesterone receptor (% positive nuclei): 0"
    )
    assert (
        result["category"],
        result["ihc"],
        result["er"],
        result["er_percent"],
        result["pr"],
        result["pr_percent"],
    ) == ("low", "1+", "positive", 70.0, "negative", 0.0)


@pytest.mark.parametrize(
    "text, category, ihc",
    [
        # HER2 is scored on the invasive tumour: the DCIS's 3+ is set aside (w-229, w-230)
        (
            "HER2 IHC: The ductal carcinoma in situ shows strong complete membrane staining (3+). "
            "The invasive carcinoma is negative (1+).",
            "low",
            "1+",
        ),
        (
            "HER2 (4B5): 3+ staining is confined to the in-situ (DCIS) component; no invasive "
            "carcinoma is present on the tested block.",
            "undetermined",
            None,
        ),
        # ...but a clause naming the invasive tumour keeps its score
        ("HER2: 3+ in both the invasive and in situ components.", "positive", "3+"),
    ],
)
def test_the_in_situ_component_is_not_the_result(text, category, ihc):
    result = interpret(text)
    assert (result["category"], result["ihc"]) == (category, ihc)


def test_fluorescence_in_situ_hybridization_is_a_test_not_the_dcis():

    result = interpret(
        "No amplification for HER2/neu is demonstrated by fluorescence in situ "
        "hybridization (FISH)."
    )
    assert result["ish_result"] == "negative"


def test_a_gene_expression_assay_never_gives_her2_status_but_keeps_er_and_pr():
    """Oncotype DX single-gene scores (RT-PCR units) are not IHC or ISH (w-253, w-029)."""

    result = interpret(
        "Oncotype DX Breast Recurrence Score: 23\nSingle-gene scores (RT-PCR, "
        "units): ER 8.6 Positive (cut-off 6.5); PR 4.1 Negative (cut-off 5.5); "
        "HER2 11.8 Positive (cut-off 11.5)"
    )
    assert result["category"] != "positive"
    assert (result["er"], result["pr"]) == ("positive", "negative")


def test_a_corrected_report_uses_the_correction():

    corrected = interpret(
        "AMENDED REPORT. Previously reported: HER2 negative (1+).\n"
        "Corrected: HER2 POSITIVE (3+), complete intense circumferential "
        "membrane staining in >90% of invasive tumor cells."
    )
    assert (corrected["category"], corrected["ihc"]) == ("positive", "3+")
    revised = interpret(
        "HER2 was initially reported as 2+ (equivocal). On re-staining the HER2 "
        "score is revised to 1+ (NEGATIVE)."
    )
    assert (revised["category"], revised["ihc"]) == ("low", "1+")
    # without a correction word an earlier result is not set aside: two scores, unclear
    both = interpret("HER2 was initially reported as 2+. Repeat staining: 1+.")
    assert both["category"] == "undetermined"


@pytest.mark.parametrize(
    "text, copies, ratio",
    [
        (
            "Combined (40 nuclei): mean HER2 2.25, mean CEP17 1.95, HER2/CEP17 ratio 1.15.",
            2.25,
            1.15,
        ),
        ("HER2/CEP17 ratio ......... 1.21\nMean HER2 signals/cell ... 2.3", 2.3, 1.21),
        (
            "Total 40 cells: average HER2 6.05 per cell, average Chr17 2.05 per cell, ratio 2.95",
            6.05,
            2.95,
        ),
    ],
)
def test_mean_her2_and_dot_leaders(text, copies, ratio):

    result = interpret("HER2 FISH. " + text)
    assert (result["copy_number"], result["ratio"]) == (copies, ratio)


@pytest.mark.parametrize(
    "text, er, pr",
    [
        # a value before the next field's subject belongs to the subject before it
        ("RESULTS: HER2 IHC: 1+  ER: 0%  PR: 0%  Ki-67: 60%", "negative", "negative"),
        ("ER 95% PR 90% Ki-67 10%", "positive", "positive"),
        # ranges and bounds of stained nuclei give the status, not a percentage
        ("ER: >95% strong. PR: 50-60% moderate to strong.", "positive", "positive"),
        ("ER 70-80% (moderate to strong), PR <1%", "positive", "negative"),
    ],
)
def test_receptors_in_flattened_lines_ranges_and_bounds(text, er, pr):

    result = interpret(text)
    assert (result["er"], result["pr"]) == (er, pr)


def test_a_flattened_overexpression_field_keeps_its_value_when_receptors_follow():
    """A TCGA-style flattened table (written set, w-071): "OVEREXPRESSION" names the test,
    so the next statement's "NEGATIVE" and "SCORE 0" are HER2's, not unattached because
    the receptors are named after them."""
    findings = parse(
        "C-ERBB-2 (HER-2/NEU) OVEREXPRESSION. NEGATIVE. 0%. SCORE 0. ESTROGEN RECEPTOR. "
        "POSITIVE. 95 %. PROGESTERONE RECEPTOR. POSITIVE. 40 %."
    )
    assert (findings.ihc, findings.stated_status) == ("0", "negative")
    assert (findings.er, findings.er_percent, findings.pr, findings.pr_percent) == (
        "positive",
        95.0,
        "positive",
        40.0,
    )
    # a real overexpression result is still read as one
    assert parse("HER2 protein: overexpression present (3+).").ihc == "3+"


@pytest.mark.parametrize(
    "text, er, er_percent, pr, pr_percent",
    [
        # written set (w-312): a pending HER2 at the end of a flattened line sets aside its
        # own field only
        (
            "ER POS 100% STRONG PR POS 60% MOD KI67 12% HER2 PENDING",
            "positive",
            100.0,
            "positive",
            60.0,
        ),
        # w-127: an intensity word between the receptor and its status; ">95%" is a bound
        ("PR pending. ER strongly positive in >95% of tumor nuclei.", "positive", None, None, None),
        # w-141: "Nuclei stained: 85%" is the receptor's own detail field
        (
            "ESTROGEN RECEPTOR: POSITIVE. NUCLEI STAINED: 85%. INTENSITY: 3. PROGESTERONE "
            "RECEPTOR: POSITIVE. NUCLEI STAINED: 1%. INTENSITY: 1.",
            "positive",
            85.0,
            "positive",
            1.0,
        ),
        # w-697: paired fields with their percentages in the same order
        ("ER/PR: Positive/Negative (60%/0%)   Ki-67: 25%", "positive", 60.0, "negative", 0.0),
        ("ER/PR: Negative/Positive", "negative", None, "positive", None),
        # percentages that can't be paired with the statuses are left out, statuses kept
        ("ER/PR/HER2: +/+/- (90%/50%)", "positive", None, "positive", None),
    ],
)
def test_receptor_fields_of_flattened_lines(text, er, er_percent, pr, pr_percent):
    findings = parse(text)
    assert (findings.er, findings.er_percent, findings.pr, findings.pr_percent) == (
        er,
        er_percent,
        pr,
        pr_percent,
    )


def test_a_pending_test_in_its_own_field_is_still_pending():
    """The field scope leaves the pending HER2 test set aside: no HER2 value is read from it."""
    findings = parse("ER POS 100% PR POS 60% HER2 PENDING 2+ TO FOLLOW")
    assert findings.ihc is None and findings.stated_status is None


def test_a_detail_line_under_a_receptor_tested_by_ihc_belongs_to_the_receptor():
    """w-321: "by IHC" names how ER was tested; the "Percent of positive tumor cells" line under
    it is ER's detail, never a HER2 result (it was read as HER2-positive)."""
    findings = parse(
        "Estrogen receptor (ER) by IHC: Positive\n"
        "  Percent of positive tumor cells: 75%\n"
        "Progesterone receptor (PgR) by IHC: Positive\n"
        "  Percent of positive tumor cells: 40%\n"
        "HER2 by IHC: Negative (Score 0)"
    )
    assert (findings.er_percent, findings.pr_percent, findings.ihc) == (75.0, 40.0, "0")
    assert findings.stated_status != "positive"


@pytest.mark.parametrize(
    "text", ["Percent of positive tumor cells: 75%", "positive cells 40%", "Positive nuclei: 10%"]
)
def test_positive_describing_cells_is_no_her2_result(text):
    """A short message is read as a chat answer ("it was positive"), but "positive" before
    "cells" counts cells: it never makes the message HER2-positive."""
    assert interpret(text)["category"] != "positive"


def test_a_pending_marker_in_the_next_field_leaves_the_receptor_result():
    """w-292: "Ki-67: pending" is Ki-67's field; PR's "Negative" before it is still PR's result."""
    findings = parse("ER: Positive   PR: Negative   Ki-67: pending")
    assert (findings.er, findings.pr) == ("positive", "negative")


@pytest.mark.parametrize(
    "text, ihc",
    [
        # heterogeneous staining, then the report's own overall score
        (
            "HER2: about 20% of cells show complete intense staining (3+), the rest weak "
            "incomplete staining (1+). Overall HER2 score: 3+.",
            "3+",
        ),
        ("HER2: 1+ with focal 2+ staining in under 10% of cells. Overall score 1+.", "1+"),
        # a repeat on another block, then the final score
        (
            "HER2 IHC on block B1 was reported as 2+, an edge artifact. "
            "Final HER2 IHC score (block B3): 0.",
            "0",
        ),
        # two scores and no conclusion between them: still a contradiction to ask about
        ("HER2 IHC 1+. HER2 IHC 3+.", None),
    ],
)
def test_an_overall_or_final_score_settles_earlier_ones(text, ihc):
    assert parse(text).ihc == ihc


def test_a_conclusion_word_after_its_value_does_not_hide_it():
    """w-653: "... NOT AMPLIFIED overall": the last "overall" has no value after it."""
    findings = parse(
        "HER2 FISH: about 15% of cells amplified (ratio above 2.2 there). Overall: HER2/CEP17 "
        "ratio 1.45, mean HER2 copy number 3.3; NOT AMPLIFIED overall."
    )
    assert (findings.ish_result, findings.ratio, findings.copy_number) == ("negative", 1.45, 3.3)


@pytest.mark.parametrize(
    "text, er_percent, pr_percent",
    [
        ("ER: POSITIVE (80 0/o OF TUMOR NUCLEI). PR: POSITIVE (15 0/o, WEAK)", 80.0, 15.0),
        ("E.R. POSITIVE IN 85 0/0 OF TUMOUR CELLS. P.R. NEGATIVE (0 0/0)", 85.0, 0.0),
    ],
)
def test_a_percent_sign_read_by_ocr_as_zero_slash_zero(text, er_percent, pr_percent):
    findings = parse(text)
    assert (findings.er_percent, findings.pr_percent) == (er_percent, pr_percent)


def test_a_mean_signal_count_is_the_copy_number():
    findings = parse(
        "FISH: the mean HER2 signal count was 2.4 and the mean CEP17 signal count was 2.0, "
        "giving a HER2/CEP17 ratio of 1.2."
    )
    assert (findings.copy_number, findings.ratio) == (2.4, 1.2)


def test_results_of_two_specimens_that_differ_are_not_one_positive_result():
    """w-794: a lumpectomy's IHC 1+ and a lymph node's FISH amplified, read as one, would make
    a HER2-positive that no specimen states alone (read_report keeps them apart)."""
    result = interpret(
        "A. LEFT BREAST, LUMPECTOMY: INVASIVE DUCTAL CARCINOMA; HER2 IHC 1+.\n"
        "B. LEFT AXILLARY SENTINEL LYMPH NODE: METASTATIC CARCINOMA; HER2 FISH: AMPLIFIED, "
        "RATIO 2.2, 4.3 COPIES/CELL."
    )
    assert result["category"] == "undetermined"
    assert "more than one specimen" in result["explanation"]


def test_an_equivocal_ihc_and_an_ish_result_complete_each_other():
    """w-459: IHC 2+ on the core and an amplified FISH are one workup, not specimens that differ."""
    result = interpret(
        "HER2 FISH: HER2:CEP17 = 2.45 (amplified); mean HER2 = 4.9. IHC on core: 2+."
    )
    assert result["category"] == "positive"


def test_a_receptor_named_in_brackets_of_a_her2_statement_heads_nothing():
    """w-726: "(block A2 was used for ER/PR)" names where ER/PR were tested; the staining and
    score after it are HER2's, not ER/PR results."""
    findings = parse(
        "HER2 immunostain was performed on block A4 (largest focus; block A2 was used for ER/PR). "
        "Faint, incomplete membrane staining in about 40% of tumor cells. Score: 1+ (negative)."
    )
    assert (findings.ihc, findings.er, findings.pr, findings.er_percent) == ("1+", None, None, None)
