#!/usr/bin/env python3
# A monitored script: every `# %%` starts a cell, every line starting with `%` is a jumper
# command. Run it with
#
#     cargo run --release -p jumper-cli -- replay examples/analysis.py
#
# Each cell runs in one persistent Python interpreter (variables carry over), and jumper
# reports what each cell cost. Outputs go to ./jumper-example-out/.

# %% Set up: monitoring every 0.1 s, a report after every cell
%perfmonitor_enable_perfreports --level process --interval 0.1 --text
%perfmonitor_resources
import os, subprocess, sys, tempfile, time
out_dir = "jumper-example-out"
os.makedirs(out_dir, exist_ok=True)

# %% CPU: about 1 s of pure-Python work
t = time.process_time()
n = 0
while time.process_time() - t < 1.0:
    n += 1
print(f"cpu: {n:,} loop iterations in 1.0 s of CPU time")

# %% Memory: hold 300 MiB for half a second
block = bytearray(300 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
time.sleep(0.5)
print(f"memory: touched {len(block) >> 20} MiB")
del block

# %% File I/O: write and fsync 64 MiB, then read it back
path = os.path.join(out_dir, "scratch.bin")
chunk = os.urandom(1024 * 1024)
with open(path, "wb") as f:
    for _ in range(64):
        f.write(chunk)
    f.flush()
    os.fsync(f.fileno())
with open(path, "rb") as f:
    read = len(f.read())
os.remove(path)
print(f"io: wrote and fsynced 64 MiB, read back {read >> 20} MiB")

# %% Child processes: four short-lived children of 0.25 s CPU each
burn = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.25: pass"
for _ in range(4):
    subprocess.run([sys.executable, "-c", burn], check=True)
print("children: 4 x 0.25 s of CPU, all reaped before the cell ends")

# %% A short cell still gets its own numbers
x = sum(range(1000))

# %% Look back: the whole run, the history, and exports
%perfmonitor_disable_perfreports
%perfmonitor_perfreport --cell 1:5 --level process --text
%perfmonitor_perfreport --cell 1:5 --level system --text
%show_cell_history
%perfmonitor_plot --metrics cpu_summary,memory,io_write --cell 1:5 --save jumper-example-out/cells.png
%perfmonitor_plot --save jumper-example-out/dashboard.html
%perfmonitor_export_perfdata --file jumper-example-out/perf_process.csv --level process
%perfmonitor_export_cell_history --file jumper-example-out/cell_history.json
%export_session jumper-example-out/session
