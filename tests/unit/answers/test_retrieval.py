"""answers.find_facts: which facts of knowledge/facts.yml answer a question.

Two kinds of test:
- our own questions, one or more per section of the articles (OWN_QUESTIONS, written before
  any retrieval score was looked at): one of the facts listed must come in the top 3;
- the real questions of tests/questions/real_questions.yml that the sources cover (coverage
  covered/partly): the top fact(s) must contain a labelled answer point. Measured and printed
  on the dev split with an asserted floor; the holdout split is scored by the same function and
  printed, with only a sanity floor that was fixed before it was first run.
"""

import re
import time
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

from tests.unit.lib import read_yaml

ROOT = Path(__file__).resolve().parents[3]

from answers import Match, all_facts, find_facts  # noqa: E402
from answers.retrieval import content_keys, idf  # noqa: E402

REAL_QUESTIONS = read_yaml("tests/questions/real_questions.yml")["questions"]

# (question, facts of which one must be in the top 3). Written per section of the articles
# before the retrieval was run; a question's list names every fact that answers it.
OWN_QUESTIONS = [
    # Everyday Health: signs and symptoms
    (
        "What are the signs of HER2-positive breast cancer?",
        [
            "eh_symptom_new_lump",
            "eh_symptom_size_shape",
            "eh_symptom_swelling",
            "eh_symptom_pain",
            "eh_symptom_skin",
            "eh_symptom_nipple_inward",
            "eh_symptom_discharge",
            "eh_symptom_lymph_nodes",
            "eh_symptom_none",
        ],
    ),
    ("Is nipple discharge a symptom?", ["eh_symptom_discharge"]),
    ("I found a new lump in my breast, could it be cancer?", ["eh_symptom_new_lump"]),
    ("Can breast cancer have no symptoms at all?", ["eh_symptom_none"]),
    # risk factors
    (
        "What are the risk factors for HER2 positive breast cancer?",
        [
            "eh_risk_female",
            "eh_risk_first_birth_after_30",
            "eh_risk_heavy_drinking",
            "eh_risk_tobacco",
            "eh_risk_weight",
            "eh_risk_sedentary",
            "eh_risk_chest_radiation",
        ],
    ),
    ("Does smoking raise the risk?", ["eh_risk_tobacco"]),
    ("Is having my first baby after 30 a risk factor?", ["eh_risk_first_birth_after_30"]),
    # diagnosis
    (
        "How is HER2-positive breast cancer diagnosed?",
        ["eh_diag_biopsy", "eh_diag_biopsy_sample", "bcrf_testing_biopsy", "bcrf_two_tests"],
    ),
    (
        "What does an IHC score of 2+ mean?",
        ["eh_diag_ihc_2_equivocal", "eh_diag_ihc_2_fish", "bcrf_ihc_borderline"],
    ),
    (
        "My IHC score is 3+, what does that mean?",
        ["eh_diag_ihc_3", "bcrf_ihc_positive", "bcrf_positive_criteria"],
    ),
    ("What does IHC 0 mean?", ["eh_diag_ihc_0", "bcrf_negative_criteria", "bcrf_ihc_negative"]),
    # prognosis
    (
        "What is the survival rate for HER2 positive breast cancer?",
        [
            "eh_survival_hr_positive",
            "eh_survival_hr_negative",
            "eh_prog_hormone_status",
            "eh_prog_estimates",
        ],
    ),
    (
        "What is the survival rate once it has spread to distant parts of the body?",
        ["eh_survival_hr_positive", "eh_survival_hr_negative"],
    ),
    (
        "Can survival statistics predict what will happen to me?",
        ["eh_prog_cannot_predict", "eh_prog_estimates"],
    ),
    ("What affects my prognosis?", ["eh_prog_factors", "eh_prog_doctor"]),
    # treatment overview
    (
        "How is HER2 positive breast cancer treated?",
        [
            "eh_treat_depends",
            "eh_treat_combined",
            "bcrf_targeted_one_part",
            "bcrf_standard_therapies",
            "bcrf_neoadjuvant",
            "bcrf_first_line_advanced",
        ],
    ),
    ("What does the choice of my treatment depend on?", ["eh_treat_depends"]),
    # surgery
    ("What is a lumpectomy?", ["eh_surgery_lumpectomy"]),
    (
        "What is the difference between a lumpectomy and a mastectomy?",
        ["eh_surgery_options", "eh_surgery_lumpectomy", "eh_surgery_mastectomy"],
    ),
    # chemotherapy
    (
        "Which chemotherapy drugs are used?",
        [
            "eh_chemo_groups",
            "eh_chemo_taxanes",
            "eh_chemo_5fu_capecitabine",
            "eh_chemo_anthracyclines",
            "eh_chemo_platinum",
        ],
    ),
    ("Is epirubicin a chemotherapy drug?", ["eh_chemo_anthracyclines"]),
    ("What is Taxotere?", ["eh_chemo_taxanes"]),
    # targeted therapy
    (
        "What kinds of targeted therapy are there?",
        ["eh_targeted_families", "eh_mab_list", "eh_adc_list", "eh_tki_list"],
    ),
    ("How is Herceptin given?", ["eh_trastuzumab_iv", "eh_hylecta_shot"]),
    (
        "What is Perjeta used for?",
        ["eh_pertuzumab_early", "eh_pertuzumab_metastatic", "eh_pertuzumab_iv_combo"],
    ),
    ("What is Phesgo?", ["eh_phesgo_what", "eh_phesgo_use", "eh_phesgo_shot"]),
    ("When is margetuximab used?", ["eh_margetuximab_use"]),
    (
        "Can Herceptin be given as an injection under the skin?",
        ["eh_hylecta_shot", "eh_hylecta_form"],
    ),
    (
        "What is Kadcyla?",
        ["eh_kadcyla_chemo", "eh_kadcyla_early", "eh_kadcyla_metastatic", "eh_kadcyla_iv"],
    ),
    ("What is T-DM1 used for?", ["eh_kadcyla_early", "eh_kadcyla_metastatic"]),
    (
        "Is Enhertu used for HER2-low cancer?",
        ["eh_enhertu_use", "bcrf_low_enhertu", "bcrf_enhertu_lower_levels"],
    ),
    ("What is tucatinib?", ["eh_tucatinib", "eh_tki_list"]),
    ("When is Nerlynx used?", ["eh_neratinib_early", "eh_neratinib_metastatic"]),
    ("What is lapatinib for?", ["eh_lapatinib"]),
    # questions to ask
    (
        "What questions should I ask my oncologist?",
        [
            "eh_ask_stage",
            "eh_ask_hormone_status",
            "eh_ask_treatments",
            "eh_ask_side_effects",
            "eh_ask_prognosis",
            "eh_ask_status_outlook",
            "eh_ask_clinical_trial",
        ],
    ),
    ("Should I ask about a clinical trial?", ["eh_ask_clinical_trial"]),
    # complementary therapies
    ("Can acupuncture help?", ["eh_comp_acupuncture", "eh_comp_may_help"]),
    ("Will yoga cure my cancer?", ["eh_comp_yoga", "eh_comp_no_cure"]),
    (
        "What complementary therapies might help with side effects?",
        ["eh_comp_may_help", "eh_comp_no_cure"],
    ),
    # prevention
    (
        "How can I lower my risk of breast cancer?",
        [
            "eh_prev_alcohol",
            "eh_prev_exercise",
            "eh_prev_weight",
            "eh_prev_hrt",
            "eh_prev_chest_radiation",
        ],
    ),
    ("Does alcohol matter for prevention?", ["eh_prev_alcohol"]),
    ("How much exercise helps prevent breast cancer?", ["eh_prev_exercise"]),
    # complications
    ("What happens if it spreads to the brain?", ["eh_spread_brain"]),
    ("What are the symptoms of bone metastasis?", ["eh_spread_bones"]),
    ("Is hair loss a complication?", ["eh_compl_hair_loss"]),
    ("What is lymphedema?", ["eh_compl_lymphedema"]),
    ("Can it cause infertility?", ["eh_compl_infertility"]),
    # related conditions
    ("What is DCIS?", ["eh_related_dcis"]),
    ("What is inflammatory breast cancer?", ["eh_related_inflammatory"]),
    ("What is triple negative breast cancer?", ["eh_related_triple_negative"]),
    ("What is invasive ductal carcinoma?", ["eh_related_idc"]),
    # support
    (
        "Where can I find support?",
        [
            "eh_support_cope",
            "eh_support_groups",
            "eh_support_mental_health",
            "eh_support_orgs_list",
            "eh_org_acs",
            "eh_org_breast_cancer_now",
            "eh_org_breastcancer_org",
            "eh_org_cancercare",
            "eh_org_nbcf",
            "eh_org_komen",
        ],
    ),
    ("Is there a helpline I can call?", ["eh_org_komen"]),
    ("Can I talk to a nurse about breast cancer?", ["eh_org_breast_cancer_now"]),
    ("Are there support groups?", ["eh_support_groups"]),
    ("Where can I read more about HER2-positive breast cancer?", ["eh_resources"]),
    # BCRF: subtypes and markers
    ("Is breast cancer one single disease?", ["bcrf_subtypes"]),
    ("Which markers do doctors look at to decide the subtype?", ["bcrf_markers"]),
    ("What does HER2 stand for?", ["bcrf_her2_name"]),
    # what HER2 is
    ("What is HER2?", ["bcrf_her2_protein", "bcrf_her2_role", "bcrf_her2_name"]),
    (
        "What causes HER2-positive breast cancer?",
        [
            "bcrf_her2_mutation",
            "bcrf_her2_positive_definition",
            "eh_risk_female",
            "eh_risk_first_birth_after_30",
            "eh_risk_heavy_drinking",
            "eh_risk_tobacco",
            "eh_risk_weight",
            "eh_risk_sedentary",
            "eh_risk_chest_radiation",
        ],
    ),
    ("What is HER2 gene amplification?", ["bcrf_her2_positive_definition"]),
    # how common, how aggressive
    ("How common is HER2-positive breast cancer?", ["bcrf_prevalence"]),
    (
        "Is HER2-positive breast cancer aggressive?",
        [
            "bcrf_invasive_fast",
            "bcrf_spreads_more",
            "bcrf_history_poor_prognosis",
            "bcrf_treatable_early",
        ],
    ),
    (
        "Can HER2 positive breast cancer be cured?",
        ["bcrf_treatable_early", "bcrf_history_survival"],
    ),
    # testing
    (
        "Why is knowing my HER2 status important?",
        ["bcrf_status_guides_treatment", "bcrf_status_benefit", "bcrf_markers_role"],
    ),
    ("Who looks at the biopsy sample?", ["bcrf_testing_pathologist"]),
    # history
    ("When was Herceptin approved?", ["bcrf_history_trastuzumab"]),
    (
        "Has treatment for HER2 positive breast cancer improved?",
        [
            "bcrf_history_targeted",
            "bcrf_history_trastuzumab",
            "bcrf_history_multiple",
            "bcrf_history_survival",
            "bcrf_crowning_achievement",
            "bcrf_history_poor_prognosis",
        ],
    ),
    # treatment sequence
    ("What is neoadjuvant chemotherapy?", ["bcrf_neoadjuvant"]),
    ("What does adjuvant mean?", ["bcrf_adjuvant"]),
    (
        "What is the first-line treatment for advanced HER2-positive breast cancer?",
        ["bcrf_first_line_advanced"],
    ),
    # IHC and FISH
    ("What is a FISH test?", ["bcrf_fish_what", "bcrf_fish_method", "bcrf_fish_sensitive"]),
    ("Is FISH more sensitive than IHC?", ["bcrf_fish_sensitive"]),
    ("How does the IHC test work?", ["bcrf_ihc_what", "bcrf_ihc_dye", "bcrf_ihc_score_range"]),
    # HER2-positive / HER2-negative
    ("What will my pathology report say about HER2?", ["bcrf_report_status"]),
    (
        "What treatments can be used for HER2-positive cancer?",
        ["bcrf_positive_any_therapy", "bcrf_first_line_advanced", "eh_targeted_families"],
    ),
    (
        "What does HER2-negative mean?",
        ["bcrf_negative_normal", "bcrf_negative_criteria", "eh_related_her2_negative"],
    ),
    ("If I'm HER2-negative will targeted therapy work?", ["bcrf_negative_normal"]),
    # HER2-low and -ultralow
    (
        "What is HER2-low?",
        [
            "bcrf_low_definition",
            "eh_related_her2_low",
            "eh_diag_low_meaning",
            "eh_diag_ihc_1_low",
            "bcrf_low_ultralow_emerging",
        ],
    ),
    (
        "What is HER2-ultralow?",
        ["bcrf_ultralow_definition", "bcrf_ultralow_score", "bcrf_ultralow_enhertu"],
    ),
    (
        "Does HER2-low matter if my cancer is not metastatic?",
        ["bcrf_low_metastatic_only", "bcrf_low_scoring_metastatic_only"],
    ),
    ("Will HER2-low show on my pathology report?", ["bcrf_low_not_routine"]),
    # research, disclaimer
    ("Does BCRF fund HER2 research?", ["bcrf_research_investigators", "bcrf_research_areas"]),
    ("Is this medical advice?", ["bcrf_disclaimer_educational", "bcrf_disclaimer_team"]),
]

