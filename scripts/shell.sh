#!/usr/bin/env bash
# A terminal chat (Rasa's console) through the Rasa server's REST channel, with the action
# server running; stops both on exit. Through the REST channel the terminal gets what every
# channel gets: the identity line and disclaimer, the input checks (channels/console.py).
set -uo pipefail
cd "$(dirname "$0")/.."
ACTION_PORT=${ACTION_PORT:-5055}; SHELL_PORT=${SHELL_PORT:-5006}
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
mkdir -p var .run logs
.venv/bin/python scripts/runtime_config.py || exit 1
.venv/bin/python scripts/action_server.py --actions actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
actions_pid=$!
.venv/bin/python scripts/runtime_config.py --exec-rasa run --model models/her2-assistant.tar.gz \
  --port "$SHELL_PORT" --endpoints .run/endpoints.yml --credentials .run/credentials.yml \
  >logs/rasa-shell.log 2>&1 &
rasa_pid=$!
trap 'kill -TERM $rasa_pid $actions_pid 2>/dev/null; wait $rasa_pid $actions_pid 2>/dev/null' EXIT
.venv/bin/python scripts/wait_ready.py --timeout 120 "http://localhost:$ACTION_PORT/health" \
  "http://localhost:$SHELL_PORT/" || exit 1
.venv/bin/python -m channels.console --url "http://localhost:$SHELL_PORT"
