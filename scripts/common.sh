# Shared by lab.sh, test.sh and bench.sh: where things are, and the engine to use.
# shellcheck shell=bash
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$REPO/.venv/bin:$REPO/node_modules/.bin:$PATH"

is_ci() { [[ ${CI:-} =~ ^(1|true|yes)$ ]]; }

say() { printf '\033[1m[%s]\033[0m %s\n' "${0##*/}" "$*"; }
shout() { printf '\n\033[1;31m!!! %s !!!\033[0m\n\n' "$*" >&2; }

# True when the engine named by DOCKER_HOST (or the default socket) answers.
engine_reachable() {
  python - <<'PY' 2>/dev/null
import sys
from jupyterlab_dockerize.engine import EngineSettings, probe_engine
try:
    probe_engine(EngineSettings(timeout=5))
except Exception:
    sys.exit(1)
PY
}

HARNESS_STARTED=0
# Starts the private engine, registry and stand-in base image (root only) and loads
# their settings into this shell. stop_harness stops them again, unless they were
# already running before (then whoever started them owns them).
start_harness() {
  "$REPO/scripts/debian-packages.sh" engine
  "$REPO/scripts/harness/engine.sh" status >/dev/null 2>&1 || HARNESS_STARTED=1
  # Generated Dockerfiles say FROM python:X.Y.Z-slim with the kernel's exact Python (the
  # project's venv here): the stand-in answers to that name too, since nothing is pulled.
  local tags=()
  if [[ -x $REPO/.venv/bin/python ]]; then
    # That tag gets the venv's own Python, so the image has the kernel's exact version.
    tags=(--tag "python:$("$REPO/.venv/bin/python" -c 'import platform; print(platform.python_version())')-slim"
      --python-home "$("$REPO/.venv/bin/python" -c 'import sys; print(sys.base_prefix)')")
  fi
  "$REPO/scripts/harness/up.sh" "${tags[@]}" "$@"
  # shellcheck source=/dev/null
  source "${HARNESS_DIR:-$REPO/.harness}/env"
}

stop_harness() {
  if ((HARNESS_STARTED)); then
    "$REPO/scripts/harness/down.sh" || true
  fi
}
