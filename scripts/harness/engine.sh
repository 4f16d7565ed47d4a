#!/usr/bin/env bash
# Private Docker engine for tests: engine.sh start|stop|status
# Its own data root, exec root, socket and containerd namespace, so it never
# touches a system daemon at /var/run/docker.sock. It also listens on a loopback
# TCP port with mutual TLS (certificates made once below $HARNESS_DIR/tls).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA_ROOT=$HARNESS_DIR/docker-data
PID_FILE=$HARNESS_DIR/dockerd.pid
LOG_FILE=$HARNESS_DIR/dockerd.log
DAEMON_CONFIG=$HARNESS_DIR/daemon.json
DRIVER_FILE=$HARNESS_DIR/storage-driver
ENGINE_TIMEOUT=${HARNESS_ENGINE_TIMEOUT:-60}
CONTAINERD_NAMESPACE=dockerize-harness
# Tries with a fresh port when another process took the chosen one in the meantime.
TLS_PORT_ATTEMPTS=3

engine_docker() { docker -H "$HARNESS_DOCKER_HOST" "$@"; }

engine_pid() { live_pid "$PID_FILE" "$DATA_ROOT"; }

engine_answers() { engine_docker version >/dev/null 2>&1; }

# The TLS endpoint answers the client certificate the way a user would use it.
engine_answers_tls() {
  local host
  host=$(harness_tls_host) || return 1
  DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TLS_CLIENT_DIR docker -H "$host" version >/dev/null 2>&1
}

# True when the certificates in directory $1 exist, chain to its CA and stay valid for a day.
tls_certs_usable() {
  local dir=$1 file
  for file in ca.pem ca-key.pem server-cert.pem server-key.pem client/ca.pem client/cert.pem \
    client/key.pem; do
    [[ -s $dir/$file ]] || return 1
  done
  for file in ca.pem server-cert.pem client/cert.pem; do
    openssl x509 -checkend 86400 -noout -in "$dir/$file" >/dev/null 2>&1 || return 1
  done
  openssl verify -CAfile "$dir/ca.pem" "$dir/server-cert.pem" "$dir/client/cert.pem" \
    >/dev/null 2>&1
}

