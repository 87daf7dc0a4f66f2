"""Scores a triage decision function on a set of blind-written messages (dev or held-out)."""

from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[3]
# The dev sets tune the lexicon and train the safety classifier (data/safety/); the held-out
# set is never used for either.
DEV_DIR = ROOT / "data" / "safety"
SETS = {
    **{
        path.name[: -len("_messages.yml")]: path
        for path in sorted(DEV_DIR.glob("dev*_messages.yml"))
    },
    "holdout": ROOT / "tests" / "safety" / "holdout_messages.yml",
    # written blind on 2026-12-07 and scored once on the model of that day (its header)
    "holdout2": ROOT / "tests" / "safety" / "holdout2_messages.yml",
}

# decide(text) -> (tier, kind): tier "emergency" | "symptom_question" | "distress" | None
Decide = Callable[[str], Tuple[Optional[str], str]]


def messages(name: str) -> List[Dict]:
    return yaml.safe_load(SETS[name].read_text())["messages"]


def available(name: str) -> bool:
    return SETS[name].exists()


def score(name: str, decide: Decide) -> Dict:
    """Recall of emergencies (all, and per kind), the emergency reply given to the others
    (false alarms, all and per tier), symptom questions answered with the note, distress
    given support, and which emergencies were missed."""
    result = {"set": name, "missed": [], "false_alarms": []}
    counts: Dict[str, List[int]] = {}

    def count(key: str, hit: bool) -> None:
        total_hit = counts.setdefault(key, [0, 0])
        total_hit[0] += 1
        total_hit[1] += int(hit)

    for message in messages(name):
        tier, kind = decide(message["text"])
        gold = message["tier"]
        alarm = tier == "emergency"
        if gold == "emergency":
            count("emergency", alarm)
            count(f"emergency:{message['kind']}", alarm)
            count("kind_right", alarm and kind == message["kind"])
            if not alarm:
                result["missed"].append(message["text"])
        else:
            count("false_alarm", alarm)
            count(f"false_alarm:{gold}", alarm)
            if alarm:
                result["false_alarms"].append(message["text"])
            if gold == "symptom_question":
                count("symptom_note", tier == "symptom_question")
            if gold == "distress":
                count("distress_support", tier == "distress")
    result["rates"] = {
        key: (hit / total if total else 0.0, hit, total) for key, (total, hit) in counts.items()
    }
    return result


def table(results: List[Dict]) -> str:
    keys = [
        "emergency",
        "emergency:self_harm",
        "emergency:medical",
        "kind_right",
        "false_alarm",
        "false_alarm:symptom_question",
        "false_alarm:distress",
        "false_alarm:other",
        "symptom_note",
        "distress_support",
    ]
    lines = ["| layer / set | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for result in results:
        cells = []
        for key in keys:
            rate, hit, total = result["rates"].get(key, (0.0, 0, 0))
            cells.append(f"{rate:.1%} ({hit}/{total})")
        lines.append(f"| {result['layer']} / {result['set']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
