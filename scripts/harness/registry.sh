#!/usr/bin/env bash
# Password-protected image registry on loopback: registry.sh start|stop|status
# Each fresh start picks a free port and a new random password for user
# "dockerize"; both are written to $HARNESS_DIR/registry/credentials (mode 600).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_DIR=$HARNESS_DIR/registry
REGISTRY_DATA=$HARNESS_DIR/registry-data
CONFIG_FILE=$REGISTRY_DIR/config.yml
HTPASSWD_FILE=$REGISTRY_DIR/htpasswd
CREDENTIALS_FILE=$REGISTRY_DIR/credentials
PID_FILE=$REGISTRY_DIR/registry.pid
LOG_FILE=$REGISTRY_DIR/registry.log
REGISTRY_USER=dockerize
# Set by load_credentials.
REGISTRY_ADDR=""
REGISTRY_TIMEOUT=${HARNESS_REGISTRY_TIMEOUT:-30}

registry_pid() { live_pid "$PID_FILE" "$CONFIG_FILE"; }

http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/" || true
}

# Loads REGISTRY_ADDR, REGISTRY_USER and REGISTRY_PASSWORD.
load_credentials() {
  [[ -f $CREDENTIALS_FILE ]] || return 1
  # shellcheck source=/dev/null
  source "$CREDENTIALS_FILE"
}

random_password() {
  head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'
}

write_config() {
  local addr=$1 password=$2
  # Read from stdin so the password never shows up in the process list.
  printf '%s\n' "$password" | htpasswd -niB "$REGISTRY_USER" >"$HTPASSWD_FILE"
  cat >"$CONFIG_FILE" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: "$REGISTRY_DATA"
  delete:
    enabled: true
http:
  addr: $addr
  secret: "$(random_password)"
auth:
  htpasswd:
    realm: dockerize-harness
    path: "$HTPASSWD_FILE"
EOF
  printf 'REGISTRY_ADDR=%q\nREGISTRY_USER=%q\nREGISTRY_PASSWORD=%q\n' \
    "$addr" "$REGISTRY_USER" "$password" >"$CREDENTIALS_FILE"
}

# Starts the registry on the given address; succeeds once /v2/ answers 401.
launch_registry() {
  local addr=$1 pid waited=0
  printf '=== harness start %s addr=%s\n' "$(date -Is)" "$addr" >>"$LOG_FILE"
  setsid docker-registry serve "$CONFIG_FILE" </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  until [[ $(http_status "$addr") == 401 ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "registry exited during startup"
      return 1
    fi
    if ((waited >= REGISTRY_TIMEOUT * 5)); then
      log "registry did not answer 401 on http://$addr/v2/ within ${REGISTRY_TIMEOUT}s"
      stop_pid "$pid" 10
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
}

cmd_start() {
  local pid attempt addr
  require_cmd docker-registry htpasswd curl python3 setsid
  if pid=$(registry_pid) && load_credentials && [[ $(http_status "$REGISTRY_ADDR") == 401 ]]; then
    log "registry already running (pid $pid, $REGISTRY_ADDR)"
    return 0
  fi
  cmd_stop >/dev/null 2>&1
  ensure_state_dir
  mkdir -p "$REGISTRY_DIR" "$REGISTRY_DATA"
  chmod 700 "$REGISTRY_DIR"
  umask 077
  # The port is free when chosen but could be taken before the registry binds it.
  for attempt in 1 2 3; do
    addr=127.0.0.1:$(free_port)
    write_config "$addr" "$(random_password)"
    if launch_registry "$addr"; then
      log "registry running (pid $(registry_pid), http://$addr, user $REGISTRY_USER)"
      return 0
    fi
    log "attempt $attempt failed; last log lines:"
    log_tail_since_marker "$LOG_FILE" 10
    rm -f "$PID_FILE"
  done
  die "could not start the registry (log: $LOG_FILE)"
}

cmd_stop() {
  local pid
  if pid=$(registry_pid); then
    log "stopping registry (pid $pid)"
    stop_pid "$pid" 15
    log "registry stopped"
  else
    log "registry not running"
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid=$(registry_pid) && load_credentials; then
    printf 'registry: running (pid %s, %s, user %s, /v2/ -> %s)\n' \
      "$pid" "$REGISTRY_ADDR" "$REGISTRY_USER" "$(http_status "$REGISTRY_ADDR")"
  else
    printf 'registry: stopped\n'
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
