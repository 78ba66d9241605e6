"""Helpers for the kernel tests: which kernels are under test, starting kernels with a marker,
and finding processes a kernel left behind.

A kernel started here gets a unique `JUMPER_TEST_MARKER` in its environment and a unique
connection file name. Before shutdown its whole process tree is recorded from /proc; after
shutdown every recorded process (same pid *and* same start time) and every process whose
environment carries the marker or whose command line names the connection file must be gone.
Leftovers are killed (so an orphan holding a pipe cannot hang the run) and fail the test.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import KernelManager

#: The kernel the Python tests talk to: `python3` (ipykernel) or `jumper-python3`.
KERNEL = os.environ.get("JUMPER_TEST_KERNEL", "python3")
#: The jumper binary; when set, conftest installs jumper kernelspecs into a temporary prefix.
JUMPER_BIN = os.environ.get("JUMPER_BIN") or None
#: Whether the kernel under test is jumper's (its jumper-only tests then run).
IS_JUMPER = KERNEL.startswith("jumper-")
#: The kernel the R tests talk to: `ir`, or `jumper-ir` when jumper is under test.
R_KERNEL = os.environ.get("JUMPER_TEST_R_KERNEL") or ("jumper-ir" if IS_JUMPER else "ir")
R_IS_JUMPER = R_KERNEL.startswith("jumper-")
#: Under CI a missing tool fails instead of skipping.
CI = os.environ.get("CI", "") not in ("", "false", "0")

#: Seconds to wait for a kernel to start and answer kernel_info.
START_TIMEOUT = 60
#: Seconds to wait for a shell reply of an ordinary cell.
TIMEOUT = 30
#: Seconds a kernel's processes get to go away after shutdown.
EXIT_GRACE = 5.0


def kernel_available(name: str) -> bool:
    """Whether a kernelspec called `name` is on the Jupyter path."""
    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return False
    return True


# --- /proc -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """One process as /proc shows it."""

    pid: int
    ppid: int
    pgid: int
    state: str
    start: int
    cmdline: str

    def describe(self) -> str:
        return f"pid {self.pid} (ppid {self.ppid}, pgid {self.pgid}, {self.state}): {self.cmdline}"


def _read_proc(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    rest = stat[stat.rindex(")") + 2 :].split()
    return Proc(
        pid=pid,
        ppid=int(rest[1]),
        pgid=int(rest[2]),
        state=rest[0],
        start=int(rest[19]),
        cmdline=cmd.replace(b"\0", b" ").decode(errors="replace").strip(),
    )


def all_procs() -> dict[int, Proc]:
    """Every process visible in /proc."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            p = _read_proc(int(d))
            if p is not None:
                out[p.pid] = p
    return out


def tree(root: int) -> list[Proc]:
    """`root` and all its descendants now."""
    procs = all_procs()
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            out.append(procs[pid])
            todo.extend(children.get(pid, []))
    return out


def _has_marker(pid: int, marker: str) -> bool:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"JUMPER_TEST_MARKER={marker}".encode() in env.split(b"\0")


@dataclass
class Record:
    """What identifies one kernel's processes."""

    marker: str
    connection_file: str
    seen: dict[int, Proc] = field(default_factory=dict)

    def note(self, procs: list[Proc]) -> None:
        for p in procs:
            self.seen[p.pid] = p

    def alive(self) -> list[Proc]:
        """This kernel's processes that still exist (zombies excluded: they hold nothing)."""
        me = os.getpid()
        conn = os.path.basename(self.connection_file)
        left = []
        for p in all_procs().values():
            if p.pid == me or p.state == "Z":
                continue
            old = self.seen.get(p.pid)
            if (old is not None and old.start == p.start) or conn in p.cmdline or _has_marker(
                p.pid, self.marker
            ):
                left.append(p)
        return left


def assert_no_leftovers(rec: Record, what: str) -> None:
    """Waits up to EXIT_GRACE for the kernel's processes to go; kills and reports any left."""
    deadline = time.monotonic() + EXIT_GRACE
    left = rec.alive()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = rec.alive()
    if not left:
        return
    own_group = os.getpgid(0)
    for p in left:
        try:
            if p.pgid not in (own_group, 0, 1):
                os.killpg(p.pgid, signal.SIGKILL)
            os.kill(p.pid, signal.SIGKILL)
        except OSError:
            pass
    raise AssertionError(
        f"{what}: {len(left)} process(es) left behind (now killed):\n"
        + "\n".join("  " + p.describe() for p in left)
    )


# --- kernels ---------------------------------------------------------------------------------


