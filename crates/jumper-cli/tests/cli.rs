//! `jumper run` and `jumper resources` driven as a user would, checked against ground truth.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn jumper() -> Command {
    Command::cargo_bin("jumper").unwrap()
}

/// A scratch directory on the build disk (not tmpfs: storage-layer write bytes must exist).
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn run_json(dir: &Path, interval: &str, cmd: &[&str]) -> (Value, std::process::Output) {
    let json = dir.join("report.json");
    let out = jumper()
        .args(["run", "--interval", interval, "--json"])
        .arg(&json)
        .arg("--")
        .args(cmd)
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default())
        .unwrap_or(Value::Null);
    (v, out)
}

fn total(v: &Value, metric: &str) -> f64 {
    v["metrics"][metric]["total"].as_f64().unwrap()
}

/// CPU seconds of the command itself and its reaped children, as the command reports it.
const TIMES: &str = "import os\nt=os.times()\nopen(os.environ['TRUTH'],'w').write(str(t.user+t.system+t.children_user+t.children_system))";

fn truth(p: &Path) -> f64 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

#[test]
fn known_cpu_burn_is_reported_within_5_percent_and_output_passes_through() {
    let d = scratch();
    let tfile = d.path().join("truth");
    let prog = format!(
        "import time\nt=time.process_time()\nwhile time.process_time()-t<1.0: pass\nprint('burned')\n{TIMES}"
    );
    let json = d.path().join("r.json");
    let out = jumper()
        .env("TRUTH", &tfile)
        .args(["run", "--interval", "0.1", "--json"])
        .arg(&json)
        .args(["--", "python3", "-c", &prog])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "burned\n",
        "stdout untouched"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JUmPER Performance Report"), "{stderr}");
    assert!(stderr.contains("Duration: "), "{stderr}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema"], "jumper.report.v1");
    assert_eq!(v["level"], "process");
    let cpu = total(&v, "cpu_time_s");
    let t = truth(&tfile);
    assert!(t >= 1.0);
    assert!(
        (cpu - t).abs() / t < 0.05,
        "jumper {cpu} s, ground truth {t} s"
    );
    let util = v["metrics"]["cpu_util"]["avg"].as_f64().unwrap();
    let cpus = v["metrics"]["cpu_util"]["cpus"].as_f64().unwrap();
    let dur = v["duration_s"].as_f64().unwrap();
    assert!(
        (util / 100.0 * cpus * dur - cpu).abs() < 0.05,
        "avg utilisation agrees with CPU time"
    );
    assert!(v["monitor"]["own_cpu_s"].as_f64().unwrap() > 0.0);
    assert!(v["samples"].as_u64().unwrap() >= 8);
}

#[test]
fn cpu_of_twenty_short_lived_children_is_not_lost() {
    let d = scratch();
    let tfile = d.path().join("truth");
    // 20 children of 0.1 s CPU each, sampled only every 0.5 s: most are never seen alive.
    let prog = format!(
        "import subprocess,sys\nfor _ in range(20):\n    subprocess.run([sys.executable,'-c','import time\\nt=time.process_time()\\nwhile time.process_time()-t<0.1: pass'])\n{TIMES}"
    );
    let json = d.path().join("r.json");
    let out = jumper()
        .env("TRUTH", &tfile)
        .args([
            "run",
            "-q",
            "--interval",
            "0.5",
            "--levels",
            "process",
            "--json",
        ])
        .arg(&json)
        .args(["--", "python3", "-c", &prog])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let cpu = total(&v, "cpu_time_s");
    let t = truth(&tfile);
    assert!(t > 2.0, "{t}");
    assert!(
        (cpu - t).abs() / t < 0.05,
        "jumper {cpu} s, ground truth {t} s"
    );
}

