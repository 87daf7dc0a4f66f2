"""Real questions people asked in public (tests/questions/real_questions.yml, with their
addresses), asked of the trained model: does the reply fit?

Which replies fit each question was labelled blind, from the two source articles and the
catalogue of replies, by a labeller who saw neither the code nor its output (the file's
`fitting`). The dev part may be tuned on; the held-out part never is (docs/nlu-evaluation.md
reports both)."""

import asyncio
from typing import Dict, List

import pytest
import yaml

from actions import drug_answers
from tests.integration.lib import ROOT, load_trained_agent

QUESTIONS = yaml.safe_load(
    (ROOT / "tests" / "questions" / "real_questions.yml").read_text("utf-8")
)["questions"]
# What `make test` must keep (measured: docs/nlu-evaluation.md; a retraining moves the dev rate
# by about 5 points, since the intent classifier decides which long posts reach the coverage).
# The held-out floor only guards against a collapse; the target (90%) is reported, not tuned
# towards. The dev floor went from 0.68 to 0.66 when q-281..330 came (2026-12-07: 15 of their 28
# dev questions fit, the first 280 kept their 116 of 165). 75.1% (145/193) after this session's
# changes; q-331..370 (general forum posts, 4 of 25 dev fitting on arrival) brought it to 68.3%
# (149/218); the floor went to 0.64, under it by the spread of one retraining (2026-12-07).
FLOORS = {"dev": 0.64, "holdout": 0.4}
RESULTS: Dict[str, List] = {}


def reply_id(parse: Dict) -> str:
    """The reply the assistant gives, in the labels' terms (faq/<topic>, drug/<id>/<aspect>,
    uncovered/<topic>, symptom_not_covered, unknown_drug, results, ...)."""
    intent = parse["intent"]["name"]
    entities = parse.get("entities") or []
    symptom = any(e["entity"] == "symptom" for e in entities)
    if intent == "faq":
        key = parse["response_selector"]["faq"]["response"]["intent_response_key"]
        return key
    coverage = parse.get("coverage") or {}
    if intent == "nlu_fallback" and coverage.get("answer") == "facts":
        # the facts' FAQ topic stands for them (a labelled fitting reply is a topic answer)
        return "facts/" + "+".join(coverage["topics"])
    if intent == "nlu_fallback" and coverage.get("answer") == "uncovered":
        return "uncovered/" + "+".join(coverage["uncovered"])
    if intent == "ask_drug":
        drugs = drug_answers.drugs_in(parse["text"])
        if not drugs:
            return (
                "unknown_drug" if drug_answers.unknown_drug_names(parse["text"]) else "which_drug"
            )
        aspect = "side_effects" if symptom else drug_answers.aspect_of(parse["text"])
        return f"drug/{drugs[0]}/{aspect}"
    if intent == "list_drugs":
        return "drug_list"
    if intent == "nlu_fallback":
        return "symptom_not_covered" if symptom else "please_rephrase"
    if intent in ("inform_results", "interpret_results", "results_treatment", "ask_eligibility"):
        return "results"
    return intent


def fits(reply: str, fitting: List[str]) -> bool:
    if reply.startswith("facts/"):
        return any(f"faq/{t}" in fitting for t in reply[len("facts/") :].split("+") if t)
    if reply.startswith("uncovered/"):
        return any(f"uncovered/{t}" in fitting for t in reply[len("uncovered/") :].split("+"))
    if reply.startswith("drug/") and reply.endswith("/overview"):
        return reply in fitting or any(
            f.startswith(reply.rsplit("/", 1)[0]) and not f.endswith("side_effects")
            for f in fitting
        )
    return reply in fitting


@pytest.fixture(scope="module")
def replies():
    agent = load_trained_agent()

    async def parse_all():
        return {q["id"]: await agent.parse_message(q["text"]) for q in QUESTIONS}

    return {key: reply_id(parse) for key, parse in asyncio.run(parse_all()).items()}


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_real_questions_get_a_fitting_reply(replies, split):
    asked = [q for q in QUESTIONS if q["split"] == split]
    fitted = [q for q in asked if fits(replies[q["id"]], q["fitting"])]
    rate = len(fitted) / len(asked)
    by_coverage = {}
    for q in asked:
        total_hit = by_coverage.setdefault(q["coverage"], [0, 0])
        total_hit[0] += 1
        total_hit[1] += q in fitted
    RESULTS[split] = [rate, len(fitted), len(asked), by_coverage]
    print(
        f"\n{split}: {rate:.1%} ({len(fitted)}/{len(asked)}) fitting; by coverage "
        + ", ".join(f"{c} {h}/{t}" for c, (t, h) in sorted(by_coverage.items()))
    )
    if split == "dev":
        for q in asked:
            if q not in fitted:
                print(f"  {q['id']}: {replies[q['id']]} not in {q['fitting']}")
    assert rate >= FLOORS[split]
