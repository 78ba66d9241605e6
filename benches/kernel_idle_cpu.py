#!/usr/bin/env python3
"""CPU of jumper's kernel while the notebook is idle, against `jumper run -- sleep`, side by side.

Starts a jumper kernel (default ``jumper-python3``) with jupyter_client, runs
``%perfmonitor_start S`` in it, and at the same time starts ``jumper run --interval S -- sleep T``.
After ``--settle`` seconds both are measured over the same ``--window`` seconds: the CPU time
(utime + stime of all threads, from /proc/PID/stat) of the ``jumper kernel run`` process (relay
and sampler; the wrapped kernel is a separate process and not counted) and of the ``jumper run``
process (sampler and the waiting main thread; ``sleep`` itself is not counted). Both sample the
same levels: every level available, the default of both. The issue's target: the kernel within 10 % of
``jumper run``.

Needs a Python with jupyter_client (``target/jumper-kernel-venv``) and the kernelspec installed
(``jumper kernel install --prefix DIR`` and ``JUPYTER_PATH=DIR/share/jupyter``). Exit status: 0
measured, 1 a kernel or command failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

try:
    from jupyter_client.manager import KernelManager
except ImportError:
    sys.exit("kernel_idle_cpu: jupyter_client is not installed in this Python "
             f"({sys.executable}); use target/jumper-kernel-venv")

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of `pid` (not of its children), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / TICK


def sampler_seconds(pid: int) -> float:
    """utime + stime of the process's `jumper-sampler` thread, in seconds."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != "jumper-sampler":
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / TICK
        except OSError:
            continue
    raise RuntimeError(f"process {pid} has no jumper-sampler thread")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", default="jumper-python3")
    ap.add_argument("--jumper", default="jumper", help="the jumper binary for `jumper run`")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--heartbeat", action="store_true",
                    help="let jupyter_client ping the heartbeat every second (JupyterLab's "
                         "server does not)")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    if a.interval <= 0 or a.window <= 0 or a.settle < 0:
        ap.error("--interval and --window must be positive, --settle not negative")

    km = KernelManager(kernel_name=a.kernel)
    km.start_kernel()
    kc = km.client()
    kc.start_channels(hb=a.heartbeat)
    run = None
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(
            f"%perfmonitor_start {a.interval}", timeout=60,
            output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            print(f"kernel_idle_cpu: %perfmonitor_start failed: {reply['content']}",
                  file=sys.stderr)
            return 1
        kernel_pid = km.provisioner.process.pid
        run = subprocess.Popen(
            [a.jumper, "run", "-q", "--interval", str(a.interval), "--",
             "sleep", str(a.settle + a.window + 5)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(a.settle)
        k0, r0, t0 = cpu_seconds(kernel_pid), cpu_seconds(run.pid), time.monotonic()
        ks0, rs0 = sampler_seconds(kernel_pid), sampler_seconds(run.pid)
        time.sleep(a.window)
        k1, r1, t1 = cpu_seconds(kernel_pid), cpu_seconds(run.pid), time.monotonic()
        ks1, rs1 = sampler_seconds(kernel_pid), sampler_seconds(run.pid)
        if run.poll() is not None:
            print(f"kernel_idle_cpu: `jumper run` ended early (exit {run.returncode})",
                  file=sys.stderr)
            return 1
    finally:
        if run is not None and run.poll() is None:
            run.terminate()
            run.wait()
        kc.stop_channels()
        km.shutdown_kernel(now=False)

    wall = t1 - t0
    kernel_cpu, run_cpu = k1 - k0, r1 - r0
    kernel_sampler, run_sampler = ks1 - ks0, rs1 - rs0
    result = {
        "interval_s": a.interval, "heartbeat": a.heartbeat,
        "kernel_sampler_cpu_s": round(kernel_sampler, 3),
        "run_sampler_cpu_s": round(run_sampler, 3),
        "sampler_ratio": round(kernel_sampler / run_sampler, 3) if run_sampler > 0 else None, "window_s": round(wall, 2),
        "kernel_cpu_s": round(kernel_cpu, 3), "run_cpu_s": round(run_cpu, 3),
        "kernel_core_percent": round(100 * kernel_cpu / wall, 3),
        "run_core_percent": round(100 * run_cpu / wall, 3),
        "ratio": round(kernel_cpu / run_cpu, 3) if run_cpu > 0 else None,
    }
    print(f"sampler threads: jumper kernel {kernel_sampler:.2f} s, jumper run {run_sampler:.2f} s, "
          f"ratio {result['sampler_ratio']}")
    print(f"idle {wall:.1f} s at {a.interval} s, heartbeat {'on' if a.heartbeat else 'off'}: "
          f"jumper kernel {kernel_cpu:.2f} s CPU ({result['kernel_core_percent']:.2f} % of a core), "
          f"jumper run -- sleep {run_cpu:.2f} s ({result['run_core_percent']:.2f} %), "
          f"ratio {result['ratio']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
