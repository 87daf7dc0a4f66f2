#!/usr/bin/env bash
# `rasa shell` with the action server running; stops the action server on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
ACTION_PORT=${ACTION_PORT:-5055}
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
mkdir -p var .run logs
.venv/bin/python scripts/runtime_config.py || exit 1
.venv/bin/python scripts/action_server.py --actions actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
actions_pid=$!
trap 'kill -TERM $actions_pid 2>/dev/null; wait $actions_pid 2>/dev/null' EXIT
.venv/bin/python scripts/wait_ready.py --timeout 60 "http://localhost:$ACTION_PORT/health" || exit 1
.venv/bin/rasa shell --model models/her2-assistant.tar.gz --endpoints .run/endpoints.yml
