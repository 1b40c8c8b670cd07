#!/usr/bin/env bash
# Generates one vertical slice from templates/slice (dotnet new conduit-slice), unattended, without touching the
# machine's own template list: the template is installed into a repo-local hive (.data/template-hive, git-ignored)
# that this script alone uses, and reinstalled whenever the template changed.
#
#   scripts/new-slice.sh --area Bookmarks --name AddBookmark --kind command            # POST /api/bookmarks
#   scripts/new-slice.sh --area Bookmarks --name ListBookmarks --kind query            # GET  /api/bookmarks
#   scripts/new-slice.sh --area Bookmarks --name RenameBookmark --kind put             # PUT  /api/bookmarks/{id}
#   scripts/new-slice.sh --area Bookmarks --name RemoveBookmark --kind delete          # DELETE /api/bookmarks/{id}
#   scripts/new-slice.sh --area Admin --name ArchiveUser --kind command --route /users/{username}/archive
#
# --route is relative to the area's group (its module's MapGroup; /api/<area lower case> for a new area).
# Any other option is passed to dotnet new (e.g. --dry-run). README "Adding a feature" walks through the rest.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
HIVE="$REPO/.data/template-hive"
STAMP="$HIVE/installed-template.sha256"

usage() { echo "usage: scripts/new-slice.sh --area <Area> --name <UseCase> --kind command|query|put|delete [--route /path]" >&2; exit 2; }
[ $# -gt 0 ] || usage
case " $* " in *" --area "*) ;; *) usage ;; esac
case " $* " in *" --name "*|*" -n "*) ;; *) usage ;; esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Reinstall when the template's files changed since the hive got them (dotnet new reads the installed copy's
# location, but caches what it scanned).
current="$(cd templates/slice && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$current" ]; then
  mkdir -p "$HIVE"
  dotnet new uninstall "$REPO/templates/slice" --debug:custom-hive "$HIVE" >/dev/null 2>&1 || true
  dotnet new install "$REPO/templates/slice" --debug:custom-hive "$HIVE" >/dev/null
  echo "$current" >"$STAMP"
fi

# stdin from /dev/null and --allow-scripts yes: nothing can prompt (dotnet new's prompt loops without a terminal).
exec dotnet new conduit-slice "$@" --register --allow-scripts yes --debug:custom-hive "$HIVE" </dev/null
