#!/usr/bin/env bash
# Checks the tools the harness needs; with --install (root) apt-installs what is missing.
#   deps.sh [--install]
set -euo pipefail

# command -> Debian package
declare -A packages=(
  [dockerd]=docker.io
  [docker]=docker.io
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
  [debootstrap]=debootstrap
  [curl]=curl
  [python3]=python3
  [openssl]=openssl
  [qemu-aarch64-static]=qemu-user-static
  [update-binfmts]=binfmt-support
)

missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
if ((${#missing[@]} == 0)); then
  echo "harness dependencies: all present"
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "harness dependencies missing: ${missing[*]}" >&2
if [[ ${1:-} != --install ]]; then
  echo "install them with: $0 --install (as root)" >&2
  exit 1
fi
[[ $(id -u) -eq 0 ]] || { echo "--install needs root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
