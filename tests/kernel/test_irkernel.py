"""A non-Python kernel: IRkernel (Debian's r-cran-irkernel) directly, or jumper wrapping it.

IRkernel replaces `readline()` with one that sends `input_request` when the frontend allows
stdin (without it, it returns "" at once as R does when not interactive); the prompt travels in
the request and the reply is returned without its newline.
"""

from __future__ import annotations

import time

import pytest

import kernel_helpers as kh
from kernel_helpers import describe, jumper_reports, plain_of, text_of

pytestmark = pytest.mark.r


def ok(reply: dict, outputs: list[dict]) -> None:
    c = reply["content"]
    assert c["status"] == "ok", f"{c.get('ename')}: {c.get('evalue')}\n{describe(outputs)}"


def test_execute_prints_and_displays(r_kernel):
    reply, out = r_kernel.run('cat("hello from R\\n"); 6 * 7')
    ok(reply, out)
    assert text_of(out, "stdout") == "hello from R\n"
    shown = [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] in ("display_data", "execute_result")]
    assert shown == ["[1] 42"], describe(out)


def test_error_is_an_error_reply(r_kernel):
    reply, out = r_kernel.run('stop("broken on purpose")')
    assert reply["content"]["status"] == "error"
    assert "broken on purpose" in plain_of(out), describe(out)


def test_readline_through_stdin_hook(r_kernel):
    k = r_kernel
    prompts = []

    def hook(msg):
        prompts.append(msg["content"]["prompt"])
        k.kc.input("bob")

    reply, out = k.run('x <- readline("who? "); cat("got", x, nchar(x), "\\n")', stdin_hook=hook)
    ok(reply, out)
    assert prompts == ["who? "]
    assert text_of(out, "stdout") == "got bob 3 \n"


def test_interrupt_sys_sleep_and_next_cell_runs(r_kernel):
    k = r_kernel
    k.flush()
    msg_id = k.kc.execute("Sys.sleep(30)")
    deadline = time.monotonic() + kh.TIMEOUT
    while time.monotonic() < deadline:
        m = k.kc.get_iopub_msg(timeout=kh.TIMEOUT)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
            break
    time.sleep(0.3)
    t0 = time.monotonic()
    k.km.interrupt_kernel()
    reply = k.shell_reply(msg_id, timeout=10)
    took = time.monotonic() - t0
    print(f"interrupted Sys.sleep replied in {took:.3f} s with {reply['content']['status']}")
    assert took < 1.0, f"the interrupted cell replied after {took:.2f} s"
    # IRkernel 1.3.2 answers an interrupted cell with status "abort" (measured), ipykernel "error".
    assert reply["content"]["status"] in ("abort", "error"), reply["content"]
    k.iopub_until_idle(msg_id)
    reply, out = k.run('cat("after", 1 + 1, "\\n")')
    ok(reply, out)
    assert text_of(out, "stdout") == "after 2 \n"


@pytest.mark.jumper
def test_jumper_cells_and_report(r_kernel):
    k = r_kernel
    ok(*k.run("%perfmonitor_start 0.1"))
    reply, out = k.run("x <- 0; for (i in 1:2000000) x <- x + i; Sys.sleep(0.3); x")
    ok(reply, out)
    reply, out = k.run("%perfmonitor_perfreport")
    ok(reply, out)
    text = plain_of(out)
    assert text.strip() and "Traceback" not in text and "No performance data" not in text, describe(out)
    ok(*k.run("%perfmonitor_enable_perfreports --interval 0.1"))
    k.flush()
    msg_id = k.kc.execute("Sys.sleep(0.4); 1")
    msgs = k.iopub_until_idle(msg_id, timeout=60)
    ok(k.shell_reply(msg_id), msgs)
    assert jumper_reports(msgs), "no output with metadata.jumper before idle:\n" + describe(msgs)
