#!/usr/bin/env bash
# Other CPUs through QEMU: emulation.sh ensure|status
# ensure (root) mounts binfmt_misc where it is not, and enables the aarch64 handler of
# Debian's qemu-user-static (registered with the fix-binary flag, so it also runs inside
# containers and chroots). Succeeds only when an arm64 program can run here.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BINFMT=/proc/sys/fs/binfmt_misc
HANDLER=$BINFMT/qemu-aarch64

handler_enabled() { [[ -f $HANDLER ]] && head -n 1 "$HANDLER" | grep -qx enabled; }

cmd_ensure() {
  if handler_enabled; then
    return 0
  fi
  require_root "registering the arm64 emulator"
  require_cmd update-binfmts qemu-aarch64-static
  if ! mountpoint -q "$BINFMT"; then
    mount -t binfmt_misc binfmt_misc "$BINFMT" || die "could not mount binfmt_misc at $BINFMT"
  fi
  [[ -f $HANDLER ]] || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  handler_enabled || die "the aarch64 handler is not enabled in $BINFMT (qemu-user-static installed?)"
  grep -q '^flags: .*F' "$HANDLER" ||
    die "the aarch64 handler lacks the fix-binary flag: containers could not use it"
  log "arm64 emulation enabled (qemu-user-static, binfmt_misc)"
}

cmd_status() {
  if handler_enabled; then
    printf 'emulation: arm64 through %s\n' "$(sed -n 's/^interpreter //p' "$HANDLER")"
  else
    printf 'emulation: none (arm64 programs cannot run here)\n'
    return 1
  fi
}

case ${1:-} in
  ensure) cmd_ensure ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 ensure|status" >&2
    exit 2
    ;;
esac
