"""Drug recognition (spaCy rules) and drug answers built from knowledge/drugs.yml."""

import pytest

from actions import drug_answers
from knowledge import load
from knowledge.drug_matcher import default_matcher, drug_by_id
from tests.unit.lib import source_texts

DRUGS = load("drugs")["drugs"]


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_every_generic_and_brand_name_is_recognised(drug):
    for name in [drug["name"], *drug["brands"]]:
        found = [m.drug_id for m in default_matcher().find(f"what is {name}?")]
        assert found == [drug["id"]], name


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_every_listed_alias_is_recognised(drug):
    for alias in drug.get("aliases", []):
        found = [m.drug_id for m in default_matcher().find(f"tell me about {alias} please")]
        assert drug["id"] in found, alias


@pytest.mark.parametrize(
    "text, expected",
    [
        ("herceptine side effects", "trastuzumab"),  # misspelling
        ("what are Enhertu's side effects", "fam_trastuzumab_deruxtecan"),  # possessive
        ("is t-dm1 chemo?", "ado_trastuzumab_emtansine"),
        ("T-DXD for her2 low", "fam_trastuzumab_deruxtecan"),
        ("how is KADCYLA given", "ado_trastuzumab_emtansine"),
        ("tukysaa tablets", "tucatinib"),  # unlisted typo, matched by similarity
    ],
)
def test_variants_and_typos(text, expected):
    assert expected in [m.drug_id for m in default_matcher().find(text)]


def test_longest_name_wins():
    found = [
        m.drug_id for m in default_matcher().find("is Herceptin Hylecta the same as Herceptin?")
    ]
    assert found == ["trastuzumab_hyaluronidase", "trastuzumab"]


@pytest.mark.parametrize("text", ["what is tamoxifen?", "can I take letrozole", "palbociclib?"])
def test_other_drugs_are_reported_unknown_not_guessed(text):
    assert default_matcher().find(text) == []
    assert default_matcher().unknown_drug_names(text)


@pytest.mark.parametrize("text", ["what is HER2?", "my IHC was 2+", "how is chemotherapy given?"])
def test_no_drug_in_ordinary_questions(text):
    assert default_matcher().find(text) == []
    assert default_matcher().unknown_drug_names(text) == []


@pytest.mark.parametrize(
    "question, aspect",
    [
        ("how is Phesgo given?", "how_given"),
        ("is tucatinib a pill?", "how_given"),
        ("side effects of Enhertu?", "side_effects"),
        ("difference between Herceptin and Herceptin Hylecta?", "compare"),
        ("when is neratinib used?", "when_used"),
        ("what is Kadcyla?", "overview"),
    ],
)
def test_aspect_of_question(question, aspect):
    assert drug_answers.aspect_of(question) == aspect


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_overview_answer_states_the_knowledge_file_facts_and_source(drug):
    reply = drug_answers.answer(drug["id"], "overview")
    assert drug["name"] in reply and drug["when_used"] in reply
    assert drug["what_it_is"] in reply
    used = [f for f in ("what_it_is", "how_given", "when_used", "notes") if drug.get(f)]
    for key in {k for f in used for k in drug["cite"][f]}:
        assert f"Source: {load('drugs')['sources'][key]}" in reply


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_every_fact_of_a_drug_is_cited_to_a_source_that_names_the_drug(drug):
    """Cited field by field: a source that never names the drug (margetuximab is not in the
    BCRF article) is never cited for it, and every stated field has a source."""
    texts = {key: text.lower() for key, text in source_texts().items()}
    names = [drug["name"].lower(), *(b.lower() for b in drug["brands"])]
    for field in ("what_it_is", "how_given", "when_used", "notes", "side_effects"):
        if drug.get(field):
            assert drug["cite"].get(field), f"{field} has no source"
    for field, keys in drug["cite"].items():
        assert drug.get(field), f"cite names {field}, which the drug doesn't state"
        for key in keys:
            assert any(name in texts[key] for name in names), (field, key)


def test_an_answer_cites_only_the_sources_of_the_facts_it_uses():
    sources = load("drugs")["sources"]
    how = drug_answers.answer("trastuzumab", "how_given")  # Everyday Health's fact
    assert f"Source: {sources['everyday_health']}" in how and sources["bcrf"] not in how
    about = drug_answers.answer("margetuximab", "overview")
    assert sources["bcrf"] not in about


def test_drug_lists_name_their_source():
    source = f"Source: {load('drugs')['sources']['everyday_health']}"
    assert source in drug_answers.unknown_drug_reply(["tamoxifen"])
    assert source in drug_answers.list_drugs_reply()


def test_a_drugs_side_effect_reply_does_not_attach_the_complications_list_to_it():
    reply = drug_answers.answer("fam_trastuzumab_deruxtecan", "side_effects")
    for complication in ("hair loss", "infertility", "nerve damage", "bleeding"):
        assert complication not in reply.lower()


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_how_given_uses_the_source_or_says_it_does_not_know(drug):
    reply = drug_answers.answer(drug["id"], "how_given")
    if drug["how_given"]:
        assert drug["how_given"] in reply
    else:
        assert "don't say how" in reply


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d["id"])
def test_side_effects_are_never_invented(drug):
    reply = drug_answers.answer(drug["id"], "side_effects")
    assert drug["side_effects"] is None  # the sources give none per drug
    assert "don't list side effects" in reply and "oncologist" in reply


def test_comparison_covers_both_drugs():
    reply = drug_answers.answer("trastuzumab", "compare", "trastuzumab_hyaluronidase")
    for drug_id in ("trastuzumab", "trastuzumab_hyaluronidase"):
        assert drug_by_id(drug_id)["how_given"] in reply


def test_unknown_drug_reply_is_honest_and_lists_known_drugs():
    reply = drug_answers.unknown_drug_reply(["tamoxifen"])
    assert "don't have information on “tamoxifen”" in reply
    for drug in DRUGS:
        assert drug["name"] in reply
