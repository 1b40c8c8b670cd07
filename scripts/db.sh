#!/usr/bin/env bash
# A private PostgreSQL cluster for local development and tests.
#
#   scripts/db.sh start | stop | status | create <db> | drop <db> | conn [db]
#
# The cluster lives in <repo>/.data/postgres (git-ignored), listens on 127.0.0.1 only, on port
# ${CONDUIT_PG_PORT:-55432} (away from a system cluster's 5432), superuser "postgres".
# When run as root, PostgreSQL runs as the "postgres" user (it refuses to run as root); if that
# user cannot reach <repo>/.data (e.g. a clone inside a mode-700 mktemp dir), the cluster lives in
# /var/tmp/conduit-pg-<hash of repo path> instead. Every subcommand derives the same location.
# `status` exits 0 when the cluster runs, 3 when it does not (like pg_ctl status).
# CONDUIT_PG_SHARED_BUFFERS_MB overrides shared_buffers (default: a quarter of the memory, at most 4 GB).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PORT="${CONDUIT_PG_PORT:-55432}"
HOST=127.0.0.1

die() { echo "db.sh: $*" >&2; exit 1; }
say() { echo "db.sh: $*" >&2; }
# shellcheck source=scripts/pg-common.sh
. "$REPO/scripts/pg-common.sh"

# Can the postgres user reach (traverse into) this directory?
pg_can_reach() { as_pg test -x "$1" 2>/dev/null; }

