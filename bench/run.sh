#!/usr/bin/env bash
# Benchmark: seeds a database at a named scale, starts the Release build of the API against it and
# measures each scenario with wrk (loopback only, each run bounded), then the database's own ceiling
# for the article list with pgbench running the handler's SQL. The mixed 90/10 load runs with the
# staleness checker (bench/staleness.sh) alongside: a read that misses an acknowledged write fails the run.
# The uncached rows are measured against a second API process with Cache__Enabled=false on BENCH_PORT+1.
#
#   bench/run.sh [S|M|L] [--reseed]
#
# Environment: BENCH_DURATION (default 15s, in seconds), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
# BENCH_PORT (5058; the uncached API takes BENCH_UNCACHED_PORT, default BENCH_PORT+1), BENCH_ONLY (a regex:
# run only the scenarios whose name matches; the ceiling is always measured), CONDUIT_PG_PORT (private
# cluster port, default 55432). Results: a table on stdout and in bench/results/. Exit status 1 when the
# staleness checker saw a stale read (or could not check), after the whole table is printed.
set -euo pipefail

SCALE="${1:-M}"
RESEED=0
[ "${2:-}" = "--reseed" ] && RESEED=1
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
PORT="${BENCH_PORT:-5058}"
URL="http://127.0.0.1:$PORT"
UNCACHED_URL="http://127.0.0.1:${BENCH_UNCACHED_PORT:-$((PORT + 1))}"
DB="conduit_bench_$(tr '[:upper:]' '[:lower:]' <<<"$SCALE")"

case "$SCALE" in
  S) users=100;    articles=1000;    favs=5;  follows=5;  comments=3000;    tags=100 ;;
  M) users=10000;  articles=100000;  favs=50; follows=20; comments=300000;  tags=1000 ;;
  L) users=100000; articles=1000000; favs=50; follows=20; comments=3000000; tags=10000 ;;
  *) echo "usage: bench/run.sh [S|M|L] [--reseed]" >&2; exit 2 ;;
esac

db() { bash "$REPO/scripts/db.sh" "$@"; }
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n 1)"
PORT_PG="${CONDUIT_PG_PORT:-55432}"
psql_db() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT_PG" -U postgres -d "$DB" "$@"; }

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
  else
    echo "wrk is missing: sudo apt-get install -y wrk" >&2; exit 1
  fi
fi

