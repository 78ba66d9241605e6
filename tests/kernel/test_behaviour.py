"""Behaviour the conformance suite does not check, through jupyter_client directly.

The first part holds for any Python kernel (ipykernel itself, and jumper wrapping it); the tests
marked `jumper` check jumper's own cells and reports and run only for a jumper kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import urllib.request
import time
import uuid

import pytest

import kernel_helpers as kh
from kernel_helpers import describe, jumper_reports, plain_of, text_of


def ok(reply: dict, outputs: list[dict]) -> None:
    c = reply["content"]
    assert c["status"] == "ok", f"{c.get('ename')}: {c.get('evalue')}\n{describe(outputs)}"


# --- stdin ---------------------------------------------------------------------------------


def test_input_through_stdin_hook(shared_kernel):
    k = shared_kernel
    prompts = []

    def hook(msg):
        prompts.append(msg["content"])
        k.kc.input("alice")

    reply, out = k.run("x = input('name? ')\nprint('got', x)", stdin_hook=hook)
    ok(reply, out)
    assert [p["prompt"] for p in prompts] == ["name? "]
    assert prompts[0]["password"] is False
    assert text_of(out, "stdout") == "got alice\n"


# --- interrupts ----------------------------------------------------------------------------


def _wait_busy(k: kh.Kernel, msg_id: str, code_started: float = 0.3) -> None:
    """Waits until the request's execute_input arrived, then lets the code get going."""
    deadline = time.monotonic() + kh.TIMEOUT
    while time.monotonic() < deadline:
        try:
            m = k.kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
            time.sleep(code_started)
            return
    raise AssertionError("the cell never started")


def test_interrupt_sleep_gives_keyboardinterrupt_within_1s_and_next_cell_runs(shared_kernel):
    k = shared_kernel
    k.flush()
    msg_id = k.kc.execute("import time; time.sleep(30)")
    _wait_busy(k, msg_id)
    t0 = time.monotonic()
    k.km.interrupt_kernel()
    reply = k.shell_reply(msg_id, timeout=10)
    took = time.monotonic() - t0
    assert reply["content"]["status"] == "error", reply["content"]
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert took < 1.0, f"the interrupted cell replied after {took:.2f} s"
    k.iopub_until_idle(msg_id)
    reply, out = k.run("print('after', 6*7)")
    ok(reply, out)
    assert text_of(out) == "after 42\n"


def _ping(k: kh.Kernel, payload: bytes, timeout_ms: int = 2000) -> bytes | None:
    """One heartbeat round trip on a fresh REQ socket; None when no answer came in time."""
    import zmq

    info = k.km.get_connection_info()
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    try:
        s.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
        s.send(payload)
        if s.poll(timeout_ms):
            return s.recv()
        return None
    finally:
        s.close()


def test_heartbeat_echoes_idle_and_while_a_cell_runs(shared_kernel):
    # The heartbeat runs on a thread of its own and is echoed by the wrapped kernel's: it
    # answers with the kernel idle and while a cell keeps the kernel busy.
    k = shared_kernel
    k.flush()
    assert _ping(k, b"idle-ping") == b"idle-ping"
    msg_id = k.kc.execute("import time; time.sleep(1.5)")
    _wait_busy(k, msg_id, code_started=0.2)
    assert _ping(k, b"busy-ping") == b"busy-ping"
    reply = k.shell_reply(msg_id, timeout=10)
    assert reply["content"]["status"] == "ok", reply["content"]
    k.iopub_until_idle(msg_id)


def test_interrupt_during_input(shared_kernel):
    k = shared_kernel
    k.flush()
    msg_id = k.kc.execute("input('never answered: ')", allow_stdin=True)
    req = k.kc.get_stdin_msg(timeout=kh.TIMEOUT)
    assert req["msg_type"] == "input_request"
    assert req["content"]["prompt"] == "never answered: "
    time.sleep(0.2)
    k.km.interrupt_kernel()
    reply = k.shell_reply(msg_id, timeout=10)
    assert reply["content"]["status"] == "error", reply["content"]
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    k.iopub_until_idle(msg_id)
    # The kernel still reads input afterwards.
    reply, out = k.run("print(input('again: ') * 2)", stdin_hook=lambda m: k.kc.input("ab"))
    ok(reply, out)
    assert text_of(out) == "abab\n"


# --- comms with binary buffers -------------------------------------------------------------

