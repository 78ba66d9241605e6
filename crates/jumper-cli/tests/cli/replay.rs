//! `jumper replay`: monitored scripts in one persistent interpreter.

use std::path::Path;

use super::{jumper, scratch};

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn python_script_keeps_state_reports_and_records_failures() {
    let d = scratch();
    let script = write(
        d.path(),
        "analysis.py",
        "# %% setup\n%perfmonitor_start 0.05\nx = 41\nprint('setup done')\n\
         # %% burn\nimport os, time\nt0 = sum(os.times()[:4])\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\nx += 1\nprint('burn cpu', sum(os.times()[:4]) - t0)\n\
         # %% fails\n1 / 0\n\
         # %% still here\nprint('x is', x)\n\
         # %% report\n%perfmonitor_perfreport --cell 1 --level process --format json\n%perfmonitor_perfreport --cell 9:2\n",
    );
    let out_dir = d.path().join("session");
    let json = d.path().join("all.json");
    let o = jumper()
        .current_dir(d.path())
        .arg("replay")
        .arg(&script)
        .arg("--out")
        .arg(&out_dir)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "a cell failed\n{out}\n{err}");
    // State carries over and output comes in order.
    let setup = out.find("setup done").unwrap();
    let x = out.find("x is 42").unwrap();
    assert!(setup < x, "{out}");
    assert!(err.contains("ZeroDivisionError"), "{err}");
    assert!(
        err.contains("analysis.py:18: perfmonitor_perfreport: ")
            || err.contains("cell range '9:2' is out of bounds"),
        "{err}"
    );
    // The JSON report of cell 1 (the burn) from the command language.
    let start = out.find("{\n  \"schema\"").unwrap();
    let end = out[start..].find("\n}\n").unwrap() + start + 2;
    let v: serde_json::Value = serde_json::from_str(&out[start..end]).unwrap();
    let cpu = v["metrics"]["cpu_time_s"]["total"].as_f64().unwrap();
    // The truth is the interpreter's own clock around the burn; the cell adds only the
    // driver's few milliseconds between the cell's boundaries and the code.
    let truth: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("burn cpu "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // os.times() counts clock ticks (10 ms), process_time() does not: a tick or two short.
    assert!(truth >= 0.48, "{truth}");
    assert!(
        cpu >= truth - 0.02 && cpu <= truth * 1.05 + 0.02,
        "burn cell CPU {cpu}, measured by the interpreter {truth}"
    );
    // Every cell is in the session, the failure recorded with its error.
    let hist = std::fs::read_to_string(out_dir.join("cell_history.csv")).unwrap();
    assert!(hist.contains("\n4,\"%perfmonitor_perfreport"), "{hist}");
    assert!(!hist.contains("\n5,"), "{hist}");
    assert!(
        hist.contains("ZeroDivisionError: division by zero"),
        "{hist}"
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(all["cells"].as_array().unwrap().len(), 5);
}

#[test]
fn bash_script_exit_restarts_the_interpreter_and_goes_on() {
    let d = scratch();
    let script = write(
        d.path(),
        "job.sh",
        "# %%\nA=1\necho \"a=$A\"\n# %% leaves\nexit 3\n# %% after\necho \"a=${A:-gone}\"\n",
    );
    let o = jumper()
        .current_dir(d.path())
        .args(["replay", "--interval", "0.1"])
        .arg(&script)
        .output()
        .unwrap();
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("a=1"), "{out}");
    assert!(out.contains("a=gone"), "{out}");
    assert!(err.contains("exited with status 3"), "{err}");
    assert!(err.contains("replayed 3 cells"), "{err}");
}

