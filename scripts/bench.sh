#!/usr/bin/env bash
# The benchmark (bench/run_bench.py) in its own virtualenv, .venv-bench: Locust and
# matplotlib on the machine's default python3 (3.11), apart from Rasa's .venv, with the
# project's tooling (ops/) installed as in .venv (pip install -e ., no dependencies).
#   scripts/bench.sh            full run (make bench), well under 15 minutes
#   scripts/bench.sh --smoke    seconds (make bench-smoke); add --rasa-url/--action-url
#                               to use a stack that is already running
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_VENV=${BENCH_VENV:-.venv-bench}
BENCH_PYTHON=${BENCH_PYTHON:-python3}
stamp="$BENCH_VENV/.installed"
if [ ! -f "$stamp" ] || [ bench/requirements.txt -nt "$stamp" ] || [ bench/requirements-lock.txt -nt "$stamp" ] \
   || [ pyproject.toml -nt "$stamp" ]; then
  echo "Setting up $BENCH_VENV with $($BENCH_PYTHON --version 2>&1) ..."
  [ -x "$BENCH_VENV/bin/python" ] || "$BENCH_PYTHON" -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r bench/requirements.txt -c bench/requirements-lock.txt
  "$BENCH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
  "$BENCH_VENV/bin/python" -m pip check
  touch "$stamp"
fi
if [ ! -x .venv/bin/rasa ]; then
  echo "Rasa's .venv is missing: run \`make install\` first." >&2
  exit 1
fi
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
exec "$BENCH_VENV/bin/python" bench/run_bench.py "$@"
