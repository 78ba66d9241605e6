"""Whole notebooks executed through the kernelspec with nbclient and papermill, outputs checked."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import nbformat
import papermill
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

import kernel_helpers as kh

CELLS = [
    ("parameters", "greeting = 'hello'"),
    ("stdout", "print(greeting, 'world')"),
    ("stderr", "import sys; print('to stderr', file=sys.stderr)"),
    ("display", "from IPython.display import display, HTML\ndisplay(HTML('<b>bold</b>'))"),
    ("result", "6 * 7"),
    ("update", "h = display({'text/plain': 'first'}, raw=True, display_id=True)\nh.update({'text/plain': 'second'}, raw=True)"),
    ("clear", "from IPython.display import clear_output\nprint('old')\nclear_output(wait=True)\nprint('new')"),
    ("error", "1 / 0"),
    ("after", "print('after the error')"),
]


def notebook(with_error: bool = True) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": kh.KERNEL, "language": "python", "display_name": kh.KERNEL}
    nb.metadata["language_info"] = {"name": "python"}
    for tag, src in CELLS:
        if tag == "error" and not with_error:
            continue
        cell = new_code_cell(src)
        cell.metadata["tags"] = [tag]
        nb.cells.append(cell)
    return nb


def by_tag(nb: nbformat.NotebookNode) -> dict[str, list[dict]]:
    out = {}
    for c in nb.cells:
        tags = c.metadata.get("tags", [])
        if c.cell_type == "code" and tags:
            out[tags[0]] = c.outputs
    return out


@contextmanager
def marked():
    """Marks kernels started inside (through the inherited environment) and checks that none
    of their processes is left afterwards."""
    kh_require()
    marker = uuid.uuid4().hex
    old = os.environ.get("JUMPER_TEST_MARKER")
    os.environ["JUMPER_TEST_MARKER"] = marker
    try:
        yield
    finally:
        if old is None:
            del os.environ["JUMPER_TEST_MARKER"]
        else:
            os.environ["JUMPER_TEST_MARKER"] = old
    kh.assert_no_leftovers(kh.Record(marker, f"no-such-file-{marker}"), "notebook run")


def kh_require() -> None:
    if not kh.kernel_available(kh.KERNEL):
        pytest.fail(f"no kernelspec {kh.KERNEL!r}")


def check_common(o: dict[str, list[dict]], greeting: str) -> None:
    assert [(x.output_type, x.name, x.text) for x in o["stdout"]] == [("stream", "stdout", f"{greeting} world\n")]
    assert [(x.output_type, x.name) for x in o["stderr"]] == [("stream", "stderr")]
    assert "to stderr" in o["stderr"][0].text
    assert [x.output_type for x in o["display"]] == ["display_data"]
    assert o["display"][0].data["text/html"] == "<b>bold</b>"
    assert [(x.output_type, x.data["text/plain"]) for x in o["result"]] == [("execute_result", "42")]
    # nbclient applies update_display_data and clear_output(wait=True) to the stored outputs.
    assert [(x.output_type, x.data["text/plain"]) for x in o["update"]] == [("display_data", "second")]
    assert [(x.output_type, x.text) for x in o["clear"]] == [("stream", "new\n")]


def test_nbclient_runs_a_notebook_with_allow_errors(tmp_path: Path):
    nb = notebook()
    with marked():
        NotebookClient(nb, kernel_name=kh.KERNEL, allow_errors=True, timeout=60, startup_timeout=60,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    o = by_tag(nb)
    check_common(o, "hello")
    assert [(x.output_type, x.ename) for x in o["error"]] == [("error", "ZeroDivisionError")]
    assert [x.text for x in o["after"]] == ["after the error\n"]
    counts = [c.execution_count for c in nb.cells]
    assert counts == list(range(1, len(CELLS) + 1)), counts


def test_papermill_injects_parameters_and_runs_through_the_kernelspec(tmp_path: Path):
    src, dst = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook(with_error=False), src)
    with marked():
        papermill.execute_notebook(str(src), str(dst), parameters={"greeting": "bonjour"},
                                   kernel_name=kh.KERNEL, cwd=str(tmp_path), progress_bar=False,
                                   start_timeout=60, execution_timeout=60)
    nb = nbformat.read(dst, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "bonjour" in injected[0].source
    o = by_tag(nb)
    check_common(o, "bonjour")
    assert [x.text for x in o["after"]] == ["after the error\n"]
    assert nb.metadata["papermill"]["exception"] in (None, False)
    assert nb.metadata["kernelspec"]["name"] == kh.KERNEL


def test_papermill_stops_at_the_error_cell_and_records_it(tmp_path: Path):
    src, dst = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook(), src)
    with marked(), pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(src), str(dst), kernel_name=kh.KERNEL, cwd=str(tmp_path),
                                   progress_bar=False, start_timeout=60, execution_timeout=60)
    assert err.value.ename == "ZeroDivisionError"
    o = by_tag(nbformat.read(dst, as_version=4))
    assert [x.ename for x in o["error"] if x.output_type == "error"] == ["ZeroDivisionError"]
    assert o["after"] == []