api_pid=""
uncached_pid=""
checker_pid=""
TMP="$(mktemp -d)"
stop() { if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  stop "$checker_pid"; stop "$uncached_pid"; stop "$api_pid"
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build Api.csproj -c Release -nologo -v q >/dev/null
DLL="$REPO/bin/Release/net10.0/Api.dll"

echo "== database $DB (scale $SCALE)"
db start >/dev/null 2>&1
CONN="$(db conn "$DB")${BENCH_CONN_EXTRA:-}"
seeded="$(psql_db -tA -c "SELECT scale FROM bench_seed" 2>/dev/null || true)"
if [ "$RESEED" -eq 1 ] || [ "$seeded" != "$SCALE" ]; then
  db drop "$DB" && db create "$DB"
  ConnectionStrings__Database="$CONN" Jwt__SigningKey="$(head -c 48 /dev/urandom | base64)" Logging__LogLevel__Default=Warning \
    dotnet "$DLL" --migrate
  started=$(date +%s)
  psql_db -v users=$users -v articles=$articles -v favorites_per_user=$favs -v follows_per_user=$follows \
    -v comments=$comments -v tags=$tags -v scale="$SCALE" -f "$REPO/bench/seed.sql" >/dev/null
  echo "seeded $SCALE in $(( $(date +%s) - started )) s"
else
  echo "already seeded at $SCALE (--reseed to start over)"
fi
echo "prewarmed $(psql_db -tA -f "$REPO/bench/prewarm.sql") relations into shared_buffers"

# start_api PID_VAR URL LOG [NAME=VALUE ...]: the Release API in Production on URL, default settings but
# the given ones; its process id goes into PID_VAR at once (the cleanup stops it), and it returns once
# /health/live answers. Both APIs share one signing key, so the bench user's token works on either.
SIGNING_KEY="$(head -c 48 /dev/urandom | base64)"
start_api() {
  local var="$1" url="$2" log="$3"
  shift 3
  env ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Database="$CONN" Jwt__SigningKey="$SIGNING_KEY" "$@" \
    dotnet "$DLL" --urls "$url" >"$log" 2>&1 &
  printf -v "$var" %s "$!"
  for _ in $(seq 1 120); do
    curl -sf "$url/health/live" >/dev/null 2>&1 && return 0
    kill -0 "${!var}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.5
  done
  echo "the API on $url did not answer /health/live within 60 s" >&2; cat "$log" >&2; exit 1
}

echo "== API on $URL"
start_api api_pid "$URL" "$TMP/api.log"

# A user registered through the API (a real password hash), following 20 seeded authors and with
# 50 favorites, so that the feed and favorited lists are as full as a seeded user's.
bench_user="bench_$(date +%s)_$RANDOM"
export BENCH_EMAIL="$bench_user@bench.test" BENCH_PASSWORD="bench-password-1"
reply="$(curl -sf -X POST "$URL/api/users" -H 'Content-Type: application/json' \
  -d "{\"user\":{\"username\":\"$bench_user\",\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}}")"
TOKEN="$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$reply")"
psql_db -v name="$bench_user" -v users=$users -v articles=$articles <<'SQL'
INSERT INTO follows (follower_id, followee_id)
SELECT u.id, 1 + (j * 499) % :users FROM users u, generate_series(1, 20) AS j WHERE u.username = :'name';
WITH added AS (
  INSERT INTO favorites (user_id, article_id)
  SELECT u.id, 1 + (j * 1999) % :articles FROM users u, generate_series(1, 50) AS j WHERE u.username = :'name'
  ON CONFLICT DO NOTHING
  RETURNING article_id
)
UPDATE articles a SET favorites_count = a.favorites_count + 1 FROM added WHERE a.id = added.article_id;
SQL

LUA="$REPO/bench/lua/request.lua"
RESULTS="$REPO/bench/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/$SCALE-$(date -u +%Y%m%dT%H%M%SZ).md"

selected() { [ -z "${BENCH_ONLY:-}" ] || grep -Eq "$BENCH_ONLY" <<<"$1"; }

# wrk's own summary, reduced to: req/s p50 p99 non-2xx (against URL, or the third argument)
run_wrk() {
  local name="$1" path="$2" base="${3:-$URL}" out
  selected "$name" || return 0
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$base$path" 2>"$TMP/wrk.err")"
  if [ -s "$TMP/wrk.err" ]; then
    echo "  $name failures (first 5 distinct):" >&2
    sort "$TMP/wrk.err" | uniq -c | sort -rn | head -n 5 >&2
  fi
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")"
  errors="${errors:-0}"
  sock="$(awk '/Socket errors/ {print $0}' <<<"$out")"
  [ -n "$sock" ] && errors="$errors ($sock)"
  printf '| %-28s | %9s | %8s | %8s | %s |\n' "$name" "$rps" "$p50" "$p99" "$errors" | tee -a "$OUT"
  LAST_RPS="$rps"
}

# The mixed load's writes go to the articles on the three pages it reads (the newest 60 as the API lists
# them: earlier runs' created articles included), so that every write makes pages being read stale.
BENCH_HOT="$(for offset in 0 20 40; do curl -sf "$URL/api/articles?limit=20&offset=$offset" | jq -r '.articles[].slug'; done | tr '\n' ' ')" || BENCH_HOT=""
[ -n "$BENCH_HOT" ] || { echo "could not list the articles the mixed load writes to" >&2; exit 1; }
export BENCH_HOT

echo "== warm-up"
# At full concurrency (the pool opens all its connections) and long enough for tiered compilation to
# settle on the hot paths; then a pause for the load to drop.
for path in /api/articles /api/tags /api/articles/article-1 "/api/articles?tag=tag_1"; do
  BENCH_MODE=get wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$URL$path" >/dev/null 2>&1
