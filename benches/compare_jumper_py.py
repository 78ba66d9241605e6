#!/usr/bin/env python3
"""Monitor CPU cost: JUmPER 0.4.1 (Python, PyPI) beside jumper (Rust), same machine, one run.

What it does
------------
1. Creates (or reuses) a venv at ``benches/.venv-jumper-py`` with ``jumper-extension==0.4.1``
   from PyPI and times the install; compiles JUmPER's C collector (as the invoking user,
   compiling runs nothing).
2. For every interval (default 1, 0.1, 0.01 s) runs an idle workload (the monitored Python
   process only sleeps) under
     * JUmPER ``thread`` backend   (in-process psutil sampler thread),
     * JUmPER ``native_c`` backend (compiled C collector child + Python reader thread),
     * jumper (``target/release/jumper run --interval S --levels process,user,system
       --json OUT -- sleep N``),
   all at JUmPER's default levels user, process and system, and measures the CPU time the
   monitor itself spent, as % of one core, plus the achieved sample rate.
   Both tools are measured the same way: on-CPU time of their monitor threads (and, for
   JUmPER's native_c, the collector process) from ``/proc/<pid>/task/<tid>/schedstat``, read
   at the start and end of a window that opens after a warm-up, over the window's wall time.
   jumper's monitor threads are those named ``jumper-sampler`` / ``jumper-gpu``. jumper's
   whole-run figure (``monitor.own_cpu_s`` of its JSON report over the wall time of the whole
   run, start-up and cell-boundary samples included) is reported beside it.
3. ``--extra-procs LIST`` (comma-separated integers, default ``0``) repeats the whole comparison
   (every interval x every backend) once per value N, with N extra idle background processes
   alive on the machine: ``sleep 100000`` started N times by the harness, so owned by root
   (another user than the monitored one, as on a shared node), killed and reaped after that
   group's runs (also on error, Ctrl-C, SIGTERM or SIGHUP; they also get SIGKILL if the
   harness dies). JUmPER's C collector reads every ``/proc/<pid>/status`` on every tick to
   find the user's processes, so its cost grows with the machine's process count; jumper lists
   ``/proc`` only when processes are created. Results are grouped per N, each group with the
   machine's process count measured before its runs, e.g. ``--extra-procs 0,500``.
4. Writes a section between ``<!-- compare_jumper_py:begin -->`` and
   ``<!-- compare_jumper_py:end -->`` into ``BENCHMARKS.md`` at the workspace root.

Safety: JUmPER's C collector sets nice 19 + SCHED_BATCH on *every* process of the user it runs
as. Every benchmarked process therefore runs as a throw-away unprivileged user (``jumperbench``,
created with ``useradd -M -s /usr/sbin/nologin`` when the harness is root), and the harness checks
afterwards that no process of any other user (PID 1 and itself included) had its nice value or
scheduling policy changed. If no unprivileged user can be used, native_c is skipped.

Python 3.11 standard library only (the venv holds JUmPER and its dependencies).
Run ``python3 benches/compare_jumper_py.py --help``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JUMPER_PY_VERSION = "0.4.1"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_VENV = BENCH_DIR / ".venv-jumper-py"
DEFAULT_JUMPER = ROOT / "target" / "release" / "jumper"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
BEGIN = "<!-- compare_jumper_py:begin -->"
END = "<!-- compare_jumper_py:end -->"
INSTALL_RECORD = "jumper-bench-install.json"
LEVELS = "process,user,system"
BACKENDS_PY = ("thread", "native_c")

# --------------------------------------------------------------------------------------------
# Probe: runs inside the JUmPER venv as the unprivileged user. Starts JUmPER's monitor exactly
# the way the %perfmonitor_start magic does, sleeps, and measures the monitor's CPU time from
# /proc (schedstat: nanosecond on-CPU time per thread; stat utime+stime as a fallback).
# --------------------------------------------------------------------------------------------
# One definition of a thread's on-CPU time, used by the probe (JUmPER's monitor threads) and by
# the harness (jumper's monitor threads), so both tools are measured by the same code.
TASK_CPU_SRC = r'''
import os as _os
_CLK = _os.sysconf("SC_CLK_TCK")

def task_cpu(pid, tid):
    """On-CPU seconds of one thread (schedstat ns; stat ticks as fallback)."""
    base = f"/proc/{pid}/task/{tid}"
    try:
        with open(base + "/schedstat") as f:
            ns = int(f.read().split()[0])
        if ns > 0:
            return ns / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(base + "/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / _CLK
    except (OSError, ValueError, IndexError):
        return None
'''
_ns: dict = {}
exec(TASK_CPU_SRC, _ns)
task_cpu = _ns["task_cpu"]

PROBE = r'''
import json, os, sys, time
backend, interval, seconds, warmup = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ME = os.getpid()
''' + TASK_CPU_SRC + r'''

def proc_threads(pid):
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tids:
        c = task_cpu(pid, int(t))
        if c is not None:
            out[int(t)] = c
    return out

def descendants(root):
    children = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out

def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"

def snapshot(mon):
    snap = {"t": time.perf_counter(), "self": proc_threads(ME), "kids": {}}
    for c in descendants(ME):
        snap["kids"][c] = sum(proc_threads(c).values())
    try:
        snap["n"] = len(mon.nodes._nodes["local"]._rows["process"])
    except Exception:
        snap["n"] = None
    return snap

def nice_policy(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[16]), int(rest[38])

t_import = time.perf_counter()
from jumper_extension.core.service import build_perfmonitor_magic_adapter
adapter = build_perfmonitor_magic_adapter(plots_disabled=True, display_disabled=True)
t_import = time.perf_counter() - t_import
t_start = time.perf_counter()
adapter.perfmonitor_start(f"{interval} --monitor {backend}")
t_start = time.perf_counter() - t_start
mon = adapter.service.monitor
res = {"backend": backend, "interval": interval, "monitor_class": type(mon).__name__,
       "running": bool(getattr(mon, "running", False)), "levels": list(getattr(mon, "levels", [])),
       "import_s": t_import, "start_s": t_start, "uid": os.getuid(), "pid": ME}
if not res["running"]:
    print("RESULT " + json.dumps(res)); sys.exit(3)
main_tid = ME
time.sleep(warmup)
a = snapshot(mon)
time.sleep(seconds)
b = snapshot(mon)
res["collector_pids"] = {str(p): comm(p) for p in b["kids"]}
res["nice_policy_during"] = nice_policy(ME)
adapter.perfmonitor_stop("")
wall = b["t"] - a["t"]
main_cpu = b["self"].get(main_tid, 0) - a["self"].get(main_tid, 0)
# Threads other than the main thread: the sampler thread (thread backend) or the stdout
# reader thread (native_c). A thread that appeared during the window counts from zero.
other = sum(v - a["self"].get(t, 0.0) for t, v in b["self"].items() if t != main_tid)
kids = sum(v - a["kids"].get(p, 0.0) for p, v in b["kids"].items())
res.update({
    "wall_s": wall,
    "main_thread_cpu_s": main_cpu,
    "other_threads_cpu_s": other,
    "children_cpu_s": kids,
    "monitor_cpu_s": other + kids,
    "whole_cpu_s": main_cpu + other + kids,
    "samples_window": (b["n"] - a["n"]) if (a["n"] is not None and b["n"] is not None) else None,
})
try:
    total = len(mon.nodes.view(level="process"))
    elapsed = mon.stop_time - mon.start_time
    res["samples_total"] = total
    res["elapsed_total_s"] = elapsed
    res["missed"] = getattr(mon, "n_missed_measurements", None)
except Exception as exc:
    res["samples_error"] = repr(exc)
print("RESULT " + json.dumps(res))
'''


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, flush=True)


def world_accessible(path: Path) -> bool:
    """Every directory on the way is o+x and the target o+r (what an unrelated user needs)."""
    p = Path(os.path.realpath(path))
    for parent in list(p.parents)[::-1]:
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    try:
        return bool(os.stat(p).st_mode & stat.S_IROTH)
    except OSError:
        return False


def proc_count() -> int:
    return sum(1 for e in os.listdir("/proc") if e.isdigit())


IDLE_ARGV = ["sleep", "100000"]

try:
    import ctypes
    import ctypes.util

    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
except (ImportError, OSError):
    _LIBC = None


def _idle_preexec():
    """In the idle child before exec: die with SIGKILL when the harness dies, so no idle process
    outlives it even if the harness itself is killed with SIGKILL."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def spawn_idle(n: int, into: list[subprocess.Popen]) -> None:
    """Start `n` idle `sleep 100000` processes owned by the harness's user, appending each to
    `into` as soon as it exists, so the caller's `finally` reaps even a partial set."""
    for _ in range(n):
        into.append(subprocess.Popen(IDLE_ARGV, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=_idle_preexec))


