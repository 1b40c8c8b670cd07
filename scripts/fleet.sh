#!/usr/bin/env bash
# A local multi-instance deployment, loopback only:
#
#   nginx 127.0.0.1:8080  →  N API instances 127.0.0.1:5101..  →  PostgreSQL primary 15440
#                                                                   └─ streaming replica 55441 (hot standby)
#
#   scripts/fleet.sh up | down | status | restart
#   scripts/fleet.sh replica-stop | replica-start | destroy   (used by scripts/fleet-check.sh)
#
#   up       starts whatever is not running yet (idempotent), prints the URL
#   down     stops nginx, the instances, the replica, the primary (idempotent)
#   status   what runs; exit 0 when everything runs, 3 otherwise
#   destroy  down, then removes the state directory (and the clusters, wherever they live)
#   restart  builds a new release, then rolling restart: one instance at a time is taken out of
#            nginx, drained, stopped (SIGTERM), started on the new release, checked ready, put back
#
# All state lives in ${CONDUIT_FLEET_DIR:-<repo>/.data/fleet} (git-ignored): releases/ (a copy of the
# Release build per build, so a rebuild of bin/ never swaps files under running instances), api-<i>/
# (each instance's working directory), api-<i>.log/.pid, nginx.conf and nginx's logs, pid and temp
# paths, the shared JWT key (jwt-signing-key). When run as root, PostgreSQL runs as "postgres"; if
# that user cannot reach the state directory, the clusters live in /var/tmp/conduit-fleet-<hash>.
#
# Environment: CONDUIT_FLEET_DIR, CONDUIT_FLEET_INSTANCES (3), CONDUIT_FLEET_API_BASE (5101),
# CONDUIT_FLEET_PORT (8080, nginx), CONDUIT_FLEET_PG_PORT (15440; the replica uses +1),
# CONDUIT_FLEET_BUILD (1; 0 = reuse the last release when one exists, for up only).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
STATE="${CONDUIT_FLEET_DIR:-$REPO/.data/fleet}"
N="${CONDUIT_FLEET_INSTANCES:-3}"
API_BASE="${CONDUIT_FLEET_API_BASE:-5101}"
LB_PORT="${CONDUIT_FLEET_PORT:-8080}"
# Below the kernel's ephemeral range (32768-60999): the replica restarts under load, and a client
# connection's local port must never be holding the port it listens on.
PG_PORT="${CONDUIT_FLEET_PG_PORT:-15440}"
REPLICA_PORT=$((PG_PORT + 1))
HOST=127.0.0.1
SLOT=conduit_fleet_replica
DBNAME=conduit

die() { echo "fleet.sh: $*" >&2; exit 1; }
say() { echo "fleet.sh: [$(date +%T)] $*" >&2; }
# shellcheck source=scripts/pg-common.sh
. "$REPO/scripts/pg-common.sh"

[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "CONDUIT_FLEET_INSTANCES must be a positive number"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd -P)"

# --- PostgreSQL ------------------------------------------------------------------------------