#[test]
fn touched_400_mib_shows_as_peak_memory() {
    let d = scratch();
    let prog = "import time\nb = b'\\x01' * (400 * 1024 * 1024)\ntime.sleep(0.6)";
    let (v, out) = run_json(d.path(), "0.1", &["python3", "-c", prog]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = v["metrics"]["memory_gib"]["max"].as_f64().unwrap();
    let min = v["metrics"]["memory_gib"]["min"].as_f64().unwrap();
    assert!(
        min > 0.0,
        "the end sample of a finished command keeps its last memory reading"
    );
    // 400 MiB = 0.39 GiB, plus the interpreter's own few MiB.
    assert!((0.385..0.43).contains(&peak), "peak {peak} GiB");
}

#[test]
fn written_100_mib_with_fsync_shows_as_100_mib() {
    let d = scratch();
    let target = d.path().join("dd.bin");
    let of = format!("of={}", target.display());
    let (v, out) = run_json(
        d.path(),
        "0.1",
        &[
            "dd",
            "if=/dev/zero",
            &of,
            "bs=1M",
            "count=100",
            "conv=fsync",
            "status=none",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let w = total(&v, "io_write_mib");
    assert!((99.0..103.0).contains(&w), "wrote {w} MiB");
    assert!(total(&v, "io_write_ops") >= 100.0);
}

#[test]
fn a_10_ms_command_gets_start_and_end_samples() {
    let d = scratch();
    let (v, out) = run_json(d.path(), "1", &["sleep", "0.01"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(v["samples"].as_u64().unwrap() >= 2, "{v}");
    let dur = v["duration_s"].as_f64().unwrap();
    assert!((0.01..0.5).contains(&dur), "{dur}");
    assert_eq!(v["cells"], serde_json::json!([0]));
}

#[test]
fn exit_status_and_signals_pass_through() {
    jumper()
        .args(["run", "-q", "--", "sh", "-c", "exit 3"])
        .assert()
        .code(3);
    jumper()
        .args(["run", "-q", "--", "sh", "-c", "kill -TERM $$"])
        .assert()
        .code(143);
}

#[test]
fn session_directory_has_jumper_py_layout() {
    let d = scratch();
    let out_dir = d.path().join("my-session");
    jumper()
        .args(["run", "-q", "--interval", "0.05", "--out"])
        .arg(&out_dir)
        .args(["--", "sleep", "0.2"])
        .assert()
        .success();
    for f in [
        "manifest.json",
        "cell_history.csv",
        "perf_process.csv",
        "perf_user.csv",
        "perf_system.csv",
    ] {
        assert!(out_dir.join(f).is_file(), "{f} missing");
    }
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["version"], "1.0");
    assert_eq!(m["monitor"]["interval"], 0.05);
    let hist = std::fs::read_to_string(out_dir.join("cell_history.csv")).unwrap();
    assert!(hist.starts_with("cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time,cell_magics"));
    assert!(hist.contains("sleep 0.2"));
    let perf = std::fs::read_to_string(out_dir.join("perf_process.csv")).unwrap();
    let rows = perf.lines().count() - 1;
    assert!(rows >= 4, "{rows}");
    // From the cell's start sample (sample_kind 1) to its end sample (2) every row lies in
    // cell 0; the sampler's ticks before the command started or after it ended (before
    // monitoring stopped; how many depends on how busy the machine is) lie in no cell.
    let rows: Vec<&str> = perf.lines().skip(1).collect();
    let start = rows.iter().position(|l| l.ends_with(",1,0")).unwrap();
    let end = rows.iter().position(|l| l.ends_with(",2,0")).unwrap();
    assert!(start < end, "{perf}");
    assert!(rows[..start].iter().all(|l| l.ends_with(',')), "{perf}");
    assert!(
        rows[start..=end].iter().all(|l| l.ends_with(",0")),
        "{perf}"
    );
    assert!(rows[end + 1..].iter().all(|l| l.ends_with(',')), "{perf}");
}

fn usage_error(args: &[&str], needle: &str, code: i32) {
    let out = jumper().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_line_and_documented_codes() {
    usage_error(
        &["run", "--level", "gpu", "--", "true"],
        "unknown level 'gpu'; valid levels: process, user, system",
        2,
    );
    usage_error(
        &["run", "--levels", "process,nope", "--", "true"],
        "unknown level 'nope'",
        2,
    );
    usage_error(
        &["run", "--interval", "0", "--", "true"],
        "invalid interval '0'",
        2,
    );
    usage_error(
        &["run", "--interval", "-1", "--", "true"],
        "invalid interval '-1'",
        2,
    );
    usage_error(
        &["run", "--interval", "abc", "--", "true"],
        "invalid interval 'abc'",
        2,
    );
    usage_error(
        &["run", "--frobnicate", "--", "true"],
        "unexpected argument '--frobnicate'",
        2,
    );
    usage_error(&["run"], "required", 2);
    usage_error(
        &["run", "--json", "/nonexistent-dir/r.json", "--", "true"],
        "does not exist",
        2,
    );
    usage_error(
        &["run", "--", "no-such-command-xyz"],
        "no-such-command-xyz: command not found",
        127,
    );
    let d = scratch();
    let f = d.path().join("not-exec.sh");
    std::fs::write(&f, "#!/bin/sh\necho hi\n").unwrap();
    usage_error(
        &["run", "--", f.to_str().unwrap()],
        "permission denied",
        126,
    );
}

#[test]
fn a_command_that_cannot_start_leaves_no_session() {
    let d = scratch();
    let out_dir: PathBuf = d.path().join("s");
    jumper()
        .args(["run", "--out"])
        .arg(&out_dir)
        .args(["--", "no-such-command-xyz"])
        .assert()
        .code(127);
    assert!(!out_dir.exists());
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        0,
        "no temporary left either"
    );
}

#[test]
fn resources_shows_the_hardware() {
    let out = jumper().args(["resources", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["num_cpus"].as_u64().unwrap() >= 1);
    assert!(v["memory_total"].as_u64().unwrap() > 0);
    assert!(v["memory_limits_gib"]["system"].as_f64().unwrap() > 0.0);
    // The machine's truth: what the driver lists (no driver: no GPU).
    let gpus = std::process::Command::new("nvidia-smi")
        .arg("-L")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or(0, |o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.starts_with("GPU "))
                .count()
        });
    assert_eq!(v["gpus"].as_array().unwrap().len(), gpus, "nvidia-smi -L");
    let text = jumper().arg("resources").output().unwrap();
    let t = String::from_utf8_lossy(&text.stdout);
    assert!(
        t.starts_with("CPUs: ")
            && t.contains("CPU affinity: [")
            && t.contains(&format!("GPUs: {gpus}")),
        "{t}"
    );
}

#[path = "cli/kernel.rs"]
mod kernel;
#[path = "cli/offline.rs"]
mod offline;
#[path = "cli/replay.rs"]
mod replay;

/// The case: a burner orphaned at once is counted; the report says the source.
#[test]
fn an_orphaned_burner_is_counted_and_the_source_is_recorded() {
    let d = scratch();
    let truth = d.path().join("truth");
    let pidf = d.path().join("pid");
    let burner = format!(
        "import resource,time\nt=time.process_time()\nwhile time.process_time()-t<0.5: pass\nr=resource.getrusage(resource.RUSAGE_SELF)\nopen('{}','w').write(str(r.ru_utime+r.ru_stime))",
        truth.display()
    );
    let cmd = format!(
        "(python3 -c \"{burner}\" & echo $! > {pid}); while [ ! -s {pid} ]; do sleep 0.01; done; n=0; while kill -0 $(cat {pid}) 2>/dev/null && [ $n -lt 200 ]; do n=$((n+1)); sleep 0.05; done",
        pid = pidf.display()
    );
    let (v, out) = run_json(d.path(), "0.1", &["sh", "-c", &cmd]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let own = truth_f64(&truth);
    let cpu = total(&v, "cpu_time_s");
    assert!(cpu >= 0.95 * own, "jumper {cpu} s, burner's own {own} s");
    let source = v["monitor"]["process_source"].as_str().unwrap();
    assert!(
        ["tree", "cgroup v1", "cgroup v2"].contains(&source),
        "{source}"
    );
    assert_eq!(v["leftovers"], serde_json::json!([]));
}

fn truth_f64(p: &Path) -> f64 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

/// What outlives the command is named in the text and the JSON; --kill-leftovers ends it.
#[test]
fn leftovers_are_named_and_kill_leftovers_ends_them() {
    let d = scratch();
    let json = d.path().join("r.json");
    let out = jumper()
        .args(["run", "--interval", "0.1", "--kill-leftovers", "--json"])
        .arg(&json)
        .args(["--", "sh", "-c", "(sleep 40 &); sleep 0.3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 process of the tree outlived the command: pid ")
            && err.contains("sleep 40 (ended by --kill-leftovers)"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let left = v["leftovers"].as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["command"], "sleep 40");
    let pid = left[0]["pid"].as_u64().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} still runs"
    );
}