def reap_idle(procs: list[subprocess.Popen]) -> None:
    """Kill and reap every idle process (each leads its own session, so kill the group too)."""
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                try:
                    p.kill()
                except OSError:
                    pass
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"WARNING: idle process {p.pid} did not exit after SIGKILL")
    procs.clear()


def nice_policy_table() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (uid, nice, policy, comm) for every process."""
    out = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                raw = f.read()
            uid = os.stat(f"/proc/{e}").st_uid
        except OSError:
            continue
        comm = raw[raw.find("(") + 1: raw.rfind(")")]
        rest = raw.rsplit(")", 1)[1].split()
        out[int(e)] = (uid, int(rest[16]), int(rest[38]), comm)
    return out


def np_str(nice_policy) -> str:
    nice, pol = nice_policy
    names = {0: "OTHER", 1: "FIFO", 2: "RR", 3: "BATCH", 5: "IDLE", 6: "DEADLINE"}
    name = names.get(pol & 0xFF, str(pol & 0xFF))
    if pol & 0x40000000:
        name += "|RESET_ON_FORK"
    return f"nice {nice} SCHED_{name}"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def pct(cpu_s, wall_s):
    if cpu_s is None or not wall_s:
        return None
    return cpu_s / wall_s * 100.0


def fmt(x, nd=2):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        if x != 0 and abs(x) < 0.01:
            return f"{x:.4f}"
        return f"{x:.{nd}f}"
    return str(x)


# --------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------
def pick_base_python() -> tuple[str, bool]:
    """A Python 3.11 interpreter; prefer one an unprivileged user can execute."""
    cands = ["/usr/bin/python3.11", shutil.which("python3.11") or "", sys.executable]
    for c in cands:
        if c and os.path.exists(c) and world_accessible(Path(c)):
            try:
                v = subprocess.run([c, "-c", "import sys,venv,ensurepip;print(sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=30)
            except OSError:
                continue
            if v.returncode == 0 and "(3, 11)" in v.stdout:
                return c, True
    return sys.executable, False


def setup_venv(venv: Path, reinstall: bool) -> dict:
    py = venv / "bin" / "python"
    rec_path = venv / INSTALL_RECORD
    if not reinstall and py.exists():
        chk = subprocess.run([str(py), "-m", "pip", "show", "jumper-extension"],
                             capture_output=True, text=True)
        if chk.returncode == 0 and f"Version: {JUMPER_PY_VERSION}" in chk.stdout:
            rec = {}
            if rec_path.exists():
                try:
                    rec = json.loads(rec_path.read_text())
                except ValueError:
                    rec = {}
            rec["reused"] = True
            log(f"[setup] reusing {venv} (jumper-extension {JUMPER_PY_VERSION} present)")
            return rec
    if venv.exists():
        shutil.rmtree(venv)
    base, ok = pick_base_python()
    log(f"[setup] creating venv {venv} from {base}"
        + ("" if ok else " (NOT accessible to other users: native_c will be skipped)"))
    t0 = time.perf_counter()
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    t1 = time.perf_counter()
    subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    f"jumper-extension=={JUMPER_PY_VERSION}"], check=True)
    t2 = time.perf_counter()
    size = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True).stdout.split()
    rec = {
        "base_python": base,
        "venv_create_s": round(t1 - t0, 2),
        "pip_install_s": round(t2 - t1, 2),
        "venv_mb": int(size[0]) if size else None,
        "when": _dt.datetime.now().isoformat(timespec="seconds"),
        "reused": False,
    }
    rec_path.write_text(json.dumps(rec, indent=1))
    log(f"[setup] venv {rec['venv_create_s']} s, pip install {rec['pip_install_s']} s, "
        f"{rec['venv_mb']} MB")
    return rec


def build_collector(venv: Path, logdir: Path) -> tuple[bool, str]:
    code = ("import sys\nfrom jumper_extension.monitor.backends.native_c.build import build_collector\n"
            "sys.exit(0 if build_collector() else 1)\n")
    env = dict(os.environ, JUMPER_LOG_DIR=str(logdir), MPLBACKEND="Agg")
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                       env=env)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def ensure_bench_user(name: str) -> tuple[pwd.struct_passwd | None, str]:
    if os.geteuid() != 0:
        return None, (f"harness is not root (uid {os.geteuid()}): cannot switch to a throw-away "
                      f"user, and running native_c as this user would renice all its processes")
    try:
        return pwd.getpwnam(name), ""
    except KeyError:
        pass
    shell = "/usr/sbin/nologin" if os.path.exists("/usr/sbin/nologin") else "/bin/false"
    r = subprocess.run(["useradd", "-M", "-s", shell, name], capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"useradd {name} failed: {r.stderr.strip()}"
    log(f"[setup] created throw-away user {name}")
    return pwd.getpwnam(name), ""


def as_user_cmd(user: pwd.struct_passwd | None, argv: list[str], env: dict) -> list[str]:
    envargs = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()]
    if user is None:
        return envargs + argv
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
            "--inh-caps=-all", "--"] + envargs + argv


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------
def run_jumper_py(venv, user, workdir, backend, interval, seconds, warmup) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "JUMPER_LOG_DIR": str(workdir),
           "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
    argv = [str(venv / "bin" / "python"), "-c", PROBE, backend, str(interval), str(seconds),
            str(warmup)]
    r = subprocess.run(as_user_cmd(user, argv, env), capture_output=True, text=True,
                       cwd=workdir, timeout=seconds + warmup + 120)
    line = next((ln for ln in reversed(r.stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if line is None:
        errs = list(Path(workdir).glob("jumper_logs_*/error.log"))
        tail = "\n".join(p.read_text()[-1500:] for p in errs)
        return {"backend": backend, "interval": interval,
                "error": f"rc={r.returncode} stdout={r.stdout[-800:]!r} stderr={r.stderr[-1500:]!r} "
                         f"error.log={tail!r}"}
    res = json.loads(line[len("RESULT "):])
    if not res.get("running"):
        res["error"] = "monitor did not start (JUmPER prints nothing; see error.log)"
        return res
    res["pct_monitor"] = pct(res["monitor_cpu_s"], res["wall_s"])
    res["pct_whole"] = pct(res["whole_cpu_s"], res["wall_s"])
    if res.get("samples_window") is not None and res["samples_window"] >= 10:
        res["rate"] = res["samples_window"] / res["wall_s"]
    elif res.get("samples_total"):
        res["rate"] = res["samples_total"] / res["elapsed_total_s"]
    return res


JUMPER_MONITOR_THREADS = ("jumper-sampler", "jumper-gpu")


def jumper_monitor_cpu(pid: int) -> tuple[float, dict[int, float]]:
    """(perf_counter time, {tid: on-CPU seconds}) of jumper's monitor threads in process `pid`:
    the threads named `jumper-sampler` or `jumper-gpu` (every sample and GPU read runs there)."""
    t = time.perf_counter()
    out: dict[int, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return t, out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if name in JUMPER_MONITOR_THREADS:
            c = task_cpu(pid, int(tid))
            if c is not None:
                out[int(tid)] = c
    return t, out


def run_jumper(binary, user, workdir, interval, seconds, warmup) -> dict:
    out = Path(workdir) / f"jumper-{interval}.json"
    if out.exists():
        out.unlink()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8"}
    # The monitored `sleep` outlasts warm-up + window by 1 s, so the window sees neither the
    # start-up (first full /proc scan, cell-start sample) nor the stop (cell-end sample, report).
    argv = [str(binary), "run", "--interval", str(interval), "--levels", LEVELS,
            "--json", str(out), "--", "sleep", f"{warmup + seconds + 1:g}"]
    so_f, se_f = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # no pipe can fill up
    t0 = time.perf_counter()
    p = subprocess.Popen(as_user_cmd(user, argv, env), cwd=workdir, stdout=so_f, stderr=se_f)
    # setpriv and env exec, so p.pid *is* the jumper process: its monitor threads are under
    # /proc/<p.pid>/task, and wait4 gives its rusage (plus that of its reaped child `sleep`,
    # which is negligible).
    time.sleep(max(0.0, t0 + warmup - time.perf_counter()))
    ta, a = jumper_monitor_cpu(p.pid)
    time.sleep(max(0.0, ta + seconds - time.perf_counter()))
    tb, b = jumper_monitor_cpu(p.pid)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    so_f.seek(0)
    se_f.seek(0)
    so, se = so_f.read().decode(errors="replace"), se_f.read().decode(errors="replace")
    so_f.close()
    se_f.close()
    res = {"backend": "jumper", "interval": interval, "wall_s": tb - ta, "run_wall_s": wall,
           "rc": p.returncode, "rusage_cpu_s": ru.ru_utime + ru.ru_stime,
           "maxrss_kb": ru.ru_maxrss, "monitor_threads": len(b)}
    if p.returncode != 0 or not out.exists():
        res["error"] = f"rc={p.returncode} stdout={so[-600:]!r} stderr={se[-1200:]!r}"
        return res
    if not a or not b:
        res["error"] = (f"no jumper-sampler/jumper-gpu thread in /proc/{p.pid}/task at the "
                        f"{'start' if not a else 'end'} of the measured window (jumper exited "
                        f"early or its sampler thread is named differently)")
        return res
    # A thread that appeared during the window counts from zero (as in the JUmPER probe).
    res["monitor_cpu_s"] = sum(v - a.get(t, 0.0) for t, v in b.items())
    try:
        rep = json.loads(out.read_text())
    except ValueError as exc:
        res["error"] = f"bad JSON report: {exc}"
        return res
    mon = rep.get("monitor") or {}
    res["own_cpu_s"] = mon.get("own_cpu_s")
    res["missed"] = mon.get("missed")
    res["interval_s"] = mon.get("interval_s")
    res["samples"] = rep.get("samples")
    if res["own_cpu_s"] is None:
        res["error"] = "report has no monitor.own_cpu_s"
    res["pct_monitor"] = pct(res["monitor_cpu_s"], res["wall_s"])
    res["pct_run"] = pct(res["own_cpu_s"], wall)
    res["pct_whole"] = pct(res["rusage_cpu_s"], wall)
    if isinstance(res["samples"], (int, float)):
        res["rate"] = res["samples"] / wall
    return res


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def render_tables(L: list[str], results: list[dict], intervals: list[float], h: str) -> None:
    """One table per interval, under headings of level `h` (e.g. "###")."""
    for iv in intervals:
        rows = [r for r in results if r["interval"] == iv]
        jr = next((r for r in rows if r["backend"] == "jumper"), None)
        jp = jr.get("pct_monitor") if jr and not jr.get("error") else None
        L.append(f"{h} Interval {iv:g} s (expected {1 / iv:g} samples/s)")
        L.append("")
        L.append("| backend | monitor CPU, % of one core | jumper whole run incl. start-up and "
                 "boundaries, % of one core | cross-check, % of one core | samples/s achieved | "
                 "missed ticks | JUmPER / jumper |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            name = {"thread": "JUmPER `thread`", "native_c": "JUmPER `native_c`",
                    "jumper": "jumper"}[r["backend"]]
            if r.get("skipped"):
                L.append(f"| {name} | skipped: {r['skipped']} | | | | | |")
                continue
            if r.get("error"):
                L.append(f"| {name} | error (see console) | | | | | |")
                continue
            ratio = ""
            if r["backend"] != "jumper":
                ratio = (f"{r['pct_monitor'] / jp:.1f}x" if jp else
                         ("pending" if jr is None or jr.get("skipped") else "n/a"))
            run = fmt(r.get("pct_run")) if r["backend"] == "jumper" else ""
            L.append(f"| {name} | {fmt(r.get('pct_monitor'))} | {run} | {fmt(r.get('pct_whole'))} | "
                     f"{fmt(r.get('rate'), 1)} | {fmt(r.get('missed'))} | {ratio} |")
        L.append("")


def render_targets(L: list[str], results: list[dict], intervals: list[float],
                   jumper_note: str | None, h: str) -> None:
    """The "Against the target" lines, under a heading of level `h`."""
    L.append(f"{h} Against the target")
    L.append("")
    if jumper_note:
        L.append(f"- **jumper's figures are pending:** {jumper_note}")
    else:
        for iv in intervals:
            jr = next((r for r in results if r["interval"] == iv and r["backend"] == "jumper"), None)
            nc = next((r for r in results if r["interval"] == iv and r["backend"] == "native_c"),
                      None)
            if not jr or jr.get("error") or not nc or nc.get("error") or nc.get("skipped"):
                L.append(f"- {iv:g} s: cannot judge (missing data)")
                continue
            if jr["pct_monitor"]:
                ratio = nc["pct_monitor"] / jr["pct_monitor"]
                ok = "met" if ratio >= 10 else "NOT met"
                L.append(f"- {iv:g} s: JUmPER native_c {fmt(nc['pct_monitor'])} % vs jumper "
                         f"{fmt(jr['pct_monitor'])} % = {ratio:.1f}x -> 10x target **{ok}**")
            else:
                L.append(f"- {iv:g} s: jumper measured 0 CPU (below resolution); target met")
        j01 = next((r for r in results if r["interval"] == 0.1 and r["backend"] == "jumper"), None)
        if j01 and not j01.get("error"):
            ok = "met" if j01["pct_monitor"] <= 1.0 else "NOT met"
            L.append(f"- 0.1 s, all levels: jumper {fmt(j01['pct_monitor'])} % of one core -> "
                     f"<= 1 % target **{ok}**")
    L.append("")


def render(meta: dict, results: list[dict], intervals: list[float], jumper_note: str | None) -> str:
    groups = meta["groups"]
    # One group without extra processes keeps the plain layout; otherwise one block per group.
    grouped = not (len(groups) == 1 and groups[0]["extra"] == 0)
    L = []
    L.append("## Monitor CPU cost: JUmPER 0.4.1 vs jumper")
    L.append("")
    L.append(f"Generated by `benches/compare_jumper_py.py` on {meta['date']} "
             f"(`{meta['cmdline']}`).")
    L.append("")
    L.append("**Target (issue):** jumper costs at least **10x less** CPU than JUmPER `native_c` at the "
             "same interval and levels, and **<= 1 % of one core at 0.1 s** with every level on.")
    L.append("")
    L.append("### Machine")
    L.append("")
    L.append(f"- kernel `{meta['kernel']}`, nproc {meta['nproc']}, "
             f"{meta['procs_before']} processes before / {meta['procs_after']} after the run "
             + ("without the extra idle processes " if grouped else "")
             + f"(`ls /proc | grep -c '^[0-9]'`), load average {meta['load_before']} before / "
             f"{meta['load_after']} after")
    L.append(f"- JUmPER `jumper-extension=={JUMPER_PY_VERSION}` in `{meta['venv']}`, "
             f"Python {meta['venv_python']}; install: {meta['install']}")
    L.append(f"- monitored processes ran as {meta['run_as']}; levels {LEVELS} "
             f"(JUmPER's default `user, process, system`); idle workload (the monitored process "
             f"sleeps); {meta['seconds']} s measured per configuration after a "
             f"{meta['warmup']} s warm-up, for every tool")
    L.append(f"- jumper binary: {meta['jumper']}")
    L.append("")
    if not grouped:
        render_tables(L, results, intervals, "###")
        render_targets(L, results, intervals, jumper_note, "###")
    else:
        for g in groups:
            rows = [r for r in results if r.get("extra_procs") == g["extra"]]
            L.append(f"### {g['procs']} processes on the machine ({g['extra']} extra idle "
                     f"processes of {g['owner']})")
            L.append("")
            L.append(f"Load average {g['load']} before this group's runs.")
            L.append("")
            render_tables(L, rows, intervals, "####")
            render_targets(L, rows, intervals, jumper_note, "####")
    L.append("### Priority check")
    L.append("")
    L.append(f"- {meta['prio']}")
    L.append("")
    L.append("### Method")
    L.append("")
    L.append("- JUmPER is started as its magic does, without a notebook: "
             "`build_perfmonitor_magic_adapter(plots_disabled=True, display_disabled=True)"
             ".perfmonitor_start(\"<interval> --monitor thread|native_c\")`, stopped with "
             "`perfmonitor_stop(\"\")`.")
    L.append("- Monitor CPU is measured the same way for both tools: on-CPU nanoseconds of the "
             "monitor's threads (first field of `/proc/<pid>/task/<tid>/schedstat`; "
             "`stat` utime+stime ticks only if schedstat is unreadable or reads 0), read at the start and at the "
             "end of a measured window that opens after the warm-up, divided by the window's "
             "wall time. Both snapshots are taken while the monitor keeps running, so neither "
             "tool's start-up nor its stop is in the window.")
    L.append("- JUmPER's monitor threads: every thread of the monitored process except the main "
             "thread (the sampler thread for `thread`, the stdout reader thread for `native_c`) "
             "plus all descendant processes (the C collector). Cross-check column: the whole "
             "monitored process incl. its main thread and the collector, over the same window.")
    L.append("- jumper's monitor threads: the threads of the `jumper run` process named "
             "`jumper-sampler` or `jumper-gpu` (where every sample and GPU read runs), read by the "
             "harness (root) while `jumper run --interval S --levels process,user,system --json "
             "OUT -- sleep <warm-up + window + 1 s>` runs. The whole-run column is "
             "`monitor.own_cpu_s` from its JSON report (the same two threads' CPU time over the "
             "whole run) divided by the wall time of the whole `jumper run`, so it also carries "
             "the start-up's first full scan of `/proc` and the cell-start and cell-end samples, "
             "which the window excludes. Cross-check column = `os.wait4` rusage (user+sys) of "
             "the jumper process over the whole run (includes start-up, report writing and the "
             "`sleep` child).")
    L.append("- samples/s = process-level samples in the window / window length (JUmPER), "
             "top-level `samples` / wall time of the whole run (jumper); missed ticks = JUmPER's `n_missed_measurements` over its whole "
             "run, jumper's `monitor.missed`.")
    L.append("- All monitored processes run as the same unprivileged user, so the `user` level "
             "covers only that user's few processes for every tool; `system` and the scan of "
             "`/proc` that finds the user's processes cover the whole machine.")
    if grouped:
        L.append("- Extra processes: for each group the harness starts the stated number of idle "
                 f"`sleep 100000` processes owned by {meta['idle_owner']}, waits 1 s, runs every interval and backend, then "
                 "kills them; JUmPER's C collector reads every process's `/proc/<pid>/status` "
                 "on each tick to find the user's processes, while jumper lists `/proc` only when "
                 "processes are created, so the machine's process count matters for the "
                 "comparison.")
    L.append("- Raw figures are printed as JSON on the console.")
    return "\n".join(L)


def write_section(text: str) -> None:
    block = f"{BEGIN}\n{text}\n{END}\n"
    if BENCHMARKS_MD.exists():
        cur = BENCHMARKS_MD.read_text()
        pat = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
        if pat.search(cur):
            new = pat.sub(lambda _m: block, cur, count=1)
        else:
            new = cur.rstrip("\n") + "\n\n" + block
    else:
        new = "# Benchmarks\n\n" + block
    BENCHMARKS_MD.write_text(new)
    log(f"[report] wrote section into {BENCHMARKS_MD}")


# --------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0,
                    help="measured seconds per configuration (default 20)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="seconds every monitor runs before the measured window (default 1)")
    ap.add_argument("--intervals", default="1,0.1,0.01",
                    help="comma-separated sampling intervals in seconds (default 1,0.1,0.01)")
    ap.add_argument("--backends", default=",".join(BACKENDS_PY),
                    help="JUmPER backends to run (default thread,native_c)")
    ap.add_argument("--jumper-py-only", action="store_true",
                    help="measure only JUmPER (jumper's figures are reported as pending)")
    ap.add_argument("--jumper-bin", type=Path, default=DEFAULT_JUMPER,
                    help=f"jumper binary (default {DEFAULT_JUMPER.relative_to(ROOT)})")
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--reinstall", action="store_true",
                    help="recreate the venv (and re-measure the install time)")
    ap.add_argument("--user", default="jumperbench",
                    help="throw-away unprivileged user to run monitored processes as")
    ap.add_argument("--extra-procs", default="0", metavar="LIST",
                    help="comma-separated counts N of extra idle processes (`sleep 100000`, "
                         "owned by the harness's user, root: another user than the monitored "
                         "one, as on a shared node); the whole comparison runs once per N with "
                         "N of them alive, results grouped per N; they are killed after each "
                         "group (default 0, e.g. 0,500)")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args()

    if not sys.platform.startswith("linux"):
        log("this benchmark reads /proc and needs Linux")
        return 2
    intervals = [float(x) for x in args.intervals.split(",") if x.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS_PY:
            ap.error(f"unknown backend {b!r}")
    try:
        extra_procs = [int(x) for x in args.extra_procs.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--extra-procs {args.extra_procs!r}: expected comma-separated integers")
    if not extra_procs or any(n < 0 for n in extra_procs):
        ap.error(f"--extra-procs {args.extra_procs!r}: expected integers >= 0")
    try:
        pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        pid_max = 32768
    if max(extra_procs) + proc_count() + 1000 > pid_max:
        ap.error(f"--extra-procs {max(extra_procs)}: too many for pid_max {pid_max}")
    # SIGTERM/SIGHUP unwind through the `finally` blocks, so the idle processes are reaped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))

    jumper_bin = args.jumper_bin.resolve()
    jumper_note = None
    if args.jumper_py_only:
        jumper_note = ("run with --jumper-py-only"
                       + ("" if jumper_bin.is_file() else
                          f" (`{os.path.relpath(jumper_bin, ROOT)}` did not exist yet)")
                       + "; rerun `python3 benches/compare_jumper_py.py --seconds 10` once "
                         "`cargo build --release -p jumper-cli` has produced it")
    elif not (jumper_bin.is_file() and os.access(jumper_bin, os.X_OK)):
        log(f"ERROR: jumper binary {jumper_bin} not found; build it with "
            f"`cargo build --release -p jumper-cli`, or pass --jumper-py-only to measure JUmPER only.")
        return 1

    meta = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kernel": platform.release(),
        "nproc": len(os.sched_getaffinity(0)),
        "procs_before": proc_count(),
        "load_before": loadavg(),
        "seconds": args.seconds,
        "warmup": args.warmup,
        "cmdline": "python3 benches/compare_jumper_py.py " + " ".join(sys.argv[1:]),
    }
    log(f"[machine] {meta['date']}  kernel {meta['kernel']}  nproc {meta['nproc']}  "
        f"processes {meta['procs_before']}  loadavg {meta['load_before']}")

    rec = setup_venv(args.venv.resolve(), args.reinstall)
    if rec.get("pip_install_s") is not None:
        meta["install"] = (f"`pip install` {rec['pip_install_s']} s + venv creation "
                           f"{rec['venv_create_s']} s, {rec.get('venv_mb')} MB"
                           + (f" (measured {rec.get('when')}, venv reused this run)"
                              if rec.get("reused") else ""))
    else:
        meta["install"] = "venv reused, install time not recorded (use --reinstall)"
    venv = args.venv.resolve()
    meta["venv"] = os.path.relpath(venv, ROOT)
    meta["venv_python"] = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import platform;print(platform.python_version())"],
        capture_output=True, text=True).stdout.strip()
    log(f"[setup] install: {meta['install']}")

    # Unprivileged user and a working directory it owns.
    user, why_not = ensure_bench_user(args.user)
    skip_native = None
    if user is not None:
        for need in (venv / "bin" / "python",) + ((jumper_bin,) if jumper_note is None else ()):
            if not world_accessible(need):
                why_not = f"{need} is not readable/executable by other users"
                user = None
                break
        if user is not None:
            base = Path(os.path.realpath(venv / "bin" / "python"))
            if not world_accessible(base):
                why_not = f"venv interpreter {base} not accessible to {args.user} (use --reinstall)"
                user = None
    if user is None:
        skip_native = f"cannot run unprivileged ({why_not})"
        log(f"[safety] native_c will be SKIPPED: {skip_native}")
        meta["run_as"] = f"the invoking user (uid {os.getuid()}); native_c skipped"
    else:
        meta["run_as"] = f"throw-away user `{user.pw_name}` (uid {user.pw_uid})"
    euid = os.geteuid()
    try:
        euser = pwd.getpwuid(euid).pw_name
    except KeyError:
        euser = f"uid {euid}"
    if user is not None and user.pw_uid != euid:
        meta["idle_owner_short"] = "another user"
        meta["idle_owner"] = (f"{euser} (the harness's user), i.e. another user than the "
                              f"monitored one, as on a shared node")
    else:
        meta["idle_owner_short"] = "the monitored user"
        meta["idle_owner"] = (f"{euser} (the harness's user), which here is also the monitored "
                              f"user, so unlike on a shared node they fall under the `user` level")
        if any(extra_procs):
            log("[safety] the extra idle processes belong to the monitored user (harness not "
                "root), unlike on a shared node")
    workdir = Path(tempfile.mkdtemp(prefix="jumper-bench-"))
    os.chmod(workdir, 0o755)
    if user is not None:
        os.chown(workdir, user.pw_uid, user.pw_gid)

    if "native_c" in backends and skip_native is None:
        build_logs = Path(tempfile.mkdtemp(prefix="jumper-bench-build-"))
        ok, out = build_collector(venv, build_logs)
        shutil.rmtree(build_logs, ignore_errors=True)
        if not ok:
            skip_native = "C collector did not compile"
            log(f"[setup] {skip_native}:\n{out}")
        else:
            log("[setup] C collector ready")
    if jumper_note is None:
        meta["jumper"] = f"`{os.path.relpath(jumper_bin, ROOT)}`"
        try:
            v = subprocess.run([str(jumper_bin), "--version"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
            if v:
                meta["jumper"] += f" ({v})"
        except (OSError, subprocess.TimeoutExpired):
            pass
    else:
        meta["jumper"] = f"not measured: {jumper_note}"

    prio_before = nice_policy_table()
    my_before = (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0))
    pid1_before = (os.getpriority(os.PRIO_PROCESS, 1), os.sched_getscheduler(1))

    results: list[dict] = []
    groups: list[dict] = []
    idle_changed: list[tuple] = []
    bench_uid = user.pw_uid if user is not None else None
    try:
        for n_extra in extra_procs:
            idle: list[subprocess.Popen] = []
            idle_before: dict = {}
            try:
                if n_extra:
                    log(f"[group] starting {n_extra} idle `{' '.join(IDLE_ARGV)}` processes "
                        f"owned by {meta['idle_owner']}")
                    spawn_idle(n_extra, idle)
                    time.sleep(1.0)
                idle_pids = {p.pid for p in idle}
                idle_before = {pid: v for pid, v in nice_policy_table().items()
                               if pid in idle_pids}
                g = {"extra": n_extra, "procs": proc_count(), "load": loadavg(),
                     "owner": meta["idle_owner_short"]}
                groups.append(g)
                log(f"[group] {g['procs']} processes on the machine ({n_extra} extra idle), "
                    f"loadavg {g['load']}")

                def add(r: dict, g: dict = g) -> None:
                    r["extra_procs"] = g["extra"]
                    r["procs_on_machine"] = g["procs"]
                    results.append(r)

                for iv in intervals:
                    for b in backends:
                        if b == "native_c" and skip_native:
                            add({"backend": b, "interval": iv, "skipped": skip_native})
                            continue
                        log(f"[run] JUmPER {b:8s} interval {iv:g} s, {args.seconds:g} s ...")
                        r = run_jumper_py(venv, user, workdir, b, iv, args.seconds, args.warmup)
                        add(r)
                        log("      " + (f"ERROR {r['error']}" if r.get("error") else
                                        f"monitor {fmt(r['pct_monitor'])} % of a core "
                                        f"(threads {fmt(r['other_threads_cpu_s'], 3)} s + "
                                        f"children {fmt(r['children_cpu_s'], 3)} s over "
                                        f"{fmt(r['wall_s'])} s), whole {fmt(r['pct_whole'])} %, "
                                        f"{fmt(r.get('rate'), 1)} samples/s, monitored process during run: "
                                        f"{np_str(r['nice_policy_during'])}"))
                    if jumper_note is None:
                        log(f"[run] jumper          interval {iv:g} s, {args.seconds:g} s ...")
                        r = run_jumper(jumper_bin, user, workdir, iv, args.seconds, args.warmup)
                        add(r)
                        log("      " + (f"ERROR {r['error']}" if r.get("error") else
                                        f"monitor {fmt(r['pct_monitor'])} % of a core "
                                        f"({r['monitor_threads']} monitor thread(s) "
                                        f"{fmt(r['monitor_cpu_s'], 3)} s over "
                                        f"{fmt(r['wall_s'])} s), whole run own "
                                        f"{fmt(r['pct_run'])} % ({fmt(r['own_cpu_s'], 3)} s over "
                                        f"{fmt(r['run_wall_s'])} s), "
                                        f"rusage {fmt(r['pct_whole'])} %, {fmt(r.get('rate'), 1)} "
                                        f"samples/s, missed {r.get('missed')}"))
                    else:
                        add({"backend": "jumper", "interval": iv, "skipped": jumper_note})
            finally:
                if idle:
                    idle_after = nice_policy_table()
                    idle_changed += [(pid, v, idle_after[pid]) for pid, v in idle_before.items()
                                     if pid in idle_after and idle_after[pid][3] == v[3]
                                     and idle_after[pid][0] != bench_uid
                                     and idle_after[pid][1:3] != v[1:3]]
                reap_idle(idle)
    finally:
        prio_after = nice_policy_table()
        my_after = (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0))
        pid1_after = (os.getpriority(os.PRIO_PROCESS, 1), os.sched_getscheduler(1))
        changed = [(pid, prio_before[pid], v) for pid, v in prio_after.items()
                   if pid in prio_before and v[0] != bench_uid and v[3] == prio_before[pid][3]
                   and v[1:3] != prio_before[pid][1:3]] + idle_changed
        shutil.rmtree(workdir, ignore_errors=True)

    prio = (f"harness (pid {os.getpid()}) {np_str(my_before)} -> {np_str(my_after)}; "
            f"PID 1 {np_str(pid1_before)} -> {np_str(pid1_after)}; processes of other users "
            f"whose nice or policy changed: {len(changed)}"
            + (f" (the {', '.join(str(n) for n in extra_procs if n)} extra idle processes "
               f"included)" if any(extra_procs) else ""))
    if changed:
        prio += " " + ", ".join(f"{pid} {b[3]} {np_str(b[1:3])} -> {np_str(a[1:3])}"
                                for pid, b, a in changed[:10])
    during = sorted({np_str(r["nice_policy_during"]) for r in results
                     if r.get("backend") == "native_c" and r.get("nice_policy_during")})
    if during:
        prio += (f"; the JUmPER process monitored by native_c ran at {', '.join(during)} "
                 f"(the collector's renice, confined to the throw-away user)")
    meta["prio"] = prio
    log(f"[safety] {prio}")
    meta["procs_after"] = proc_count()
    meta["load_after"] = loadavg()

    meta["groups"] = groups
    log("[raw] " + json.dumps(results))
    text = render(meta, results, intervals, jumper_note)
    log("\n" + text + "\n")
    if not args.no_write:
        write_section(text)
    bad = [r for r in results if r.get("error")]
    if changed or my_before != my_after or pid1_before != pid1_after:
        log("ERROR: priorities of processes outside the throw-away user changed!")
        return 4
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
