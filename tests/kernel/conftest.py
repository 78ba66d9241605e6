"""Kernel selection, temporary jumper kernelspecs, and leftover-process checks.

Environment:
- `JUMPER_TEST_KERNEL`: the kernel the Python tests use (default `python3`, i.e. ipykernel;
  `jumper-python3` for jumper wrapping it). Tests marked `jumper` run only for a `jumper-` kernel.
- `JUMPER_TEST_R_KERNEL`: the kernel the R tests use (default `ir`, or `jumper-ir` when the Python
  kernel is a jumper one).
- `JUMPER_BIN`: the jumper binary. When set, `jumper kernel install --wrap python3|ir --prefix TMP`
  writes kernelspecs into a temporary prefix that is put first on `JUPYTER_PATH`, so the tests
  never touch the user's kernels.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import kernel_helpers as kh

_prefix: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _prefix
    # Kernelspecs whose argv starts with `python` must find this venv's python (jupyter_client
    # substitutes sys.executable itself; jumper resolves argv[0] on PATH).
    bindir = os.path.dirname(sys.executable)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    paths = [os.path.join(sys.prefix, "share", "jupyter")]
    if kh.JUMPER_BIN:
        _prefix = tempfile.mkdtemp(prefix="jumper-kernelspecs-")
        for wrapped in ("python3", "ir"):
            cmd = [kh.JUMPER_BIN, "kernel", "install", "--wrap", wrapped, "--prefix", _prefix]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise pytest.UsageError(
                    f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}"
                )
            spec = os.path.join(_prefix, "share", "jupyter", "kernels", f"jumper-{wrapped}", "kernel.json")
            if not os.path.isfile(spec):
                raise pytest.UsageError(f"{' '.join(cmd)} wrote no {spec}")
        # A kernel serving live metrics, found by its target file (as a site's Prometheus would).
        sd = os.path.join(_prefix, "metrics-sd")
        os.makedirs(sd)
        os.environ["JUMPER_TEST_METRICS_SD"] = sd
        cmd = [kh.JUMPER_BIN, "kernel", "install", "--wrap", "python3", "--name", "jumper-metrics",
               "--prefix", _prefix, "--metrics", "127.0.0.1:0", "--metrics-sd-dir", sd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise pytest.UsageError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
        # A kernel that exits at start-up, for the test of what jumper then shows.
        broken = os.path.join(_prefix, "broken-kernels")
        os.makedirs(os.path.join(broken, "exits-at-start"))
        with open(os.path.join(broken, "exits-at-start", "kernel.json"), "w") as f:
            json.dump({"argv": ["sh", "-c", "echo cannot start >&2; exit 3", "{connection_file}"],
                       "display_name": "Exits at start", "language": "python"}, f)
        cmd = [kh.JUMPER_BIN, "kernel", "install", "--wrap", "exits-at-start", "--prefix", _prefix,
               "--kernel-dirs", broken]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise pytest.UsageError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
        paths.insert(0, os.path.join(_prefix, "share", "jupyter"))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths + ([old] if old else []))
    if kh.IS_JUMPER and not kh.JUMPER_BIN:
        raise pytest.UsageError(
            f"JUMPER_TEST_KERNEL={kh.KERNEL} is a jumper kernel, but JUMPER_BIN is not set"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _prefix:
        shutil.rmtree(_prefix, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"kernel under test: {kh.KERNEL} (R: {kh.R_KERNEL}); JUMPER_BIN={kh.JUMPER_BIN or '-'}",
        f"JUPYTER_PATH={os.environ.get('JUPYTER_PATH')}",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_jumper = pytest.mark.skip(
        reason=f"jumper-only: kernel under test is {kh.KERNEL} (set JUMPER_BIN and JUMPER_TEST_KERNEL=jumper-python3)"
    )
    for item in items:
        if item.get_closest_marker("jumper") is not None:
            is_r = item.get_closest_marker("r") is not None
            if not (kh.R_IS_JUMPER if is_r else kh.IS_JUMPER):
                item.add_marker(skip_jumper)


def require_kernel(name: str) -> None:
    """Skips (fails under CI) when kernelspec `name` is missing."""
    if kh.kernel_available(name):
        return
    msg = f"no kernelspec {name!r} on JUPYTER_PATH (tests/kernel/setup-venv.sh installs IRkernel)"
    if kh.CI:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def kernel():
    """A fresh kernel of the kind under test, shut down and checked for leftovers afterwards."""
    require_kernel(kh.KERNEL)
    k = kh.Kernel(kh.KERNEL)
    yield k
    k.shutdown()


@pytest.fixture(scope="module")
def shared_kernel():
    """One kernel for a module's tests that do not depend on a fresh state."""
    require_kernel(kh.KERNEL)
    k = kh.Kernel(kh.KERNEL)
    yield k
    k.shutdown()


@pytest.fixture(scope="module")
def r_kernel():
    require_kernel(kh.R_KERNEL)
    k = kh.Kernel(kh.R_KERNEL)
    yield k
    k.shutdown()