COMM_TARGET = """
import hashlib
from comm import get_comm_manager, create_comm

def _jt_target(comm, open_msg):
    bufs = [bytes(b) for b in open_msg.get('buffers') or []]
    comm.send({'got': 'open', 'sha': [hashlib.sha256(b).hexdigest() for b in bufs]},
              buffers=bufs)
    @comm.on_msg
    def _echo(msg):
        bufs = [bytes(b) for b in msg.get('buffers') or []]
        comm.send({'got': msg['content']['data'], 'sha': [hashlib.sha256(b).hexdigest() for b in bufs]},
                  buffers=[b[::-1] for b in bufs])

get_comm_manager().register_target('jt_echo', _jt_target)
"""

BUFS = [bytes(range(256)) * 4, b"\x00\xff\x00binary\r\n\x00", b""]


def _comm_msgs(k: kh.Kernel, parent: str) -> list[dict]:
    return [m for m in k.iopub_until_idle(parent) if m["msg_type"].startswith("comm_")]


def test_comms_both_ways_with_binary_buffers(shared_kernel):
    k = shared_kernel
    reply, out = k.run(COMM_TARGET)
    ok(reply, out)
    k.flush()
    comm_id = uuid.uuid4().hex
    sha = [hashlib.sha256(b).hexdigest() for b in BUFS]

    # frontend -> kernel: comm_open with buffers; the kernel echoes them on the comm.
    msg = k.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "jt_echo", "data": {"hi": 1}})
    k.kc.session.send(k.kc.shell_channel.socket, msg, buffers=BUFS)
    got = _comm_msgs(k, msg["header"]["msg_id"])
    assert [m["msg_type"] for m in got] == ["comm_msg"], describe(got)
    assert got[0]["content"]["comm_id"] == comm_id
    assert got[0]["content"]["data"] == {"got": "open", "sha": sha}
    assert [bytes(b) for b in got[0]["buffers"]] == BUFS

    # comm_msg with buffers; the kernel sends them back reversed.
    msg = k.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"n": 2}})
    k.kc.session.send(k.kc.shell_channel.socket, msg, buffers=BUFS)
    got = _comm_msgs(k, msg["header"]["msg_id"])
    assert [m["msg_type"] for m in got] == ["comm_msg"], describe(got)
    assert got[0]["content"]["data"] == {"got": {"n": 2}, "sha": sha}
    assert [bytes(b) for b in got[0]["buffers"]] == [b[::-1] for b in BUFS]

    # comm_info lists it.
    mid = k.kc.comm_info(target_name="jt_echo")
    info = k.shell_reply(mid)
    assert info["msg_type"] == "comm_info_reply"
    assert info["content"]["comms"].get(comm_id) == {"target_name": "jt_echo"}

    # kernel -> frontend: a comm the kernel opens, with buffers, from a cell.
    reply, out = k.run(
        "c = create_comm(target_name='jt_back', data={'k': 1}, buffers=[b'\\x01\\x02\\x03'])\n"
        "c.send({'k': 2}, buffers=[bytes(range(256))])\nc.close()"
    )
    ok(reply, out)
    kinds = [(m["msg_type"], m["content"].get("data"), [bytes(b) for b in m.get("buffers", [])]) for m in out]
    assert ("comm_open", {"k": 1}, [b"\x01\x02\x03"]) in kinds, describe(out)
    assert ("comm_msg", {"k": 2}, [bytes(range(256))]) in kinds, describe(out)
    assert any(m["msg_type"] == "comm_close" for m in out), describe(out)

    # comm_close from the frontend is accepted and the kernel stays responsive.
    msg = k.kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}})
    k.kc.session.send(k.kc.shell_channel.socket, msg)
    k.iopub_until_idle(msg["header"]["msg_id"])
    reply, out = k.run("print('alive')")
    ok(reply, out)


# --- displays ------------------------------------------------------------------------------


def test_update_display_data_and_clear_output_wait(shared_kernel):
    k = shared_kernel
    code = (
        "from IPython.display import display, clear_output\n"
        "h = display({'text/plain': 'one'}, raw=True, display_id='jt-d1')\n"
        "h.update({'text/plain': 'two'}, raw=True)\n"
        "print('before', flush=True)\n"
        "clear_output(wait=True)\n"
        "print('after', flush=True)\n"
    )
    reply, out = k.run(code)
    ok(reply, out)
    seq = [
        (m["msg_type"], m["content"].get("data", {}).get("text/plain"), m["content"].get("transient", {}).get("display_id"))
        for m in out
        if m["msg_type"] in ("display_data", "update_display_data")
    ]
    assert seq == [("display_data", "one", "jt-d1"), ("update_display_data", "two", "jt-d1")], describe(out)
    kinds = [m["msg_type"] for m in out if m["msg_type"] in ("stream", "clear_output")]
    assert kinds == ["stream", "clear_output", "stream"], describe(out)
    clear = next(m for m in out if m["msg_type"] == "clear_output")
    assert clear["content"] == {"wait": True}


