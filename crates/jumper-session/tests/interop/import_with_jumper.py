#!/usr/bin/env python3
"""Import a session written by jumper with JUmPER 0.4.1's own Python API and check it.

Usage: import_with_jumper.py SESSION EXPECT_JSON REEXPORT_DIR

SESSION is a session directory or zip written by jumper; EXPECT_JSON says what it holds (written
by the Rust test `jumper_py_imports_our_session`). The script imports SESSION through
`PerfmonitorService.import_session`, checks the cell history, every level's perf table, JUmPER's
own samples-to-cells mapping, the hardware, the thresholds and a text report, then exports the
session again with JUmPER's `export_session` into REEXPORT_DIR so that the Rust side can read
JUmPER's re-export back. Exits non-zero with a message on the first mismatch.

Needs a venv with `jumper-extension==0.4.1`. Set MPLBACKEND=Agg and JUMPER_LOG_DIR to a scratch
directory (JUmPER creates a log folder there on every import).
"""
import ast
import contextlib
import io
import json
import math
import os
import sys


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def close(a, b):
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    session, expect_path, reexport = sys.argv[1:4]
    with open(expect_path, encoding="utf-8") as f:
        expect = json.load(f)
    os.environ.setdefault("MPLBACKEND", "Agg")

    import pandas as pd
    from jumper_extension.adapters.data import aggregate_node_info
    from jumper_extension.core.service import build_perfmonitor_service

    svc = build_perfmonitor_service(plots_disabled=True, display_disabled=True)
    svc.import_session(session)
    check(getattr(svc.monitor, "is_imported", False), "JUmPER did not switch to an imported monitor")
    check(svc.monitor.session_source == session, f"session_source is {svc.monitor.session_source!r}")

    # Cell history: indices, sources (multi-line, commas, quotes), times and magics.
    cells = svc.cell_history.view()
    exp_cells = expect["cells"]
    check(len(cells) == len(exp_cells), f"{len(cells)} cells imported, expected {len(exp_cells)}")
    for (_, row), exp in zip(cells.iterrows(), exp_cells):
        i = exp["cell_index"]
        check(int(row["cell_index"]) == i, f"cell_index {row['cell_index']} != {i}")
        check(row["raw_cell"] == exp["raw_cell"], f"cell {i}: raw_cell {row['raw_cell']!r} != {exp['raw_cell']!r}")
        for k in ("start_time", "end_time", "duration", "wallclock_start_time", "wallclock_end_time"):
            check(close(row[k], exp[k]), f"cell {i}: {k} {row[k]} != {exp[k]}")
        magics = ast.literal_eval(row["cell_magics"])
        check(magics == exp["cell_magics"], f"cell {i}: cell_magics {magics!r} != {exp['cell_magics']!r}")
    print(f"ok: {len(cells)} cells with sources, times and magics")

    # Perf tables per level, and JUmPER's own mapping of samples to cells.
    for level, exp in expect["levels"].items():
        df = svc.monitor.nodes.view(level=level)
        check(len(df) == len(exp["time"]), f"{level}: {len(df)} rows, expected {len(exp['time'])}")
        for col in ("time", "memory", "cpu_util_avg", "io_write"):
            for a, b in zip(df[col], exp[col]):
                check(close(a, b), f"{level}: {col} {a} != {b}")
        mapped = svc.monitor.nodes.view(level=level, cell_history=svc.cell_history)["cell_index"]
        got = [None if pd.isna(x) else int(x) for x in mapped]
        check(got == exp["cell_index"], f"{level}: JUmPER maps samples to cells {got}, jumper wrote {exp['cell_index']}")
        print(f"ok: {level}: {len(df)} rows, JUmPER's cell mapping agrees with ours")
    for level in ("process", "user", "system"):
        if level not in expect["levels"]:
            check(svc.monitor.nodes.view(level=level).empty, f"{level}: rows imported from nowhere")

    hw = aggregate_node_info(svc.monitor.nodes.hardware)
    check(hw.num_cpus == expect["num_cpus"], f"num_cpus {hw.num_cpus} != {expect['num_cpus']}")
    check(list(hw.cpu_handles) == expect["cpu_handles"], f"cpu_handles {hw.cpu_handles}")
    for k, v in expect["memory_limits"].items():
        check(close(hw.memory_limits.get(k, -1), v), f"memory_limits[{k}] {hw.memory_limits.get(k)} != {v}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        svc.show_resources()
    check(f"CPUs: {expect['num_cpus']}" in out.getvalue(), f"resources: {out.getvalue()!r}")
    print("ok: hardware and resources")

    thresholds = svc.reporter.printer.analyzer.thresholds
    for k, v in expect["thresholds"].items():
        check(close(thresholds[k], v), f"threshold {k} {thresholds[k]} != {v}")
    print("ok: thresholds")

    # A text report over all cells, computed by JUmPER from our files.
    n = len(exp_cells)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        svc.reporter.print(cell_range=(0, n - 1), level=expect["report_level"])
    text = out.getvalue()
    check("JUmPER Performance Report" in text, f"no report: {text!r}")
    check(f"({n} cells)" in text, f"report does not cover {n} cells: {text!r}")
    total = sum(c["duration"] for c in exp_cells)
    check(f"Duration: {total:.2f}s" in text, f"report duration differs (want {total:.2f}s): {text!r}")
    # JUmPER's averages over our rows agree with jumper's own statistics to the printed digits.
    for label, want in (("CPU Util", expect["report_cpu_avg"]), ("Memory", expect["report_mem_avg"])):
        line = next((l for l in text.splitlines() if l.startswith(label)), None)
        check(line is not None, f"report has no {label} line: {text!r}")
        avg = line.split(")")[-1].split()[0]
        check(avg == want, f"report {label} AVG {avg}, jumper computes {want}")
    print("ok: text report")
    print(text)

    svc.export_session(reexport)
    check(os.path.isfile(os.path.join(reexport, "manifest.json")), "JUmPER's re-export has no manifest")
    print(f"ok: re-exported by JUmPER to {reexport}")


if __name__ == "__main__":
    main()
