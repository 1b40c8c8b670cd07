# Sourced by scripts/db.sh and scripts/fleet.sh: running PostgreSQL's server tools as the cluster owner
# and finding (or, as root on Debian/Ubuntu, installing) them. The caller defines die() and say(), and sets
# PG_CLUSTER to the data directory whose version to prefer.

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a PostgreSQL server tool as the cluster owner. From / because PostgreSQL tools resolve the
# current directory at start and the caller's may be unreadable for "postgres".
as_pg() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- "$@")
    else
      (cd / && su postgres -s /bin/sh -c '"$0" "$@"' -- "$@")
    fi
  else
    "$@"
  fi
}

# Highest installed major version, unless the cluster already exists: then the version it was
# created with (a newer server cannot open an older data directory).
find_bindir() {
  local want="" dir
  if [ -n "${PG_CLUSTER:-}" ] && [ -f "$PG_CLUSTER/PG_VERSION" ]; then
    want="$(cat "$PG_CLUSTER/PG_VERSION")"
    [ -x "/usr/lib/postgresql/$want/bin/initdb" ] && { echo "/usr/lib/postgresql/$want/bin"; return; }
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return
  fi
  return 1
}

ensure_binaries() {
  if BIN="$(find_bindir)"; then return; fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL server binaries not found; installing the postgresql package"
    # The package index of a fresh image is often stale or empty; refresh only when needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; } \
      || die "apt-get install -y postgresql failed"
    BIN="$(find_bindir)" || die "postgresql installed but initdb/pg_ctl still not found"
    return
  fi
  cat >&2 <<'TXT'
PostgreSQL server binaries (initdb, pg_ctl, postgres) not found.
  Debian/Ubuntu:  sudo apt-get install -y postgresql
  Fedora/RHEL:    sudo dnf install -y postgresql-server
  macOS:          brew install postgresql@16   (and put its bin directory on PATH)
TXT
  exit 1
}
