#!/usr/bin/env bash
# Stops the registry and the engine; caches and images stay for a fast next up.
#   down.sh [--purge]   --purge also deletes the state dir ($HARNESS_DIR).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=0
case ${1:-} in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: $0 [--purge]" ;;
esac

"$HARNESS_LIB_DIR/registry.sh" stop
"$HARNESS_LIB_DIR/engine.sh" stop
"$HARNESS_LIB_DIR/hub-mirror.sh" stop
rm -f "$HARNESS_DIR/env"

if ((purge)) && [[ -d $HARNESS_DIR ]]; then
  [[ -f $HARNESS_DIR/$STATE_MARKER ]] || die "$HARNESS_DIR is not a harness state dir; not purging"
  # Never delete through a mount point a daemon left behind.
  if findmnt -rn -o TARGET | grep -qF -e "$HARNESS_DIR/" -e "$ENGINE_RUN_DIR/"; then
    die "mounts remain below $HARNESS_DIR or $ENGINE_RUN_DIR; not purging"
  fi
  if [[ $ENGINE_RUN_DIR != "$HARNESS_DIR" ]]; then
    rm -rf --one-file-system "$ENGINE_RUN_DIR"
  fi
  rm -rf --one-file-system "$HARNESS_DIR"
  log "purged $HARNESS_DIR"
fi
