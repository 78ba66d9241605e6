//! What the tests that start real servers share: whether CI runs them, whether a program is
//! installed, a server started and stopped by PID ([`Server`]), a free loopback port, and the
//! check that nothing they started is left running.
//! Each test binary includes it and uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jumper_metrics::http::{self, encode_query, Url};
use serde_json::Value;

/// Whether this is CI, where a test that needs a missing program fails instead of skipping.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether `program` is a file in a directory of PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// `Some(())` when `missing` is empty; otherwise fails under CI with the install command, and
/// outside CI says SKIPPED with it and returns `None`.
pub fn require(test: &str, missing: &[String], install: &str) -> Option<()> {
    if missing.is_empty() {
        return Some(());
    }
    let why = missing.join(", ");
    assert!(
        !ci(),
        "{test} needs {why} and under CI it must run: install with {install}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs {why}; install with {install}"
    );
    None
}

/// The programs of `programs` that are not on PATH.
pub fn missing_programs(programs: &[&str]) -> Vec<String> {
    programs
        .iter()
        .filter(|p| !on_path(p))
        .map(|p| p.to_string())
        .collect()
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Processes whose command line names `dir` (servers keep storage, logs and configs there) or
/// that `also` picks.
pub fn processes_left(dir: &Path, also: impl Fn(&str) -> bool) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let mut left = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(&needle) || also(&cmd) {
                left.push(format!("{pid}: {cmd}"));
            }
        }
    }
    left
}

/// Waits up to `wait` for [`processes_left`] to be empty; fails with what is left.
pub fn assert_nothing_left_within(dir: &Path, also: impl Fn(&str) -> bool, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        let left = processes_left(dir, &also);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes left running: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Backfills an OpenMetrics file into Prometheus TSDB blocks under `blocks` with
/// `promtool tsdb create-blocks-from openmetrics`, failing the test with promtool's own words
/// when it refuses the file.
pub fn promtool_backfill(om: &Path, blocks: &Path) {
    let out = std::process::Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(om)
        .arg(blocks)
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool refused {}: {}",
        om.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server started by a test; killed by PID when dropped.
pub struct Server {
    pub name: &'static str,
    pub child: Child,
    pub log: PathBuf,
    pub url: Url,
}

impl Server {
    /// Starts `program args` and waits until `GET ready_path` answers 2xx.
    pub fn start(
        name: &'static str,
        dir: &Path,
        program: &str,
        args: &[String],
        port: u16,
        ready_path: &str,
    ) -> Server {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let url = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let mut s = Server {
            name,
            child,
            log,
            url,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http::get(&s.url.with_path(ready_path)) {
                if r.status / 100 == 2 {
                    break;
                }
            }
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("{name} exited with {status}: {}", s.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "{name} not ready: {}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    /// A Pushgateway on a free loopback port, without persistence, its log in `dir`.
    pub fn pushgateway(dir: &Path) -> Server {
        let port = free_port();
        Server::start(
            "pushgateway",
            dir,
            "prometheus-pushgateway",
            &[
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--persistence.file=".into(),
            ],
            port,
            "/-/ready",
        )
    }

    /// `GET /metrics` until no line contains `needle` (a Pushgateway applies a DELETE in
    /// its own loop), for at most 10 s; the last answer.
    pub fn metrics_once_gone(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, m) = self.get("/metrics");
            if !m.lines().any(|l| l.contains(needle)) || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let r = http::get(&self.url.with_path(path)).unwrap();
        (r.status, String::from_utf8_lossy(&r.body).into_owned())
    }

    /// An instant PromQL query at epoch second `time`: `{labels} -> value` of each result.
    pub fn query(&self, promql: &str, time: f64) -> BTreeMap<String, f64> {
        let (status, body) = self.get(&format!(
            "/api/v1/query?query={}&time={time:.3}",
            encode_query(promql)
        ));
        assert_eq!(status, 200, "{} answered {body}", self.name);
        let v: Value = serde_json::from_str(&body).unwrap();
        v["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["metric"].to_string(),
                    r["value"][1].as_str().unwrap().parse::<f64>().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The values of metric `name` in Prometheus or OpenMetrics text, from the series that carry
/// every one of `labels`.
pub fn values(text: &str, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|l| {
            l.rsplit_once('}')
                .map_or(l, |(_, r)| r)
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}
