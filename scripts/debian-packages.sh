#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing.
#   debian-packages.sh base    python venv, node, npm, git, curl
#   debian-packages.sh engine  a Docker engine, a registry, debootstrap and QEMU (for the harness)
#   debian-packages.sh browser Debian's Chromium (for the Galata UI tests)
#   debian-packages.sh node    Node.js and npm, where the machine has none
# Without root it names what is missing and how to install it, and fails.
set -euo pipefail

declare -A wanted=(
  [base]="python3-venv git curl ca-certificates"
  [engine]="docker.io docker-registry apache2-utils debootstrap iproute2 util-linux openssl podman qemu-user-static binfmt-support"
  [browser]="chromium fonts-dejavu-core"
  [node]="nodejs npm"
)

packages=()
for group in "$@"; do
  [[ -n ${wanted[$group]:-} ]] || { echo "unknown package group: $group" >&2; exit 2; }
  read -r -a names <<<"${wanted[$group]}"
  packages+=("${names[@]}")
done

missing=()
for name in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' || missing+=("$name")
done
# This machine kind ships python3 and node outside Debian's packages: accept those too.
if [[ " ${missing[*]} " == *" python3-venv "* ]] && python3 -m venv --help >/dev/null 2>&1; then
  missing=("${missing[@]/python3-venv/}")
fi
read -r -a missing <<<"${missing[*]:-}"
((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[setup] apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
