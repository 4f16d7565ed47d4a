#!/usr/bin/env bash
# Runs every suite: lint, jest, pytest (real engine + registry), Galata (Debian's Chromium),
# and the install check. Under CI=true a missing engine or browser fails; elsewhere the
# suites that need them are skipped, loudly.
set -uo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

results=()
failed=0
run_suite() {
  local name=$1
  shift
  say "suite: $name"
  local started=$SECONDS
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - started))s)")
  else
    results+=("FAIL  $name ($((SECONDS - started))s)")
    failed=1
  fi
}
skip_suite() {
  results+=("SKIP  $1: $2")
  shout "SKIPPED $1: $2"
}

trap stop_harness EXIT

# The engine, the registry and the browser: set up where this machine allows it.
can_install=0
((EUID == 0)) && can_install=1
if ((can_install)); then
  scripts/debian-packages.sh browser engine || failed=1
  start_harness || { shout "the test harness did not start"; failed=1; }
elif [[ -f .harness/env ]]; then
  # shellcheck source=/dev/null
  source .harness/env
fi
have_engine=0
engine_reachable && have_engine=1
have_browser=0
[[ -x /usr/bin/chromium ]] && have_browser=1
if is_ci; then
  ((have_engine)) || { shout "CI=true and no Docker engine answers"; failed=1; }
  ((have_browser)) || { shout "CI=true and /usr/bin/chromium is missing"; failed=1; }
fi

run_suite "lint (prettier, eslint, ruff)" make --no-print-directory lint
run_suite "jest" npx jest --ci
rm -rf .test-results
run_suite "pytest" python -m pytest -p no:cacheprovider -rs --junit-xml=.test-results/pytest.xml
run_suite "install check" scripts/check-install.sh

if ((have_browser)); then
  run_suite "galata (ui-tests)" scripts/ui-tests.sh
else
  skip_suite "galata (ui-tests)" "/usr/bin/chromium not found; install Debian's chromium"
fi

echo
say "summary"
printf '  %s\n' "${results[@]}"
passed=$(printf '%s\n' "${results[@]}" | grep -c '^PASS' || true)
failures=$(printf '%s\n' "${results[@]}" | grep -c '^FAIL' || true)
skipped=$(printf '%s\n' "${results[@]}" | grep -c '^SKIP' || true)
echo "suites: $passed passed, $failures failed, $skipped skipped"
if ((failures)); then
  say "failures again (scripts/test-digest.py), for logs that keep only the tail"
  python3 scripts/test-digest.py || true
fi
exit "$failed"
