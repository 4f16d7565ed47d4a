#!/usr/bin/env bash
# Stand-in for python:3.11-slim (Docker Hub is out of reach): a Debian bookworm
# minbase root file system with python3, pip and venv, imported into the engine, that
# trusts this machine's certificate authorities (its package index may sit behind a
# TLS proxy only they sign), so builds reach the index as they would anywhere else.
#   base-image.sh [--rebuild] [--python-home DIR] [EXTRA_TAG...]
# An extra tag python:X.Y.Z-slim whose X.Y.Z is the version of the Python installed in
# DIR (--python-home) gets that very Python in /usr/local, as the real image has it:
# a generated Dockerfile names the kernel's exact version, and packages may require it
# (soupsieve 4.1.3 wants >= 3.11.5; Debian's is 3.11.2). Other extra tags are aliases.
# The root file system is cached as a tarball, so debootstrap runs only once;
# an image is rebuilt only when its inputs changed (a label holds their checksum).
# Targets $DOCKER_HOST, defaulting to the harness engine.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRIMARY_TAG=python:3.11-slim
ROOTFS_TAR=$CACHE_DIR/python-slim-rootfs.tar
ROOTFS_SUM=$ROOTFS_TAR.sha256
CACHE_LABEL=dockerize.harness.rootfs-sha256
export DOCKER_HOST=${DOCKER_HOST:-$HARNESS_DOCKER_HOST}

# python:X.Y.Z-slim from the stand-in plus the Python installed in $2 (its standard
# library, not its site-packages) and the machine's certificates; pip from ensurepip.
build_python_image() {
  local tag=$1 home=$2 sum=$3 context minor
  context=$(mktemp -d)
  minor=$("$home/bin/python3" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  tar -C "$home" --exclude="./lib/python$minor/site-packages" --exclude="./lib/python$minor/test" \
    --exclude='__pycache__' -cf "$context/python.tar" ./lib ./include \
    $(cd "$home" && ls -d ./bin/python* ./bin/pydoc*)
  cp "$(host_ca_bundle)" "$context/ca.crt"
  cat >"$context/Dockerfile" <<DOCKERFILE
FROM $PRIMARY_TAG
ADD python.tar /usr/local/
RUN mkdir -p /usr/local/lib/python$minor/site-packages && ldconfig \\
    && ln -sf python3 /usr/local/bin/python && python -m ensurepip --default-pip >/dev/null \\
    && rm -rf /root/.cache && python -c 'import platform; print(platform.python_version())'
LABEL $CACHE_LABEL=$sum
DOCKERFILE
  log "building $tag with the Python of $home"
  docker build -q --network host -t "$tag" "$context" >/dev/null
  rm -rf "$context"
}

image_cache_sum() {
  docker image inspect --format "{{ index .Config.Labels \"$CACHE_LABEL\" }}" "$1" 2>/dev/null || true
}

main() {
  local rebuild=0 sum tag python_home="" python_version="" ca_sum
  local -a extra_tags=()
  while (($#)); do
    case $1 in
      --rebuild) rebuild=1 ;;
      --python-home)
        [[ $# -ge 2 ]] || die "--python-home needs a folder"
        python_home=$2
        shift
        ;;
      -h | --help)
        sed -n '2,8s/^# \{0,1\}//p' "$0"
        return 0
        ;;
      -*) die "unknown option $1" ;;
      *) extra_tags+=("$1") ;;
    esac
    shift
  done
  require_cmd docker tar sha256sum
  docker version >/dev/null 2>&1 || die "no engine answers at $DOCKER_HOST; run scripts/harness/engine.sh start"

  ensure_state_dir
  mkdir -p "$CACHE_DIR"
  if ((rebuild)); then
    rm -f "$ROOTFS_TAR" "$ROOTFS_SUM"
  fi
  if [[ ! -f $ROOTFS_TAR || ! -f $ROOTFS_SUM ]]; then
    build_rootfs_tar amd64 "$ROOTFS_TAR"
  fi
  ca_sum=$(sha256sum "$(host_ca_bundle)" | cut -d' ' -f1)
  sum=$(printf '%s %s v2' "$(<"$ROOTFS_SUM")" "$ca_sum" | sha256sum | cut -d' ' -f1)

  if [[ $(image_cache_sum "$PRIMARY_TAG") == "$sum" ]]; then
    log "$PRIMARY_TAG is up to date (inputs ${sum:0:12})"
  else
    log "importing $PRIMARY_TAG from $ROOTFS_TAR"
    local context
    context=$(mktemp -d)
    cp "$(host_ca_bundle)" "$context/ca.crt"
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["python3"]' \
      "$ROOTFS_TAR" dockerize-harness/debian-rootfs:latest >/dev/null
    printf '%s\n' "FROM dockerize-harness/debian-rootfs:latest" \
      "COPY ca.crt /etc/ssl/certs/ca-certificates.crt" \
      "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt" \
      "LABEL $CACHE_LABEL=$sum" >"$context/Dockerfile"
    docker build -q --network host -t "$PRIMARY_TAG" "$context" >/dev/null
    rm -rf "$context"
  fi
  if [[ -n $python_home ]]; then
    python_version=$("$python_home/bin/python3" -c 'import platform; print(platform.python_version())')
  fi
  for tag in "${extra_tags[@]}"; do
    if [[ -n $python_version && $tag == "python:$python_version-slim" ]]; then
      local python_sum
      python_sum=$(printf '%s %s %s' "$sum" "$python_home" \
        "$(stat -c %Y "$python_home/lib" "$python_home/bin/python3")" | sha256sum | cut -d' ' -f1)
      if [[ $(image_cache_sum "$tag") != "$python_sum" ]]; then
        build_python_image "$tag" "$python_home" "$python_sum"
      fi
    elif [[ $(image_cache_sum "$tag") != "$sum" ]]; then
      docker tag "$PRIMARY_TAG" "$tag"
      log "tagged $tag"
    fi
  done
}

main "$@"
