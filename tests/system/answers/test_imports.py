"""The answers package on its own, in a fresh interpreter (a child process): it must not
pull in Rasa (the package's tests in process: tests/unit/answers/test_retrieval.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_package_imports_no_rasa():
    code = (
        "import sys; import answers; answers.find_facts('herceptin');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rasa'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
