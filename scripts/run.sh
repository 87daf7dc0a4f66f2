#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io) and the chat page;
# prints the URL to open. Ctrl-C stops all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
RASA_PORT=${RASA_PORT:-5005}; ACTION_PORT=${ACTION_PORT:-5055}; WEB_PORT=${WEB_PORT:-8080}
HOST=${HOST:-localhost}
# The chat page's origin(s), space-separated: CORS and the socket.io origin check.
export CORS_ORIGIN=${CORS_ORIGIN:-http://$HOST:$WEB_PORT}
read -ra cors_origins <<<"$CORS_ORIGIN"
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
RUN_DIR=${RUN_DIR:-.run}; LOG_DIR=${LOG_DIR:-logs}
mkdir -p var "$RUN_DIR" "$LOG_DIR"
.venv/bin/python scripts/runtime_config.py "$RUN_DIR" || exit 1

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "Stopping ..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  echo "Stopped."
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

.venv/bin/python scripts/action_server.py --actions actions --port "$ACTION_PORT" >"$LOG_DIR/actions.log" 2>&1 &
pids+=($!)
# `rasa run`; the HTTP API only with RASA_ENABLE_API=true and a token (README,
# "Security and privacy"), added by runtime_config.py so no secret is on a command line.
.venv/bin/python scripts/runtime_config.py --exec-rasa run \
  --model models/her2-assistant.tar.gz --port "$RASA_PORT" \
  --endpoints "$RUN_DIR/endpoints.yml" --credentials "$RUN_DIR/credentials.yml" \
  --cors "${cors_origins[@]}" >"$LOG_DIR/rasa.log" 2>&1 &
pids+=($!)
.venv/bin/python scripts/serve_web.py --port "$WEB_PORT" \
  --rasa-url "${PUBLIC_RASA_URL:-http://$HOST:$RASA_PORT}" >"$LOG_DIR/web.log" 2>&1 &
pids+=($!)

echo "Starting (logs in $LOG_DIR/) ..."
if ! .venv/bin/python scripts/wait_ready.py --timeout "${READY_TIMEOUT:-120}" \
     "http://localhost:$ACTION_PORT/health" "http://localhost:$RASA_PORT/" \
     "http://localhost:$WEB_PORT/"; then
  echo "Something failed to start; see $LOG_DIR/rasa.log, actions.log and web.log." >&2
  exit 1
fi
cat <<MSG

  The HER2 assistant is running.
  Chat in your browser:  http://$HOST:$WEB_PORT/
  REST webhook:          http://$HOST:$RASA_PORT/webhooks/rest/webhook

  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
status=$?
# Ctrl-C reaches the servers as well as this script, and the servers stop on it by
# themselves; when one of them is reaped before this script's trap has run, its clean
# exit (0, or 130/143 for SIGINT/SIGTERM) is that same shutdown, not a crash.
case $status in
  0|130|143) stop_all; exit 0 ;;
esac
echo "A process exited (status $status); see $LOG_DIR/." >&2
exit 1
