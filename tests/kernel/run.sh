#!/usr/bin/env bash
# Runs the kernel tests: sets up the venv (setup-venv.sh), then pytest on tests/kernel.
#   tests/kernel/run.sh                         ipykernel (python3) and IRkernel (ir) directly
#   JUMPER_BIN=target/debug/jumper tests/kernel/run.sh jumper-python3
#                                               jumper wrapping them (jumper-python3, jumper-ir)
# A first argument that does not start with '-' is the Python kernel (JUMPER_TEST_KERNEL); the
# other arguments go to pytest. JUMPER_KERNEL_VENV overrides the venv's place;
# JUMPER_KERNEL_NO_SETUP=1 skips setup-venv.sh (the venv must then exist).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${JUMPER_KERNEL_VENV:-$root/target/jumper-kernel-venv}"
if [ "${JUMPER_KERNEL_NO_SETUP:-}" != 1 ]; then
  "$here/setup-venv.sh" "$venv"
elif [ ! -x "$venv/bin/python" ]; then
  echo "run.sh: no venv at $venv; create it with tests/kernel/setup-venv.sh" >&2
  exit 2
fi
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  export JUMPER_TEST_KERNEL="$1"
  shift
fi
if [ -n "${JUMPER_BIN:-}" ]; then
  JUMPER_BIN="$(cd "$(dirname "$JUMPER_BIN")" && pwd)/$(basename "$JUMPER_BIN")"
  export JUMPER_BIN
fi
cd "$here"
exec "$venv/bin/python" -m pytest "$@"