# Where the clusters live: a pure function of the state path, so every subcommand agrees.
choose_pg_base() {
  local hash
  hash="$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
  PGBASE="$STATE"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (reinstall the postgresql package)"
    # "postgres" only needs to pass through the directories above the clusters.
    local d="$STATE"
    while [ "$d" != / ] && [ "$d" != "$REPO" ] && [[ "$d" == "$REPO"/* ]]; do chmod go+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
    as_pg test -x "$STATE" 2>/dev/null || PGBASE="/var/tmp/conduit-fleet-$hash"
  fi
  PRIMARY="$PGBASE/pg-primary"
  REPLICA="$PGBASE/pg-replica"
  SOCK="$PGBASE/pg-run"
  # A Unix socket path is limited to 107 bytes.
  if [ $(( ${#SOCK} + 20 )) -gt 100 ]; then SOCK="/tmp/conduit-fleet-$hash"; fi
}

pg_dirs() {
  mkdir -p "$PGBASE" "$SOCK"
  chmod 700 "$SOCK"
  if is_root; then
    [ "$PGBASE" = "$STATE" ] || { chmod 700 "$PGBASE"; chown postgres: "$PGBASE"; }
    chown postgres: "$SOCK"
  fi
}

pg_running() { [ -f "$1/PG_VERSION" ] && as_pg "$BIN/pg_ctl" status -D "$1" >/dev/null 2>&1; }

pg_wait() {   # port, log
  local i
  for i in $(seq 1 60); do
    "$BIN/pg_isready" -q -h "$HOST" -p "$1" -U postgres -d postgres && return 0
    sleep 0.5
  done
  tail -n 20 "$2" >&2 || true
  die "PostgreSQL did not accept connections on $HOST:$1 within 30 s (log: $2)"
}

pg_port_free() {
  local probe=0
  "$BIN/pg_isready" -q -h "$HOST" -p "$1" -t 2 || probe=$?
  [ "$probe" -le 1 ] && die "port $1 is taken by another server; stop it or set CONDUIT_FLEET_PG_PORT"
  return 0
}

pg_start() {   # datadir, port
  local log="$1.log"
  if is_root; then touch "$log" && chown postgres: "$log"; fi
  as_pg "$BIN/pg_ctl" start -D "$1" -w -t 60 -l "$log" \
    -o "-p $2 -c listen_addresses=$HOST -c unix_socket_directories='$SOCK'" >/dev/null \
    || { tail -n 20 "$log" >&2 || true; die "pg_ctl start failed for $1 (log: $log)"; }
  pg_wait "$2" "$log"
}

pg_stop() {   # datadir
  if pg_running "$1"; then as_pg "$BIN/pg_ctl" stop -D "$1" -m fast -w -t 60 >/dev/null; say "stopped $(basename "$1")"; fi
}

psql_primary() {
  PGOPTIONS='-c client_min_messages=warning' PGCONNECT_TIMEOUT=10 \
    "$BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres "$@"
}

init_primary() {
  if [ -d "$PRIMARY" ] && [ -n "$(ls -A "$PRIMARY" 2>/dev/null)" ]; then
    die "$PRIMARY exists but holds no cluster; remove it (or run: scripts/fleet.sh down && rm -rf $STATE)"
  fi
  mkdir -p "$PRIMARY"; chmod 700 "$PRIMARY"
  if is_root; then chown postgres: "$PRIMARY"; fi
  local locale=(--no-locale)
  if locale -a 2>/dev/null | grep -ix 'c\.utf-\?8' >/dev/null; then locale=(--locale=C.UTF-8); fi
  say "initialising the primary in $PRIMARY"
  as_pg "$BIN/initdb" -D "$PRIMARY" -U postgres -E UTF8 "${locale[@]}" \
    --auth-local=trust --auth-host=trust >/dev/null
  # Trust, but only over the private socket and loopback TCP; the replica connects as "replication".
  cat >"$PRIMARY/pg_hba.conf" <<'HBA'
# TYPE  DATABASE     USER  ADDRESS       METHOD
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
host    replication  all   127.0.0.1/32  trust
HBA
  # pg_basebackup copies this file, so the replica gets the same settings (hot_standby applies there).
  cat >>"$PRIMARY/postgresql.conf" <<CONF

# --- conduit fleet settings (scripts/fleet.sh) ---
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$SOCK'
max_connections = 200          # N instances x (primary pool + replica pool) + tools
shared_buffers = 128MB
wal_level = replica            # enough WAL for a physical streaming replica
max_wal_senders = 5
max_replication_slots = 5      # the replica's slot keeps WAL until it has replayed it (even while stopped)
wal_keep_size = 256MB
hot_standby = on               # the replica answers read-only queries while it replays
hot_standby_feedback = on      # long reads on the replica are not cancelled by vacuum on the primary
log_min_messages = warning
CONF
  if is_root; then chown postgres: "$PRIMARY/pg_hba.conf" "$PRIMARY/postgresql.conf"; fi
}

make_replica() {
  say "making the streaming replica in $REPLICA (pg_basebackup -R -X stream)"
  rm -rf "$REPLICA"
  mkdir -p "$REPLICA"; chmod 700 "$REPLICA"   # pg_basebackup fills an existing empty directory
  if is_root; then chown postgres: "$REPLICA"; fi
  # A slot left over from an earlier replica would keep WAL forever; start from a fresh one.
  psql_primary -v slot="$SLOT" <<'SQL' >/dev/null
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :'slot';
SQL
  as_pg "$BIN/pg_basebackup" -h "$HOST" -p "$PG_PORT" -U postgres -D "$REPLICA" \
    -R -X stream -C -S "$SLOT" --checkpoint=fast >/dev/null \
    || die "pg_basebackup failed"
}

conn() { echo "Host=$HOST;Port=$1;Username=postgres;Database=$DBNAME"; }

# --- API instances ---------------------------------------------------------------------------

api_port() { echo $((API_BASE + $1 - 1)); }
api_pidfile() { echo "$STATE/api-$1.pid"; }

# The pid in the file is alive, not a zombie, and still the API on that instance's port.
api_pid() {
  local f pid
  f="$(api_pidfile "$1")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--urls http://$HOST:$(api_port "$1")" || return 1
  echo "$pid"
}

http_code() { curl -s -o /dev/null -m "${2:-5}" -w '%{http_code}' "$1" 2>/dev/null || true; }

build_release() {
  local dll out rel
  say "dotnet build Api.csproj -c Release"
  (cd "$REPO" && dotnet build Api.csproj -c Release -nologo -v q) >"$STATE/build.log" 2>&1 \
    || { tail -n 30 "$STATE/build.log" >&2; die "build failed (log: $STATE/build.log)"; }
  # Ask MSBuild where the build put the assembly (as test.sh does).
  dll="$(cd "$REPO" && dotnet msbuild Api.csproj -nologo -getProperty:TargetPath -p:Configuration=Release 2>/dev/null | tail -n 1)"
  [ -f "$dll" ] || dll="$REPO/bin/Release/net10.0/Api.dll"
  [ -f "$dll" ] || die "built assembly not found"
  out="$(dirname "$dll")"
  rel="$STATE/releases/$(date -u +%Y%m%dT%H%M%S)-$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo local)"
  mkdir -p "$STATE/releases"
  rm -rf "$rel"; cp -a "$out" "$rel"
  ln -sfn "$rel" "$STATE/current"
  echo "$(basename "$dll")" >"$STATE/current-dll"
  # Keep the three newest releases (a running instance keeps its files open even if removed).
  ls -1d "$STATE"/releases/*/ 2>/dev/null | sort | head -n -3 | xargs -r rm -rf
  say "release $(basename "$rel")"
}

ensure_release() {
  if [ "${CONDUIT_FLEET_BUILD:-1}" = 0 ] && [ -f "$STATE/current/$(cat "$STATE/current-dll" 2>/dev/null)" ]; then return; fi
  [ "${BUILT:-0}" = 1 ] || { build_release; BUILT=1; }
}

jwt_key() {
  local f="$STATE/jwt-signing-key"
  if [ ! -s "$f" ]; then
    (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' >"$f")
  fi
  cat "$f"
}

api_start() {
  local i="$1" port dir dll log pid
  port="$(api_port "$i")"
  if [ "$(http_code "http://$HOST:$port/health/live" 2)" != 000 ]; then
    die "port $port already answers (not this fleet's instance $i); stop it or set CONDUIT_FLEET_API_BASE"
  fi
  dir="$STATE/api-$i"; mkdir -p "$dir"
  dll="$(readlink -f "$STATE/current")/$(cat "$STATE/current-dll")"
  log="$STATE/api-$i.log"
  echo "--- $(date -u +%FT%TZ) start on $port, $(basename "$(dirname "$dll")")" >>"$log"
  # Its own working directory, on purpose: the API must find its appsettings by itself.
  # setsid + nohup: the instance outlives this script and the terminal.
  (
    cd "$dir"
    export ASPNETCORE_ENVIRONMENT=Production
    export ConnectionStrings__Database="$(conn "$PG_PORT")"
    export ConnectionStrings__ReadReplica="$(conn "$REPLICA_PORT")"
    export Jwt__SigningKey="$JWT_KEY"
    exec setsid nohup dotnet "$dll" --urls "http://$HOST:$port" </dev/null >>"$log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$(api_pidfile "$i")"
}

api_wait_ready() {
  local i="$1" port pid t
  port="$(api_port "$i")"
  for t in $(seq 1 180); do
    [ "$(http_code "http://$HOST:$port/health/ready" 2)" = 200 ] && return 0
    pid="$(cat "$(api_pidfile "$i")" 2>/dev/null || true)"
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
      say "instance $i exited before it was ready; last lines of $STATE/api-$i.log:"
      tail -n 40 "$STATE/api-$i.log" >&2
      die "instance $i did not start"
    fi
    sleep 0.5
  done
  say "instance $i on $port not ready within 90 s; last lines of $STATE/api-$i.log:"
  tail -n 40 "$STATE/api-$i.log" >&2
  die "instance $i did not become ready"
}

# SIGTERM: the listener closes, requests in flight finish (Shutdown:Timeout, 30 s), then it exits.
api_stop() {
  local i="$1" pid t
  pid="$(api_pid "$i")" || { rm -f "$(api_pidfile "$i")"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for t in $(seq 1 90); do
    api_pid "$i" >/dev/null || { rm -f "$(api_pidfile "$i")"; return 0; }
    sleep 0.5
  done
  say "instance $i (pid $pid) still runs 45 s after SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(api_pidfile "$i")"
}

# --- nginx -----------------------------------------------------------------------------------

NGX_PREFIX="$STATE/nginx"
NGX_CONF="$STATE/nginx.conf"
NGX_PID="$STATE/nginx.pid"
ngx() { nginx -p "$NGX_PREFIX/" -c "$NGX_CONF" -e "$STATE/nginx-error.log" "$@"; }

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && return
  is_root && command -v apt-get >/dev/null 2>&1 || die "nginx is missing: sudo apt-get install -y nginx"
  say "installing nginx"
  # The package's own service stays off where policy-rc.d forbids starts; we never use it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >&2 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >&2; } \
    || die "apt-get install -y nginx failed"
}

ngx_master() {
  local pid
  [ -f "$NGX_PID" ] || return 1
  pid="$(cat "$NGX_PID")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "nginx: master" || return 1
  echo "$pid"
}

ngx_workers() { local m; m="$(ngx_master)" && pgrep -P "$m" | sort || true; }

# The configuration, with instance $1 (optional) marked down.
write_nginx_conf() {
  local down="${1:-0}" i user=""
  mkdir -p "$NGX_PREFIX" "$STATE/nginx-temp"
  is_root && user="user root;                 # workers as the invoking user: the state directory stays private"
  {
    cat <<CONF
# Generated by scripts/fleet.sh — edits are overwritten on every up/restart.
$user
worker_processes 2;               # one per core of the target box
pid $NGX_PID;
error_log $STATE/nginx-error.log warn;
# On reload, old workers finish their requests, then exit; streams (SSE) still open after this are cut
# and the client reconnects (a little longer than the API's own Shutdown:Timeout of 30 s).
worker_shutdown_timeout 35s;

events { worker_connections 4096; }

http {
    log_format fleet '\$remote_addr [\$time_iso8601] "\$request" \$status \$body_bytes_sent '
                     'upstream=\$upstream_addr upstream_status=\$upstream_status rt=\$request_time';
    access_log $STATE/nginx-access.log fleet;
    client_body_temp_path $STATE/nginx-temp/client_body;
    proxy_temp_path       $STATE/nginx-temp/proxy;
    fastcgi_temp_path     $STATE/nginx-temp/fastcgi;
    uwsgi_temp_path       $STATE/nginx-temp/uwsgi;
    scgi_temp_path        $STATE/nginx-temp/scgi;
    server_tokens off;                # no nginx version in headers or error pages

    upstream conduit {
        # Passive health: one failed attempt (connect error, timeout, 502/503 — see proxy_next_upstream)
        # takes a server out of rotation for 5 s, then it is tried again. Readiness is fleet.sh's job.
CONF
    for i in $(seq 1 "$N"); do
      if [ "$i" = "$down" ]; then
        echo "        server $HOST:$(api_port "$i") down;   # draining for a rolling restart"
      else
        echo "        server $HOST:$(api_port "$i") max_fails=1 fail_timeout=5s;"
      fi
    done
    cat <<CONF
        # Idle connections kept open to the instances (per worker): no TCP handshake per request.
        keepalive 32;
        # Close idle upstream connections well before Kestrel does (its KeepAliveTimeout is 130 s), so
        # nginx never reuses a connection the API is closing (a POST on one would fail, not retry).
        keepalive_timeout 30s;
    }

    server {
        listen $HOST:$LB_PORT;
        # Let the API answer too-large bodies itself (413 in the contract's error shape, limit 1 MB).
        client_max_body_size 8m;

        location / {
            proxy_pass http://conduit;
            # HTTP/1.1 and an empty Connection header are what make upstream keepalive work.
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The client's address and scheme for the API (ForwardedHeaders trusts loopback proxies).
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A refused/reset connection, a timeout, 502 or 503 → the request goes to the next instance.
            # nginx only does this for idempotent methods, or before any byte reached an upstream:
            # a POST/PATCH that an instance received is never sent twice.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries $N;      # each instance at most once
            proxy_next_upstream_timeout 10s;
            proxy_connect_timeout 2s;          # loopback: a live instance accepts at once
            # No buffering either way: responses (server-sent events) reach the client as they are
            # written, request bodies stream to the API (so they cannot be replayed to another instance).
            proxy_buffering off;
            proxy_request_buffering off;
            # Long-lived streams: an idle SSE connection is not cut for an hour.
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
}
CONF
  } >"$NGX_CONF.tmp"
  mv "$NGX_CONF.tmp" "$NGX_CONF"
  ngx -t -q || die "nginx rejected $NGX_CONF"
}

# Reload and wait until the workers of the previous configuration are gone (bounded): after that,
# no connection to a server marked down is left open.
ngx_reload() {
  local old t w left
  old="$(ngx_workers)"
  ngx -s reload
  for t in $(seq 1 80); do
    left=0
    for w in $old; do [ -d "/proc/$w" ] && [ "$(awk '{print $3}' "/proc/$w/stat" 2>/dev/null)" != Z ] && left=1; done
    [ "$left" = 0 ] && [ -n "$(ngx_workers)" ] && return 0
    sleep 0.25
  done
  say "old nginx workers still busy after 20 s (long streams?); continuing"
}

ngx_start() {
  if ngx_master >/dev/null; then ngx_reload; return; fi
  if [ "$(http_code "http://$HOST:$LB_PORT/" 2)" != 000 ]; then
    die "port $LB_PORT already answers; stop that server or set CONDUIT_FLEET_PORT"
  fi
  ngx || die "nginx did not start (see $STATE/nginx-error.log)"
  local t
  for t in $(seq 1 40); do ngx_master >/dev/null && return 0; sleep 0.25; done
  die "nginx did not write its pid file"
}

ngx_stop() {
  local pid t
  pid="$(ngx_master)" || return 0
  ngx -s stop 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for t in $(seq 1 40); do [ -d "/proc/$pid" ] || { say "stopped nginx"; return 0; }; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
}

# --- commands --------------------------------------------------------------------------------

all_running() {
  local i
  pg_running "$PRIMARY" && pg_running "$REPLICA" && ngx_master >/dev/null || return 1
  for i in $(seq 1 "$N"); do api_pid "$i" >/dev/null || return 1; done
}

cmd_status() {
  local i pid lag ok=0
  if pg_running "$PRIMARY"; then echo "primary   running  $HOST:$PG_PORT  $PRIMARY"; else echo "primary   stopped"; ok=3; fi
  if pg_running "$REPLICA"; then
    # From the primary's side: is it streaming, and how many bytes of WAL it has not replayed yet.
    lag="$(psql_primary -c "SELECT state || ', ' || pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) || ' bytes behind' FROM pg_stat_replication WHERE application_name <> 'pg_basebackup' LIMIT 1" 2>/dev/null || true)"
    [ -n "$lag" ] || lag="not streaming"
    echo "replica   running  $HOST:$REPLICA_PORT  $REPLICA ($lag)"
  else echo "replica   stopped"; ok=3; fi
  for i in $(seq 1 "$N"); do
    if pid="$(api_pid "$i")"; then
      echo "api-$i     running  $HOST:$(api_port "$i")  pid $pid, /health/ready $(http_code "http://$HOST:$(api_port "$i")/health/ready" 3), log $STATE/api-$i.log"
    else echo "api-$i     stopped  ($HOST:$(api_port "$i"))"; ok=3; fi
  done
  if pid="$(ngx_master)"; then echo "nginx     running  http://$HOST:$LB_PORT  pid $pid, config $NGX_CONF"; else echo "nginx     stopped"; ok=3; fi
  return $ok
}

cmd_up() {
  local i started=()
  if all_running; then cmd_status || true; echo "fleet already up: http://$HOST:$LB_PORT"; return; fi
  ensure_nginx
  pg_dirs
  if ! pg_running "$PRIMARY"; then
    pg_port_free "$PG_PORT"
    [ -f "$PRIMARY/PG_VERSION" ] || init_primary
    pg_start "$PRIMARY" "$PG_PORT"
    say "primary on $HOST:$PG_PORT"
  fi
  psql_primary -v db="$DBNAME" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  if ! pg_running "$REPLICA"; then
    pg_port_free "$REPLICA_PORT"
    [ -f "$REPLICA/PG_VERSION" ] && [ -f "$REPLICA/standby.signal" ] || make_replica
    pg_start "$REPLICA" "$REPLICA_PORT"
    say "replica on $HOST:$REPLICA_PORT"
  fi
  JWT_KEY="$(jwt_key)"
  for i in $(seq 1 "$N"); do
    api_pid "$i" >/dev/null && continue
    ensure_release
    api_start "$i"; started+=("$i")
  done
  for i in "${started[@]}"; do api_wait_ready "$i"; say "api-$i ready on $HOST:$(api_port "$i")"; done
  write_nginx_conf
  ngx_start
  cmd_status || true
  echo "fleet up: http://$HOST:$LB_PORT"
}

cmd_down() {
  local i pids=()
  ngx_stop
  # SIGTERM every instance first, then wait: they drain in parallel.
  for i in $(seq 1 "$N"); do
    if pid="$(api_pid "$i")"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$i"); fi
  done
  for i in "${pids[@]}"; do api_stop "$i"; say "stopped api-$i"; done
  pg_stop "$REPLICA"
  pg_stop "$PRIMARY"
  echo "fleet down"
}

cmd_restart() {
  local i
  all_running || die "not everything runs (scripts/fleet.sh status); use up first"
  build_release
  JWT_KEY="$(jwt_key)"
  for i in $(seq 1 "$N"); do
    say "api-$i: out of rotation"
    write_nginx_conf "$i"; ngx_reload
    sleep 1     # in case a client connection to an old worker was just handed a request
    say "api-$i: SIGTERM, draining"
    api_stop "$i"
    api_start "$i"
    api_wait_ready "$i"
    write_nginx_conf; ngx_reload
    say "api-$i: back in rotation ($(basename "$(readlink -f "$STATE/current")"))"
  done
  echo "rolling restart done: http://$HOST:$LB_PORT"
}

cmd_destroy() {
  cmd_down
  rm -rf "$PRIMARY" "$REPLICA" "$SOCK"
  [ "$PGBASE" = "$STATE" ] || rm -rf "$PGBASE"
  rm -rf "$STATE"
  echo "fleet state removed: $STATE"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up|down|status|restart|replica-stop|replica-start|destroy) ;;
    *) echo "usage: scripts/fleet.sh up | down | status | restart | replica-stop | replica-start | destroy" >&2; exit 2 ;;
  esac
  PG_CLUSTER=""
  ensure_binaries
  choose_pg_base
  PG_CLUSTER="$PRIMARY"
  BIN="$(find_bindir)"
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    restart) cmd_restart ;;
    destroy) cmd_destroy ;;
    replica-stop) pg_stop "$REPLICA" ;;
    replica-start) pg_running "$REPLICA" || pg_start "$REPLICA" "$REPLICA_PORT" ;;
  esac
}

main "$@"
