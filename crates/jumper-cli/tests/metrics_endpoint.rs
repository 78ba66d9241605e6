//! `jumper replay --metrics`: the endpoint follows the service, so a script that stops and
//! starts monitoring is served throughout, and its target file lives as long as the replay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/servers.rs"]
mod servers;
use servers::values;

/// The monitored script: a first monitored phase, a restart of monitoring, and a second phase
/// that burns CPU; each phase waits for a file the test writes.
const SCRIPT: &str = r#"# %% helpers
import os, time
def wait(name, burn=False):
    t0 = time.time()
    while not os.path.exists(name) and time.time() - t0 < 60:
        if burn:
            x = 0
            for _ in range(20000):
                x += 1
        else:
            time.sleep(0.02)
# %% start
%perfmonitor_start 0.1
# %% first phase
wait("go1")
# %% stop
%perfmonitor_stop
# %% start again
%perfmonitor_start 0.1
# %% second phase, burning
wait("go2", burn=True)
"#;

fn scrape(port: u16) -> String {
    let url =
        jumper_metrics::http::Url::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
    let r = jumper_metrics::http::get(&url).unwrap();
    assert_eq!(r.status, 200);
    String::from_utf8(r.body).unwrap()
}

fn process_cpu(text: &str) -> f64 {
    let v = values(text, "jumper_cpu_seconds_total", &[("level", "process")]);
    assert_eq!(v.len(), 1, "{text}");
    v[0]
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn replay_serves_metrics_across_a_monitoring_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("script.py"), SCRIPT).unwrap();
    let sd = dir.join("sd");
    std::fs::create_dir(&sd).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jumper"))
        .args(["replay", "--levels", "process,system", "--metrics", "0"])
        .arg("--metrics-sd-dir")
        .arg(&sd)
        .arg(dir.join("script.py"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut port = None;
    let mut line = String::new();
    while port.is_none() {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no metrics line");
        port = line
            .strip_prefix("jumper: metrics on http://127.0.0.1:")
            .and_then(|r| r.trim().strip_suffix("/metrics"))
            .map(|p| p.parse::<u16>().unwrap());
    }
    let port = port.unwrap();
    // The rest of stderr, drained so the replay never blocks on it.
    let rest = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut all);
        all
    });
    assert_eq!(
        std::fs::read_dir(&sd).unwrap().count(),
        1,
        "a target file while it runs"
    );

    // First phase: the first monitor's series.
    wait_for("the first monitor's series", || {
        values(
            &scrape(port),
            "jumper_cpu_seconds_total",
            &[("level", "process")],
        )
        .len()
            == 1
    });
    std::fs::write(dir.join("go1"), "").unwrap();
    // Second phase, after %perfmonitor_stop and %perfmonitor_start: the interpreter burns, and
    // the served counter grows (an endpoint left on the first monitor's store would be frozen).
    let first = process_cpu(&scrape(port));
    wait_for("the second monitor's growing counter", || {
        process_cpu(&scrape(port)) > first + 0.3
    });
    std::fs::write(dir.join("go2"), "").unwrap();
    let status = child.wait().unwrap();
    let stderr = rest.join().unwrap();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&sd).unwrap().count(),
        0,
        "the target file outlived the replay"
    );
    assert!(
        jumper_metrics::http::get(
            &jumper_metrics::http::Url::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap()
        )
        .is_err(),
        "nothing listens after the replay"
    );
}
