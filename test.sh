#!/usr/bin/env bash
# Runs every test: the xunit unit/integration tests, the RealWorld conformance suite against a
# freshly built API, then the fleet checks (nginx, 3 instances, a streaming replica). Needs only the .NET SDK and PostgreSQL binaries (scripts/db.sh starts a
# private cluster and stops it again if it was not already running).
#
# The last line printed is "N passed, N failed" (sum of both stages). Exit 0 only when nothing
# failed and something passed.
#
# Environment (optional): CONDUIT_PG_PORT (default 55432), CONDUIT_CONFORMANCE_PORT (default 5055).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$REPO"
SUITE="$REPO/../shared/realworld/run-conformance.sh"
API_PORT="${CONDUIT_CONFORMANCE_PORT:-5055}"
API_URL="http://127.0.0.1:$API_PORT"

db() { bash "$REPO/scripts/db.sh" "$@"; }   # bash: works even where the exec bit got lost

TMP="$(mktemp -d)"
db_started=0
api_pid=""
cleaned=0
summarised=0

# Quiet, because it also runs just before the summary, which must stay the last line.
cleanup() {
  local i
  [ "$cleaned" -eq 1 ] && return 0
  cleaned=1
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid" 2>/dev/null || true
    # Graceful shutdown is quick when idle; do not hang the run on a stuck server.
    for i in $(seq 1 20); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  if [ "$db_started" -eq 1 ]; then db stop >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
on_exit() {
  local rc=$?
  cleanup
  # Aborted before the summary (setup error, Ctrl-C): still end with a countable line.
  if [ "$summarised" -eq 0 ]; then echo "test.sh stopped early (exit $rc)"; echo "0 passed, 1 failed"; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Reads "<passed> <failed>" from a "N passed, N failed" line; nothing when it is not one.
parse_summary() {
  sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' <<<"$1"
}

# --- database --------------------------------------------------------------------------------
if ! db status >/dev/null 2>&1; then db_started=1; fi
db start
CONDUIT_TEST_ADMIN_CONNECTION="$(db conn postgres)"
export CONDUIT_TEST_ADMIN_CONNECTION

# --- unit and integration tests ----------------------------------------------------------------
echo "== dotnet test"
trx="$TMP/results.trx"
test_rc=0
if grep -qs 'Microsoft.Testing.Platform' global.json; then
  # The Microsoft.Testing.Platform runner takes its own TRX switches.
  dotnet test --project tests/Api.Tests/Api.Tests.csproj -c Release \
    --report-trx --report-trx-filename results.trx --results-directory "$TMP" || test_rc=$?
else
  dotnet test tests/Api.Tests/Api.Tests.csproj -c Release \
    --logger "trx;LogFileName=results.trx" --results-directory "$TMP" || test_rc=$?
fi
unit_passed=0
unit_failed=1
[ -f "$trx" ] || trx="$(find "$TMP" -name '*.trx' -print -quit)"
if [ -n "$trx" ] && [ -f "$trx" ]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)"
  unit_passed="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  unit_failed="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  unit_passed="${unit_passed:-0}"
  unit_failed="${unit_failed:-1}"
fi
if [ -z "$trx" ] || [ ! -f "$trx" ]; then
  echo "dotnet test left no TRX report (exit $test_rc); counting it as one failure"
fi
# A crashed test host or a failed build can leave a report with no failures in it.
if [ "$test_rc" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then
  echo "dotnet test exited with $test_rc; counting it as a failure"
  unit_failed=1
fi

# --- conformance -------------------------------------------------------------------------------
conf_passed=0
conf_failed=0
conf_ran=0

run_conformance() {
  local dbname=conduit_conformance log="$TMP/api.log" out="$TMP/conformance.out" dll rc=0 i line nums

  if curl -s -o /dev/null "$API_URL/" 2>/dev/null; then
    echo "port $API_PORT is already in use; set CONDUIT_CONFORMANCE_PORT to a free port"
    conf_failed=1; return
  fi
  if ! { db drop "$dbname" && db create "$dbname"; }; then
    echo "could not recreate database $dbname"; conf_failed=1; return
  fi

  echo "== dotnet build (Release)"
  if ! dotnet build Api.csproj -c Release -nologo -v q; then
    echo "build failed"; conf_failed=1; return
  fi
  # Ask MSBuild where the build put the assembly rather than assuming bin/Release/<tfm>.
  dll="$(dotnet msbuild Api.csproj -nologo -getProperty:TargetPath -p:Configuration=Release 2>/dev/null | tail -n 1)"
  [ -f "$dll" ] || dll="$REPO/bin/Release/net10.0/Api.dll"

  # The built assembly directly (not dotnet run) so that $api_pid is the server itself.
  ASPNETCORE_ENVIRONMENT=Production \
  ConnectionStrings__Database="$(db conn "$dbname")" \
  Jwt__SigningKey="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
    dotnet "$dll" --urls "$API_URL" >"$log" 2>&1 &
  api_pid=$!

  for i in $(seq 1 120); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$API_URL/health/live" 2>/dev/null)" = 200 ]; then break; fi
    if ! kill -0 "$api_pid" 2>/dev/null || [ "$i" -eq 120 ]; then
      echo "the API did not become live on $API_URL within 60 s; last lines of its log:"
      tail -n 40 "$log"
      conf_failed=1; return
    fi
    sleep 0.5
  done

  echo "== conformance suite against $API_URL"
  HOST="$API_URL" "$SUITE" 2>&1 | tee "$out" || rc=$?
  line="$(tail -n 1 "$out")"
  nums="$(parse_summary "$line")"
  if [ -z "$nums" ]; then
    echo "the conformance suite printed no summary line (exit $rc)"
    conf_failed=1; return
  fi
  conf_passed="${nums% *}"
  conf_failed="${nums#* }"
  if [ "$rc" -ne 0 ] && [ "$conf_failed" -eq 0 ]; then conf_failed=1; fi
}

if [ -f "$SUITE" ]; then
  conf_ran=1
  run_conformance
else
  echo "conformance suite skipped: ../shared/realworld not found"
fi

# --- the fleet -----------------------------------------------------------------------------------
# nginx over 3 instances on a primary and a streaming replica (scripts/fleet-check.sh: the suite through
# nginx, kill -9 and rolling restart under load, throttling across instances, replica stop). ~2.5 minutes.
fleet_passed=0
fleet_failed=0
echo "== fleet (scripts/fleet-check.sh)"
fleet_out="$TMP/fleet.out"
fleet_rc=0
bash "$REPO/scripts/fleet-check.sh" 2>&1 | tee "$fleet_out" || fleet_rc=$?
fleet_nums="$(parse_summary "$(tail -n 1 "$fleet_out")")"
if [ -n "$fleet_nums" ]; then
  fleet_passed="${fleet_nums% *}"
  fleet_failed="${fleet_nums#* }"
  if [ "$fleet_rc" -ne 0 ] && [ "$fleet_failed" -eq 0 ]; then fleet_failed=1; fi
else
  echo "fleet-check printed no summary line (exit $fleet_rc)"
  fleet_failed=1
fi

# --- summary -----------------------------------------------------------------------------------
cleanup
summarised=1
passed=$((unit_passed + conf_passed + fleet_passed))
failed=$((unit_failed + conf_failed + fleet_failed))
echo
echo "== summary"
echo "unit/integration: $unit_passed passed, $unit_failed failed"
if [ "$conf_ran" -eq 1 ]; then
  echo "conformance:      $conf_passed passed, $conf_failed failed"
else
  echo "conformance:      skipped"
fi
echo "fleet:            $fleet_passed passed, $fleet_failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