COVERED = ("covered", "partly")


def real_questions(split: str) -> List[dict]:
    return [q for q in REAL_QUESTIONS if q["split"] == split and q["coverage"] in COVERED]


# ------------------------------------------------------------------ the answer-point judge
# A fact "contains" an answer point when, for one clause of the point (split at ";" and at
# ", and" / "but"), the fact and the clause share at least two search keys and the idf-weighted
# F1 of the shared keys (recall over the clause's keys, precision over the fact's) is at least
# JUDGE_THRESHOLD. Fixed on the dev split (by reading its decisions) before the holdout was run.
JUDGE_THRESHOLD = 0.5
_CLAUSE = re.compile(r";|,\s*(?:and|but)\s|\sbut\s")


def point_overlap(point: str, fact_text: str) -> float:
    fact_keys = set(content_keys(fact_text))
    best = 0.0
    for clause in _CLAUSE.split(point):
        clause_keys = set(content_keys(clause))
        shared = clause_keys & fact_keys
        if len(shared) < 2:
            continue
        weight = sum(idf(k) for k in shared)
        recall = weight / sum(idf(k) for k in clause_keys)
        precision = weight / sum(idf(k) for k in fact_keys)
        best = max(best, 2 * recall * precision / (recall + precision))
    return best


def contains_a_point(fact_text: str, points: Sequence[str]) -> bool:
    return any(point_overlap(p, fact_text) >= JUDGE_THRESHOLD for p in points)


