#!/usr/bin/env bash
# Creates or updates the kernel tests' venv (target/jumper-kernel-venv by default, or $1) from
# tests/kernel/requirements.txt, and installs IRkernel (Debian's r-cran-irkernel, whose package
# registers the `ir` kernelspec in /usr/share/jupyter/kernels/ir) when it is missing.
# Idempotent: the pip step is skipped when the requirements' hash matches the venv's stamp.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-$root/target/jumper-kernel-venv}"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
fi

if [ ! -f /usr/share/jupyter/kernels/ir/kernel.json ] || ! command -v R >/dev/null; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-irkernel
fi
