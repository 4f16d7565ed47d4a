#!/usr/bin/env bash
# Starts the test harness: private Docker engine (unix socket, and TCP with TLS),
# password-protected registry, the python:3.11-slim stand-in, and arm64 emulation with
# the stand-in for linux/arm64 in a Docker Hub mirror; writes $HARNESS_DIR/env for `source`.
#   up.sh [--show-secrets] [--python-home DIR] [--tag IMAGE]...
# --tag adds extra tags to the stand-in image (e.g. --tag python:3.11.7-slim); with
# --python-home, the tag of that Python's exact version gets that Python (base-image.sh).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

show_secrets=0
extra_tags=()
python_home=()
while (($#)); do
  case $1 in
    --show-secrets) show_secrets=1 ;;
    --tag)
      [[ $# -ge 2 ]] || die "--tag needs an image name"
      extra_tags+=("$2")
      shift
      ;;
    --python-home)
      [[ $# -ge 2 ]] || die "--python-home needs a folder"
      python_home=(--python-home "$2")
      shift
      ;;
    -h | --help)
      sed -n '2,6s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done

start_seconds=$SECONDS
# The mirror first: the engine's config names its address.
"$HARNESS_LIB_DIR/hub-mirror.sh" start
"$HARNESS_LIB_DIR/engine.sh" start
"$HARNESS_LIB_DIR/registry.sh" start
DOCKER_HOST=$HARNESS_DOCKER_HOST "$HARNESS_LIB_DIR/base-image.sh" "${python_home[@]}" "${extra_tags[@]}"
arm64=1
if ! DOCKER_HOST=$HARNESS_DOCKER_HOST "$HARNESS_LIB_DIR/multiarch-base.sh"; then
  # Under CI the arm64 path is part of the suite; elsewhere its tests say they were skipped.
  [[ ${CI:-} =~ ^(1|true|yes)$ ]] && die "no arm64 stand-in: the multi-platform tests cannot run"
  log "WARNING: no arm64 emulation or stand-in here: the multi-platform tests will be skipped"
  arm64=0
fi

# shellcheck source=/dev/null
source "$HARNESS_DIR/registry/credentials"
tls_host=$(harness_tls_host) || die "the engine recorded no TLS port in $TLS_PORT_FILE"
env_file=$HARNESS_DIR/env
(
  umask 077
  printf 'export DOCKER_HOST=%q\nexport DOCKERIZE_TEST_REGISTRY=%q\nexport DOCKERIZE_TEST_REGISTRY_USER=%q\nexport DOCKERIZE_TEST_REGISTRY_PASSWORD=%q\n' \
    "$HARNESS_DOCKER_HOST" "$REGISTRY_ADDR" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$env_file.tmp"
  # The same engine over TLS; DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=<cert path> to use it.
  printf 'export DOCKERIZE_TEST_TLS_HOST=%q\nexport DOCKERIZE_TEST_TLS_CERT_PATH=%q\n' \
    "$tls_host" "$TLS_CLIENT_DIR" >>"$env_file.tmp"
  # multiarch-base.sh succeeded: python:3.11-slim builds and runs for linux/arm64 too.
  printf 'export DOCKERIZE_TEST_ARM64=%q\nexport DOCKERIZE_TEST_HUB_MIRROR=%q\n' \
    "$arm64" "$("$HARNESS_LIB_DIR/hub-mirror.sh" addr)" >>"$env_file.tmp"
  mv "$env_file.tmp" "$env_file"
)

engine_version=$(docker -H "$HARNESS_DOCKER_HOST" version --format '{{.Server.Version}}')
echo "harness up in $((SECONDS - start_seconds))s (state: $HARNESS_DIR)"
echo "  engine:   Docker $engine_version, storage driver $(<"$HARNESS_DIR/storage-driver"), DOCKER_HOST=$HARNESS_DOCKER_HOST"
echo "  tls:      DOCKER_HOST=$tls_host DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TLS_CLIENT_DIR"
echo "  registry: $REGISTRY_ADDR, user $REGISTRY_USER"
echo "  arm64:    $("$HARNESS_LIB_DIR/emulation.sh" status); python:3.11-slim for linux/amd64 and linux/arm64 via the hub mirror $("$HARNESS_LIB_DIR/hub-mirror.sh" addr)"
if ((show_secrets)); then
  echo "  password: $REGISTRY_PASSWORD"
fi
echo "  env:      source $env_file"
