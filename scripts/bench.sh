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
# The hardening figures come from the tests themselves, run here with a figures folder.
figures=$REPO/.bench-build/figures
rm -rf "$figures"
mkdir -p "$figures"
DOCKERIZE_FIGURES_DIR=$figures python -m pytest -p no:cacheprovider -q \
  jupyterlab_dockerize/tests/test_hostile_paths.py \
  jupyterlab_dockerize/tests/test_hostile_requirements.py \
  jupyterlab_dockerize/tests/test_faults.py \
  jupyterlab_dockerize/tests/test_load.py \
  "jupyterlab_dockerize/tests/test_builds.py::test_push_needs_the_right_credentials_and_never_keeps_the_token"
DOCKERIZE_FIGURES_DIR=$figures npx jest --ci src/core/__tests__/injection.spec.ts
python bench/run.py --figures "$figures" "$@"
