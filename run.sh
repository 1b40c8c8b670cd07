#!/usr/bin/env bash
# Runs the Conduit API locally.
#
#   ./run.sh              start the private PostgreSQL cluster (if needed) and the API
#   ./run.sh --demo       the same, after loading the demo data set (idempotent: says whether it loaded it or found it; prints the sign-ins)
#   ./run.sh --stop-db    stop the private PostgreSQL cluster (same as scripts/db.sh stop)
#
# Environment (all optional):
#   ConnectionStrings__Database  use this database instead of the private cluster
#   Jwt__SigningKey              token signing key; default: a random key kept in .data/jwt-signing-key
#   ASPNETCORE_ENVIRONMENT       default Development
#   CONDUIT_URLS                 default http://127.0.0.1:5000
#   CONDUIT_PG_PORT              port of the private cluster, default 55432
# Any other arguments are passed to the API (e.g. --Logging:LogLevel:Default=Debug).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$REPO"

db() { bash "$REPO/scripts/db.sh" "$@"; }   # bash: works even where the exec bit got lost

if [ "${1:-}" = "--stop-db" ]; then
  exec bash "$REPO/scripts/db.sh" stop
fi

if [ -z "${ConnectionStrings__Database:-}" ]; then
  db start
  db create conduit
  ConnectionStrings__Database="$(db conn conduit)"
  export ConnectionStrings__Database
fi

if [ -z "${Jwt__SigningKey:-}" ]; then
  # Kept on disk so tokens issued before a restart stay valid; never committed (.data/ is ignored).
  key_file="$REPO/.data/jwt-signing-key"
  if [ ! -s "$key_file" ]; then
    mkdir -p "$REPO/.data"
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' >"$key_file")
  fi
  chmod 600 "$key_file"
  Jwt__SigningKey="$(cat "$key_file")"
  export Jwt__SigningKey
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
urls="${CONDUIT_URLS:-http://127.0.0.1:5000}"
root="${urls%%;*}"   # ASP.NET Core accepts several URLs separated by ';'; show the first
root="${root%/}"

cat <<TXT
Conduit API ($ASPNETCORE_ENVIRONMENT) starting on $urls
  API          $root/api
  docs         $root/docs
  OpenAPI      $root/openapi/v1.json
  readiness    $root/health/ready
  metrics      $root/metrics
Stop with Ctrl-C; the database keeps running: stop it with scripts/db.sh stop (or ./run.sh --stop-db).
TXT

exec dotnet run --project Api.csproj -c Release --no-launch-profile -- --urls "$urls" "$@"
