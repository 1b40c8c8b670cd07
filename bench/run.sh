#!/usr/bin/env bash
# Benchmark: seeds a database at a named scale, starts the Release build of the API against it and
# measures each scenario with wrk (loopback only, each run bounded), then the database's own ceiling
# for the article list with pgbench running the handler's SQL.
#
#   bench/run.sh [S|M|L] [--reseed]
#
# Environment: BENCH_DURATION (default 15s), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_PORT (5058),
# BENCH_ONLY (a regex: run only the scenarios whose name matches; the ceiling is always measured),
# CONDUIT_PG_PORT (private cluster port, default 55432). Results: a table on stdout and in bench/results/.
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
TMP="$(mktemp -d)"
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
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

echo "== API on $URL"
ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Database="$CONN" \
Jwt__SigningKey="$(head -c 48 /dev/urandom | base64)" \
  dotnet "$DLL" --urls "$URL" >"$TMP/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 120); do
  curl -sf "$URL/health/live" >/dev/null 2>&1 && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$TMP/api.log"; exit 1; }
  sleep 0.5
done

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

# wrk's own summary, reduced to: req/s p50 p99 non-2xx
run_wrk() {
  local name="$1" path="$2" out
  if [ -n "${BENCH_ONLY:-}" ] && ! grep -Eq "$BENCH_ONLY" <<<"$name"; then return; fi
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL$path" 2>"$TMP/wrk.err")"
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

echo "== warm-up"
# At full concurrency (the pool opens all its connections) and long enough for tiered compilation to
# settle on the hot paths; then a pause for the load to drop.
for path in /api/articles /api/tags /api/articles/article-1 "/api/articles?tag=tag_1"; do
  BENCH_MODE=get wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$URL$path" >/dev/null 2>&1
done
BENCH_MODE=get BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d4s -s "$LUA" "$URL/api/articles/feed" >/dev/null 2>&1
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

export BENCH_ARTICLES="$articles"
LAST_RPS=0
BENCH_MODE=get run_wrk "HTTP floor (/health/live)" "/health/live"
BENCH_MODE=get run_wrk "articles (anonymous)" "/api/articles"; list_rps="$LAST_RPS"
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
BENCH_MODE=mixed BENCH_TOKEN="$TOKEN" run_wrk "mixed 90/10 (list + favorite)" "/api/articles"
BENCH_MODE=login run_wrk "login (PBKDF2, CPU-bound)" "/api/users/login"

rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$api_pid/status")"

# The ceiling: PostgreSQL alone running the anonymous list statements (count + page), prepared, same
# concurrency and time. A viewer id that matches nobody plans like the API's NULL parameter.
seconds="${DURATION%s}"
pgbench_out="$("$BIN/pgbench" -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$seconds" \
  -h 127.0.0.1 -p "$PORT_PG" -U postgres -f "$REPO/bench/list-articles.sql" "$DB" 2>&1)" || { echo "$pgbench_out" >&2; exit 1; }
ceiling="$(awk '/^tps =/ {print $3}' <<<"$pgbench_out")"
{
  echo
  echo "API peak RSS (VmHWM): $((rss_kb / 1024)) MB"
  echo "ceiling (pgbench, article list SQL): $ceiling tps; API ÷ ceiling = $(awk -v a="$list_rps" -v c="$ceiling" 'BEGIN { printf "%.2f", a / c }')"
} | tee -a "$OUT"
echo "results: $OUT"