# --- lifecycle -----------------------------------------------------------------------------


def test_restart_then_forced_shutdown_leave_no_process():
    k = kh.Kernel(kh.KERNEL)
    try:
        reply, out = k.run("import os; print(os.getpid())")
        ok(reply, out)
        k.restart()
        reply, out = k.run("print('restarted')")
        ok(reply, out)
        assert text_of(out) == "restarted\n"
    finally:
        k.shutdown(now=True)


def test_graceful_shutdown_after_a_running_cell_leaves_no_process():
    k = kh.Kernel(kh.KERNEL)
    k.kc.execute("import time; time.sleep(30)")
    time.sleep(0.5)
    k.shutdown(now=False)


# === jumper only ===========================================================================

jumper = pytest.mark.jumper


def single_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    return lines[0]


@pytest.fixture(scope="module")
def monitored():
    """A jumper kernel with monitoring at 0.1 s."""
    k = kh.Kernel(kh.KERNEL)
    reply, out = k.run("%perfmonitor_start 0.1")
    ok(reply, out)
    yield k
    k.shutdown()


@jumper
def test_load_ext_gives_one_line_note(kernel):
    reply, out = kernel.run("%load_ext jumper_extension")
    ok(reply, out)
    print("note:", single_line(plain_of(out)))


@jumper
def test_local_cell_then_perfreport(monitored):
    k = monitored
    reply, out = k.run("import time; time.sleep(0.5)")
    ok(reply, out)
    reply, out = k.run("%perfmonitor_perfreport")
    ok(reply, out)
    text = plain_of(out)
    assert text.strip(), describe(out)
    assert "No performance data" not in text, text
    assert "Traceback" not in text, text


@jumper
def test_mixed_cell_runs_magic_and_code(kernel):
    reply, out = kernel.run("%perfmonitor_start 0.1\nx = 1\nprint(x)")
    ok(reply, out)
    text = plain_of(out)
    assert "UsageError" not in text, text
    assert "1\n" in text_of(out, "stdout"), describe(out)
    reply, out = kernel.run("print(x + 1)")
    ok(reply, out)
    assert text_of(out, "stdout") == "2\n"


@jumper
def test_bad_magic_is_an_error_with_one_clear_line(monitored):
    reply, out = monitored.run("%perfmonitor_perfreport --level nope")
    c = reply["content"]
    assert c["status"] == "error", describe(out)
    errors = [m for m in out if m["msg_type"] == "error"] + [
        m for m in out if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"
    ]
    assert errors, describe(out)
    text = plain_of(errors)
    assert "Traceback" not in text and "usage:" not in text and "SystemExit" not in text, text
    line = single_line(text)
    assert "nope" in line, line
    print("bad magic:", line)


@jumper
def test_export_perfdata_usable_in_next_cell(monitored):
    k = monitored
    ok(*k.run("import time; time.sleep(0.3)"))
    reply, out = k.run("%perfmonitor_export_perfdata")
    ok(reply, out)
    reply, out = k.run("print(type(perfdata_df).__name__, perfdata_df.shape[0] > 0, 'cell_index' in perfdata_df.columns)")
    ok(reply, out)
    assert text_of(out, "stdout") == "DataFrame True True\n", describe(out)


def _reported_cell(k: kh.Kernel, code: str) -> tuple[dict, list[dict], dict]:
    """Runs `code` with automatic reports on; returns reply, iopub up to idle, and the report."""
    k.flush()
    msg_id = k.kc.execute(code)
    msgs = k.iopub_until_idle(msg_id, timeout=60)
    reply = k.shell_reply(msg_id)
    reports = jumper_reports(msgs)
    assert reports, "no output with metadata.jumper before idle; outputs were:\n" + describe(msgs)
    return reply, msgs, reports[-1]


@pytest.fixture(scope="module")
def reporting(monitored):
    ok(*monitored.run("%perfmonitor_enable_perfreports --interval 0.1"))
    return monitored


