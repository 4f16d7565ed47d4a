#!/usr/bin/env bash
# Starts JupyterLab with the extension. Where no Docker engine is reachable and this
# machine allows it (root on Debian), it first starts a private engine, a password-protected
# registry on 127.0.0.1 and the stand-in python base image, and stops them on exit.
# Settings: LAB_PORT (8888), LAB_ROOT (examples/), JUPYTER_TOKEN (random).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

trap stop_harness EXIT

if engine_reachable; then
  say "using the Docker engine at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
elif ((EUID == 0)); then
  say "no Docker engine is reachable: starting a private one (scripts/harness)"
  start_harness
else
  shout "No Docker engine is reachable"
  echo "Start Docker (Docker Desktop, or 'sudo systemctl start docker'), or set DOCKER_HOST," >&2
  echo "or run 'sudo make lab' to let this project start a private engine. JupyterLab starts" >&2
  echo "anyway; the panel will say the engine is unreachable." >&2
fi

port=${LAB_PORT:-8888}
root=${LAB_ROOT:-$REPO/examples}
JUPYTER_TOKEN=${JUPYTER_TOKEN:-$(python -c 'import secrets; print(secrets.token_hex(24))')}
export JUPYTER_TOKEN

extra=()
((EUID == 0)) && extra+=(--allow-root)
echo
say "JupyterLab: http://127.0.0.1:$port/lab?token=$JUPYTER_TOKEN"
say "token:      $JUPYTER_TOKEN"
if [[ -n ${DOCKERIZE_TEST_REGISTRY:-} ]]; then
  # The password goes to a file only its owner can read, never into this output.
  password_file=${HARNESS_DIR:-$REPO/.harness}/registry-password
  (umask 077 && printf '%s\n' "$DOCKERIZE_TEST_REGISTRY_PASSWORD" >"$password_file.tmp" &&
    mv "$password_file.tmp" "$password_file")
  say "registry:   $DOCKERIZE_TEST_REGISTRY (user $DOCKERIZE_TEST_REGISTRY_USER, password in $password_file)"
fi
if [[ -n ${DOCKERIZE_TEST_HUB_MIRROR:-} ]]; then
  # Docker Hub has every python tag for both CPUs; this machine's stand-ins do not.
  say "base images: python:3.11-slim for linux/amd64 and linux/arm64; the kernel's exact"
  say "             python:X.Y.Z-slim for linux/amd64 only (no other CPython for arm64 here):"
  say "             to push both platforms, set Python version 3.11 in the options"
fi
say "stop with Ctrl-C"
echo
# The same settings file the UI tests load (scripts/lab_server_config.py).
jupyter lab --config="$REPO/scripts/lab_server_config.py" --no-browser --ip=127.0.0.1 \
  --port="$port" --ServerApp.root_dir="$root" "${extra[@]}"