# Where the cluster lives. A pure function of the repo path and its permissions, so start, stop
# and status always agree.
choose_base() {
  BASE="$REPO/.data"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (reinstall the postgresql package)"
    if ! pg_can_reach "$REPO"; then
      BASE="/var/tmp/conduit-pg-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"
    fi
  fi
  DATA="$BASE/postgres"
  SOCK="$BASE/postgres-run"
  LOG="$SOCK/postgres.log"
  # A Unix socket path is limited to 107 bytes; a deep checkout would make the server fail.
  if [ $(( ${#SOCK} + 20 )) -gt 100 ]; then
    SOCK="/tmp/conduit-pg-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"
    LOG="$SOCK/postgres.log"
  fi
}

make_dirs() {
  mkdir -p "$BASE" "$SOCK"
  chmod 700 "$SOCK"
  if is_root; then
    if [ "$BASE" = "$REPO/.data" ]; then
      # .data also holds the JWT key (mode 600 itself); "postgres" only needs to pass through.
      chmod go+x "$BASE"
    else
      chmod 700 "$BASE"
      chown postgres: "$BASE"
    fi
    chown postgres: "$SOCK"
  fi
}

running() { as_pg "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

init_cluster() {
  if [ -d "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
    die "$DATA exists but holds no cluster (no PG_VERSION); remove it and run start again"
  fi
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  if is_root; then chown postgres: "$DATA"; fi
  local locale=(--no-locale)
  # C.UTF-8 keeps byte-order collation (fast, predictable) but lower()/upper() work beyond ASCII.
  if locale -a 2>/dev/null | grep -ix 'c\.utf-\?8' >/dev/null; then locale=(--locale=C.UTF-8); fi
  say "initialising a new cluster in $DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 "${locale[@]}" \
    --auth-local=trust --auth-host=trust >/dev/null
  # Local dev/test cluster: trust, but only over the private socket and loopback TCP.
  cat >"$DATA/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA
  cat >>"$DATA/postgresql.conf" <<CONF

# --- conduit dev/test settings (scripts/db.sh) ---
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200          # parallel test classes and the benchmark each hold a pool
fsync = on                     # keep the data directory crash-safe
synchronous_commit = off       # dev only: a crash may lose the last few commits, never corrupts
log_min_messages = warning
CONF
  if is_root; then chown postgres: "$DATA/pg_hba.conf" "$DATA/postgresql.conf"; fi
}

wait_ready() {
  local i
  for i in $(seq 1 60); do
    "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -U postgres -d postgres && return 0
    sleep 0.5
  done
  tail -n 20 "$LOG" >&2 || true
  die "PostgreSQL did not accept connections on $HOST:$PORT within 30 s"
}

cmd_start() {
  make_dirs
  say "cluster directory: $DATA (port $PORT)"
  if [ -f "$DATA/PG_VERSION" ] && running; then
    local actual
    actual="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)"
    if [ -n "$actual" ] && [ "$actual" != "$PORT" ]; then
      die "the cluster already runs on port $actual, not $PORT; stop it first (scripts/db.sh stop)"
    fi
    wait_ready
    say "already running"
    return
  fi
  # Another checkout's cluster (or any server) on our port would otherwise answer in our place.
  local probe=0
  "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -t 2 || probe=$?
  if [ "$probe" -le 1 ]; then   # 0 accepting, 1 starting up or shutting down, 2 nobody there
    die "port $PORT is taken by another server (another checkout's cluster?); stop it or set CONDUIT_PG_PORT"
  fi
  [ -f "$DATA/PG_VERSION" ] || init_cluster
  if is_root; then touch "$LOG" && chown postgres: "$LOG"; fi
  # -o overrides postgresql.conf, so CONDUIT_PG_PORT and the socket path hold even for an older cluster.
  # shared_buffers: a quarter of the memory (at most 4 GB), PostgreSQL's usual starting point. The OS page cache
  # is no substitute where the host reclaims it eagerly (on this project's VMs it held 1 GB of 24 with 22 free,
  # and searches at L stalled on reads every few seconds); shared memory stays.
  local buffers_mb="${CONDUIT_PG_SHARED_BUFFERS_MB:-$(awk '/^MemTotal:/ { mb = int($2 / 1024 / 4); print (mb > 4096 ? 4096 : (mb < 128 ? 128 : mb)) }' /proc/meminfo)}"
  as_pg "$BIN/pg_ctl" start -D "$DATA" -w -t 30 -l "$LOG" \
    -o "-p $PORT -c listen_addresses=$HOST -c unix_socket_directories='$SOCK' -c shared_buffers=${buffers_mb}MB" >/dev/null \
    || { tail -n 20 "$LOG" >&2 || true; die "pg_ctl start failed (log: $LOG)"; }
  wait_ready
  say "started"
}

cmd_stop() {
  if [ -f "$DATA/PG_VERSION" ] && running; then
    as_pg "$BIN/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null
    say "stopped ($DATA)"
  else
    say "not running ($DATA)"
  fi
}

cmd_status() {
  if [ -f "$DATA/PG_VERSION" ] && running; then
    echo "running: $DATA on $HOST:$PORT"
  else
    echo "not running: $DATA"
    exit 3
  fi
}

psql_admin() {
  PGOPTIONS='-c client_min_messages=warning' PGCONNECT_TIMEOUT=10 \
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres "$@"
}

cmd_create() {
  local db="${1:?usage: db.sh create <dbname>}"
  # Variables are interpolated from stdin only, and :'x' / quote_ident keep any name safe.
  psql_admin -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

cmd_drop() {
  local db="${1:?usage: db.sh drop <dbname>}"
  # FORCE ends leftover sessions (e.g. an API that was killed mid-test).
  psql_admin -v db="$db" <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
SQL
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    conn)
      echo "Host=$HOST;Port=$PORT;Username=postgres;Database=${1:-conduit}"
      return ;;
    start|stop|status|create|drop) ;;
    *)
      echo "usage: scripts/db.sh start | stop | status | create <db> | drop <db> | conn [db]" >&2
      exit 2 ;;
  esac
  PG_CLUSTER=""
  ensure_binaries   # first: installing the package is what creates the "postgres" user
  choose_base
  PG_CLUSTER="$DATA"
  BIN="$(find_bindir)"   # again, now that the cluster's own version is known
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    create) cmd_create "$@" ;;
    drop) cmd_drop "$@" ;;
  esac
}

main "$@"
