#!/usr/bin/env bash
# Deep pages and search at a seeded scale: PostgreSQL alone (pgbench, 8 clients) on the article list's own
# statements at offset 0, at offset DEPTH, and after a cursor at DEPTH (the keyset predicate the API uses),
# then the API under wrk (8 connections) for ?q= searches, cached (the default) and with the cache off. Every run is bounded
# (BENCH_DURATION, default 10s). Seeds through bench/run.sh when the scale is not there yet.
#
#   bench/paging.sh [S|M|L]        DEPTH (default: M 90000, L 100000, S 900)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
SCALE="${1:-M}"
DB="conduit_bench_$(tr '[:upper:]' '[:lower:]' <<<"$SCALE")"
case "$SCALE" in S) depth=900 ;; M) depth=90000 ;; L) depth=100000 ;; *) echo "scale: S, M or L" >&2; exit 2 ;; esac
DEPTH="${DEPTH:-$depth}"
DURATION="${BENCH_DURATION:-10s}"
SECONDS_RUN="${DURATION%s}"
PORT="${BENCH_PORT:-5059}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n 1)"
PORT_PG="${CONDUIT_PG_PORT:-55432}"
psql_db() { "$BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT_PG" -U postgres -d "$DB" "$@"; }

if [ "$(psql_db -c "SELECT scale FROM bench_seed" 2>/dev/null || true)" != "$SCALE" ]; then
  echo "== seeding $SCALE (bench/run.sh, no scenarios)"
  BENCH_ONLY='^$' BENCH_DURATION=2s bash "$REPO/bench/run.sh" "$SCALE" >/dev/null
fi
command -v wrk >/dev/null || { echo "wrk is missing (bench/run.sh installs it)" >&2; exit 1; }
psql_db -f "$REPO/bench/prewarm.sql" >/dev/null

TMP="$(mktemp -d)"
api_pid=""
cleanup() { if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi; rm -rf "$TMP"; }
trap cleanup EXIT

# The unfiltered list exactly as the API runs it (bench/list-articles.sql is kept identical by a test),
# at offset 0, at offset DEPTH, and with the API's keyset predicate after the article at DEPTH.
read -r after_time after_id < <(psql_db -F ' ' -c "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), id FROM articles ORDER BY created_at DESC, id DESC OFFSET $DEPTH LIMIT 1")
grep -v '^\\set offset' bench/list-articles.sql >"$TMP/offset.sql"
sed -e 's/^WHERE NOT a.hidden$/WHERE NOT a.hidden AND (a.created_at, a.id) < (:after_time::timestamptz, :after_id)/' -e 's/OFFSET :offset/OFFSET 0/' \
  bench/list-articles.sql | grep -v '^\\set offset' >"$TMP/keyset.sql"
grep -q 'after_time' "$TMP/keyset.sql" || { echo "could not derive the keyset statement from bench/list-articles.sql" >&2; exit 1; }

run_pgbench() {
  local name="$1" file="$2"; shift 2
  local out; out="$("$BIN/pgbench" -n -c 8 -j 2 -T "$SECONDS_RUN" -h 127.0.0.1 -p "$PORT_PG" -U postgres "$@" -f "$file" "$DB" 2>&1)"
  printf '| %-34s | %10s | %10s |\n' "$name" "$(awk '/^tps =/ {printf "%.0f", $3}' <<<"$out")" "$(awk '/latency average/ {print $4 " ms"}' <<<"$out")"
}

echo "# Deep pages and search, scale $SCALE, depth $DEPTH ($(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| PostgreSQL alone, 8 clients        |        tps |    latency |"
echo "| ---------------------------------- | ---------: | ---------: |"
run_pgbench "list page at offset 0" "$TMP/offset.sql" -D offset=0 -D viewer=0 -D limit=20
run_pgbench "list page at offset $DEPTH" "$TMP/offset.sql" -D offset="$DEPTH" -D viewer=0 -D limit=20
run_pgbench "list page after a cursor at $DEPTH" "$TMP/keyset.sql" -D after_time="'$after_time'" -D after_id="$after_id" -D viewer=0 -D limit=20

