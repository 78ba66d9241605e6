//! `jumper report|history|export|plot SESSION` on JUmPER's own session and on ours.

use std::path::{Path, PathBuf};

use super::{jumper, scratch};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn out(args: &[&str]) -> std::process::Output {
    jumper().args(args).output().unwrap()
}

#[test]
fn reports_on_jumpers_session_match_its_printed_figures() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("notebook_outputs.json")).unwrap(),
    )
    .unwrap();
    let session = fixtures().join("session.zip");
    let mut checked = 0;
    for c in expected["cells"].as_array().unwrap() {
        let cmd = c["cell"].as_str().unwrap();
        // Reports without --cell covered the last cell *at that time* in the notebook.
        let Some(rest) = cmd.strip_prefix("%perfmonitor_perfreport ") else {
            continue;
        };
        if !rest.contains("--cell") {
            continue;
        }
        let words: Vec<&str> = rest.split_whitespace().filter(|w| *w != "--text").collect();
        let o = jumper()
            .arg("report")
            .arg(&session)
            .args(&words)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let ours = String::from_utf8(o.stdout).unwrap();
        assert!(
            ours.starts_with(c["stdout"].as_str().unwrap()),
            "{cmd}\n{ours}"
        );
        checked += 1;
    }
    assert!(checked >= 3);
}