class Kernel:
    """A kernel started with a marker, with its client, that checks for leftovers at shutdown."""

    def __init__(self, name: str, workdir: str | None = None, connect: bool = True):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="jumper-kt-")
        marker = uuid.uuid4().hex
        conn = os.path.join(self.dir, f"kernel-{marker[:12]}.json")
        self.rec = Record(marker=marker, connection_file=conn)
        self.km = KernelManager(kernel_name=name, connection_file=conn)
        env = dict(os.environ, JUMPER_TEST_MARKER=marker)
        self.km.start_kernel(env=env, cwd=workdir or self.dir)
        self.kc = self.km.client()
        if not connect:
            # For the iopub welcome test: the first subscription must be the test's own.
            self.snapshot()
            return
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        except Exception:
            self.shutdown(now=True, check=False)
            raise
        self.snapshot()

    @property
    def pid(self) -> int | None:
        proc = getattr(self.km.provisioner, "process", None)
        return getattr(proc, "pid", None)

    def snapshot(self) -> None:
        """Records the kernel's process tree now (call before anything ends it)."""
        if self.pid is not None:
            self.rec.note(tree(self.pid))

    def restart(self, now: bool = False) -> None:
        self.snapshot()
        self.km.restart_kernel(now=now)
        self.kc.wait_for_ready(timeout=START_TIMEOUT)
        # The old kernel's processes must be gone; the new ones get recorded.
        new = {p.pid for p in tree(self.pid)} if self.pid else set()
        old = Record(self.rec.marker + "-old", self.rec.connection_file + "-old")
        old.note([p for pid, p in self.rec.seen.items() if pid not in new])
        assert_no_leftovers(old, f"restart of {self.name}")
        self.snapshot()

    def shutdown(self, now: bool = False, check: bool = True) -> None:
        self.snapshot()
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=now)
        if check:
            assert_no_leftovers(self.rec, f"shutdown of {self.name} (now={now})")

    # --- talking to it ---

    def flush(self) -> None:
        for ch in (self.kc.iopub_channel, self.kc.shell_channel, self.kc.stdin_channel):
            while True:
                try:
                    ch.get_msg(timeout=0.05)
                except queue.Empty:
                    break

    def run(
        self,
        code: str,
        timeout: float = TIMEOUT,
        stdin_hook: Callable[[dict], None] | None = None,
        allow_stdin: bool = False,
    ) -> tuple[dict, list[dict]]:
        """Runs a cell; returns (execute_reply, iopub messages of that request up to idle)."""
        self.flush()
        outputs: list[dict] = []
        reply = self.kc.execute_interactive(
            code,
            timeout=timeout,
            output_hook=outputs.append,
            allow_stdin=allow_stdin or stdin_hook is not None,
            stdin_hook=stdin_hook,
        )
        return reply, outputs

    def iopub_until_idle(self, msg_id: str, timeout: float = TIMEOUT) -> list[dict]:
        """Iopub messages parented to `msg_id`, up to and including its `status: idle`."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no idle for {msg_id} within {timeout} s: {out}")
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            out.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out

    def shell_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no shell reply for {msg_id} within {timeout} s")
            try:
                msg = self.kc.get_shell_msg(timeout=left)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg


def text_of(outputs: list[dict], name: str | None = None) -> str:
    """Concatenated stream text (of one stream, or both) in `outputs`."""
    return "".join(
        m["content"]["text"]
        for m in outputs
        if m["msg_type"] == "stream" and (name is None or m["content"]["name"] == name)
    )


def plain_of(outputs: list[dict]) -> str:
    """All user-visible text in `outputs`: streams, text/plain of results and displays, errors."""
    parts = []
    for m in outputs:
        c = m["content"]
        if m["msg_type"] == "stream":
            parts.append(c["text"])
        elif m["msg_type"] in ("execute_result", "display_data", "update_display_data"):
            parts.append(str(c.get("data", {}).get("text/plain", "")) + "\n")
        elif m["msg_type"] == "error":
            parts.append(f"{c.get('ename')}: {c.get('evalue')}\n")
    return "".join(parts)


def jumper_reports(outputs: list[dict]) -> list[dict[str, Any]]:
    """The report JSON of each output carrying `metadata.jumper` (a dict or a JSON string)."""
    found = []
    for m in outputs:
        if m["msg_type"] not in ("display_data", "execute_result", "update_display_data"):
            continue
        j = m["content"].get("metadata", {}).get("jumper")
        if j is None:
            continue
        if isinstance(j, str):
            j = json.loads(j)
        found.append(j)
    return found


def describe(outputs: list[dict]) -> str:
    """A short listing of messages, for assertion messages."""
    lines = []
    for m in outputs:
        c = m["content"]
        brief = {k: c[k] for k in list(c)[:4]}
        if "metadata" in c:
            brief["metadata"] = c["metadata"]
        lines.append(f"  {m['msg_type']}: {json.dumps(brief, default=str)[:600]}")
    return "\n".join(lines) or "  (nothing)"
