#!/usr/bin/env bash
# Checks a running harness end to end: the stand-in base runs and builds, and
# the registry refuses a push without login and takes it after login.
# Run after up.sh. Uses a throwaway DOCKER_CONFIG, so no credentials land in ~/.docker.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f $HARNESS_DIR/env ]] || die "no $HARNESS_DIR/env; run scripts/harness/up.sh first"
# shellcheck source=/dev/null
source "$HARNESS_DIR/env"

work=$(mktemp -d)
export DOCKER_CONFIG=$work/docker-config
mkdir -p "$DOCKER_CONFIG"
image=$DOCKERIZE_TEST_REGISTRY/dockerize/smoke:1
cleanup() {
  docker rmi "$image" smoke-local:1 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== run python:3.11-slim"
docker run --rm --network host python:3.11-slim python -c 'import sys; print(sys.version)'

echo "== build FROM python:3.11-slim"
mkdir -p "$work/context"
printf 'FROM python:3.11-slim\nRUN python -m pip --version\n' >"$work/context/Dockerfile"
docker build --network host -t smoke-local:1 "$work/context"
docker tag smoke-local:1 "$image"

echo "== push without login (must fail)"
if docker push "$image"; then
  die "push without login succeeded; the registry does not enforce auth"
fi

echo "== login and push"
printf '%s' "$DOCKERIZE_TEST_REGISTRY_PASSWORD" |
  docker login -u "$DOCKERIZE_TEST_REGISTRY_USER" --password-stdin "$DOCKERIZE_TEST_REGISTRY"
docker push "$image"
docker logout "$DOCKERIZE_TEST_REGISTRY" >/dev/null
echo "smoke: OK"