#[test]
fn stop_on_error_stops_and_missing_interpreters_are_127() {
    let d = scratch();
    let script = write(d.path(), "s.sh", "# %%\nfalse\n# %%\necho never\n");
    let o = jumper()
        .args(["replay", "--stop-on-error"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!stdout(&o).contains("never"));
    assert!(stderr(&o).contains("stopped at the first failed cell"));

    let o = jumper()
        .args(["replay", "--interpreter", "python9-does-not-exist"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(127), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "jumper: interpreter 'python9-does-not-exist' not found (set it with --interpreter or a #! line)"
    );
    let o = jumper()
        .arg("replay")
        .arg(d.path().join("missing.py"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(127));
    assert!(stderr(&o).starts_with("jumper: cannot read script"));
    let odd = write(d.path(), "notes.txt", "# %%\nhello\n");
    let o = jumper().arg("replay").arg(&odd).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_recorded_script_replays_the_run() {
    let d = scratch();
    let rec = d.path().join("rec.py");
    let script = write(
        d.path(),
        "first.py",
        &format!(
            "# %% start\n%perfmonitor_start 0.05\n# %% record\n%start_write_script {}\n\
             # %% work\ny = sum(range(100000))\nprint('y', y)\n\
             # %% end\n%end_write_script\n",
            rec.display()
        ),
    );
    let o = jumper().arg("replay").arg(&script).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Recorded 1 cells"), "{}", stdout(&o));
    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(text.contains("%perfmonitor_start 0.05"), "{text}");
    let o = jumper().arg("replay").arg(&rec).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("y 4999950000"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Interval: 0.05s"), "{}", stdout(&o));
}

/// `--levels user` with the default report level (process) is sampled, not refused after the
/// whole replay; the JSON report is written atomically (no temporary left).
#[test]
fn a_report_level_outside_levels_is_sampled() {
    let d = scratch();
    let script = write(
        d.path(),
        "s.sh",
        "# %% one\n%perfmonitor_start 0.05\necho hi\n",
    );
    let json = d.path().join("r.json");
    let out = jumper()
        .args(["replay", "--levels", "user", "--json"])
        .arg(&json)
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["level"], "process");
    assert_eq!(v["monitor"]["process_source"], "tree");
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_process_a_cell_leaves_running_is_named_once_when_that_cell_ends() {
    let d = scratch();
    let script = write(
        d.path(),
        "bg.sh",
        "# %% start\n%perfmonitor_start 0.05\nsleep 1.5 &\necho started\n\
         # %% next\necho next\n\
         # %% end\nwait\necho waited\n",
    );
    let o = jumper().arg("replay").arg(&script).output().unwrap();
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    let all = format!("{out}{err}");
    let line = all
        .lines()
        .find(|l| l.contains("outlived cell 0"))
        .unwrap_or_else(|| panic!("no leftover line\n{all}"));
    assert!(
        line.contains("1 process of the tree outlived cell 0: pid ") && line.contains("sleep 1.5"),
        "{line}"
    );
    // Still running after cell 1, but already named: not repeated.
    assert_eq!(all.matches("outlived").count(), 1, "{all}");
    assert!(out.contains("waited"), "{out}");
}

#[test]
fn ctrl_c_interrupts_the_running_cell_ends_the_replay_and_keeps_the_session() {
    // The terminal sends Ctrl-C's SIGINT to the whole foreground process group: jumper and
    // its interpreter. The cell gets a KeyboardInterrupt; jumper lives, stops the replay
    // after that cell, writes the session and exits 130.
    use std::os::unix::process::CommandExt;
    let d = scratch();
    let started = d.path().join("started");
    let script = write(
        d.path(),
        "s.py",
        &format!(
            "# %% one\nprint('one')\n\
             # %% long\nimport time\nopen('{}', 'w').close()\ntime.sleep(30)\nprint('slept')\n\
             # %% three\nprint('three')\n",
            started.display()
        ),
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_jumper"))
        .args(["replay", "--interval", "0.1", "--out"])
        .arg(d.path().join("sess"))
        .arg(&script)
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the long cell never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let status = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let o = child.wait_with_output().unwrap();
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(130), "{out}{err}");
    assert!(
        out.contains("one") && !out.contains("slept") && !out.contains("three"),
        "{out}"
    );
    assert!(
        err.contains("replayed 2 cells of ")
            && err.contains("s.py: 1 failed")
            && err.contains("interrupted: stopped after the cell that was running"),
        "{err}"
    );
    let history = std::fs::read_to_string(d.path().join("sess/cell_history.csv")).unwrap();
    assert!(history.contains("KeyboardInterrupt"), "{history}");
}
