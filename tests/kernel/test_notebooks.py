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


# Runs in the page nbconvert wrote, after the notebook's own scripts: reports each dashboard's
# state, clicks "+ Add Panel" in the first one, and writes the outcome into the DOM, where
# `chromium --dump-dom` shows it.
PROBE = """
<script>
setTimeout(function () {
  var roots = Array.prototype.slice.call(document.querySelectorAll('.jumper-dash'));
  var byId = function (p, id) { return document.getElementById(p + id); };
  var panels = function (p) {
    var e = byId(p, 'panels');
    return e ? e.querySelectorAll('.panel').length : -1;
  };
  var found = roots.map(function (root) {
    var p = root.id.slice(0, -'root'.length);
    var errors = byId(p, 'errors');
    return {
      prefix: p,
      static_hidden: getComputedStyle(byId(p, 'static')).display === 'none',
      live_shown: getComputedStyle(byId(p, 'live')).display !== 'none',
      errors: errors ? (errors.hidden ? '' : errors.textContent) : 'no error box',
      canvases: root.querySelectorAll('canvas').length,
      panels: panels(p)
    };
  });
  if (found.length) { byId(found[0].prefix, 'add-panel').click(); }
  setTimeout(function () {
    var pre = document.createElement('pre');
    pre.id = 'jumper-probe';
    pre.textContent = JSON.stringify({
      dashboards: found,
      after_click: found.map(function (d) { return panels(d.prefix); }),
      globals: [typeof window.jumperDashboard, typeof window.uPlot],
      page_errors: window.__jumperProbeErrors
    });
    document.body.appendChild(pre);
  }, 1000);
}, 3000);
</script>
"""

CATCH = "<script>window.__jumperProbeErrors = []; window.addEventListener('error', function (e) { if (e.message) { window.__jumperProbeErrors.push(String(e.message)); } });</script>"


@pytest.mark.jumper
def test_two_dashboards_work_side_by_side_in_the_rendered_notebook(tmp_path: Path):
    """`%perfmonitor_plot` twice in one notebook, executed by nbclient, rendered by nbconvert
    (JupyterLab's DOM), opened in headless Chromium: both dashboards replace their static PNG
    with the interactive view, share one DOM without clashing (as all outputs do in VS Code),
    leave no globals, and a click in one changes only that one."""
    import json
    import re
    import shutil
    import subprocess
    import sys

    chromium = next((p for p in (os.environ.get("JUMPER_CHROMIUM"), "/usr/bin/chromium",
                                 shutil.which("chromium") or "") if p and os.path.isfile(p)), None)
    if chromium is None:
        msg = "no Chromium: apt-get install -y chromium (.ci/run installs it)"
        if kh.CI:
            pytest.fail(msg)
        pytest.skip(msg)
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": kh.KERNEL, "language": "python", "display_name": kh.KERNEL}
    for src in ["%perfmonitor_start 0.1",
                "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass",
                "time.sleep(0.3)",
                "%perfmonitor_plot",
                "%perfmonitor_plot --cell 0:0"]:
        nb.cells.append(new_code_cell(src))
    with marked():
        NotebookClient(nb, kernel_name=kh.KERNEL, timeout=60, startup_timeout=60,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    for c in nb.cells[3:]:
        html = [o.data["text/html"] for o in c.outputs if "text/html" in o.get("data", {})]
        assert len(html) == 1 and 'class="jumper-dash"' in html[0], kh.describe(c.outputs)
    src = tmp_path / "dash.ipynb"
    nbformat.write(nb, src)
    r = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", str(src)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    page = tmp_path / "dash.html"
    text = page.read_text()
    assert text.count('class="jumper-dash"') == 2
    text = text.replace("<head>", "<head>" + CATCH, 1).replace("</body>", PROBE + "</body>", 1)
    page.write_text(text)
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--virtual-time-budget=20000", "--dump-dom", page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="jumper-probe">(.*?)</pre>', r.stdout, re.S)
    assert m, f"the probe never ran: {r.stderr[-2000:]}"
    probe = json.loads(m.group(1).replace("&quot;", '"').replace("&lt;", "<")
                       .replace("&gt;", ">").replace("&amp;", "&"))
    print("probe:", json.dumps(probe))
    dash = probe["dashboards"]
    assert len(dash) == 2 and dash[0]["prefix"] != dash[1]["prefix"], probe
    for d in dash:
        assert d["errors"] == "", probe
        assert d["static_hidden"] and d["live_shown"], probe
        assert d["panels"] >= 1 and d["canvases"] >= d["panels"], probe
    assert probe["after_click"] == [dash[0]["panels"] + 1, dash[1]["panels"]], probe
    assert probe["globals"] == ["undefined", "undefined"], probe
    assert not [e for e in probe["page_errors"] if "jumper" in e.lower() or "uplot" in e.lower()], probe