#[test]
fn history_export_and_formats() {
    let d = scratch();
    let session = fixtures().join("session");
    let s = session.to_str().unwrap();
    let o = out(&["history", s]);
    assert!(o.status.success());
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(t.starts_with("Cell history (20 cells)"), "{t}");

    let perf = d.path().join("perf.json");
    let o = out(&[
        "export",
        s,
        "--level",
        "user",
        "--file",
        perf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&perf).unwrap()).unwrap();
    let rows = v.as_array().unwrap();
    let csv_rows = std::fs::read_to_string(session.join("perf_user.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows.len(), csv_rows);
    assert!(rows[0].get("cpu_util_avg").is_some());

    let html = d.path().join("r.html");
    let o = out(&[
        "report",
        s,
        "--cell",
        "1:6",
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(
        h.starts_with("<!doctype html>") || h.starts_with("<!DOCTYPE html>"),
        "{}",
        &h[..40]
    );

    let o = out(&["report", s, "--format", "json", "--cell", "-15:-14"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cells"], serde_json::json!([5, 6]));
}

#[test]
fn offline_bad_input_is_one_line_and_exit_2() {
    let d = scratch();
    let s = fixtures().join("session");
    let s = s.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["report", "/no/such/session"], "/no/such/session"),
        (vec!["report", s, "--level", "gpu"], "unknown level 'gpu'"),
        (
            vec!["report", s, "--level", "slurm"],
            "level 'slurm' is not monitored",
        ),
        (vec!["report", s, "--cell", "9:2"], "out of bounds"),
        (vec!["report", s, "--cell", "99"], "out of bounds"),
        (
            vec!["report", s, "--format", "pdf"],
            "unknown report format 'pdf'",
        ),
        (
            vec!["export", s, "--file", "x.txt"],
            "unsupported format 'txt'",
        ),
    ];
    for (args, needle) in cases {
        let o = out(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(
            err.trim().lines().count().min(2),
            if err.contains("Usage") { 2 } else { 1 },
            "{args:?}: {err}"
        );
    }
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = out(&["history", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json"));
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

#[test]
fn plots_and_dashboards_of_jumpers_session() {
    let d = scratch();
    let s = fixtures().join("session.zip");
    let s = s.to_str().unwrap();
    let png = d.path().join("p.png");
    let o = out(&[
        "plot",
        s,
        "--metrics",
        "cpu_summary,memory,io_write",
        "--level",
        "process",
        "--cell",
        "2:5",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (1000, 3 * 260));

    let svg = d.path().join("p.svg");
    let o = out(&[
        "plot",
        s,
        "--metrics",
        "io",
        "--cell",
        ":",
        "--show-idle",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches("<svg").count(), 1);
    assert!(text.contains("#5"), "cell labels are drawn");

    let html = d.path().join("dash.html");
    let o = out(&["plot", s, "-o", html.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("uPlot"), "uPlot is inlined");
    assert!(!page.contains("src=\"http"), "no network");

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["plot", s, "--metrics", "cpu_sumary", "-o", "x.png"],
            "unknown metric 'cpu_sumary'",
        ),
        (
            vec!["plot", s, "--metrics", "gpu_util", "-o", "x.png"],
            "GPU",
        ),
        (
            vec!["plot", s, "-o", "x.bmp"],
            "unsupported image format '.bmp'",
        ),
        (
            vec!["plot", s, "--cell", "3:1", "-o", "x.png"],
            "out of bounds",
        ),
    ];
    for (args, needle) in cases {
        let o = jumper().current_dir(d.path()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    let missing = d.path().join("no/such/dir/p.png");
    let o = out(&["plot", s, "-o", missing.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.path().join("x.png").exists() && !d.path().join("x.bmp").exists());
}

#[test]
fn an_error_line_says_each_cause_once() {
    let d = scratch();
    let s = fixtures().join("session.zip");
    // A directory where the picture should go: the rename fails with the OS error, which is
    // the source of jumper's error and printed once, after it.
    let taken = d.path().join("taken.png");
    std::fs::create_dir(&taken).unwrap();
    let o = jumper()
        .arg("plot")
        .arg(&s)
        .arg("-o")
        .arg(&taken)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert_eq!(
        err,
        format!(
            "jumper: cannot write {}: Is a directory (os error 21)\n",
            taken.display()
        )
    );
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    assert!(taken.is_dir(), "the directory stays as it was");

    let o = out(&["report", "/nonexistent"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(err.matches("/nonexistent").count(), 1, "{err}");
    assert_eq!(
        err.to_lowercase().matches("no such file").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_full_standard_output_is_one_error_line_not_a_panic() {
    // `print!` panics when stdout cannot be written (a full disk, a closed pipe).
    let s = fixtures().join("session.zip");
    for args in [
        vec!["report", s.to_str().unwrap(), "--format", "json"],
        vec!["history", s.to_str().unwrap()],
        vec!["resources"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("jumper"))
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.starts_with("jumper: cannot write to standard output: No space left on device"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn plots_of_a_session_with_absurd_memory_finish_with_a_note() {
    // `jumper plot` spun forever on memory = 1.79e308 (an axis that overflowed to infinity).
    let d = scratch();
    let session = d.path().join("s");
    let o = jumper()
        .args(["run", "--interval", "0.1", "--out"])
        .arg(&session)
        .args(["--", "sleep", "0.5"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = session.join("perf_process.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let col = lines[0].split(',').position(|c| c == "memory").unwrap();
    // The last sample lies inside the command's cell.
    let last = lines.len() - 1;
    let mut fields: Vec<&str> = lines[last].split(',').collect();
    fields[col] = "1.79e308";
    lines[last] = fields.join(",");
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();

    for (name, note) in [
        (
            "p.png",
            "damaged data: memory: 1 value above 1e15 GiB clamped",
        ),
        (
            "p.svg",
            "damaged data: memory: 1 value above 1e15 GiB clamped",
        ),
        (
            "p.html",
            "damaged data: level process: memory: 1 value above 1e15 GiB clamped",
        ),
    ] {
        let target = d.path().join(name);
        // A hang detector, not a timing assertion: the process is killed after a minute.
        let o = jumper()
            .arg("plot")
            .arg(&session)
            .arg("-o")
            .arg(&target)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {:?} {err}", o.status);
        assert!(err.contains(note), "{name}: {err}");
        assert!(std::fs::metadata(&target).unwrap().len() > 0, "{name}");
    }
}