echo
# Two APIs: the default configuration (a repeated search is answered from the read cache) and one with
# Cache__Enabled=false, where every search runs its SQL: what a search nobody made recently costs.
dotnet build Api.csproj -c Release -nologo -v q >/dev/null
start_api() {
  ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Database="Host=127.0.0.1;Port=$PORT_PG;Username=postgres;Database=$DB" \
  Jwt__SigningKey="$(head -c 48 /dev/urandom | base64)" "$@" \
    dotnet "$REPO/bin/Release/net10.0/Api.dll" --urls "http://127.0.0.1:$PORT" >"$TMP/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null; then
      # JIT and pool warm-up on a search nobody measures, so a row's p99 is not its process's first seconds.
      wrk -t2 -c8 -d3s "http://127.0.0.1:$PORT/api/articles?q=warm%20up&limit=20" >/dev/null 2>&1
      return
    fi
    sleep 0.5
  done
  echo "the API did not start" >&2; cat "$TMP/api.log" >&2; exit 1
}
articles="$(psql_db -c "SELECT count(*) FROM articles")"
wrk_row() {
  local name="$1"; shift
  local out; out="$("$@" 2>&1)"
  printf '| %-34s | %10s | %5s | %5s |\n' "$name" \
    "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
  grep -q "Non-2xx" <<<"$out" && echo "  (non-2xx answers: $(awk '/Non-2xx/ {print $NF}' <<<"$out"))"
  return 0
}
# Eight searchers, each search a different one (bench/lua/request.lua, mode search).
search_mix() {
  BENCH_MODE=search BENCH_ARTICLES="$articles" wrk -t2 -c8 -d"$DURATION" --latency --timeout 10s -s bench/lua/request.lua "http://127.0.0.1:$PORT"
}
register_writer() {
  local name="paging$RANDOM$RANDOM"
  curl -sf -H 'Content-Type: application/json' -d "{\"user\":{\"username\":\"$name\",\"email\":\"$name@bench.test\",\"password\":\"bench-password-1\"}}" \
    "http://127.0.0.1:$PORT/api/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["token"])'
}
echo "| API under wrk, 8 connections       |      req/s |   p50 |   p99 |"
echo "| ---------------------------------- | ---------: | ----: | ----: |"
for cache in true false; do
  start_api env Cache__Enabled=$cache
  for q in "article%20$((DEPTH / 3))" "lorem" "%22dolor%20sit%22%20-nothing" "'%3B%20DROP%20TABLE%20articles%3B--"; do
    # Searched once first: what a search costs the first time is the last table's, not every client's stall.
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/articles?q=$q&limit=20"
    wrk_row "q=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$q")$([ $cache = false ] && echo ' (uncached)')" \
      wrk -t2 -c8 -d"$DURATION" --latency --timeout 10s "http://127.0.0.1:$PORT/api/articles?q=$q&limit=20"
  done
  # The search mix the first time, its broad searches counted for the first time (no kept counts), then again;
  # with the cache on, also while one client keeps creating articles, which makes every cached search stale.
  if [ $cache = true ]; then
    psql_db -c "DELETE FROM search_counts"
    wrk_row "search mix, its first run" search_mix
  fi
  wrk_row "search mix$([ $cache = false ] && echo ' (uncached)')" search_mix
  if [ $cache = true ]; then
    writer="$(register_writer)"
    BENCH_MODE=create BENCH_TOKEN="$writer" wrk -t1 -c1 -d"$DURATION" -s bench/lua/request.lua "http://127.0.0.1:$PORT" >"$TMP/writes.txt" 2>&1 &
    writes_pid=$!
    wrk_row "search mix, 1 client creating" search_mix
    wait "$writes_pid"
    echo "  (creates meanwhile: $(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$TMP/writes.txt")/s)"
  fi
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
done

# A broad search nobody has made yet is counted once, in full; its count is then kept (migration 0015), and the
# same search on another page (another cache entry) adds only the changes since.
echo
echo "| a broad search never made before   |   first |  again, page 2 |"
echo "| ---------------------------------- | ------: | -------------: |"
start_api
for i in 1 2 3; do
  q="lorem%20-novel$RANDOM$i"
  first="$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/articles?q=$q&limit=20")"
  again="$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/articles?q=$q&limit=20&offset=20")"
  awk -v first="$first" -v again="$again" 'BEGIN { printf "| %-34s | %5.0f ms | %10.1f ms |\n", "q=lorem -novel…", first * 1000, again * 1000 }'
done
