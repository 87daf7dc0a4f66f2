"""Summarises `rasa test nlu` results on the held-out set and checks the targets.

    python scripts/nlu_report.py results/nlu            # print the summary
    python scripts/nlu_report.py results/nlu --check    # exit 1 below target (make test)
    python scripts/nlu_report.py results/nlu --check --min-macro 0.9 --min-label 0.8
    python scripts/nlu_report.py results/nlu --write docs/nlu-evaluation.md

Targets (issue: content): macro F1 >= 0.95, no intent or FAQ topic below 0.85. Results are
always reported against the targets; --min-macro / --min-label set other thresholds that
fail the run (make test checks the targets themselves; see docs/nlu-evaluation.md).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

MACRO_F1_TARGET = 0.95
PER_LABEL_F1_FLOOR = 0.85
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def per_label(report: Dict) -> Dict[str, Dict]:
    return {k: v for k, v in report.items() if k not in SUMMARY_KEYS and isinstance(v, dict)}


def check(
    name: str,
    report: Dict,
    min_macro: float = MACRO_F1_TARGET,
    min_label: float = PER_LABEL_F1_FLOOR,
) -> List[str]:
    failures = []
    macro = report["macro avg"]["f1-score"]
    if macro < min_macro:
        failures.append(f"{name}: macro F1 {macro:.3f} < {min_macro}")
    for label, scores in per_label(report).items():
        if scores["f1-score"] < min_label:
            failures.append(f"{name}: '{label}' F1 {scores['f1-score']:.3f} < {min_label}")
    return failures


def table(report: Dict) -> str:
    rows = ["| label | precision | recall | F1 | examples |", "| --- | --- | --- | --- | --- |"]
    for label, s in sorted(per_label(report).items()):
        rows.append(
            f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | "
            f"{s['f1-score']:.3f} | {s['support']} |"
        )
    return "\n".join(rows)


def load_reports(results: Path) -> List[Tuple[str, Dict]]:
    reports = [
        ("Intent classification", results / "intent_report.json"),
        ("Response selection (FAQ topics)", results / "response_selection_report.json"),
    ]
    return [(name, json.loads(path.read_text())) for name, path in reports]


def markdown(reports: List[Tuple[str, Dict]]) -> str:
    parts = [
        "# Held-out NLU evaluation",
        "",
        "`rasa test nlu` on `tests/nlu/holdout.yml` (never used for training), "
        "produced by `make test` / `scripts/nlu_report.py`. Targets: macro F1 ≥ "
        f"{MACRO_F1_TARGET}, no label below {PER_LABEL_F1_FLOOR}.",
        "",
    ]
    for name, report in reports:
        parts += [
            f"## {name}",
            "",
            f"Macro F1 **{report['macro avg']['f1-score']:.3f}**, "
            f"weighted F1 {report['weighted avg']['f1-score']:.3f}, "
            f"accuracy {report.get('accuracy', float('nan')):.3f}.",
            "",
            table(report),
            "",
        ]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", type=Path)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--min-macro", type=float, default=MACRO_F1_TARGET)
    parser.add_argument("--min-label", type=float, default=PER_LABEL_F1_FLOOR)
    args = parser.parse_args()
    reports = load_reports(args.results)
    for name, report in reports:
        print(f"{name}: macro F1 {report['macro avg']['f1-score']:.3f}")
    if args.write:
        args.write.write_text(markdown(reports))
    for name, report in reports:
        for failure in check(name, report):
            print(f"below target: {failure}")
    failures = [
        f for name, report in reports for f in check(name, report, args.min_macro, args.min_label)
    ]
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
