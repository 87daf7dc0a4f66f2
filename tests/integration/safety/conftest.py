"""Collects the safety scores of this folder's tests and prints them at the end of the run."""

from typing import Dict, List

REPORT: List[Dict] = []


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    from tests.integration.safety.scoring import table

    terminalreporter.write_sep("=", "safety triage: recall and false alarms (docs/safety.md)")
    terminalreporter.write_line(table(REPORT))
