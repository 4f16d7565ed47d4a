#!/usr/bin/env bash
# Stand-in for Docker Hub: hub-mirror.sh start|stop|status|addr
# A registry without auth on loopback that the harness engine uses as its
# "registry-mirrors", so an image named like Docker Hub's (python:3.11-slim) resolves
# there when the engine's own store cannot serve it: BuildKit asks for it when building
# for another platform than the engine's (multiarch-base.sh publishes an amd64 + arm64
# index into it). The address is kept across starts, since the engine's config names it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MIRROR_DIR=$HARNESS_DIR/hub-mirror
MIRROR_DATA=$HARNESS_DIR/hub-mirror-data
CONFIG_FILE=$MIRROR_DIR/config.yml
ADDR_FILE=$MIRROR_DIR/addr
PID_FILE=$MIRROR_DIR/registry.pid
LOG_FILE=$MIRROR_DIR/registry.log
MIRROR_TIMEOUT=${HARNESS_REGISTRY_TIMEOUT:-30}

mirror_pid() { live_pid "$PID_FILE" "$CONFIG_FILE"; }

answers() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/" || true) == 200 ]]
}

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

write_config() {
  cat >"$CONFIG_FILE" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: "$MIRROR_DATA"
http:
  addr: $1
YAML
}

launch() {
  local addr=$1 pid waited=0
  write_config "$addr"
  printf '=== harness start %s addr=%s\n' "$(date -Is)" "$addr" >>"$LOG_FILE"
  setsid docker-registry serve "$CONFIG_FILE" </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  until answers "$addr"; do
    if ! kill -0 "$pid" 2>/dev/null || ((waited >= MIRROR_TIMEOUT * 5)); then
      stop_pid "$pid" 5
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  printf '%s\n' "$addr" >"$ADDR_FILE"
}

cmd_start() {
  local addr="" attempt
  require_cmd docker-registry curl python3 setsid
  if mirror_pid >/dev/null && [[ -f $ADDR_FILE ]] && answers "$(<"$ADDR_FILE")"; then
    log "hub mirror already running ($(<"$ADDR_FILE"))"
    return 0
  fi
  cmd_stop >/dev/null 2>&1
  ensure_state_dir
  mkdir -p "$MIRROR_DIR" "$MIRROR_DATA"
  [[ -f $ADDR_FILE ]] && addr=$(<"$ADDR_FILE")
  for attempt in 1 2 3; do
    # The same address as before when it is free: the engine's config names it.
    if [[ -z $addr ]] || ! port_free "${addr##*:}"; then
      addr=127.0.0.1:$(free_port)
    fi
    if launch "$addr"; then
      log "hub mirror running (pid $(mirror_pid), http://$addr)"
      return 0
    fi
    log "hub mirror attempt $attempt failed; last log lines:"
    log_tail_since_marker "$LOG_FILE" 10
    addr=""
  done
  die "could not start the hub mirror (log: $LOG_FILE)"
}

cmd_stop() {
  local pid
  if pid=$(mirror_pid); then
    stop_pid "$pid" 15
    log "hub mirror stopped"
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  if mirror_pid >/dev/null && [[ -f $ADDR_FILE ]] && answers "$(<"$ADDR_FILE")"; then
    printf 'hub mirror: running (http://%s)\n' "$(<"$ADDR_FILE")"
  else
    printf 'hub mirror: stopped\n'
    return 1
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  addr) [[ -f $ADDR_FILE ]] && cat "$ADDR_FILE" ;;
  *)
    echo "usage: $0 start|stop|status|addr" >&2
    exit 2
    ;;
esac