@jumper
def test_automatic_report_arrives_before_idle_with_text_and_metadata(reporting):
    reply, msgs, report = _reported_cell(reporting, "import time; time.sleep(0.4)")
    ok(reply, msgs)
    # iopub_until_idle stops at idle, so the report was sent before it; check its bundle too.
    out = [m for m in msgs if m["content"].get("metadata", {}).get("jumper") is not None]
    for m in out:
        assert "text/plain" in m["content"]["data"], describe([m])
        assert m["parent_header"]["msg_id"] == reply["parent_header"]["msg_id"]
    assert msgs[-1]["content"]["execution_state"] == "idle"
    print("report keys:", sorted(report))


def _cell_of(report: dict) -> dict:
    """The last cell's summary in a report JSON (per_cell), or the window stats."""
    cells = report.get("per_cell") or []
    if cells:
        return cells[-1]
    raise AssertionError(f"report has no per_cell: {json.dumps(report)[:2000]}")


TRUTH = "\nimport os\n_t1 = os.times(); print('TRUTH', (_t1.user + _t1.system) - (_t0.user + _t0.system))"


@jumper
def test_cpu_burn_of_1s_is_reported_within_5_percent(reporting):
    code = (
        "import os, time\n_t0 = os.times()\nt = time.process_time()\n"
        "while time.process_time() - t < 1.0: pass" + TRUTH
    )
    reply, msgs, report = _reported_cell(reporting, code)
    ok(reply, msgs)
    truth = float(text_of(msgs, "stdout").split("TRUTH")[1])
    assert report.get("level", "process") == "process", report.get("level")
    cpu = _cell_of(report)["cpu_time_s"]
    assert abs(cpu - truth) / truth < 0.05, f"reported {cpu} s, kernel measured {truth} s"


@jumper
def test_cells_sent_at_once_each_get_their_own_record(kernel):
    """As JupyterLab's Run All: every request is sent before the first is done. Each cell gets
    its reply and idle, in order, and its own record with its start and end samples; the
    local cells among them (which turn automatic reports on and off) are cells too."""
    ok(*kernel.run("%perfmonitor_start 0.1"))
    codes = [f"v{i} = {i}; print('cell', {i})" for i in range(12)]
    codes[3] = (
        "import os, time\n_t0 = os.times()\nt = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass" + TRUTH
    )
    codes[5] = "%perfmonitor_enable_perfreports"
    codes[9] = "%perfmonitor_disable_perfreports"
    kernel.flush()
    ids = [kernel.kc.execute(c) for c in codes]
    outs = [kernel.iopub_until_idle(i, timeout=60) for i in ids]
    replies = [kernel.shell_reply(i) for i in ids]
    for r, o in zip(replies, outs):
        ok(r, o)
    for i, o in enumerate(outs):
        if i not in (3, 5, 9):
            assert text_of(o, "stdout") == f"cell {i}\n", describe(o)
    # Automatic reports came for the cells between the two switches only (a switch applies
    # from the next cell on).
    with_report = [i for i, o in enumerate(outs) if jumper_reports(o)]
    assert with_report == [6, 7, 8], with_report
    truth = float(text_of(outs[3], "stdout").split("TRUTH")[1])
    reply, out = kernel.run("%perfmonitor_perfreport --cell 1:12")
    ok(reply, out)
    cells = jumper_reports(out)[-1]["per_cell"]
    assert [c["cell"] for c in cells] == list(range(1, 13)), cells
    for c in cells:
        assert c["status"] == "ok" and c["samples"] >= 2, c
    cpu = cells[3]["cpu_time_s"]
    # Both figures count in clock ticks (10 ms): 5 % of a 0.3 s burn is less than two of them.
    assert abs(cpu - truth) <= 0.05 * truth + 0.02, f"reported {cpu} s, kernel measured {truth} s"


@jumper
def test_touching_300_mib_peaks_at_about_0_29_gib(reporting):
    code = (
        "def _rss():\n    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**30\n"
        "import os, time\n_before = _rss()\n_b = bytearray(300 * 2**20)\n"
        "for _i in range(0, len(_b), 4096): _b[_i] = 1\n"
        "time.sleep(0.5)\n_after = _rss()\ndel _b\nprint('RSS', _before, _after)"
    )
    reply, msgs, report = _reported_cell(reporting, code)
    ok(reply, msgs)
    before, after = map(float, text_of(msgs, "stdout").split("RSS")[1].split())
    peak = _cell_of(report)["memory_peak_gib"]
    grown = after - before
    assert 0.28 < grown < 0.31, f"the kernel itself grew {grown} GiB"
    # The process level is the wrapped kernel's tree: its peak is the kernel's RSS, jumper excluded.
    assert abs(peak - after) < 0.03, f"reported peak {peak} GiB, kernel RSS {after} GiB (was {before})"