done
BENCH_MODE=get BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$URL/api/articles/feed" >/dev/null 2>&1
BENCH_MODE=mixed BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$URL/api/articles" >/dev/null 2>&1
sleep 5

{
  echo "# Conduit benchmark, scale $SCALE"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo),"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on the same machine, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| scenario                     |     req/s |      p50 |      p99 | non-2xx |"
  echo "| ---------------------------- | --------: | -------: | -------: | ------- |"
} | tee "$OUT"

seconds="${DURATION%s}"
STALE_FAILURES=()

# The read cache's lookups so far on the API at $1 (its /metrics): "<hits> <misses>", or "-" when /metrics
# has no such series (the cache's meter not exported, or nothing looked up yet: the cache off).
cache_lookups() {
  local text
  text="$(curl -sf "$1/metrics")" || text=""
  # name{labels} value [timestamp]
  awk '/^conduit_cache_lookups_total/ { seen = 1; v = $0; sub(/^[^}]*\} */, "", v); split(v, f, " ")
                                        if ($0 ~ /result="hit"/) h += f[1]; else if ($0 ~ /result="miss"/) m += f[1] }
       END { if (seen) printf "%d %d", h, m; else printf "-" }' <<<"$text"
}

# run_mixed NAME WRITE_URL [READ_URL ...]: the mixed 90/10 load on WRITE_URL with the staleness checker
# alongside for the same time, its writes to WRITE_URL and its reads through every READ_URL (default
# WRITE_URL); a row for the load and one for the checker, whose failures fail the run at the end.
run_mixed() {
  local name="$1" base="$2" reads
  shift 2
  selected "$name" || return 0
  reads=("${@:-$base}")
  local before after
  before="$(cache_lookups "$base")"
  BENCH_TOKEN="$TOKEN" bash "$REPO/bench/staleness.sh" "$base" "$seconds" "$TMP/stale.out" "${reads[@]}" \
    2>"$TMP/stale.err" &
  checker_pid=$!
  BENCH_MODE=mixed BENCH_TOKEN="$TOKEN" run_wrk "$name" "/api/articles" "$base"
  # The checker stops at the same deadline; its requests time out after 10 s, so this wait is bounded.
  wait "$checker_pid" || true
  checker_pid=""
  after="$(cache_lookups "$base")"
  HIT_LINES+=("cache hits during $name: $(awk -v b="$before" -v a="$after" 'BEGIN {
    if (a == "-") { printf "unknown (no conduit_cache_lookups_total in /metrics)"; exit }
    if (b == "-") b = "0 0"
    split(b, x, " "); split(a, y, " "); h = y[1] - x[1]; n = h + y[2] - x[2]
    if (n > 0) printf "%.0f %% of %d lookups", 100 * h / n, n; else printf "no lookups" }')")
  local checks=0 stale=0 errors=1 verdict
  [ -s "$TMP/stale.out" ] && read -r checks stale errors <"$TMP/stale.out"
  rm -f "$TMP/stale.out"
  if [ "$stale" -gt 0 ] || [ "$errors" -gt 0 ] || [ "$checks" -eq 0 ]; then
    verdict="FAIL: $stale stale, $errors errors"
    STALE_FAILURES+=("$name: $checks checks, $stale stale, $errors errors")
    sed 's/^/  /' "$TMP/stale.err" >&2
  else
    verdict="0 stale"
  fi
  printf '| %-28s | %9s | %8s | %8s | %s |\n' "  staleness checker" "$checks checks" "" "" "$verdict" | tee -a "$OUT"
  local line="staleness ($name; reads via ${reads[*]}): $checks checks, $stale stale"
  [ "$errors" -eq 0 ] || line="$line, $errors errors"
  STALE_LINES+=("$line")
}
STALE_LINES=()
HIT_LINES=()

