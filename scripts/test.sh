#!/usr/bin/env bash
# Everything `make test` runs: data validation, training (when inputs changed),
# end-to-end stories, the held-out NLU evaluation, then pytest (unit, action,
# channel, REST and browser tests) against a running stack on test ports.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export RASA_PORT=${TEST_RASA_PORT:-5305} ACTION_PORT=${TEST_ACTION_PORT:-5355} WEB_PORT=${TEST_WEB_PORT:-8380}
export RUN_DIR=.run/test LOG_DIR=test-artifacts/logs TRACKER_DB=var/test-tracker.db
# Every Rasa command with the run-time fixes applied (rasa_fixes/), as `make run` has them.
RASA=".venv/bin/python -m ops rasa"
step() { echo; echo "==> $*"; }

step "Validating training data"
$RASA data validate --fail-on-warnings

step "Training if needed"
scripts/train_if_needed.sh

step "Browser and page dependencies"
scripts/ensure_browser.sh

step "Starting the stack on test ports ($RASA_PORT, $ACTION_PORT, $WEB_PORT)"
rm -f "$TRACKER_DB" "$TRACKER_DB-wal" "$TRACKER_DB-shm"
mkdir -p "$LOG_DIR"
setsid .venv/bin/python -m ops run > "$LOG_DIR/stack.log" 2>&1 &
stack_pid=$!
stop_stack() { kill -TERM "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; }
trap stop_stack EXIT
.venv/bin/python -m ops wait --timeout 180 "http://localhost:$ACTION_PORT/health" \
  "http://localhost:$RASA_PORT/" "http://localhost:$WEB_PORT/" \
  || { cat "$LOG_DIR"/*.log >&2; exit 1; }

step "End-to-end conversations (tests/test_stories.yml)"
$RASA test core --model models/her2-assistant.tar.gz --stories tests/test_stories.yml \
  --endpoints "$RUN_DIR/endpoints.yml" --fail-on-prediction-errors --out results/stories

step "Held-out NLU evaluation (tests/nlu/holdout.yml)"
$RASA test nlu --model models/her2-assistant.tar.gz --nlu tests/nlu/holdout.yml --out results/nlu
.venv/bin/python scripts/nlu_report.py results/nlu --check

step "Benchmark smoke run (the benchmark code must not rot)"
scripts/bench.sh --smoke --rasa-url "http://localhost:$RASA_PORT" --action-url "http://localhost:$ACTION_PORT"

step "pytest"
CHAT_URL="http://localhost:$WEB_PORT/" RASA_URL="http://localhost:$RASA_PORT" \
  .venv/bin/pytest tests -ra -q -p no:cacheprovider
