#!/usr/bin/env bash
# A terminal chat (Rasa's console) through the Rasa server's REST channel, with the action
# server running; stops both on exit. Through the REST channel the terminal gets what every
# channel gets: the identity line and disclaimer, the input checks (channels/console.py).
#
# It runs its own two servers, on free ports (SHELL_PORT / SHELL_ACTION_PORT to choose them),
# with their own generated files ($RUN_DIR/shell/) and logs ($LOG_DIR/rasa-shell.log,
# actions-shell.log): next to a running `make run` it takes none of its ports or files,
# and a terminal chat does not touch the web chat's servers. Conversations are stored in
# the same tracker store as `make run`'s ($TRACKER_DB, default var/tracker.db).
# With its input not a terminal, each line is a message and the replies are printed as
# plain text: echo "what is HER2?" | make shell
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
RUN_DIR=${RUN_DIR:-.run}/shell; LOG_DIR=${LOG_DIR:-logs}
mkdir -p var "$RUN_DIR" "$LOG_DIR"
free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SHELL_PORT=${SHELL_PORT:-$(free_port)}; SHELL_ACTION_PORT=${SHELL_ACTION_PORT:-$(free_port)}
# The endpoints file names the action server from $ACTION_PORT: this chat's own.
ACTION_PORT=$SHELL_ACTION_PORT .venv/bin/python scripts/runtime_config.py "$RUN_DIR" || exit 1
.venv/bin/python scripts/action_server.py --actions actions --port "$SHELL_ACTION_PORT" \
  >"$LOG_DIR/actions-shell.log" 2>&1 &
actions_pid=$!
.venv/bin/python scripts/runtime_config.py --exec-rasa run --model models/her2-assistant.tar.gz \
  --port "$SHELL_PORT" --endpoints "$RUN_DIR/endpoints.yml" --credentials "$RUN_DIR/credentials.yml" \
  >"$LOG_DIR/rasa-shell.log" 2>&1 &
rasa_pid=$!
trap 'kill -TERM $rasa_pid $actions_pid 2>/dev/null; wait $rasa_pid $actions_pid 2>/dev/null' EXIT
[ -t 0 ] && echo "Starting the assistant for the terminal (logs in $LOG_DIR/rasa-shell.log) ..."
if ! .venv/bin/python scripts/wait_ready.py --timeout "${READY_TIMEOUT:-240}" \
     "http://localhost:$SHELL_ACTION_PORT/health" "http://localhost:$SHELL_PORT/"; then
  echo "The assistant did not start; see $LOG_DIR/rasa-shell.log and actions-shell.log." >&2
  exit 1
fi
if [ -t 0 ]; then
  .venv/bin/python -m channels.console --url "http://localhost:$SHELL_PORT"
else
  .venv/bin/python -m channels.console --lines --url "http://localhost:$SHELL_PORT"
fi
