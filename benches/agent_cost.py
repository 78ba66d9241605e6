# Agent cost against `jumper run` at the same interval and levels (BENCHMARKS.md, issue 12):
# python3 benches/agent_cost.py JUMPER SECONDS REPETITIONS [agent options]
# Each command's own CPU (user + system, from wait4) over SECONDS of sampling the system level at 0.1 s.
import os, shutil, subprocess, sys, time, signal, tempfile, statistics
J = sys.argv[1]; T = float(sys.argv[2]); reps = int(sys.argv[3])
env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM")}
def cpu(argv, stop=None):
    d = tempfile.mkdtemp()
    p = subprocess.Popen([a.replace("@D", d) for a in argv], env=dict(env, SLURMD_NODENAME="b"), stderr=subprocess.DEVNULL)
    if stop:
        time.sleep(T); p.send_signal(stop)
    _, st, ru = os.wait4(p.pid, 0)
    shutil.rmtree(d, ignore_errors=True)
    return ru.ru_utime + ru.ru_stime
res = {"agent": [], "run": []}
for i in range(reps):
    res["agent"].append(cpu([J, "agent", "--levels", "system", "--interval", "0.1"] + sys.argv[4:] + ["--out", "@D"], signal.SIGTERM))
    res["run"].append(cpu([J, "run", "-q", "--levels", "system", "--level", "system", "--interval", "0.1", "--out", "@D/s", "--", "sleep", str(T)]))
for k, v in res.items():
    print(k, "cpu s per run:", " ".join(f"{x:.3f}" for x in v), "median", f"{statistics.median(v):.3f}", "per s", f"{statistics.median(v)/T*1000:.1f} ms")
print("ratio agent/run", f"{statistics.median(res['agent'])/statistics.median(res['run']):.3f}")
