#!/usr/bin/env bash
# The scale-out deployment on one machine (`make run-cluster`; docs/deploying.md):
#   - PostgreSQL (tracker store) and Redis (lock store): used if already running at
#     POSTGRES_HOST:POSTGRES_PORT / REDIS_HOST:REDIS_PORT, otherwise a private instance
#     is started under $CLUSTER_DIR (Debian packages, installed when missing);
#   - Rasa replicas and action servers, each on its own port;
#   - nginx in front: REST round-robin, socket.io sticky, the chat page, and an
#     internal (loopback) load balancer for the action servers.
# Ctrl-C or SIGTERM stops everything this script started (a PostgreSQL or Redis that
# was already running is left alone). A replica that stops is reported and the rest
# carry on; one that crashes (killed, out of memory: any exit but a clean stop) is
# started again, as Kubernetes restarts a crashed pod, unless it crashes again within
# CLUSTER_RESTART_AFTER seconds of that restart (30: a replica that cannot start stays
# down; CLUSTER_RESTART_CRASHED=0 turns restarting off). The script gives up only when no
# Rasa replica or no action server is left, or nginx, Redis or the chat page stops.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
PY=$ROOT/.venv/bin/python
RASA=$ROOT/.venv/bin/rasa

die() { echo "run_cluster: $*" >&2; exit 1; }
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
port_list() {  # base count -> "base,base+1,..."
  local out=() i
  for ((i = 0; i < $2; i++)); do out+=($(($1 + i))); done
  (IFS=,; echo "${out[*]}")
}

# ------------------------------------------------------------------ settings
export CLUSTER_DIR CLUSTER_LOG_DIR
CLUSTER_DIR=$(abspath "${CLUSTER_DIR:-var/cluster}")
CLUSTER_LOG_DIR=$(abspath "${CLUSTER_LOG_DIR:-logs/cluster}")
export CLUSTER_RASA_PORTS=${CLUSTER_RASA_PORTS:-$(port_list "${CLUSTER_RASA_BASE_PORT:-5401}" "${CLUSTER_RASA_REPLICAS:-2}")}
export CLUSTER_ACTION_PORTS=${CLUSTER_ACTION_PORTS:-$(port_list "${CLUSTER_ACTION_BASE_PORT:-5461}" "${CLUSTER_ACTION_REPLICAS:-2}")}
export CLUSTER_BIND=${CLUSTER_BIND:-127.0.0.1}          # Rasa replicas and action servers
export CLUSTER_LB_BIND=${CLUSTER_LB_BIND:-127.0.0.1}    # nginx's public server
export CLUSTER_LB_PORT=${CLUSTER_LB_PORT:-8490}
export CLUSTER_ACTION_LB_PORT=${CLUSTER_ACTION_LB_PORT:-5450}
export CLUSTER_WEB_PORT=${CLUSTER_WEB_PORT:-8491}
export CLUSTER_PUBLIC_URL=${CLUSTER_PUBLIC_URL:-http://localhost:$CLUSTER_LB_PORT}
# The chat page's origin(s), space-separated: CORS and the socket.io origin check
# (ops/config.py). The page is served through nginx, so: nginx's URL.
export CORS_ORIGIN=${CORS_ORIGIN:-$CLUSTER_PUBLIC_URL}
read -ra cors_origins <<<"$CORS_ORIGIN"
export CLUSTER_NGINX_DIR=$CLUSTER_DIR/nginx CLUSTER_REDIS_DIR=$CLUSTER_DIR/redis
MODEL=$(abspath "${CLUSTER_MODEL:-models/her2-assistant.tar.gz}")
ENDPOINTS=$(abspath "${CLUSTER_ENDPOINTS:-deploy/endpoints.cluster.yml}")
PG_DIR=$CLUSTER_DIR/postgres
SECRETS=$CLUSTER_DIR/secrets

# What deploy/endpoints.cluster.yml reads (Rasa refuses to start if one is unset).
export POSTGRES_HOST=${POSTGRES_HOST:-127.0.0.1} POSTGRES_PORT=${POSTGRES_PORT:-5433}
export POSTGRES_DB=${POSTGRES_DB:-rasa} POSTGRES_USER=${POSTGRES_USER:-rasa}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6380} REDIS_DB=${REDIS_DB:-1}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$CLUSTER_ACTION_LB_PORT/webhook}
# Rasa's SQLAlchemy pool per replica (its defaults, 50 + 100, would let three replicas
# open more connections than PostgreSQL's default max_connections of 100).
export SQL_POOL_SIZE=${SQL_POOL_SIZE:-5} SQL_MAX_OVERFLOW=${SQL_MAX_OVERFLOW:-10}