def score_real_questions(split: str) -> Dict[str, float]:
    """Top-1 / top-3 hit rates on ``split``: the share of covered/partly questions whose top
    fact (top 3 facts) contains one of the labelled answer points; and the share of answer
    points contained in the top 3. Prints only the rates, never the questions."""
    questions = real_questions(split)
    top1 = top3 = points = points_hit = 0
    for question in questions:
        matches = find_facts(question["text"], 3)
        texts = [m.fact.text for m in matches]
        top1 += bool(texts) and contains_a_point(texts[0], question["answer_points"])
        top3 += any(contains_a_point(t, question["answer_points"]) for t in texts)
        for point in question["answer_points"]:
            points += 1
            points_hit += any(point_overlap(point, t) >= JUDGE_THRESHOLD for t in texts)
    n = len(questions)
    result = {"n": n, "top1": top1 / n, "top3": top3 / n, "points_top3": points_hit / points}
    print(
        f"\n{split}: {n} covered/partly questions, top-1 {result['top1']:.2f}, "
        f"top-3 {result['top3']:.2f}, answer points in top 3 {result['points_top3']:.2f}"
    )
    return result


def test_the_judge_tells_a_containing_fact_from_an_unrelated_one():
    point = "infertility and menopause symptoms are listed among the complications"
    assert contains_a_point(
        "Infertility is one of the complications Everyday Health lists.", [point]
    )
    assert not contains_a_point("Swelling of the breast is one of the signs listed.", [point])
    assert not contains_a_point("Trastuzumab is given through an IV (into a vein).", [point])


