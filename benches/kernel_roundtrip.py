#!/usr/bin/env python3
"""Execute round trips through Jupyter kernels, side by side in one run.

For every kernel named on the command line (e.g. ``python3 jumper-python3``) the harness starts
the kernel with jupyter_client's ``KernelManager`` and measures, from the client's side:

* **trivial cells**: ``--cells`` (default 200) executions of ``pass``. One round trip is the time
  from sending the ``execute_request`` until both its ``execute_reply`` (shell) and its
  ``status: idle`` (iopub) have arrived; a frontend shows the cell as done only then.
* **1 MiB display**: ``--display-runs`` (default 20) executions of
  ``display({'text/plain': 'x'*2**20}, raw=True)``, the same round trip plus the 1 MiB
  ``display_data`` on iopub, whose size is checked.

All kernels run at once and the cells are interleaved (cell i on every kernel, then cell i+1),
so a slow phase of the machine hits every kernel alike. ``--warmup`` cells per kernel are run
first and not counted. With ``--monitor-interval S``, kernels whose name starts with ``jumper-``
first run ``%perfmonitor_start S``, so the monitor samples during the measurements.

Needs a Python with jupyter_client and ipykernel (``target/jumper-kernel-venv`` made by
``tests/kernel/setup-venv.sh``, or ``python3 -m venv V && V/bin/pip install
jupyter_client==8.10.0 ipykernel==7.4.0``). Run ``V/bin/python benches/kernel_roundtrip.py
--help``. Exit status: 0 measured, 1 a kernel failed or timed out, 2 bad usage or an unknown
kernel.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import sys
import time

try:
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager
except ImportError:
    sys.exit(
        "kernel_roundtrip: jupyter_client is not installed in this Python "
        f"({sys.executable}); run it with a venv that has jupyter_client and ipykernel"
    )

TRIVIAL = "pass"
DISPLAY_BYTES = 2**20
DISPLAY = (
    "from IPython.display import display\n"
    f"display({{'text/plain': 'x'*{DISPLAY_BYTES}}}, raw=True)"
)


class KernelFailed(Exception):
    """A kernel did not answer, or answered with an error."""


class Kernel:
    """One started kernel and its blocking client."""

    def __init__(self, name: str, timeout: float):
        self.name = name
        self.timeout = timeout
        self.km = KernelManager(kernel_name=name)
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=timeout)
        except RuntimeError as e:
            raise KernelFailed(f"kernel {name!r} did not become ready: {e}") from e
        self.info = self.kernel_info()

    def kernel_info(self) -> dict:
        msg_id = self.kc.kernel_info()
        reply = self._shell_reply(msg_id)
        return reply["content"]

    def _shell_reply(self, msg_id: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.kc.get_shell_msg(timeout=max(left, 0.001))
            except queue.Empty:
                raise KernelFailed(f"kernel {self.name!r}: no reply in {self.timeout} s") from None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def execute(self, code: str, want_display: int | None = None) -> float:
        """Runs `code`; returns the round trip in seconds (send until reply and idle).

        With `want_display`, a display_data of that many characters of text/plain must have
        arrived for this request.
        """
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=False)
        deadline = time.monotonic() + self.timeout
        displayed = None
        # Iopub until this request's idle; the shell reply waits in its socket meanwhile.
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.kc.get_iopub_msg(timeout=max(left, 0.001))
            except queue.Empty:
                raise KernelFailed(
                    f"kernel {self.name!r}: no idle for {code!r} in {self.timeout} s"
                ) from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "display_data":
                displayed = len(msg["content"]["data"].get("text/plain", ""))
            elif kind == "error":
                raise KernelFailed(
                    f"kernel {self.name!r}: {code!r} raised "
                    f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"
                )
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        reply = self._shell_reply(msg_id)
        elapsed = time.perf_counter() - t0
        status = reply["content"].get("status")
        if status != "ok":
            c = reply["content"]
            raise KernelFailed(
                f"kernel {self.name!r}: {code!r} replied {status!r} "
                f"({c.get('ename', '?')}: {c.get('evalue', '')})"
            )
        if want_display is not None and displayed != want_display:
            raise KernelFailed(
                f"kernel {self.name!r}: expected a display of {want_display} characters, "
                f"got {displayed}"
            )
        return elapsed

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=False)


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[8]


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Median and p90 execute round trips of Jupyter kernels, side by side."
    )
    ap.add_argument("kernels", nargs="+", help="kernel names, e.g. python3 jumper-python3")
    ap.add_argument("--cells", type=int, default=200, help="trivial cells per kernel (200)")
    ap.add_argument("--display-runs", type=int, default=20, help="1 MiB displays per kernel (20)")
    ap.add_argument("--warmup", type=int, default=5, help="uncounted cells per kernel first (5)")
    ap.add_argument(
        "--monitor-interval",
        type=float,
        metavar="S",
        help="run %%perfmonitor_start S first on kernels named jumper-*",
    )
    ap.add_argument("--timeout", type=float, default=60.0, help="per message, seconds (60)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args()
    if a.cells < 2 or a.display_runs < 2 or a.warmup < 0:
        ap.error("--cells and --display-runs need at least 2, --warmup at least 0")
    if len(set(a.kernels)) != len(a.kernels):
        ap.error("each kernel once")

    kernels: list[Kernel] = []
    try:
        for name in a.kernels:
            try:
                kernels.append(Kernel(name, a.timeout))
            except NoSuchKernel:
                print(f"kernel_roundtrip: no kernel named {name!r} (see `jupyter kernelspec list`)",
                      file=sys.stderr)
                return 2
        for k in kernels:
            if a.monitor_interval is not None and k.name.startswith("jumper-"):
                k.execute(f"%perfmonitor_start {a.monitor_interval}")
            for _ in range(a.warmup):
                k.execute(TRIVIAL)
        cells = {k.name: [] for k in kernels}
        for _ in range(a.cells):
            for k in kernels:
                cells[k.name].append(k.execute(TRIVIAL))
        displays = {k.name: [] for k in kernels}
        for _ in range(a.display_runs):
            for k in kernels:
                displays[k.name].append(k.execute(DISPLAY, want_display=DISPLAY_BYTES))
    except KernelFailed as e:
        print(f"kernel_roundtrip: {e}", file=sys.stderr)
        return 1
    finally:
        for k in kernels:
            try:
                k.shutdown()
            except Exception as e:  # a kernel that died must not hide the others' results
                print(f"kernel_roundtrip: shutting down {k.name!r}: {e}", file=sys.stderr)

    rows = []
    for k in kernels:
        c, d = cells[k.name], displays[k.name]
        rows.append({
            "kernel": k.name,
            "implementation": k.info.get("implementation", "?"),
            "monitored": a.monitor_interval is not None and k.name.startswith("jumper-"),
            "cell_median_ms": statistics.median(c) * 1e3,
            "cell_p90_ms": p90(c) * 1e3,
            "display_median_ms": statistics.median(d) * 1e3,
            "cells": len(c),
            "display_runs": len(d),
        })
    base = rows[0]
    print(f"{a.cells} cells of `pass`, {a.display_runs} displays of 1 MiB text/plain; "
          f"round trip = execute_request sent until execute_reply and idle received "
          f"(python {sys.version.split()[0]})")
    head = f"{'kernel':<24} {'cell median':>12} {'cell p90':>10} {'1 MiB display':>14} {'vs ' + base['kernel']:>20}"
    print(head)
    for r in rows:
        name = r["kernel"] + (" (monitored)" if r["monitored"] else "")
        ratio = (f"{r['cell_median_ms'] / base['cell_median_ms']:.2f}x / "
                 f"{r['display_median_ms'] / base['display_median_ms']:.2f}x")
        print(f"{name:<24} {r['cell_median_ms']:>9.2f} ms {r['cell_p90_ms']:>7.2f} ms "
              f"{r['display_median_ms']:>11.2f} ms {ratio:>20}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"monitor_interval": a.monitor_interval, "results": rows}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
