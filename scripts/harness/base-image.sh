#!/usr/bin/env bash
# Stand-in for python:3.11-slim (Docker Hub is out of reach): a Debian bookworm
# minbase root file system with python3, pip and venv, imported into the engine.
#   base-image.sh [--rebuild] [EXTRA_TAG...]
# The root file system is cached as a tarball, so debootstrap runs only once;
# the import is skipped when the image already holds that same tarball.
# Targets $DOCKER_HOST, defaulting to the harness engine.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRIMARY_TAG=python:3.11-slim
SUITE=bookworm
CACHE_DIR=$HARNESS_DIR/cache
ROOTFS_TAR=$CACHE_DIR/python-slim-rootfs.tar
ROOTFS_SUM=$ROOTFS_TAR.sha256
CACHE_LABEL=dockerize.harness.rootfs-sha256
export DOCKER_HOST=${DOCKER_HOST:-$HARNESS_DOCKER_HOST}

# The Debian mirror apt uses for $SUITE (deb822 or one-line format).
debian_mirror() {
  local mirror=""
  if [[ -n ${HARNESS_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$HARNESS_DEBIAN_MIRROR"
    return
  fi
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk -v suite="$SUITE" 'BEGIN { RS = "" }
      {
        uri = ""; hit = 0
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (lines[i] ~ /^URIs:/) { split(lines[i], f, /[ \t]+/); uri = f[2] }
          if (lines[i] ~ /^Suites:/) {
            m = split(lines[i], s, /[ \t]+/)
            for (j = 2; j <= m; j++) if (s[j] == suite) hit = 1
          }
        }
        if (hit && uri != "") { print uri; exit }
      }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
    mirror=$(awk -v suite="$SUITE" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' /etc/apt/sources.list)
  fi
  printf '%s\n' "${mirror:-http://deb.debian.org/debian}"
}

build_rootfs_tar() {
  local root=$CACHE_DIR/rootfs.tmp mirror
  require_root "debootstrap"
  require_cmd debootstrap
  mirror=$(debian_mirror)
  log "building the root file system with debootstrap from $mirror (about a minute, once)"
  rm -rf --one-file-system "$root"
  mkdir -p "$root" "$CACHE_DIR/debs"
  if ! debootstrap --variant=minbase --include=python3,python3-pip,python3-venv \
    --cache-dir="$CACHE_DIR/debs" "$SUITE" "$root" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE_DIR/debootstrap.log" >&2
    [[ -f $root/debootstrap/debootstrap.log ]] && tail -n 20 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"
  fi
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  ln -sfn python3 "$root/usr/bin/python"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$root" -cf "$ROOTFS_TAR.tmp" .
  sha256sum "$ROOTFS_TAR.tmp" | cut -d' ' -f1 >"$ROOTFS_SUM.tmp"
  mv "$ROOTFS_SUM.tmp" "$ROOTFS_SUM"
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf --one-file-system "$root"
}

image_cache_sum() {
  docker image inspect --format "{{ index .Config.Labels \"$CACHE_LABEL\" }}" "$1" 2>/dev/null || true
}

main() {
  local rebuild=0 sum tag
  local -a extra_tags=()
  while (($#)); do
    case $1 in
      --rebuild) rebuild=1 ;;
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
    build_rootfs_tar
  fi
  sum=$(<"$ROOTFS_SUM")

  if [[ $(image_cache_sum "$PRIMARY_TAG") == "$sum" ]]; then
    log "$PRIMARY_TAG is up to date (rootfs ${sum:0:12})"
  else
    log "importing $PRIMARY_TAG from $ROOTFS_TAR"
    docker import \
      --change "LABEL $CACHE_LABEL=$sum" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["python3"]' \
      "$ROOTFS_TAR" "$PRIMARY_TAG" >/dev/null
  fi
  for tag in "${extra_tags[@]}"; do
    if [[ $(image_cache_sum "$tag") != "$sum" ]]; then
      docker tag "$PRIMARY_TAG" "$tag"
      log "tagged $tag"
    fi
  done
}

main "$@"
