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
npx playwright test "$@"
