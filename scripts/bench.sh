#!/usr/bin/env bash
# Runs bench/run.py against a real engine (the private harness one where none is reachable).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
trap stop_harness EXIT
if ! engine_reachable; then
  ((EUID == 0)) || { echo "No Docker engine is reachable: start one or set DOCKER_HOST." >&2; exit 1; }
  start_harness
fi
python bench/run.py "$@"
