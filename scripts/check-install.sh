#!/usr/bin/env bash
# The installed package shows as enabled and OK as a labextension and a server extension,
# with no manual enable step.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

labext=$(jupyter labextension list 2>&1)
serverext=$(jupyter server extension list 2>&1)
status=0
if ! grep -Eq 'jupyterlab-dockerize v[0-9.]+ .*enabled.* .*OK' <<<"$labext"; then
  echo "$labext"
  echo "FAIL: jupyterlab-dockerize is not enabled and OK in 'jupyter labextension list'" >&2
  status=1
fi
if ! grep -Eq 'jupyterlab_dockerize .*enabled' <<<"$serverext" ||
  ! grep -Eq 'jupyterlab_dockerize [0-9.]+ .*OK' <<<"$serverext"; then
  echo "$serverext"
  echo "FAIL: jupyterlab_dockerize is not enabled and OK in 'jupyter server extension list'" >&2
  status=1
fi
((status == 0)) && echo "install-check: 2 passed, 0 failed"
exit "$status"