@jumper
def test_restart_keeps_cell_history(kernel):
    tag = f"jt_{uuid.uuid4().hex[:8]}"
    ok(*kernel.run("%perfmonitor_start 0.1"))
    ok(*kernel.run(f"{tag} = 1"))
    kernel.restart()
    reply, out = kernel.run("%show_cell_history")
    ok(reply, out)
    everything = json.dumps([m["content"] for m in out], default=str)
    assert tag in everything, describe(out)


@jumper
def test_restart_now_keeps_the_cells_up_to_the_last_checkpoint(kernel):
    # restart_kernel(now=True) kills the process: jumper cannot save anything then, so it
    # keeps a checkpoint after cells (at most every second). The cells before it survive,
    # with their numbers.
    tag = f"jt_{uuid.uuid4().hex[:8]}"
    ok(*kernel.run("%perfmonitor_start 0.1"))
    ok(*kernel.run(f"{tag} = 1"))
    ok(*kernel.run("import time; time.sleep(1.2)"))
    ok(*kernel.run("x = 2"))
    kernel.restart(now=True)
    reply, out = kernel.run("%show_cell_history")
    ok(reply, out)
    everything = json.dumps([m["content"] for m in out], default=str)
    assert tag in everything and "time.sleep(1.2)" in everything, describe(out)
    # The cells before the restart are in the reports too, with their samples.
    reply, out = kernel.run("%perfmonitor_perfreport --cell 0:2")
    ok(reply, out)
    reports = jumper_reports(out)
    assert reports and len(reports[-1]["per_cell"]) == 3, describe(out)
    slept = reports[-1]["per_cell"][2]
    assert slept["duration_s"] >= 1.2 and slept.get("samples", 0) >= 10, slept


