#!/usr/bin/env bash
# The scripted proof that the fleet (scripts/fleet.sh) behaves: brings up a fresh fleet of its own,
# runs the checks through nginx, tears it down, prints one line per check and ends with exactly one
# line "N passed, N failed" (exit 0 only when nothing failed).
#
#   scripts/fleet-check.sh
#
#   appsettings                the instances, started from their own working directory, loaded appsettings.json
#   conformance                the RealWorld suite through nginx over 3 instances (default configuration)
#   live-through-nginx         an event stream through nginx gets comments written via every instance, once; Last-Event-ID resumes
#   kill-9                     read load; one instance is kill -9'ed: 0 failed requests
#   rolling-restart            read + write load during scripts/fleet.sh restart: 0 failed requests,
#                              every acknowledged write readable afterwards
#   throttle-across-instances  wrong-password logins alternating between two instances: 401 x 10, then 429
#                              with Retry-After (the throttle is shared, not per process)
#   replica-stop               anonymous read load; the replica is stopped and started again: 0 x 5xx
#   read-your-writes           writes through one instance read back anonymously at once through the others
#   INFO throughput            GET /api/articles?limit=20 through nginx (3 instances) vs one instance direct
#
# It never touches a developer's fleet: its own state directory and ports (override with
# CONDUIT_FLEET_CHECK_DIR, default <repo>/.data/fleet-check; CONDUIT_FLEET_CHECK_PORT 8090,
# CONDUIT_FLEET_CHECK_API_BASE 5111, CONDUIT_FLEET_CHECK_PG_PORT 15450). The state directory (logs,
# load reports under check/) is kept after the run for inspection and wiped at the start of the next.
# CHECK_LOAD_SECONDS (default 15) sets the length of the kill-9 and replica-stop load phases.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export CONDUIT_FLEET_DIR="${CONDUIT_FLEET_CHECK_DIR:-$REPO/.data/fleet-check}"
export CONDUIT_FLEET_PORT="${CONDUIT_FLEET_CHECK_PORT:-8090}"
export CONDUIT_FLEET_API_BASE="${CONDUIT_FLEET_CHECK_API_BASE:-5111}"
export CONDUIT_FLEET_PG_PORT="${CONDUIT_FLEET_CHECK_PG_PORT:-15450}"
export CONDUIT_FLEET_INSTANCES=3
LB="http://127.0.0.1:$CONDUIT_FLEET_PORT"
API1="http://127.0.0.1:$CONDUIT_FLEET_API_BASE"
API2="http://127.0.0.1:$((CONDUIT_FLEET_API_BASE + 1))"
LOAD="${CHECK_LOAD_SECONDS:-15}"
SUITE="$REPO/../shared/realworld/run-conformance.sh"
WORK="$CONDUIT_FLEET_DIR/check"
STARTED=$(date +%s)

