#!/usr/bin/env bash
# Live updates under load: two API instances (Production, logs at Warning) on a fresh database of the
# private cluster, the load tool (bench/live/Program.cs) holding comment streams and writing comments.
#   bench/live/run.sh scale     LIVE_STREAMS (5000) streams on instance A, writes through B: RSS of A, delay, loss
#   bench/live/run.sh restart   LIVE_STREAMS (1000) streams over A and B, A restarted (SIGTERM) mid-run: loss, duplicates
# Ports: CONDUIT_PG_PORT (cluster), LIVE_API_BASE (5301, 5302). Every run is bounded.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
MODE="${1:-scale}"
BASE="${LIVE_API_BASE:-5301}"
DB="conduit_live_bench"
TMP="$(mktemp -d)"
db() { bash "$REPO/scripts/db.sh" "$@"; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

db start >/dev/null 2>&1
db drop "$DB" >/dev/null 2>&1 || true
db create "$DB" >/dev/null
CONN="$(db conn "$DB")"
KEY="$(head -c 48 /dev/urandom | base64)"
dotnet build "$REPO/Api.csproj" -c Release -nologo -v q >/dev/null
dotnet build "$REPO/bench/live/LiveLoad.csproj" -c Release -nologo -v q >/dev/null
DLL="$REPO/bin/Release/net10.0/Api.dll"
LOAD="$REPO/bench/live/bin/Release/net10.0/LiveLoad.dll"
ConnectionStrings__Database="$CONN" Jwt__SigningKey="$KEY" Logging__LogLevel__Default=Warning dotnet "$DLL" --migrate >/dev/null

declare -A instance_pid
start_instance() { # index
  local port=$((BASE + $1))
  ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Database="$CONN" Jwt__SigningKey="$KEY" \
  Logging__LogLevel__Default=Warning AbuseProtection__SignUpsPerAddress__Limit=1000 Shutdown__Timeout=00:00:10 \
    dotnet "$DLL" --urls "http://127.0.0.1:$port" >>"$TMP/api-$1.log" 2>&1 &
  instance_pid[$1]=$!
  pids+=("$!")
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  cat "$TMP/api-$1.log"; exit 1
}
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }

start_instance 0
start_instance 1
A="http://127.0.0.1:$BASE" B="http://127.0.0.1:$((BASE + 1))"
echo "== idle RSS: A $(rss "${instance_pid[0]}") MB, B $(rss "${instance_pid[1]}") MB"

if [ "$MODE" = "scale" ]; then
  STREAMS="${LIVE_STREAMS:-5000}"
  dotnet "$LOAD" --instances "$A,$B" --streams "$STREAMS" --stream-on 0 --write-on 1 --rate "${LIVE_RATE:-10}" --seconds "${LIVE_SECONDS:-30}" >"$TMP/load.log" 2>&1 &
  load=$!; pids+=("$load")
  until grep -q READY "$TMP/load.log" 2>/dev/null; do kill -0 "$load" 2>/dev/null || break; sleep 1; done
  peak=0
  while kill -0 "$load" 2>/dev/null; do
    now=$(rss "${instance_pid[0]}"); [ "$now" -gt "$peak" ] && peak=$now
    sleep 1
  done
  wait "$load" || true
  cat "$TMP/load.log"
  echo "A with $STREAMS streams: RSS peak while streaming $peak MB, VmHWM $(hwm "${instance_pid[0]}") MB"
else
  STREAMS="${LIVE_STREAMS:-1000}"
  dotnet "$LOAD" --instances "$A,$B" --streams "$STREAMS" --stream-on all --write-on 1 --rate "${LIVE_RATE:-20}" --seconds "${LIVE_SECONDS:-40}" --settle 15 >"$TMP/load.log" 2>&1 &
  load=$!; pids+=("$load")
  until grep -q READY "$TMP/load.log" 2>/dev/null; do kill -0 "$load" 2>/dev/null || break; sleep 1; done
  sleep 12
  echo "== SIGTERM A (pid ${instance_pid[0]})"
  started=$(date +%s.%N)
  kill -TERM "${instance_pid[0]}"
  wait "${instance_pid[0]}" || true
  echo "A exited after $(echo "$(date +%s.%N) - $started" | bc) s; starting it again"
  start_instance 0
  wait "$load" || true
  cat "$TMP/load.log"
fi