@jumper
def test_a_live_plot_goes_on_after_a_restart(kernel):
    # The live plot belongs to the output of the cell that started it: after a restart the new
    # jumper process goes on replacing that same output (same display_id, same parent).
    ok(*kernel.run("%perfmonitor_start 0.1"))
    reply, out = kernel.run("%perfmonitor_plot --live --interval 0.3")
    ok(reply, out)
    shown = [m for m in out if m["msg_type"] == "display_data"
             and m["content"].get("transient", {}).get("display_id")]
    assert shown, describe(out)
    display_id = shown[0]["content"]["transient"]["display_id"]
    plot_request = reply["parent_header"]["msg_id"]
    kernel.restart()
    kernel.flush()
    mid = kernel.kc.execute("import time; time.sleep(2)")
    updates, idle = [], False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (idle and updates):
        try:
            msg = kernel.kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["msg_type"] == "update_display_data":
            updates.append(msg)
        if (msg["parent_header"].get("msg_id") == mid and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            idle = True
    kernel.shell_reply(mid)
    assert updates, "no frame of the live plot after the restart"
    last = updates[-1]
    assert last["content"]["transient"]["display_id"] == display_id
    assert last["parent_header"].get("msg_id") == plot_request
    assert last["content"]["data"]["image/png"]
    reply, out = kernel.run("%perfmonitor_plot --live off")
    ok(reply, out)
    assert "live plot ended" in plain_of(out), describe(out)


@jumper
def test_completion_of_perfmonitor_offers_jumper_magics(shared_kernel):
    k = shared_kernel
    mid = k.kc.complete("%perfmonitor_", 13)
    reply = k.shell_reply(mid)
    matches = set(reply["content"]["matches"])
    for name in ("%perfmonitor_start", "%perfmonitor_perfreport", "%perfmonitor_export_perfdata"):
        assert name in matches, sorted(matches)


@jumper
def test_list_kernels_lists_python3(shared_kernel):
    reply, out = shared_kernel.run("%list_kernels")
    ok(reply, out)
    assert "python3" in plain_of(out), describe(out)


@jumper
def test_wrap_kernel_unknown_name_says_so_in_one_line(shared_kernel):
    reply, out = shared_kernel.run("%wrap_kernel nope")
    line = single_line(plain_of(out))
    assert "nope" in line, line
    print("status", reply["content"]["status"], "message:", line)


@jumper
def test_child_dying_mid_cell_gives_an_error_and_idle_and_a_fresh_kernel(kernel):
    # The wrapped kernel exits in the middle of a cell: the frontend gets an error reply and
    # idle (never a hang), jumper starts a new child, and the recorded cells are kept.
    ok(*kernel.run("x = 1"))
    reply, out = kernel.run("import os; os._exit(3)")
    assert reply["content"]["status"] == "error", describe(out)
    # kernel.run returns only once this request's idle arrived (its watchdog fails a hang).
    text = plain_of(out) + str(reply["content"].get("evalue", ""))
    assert "died" in text, describe(out)
    reply, out = kernel.run("print('alive', 'x' in dir())")
    ok(reply, out)
    assert "alive False" in text_of(out), describe(out)
    reply, out = kernel.run("%show_cell_history")
    ok(reply, out)
    assert "os._exit" in plain_of(out), describe(out)


@jumper
def test_a_kernel_that_exits_at_startup_is_one_clear_error_not_a_hang():
    k = kh.Kernel("jumper-exits-at-start")
    try:
        reply, out = k.run("1 + 1")
        c = reply["content"]
        assert c["status"] == "error", describe(out)
        assert "exited at start-up" in c["evalue"] and "exit status 3" in c["evalue"], c["evalue"]
        # jumper's own commands still work without a child.
        reply, out = k.run("%perfmonitor_help")
        ok(reply, out)
    finally:
        k.shutdown()


# --- a live metrics endpoint ---------------------------------------------------------------


def _sd_targets(sd: str) -> list[str]:
    """The targets of every file_sd file in `sd`."""
    out = []
    for name in sorted(os.listdir(sd)):
        with open(os.path.join(sd, name)) as f:
            for group in json.load(f):
                out.extend(group["targets"])
    return out


def _wait_for_one_target(sd: str, not_this: str | None = None) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        t = _sd_targets(sd)
        if len(t) == 1 and t[0] != not_this:
            return t[0]
        time.sleep(0.05)
    raise AssertionError(f"expected one new target in {sd}, found {_sd_targets(sd)}")


def _process_cpu(target: str) -> float:
    with urllib.request.urlopen(f"http://{target}/metrics", timeout=10) as r:
        assert r.status == 200
        text = r.read().decode()
    assert text.endswith("# EOF\n"), text[-200:]
    v = [float(m.group(1)) for m in re.finditer(
        r'^jumper_cpu_seconds_total\{[^}]*level="process"[^}]*\} (\S+)$', text, re.M)]
    assert len(v) == 1, text
    return v[0]


@jumper
def test_metrics_endpoint_serves_the_notebook_through_its_target_file():
    """`kernel install --metrics 127.0.0.1:0 --metrics-sd-dir DIR`: each kernel serves the
    notebook's latest values, found through its target file, which lives as long as it."""
    sd = os.environ["JUMPER_TEST_METRICS_SD"]
    k = kh.Kernel("jumper-metrics")
    try:
        target = _wait_for_one_target(sd)
        assert target.startswith("127.0.0.1:"), target
        reply, out = k.run("%perfmonitor_start 0.1")
        ok(reply, out)
        code = (
            "import os, time\n_t0 = os.times()\nt = time.process_time()\n"
            "while time.process_time() - t < 0.5: pass" + TRUTH
            + "\nprint('TOTAL', _t1.user + _t1.system + _t1.children_user + _t1.children_system)"
        )
        reply, out = k.run(code)
        ok(reply, out)
        stdout = text_of(out, "stdout")
        burn = float(stdout.split("TRUTH")[1].split()[0])
        total = float(stdout.split("TOTAL")[1].split()[0])
        # The kernel's whole CPU time so far, read at the cell's end sample or a later tick.
        cpu = _process_cpu(target)
        assert burn <= cpu <= total + 0.2, f"served {cpu} s; the cell burnt {burn} s, the kernel {total} s"
        # A restart from the frontend is a new jumper: a new endpoint and target file, the
        # old one gone.
        k.restart()
        new = _wait_for_one_target(sd, not_this=target)
        reply, out = k.run("%perfmonitor_start 0.1")
        ok(reply, out)
        assert _process_cpu(new) >= 0.0
    finally:
        k.shutdown()
    deadline = time.monotonic() + 10
    while _sd_targets(sd) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sd_targets(sd) == [], "the target file outlived the kernel"
