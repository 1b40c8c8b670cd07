#!/bin/sh
# Run by `dotnet new conduit-slice` (templates/slice) from the repository root: moves the route of every freshly
# generated slice (src/Features/<Area>/<UseCase>.route) into its area's module, above the marker line
# "// conduit-slice: routes", then deletes the .route file. Idempotent: nothing to do when no .route is left.
set -eu
status=0
for route in src/Features/*/*.route; do
  [ -e "$route" ] || continue
  area_dir=$(dirname "$route")
  area=$(basename "$area_dir")
  module="$area_dir/${area}Module.cs"
  if [ ! -f "$module" ] || ! grep -q '// conduit-slice: routes' "$module"; then
    echo "register-slice-routes: $module has no '// conduit-slice: routes' marker; add the route in $route by hand" >&2
    status=1
    continue
  fi
  tmp="$module.tmp.$$"
  awk -v routefile="$route" '
    /\/\/ conduit-slice: routes/ { while ((getline line < routefile) > 0) print line; print ""; close(routefile) }
    { print }
  ' "$module" >"$tmp"
  mv "$tmp" "$module"
  rm "$route"
  echo "register-slice-routes: $(basename "$route" .route) mapped in $module"
done
exit $status