export BENCH_ARTICLES="$articles"
LAST_RPS=0
BENCH_MODE=get run_wrk "HTTP floor (/health/live)" "/health/live"
LAST_RPS=""; BENCH_MODE=get run_wrk "articles (anonymous)" "/api/articles"; list_rps="$LAST_RPS"
BENCH_MODE=get BENCH_TOKEN="$TOKEN" run_wrk "articles (authenticated)" "/api/articles"
BENCH_MODE=get BENCH_TOKEN="$TOKEN" run_wrk "feed" "/api/articles/feed"
BENCH_MODE=get run_wrk "articles by tag" "/api/articles?tag=tag_7"
BENCH_MODE=get run_wrk "articles by author" "/api/articles?author=user_42"
BENCH_MODE=get run_wrk "articles by favorited" "/api/articles?favorited=user_42"
BENCH_MODE=get run_wrk "one article" "/api/articles/article-$((articles / 2))"
BENCH_MODE=get run_wrk "its comments" "/api/articles/article-$((articles / 2))/comments"
BENCH_MODE=get run_wrk "tags" "/api/tags"
BENCH_MODE=get run_wrk "one profile" "/api/profiles/user_42"
BENCH_MODE=create BENCH_TOKEN="$TOKEN" run_wrk "create article (write)" "/api/articles"
BENCH_MODE=favorite BENCH_TOKEN="$TOKEN" run_wrk "favorite + unfavorite (write)" "/api/articles"
LAST_RPS=""; run_mixed "mixed 90/10 (list + favorite)" "$URL"; mixed_rps="$LAST_RPS"
BENCH_MODE=login run_wrk "login (PBKDF2, CPU-bound)" "/api/users/login"

rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$api_pid/status")"

# The same list and mixed load against a second process with the read cache off (every read goes to the
# database), warmed up the same way. The checker writes there and reads through both processes: the
# cached one must show another instance's acknowledged writes too.
uncached_list_rps=""
uncached_mixed_rps=""
if selected "articles (uncached)" || selected "mixed 90/10 (uncached)"; then
  start_api uncached_pid "$UNCACHED_URL" "$TMP/api-uncached.log" Cache__Enabled=false
  BENCH_MODE=get wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$UNCACHED_URL/api/articles" >/dev/null 2>&1
  BENCH_MODE=mixed BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$UNCACHED_URL/api/articles" >/dev/null 2>&1
  sleep 5
  LAST_RPS=""; BENCH_MODE=get run_wrk "articles (uncached)" "/api/articles" "$UNCACHED_URL"; uncached_list_rps="$LAST_RPS"
  LAST_RPS=""; run_mixed "mixed 90/10 (uncached)" "$UNCACHED_URL" "$UNCACHED_URL" "$URL"; uncached_mixed_rps="$LAST_RPS"
  stop "$uncached_pid"; uncached_pid=""
fi

# The ceiling: PostgreSQL alone running the anonymous list statements (count + page), prepared, same
# concurrency and time. A viewer id that matches nobody plans like the API's NULL parameter.
pgbench_out="$("$BIN/pgbench" -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$seconds" \
  -h 127.0.0.1 -p "$PORT_PG" -U postgres -f "$REPO/bench/list-articles.sql" "$DB" 2>&1)" || { echo "$pgbench_out" >&2; exit 1; }
ceiling="$(awk '/^tps =/ {print $3}' <<<"$pgbench_out")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
{
  echo
  echo "API peak RSS (VmHWM): $((rss_kb / 1024)) MB"
  echo "ceiling (pgbench, article list SQL): $ceiling tps; API ÷ ceiling = $(ratio "$list_rps" "$ceiling")"
  echo "articles (anonymous): cached ÷ uncached = $(ratio "$list_rps" "$uncached_list_rps")"
  echo "mixed 90/10: cached ÷ uncached = $(ratio "$mixed_rps" "$uncached_mixed_rps") (target ≥ 2)"
  for line in "${HIT_LINES[@]}" "${STALE_LINES[@]}"; do echo "$line"; done
  for failure in "${STALE_FAILURES[@]}"; do echo "FAIL: a read after an acknowledged write missed it ($failure)"; done
} | tee -a "$OUT"
echo "results: $OUT"
[ "${#STALE_FAILURES[@]}" -eq 0 ] || exit 1
