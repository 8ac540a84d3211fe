#!/usr/bin/env bash
# Runs every test: the pure core's unit tests, the integration tests, which start their own Azurite
# (in memory, on free ports), and the browser tests of the pages (headless Chromium). Exits non-zero on any failure. Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter "FullyQualifiedName~Scan").
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/azurite ] || [ ! -f node_modules/@azure/msal-browser/lib/msal-browser.min.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The browser tests drive Debian's Chromium (no browser download). Install it when it is missing; if that fails,
# the browser tests fail and say why (they are never skipped). FUNNEL_CHROMIUM points them at another binary.
if [ -z "${FUNNEL_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "test.sh: installing Chromium from Debian's packages for the browser tests..." >&2
  as_root=""
  if [ "$(id -u)" -ne 0 ]; then as_root="sudo"; fi
  { $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium >/dev/null; } \
    || echo "test.sh: could not install Chromium (apt-get install chromium); the browser tests will fail." >&2
fi
results="$(pwd)/TestResults"
rm -rf "$results"
dotnet build Funnel.sln -c Release -nologo -v quiet
status=0
dotnet test Funnel.sln -c Release --no-build -nologo --results-directory "$results" \
  --logger "console;verbosity=minimal" --logger "trx" "$@" || status=$?

# One plain closing line over every test assembly, from the TRX files.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed))); skipped=$((skipped + $(get notExecuted)))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
