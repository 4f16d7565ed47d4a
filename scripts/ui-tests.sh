#!/usr/bin/env bash
# Galata UI tests in Debian's Chromium (Playwright never downloads a browser here).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO/ui-tests"

stamp=node_modules/.dockerize-installed
if [[ ! -f $stamp || package-lock.json -nt $stamp || package.json -nt $stamp ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
# The real-world environment of realworld.spec.ts (built once, then reused from its cache).
if [[ -z ${DOCKERIZE_REALWORLD_ROOT:-} ]]; then
  say "real-world environment (jupyterlab_dockerize/tests/realworld.py)"
  realworld=$(python -m jupyterlab_dockerize.tests.realworld make)
  DOCKERIZE_REALWORLD_ROOT=$(python -c 'import json,sys; print(json.load(sys.stdin)["root"])' <<<"$realworld")
  DOCKERIZE_REALWORLD_JUPYTER_PATH=$(python -c 'import json,sys; print(json.load(sys.stdin)["jupyter_path"])' <<<"$realworld")
  export DOCKERIZE_REALWORLD_ROOT DOCKERIZE_REALWORLD_JUPYTER_PATH
fi
npx playwright test "$@"
