"""Content corrections from a review of the answers against the two source articles
(issue 17): each answer says what its source says, of what the source says it."""

import re

import yaml

from her2 import category_info
from tests.unit.lib import ROOT

FAQ = yaml.safe_load((ROOT / "data" / "responses" / "faq.yml").read_text("utf-8"))["responses"]


def faq_text(key: str) -> str:
    return FAQ[f"utter_faq/{key}"][0]["text"]


def sentences(text: str):
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def test_not_responding_to_widely_used_therapies_is_said_of_her2_low_only():
    """BCRF says HER2-low 'doesn't tend to respond to widely-used HER2-targeted therapies';
    of HER2-ultralow it says only that, like HER2-low, it may respond to Enhertu."""
    for key in FAQ:
        for sentence in sentences(FAQ[key][0]["text"]):
            if "tend to respond" in sentence:
                assert (
                    "HER2-low" in sentence
                    and "ultralow" not in sentence.lower()
                    and not sentence.startswith("These")
                ), (key, sentence)
    assert "HER2-ultralow cancers may respond to trastuzumab deruxtecan" in faq_text("her2_low")


def test_a_users_own_positive_result_is_not_told_any_targeted_therapy_will_work_for_them():
    for category in ("positive", "equivocal"):
        families = " ".join(category_info(category)["treatment_families"].split())
        assert "can be treated with any HER2-targeted therapy" not in families
        assert "In general, the sources say that HER2-positive breast cancer" in families


def test_the_usual_early_stage_order_is_not_worded_as_the_only_one():
    """BCRF: chemotherapy before surgery, HER2-targeted therapy after, 'often'; Everyday
    Health: trastuzumab and pertuzumab can be used before or after surgery."""
    text = faq_text("treatment_overview")
    assert "often get chemotherapy before surgery" in text
    assert "trastuzumab and pertuzumab, for example, can be used before or after surgery" in text


def test_the_complications_list_is_called_what_the_source_calls_it():
    text = faq_text("side_effects")
    assert "complications of HER2-positive breast cancer" in text
    assert "doesn't tie any of them to a particular treatment" in text
    assert text.index("don't describe the side effects of particular treatments") < text.index(
        "hair loss"
    )
