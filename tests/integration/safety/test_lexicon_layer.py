"""The lexicon layer on its own (no model): the rules of knowledge/red_flags.yml on the
blind-written sets. The held-out set was never used to tune them; the dev sets were."""

import pytest

import triage
from tests.integration.safety.conftest import REPORT
from tests.integration.safety.scoring import SETS, available, score

# What the lexicon alone must keep (measured: docs/safety.md). The whole safety net (lexicon
# and classifier together) is gated in test_safety_net.py.
FLOORS = {
    "dev": {"emergency": 0.97, "false_alarm": 0.02},
    "dev2": {"emergency": 0.98, "false_alarm": 0.02},
    "dev3": {"emergency": 0.98, "false_alarm": 0.04},
    "dev4": {"emergency": 0.98, "false_alarm": 0.03},
    "dev5": {"emergency": 0.98, "false_alarm": 0.02},
    "dev6": {"emergency": 0.97, "false_alarm": 0.01},
    "dev7": {"emergency": 0.97, "false_alarm": 0.04},
    "dev8": {"emergency": 0.97, "false_alarm": 0.085},
    "dev9": {"emergency": 0.98, "false_alarm": 0.135},
    # dev10 (long stories, indirect self-harm): on arrival 83.3% / 17.7%; the classifier
    # covered most of the indirect self-harm the lexicon missed; now 95.0% / 6.9%
    "dev10": {"emergency": 0.94, "false_alarm": 0.07},
    # dev11 (jokes, farewells for the day, past episodes dated in another sentence): on arrival
    # 84.7% / 16.5%; now 99.3% / 5.3%
    "dev11": {"emergency": 0.99, "false_alarm": 0.05},
    # dev12 (distress against danger): on arrival 80.0% / 11.8%; now 97.3% / 9.4%
    "dev12": {"emergency": 0.97, "false_alarm": 0.1},
    # dev13 (messaging-app style, carers at a distance, buried emergencies): on arrival
    # 81.5% / 5.3%; now 98.5% / 2.9%
    "dev13": {"emergency": 0.98, "false_alarm": 0.03},
    # dev14 (451 real forum posts, every one the model alarmed on among 2,558 and 120 others):
    # on arrival 91.7% / 69.7%; then 91.7% / 33.0% (about 6% of all the posts, from 12%); now
    # 91.7% / 28.7% (a post's apology "please forgive me", someone else who "can't see" the
    # writer or a lump, a year before "enough", a mask "suffocating", faint as in pale; 2026-12-08)
    "dev14": {"emergency": 0.91, "false_alarm": 0.29},
    # dev15 (short chat messages; not tuned on): on arrival 92.5% / 0.0%
    "dev15": {"emergency": 0.92, "false_alarm": 0.01},
    # dev16 (self-harm in other words, emergencies inside long posts): on arrival 83.9% / 10.3%
    # (self-harm 73.1%); now 100% / 7.3%
    "dev16": {"emergency": 0.99, "false_alarm": 0.08},
    # dev17 (code-mixed and non-native English, fragments, buried in results questions): on
    # arrival 75.0% / 4.3% (self-harm 57.8%); now 100% / 1.4%
    "dev17": {"emergency": 0.99, "false_alarm": 0.02},
    # dev18 (screening questions answered, readings, children and accidents, arrangements): on
    # arrival 79.1% / 16.9%; now 96.4% / 10.8%
    "dev18": {"emergency": 0.96, "false_alarm": 0.11},
    # dev19 (indirect intent, farewells to the bot, texting and emoji, carers): on arrival
    # 70.0% / 3.1% (self-harm 64.5%); now 94.5% / 0.0%
    "dev19": {"emergency": 0.94, "false_alarm": 0.01},
    # dev20 (teenagers, older people, carers, quoted messages, places): on arrival 80.0% / 3.8%
    # (self-harm 70.8%); now 98.2% / 2.3%
    "dev20": {"emergency": 0.98, "false_alarm": 0.03},
    # dev21 (time-shaped messages, negation right and wrong, ambivalence with means): on
    # arrival 80.0% / 3.8%; now 96.4% / 3.1%
    "dev21": {"emergency": 0.96, "false_alarm": 0.04},
    # dev22 (euphemism, carers, voice-to-text, non-native English, scan-linked plans): on
    # arrival 79.1% / 7.7% (self-harm 70.7%); now 92.7% / 3.8%
    "dev22": {"emergency": 0.92, "false_alarm": 0.04},
    # dev23 (phone-typed self-harm: a tool held to the body, limbs slashed, opioids popped,
    # means in hand; carers dating a stroke's onset): on arrival 87.7% / 2.7% (self-harm
    # 82.5%); now 97.7% / 0.0%
    "dev23": {"emergency": 0.97, "false_alarm": 0.01},
    # dev24 (indirect self-harm: logistics, means without the word, dangerous questions,
    # minimised acts; carers and teenagers): on arrival 78.5% / 8.6% (self-harm 67.5%); now
    # 97.0% / 1.0%
    "dev24": {"emergency": 0.97, "false_alarm": 0.02},
    # dev25 (long forum posts hiding an emergency or telling a past one, spinal cord compression
    # and rigors in lay words, end-of-life planning, fiction): on arrival 92.4% / 9.6%; now
    # 100% / 1.5%
    "dev25": {"emergency": 1.0, "false_alarm": 0.02},
    # dev26 (self-harm as people say it: a way chosen, a night picked, insulin stopped on purpose,
    # farewells to the bot, Scots, Afrikaans, Pidgin): on arrival 82.1% / 6.2% (self-harm 77.3%);
    # now 100% / 4.8%
    "dev26": {"emergency": 1.0, "false_alarm": 0.05},
    # dev27 (emergencies of metastatic disease and HER2 treatment in carers' words, self-harm in
    # palliative care, look-alikes): on arrival 88.2% / 14.6% (medical 87.1%); now 99.1% / 6.9%
    "dev27": {"emergency": 0.99, "false_alarm": 0.07},
    # dev28 (emergencies mid-exchange, typed on a phone, against harmless short answers): on
    # arrival 95.0% / 7.1%; now 99.0% / 2.9%
    "dev28": {"emergency": 0.99, "false_alarm": 0.03},
    "holdout": {"emergency": 0.90, "false_alarm": 0.06},
    # the second held-out set, as first scored (never tuned on)
    "holdout2": {"emergency": 0.91, "false_alarm": 0.03},
}


def lexicon_decision(text):
    assessment = triage.assess(text)
    return assessment.tier, assessment.kind


@pytest.mark.parametrize("name", list(SETS))
def test_lexicon_layer(name):
    if not available(name):
        pytest.skip(f"{name} set not present")
    result = score(name, lexicon_decision)
    REPORT.append({**result, "layer": "lexicon"})
    floors = FLOORS.get(name)
    if floors:
        recall = result["rates"]["emergency"][0]
        false_alarms = result["rates"]["false_alarm"][0]
        assert recall >= floors["emergency"], result["missed"]
        assert false_alarms <= floors["false_alarm"], result["false_alarms"]
