#!/usr/bin/env bash
# The stand-in python:3.11-slim for linux/arm64 too, as Docker Hub has it: an arm64
# Debian bookworm minbase root with python3, pip and venv (debootstrap under QEMU, cached
# as a tarball), and an index of both platforms under library/python:3.11-slim in the hub
# mirror (hub-mirror.sh), where the engine finds it when it builds or pulls for a
# platform its own store cannot serve. Run after base-image.sh (the amd64 image).
#   multiarch-base.sh [--rebuild]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRIMARY_TAG=python:3.11-slim
ARM64_TAG=dockerize-harness/python-slim:linux-arm64
ROOTFS_TAR=$CACHE_DIR/python-slim-rootfs-arm64.tar
CACHE_LABEL=dockerize.harness.rootfs-sha256
PUBLISHED_FILE=$HARNESS_DIR/hub-mirror/published
# The CLI with BuildKit's integrated client (Debian's 20.10): FROM scratch + ADD gives an
# image whose config says arm64 (`docker import --platform` on 20.10 records amd64).
BUILDKIT_DOCKER=${HARNESS_BUILDKIT_DOCKER:-/usr/bin/docker}
export DOCKER_HOST=${DOCKER_HOST:-$HARNESS_DOCKER_HOST}

image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$CACHE_LABEL\" }}" "$1" 2>/dev/null || true
}

build_arm64_image() {
  local sum=$1 context
  context=$(mktemp -d)
  ln "$ROOTFS_TAR" "$context/rootfs.tar" 2>/dev/null || cp "$ROOTFS_TAR" "$context/rootfs.tar"
  cp "$(host_ca_bundle)" "$context/ca.crt"
  cat >"$context/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
COPY ca.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
LABEL $CACHE_LABEL=$sum
DOCKERFILE
  log "building $ARM64_TAG (linux/arm64)"
  DOCKER_BUILDKIT=1 "$BUILDKIT_DOCKER" build -q --platform linux/arm64 --network host \
    -t "$ARM64_TAG" "$context" >/dev/null
  rm -rf "$context"
}

# Pushes both images to the hub mirror and one index of them as library/python:3.11-slim.
publish_index() {
  local mirror=$1 amd64_id=$2 arm64_id=$3 config repo=$1/library/python
  config=$(mktemp -d) # the CLI's own config folder: nothing is written to ~/.docker
  docker tag "$PRIMARY_TAG" "$repo:3.11-slim-linux-amd64"
  docker tag "$ARM64_TAG" "$repo:3.11-slim-linux-arm64"
  docker push -q "$repo:3.11-slim-linux-amd64" >/dev/null
  docker push -q "$repo:3.11-slim-linux-arm64" >/dev/null
  DOCKER_CONFIG=$config docker manifest create --insecure "$repo:3.11-slim" \
    "$repo:3.11-slim-linux-amd64" "$repo:3.11-slim-linux-arm64" >/dev/null
  DOCKER_CONFIG=$config docker manifest push --insecure --purge "$repo:3.11-slim" >/dev/null
  docker rmi "$repo:3.11-slim-linux-amd64" "$repo:3.11-slim-linux-arm64" >/dev/null
  rm -rf "$config"
  printf '%s %s %s\n' "$mirror" "$amd64_id" "$arm64_id" >"$PUBLISHED_FILE"
  log "published $PRIMARY_TAG (linux/amd64, linux/arm64) in the hub mirror $mirror"
}

index_answers() {
  curl -sf -o /dev/null --max-time 5 \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$1/v2/library/python/manifests/3.11-slim"
}

main() {
  local rebuild=0 sum mirror amd64_id arm64_id
  [[ ${1:-} == --rebuild ]] && rebuild=1
  require_cmd docker curl tar sha256sum
  [[ -x $BUILDKIT_DOCKER ]] || die "$BUILDKIT_DOCKER (Debian's docker.io CLI) is missing"
  "$HARNESS_LIB_DIR/emulation.sh" ensure
  mirror=$("$HARNESS_LIB_DIR/hub-mirror.sh" addr) || die "the hub mirror never started"
  docker image inspect "$PRIMARY_TAG" >/dev/null 2>&1 || die "$PRIMARY_TAG is missing: run base-image.sh first"
  mkdir -p "$CACHE_DIR"
  if ((rebuild)); then
    rm -f "$ROOTFS_TAR" "$ROOTFS_TAR.sha256"
  fi
  if [[ ! -f $ROOTFS_TAR || ! -f $ROOTFS_TAR.sha256 ]]; then
    build_rootfs_tar arm64 "$ROOTFS_TAR"
  fi
  sum=$(printf '%s %s arm64 v1' "$(<"$ROOTFS_TAR.sha256")" \
    "$(sha256sum "$(host_ca_bundle)" | cut -d' ' -f1)" | sha256sum | cut -d' ' -f1)
  if [[ $(image_label "$ARM64_TAG") != "$sum" ]]; then
    build_arm64_image "$sum"
  fi
  amd64_id=$(docker image inspect --format '{{.Id}}' "$PRIMARY_TAG")
  arm64_id=$(docker image inspect --format '{{.Id}}' "$ARM64_TAG")
  if [[ $(cat "$PUBLISHED_FILE" 2>/dev/null) == "$mirror $amd64_id $arm64_id" ]] && index_answers "$mirror"; then
    log "$PRIMARY_TAG (linux/amd64, linux/arm64) is up to date in the hub mirror"
  else
    publish_index "$mirror" "$amd64_id" "$arm64_id"
  fi
  # The proof that counts: an arm64 container of the index runs here.
  [[ $(docker run --rm --platform linux/arm64 --network none "$ARM64_TAG" uname -m) == aarch64 ]] ||
    die "an arm64 container does not run on this engine (emulation.sh status)"
}

main "$@"
