#!/usr/bin/env bash
# Private Docker engine for tests: engine.sh start|stop|status
# Its own data root, exec root, socket and containerd namespace, so it never
# touches a system daemon at /var/run/docker.sock.
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

engine_docker() { docker -H "$HARNESS_DOCKER_HOST" "$@"; }

engine_pid() { live_pid "$PID_FILE" "$DATA_ROOT"; }

engine_answers() { engine_docker version >/dev/null 2>&1; }

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
  # An empty config file, so /etc/docker/daemon.json of a system daemon is not read.
  [[ -f $DAEMON_CONFIG ]] || printf '{}\n' >"$DAEMON_CONFIG"
}

# Starts dockerd with the given storage driver and waits until it answers.
launch_dockerd() {
  local driver=$1 pid waited=0
  printf '=== harness start %s storage-driver=%s\n' "$(date -Is)" "$driver" >>"$LOG_FILE"
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
    </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  while ! engine_answers; do
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
  rm -f "$PID_FILE" "$DOCKER_SOCK"
}

cmd_start() {
  local pid driver
  require_root "the Docker engine"
  require_cmd dockerd docker containerd setsid tar
  if pid=$(engine_pid) && engine_answers; then
    log "engine already running (pid $pid, $HARNESS_DOCKER_HOST)"
    return 0
  fi
  stop_engine # a half-dead daemon from an earlier run
  prepare_dirs
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
  log "engine running (pid $(engine_pid), storage driver $driver, $HARNESS_DOCKER_HOST)"
}

cmd_stop() {
  if ! engine_pid >/dev/null; then
    unmount_leftovers
    rm -f "$PID_FILE" "$DOCKER_SOCK"
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
