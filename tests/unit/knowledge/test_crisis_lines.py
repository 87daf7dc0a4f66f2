"""Every emergency number and crisis line the replies give is one of knowledge/crisis_lines.yml
(each cited to the organisation's own page), and the crisis reply names every line."""

import re

import pytest
import yaml

from knowledge import load

with open("domain.yml", encoding="utf-8") as handle:
    DOMAIN = yaml.safe_load(handle)["responses"]
with open("data/responses/faq.yml", encoding="utf-8") as handle:
    FAQ = yaml.safe_load(handle)["responses"]

LINES = load("crisis_lines")
KNOWN_NUMBERS = {n["number"] for n in LINES["emergency_numbers"]} | {
    re.sub(r"\D", "", line["contact"]) for line in LINES["crisis_lines"]
} - {""}
REPLIES = {
    "utter_emergency": DOMAIN,
    "utter_self_harm": DOMAIN,
    "utter_symptom_note": DOMAIN,
    "utter_faq/coping": FAQ,
}


def _text(name):
    return " ".join(REPLIES[name][name][0]["text"].split())


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_every_number_in_a_safety_reply_is_a_known_line(name):
    numbers = {re.sub(r"\D", "", n) for n in re.findall(r"\b\d{3}(?: \d{3})?\b", _text(name))}
    assert numbers and numbers <= KNOWN_NUMBERS


def test_the_crisis_reply_names_every_line_with_its_contact():
    text = _text("utter_self_harm")
    for line in LINES["crisis_lines"]:
        assert line["name"] in text or line["contact"] in text
        assert (re.sub(r"\D", "", line["contact"]) or line["contact"]) in text.replace(" ", "")
        assert line["source"].startswith("https://")