# ------------------------------------------------------------------ real questions
# Floors that the dev split reaches (measured; the run prints the rates).
# 0.5 / 0.64 until q-176..220 arrived (15 more covered/partly dev questions, mostly general
# breast-cancer questions from other sites): 0.476 / 0.619, measured before any change for them;
# 0.459 / 0.647 after q-221..280 (22 more covered/partly dev questions, long Reddit posts), the same;
# 0.406 / 0.584 after q-281..330 (15 more, long Reddit posts, most about HER2-negative cancer; the
# facts and their index were not changed for them);
# 0.400 / 0.574 after q-331..370 (the same kind; not changed for them either).
DEV_TOP1_FLOOR = 0.40
# 0.68 on the first 67 dev questions; 0.64 after 22 more arrived (37 new in all, 2026-12-06),
# measured before any change for them; 0.61 after q-176..220 (above); 0.58 after q-281..330;
# 0.57 after q-331..370.
DEV_TOP3_FLOOR = 0.57
# The holdout split is never tuned on; this sanity floor was set before it was first scored.
HOLDOUT_TOP3_SANITY_FLOOR = 0.4


def test_dev_real_questions_top_facts_contain_the_answer_points():
    result = score_real_questions("dev")
    assert result["n"] >= 30
    assert result["top1"] >= DEV_TOP1_FLOOR
    assert result["top3"] >= DEV_TOP3_FLOOR