[ -x "$RASA" ] || die "$RASA not found: run \`make install\` first"
[ -f "$MODEL" ] || die "no model at $MODEL: run \`make train\` first"
[ -f "$ENDPOINTS" ] || die "no endpoints file at $ENDPOINTS"
IFS=, read -r -a RASA_PORTS <<<"$CLUSTER_RASA_PORTS"
IFS=, read -r -a ACTION_PORTS <<<"$CLUSTER_ACTION_PORTS"
[ ${#RASA_PORTS[@]} -ge 1 ] && [ ${#ACTION_PORTS[@]} -ge 1 ] || die "no ports for the replicas"

mkdir -p "$CLUSTER_DIR" "$CLUSTER_LOG_DIR" "$CLUSTER_DIR/pids" "$SECRETS"
chmod 700 "$SECRETS"
rm -f "$CLUSTER_DIR/ready" "$CLUSTER_DIR"/pids/*.pid

# Passwords: from the environment, else generated once into $CLUSTER_DIR/secrets/.
# REDIS_PASSWORD set to an empty string means a Redis without a password.
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  POSTGRES_PASSWORD=$("$PY" -m ops.cluster_config secret "$SECRETS/postgres_password") || exit 1
fi
if [ -z "${REDIS_PASSWORD+set}" ]; then
  REDIS_PASSWORD=$("$PY" -m ops.cluster_config secret "$SECRETS/redis_password") || exit 1
fi
export POSTGRES_PASSWORD REDIS_PASSWORD

is_root() { [ "$(id -u)" -eq 0 ]; }
is_loopback() { case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# Servers never run as root: postgres and redis as their Debian users. setpriv execs,
# so a background `setpriv ... server` has the server's pid.
as_user_prefix() {  # user -> sets AS_USER to the command prefix
  AS_USER=()
  if is_root && id "$1" >/dev/null 2>&1; then
    AS_USER=(setpriv --reuid="$1" --regid="$1" --init-groups --)
  fi
}
as_user() { local user=$1; shift; as_user_prefix "$user"; "${AS_USER[@]}" "$@"; }

# ------------------------------------------------------------------ Debian packages
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
REDIS_SERVER=$(command -v redis-server || echo /usr/bin/redis-server)
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
need_postgres=0; need_redis=0
port_open "$POSTGRES_HOST" "$POSTGRES_PORT" || need_postgres=1
port_open "$REDIS_HOST" "$REDIS_PORT" || need_redis=1
missing=()
[ -x "$NGINX" ] || missing+=(nginx)
[ $need_redis = 0 ] || [ -x "$REDIS_SERVER" ] || missing+=(redis-server)
[ $need_postgres = 0 ] || [ -n "$(pg_bin)" ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""
  if ! is_root; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    sudo=sudo
  fi
  $sudo apt-get update -qq || die "apt-get update failed"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  REDIS_SERVER=$(command -v redis-server || echo /usr/bin/redis-server)
fi

# ------------------------------------------------------------------ process bookkeeping
pids=(); names=(); declare -A exited=() commands=() started_at=()
pg_started=0
start() {  # name command... : runs in the background, output in $CLUSTER_LOG_DIR/name.log
  local name=$1; shift
  "$@" >"$CLUSTER_LOG_DIR/$name.log" 2>&1 &
  pids+=($!); names+=("$name")
  commands[$name]=$(printf '%q ' "$@")
  echo $! >"$CLUSTER_DIR/pids/$name.pid"
}

restart() {  # index : the same command again, its output appended to the same log
  local i=$1 name=${names[$1]}
  eval "exec ${commands[$name]}" >>"$CLUSTER_LOG_DIR/$name.log" 2>&1 &
  pids[$i]=$!; unset "exited[$i]"; started_at[$name]=$SECONDS
  echo $! >"$CLUSTER_DIR/pids/$name.pid"
}

crashed() {  # exit status : anything but a clean stop (0, or SIGTERM/SIGINT's 143/130)
  case $1 in 0|130|143) return 1 ;; *) return 0 ;; esac
}

stop_postgres() {
  [ $pg_started = 1 ] || return 0
  as_user postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
    || as_user postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  pg_started=0
}

stop_matching() {  # seconds pattern... : SIGTERM to those processes, SIGKILL after the time
  local seconds=$1; shift
  local i pattern chosen=() deadline
  for i in "${!pids[@]}"; do
    for pattern in "$@"; do
      # shellcheck disable=SC2053
      if [[ ${names[$i]} == $pattern ]]; then chosen+=("$i"); kill -TERM "${pids[$i]}" 2>/dev/null; fi
    done
  done
  deadline=$((SECONDS + seconds))
  for i in "${chosen[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -KILL "${pids[$i]}" 2>/dev/null; then
      echo "${names[$i]} did not stop within $seconds s: killed." >&2
    fi
  done
}

cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping the cluster ..."
  rm -f "$CLUSTER_DIR/ready"
  # Front first (no new traffic), then the servers, which finish the messages in flight
  # while Redis and PostgreSQL are still there, then Redis and PostgreSQL.
  stop_matching 10 nginx
  stop_matching 30 'rasa-*' 'action-*' web
  stop_matching 10 redis
  wait 2>/dev/null
  stop_postgres
  rm -f "$CLUSTER_DIR"/pids/*.pid
  echo "Stopped."
}
trap 'exit 0' INT TERM     # a requested stop is not an error (as in `make run`)
trap cleanup EXIT

# ------------------------------------------------------------------ PostgreSQL
start_postgres() {
  if [ $need_postgres = 0 ]; then
    echo "PostgreSQL is already running at $POSTGRES_HOST:$POSTGRES_PORT: using it" \
         "(database $POSTGRES_DB, user $POSTGRES_USER must exist)."
    return 0
  fi
  is_loopback "$POSTGRES_HOST" || die "PostgreSQL at $POSTGRES_HOST:$POSTGRES_PORT is not reachable"
  local bin; bin=$(pg_bin)
  mkdir -p "$PG_DIR/data" "$PG_DIR/run"
  touch "$CLUSTER_LOG_DIR/postgres.log"
  if is_root; then chown -R postgres:postgres "$PG_DIR" "$CLUSTER_LOG_DIR/postgres.log"; fi
  chmod 700 "$PG_DIR" "$PG_DIR/data" "$PG_DIR/run"
  if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
    echo "Creating a private PostgreSQL cluster in $PG_DIR/data ..."
    as_user postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >>"$CLUSTER_LOG_DIR/postgres.log" 2>&1 \
      || die "initdb failed; see $CLUSTER_LOG_DIR/postgres.log"
    echo "include_if_exists = 'cluster.conf'" >>"$PG_DIR/data/postgresql.conf"
  fi
  # Rewritten at every start (ports may change); the socket directory is private, so
  # local "trust" reaches only this cluster's owner. TCP needs the password (scram).
  cat >"$PG_DIR/data/cluster.conf" <<CONF
listen_addresses = '$POSTGRES_HOST'
port = $POSTGRES_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 100
CONF
  if is_root; then chown postgres:postgres "$PG_DIR/data/cluster.conf"; fi
  as_user postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$CLUSTER_LOG_DIR/postgres.log" -w -t 60 \
    start >/dev/null || die "PostgreSQL did not start; see $CLUSTER_LOG_DIR/postgres.log"
  pg_started=1
  # The role and database from POSTGRES_USER / POSTGRES_DB, the password from
  # POSTGRES_PASSWORD (read from the environment, never on a command line).
  as_user postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/run" -p "$POSTGRES_PORT" \
    -U postgres -d postgres >>"$CLUSTER_LOG_DIR/postgres.log" 2>&1 <<'SQL' \
    || die "could not create the PostgreSQL role/database; see $CLUSTER_LOG_DIR/postgres.log"
\getenv db_user POSTGRES_USER
\getenv db_password POSTGRES_PASSWORD
\getenv db_name POSTGRES_DB
SELECT format('CREATE ROLE %I LOGIN', :'db_user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'db_user') \gexec
ALTER ROLE :"db_user" WITH LOGIN PASSWORD :'db_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'db_user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db_name') \gexec
SQL
  echo "PostgreSQL started on $POSTGRES_HOST:$POSTGRES_PORT (data in $PG_DIR/data)."
}

# ------------------------------------------------------------------ Redis
start_redis() {
  if [ $need_redis = 0 ]; then
    echo "Redis is already running at $REDIS_HOST:$REDIS_PORT: using it."
    return 0
  fi
  is_loopback "$REDIS_HOST" || die "Redis at $REDIS_HOST:$REDIS_PORT is not reachable"
  mkdir -p "$CLUSTER_REDIS_DIR"
  "$PY" -m ops.cluster_config redis "$CLUSTER_REDIS_DIR/redis.conf" || exit 1
  if is_root && id redis >/dev/null 2>&1; then chown -R redis:redis "$CLUSTER_REDIS_DIR"; fi
  chmod 700 "$CLUSTER_REDIS_DIR"
  as_user_prefix redis
  start redis "${AS_USER[@]}" "$REDIS_SERVER" "$CLUSTER_REDIS_DIR/redis.conf"
  local deadline=$((SECONDS + 20))
  until port_open "$REDIS_HOST" "$REDIS_PORT"; do
    [ $SECONDS -lt $deadline ] && kill -0 "${pids[-1]}" 2>/dev/null \
      || die "Redis did not start; see $CLUSTER_LOG_DIR/redis.log"
    sleep 0.2
  done
  echo "Redis started on $REDIS_HOST:$REDIS_PORT (memory only)."
}

# ------------------------------------------------------------------ start
echo "Starting the cluster: ${#RASA_PORTS[@]} Rasa replicas ($CLUSTER_RASA_PORTS)," \
     "${#ACTION_PORTS[@]} action servers ($CLUSTER_ACTION_PORTS); logs in $CLUSTER_LOG_DIR/"
start_postgres
start_redis

# Credentials as for `make run`: the hardened channels, socket.io allowed_origins from
# CORS_ORIGIN, messaging apps whose variables are set. (The endpoints file it also writes
# is make run's SQLite one: ours is deploy/endpoints.cluster.yml.)
"$PY" -m ops config "$CLUSTER_DIR/run" || exit 1
rm -f "$CLUSTER_DIR/run/endpoints.yml"

for port in "${ACTION_PORTS[@]}"; do
  start "action-$port" env SANIC_HOST="$CLUSTER_BIND" \
    "$PY" -m ops actions --actions actions --port "$port"
done
# `rasa run` through the launcher (ops/config.py), as in `make run`: the HTTP API only with
# RASA_ENABLE_API=true and a token (docs/security.md; nginx routes no API path).
for port in "${RASA_PORTS[@]}"; do
  start "rasa-$port" "$PY" -m ops rasa run --model "$MODEL" \
    --interface "$CLUSTER_BIND" --port "$port" --endpoints "$ENDPOINTS" \
    --credentials "$CLUSTER_DIR/run/credentials.yml" --cors "${cors_origins[@]}"
done
start web "$PY" -m ops web --bind 127.0.0.1 --port "$CLUSTER_WEB_PORT" \
  --rasa-url "$CLUSTER_PUBLIC_URL"

mkdir -p "$CLUSTER_NGINX_DIR/temp"
"$PY" -m ops.cluster_config nginx "$CLUSTER_NGINX_DIR/nginx.conf" || exit 1
nginx_args=(-p "$CLUSTER_NGINX_DIR" -c "$CLUSTER_NGINX_DIR/nginx.conf" -e "$CLUSTER_LOG_DIR/nginx-error.log")
"$NGINX" -t -q "${nginx_args[@]}" || die "invalid nginx configuration ($CLUSTER_NGINX_DIR/nginx.conf)"
start nginx "$NGINX" "${nginx_args[@]}" -g 'daemon off;'

urls=("http://127.0.0.1:$CLUSTER_LB_PORT/lb-health" "http://127.0.0.1:$CLUSTER_WEB_PORT/healthz"
      "http://127.0.0.1:$CLUSTER_ACTION_LB_PORT/health")
for port in "${ACTION_PORTS[@]}"; do urls+=("http://127.0.0.1:$port/health"); done
for port in "${RASA_PORTS[@]}"; do urls+=("http://127.0.0.1:$port/"); done
echo "Waiting for the servers (each Rasa replica loads the model: ~20 s or more) ..."
ready_deadline=$((SECONDS + ${READY_TIMEOUT:-300}))
while true; do
  # In the background, so that Ctrl-C / SIGTERM are handled at once.
  "$PY" -m ops wait --timeout 2 "${urls[@]}" 2>/dev/null &
  wait $! && break
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null \
      || die "${names[$i]} stopped while starting; see $CLUSTER_LOG_DIR/${names[$i]}.log"
  done
  # READY_TIMEOUT=0: no time limit (the bench's scaling run watches for a stall instead).
  if [ "${READY_TIMEOUT:-300}" != 0 ] && [ $SECONDS -ge $ready_deadline ]; then
    "$PY" -m ops wait --timeout 1 "${urls[@]}"
    die "not ready after ${READY_TIMEOUT:-300} s; see $CLUSTER_LOG_DIR/"
  fi
done
date +%s >"$CLUSTER_DIR/ready"
cat <<MSG

  The HER2 assistant is running as a cluster.
  Chat in your browser:  $CLUSTER_PUBLIC_URL/
  REST webhook:          $CLUSTER_PUBLIC_URL/webhooks/rest/webhook
  Rasa replicas:         ${RASA_PORTS[*]}
  Action servers:        ${ACTION_PORTS[*]}, behind $ACTION_ENDPOINT_URL
  Tracker store:         PostgreSQL $POSTGRES_HOST:$POSTGRES_PORT, database $POSTGRES_DB
  Lock store:            Redis $REDIS_HOST:$REDIS_PORT, db $REDIS_DB

  Press Ctrl-C to stop.
MSG

# ------------------------------------------------------------------ watch
rasa_alive() { local i; for i in "${!names[@]}"; do [[ ${names[$i]} == rasa-* ]] && [ -z "${exited[$i]:-}" ] && return 0; done; return 1; }
action_alive() { local i; for i in "${!names[@]}"; do [[ ${names[$i]} == action-* ]] && [ -z "${exited[$i]:-}" ] && return 0; done; return 1; }
while true; do
  if [ -n "${CLUSTER_WATCH_PID:-}" ] && ! kill -0 "$CLUSTER_WATCH_PID" 2>/dev/null; then
    echo "Process $CLUSTER_WATCH_PID (CLUSTER_WATCH_PID) is gone." >&2
    exit 1
  fi
  for i in "${!pids[@]}"; do
    [ -n "${exited[$i]:-}" ] && continue
    kill -0 "${pids[$i]}" 2>/dev/null && continue
    wait "${pids[$i]}"; exited[$i]=$?
    rm -f "$CLUSTER_DIR/pids/${names[$i]}.pid"
    echo "$(date +%T) ${names[$i]} stopped (exit status ${exited[$i]}); see $CLUSTER_LOG_DIR/${names[$i]}.log" >&2
    case ${names[$i]} in
      nginx|redis|web) echo "The cluster cannot run without ${names[$i]}." >&2; exit 1 ;;
      rasa-*|action-*)
        if [ "${CLUSTER_RESTART_CRASHED:-1}" = 1 ] && crashed "${exited[$i]}"; then
          restarted=${started_at[${names[$i]}]:-}   # (empty: never restarted)
          if [ -z "$restarted" ] || [ $((SECONDS - restarted)) -ge "${CLUSTER_RESTART_AFTER:-30}" ]; then
            echo "$(date +%T) ${names[$i]} crashed: starting it again." >&2
            restart "$i"
          else
            echo "${names[$i]} crashed again within ${CLUSTER_RESTART_AFTER:-30} s of its restart: left stopped." >&2
          fi
        fi ;;
    esac
  done
  rasa_alive || { echo "No Rasa replica is left." >&2; exit 1; }
  action_alive || { echo "No action server is left." >&2; exit 1; }
  sleep 1 & wait $!
done