fleet() { bash "$REPO/scripts/fleet.sh" "$@"; }
passed=0
failed=0
pass() { echo "PASS $1: $2"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
note() { echo "-- $*"; }

bg_pids=()
finished=0
on_exit() {
  local rc=$? p
  trap - EXIT
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  fleet down >"$WORK/fleet-down.log" 2>&1 || echo "-- fleet down failed (see $WORK/fleet-down.log)"
  if [ "$finished" -eq 0 ]; then fail "run" "stopped early (exit $rc)"; fi
  echo "-- took $(( $(date +%s) - STARTED )) s; logs in $CONDUIT_FLEET_DIR"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && exit 0
  exit 1
}
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null 2>&1; } \
      || { echo "wrk could not be installed"; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "wrk is missing: sudo apt-get install -y wrk"; echo "0 passed, 1 failed"; exit 1
  fi
fi

# --- a fresh fleet ---------------------------------------------------------------------------
note "fresh fleet in $CONDUIT_FLEET_DIR: nginx $LB, instances :$CONDUIT_FLEET_API_BASE.., primary :$CONDUIT_FLEET_PG_PORT"
fleet destroy >/dev/null 2>&1 || true
mkdir -p "$WORK"
trap on_exit EXIT
if ! fleet up >"$WORK/fleet-up.log" 2>&1; then
  tail -n 40 "$WORK/fleet-up.log"
  fail "fleet-up" "scripts/fleet.sh up failed (log above)"
  exit 1
fi
note "fleet up in $(( $(date +%s) - STARTED )) s"

# The load generators: a wrk script that spreads reads over several paths and counts statuses,
# and a small HTTP client (Python 3 standard library) for users, writes, checks and logins.
cat >"$WORK/reads.lua" <<'LUA'
-- READ_PATHS: comma-separated paths, requested in turn. done() prints "statuses 200=N 503=N ...".
local paths = {}
for p in string.gmatch(os.getenv("READ_PATHS") or "/api/tags", "[^,]+") do paths[#paths + 1] = p end
local threads = {}
local i = 0
counts = {}
function setup(thread) threads[#threads + 1] = thread end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
function response(status) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  local out = {}
  for status, n in pairs(total) do out[#out + 1] = status .. "=" .. n end
  table.sort(out)
  io.write("statuses ", table.concat(out, " "), "\n")
end
LUA

cat >"$WORK/client.py" <<'PY'
import http.client, json, os, random, sys, threading, time, urllib.parse

def call(base, method, path, body=None, token=None, timeout=30):
    """One request on a fresh connection (no keep-alive race with a reloading proxy). (status, headers, json)"""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    headers = {"Connection": "close", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Token " + token
    try:
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        raw = r.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), parsed
    finally:
        c.close()

def register(base, prefix):
    name = "%s%d%d" % (prefix, int(time.time()), random.randint(1000, 9999))
    email, password = name + "@fleet.test", "fleet-password-1"
    deadline = time.time() + 75
    while True:
        s, h, j = call(base, "POST", "/api/users", {"user": {"username": name, "email": email, "password": password}})
        if s == 201:
            print(j["user"]["token"], email)
            return
        if s == 429 and time.time() < deadline:   # an old per-process limiter: wait its window out
            time.sleep(min(int(h.get("retry-after", "5")), 30))
            continue
        sys.exit("register failed: HTTP %s %s" % (s, j))

def seed(base, token, n):
    for k in range(int(n)):
        s, _, j = call(base, "POST", "/api/articles", {"article": {"title": "Seed %d %d" % (k, random.randint(0, 10**9)),
                       "description": "seeded", "body": "seeded by fleet-check", "tagList": ["fleet", "seed"]}}, token)
        if s != 201:
            sys.exit("seed failed: HTTP %s %s" % (s, j))

def writer(base, token, slugs_file, stop_file, max_seconds, nthreads=2):
    lock = threading.Lock()
    stats = {"writes_ok": 0, "writes_failed": 0, "reads_ok": 0, "reads_failed": 0, "failures": {}}
    slugs = []
    deadline = time.time() + float(max_seconds)
    def failed(kind, what):
        with lock:
            stats[kind] += 1
            stats["failures"][what] = stats["failures"].get(what, 0) + 1
    def loop(t):
        n = 0
        while not os.path.exists(stop_file) and time.time() < deadline:
            n += 1
            title = "Fleet %d %d %d" % (t, n, random.randint(0, 10**9))
            try:
                s, _, j = call(base, "POST", "/api/articles", {"article": {"title": title, "description": "rolling",
                               "body": "written during a rolling restart", "tagList": []}}, token)
            except Exception as e:
                failed("writes_failed", "POST " + type(e).__name__); continue
            if s != 201:
                failed("writes_failed", "POST %d" % s); continue
            slug = j["article"]["slug"]
            with lock:
                stats["writes_ok"] += 1; slugs.append(slug)
            for path, tok in (("/api/articles/" + slug, token), ("/api/articles?limit=5", None)):
                try:
                    s, _, _ = call(base, "GET", path, token=tok)
                except Exception as e:
                    failed("reads_failed", "GET " + type(e).__name__); continue
                if s == 200:
                    with lock: stats["reads_ok"] += 1
                else:
                    failed("reads_failed", "GET %d" % s)
    ts = [threading.Thread(target=loop, args=(t,)) for t in range(nthreads)]
    for t in ts: t.start()
    for t in ts: t.join()
    with open(slugs_file, "w") as f:
        f.write("\n".join(slugs) + ("\n" if slugs else ""))
    print(json.dumps(stats))

def verify(base, token, slugs_file):
    slugs = [l.strip() for l in open(slugs_file) if l.strip()]
    missing_primary, missing_anonymous = [], []
    for slug in slugs:
        s, _, _ = call(base, "GET", "/api/articles/" + slug, token=token)
        if s != 200: missing_primary.append("%s:%d" % (slug, s))
    # Anonymous reads may be served by the replica: give replication a moment to catch up.
    deadline = time.time() + 10
    for slug in slugs:
        while True:
            s, _, _ = call(base, "GET", "/api/articles/" + slug)
            if s == 200 or time.time() > deadline: break
            time.sleep(0.2)
        if s != 200: missing_anonymous.append("%s:%d" % (slug, s))
    print(json.dumps({"acknowledged": len(slugs), "missing_authenticated": missing_primary[:5],
                      "missing_authenticated_count": len(missing_primary),
                      "missing_anonymous": missing_anonymous[:5], "missing_anonymous_count": len(missing_anonymous)}))

def fresh(writer_base, reader_bases, token, rounds):
    """Write through one instance, then read anonymously at once through the others (replica and cache)."""
    readers = reader_bases.split(",")
    stale, checked = [], 0
    for k in range(int(rounds)):
        title = "Fresh %d %d" % (k, random.randint(0, 10**9))
        s, _, j = call(writer_base, "POST", "/api/articles", {"article": {"title": title, "description": "fresh",
                       "body": "read back at once", "tagList": ["fresh"]}}, token)
        if s != 201:
            stale.append("POST %d" % s); continue
        slug = j["article"]["slug"]
        for base in readers:
            s, _, j = call(base, "GET", "/api/articles/" + slug)
            checked += 1
            if s != 200 or j["article"]["title"] != title: stale.append("GET %s after create: %d" % (slug, s))
            s, _, j = call(base, "GET", "/api/articles?tag=fresh&limit=1")
            checked += 1
            if s != 200 or not j["articles"] or j["articles"][0]["slug"] != slug: stale.append("list after create of %s" % slug)
        s, _, _ = call(writer_base, "DELETE", "/api/articles/" + slug, token=token)
        for base in readers:
            s, _, _ = call(base, "GET", "/api/articles/" + slug)
            checked += 1
            if s != 404: stale.append("GET %s after delete: %d" % (slug, s))
    print(json.dumps({"checked": checked, "stale": len(stale), "examples": stale[:5]}))

def throttle(base1, base2, email, attempts):
    seq = []
    for k in range(int(attempts)):
        base = (base1, base2)[k % 2]
        s, h, _ = call(base, "POST", "/api/users/login", {"user": {"email": email, "password": "wrong-password"}})
        seq.append({"status": s, "retry_after": h.get("retry-after"), "port": urllib.parse.urlsplit(base).port})
        if len(seq) >= 2 and seq[-1]["status"] == 429 and seq[-2]["status"] == 429:
            break
    print(json.dumps(seq))

if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
PY
client() { python3 "$WORK/client.py" "$@"; }

# "rps non2xx socketerrors statuses" from a wrk report.
wrk_summary() {
  local f="$1" rps non2xx sock statuses
  rps="$(awk '/^Requests\/sec/ {print $2}' "$f")"
  non2xx="$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$f")"
  sock="$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' "$f")"
  statuses="$(sed -n 's/^statuses //p' "$f")"
  echo "${rps:-0} ${non2xx:-0} ${sock:-0} ${statuses:-none}"
}
wrk_requests() { awk '/requests in/ {print $1}' "$1"; }
# Requests nginx sent to more than one instance (its access log lists every upstream tried), since line $1.
ACCESS="$CONDUIT_FLEET_DIR/nginx-access.log"
access_mark() { wc -l <"$ACCESS" 2>/dev/null || echo 0; }
retried_since() { tail -n +"$(( $1 + 1 ))" "$ACCESS" 2>/dev/null | grep -c 'upstream=[^ ]*, ' || true; }

# Users for the later checks, before the conformance suite (an old per-IP limiter may be exhausted after it).
read -r WRITER_TOKEN _ <<<"$(client register "$LB" fw)"
read -r _ THROTTLE_EMAIL <<<"$(client register "$LB" ft)"
if [ -z "$WRITER_TOKEN" ] || [ -z "$THROTTLE_EMAIL" ]; then fail "setup" "could not register the check's users"; exit 1; fi

# --- appsettings -----------------------------------------------------------------------------
# Logging:Console:FormatterName=json comes only from appsettings.json: JSON lines prove the
# instance found it although its working directory is not the build output.
json_lines=0; other_lines=0
for i in 1 2 3; do
  json_lines=$((json_lines + $(grep -c '^{' "$CONDUIT_FLEET_DIR/api-$i.log" || true)))
  other_lines=$((other_lines + $(grep -vc -e '^{' -e '^--- ' "$CONDUIT_FLEET_DIR/api-$i.log" || true)))
done
if [ "$json_lines" -gt 0 ] && [ "$other_lines" -eq 0 ]; then
  pass "appsettings" "3 instances started outside the build folder log JSON ($json_lines lines): appsettings.json was found"
else
  fail "appsettings" "instances started outside the build folder log $other_lines non-JSON lines ($json_lines JSON): appsettings.json not loaded (content root = working directory?)"
fi

# --- 1. conformance --------------------------------------------------------------------------
if [ -f "$SUITE" ]; then
  t0=$(date +%s); rc=0
  HOST="$LB" timeout 480 bash "$SUITE" >"$WORK/conformance.out" 2>&1 || rc=$?
  line="$(tail -n 1 "$WORK/conformance.out")"
  secs=$(( $(date +%s) - t0 ))
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    if [ "${BASH_REMATCH[2]}" -eq 0 ] && [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "$rc" -eq 0 ]; then
      pass "conformance" "$line through nginx over 3 instances (${secs} s)"
    else
      statuses="$(grep -o -- '-> HTTP [0-9]*' "$WORK/conformance.out" | sort | uniq -c | awk '{printf "%s%s x %s", sep, $4, $1; sep=", "}')"
      fail "conformance" "$line (failed requests' statuses: ${statuses:-?}; see $WORK/conformance.out)"
    fi
  else
    fail "conformance" "no summary line (exit $rc; see $WORK/conformance.out)"
  fi
else
  note "conformance skipped: $SUITE not found"
fi

# --- 2. kill-9 -------------------------------------------------------------------------------
mark="$(access_mark)"
READ_PATHS="/api/articles?limit=10,/api/tags" wrk -t2 -c8 -d"${LOAD}s" --timeout 10s -s "$WORK/reads.lua" "$LB" \
  >"$WORK/kill9.wrk" 2>&1 &
wrk_pid=$!; bg_pids+=("$wrk_pid")
sleep 5
victim="$(cat "$CONDUIT_FLEET_DIR/api-2.pid")"
kill -9 "$victim"
note "kill -9 api-2 (pid $victim) 5 s into a ${LOAD} s read load"
wait "$wrk_pid" || true
read -r rps non2xx sock statuses <<<"$(wrk_summary "$WORK/kill9.wrk")"
total="$(wrk_requests "$WORK/kill9.wrk")"
if [ -n "$total" ] && [ "$non2xx" -eq 0 ] && [ "$sock" -eq 0 ]; then
  pass "kill-9" "${total} requests, $rps req/s, 0 non-2xx, 0 socket errors ($statuses); api-2 killed 5 s in; $(retried_since "$mark") requests retried by nginx on another instance"
else
  fail "kill-9" "${total:-?} requests, $non2xx non-2xx, $sock socket errors ($statuses; see $WORK/kill9.wrk)"
fi
CONDUIT_FLEET_BUILD=0 fleet up >"$WORK/fleet-reup.log" 2>&1 || { tail -n 20 "$WORK/fleet-reup.log"; fail "kill-9" "the killed instance did not come back"; }

# --- 3. rolling-restart ----------------------------------------------------------------------
rm -f "$WORK/writer.stop"
mark="$(access_mark)"
client writer "$LB" "$WRITER_TOKEN" "$WORK/slugs.txt" "$WORK/writer.stop" 150 >"$WORK/writer.json" 2>"$WORK/writer.err" &
writer_pid=$!; bg_pids+=("$writer_pid")
READ_PATHS="/api/articles?limit=10,/api/tags" wrk -t2 -c4 -d150s --timeout 10s -s "$WORK/reads.lua" "$LB" \
  >"$WORK/rolling.wrk" 2>&1 &
wrk_pid=$!; bg_pids+=("$wrk_pid")
sleep 3
t0=$(date +%s); restart_rc=0
timeout 300 bash "$REPO/scripts/fleet.sh" restart >"$WORK/restart.log" 2>&1 || restart_rc=$?
restart_secs=$(( $(date +%s) - t0 ))
sleep 2
kill -INT "$wrk_pid" 2>/dev/null || true     # wrk prints its report on SIGINT
touch "$WORK/writer.stop"
wait "$wrk_pid" || true
wait "$writer_pid" || true
read -r rps non2xx sock statuses <<<"$(wrk_summary "$WORK/rolling.wrk")"
total="$(wrk_requests "$WORK/rolling.wrk")"
w="$(cat "$WORK/writer.json" 2>/dev/null || echo '{}')"
wv() { python3 -c 'import json,sys; d=json.loads(sys.argv[1] or "{}"); print(d.get(sys.argv[2], "?"))' "$w" "$1"; }
v="$(client verify "$LB" "$WRITER_TOKEN" "$WORK/slugs.txt" 2>"$WORK/verify.err" || echo '{}')"
vv() { python3 -c 'import json,sys; d=json.loads(sys.argv[1] or "{}"); print(d.get(sys.argv[2], "?"))' "$v" "$1"; }
summary="restart ${restart_secs} s (exit $restart_rc); wrk reads ${total:-?} ($non2xx non-2xx, $sock socket errors); client writes $(wv writes_ok) acknowledged, $(wv writes_failed) failed; client reads $(wv reads_ok) ok, $(wv reads_failed) failed; acknowledged writes missing afterwards: $(vv missing_authenticated_count) (authenticated), $(vv missing_anonymous_count) (anonymous); $(retried_since "$mark") requests retried by nginx"
if [ "$restart_rc" -eq 0 ] && [ -n "$total" ] && [ "$non2xx" -eq 0 ] && [ "$sock" -eq 0 ] \
   && [ "$(wv writes_failed)" = 0 ] && [ "$(wv reads_failed)" = 0 ] && [ "$(wv writes_ok)" != 0 ] \
   && [ "$(vv missing_authenticated_count)" = 0 ] && [ "$(vv missing_anonymous_count)" = 0 ]; then
  pass "rolling-restart" "$summary"
else
  fail "rolling-restart" "$summary; failures $(wv failures) (see $WORK)"
fi

# --- 4. throttle-across-instances ------------------------------------------------------------
seq_json="$(client throttle "$API1" "$API2" "$THROTTLE_EMAIL" 24)"
read -r first429 retry shape attempts <<<"$(python3 -c '
import json, sys
seq = json.loads(sys.argv[1])
first = next((i + 1 for i, a in enumerate(seq) if a["status"] == 429), 0)
retry = seq[first - 1]["retry_after"] if first else None
runs, prev = [], None
for a in seq:
    if runs and runs[-1][0] == a["status"]: runs[-1][1] += 1
    else: runs.append([a["status"], 1])
print(first, retry or "-", ",".join("%sx%d" % (s, n) for s, n in runs), len(seq))' "$seq_json")"
ports="$CONDUIT_FLEET_API_BASE/$((CONDUIT_FLEET_API_BASE + 1))"
if [ "$first429" = 11 ] && [ "$retry" != "-" ] && [[ "$shape" == 401x10,429x* ]]; then
  pass "throttle-across-instances" "429 from attempt 11 (Retry-After: $retry), alternating ports $ports: $shape"
elif [ "$first429" = 0 ]; then
  fail "throttle-across-instances" "no 429 in $attempts attempts, alternating ports $ports: $shape"
else
  fail "throttle-across-instances" "429 from attempt $first429 (expected 11; Retry-After: $retry), alternating ports $ports: $shape"
fi

# --- 5. replica-stop -------------------------------------------------------------------------
slug="$(head -n 1 "$WORK/slugs.txt" 2>/dev/null || true)"
READ_PATHS="/api/articles?limit=10,/api/tags${slug:+,/api/articles/$slug}" \
  wrk -t2 -c8 -d"${LOAD}s" --timeout 10s -s "$WORK/reads.lua" "$LB" >"$WORK/replica.wrk" 2>&1 &
wrk_pid=$!; bg_pids+=("$wrk_pid")
sleep 4
# Did the API use the replica at all? Its client connections to database conduit, just before the stop.
PSQL="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n 1)/psql"
replica_conns="$("$PSQL" -X -tA -h 127.0.0.1 -p $((CONDUIT_FLEET_PG_PORT + 1)) -U postgres -d postgres \
  -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'conduit' AND backend_type = 'client backend'" 2>/dev/null || echo "?")"
fleet replica-stop >"$WORK/replica-stop.log" 2>&1
note "replica stopped 4 s into a ${LOAD} s read load (it had $replica_conns API connections)"
sleep 6
fleet replica-start >>"$WORK/replica-stop.log" 2>&1
note "replica started again"
wait "$wrk_pid" || true
streaming="$(fleet status 2>/dev/null | sed -n 's/^replica *running.*(\(.*\))$/\1/p')"
read -r rps non2xx sock statuses <<<"$(wrk_summary "$WORK/replica.wrk")"
total="$(wrk_requests "$WORK/replica.wrk")"
fives="$(tr ' ' '\n' <<<"$statuses" | awk -F= '$1 >= 500 {n += $2} END {print n + 0}')"
summary="${total:-?} requests, $rps req/s, $fives x 5xx, $non2xx non-2xx, $sock socket errors ($statuses); replica down ~6 s; API connections on the replica before the stop: $replica_conns; afterwards: ${streaming:-not running}"
if [ -z "$total" ] || [ "$fives" -ne 0 ] || [ "$sock" -ne 0 ] || [ "$non2xx" -ne 0 ]; then
  fail "replica-stop" "$summary"
elif [ "$replica_conns" = 0 ] || [ "$replica_conns" = "?" ]; then
  fail "replica-stop" "$summary — the API never read from the replica (ConnectionStrings:ReadReplica unused?), so the fallback was not exercised"
else
  pass "replica-stop" "$summary"
fi

# --- 6. read-your-writes -----------------------------------------------------------------------
# A write through instance 1, read back anonymously at once through instances 2 and 3: answered from
# their caches or the replica only once those have caught up with the write.
API3="http://127.0.0.1:$((CONDUIT_FLEET_API_BASE + 2))"
before_conns="$("$PSQL" -X -tA -h 127.0.0.1 -p $((CONDUIT_FLEET_PG_PORT + 1)) -U postgres -d postgres \
  -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'conduit'" 2>/dev/null || echo 0)"
fresh_out="$(client fresh "$API1" "$API2,$API3" "$WRITER_TOKEN" 100 2>&1 || true)"
after_conns="$("$PSQL" -X -tA -h 127.0.0.1 -p $((CONDUIT_FLEET_PG_PORT + 1)) -U postgres -d postgres \
  -c "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = 'conduit'" 2>/dev/null || echo 0)"
fresh_stale="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("stale", "?"))' "$fresh_out" 2>/dev/null || echo "?")"
fresh_checked="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("checked", "?"))' "$fresh_out" 2>/dev/null || echo "?")"
replica_reads=$(( ${after_conns:-0} - ${before_conns:-0} ))
if [ "$fresh_stale" = "0" ]; then
  pass "read-your-writes" "100 writes through instance 1, $fresh_checked anonymous reads at once through instances 2 and 3: 0 stale; replica transactions meanwhile: $replica_reads"
else
  fail "read-your-writes" "$fresh_out"
fi

# --- 7. live-through-nginx --------------------------------------------------------------------
# A comment stream held through nginx on one instance; comments posted through nginx land on every instance
# (round robin) and must all arrive, each once, unbuffered; a reconnection with Last-Event-ID gets exactly
# the ones after it.
live_slug="$(curl -sf -X POST "$LB/api/articles" -H "Authorization: Token $WRITER_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"article\":{\"title\":\"Live check $RANDOM$RANDOM\",\"description\":\"d\",\"body\":\"b\",\"tagList\":[]}}" \
  | sed -n 's/.*"slug":"\([^"]*\)".*/\1/p')"
