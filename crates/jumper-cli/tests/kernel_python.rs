//! The kernel test suite (tests/kernel, pytest) against `jumper kernel`: jupyter_kernel_test's
//! conformance suite, behaviour, notebook and IRkernel tests, run through `tests/kernel/run.sh`.
//!
//! Needs the venv that `tests/kernel/setup-venv.sh` makes (target/jumper-kernel-venv, or
//! `JUMPER_KERNEL_VENV`) and IRkernel. Without the venv the test fails under CI (`CI` set, and not
//! `false` or `0`) naming the command that makes it; elsewhere it says loudly that it skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole suite takes about half a minute; this bounds a hang (the suite's own per-test
/// watchdog is 90 s) without cutting a slow machine short.
const LIMIT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn venv() -> Option<PathBuf> {
    let v = std::env::var_os("JUMPER_KERNEL_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/jumper-kernel-venv"));
    v.join("bin/python").is_file().then_some(v)
}

/// Whether this build of jumper has the `kernel` command yet.
fn has_kernel_command(bin: &str) -> bool {
    Command::new(bin)
        .args(["kernel", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `tests/kernel/run.sh ARGS` in its own process group with output to a file (so that
/// a leftover process holding a pipe cannot hang the test), killing the group past LIMIT.
fn run_suite(venv: &Path, jumper: Option<&str>, args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("pytest.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = Command::new(root().join("tests/kernel/run.sh"));
    cmd.args(args)
        .arg("-p")
        .arg("no:warnings")
        .env("JUMPER_KERNEL_VENV", venv)
        .env("JUMPER_KERNEL_NO_SETUP", "1")
        .env_remove("JUMPER_TEST_KERNEL")
        .env_remove("JUMPER_TEST_R_KERNEL")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0);
    match jumper {
        Some(bin) => cmd.env("JUMPER_BIN", bin),
        None => cmd.env_remove("JUMPER_BIN"),
    };
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > LIMIT {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = std::fs::read_to_string(&log_path).unwrap_or_default();
    match status {
        Some(s) => (s.success(), out),
        None => (
            false,
            format!("{out}\nKILLED: the suite ran past {LIMIT:?}"),
        ),
    }
}

#[test]
fn kernel_suite_passes() {
    let Some(venv) = venv() else {
        let install = "tests/kernel/setup-venv.sh (makes target/jumper-kernel-venv from \
                       tests/kernel/requirements.txt and installs r-cran-irkernel), then \
                       export JUMPER_KERNEL_VENV=$PWD/target/jumper-kernel-venv";
        assert!(
            !ci(),
            "the kernel tests' venv is missing, so tests/kernel cannot run, and under CI it \
             must: {install}"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED kernel_suite_passes: no kernel-test venv; to run it: {install}"
        );
        return;
    };
    let bin = env!("CARGO_BIN_EXE_jumper");
    // The suite against jumper wrapping ipykernel (jumper-python3) and IRkernel (jumper-ir).
    assert!(has_kernel_command(bin), "{bin} has no `kernel` command");
    let (jumper, args): (Option<&str>, &[&str]) = (Some(bin), &["jumper-python3", "-q", "-rA"]);
    let (ok, out) = run_suite(&venv, jumper, args);
    let _ = writeln!(std::io::stderr(), "{out}");
    assert!(ok, "tests/kernel failed:\n{out}");
}