def test_holdout_real_questions_are_scored_with_a_sanity_floor_only():
    result = score_real_questions("holdout")
    assert result["n"] >= 10
    assert result["top3"] >= HOLDOUT_TOP3_SANITY_FLOOR


# ------------------------------------------------------------------ our own questions

# Own questions the retrieval misses (top 3 without a listed fact), kept as strict xfails so a
# change that fixes one shows up; the list of facts was not widened to fit the results.
KNOWN_MISSES = {
    "How is HER2 positive breast cancer treated?": "only 'her2 positive' and 'treat' are informative; the top facts are about treating "
    "HER2-positive cancer with targeted drugs, not the overview facts listed",
    "What kinds of targeted therapy are there?": "'kinds' is not in any fact; the facts naming single targeted drugs rank above the "
    "fact that groups them",
}


def _own_params():
    for question, expected in OWN_QUESTIONS:
        marks = (
            [pytest.mark.xfail(reason=KNOWN_MISSES[question], strict=True)]
            if question in KNOWN_MISSES
            else []
        )
        yield pytest.param(question, expected, marks=marks, id=question)


@pytest.mark.parametrize("question,expected", list(_own_params()))
def test_own_question_finds_a_fact_of_its_section(question, expected):
    ids = [m.fact.id for m in find_facts(question, 3)]
    assert set(ids) & set(expected), f"top 3: {ids}"


def test_own_questions_name_real_facts_and_print_their_rates():
    known = {fact.id for fact in all_facts()}
    unknown = sorted({i for _, ids in OWN_QUESTIONS for i in ids} - known)
    assert not unknown, f"not in knowledge/facts.yml: {unknown}"
    top1 = sum(find_facts(q, 1)[0].fact.id in ids for q, ids in OWN_QUESTIONS)
    top3 = sum(bool({m.fact.id for m in find_facts(q, 3)} & set(ids)) for q, ids in OWN_QUESTIONS)
    n = len(OWN_QUESTIONS)
    print(f"\nown questions: {n}, top-1 {top1 / n:.2f}, top-3 {top3 / n:.2f}")
    assert top1 / n >= 0.8


def test_every_section_with_facts_has_an_own_question():
    """Each section of the articles that has facts is asked about at least once."""
    asked = {all_facts_by_id()[i].section for _, ids in OWN_QUESTIONS for i in ids}
    sections = {fact.section for fact in all_facts()}
    assert not sorted(sections - asked), sorted(sections - asked)


def all_facts_by_id():
    return {fact.id: fact for fact in all_facts()}


# ------------------------------------------------------------------ behaviour of find_facts


def test_matches_are_ranked_scored_in_0_1_and_at_most_k():
    for k in (1, 3, 5):
        matches = find_facts("How is Herceptin given?", k)
        assert 1 <= len(matches) <= k
        scores = [m.score for m in matches]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1 for s in scores)
        assert all(isinstance(m, Match) and m.fact in all_facts() for m in matches)


def test_nothing_in_common_gives_no_match():
    assert find_facts("") == []
    assert find_facts("   ?!") == []
    assert find_facts("the and of it") == []  # stop words only
    assert find_facts("zzqx blorf") == []


def test_off_topic_questions_score_lower_than_on_topic_ones():
    on_topic = min(
        find_facts(q, 1)[0].score
        for q in ("What is a lumpectomy?", "Is hair loss a complication?", "What is HER2-low?")
    )
    for question in (
        "What time does the football start tonight?",
        "Can you recommend a good pizza place?",
    ):
        matches = find_facts(question, 1)
        assert not matches or matches[0].score < on_topic