: >"$WORK/live.sse"
curl -sN --max-time 30 "$LB/api/articles/$live_slug/comments/live" >"$WORK/live.sse" 2>/dev/null &
live_pid=$!; bg_pids+=("$live_pid")
for _ in $(seq 1 100); do grep -q '^retry:' "$WORK/live.sse" && break; sleep 0.1; done
mark="$(access_mark)"
for n in 1 2 3 4 5 6; do
  curl -sf -o /dev/null -X POST "$LB/api/articles/$live_slug/comments" -H "Authorization: Token $WRITER_TOKEN" \
    -H 'Content-Type: application/json' -d "{\"comment\":{\"body\":\"live-$n\"}}" || true
done
for _ in $(seq 1 100); do [ "$(grep -c '^event: comment.added' "$WORK/live.sse" || true)" -ge 6 ] && break; sleep 0.1; done
kill "$live_pid" 2>/dev/null || true
live_got="$(grep -c '^event: comment.added' "$WORK/live.sse" || true)"
live_unique="$(grep -o '"body" : "live-[0-9]*"' "$WORK/live.sse" | sort -u | wc -l)"
live_upstreams="$(tail -n +"$(( mark + 1 ))" "$ACCESS" | grep "POST /api/articles/$live_slug/comments" | grep -o 'upstream=[0-9.:]*' | sort -u | wc -l)"
third_id="$(grep '^id: ' "$WORK/live.sse" | sed -n '3s/^id: //p')"
resumed="$(curl -sN --max-time 3 -H "Last-Event-ID: $third_id" "$LB/api/articles/$live_slug/comments/live" 2>/dev/null | grep -o '"body" : "live-[0-9]*"' | tr '\n' ' ' || true)"
if [ "$live_got" -eq 6 ] && [ "$live_unique" -eq 6 ] && [ "$resumed" = '"body" : "live-4" "body" : "live-5" "body" : "live-6" ' ]; then
  pass "live-through-nginx" "6 comments written through nginx on $live_upstreams instance(s) reached one stream, each once; Last-Event-ID resumed with exactly the 3 after it"
