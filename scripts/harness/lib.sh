# shellcheck shell=bash
# Shared settings and helpers for the harness scripts. Source it, do not run it.

HARNESS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HARNESS_LIB_DIR/../.." && pwd)
HARNESS_DIR=$(realpath -m "${HARNESS_DIR:-$REPO/.harness}")
export REPO HARNESS_DIR

# A unix socket path must fit in sun_path (108 bytes including the NUL).
readonly SOCKET_PATH_MAX=107
# The longest socket dockerd creates below its exec root (containerd's ttrpc socket).
readonly EXEC_ROOT_LONGEST_SOCKET=/containerd/containerd.sock.ttrpc

log() { printf '[harness] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

require_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 ||
      die "'$cmd' not found; run scripts/harness/deps.sh --install (as root)"
  done
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 needs root"
}

# Marks a directory as a harness state dir, so a mistyped HARNESS_DIR (say $HOME)
# is never chmod-ed or purged.
readonly STATE_MARKER=.harness-state

ensure_state_dir() {
  if [[ -d $HARNESS_DIR && ! -f $HARNESS_DIR/$STATE_MARKER ]] &&
    [[ -n $(ls -A "$HARNESS_DIR") ]]; then
    die "$HARNESS_DIR is not empty and not a harness state dir; set HARNESS_DIR elsewhere"
  fi
  mkdir -p "$HARNESS_DIR"
  chmod 700 "$HARNESS_DIR"
  touch "$HARNESS_DIR/$STATE_MARKER"
  # Keeps the state dir out of git even where the repo's .gitignore lacks it.
  [[ -f $HARNESS_DIR/.gitignore ]] || printf '*\n' >"$HARNESS_DIR/.gitignore"
}

# Where the engine's sockets live: the state dir itself when its paths are short
# enough, otherwise a short directory under /tmp derived from the state dir.
engine_run_dir() {
  local exec_root_socket="$HARNESS_DIR/docker-exec$EXEC_ROOT_LONGEST_SOCKET"
  if ((${#exec_root_socket} <= SOCKET_PATH_MAX)); then
    printf '%s\n' "$HARNESS_DIR"
  else
    printf '/tmp/dkz-%s\n' "$(printf '%s' "$HARNESS_DIR" | sha256sum | cut -c1-12)"
  fi
}

# Used by the scripts that source this file.
# shellcheck disable=SC2034
{
  ENGINE_RUN_DIR=$(engine_run_dir)
  DOCKER_SOCK=$ENGINE_RUN_DIR/docker.sock
  DOCKER_EXEC_ROOT=$ENGINE_RUN_DIR/docker-exec
  HARNESS_DOCKER_HOST=unix://$DOCKER_SOCK
  # The same engine over TCP with mutual TLS, on a loopback port chosen at each start.
  TLS_DIR=$HARNESS_DIR/tls
  TLS_CLIENT_DIR=$TLS_DIR/client # ca.pem, cert.pem, key.pem: usable as DOCKER_CERT_PATH
  TLS_PORT_FILE=$HARNESS_DIR/engine-tls-port
}

# Prints the engine's TLS address (tcp://127.0.0.1:PORT) recorded at its last start.
harness_tls_host() {
  local port
  [[ -f $TLS_PORT_FILE ]] || return 1
  port=$(<"$TLS_PORT_FILE")
  [[ $port =~ ^[0-9]+$ ]] || return 1
  printf 'tcp://127.0.0.1:%s\n' "$port"
}

# Prints the PID stored in a file if that process is alive and its command line
# contains the given marker (guards against a recycled PID).
live_pid() {
  local pid_file=$1 marker=$2 pid
  [[ -f $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}

# Sends TERM to one PID, waits up to $2 seconds, then KILLs it.
stop_pid() {
  local pid=$1 timeout=${2:-30} waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= timeout * 10)); then
      log "pid $pid still alive after ${timeout}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # Reap it if it is our child; harmless otherwise.
  wait "$pid" 2>/dev/null || true
}

# Prints a free TCP port on 127.0.0.1 (chosen by the kernel).
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Prints the log lines written since the last start marker.
log_since_marker() {
  local file=$1
  [[ -f $file ]] || return 0
  awk '/^=== harness start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$file"
}

# Prints the log lines written since the last start marker (at most $2 lines) to stderr.
log_tail_since_marker() {
  log_since_marker "$1" | tail -n "${2:-40}" >&2
}

# --- stand-in base images (base-image.sh, multiarch-base.sh) ---

SUITE=bookworm
CACHE_DIR=$HARNESS_DIR/cache

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

# Builds a Debian $SUITE minbase root file system for $1 (amd64, arm64) with python3, pip and
# venv into the tarball $2 (and its checksum $2.sha256). A foreign architecture runs
# debootstrap's second stage under QEMU (emulation.sh ensure first).
build_rootfs_tar() {
  local arch=$1 tarball=$2 root mirror
  root=$CACHE_DIR/rootfs-$arch.tmp
  require_root "debootstrap"
  require_cmd debootstrap
  mirror=$(debian_mirror)
  log "building the $arch root file system with debootstrap from $mirror (once; minutes for a foreign CPU)"
  rm -rf --one-file-system "$root"
  mkdir -p "$root" "$CACHE_DIR/debs-$arch"
  if ! debootstrap --arch="$arch" --variant=minbase --include=python3,python3-pip,python3-venv \
    --cache-dir="$CACHE_DIR/debs-$arch" "$SUITE" "$root" "$mirror" >"$CACHE_DIR/debootstrap-$arch.log" 2>&1; then
    tail -n 20 "$CACHE_DIR/debootstrap-$arch.log" >&2
    [[ -f $root/debootstrap/debootstrap.log ]] && tail -n 20 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (log: $CACHE_DIR/debootstrap-$arch.log)"
  fi
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  ln -sfn python3 "$root/usr/bin/python"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
  sha256sum "$tarball.tmp" | cut -d' ' -f1 >"$tarball.sha256.tmp"
  mv "$tarball.sha256.tmp" "$tarball.sha256"
  mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$root"
}

# The machine's certificate authorities, as the host's tools use them.
host_ca_bundle() {
  local bundle
  for bundle in "${PIP_CERT:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [[ -n $bundle && -f $bundle ]]; then
      printf '%s\n' "$bundle"
      return
    fi
  done
  die "no certificate bundle found (PIP_CERT, SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt)"
}

