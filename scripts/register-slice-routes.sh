#!/usr/bin/env bash
# Run by `dotnet new conduit-slice --register` (templates/slice; scripts/new-slice.sh) from the repository root:
#  1. a new area's module (src/Features/<Area>/<UseCase>.module, one per generated slice) becomes <Area>Module.cs; for an area that has
#     one already it is dropped;
#  2. the route of every freshly generated slice (src/Features/<Area>/<UseCase>.route) moves into its area's module,
#     above the marker line "// conduit-slice: routes", and the .route file is deleted;
#  3. the generated test (tests/Api.Tests/<Area>/<UseCase>Tests.cs) calls /api/<area lower case>/...; when the
#     module's MapGroup says otherwise (Users: /api), the test is pointed at the module's real prefix.
# Idempotent: nothing to do when no .module or .route is left.
set -euo pipefail
status=0

for fresh in src/Features/*/*.module; do
  [ -e "$fresh" ] || continue
  area_dir=$(dirname "$fresh")
  module="$area_dir/$(basename "$area_dir")Module.cs"
  if [ -f "$module" ]; then
    rm "$fresh"
  else
    mv "$fresh" "$module"
    echo "register-slice-routes: new area: created $module"
  fi
done

for route in src/Features/*/*.route; do
  [ -e "$route" ] || continue
  area_dir=$(dirname "$route")
  area=$(basename "$area_dir")
  name=$(basename "$route" .route)
  module="$area_dir/${area}Module.cs"
  if [ ! -f "$module" ] || [ "$(grep -c '// conduit-slice: routes' "$module")" -ne 1 ]; then
    echo "register-slice-routes: $module needs exactly one '// conduit-slice: routes' marker; add the route in $route by hand" >&2
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
  echo "register-slice-routes: $name mapped in $module"

  test_file="tests/Api.Tests/$area/${name}Tests.cs"
  generated="/api/$(printf '%s' "$area" | tr '[:upper:]' '[:lower:]')"
  prefix=$(sed -n 's/.*MapGroup("\([^"]*\)").*/\1/p' "$module" | head -n 1)
  if [ -f "$test_file" ] && [ -n "$prefix" ] && [ "$prefix" != "$generated" ]; then
    # Route values in the group ({slug}) become 1 in the test, as the template does for the slice's own.
    test_prefix=$(printf '%s' "$prefix" | sed 's/{[^}]*}/1/g')
    tmp="$test_file.tmp.$$"
    sed "s#\"$generated\([/?\"]\)#\"$test_prefix\1#" "$test_file" >"$tmp"
    mv "$tmp" "$test_file"
    echo "register-slice-routes: $test_file calls $test_prefix/... (the module's group)"
  fi
done
exit $status