# Issues a leaf certificate signed by the CA in the current directory.
#   issue_cert NAME EXTENDED_KEY_USAGE [SUBJECT_ALT_NAME]
issue_cert() {
  local name=$1 usage=$2 alt_names=${3:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=dockerize-harness-$name" -keyout "$name-key.pem" -out "$name.csr" 2>/dev/null ||
    return 1
  {
    printf 'basicConstraints = critical, CA:FALSE\n'
    printf 'keyUsage = critical, digitalSignature\n'
    printf 'extendedKeyUsage = %s\n' "$usage"
    printf 'subjectKeyIdentifier = hash\n'
    printf 'authorityKeyIdentifier = keyid, issuer\n'
    [[ -z $alt_names ]] || printf 'subjectAltName = %s\n' "$alt_names"
  } >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -days 825 -sha256 \
    -extfile "$name.ext" -out "$name-cert.pem" 2>/dev/null || return 1
  rm -f "$name.csr" "$name.ext"
}

# Makes the CA, the server and the client certificates in the current directory. The
# client directory holds ca.pem, cert.pem and key.pem, the names DOCKER_CERT_PATH expects.
make_tls_certs() {
  umask 077
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -sha256 -subj "/CN=dockerize-harness-ca" -keyout ca-key.pem -out ca.pem \
    -addext "basicConstraints = critical, CA:TRUE" \
    -addext "keyUsage = critical, keyCertSign, cRLSign" \
    -addext "subjectKeyIdentifier = hash" 2>/dev/null || return 1
  issue_cert server serverAuth "IP:127.0.0.1, DNS:localhost" || return 1
  issue_cert client clientAuth || return 1
  mkdir client &&
    cp ca.pem client/ca.pem &&
    mv client-cert.pem client/cert.pem &&
    mv client-key.pem client/key.pem &&
    chmod 600 ca-key.pem server-key.pem client/key.pem &&
    chmod 644 ca.pem server-cert.pem client/ca.pem client/cert.pem
}

# TLS certificates for the engine's TCP port, made once (again only when they expire).
ensure_tls_certs() {
  local work
  tls_certs_usable "$TLS_DIR" && return 0
  log "making TLS certificates in $TLS_DIR"
  work=$(mktemp -d "$HARNESS_DIR/tls.new.XXXXXX")
  if ! (cd "$work" && make_tls_certs) || ! tls_certs_usable "$work"; then
    rm -rf "$work"
    die "openssl could not make usable TLS certificates"
  fi
  rm -rf "$TLS_DIR"
  mv "$work" "$TLS_DIR"
}

prepare_dirs() {
  ensure_state_dir
  if [[ $ENGINE_RUN_DIR != "$HARNESS_DIR" ]]; then
    if [[ -e $ENGINE_RUN_DIR && ! -O $ENGINE_RUN_DIR ]]; then
      die "$ENGINE_RUN_DIR exists and is not owned by $(id -un)"
    fi
    mkdir -p "$ENGINE_RUN_DIR"
    chmod 700 "$ENGINE_RUN_DIR"
    printf '%s\n' "$ENGINE_RUN_DIR" >"$HARNESS_DIR/engine-run-dir"
  fi
  mkdir -p "$DATA_ROOT" "$DOCKER_EXEC_ROOT"
  # Our own config file, so /etc/docker/daemon.json of a system daemon is not read.
  daemon_config >"$DAEMON_CONFIG"
}

# The engine's config: the hub mirror (hub-mirror.sh) as its Docker Hub mirror, if any.
daemon_config() {
  local mirror
  mirror=$("$HARNESS_LIB_DIR/hub-mirror.sh" addr 2>/dev/null || true)
  if [[ -n $mirror ]]; then
    printf '{"registry-mirrors": ["http://%s"]}\n' "$mirror"
  else
    printf '{}\n'
  fi
}

# Starts dockerd with the given storage driver and waits until both its unix socket and
# its TLS port answer. Picks another port if the chosen one was taken before dockerd bound it.
launch_dockerd() {
  local driver=$1 attempt
  for ((attempt = 1; attempt <= TLS_PORT_ATTEMPTS; attempt++)); do
    launch_dockerd_once "$driver" && return 0
    log_since_marker "$LOG_FILE" | grep -q 'address already in use' || return 1
    log "TLS port $(<"$TLS_PORT_FILE") was taken meanwhile; trying another"
  done
  return 1
}

launch_dockerd_once() {
  local driver=$1 pid waited=0 port
  port=$(free_port)
  printf '%s\n' "$port" >"$TLS_PORT_FILE"
  printf '=== harness start %s storage-driver=%s tls-port=%s\n' "$(date -Is)" "$driver" "$port" \
    >>"$LOG_FILE"
  setsid dockerd \
    --config-file "$DAEMON_CONFIG" \
    --iptables=false --bridge=none \
    --storage-driver "$driver" \
    --data-root "$DATA_ROOT" \
    --exec-root "$DOCKER_EXEC_ROOT" \
    --pidfile "$PID_FILE" \
    --containerd-namespace "$CONTAINERD_NAMESPACE" \
    --containerd-plugins-namespace "$CONTAINERD_NAMESPACE-plugins" \
    -H "$HARNESS_DOCKER_HOST" \
    -H "tcp://127.0.0.1:$port" \
    --tlsverify \
    --tlscacert "$TLS_DIR/ca.pem" \
    --tlscert "$TLS_DIR/server-cert.pem" \
    --tlskey "$TLS_DIR/server-key.pem" \
    </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  while ! { engine_answers && engine_answers_tls; }; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd (storage driver $driver) exited during startup"
      return 1
    fi
    if ((waited >= ENGINE_TIMEOUT * 2)); then
      log "dockerd (storage driver $driver) did not answer within ${ENGINE_TIMEOUT}s"
      stop_pid "$pid" 20
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  # dockerd writes the pid file itself; make sure it names the process we started.
  [[ -f $PID_FILE ]] || printf '%s\n' "$pid" >"$PID_FILE"
}

# Proves the storage driver can mount a layer: import a one-file image, create a
# container and export its root file system (which mounts the container layer).
probe_storage_driver() {
  local tmp ok=0
  tmp=$(mktemp -d)
  printf 'probe\n' >"$tmp/probe"
  engine_docker rm -f harness-probe >/dev/null 2>&1 || true
  if tar -C "$tmp" -c probe | engine_docker import - harness-probe:latest >/dev/null &&
    engine_docker create --name harness-probe harness-probe:latest /probe >/dev/null &&
    engine_docker export harness-probe | tar -t | grep -x probe >/dev/null; then
    ok=1
  fi
  engine_docker rm -f harness-probe >/dev/null 2>&1 || true
  engine_docker rmi harness-probe:latest >/dev/null 2>&1 || true
  rm -rf "$tmp"
  ((ok == 1))
}

# dockerd leaves its netns/default bind mount behind (and overlay mounts when killed).
unmount_leftovers() {
  local target
  local -a targets
  mapfile -t targets < <(findmnt -rn -o TARGET | grep -F -e "$DOCKER_EXEC_ROOT/" -e "$DATA_ROOT/" | sort -r)
  for target in "${targets[@]}"; do
    umount "$target" 2>/dev/null || umount -l "$target" || log "could not unmount $target"
  done
}

stop_engine() {
  local pid containerd_pid=""
  if pid=$(engine_pid); then
    # dockerd stops the containerd it supervises; remember it in case dockerd is killed.
    containerd_pid=$(live_pid "$DOCKER_EXEC_ROOT/containerd/containerd.pid" "$DOCKER_EXEC_ROOT" || true)
    log "stopping dockerd (pid $pid)"
    stop_pid "$pid" 40
    if [[ -n $containerd_pid ]] && kill -0 "$containerd_pid" 2>/dev/null; then
      log "stopping leftover containerd (pid $containerd_pid)"
      stop_pid "$containerd_pid" 10
    fi
  fi
  unmount_leftovers
  rm -f "$PID_FILE" "$DOCKER_SOCK" "$TLS_PORT_FILE"
}

cmd_start() {
  local pid driver
  require_root "the Docker engine"
  require_cmd dockerd docker containerd setsid tar openssl
  if pid=$(engine_pid) && engine_answers && engine_answers_tls &&
    [[ $(daemon_config) == "$(cat "$DAEMON_CONFIG" 2>/dev/null)" ]]; then
    log "engine already running (pid $pid, $HARNESS_DOCKER_HOST, $(harness_tls_host))"
    return 0
  fi
  stop_engine # a half-dead daemon from an earlier run, or one started without TLS
  prepare_dirs
  ensure_tls_certs
  if [[ $ENGINE_RUN_DIR != "$HARNESS_DIR" ]]; then
    log "socket paths under $HARNESS_DIR would be too long; using $ENGINE_RUN_DIR for the socket and exec root"
  fi

  if [[ -n ${HARNESS_STORAGE_DRIVER:-} ]]; then
    driver=$HARNESS_STORAGE_DRIVER
  elif [[ -f $DRIVER_FILE ]]; then
    driver=$(<"$DRIVER_FILE")
  else
    driver=overlay2
  fi

  if ! launch_dockerd "$driver" || { [[ ! -f $DRIVER_FILE ]] && ! probe_storage_driver; }; then
    log "dockerd with storage driver $driver does not work; last log lines:"
    log_tail_since_marker "$LOG_FILE" 15
    stop_engine
    if [[ $driver == vfs || -n ${HARNESS_STORAGE_DRIVER:-} ]]; then
      die "could not start the engine (log: $LOG_FILE)"
    fi
    driver=vfs
    log "retrying with storage driver vfs (slower, uses more disk)"
    if ! launch_dockerd "$driver" || ! probe_storage_driver; then
      log_tail_since_marker "$LOG_FILE" 40
      stop_engine
      die "could not start the engine with vfs either (log: $LOG_FILE)"
    fi
  fi
  printf '%s\n' "$driver" >"$DRIVER_FILE"
  log "engine running (pid $(engine_pid), storage driver $driver, $HARNESS_DOCKER_HOST, $(harness_tls_host) with TLS)"
}

cmd_stop() {
  if ! engine_pid >/dev/null; then
    unmount_leftovers
    rm -f "$PID_FILE" "$DOCKER_SOCK" "$TLS_PORT_FILE"
    log "engine not running"
    return 0
  fi
  stop_engine
  log "engine stopped"
}

cmd_status() {
  local pid version
  if pid=$(engine_pid) && version=$(engine_docker version --format '{{.Server.Version}}' 2>/dev/null); then
    printf 'engine: running (pid %s, version %s, storage driver %s, DOCKER_HOST=%s)\n' \
      "$pid" "$version" "$(cat "$DRIVER_FILE" 2>/dev/null || echo '?')" "$HARNESS_DOCKER_HOST"
    if engine_answers_tls; then
      printf 'engine: TLS at %s (DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s)\n' \
        "$(harness_tls_host)" "$TLS_CLIENT_DIR"
    else
      printf 'engine: TLS endpoint not answering\n'
    fi
  elif [[ -n ${pid:-} ]]; then
    printf 'engine: process %s alive but not answering on %s\n' "$pid" "$HARNESS_DOCKER_HOST"
    return 1
  else
    printf 'engine: stopped\n'
    return 1
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