else
  fail "live-through-nginx" "stream got $live_got comment events ($live_unique distinct) of 6; resumed after id ${third_id:-?}: ${resumed:-nothing} (see $WORK/live.sse)"
fi

# --- throughput (information) ----------------------------------------------------------------
count="$(curl -s "$LB/api/articles?limit=1" | sed -n 's/.*"articlesCount":\([0-9]*\).*/\1/p')"
if [ "${count:-0}" -lt 40 ]; then client seed "$LB" "$WRITER_TOKEN" $((40 - ${count:-0})); fi
wrk -t2 -c16 -d6s --timeout 10s "$LB/api/articles?limit=20" >"$WORK/tp-fleet.wrk" 2>&1 || true
wrk -t2 -c16 -d6s --timeout 10s "$API1/api/articles?limit=20" >"$WORK/tp-single.wrk" 2>&1 || true
read -r rps_fleet _ <<<"$(wrk_summary "$WORK/tp-fleet.wrk")"
read -r rps_single _ <<<"$(wrk_summary "$WORK/tp-single.wrk")"
avg_latency() { awk '/Latency/ {print $2; exit}' "$1"; }
echo "INFO throughput GET /api/articles?limit=20 (wrk -t2 -c16 6 s each, $(nproc) cores, ${count:-?}+ articles): nginx -> 3 instances $rps_fleet req/s (avg latency $(avg_latency "$WORK/tp-fleet.wrk")), 1 instance direct $rps_single req/s (avg latency $(avg_latency "$WORK/tp-single.wrk"))"
finished=1
