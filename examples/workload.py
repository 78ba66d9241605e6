#!/usr/bin/env python3
"""A small workload that does every kind of work jumper measures, for a first run:

    cargo run --release -p jumper-cli -- run --interval 0.1 --out my-session --json report.json \
        -- python3 examples/workload.py

Burns ~1 s of CPU, holds 200 MiB, writes and fsyncs 50 MiB, and runs 4 short child processes.
"""
import os
import subprocess
import sys
import tempfile
import time

t = time.process_time()
while time.process_time() - t < 1.0:
    pass
print("cpu: burned 1.0 s", flush=True)

block = b"\x01" * (200 * 1024 * 1024)
time.sleep(0.5)
print(f"memory: holding {len(block) >> 20} MiB", flush=True)
del block

with tempfile.NamedTemporaryFile(dir=os.getcwd(), prefix=".jumper-workload-") as f:
    chunk = b"\x02" * (1024 * 1024)
    for _ in range(50):
        f.write(chunk)
    f.flush()
    os.fsync(f.fileno())
print("io: wrote and fsynced 50 MiB", flush=True)

burn = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.2: pass"
for _ in range(4):
    subprocess.run([sys.executable, "-c", burn], check=True)
print("children: 4 x 0.2 s CPU", flush=True)