@pytest.mark.parametrize(
    "brand,generic",
    [
        ("Herceptin", "trastuzumab"),
        ("Enhertu", "fam-trastuzumab deruxtecan"),
        ("Kadcyla", "ado-trastuzumab emtansine"),
        ("Perjeta", "pertuzumab"),
        ("Tukysa", "tucatinib"),
        ("Nerlynx", "neratinib"),
        ("T-DM1", "Kadcyla"),
        ("Taxotere", "docetaxel"),
    ],
)
def test_brand_and_generic_names_find_the_same_facts(brand, generic):
    by_brand = [m.fact.id for m in find_facts(f"What is {brand} used for?", 3)]
    by_generic = [m.fact.id for m in find_facts(f"What is {generic} used for?", 3)]
    assert by_brand == by_generic


def test_a_drug_question_is_answered_with_that_drug_not_a_namesake():
    """'trastuzumab' is part of Kadcyla's and Enhertu's generic names, but a question about
    Herceptin is answered with trastuzumab's own facts first, and one about Enhertu with
    Enhertu's."""
    texts = [m.fact.text for m in find_facts("How is Herceptin given?", 3)]
    assert all("Kadcyla" not in t and "Enhertu" not in t for t in texts), texts
    assert "Trastuzumab (Herceptin)" in texts[0] or texts[0].startswith("Trastuzumab")
    top = find_facts("How is Enhertu given?", 1)[0].fact
    assert top.id == "eh_enhertu_iv"
    top = find_facts("Is T-DM1 given as an IV?", 1)[0].fact
    assert top.id == "eh_kadcyla_iv"


def test_synonyms_and_spelling():
    assert "chemotherapy" in {m.fact.topic for m in find_facts("what chemo drugs are there")}
    assert (
        find_facts("tumour removed with some tissue around it", 1)[0].fact.id
        == "eh_surgery_lumpectomy"
    )
    assert find_facts("is lymphoedema a complication", 1)[0].fact.id == "eh_compl_lymphedema"
    assert find_facts("does hercepton cause hair loss", 1)[0].fact.id == "eh_compl_hair_loss"
    assert find_facts("IHC 3+ what does it mean", 1)[0].fact.id in {
        "eh_diag_ihc_3",
        "bcrf_ihc_positive",
        "bcrf_positive_criteria",
    }


def test_question_vectors_match_scikit_learns():
    """The index turns questions into vectors itself (for speed); scikit-learn agrees."""
    from answers.retrieval import _index

    field = _index().text
    for question in (
        "How is Herceptin given?",
        "IHC 2+ and FISH negative, what now?",
        "hair loss hair loss chemo",
    ):
        keys = content_keys(question)
        ours = field.vector(keys)
        theirs = field.vectorizer.transform([keys]).toarray().ravel()
        assert abs(ours - theirs).max() < 1e-9


def test_synonym_table_leaves_drug_names_to_drugs_yml():
    from knowledge import load

    drugs = load("drugs")
    names = {
        n.lower()
        for d in drugs["drugs"] + drugs["chemotherapy"]
        for n in [d["name"], *d.get("brands", []), *d.get("aliases", [])]
    }
    duplicated = sorted(set(str(k).lower() for k in load("answer_synonyms")["synonyms"]) & names)
    assert not duplicated, f"drug names belong in drugs.yml: {duplicated}"


def test_queries_are_fast_once_the_index_is_built():
    find_facts("warm up")
    questions = [q for q, _ in OWN_QUESTIONS] + [q["text"] for q in real_questions("dev")]
    times = []
    for question in questions:
        start = time.perf_counter()
        find_facts(question, 3)
        times.append(time.perf_counter() - start)
    times.sort()
    mean_ms = 1000 * sum(times) / len(times)
    p95_ms = 1000 * times[int(0.95 * (len(times) - 1))]
    print(
        f"\nper query: mean {mean_ms:.2f} ms, 95th percentile {p95_ms:.2f} ms, "
        f"longest {1000 * times[-1]:.2f} ms ({len(times)} questions)"
    )
    assert mean_ms < 5


def test_facts_are_loaded_once_and_found_by_id():
    from answers import empty_sections, fact_by_id

    assert all_facts() is all_facts()
    assert len(all_facts()) >= 150
    fact = fact_by_id("bcrf_prevalence")
    assert "15 to 20 percent" in fact.text and fact.topic == "how_common"
    assert fact.source_name == "Breast Cancer Research Foundation — HER2 status"
    with pytest.raises(KeyError):
        fact_by_id("no_such_fact")
    assert ("everyday_health", "Hormone Therapy") in empty_sections()
