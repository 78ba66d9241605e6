//! Exports and pushes against the real servers sites run: promtool, Prometheus (on blocks
//! backfilled from `jumper export --format openmetrics`), VictoriaMetrics, InfluxDB 1.x and the
//! Pushgateway.
//!
//! The servers come from Debian's packages (`tests/cluster/setup.sh`, run by `.ci/run`).
//! Without them a test fails under `CI=true` with the install command, and says SKIPPED
//! otherwise. Each server listens on 127.0.0.1 on a free port with its storage in the test's
//! temporary directory, is stopped by PID from a guard, and every test ends by checking that
//! no process still names that directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use jumper_metrics::http::{self, encode_query};
use serde_json::Value;

#[path = "support/servers.rs"]
mod servers;
use servers::{
    free_port, missing_programs, processes_left, promtool_backfill, require, values, Server,
};

const INSTALL: &str =
    "tests/cluster/setup.sh (apt-get install prometheus prometheus-pushgateway victoria-metrics)";

fn jumper() -> Command {
    Command::cargo_bin("jumper").unwrap()
}

/// The programs a test needs, or `None` (after saying SKIPPED) outside CI.
fn need(test: &str, programs: &[&str]) -> Option<()> {
    require(test, &missing_programs(programs), INSTALL)
}

/// No process on the machine names `dir` on its command line (the servers' storage, logs
/// and configs all live there).
fn assert_nothing_left(dir: &Path) {
    let left = processes_left(dir, |_| false);
    assert!(left.is_empty(), "processes left running: {left:?}");
}

/// A session made by `jumper run` around a command that burns CPU, and the CPU seconds that
/// command measured for itself (`os.times()`: its own rusage and its reaped children's, as the
/// interpreter may start helpers): made once per test run.
fn measured_session() -> &'static (PathBuf, f64) {
    static S: OnceLock<(PathBuf, f64)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-exports");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let session = dir.join("run");
        let truth = dir.join("cpu.txt");
        let burn = format!(
            "import os, time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\n\
             with open('{}', 'wb') as f:\n    f.write(b'x' * (4 << 20)); f.flush(); os.fsync(f.fileno())\n\
             t = os.times()\nopen('{}', 'w').write(repr(t.user + t.system + t.children_user + t.children_system))\n",
            dir.join("written.bin").display(),
            truth.display()
        );
        let out = jumper()
            .args(["run", "--interval", "0.1", "-q", "--out"])
            .arg(&session)
            .args(["--", "python3", "-c", &burn])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let cpu: f64 = std::fs::read_to_string(&truth).unwrap().trim().parse().unwrap();
        assert!(cpu >= 1.0);
        (session, cpu)
    })
}

fn report_json(session: &Path) -> Value {
    let out = jumper()
        .arg("report")
        .arg(session)
        .args(["--format", "json", "--level", "process"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `cell -> cpu_time_s` of the report's per-cell rows that have numbers.
fn report_cells(report: &Value) -> BTreeMap<String, f64> {
    report["per_cell"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["cell"].to_string(), c["cpu_time_s"].as_f64()?)))
        .collect()
}

fn export(session: &Path, format: &str, file: &Path, extra: &[&str]) {
    let out = jumper()
        .arg("export")
        .arg(session)
        .args(["--format", format, "--file"])
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn jumper_py_session() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1/session")
}

/// The sample lines of a text export whose name is `name` and whose labels include `labels`.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The cells of `got` (a query result keyed by `{"cell":"N"}`) equal the report's.
fn assert_cells(got: &BTreeMap<String, f64>, report: &BTreeMap<String, f64>, what: &str) {
    let got: BTreeMap<String, f64> = got
        .iter()
        .map(|(k, v)| {
            let m: Value = serde_json::from_str(k).unwrap();
            (m["cell"].as_str().unwrap().to_string(), *v)
        })
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        report.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (cell, want) in report {
        assert!(
            close(got[cell], *want),
            "{what}: cell {cell}: {} != report {want}",
            got[cell]
        );
    }
}

#[test]
fn the_run_session_records_its_origin_and_measures_the_cpu() {
    let (session, cpu) = measured_session();
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(session.join("manifest.json")).unwrap())
            .unwrap();
    let o = &m["monitor"]["origin"];
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(o["hostname"], host.trim());
    assert_eq!(o["session_uuid"].as_str().unwrap().len(), 36);
    // Where jumper made a cgroup for the command, the origin names it.
    match m["monitor"]["process_source"].as_str().unwrap() {
        "tree" => assert_eq!(o["process_cgroup"], Value::Null),
        _ => assert!(
            o["process_cgroup"].as_str().unwrap().contains("/jumper-"),
            "{o}"
        ),
    }
    assert_eq!(
        o["job_id"],
        std::env::var("SLURM_JOB_ID").map_or(Value::Null, Value::from)
    );
    let report = report_json(session);
    let cells = report_cells(&report);
    assert_eq!(cells.len(), 1);
    let got = cells["0"];
    // Within 5 % of what the command measured for itself.
    assert!(
        (got - cpu).abs() / cpu < 0.05,
        "report {got} s, the command measured {cpu} s"
    );
}

#[test]
fn prom_file_is_clean_for_promtool_and_the_pushgateway_round_trips() {
    if need(
        "prom_file_is_clean_for_promtool_and_the_pushgateway_round_trips",
        &["promtool", "prometheus-pushgateway"],
    )
    .is_none()
    {
        return;
    }
    let (session, _) = measured_session();
    let tmp = tempfile::tempdir().unwrap();
    let prom = tmp.path().join("jumper.prom");
    export(session, "prom", &prom, &[]);
    let text = std::fs::read_to_string(&prom).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("jumper.prom")],
        "written atomically, no temporary left"
    );
    let check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&prom).unwrap())
        .output()
        .unwrap();
    assert!(
        check.status.success() && check.stdout.is_empty() && check.stderr.is_empty(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let report = report_cells(&report_json(session));
    assert!(close(
        values(
            &text,
            "jumper_cell_cpu_seconds",
            &[("level", "process"), ("cell", "0")]
        )[0],
        report["0"]
    ));

    let gw = Server::pushgateway(tmp.path());
    let url = gw.url.text.clone();
    let push = |extra: &[&str]| {
        let out = jumper()
            .arg("push")
            .arg(session)
            .args(["--pushgateway", &url, "--jobid", "4242", "--node", "n1"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    push(&[]);
    let (_, metrics) = gw.get("/metrics");
    let group = [
        ("jobid", "4242"),
        ("node", "n1"),
        ("job", "jumper"),
        ("level", "process"),
        ("cell", "0"),
    ];
    let got = values(&metrics, "jumper_cell_cpu_seconds", &group);
    assert_eq!(got.len(), 1, "{metrics}");
    assert!(
        close(got[0], report["0"]),
        "pushgateway {} != report {}",
        got[0],
        report["0"]
    );
    assert!(
        values(&metrics, "jumper_cpu_seconds_total", &[]).is_empty(),
        "summaries only, no sample series"
    );
    assert_eq!(
        values(
            &metrics,
            "jumper_cell_info",
            &[("jobid", "4242"), ("cell", "0"), ("status", "ok")]
        ),
        [1.0]
    );
    push(&["--delete"]);
    // The Pushgateway accepts a DELETE (202) and applies it in its own loop.
    let metrics = gw.metrics_once_gone("jobid=\"4242\"");
    assert!(
        !metrics.lines().any(|l| l.contains("jobid=\"4242\"")),
        "--delete left: {metrics}"
    );
    drop(gw);
    assert_nothing_left(tmp.path());
}

fn last_timestamp(om: &str) -> f64 {
    om.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .fold(0.0, f64::max)
}

#[test]
fn openmetrics_backfill_answers_the_reports_per_cell_figures_in_prometheus_and_victoriametrics() {
    if need(
        "openmetrics_backfill_...",
        &["promtool", "prometheus", "victoria-metrics"],
    )
    .is_none()
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (run, _) = measured_session();
    // The measured run (one cell) and JUmPER 0.4.1's session (20 cells, rates only), as two
    // jobs in the same store.
    let sessions = [(run.clone(), "101"), (jumper_py_session(), "102")];
    let blocks = tmp.path().join("data");
    let vm_port = free_port();
    let vm = Server::start(
        "victoria-metrics",
        tmp.path(),
        "victoria-metrics",
        &[
            format!("-httpListenAddr=127.0.0.1:{vm_port}"),
            format!("-storageDataPath={}", tmp.path().join("vm").display()),
            "-retentionPeriod=100y".into(),
            "-search.latencyOffset=0s".into(),
        ],
        vm_port,
        "/health",
    );
    let mut checks = Vec::new();
    for (i, (session, jobid)) in sessions.iter().enumerate() {
        let om = tmp.path().join(format!("s{i}.om"));
        export(
            session,
            "openmetrics",
            &om,
            &["--jobid", jobid, "--node", "n1"],
        );
        let text = std::fs::read_to_string(&om).unwrap();
        assert!(text.ends_with("# EOF\n"));
        promtool_backfill(&om, &blocks);
        // VictoriaMetrics imports Prometheus text, whose timestamps are milliseconds.
        let prom = tmp.path().join(format!("s{i}.prom"));
        export(
            session,
            "prom",
            &prom,
            &["--timestamps", "--jobid", jobid, "--node", "n1"],
        );
        let r = http::request(
            &vm.url.with_path("/api/v1/import/prometheus"),
            "POST",
            Some("text/plain"),
            &std::fs::read(&prom).unwrap(),
        )
        .unwrap();
        assert_eq!(r.status, 204, "VictoriaMetrics import: {}", r.first_line());
        let report = report_cells(&report_json(session));
        assert!(!report.is_empty());
        checks.push((*jobid, last_timestamp(&text) + 1.0, report));
    }
    let port = free_port();
    let config = tmp.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").unwrap();
    let prom = Server::start(
        "prometheus",
        tmp.path(),
        "prometheus",
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", blocks.display()),
            "--storage.tsdb.retention.time=100y".into(),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ],
        port,
        "/-/ready",
    );
    for (jobid, at, report) in &checks {
        let q = format!(
            "sum by (cell) (jumper_cell_cpu_seconds{{level=\"process\",jobid=\"{jobid}\"}})"
        );
        assert_cells(
            &prom.query(&q, *at),
            report,
            &format!("Prometheus, job {jobid}"),
        );
        // VictoriaMetrics makes imported rows searchable within a second or so.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = vm.query(&q, *at);
        while got.len() < report.len() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            got = vm.query(&q, *at);
        }
        assert_cells(&got, report, &format!("VictoriaMetrics, job {jobid}"));
        // The fast series carry no cell label.
        let by_cell = prom.query(
            &format!("count by (cell) (jumper_cpu_seconds_total{{jobid=\"{jobid}\"}})"),
            *at,
        );
        assert_eq!(by_cell.keys().collect::<Vec<_>>(), ["{}"], "{by_cell:?}");
    }
    drop(prom);
    drop(vm);
    assert_nothing_left(tmp.path());
}

#[test]
fn influx_push_into_victoriametrics_reads_back() {
    if need(
        "influx_push_into_victoriametrics_reads_back",
        &["victoria-metrics"],
    )
    .is_none()
    {
        return;
    }
    let (session, _) = measured_session();
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let vm = Server::start(
        "victoria-metrics",
        tmp.path(),
        "victoria-metrics",
        &[
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-storageDataPath={}", tmp.path().join("vm").display()),
            "-retentionPeriod=100y".into(),
            "-influxSkipSingleField".into(),
            "-search.latencyOffset=0s".into(),
        ],
        port,
        "/health",
    );
    let before = std::fs::read(session.join("perf_process.csv")).unwrap();
    let out = jumper()
        .arg("push")
        .arg(session)
        .args([
            "--influx",
            &format!("{}/write", vm.url.text),
            "--jobid",
            "777",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(session.join("perf_process.csv")).unwrap(),
        before
    );
    let om = tmp.path().join("s.om");
    export(session, "openmetrics", &om, &["--jobid", "777"]);
    let text = std::fs::read_to_string(&om).unwrap();
    let at = last_timestamp(&text) + 1.0;
    let report = report_cells(&report_json(session));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let q = format!(
        "sum by (cell) (jumper_cell_cpu_seconds{{level=\"process\",jobid=\"777\",hostname=\"{}\",type=\"node\"}})",
        host.trim()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = vm.query(&q, at);
    while got.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        got = vm.query(&q, at);
    }
    assert_cells(&got, &report, "VictoriaMetrics via line protocol");
    // The CPU counter's last point: the session's final cumulative CPU time.
    let last_cpu = *values(&text, "jumper_cpu_seconds_total", &[("level", "process")])
        .last()
        .unwrap();
    let got = vm.query(
        "jumper_cpu_seconds_total{level=\"process\",jobid=\"777\"}",
        at,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    let v = *got.values().next().unwrap();
    assert!((v - last_cpu).abs() < 1e-6, "{v} != {last_cpu}");
    drop(vm);
    assert_nothing_left(tmp.path());
}

#[test]
fn unreachable_endpoints_and_bad_input_are_one_line() {
    let (session, _) = measured_session();
    let files = |d: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = files(session);
    let port = free_port();
    for args in [
        vec![
            "--influx".to_string(),
            format!("http://127.0.0.1:{port}/write"),
        ],
        vec![
            "--pushgateway".to_string(),
            format!("http://127.0.0.1:{port}"),
            "--jobid".into(),
            "1".into(),
        ],
    ] {
        let out = jumper()
            .arg("push")
            .arg(session)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("jumper: cannot reach http://127.0.0.1:{port}/")),
            "{err}"
        );
        assert!(err.contains("5 attempts"), "{err}");
    }
    assert_eq!(files(session), before, "the session is untouched");
    for (args, want) in [
        (
            vec!["push", "--influx", "https://127.0.0.1/write"],
            "only http:// is supported",
        ),
        (
            vec![
                "push",
                "--pushgateway",
                "http://127.0.0.1:1",
                "--jobid",
                "12a",
            ],
            "'12a' is not a SLURM job id",
        ),
        (
            vec!["push", "--pushgateway", "http://127.0.0.1:1"],
            "records no SLURM job id",
        ),
        (vec!["push"], "required"),
        (
            vec!["export", "--format", "xml", "--file", "x.xml"],
            "unknown format 'xml'",
        ),
        (
            vec![
                "export", "--format", "prom", "--level", "slurm", "--file", "x.prom",
            ],
            "has no data at level slurm",
        ),
        (
            vec![
                "export", "--format", "prom", "--jobid", "x1", "--file", "x.prom",
            ],
            "'x1' is not a SLURM job id",
        ),
        (
            vec![
                "export",
                "--format",
                "openmetrics",
                "--timestamps",
                "--file",
                "x.om",
            ],
            "--timestamps goes with --format prom",
        ),
    ] {
        let out = jumper()
            .arg(args[0])
            .arg(session)
            .args(&args[1..])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        if args[0] != "push" || args.len() > 1 {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
    let out = jumper()
        .args([
            "push",
            "/nonexistent/session",
            "--influx",
            "http://127.0.0.1:1/write",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("jumper: no session at '/nonexistent/session'"));
}

#[test]
fn a_live_metrics_endpoint_is_scraped_by_prometheus_through_file_sd() {
    if need(
        "a_live_metrics_endpoint_is_scraped_by_prometheus_through_file_sd",
        &["prometheus"],
    )
    .is_none()
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let sd = tmp.path().join("sd");
    std::fs::create_dir(&sd).unwrap();
    let config = tmp.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: jumper\n    honor_labels: true\n    file_sd_configs:\n      - files: ['{}/*.json']\n        refresh_interval: 1s\n",
            sd.display()
        ),
    )
    .unwrap();
    let port = free_port();
    let prom = Server::start(
        "prometheus",
        tmp.path(),
        "prometheus",
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", tmp.path().join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ],
        port,
        "/-/ready",
    );
    // Burn some CPU, then idle until the test has seen a scrape (discovery takes ~5 s), at
    // most a minute.
    let stop = tmp.path().join("stop");
    let idle = format!(
        "import os, time\nt=time.process_time()\nwhile time.process_time()-t<0.3: pass\n\
         t0=time.time()\nwhile not os.path.exists('{}') and time.time()-t0<60: time.sleep(0.1)\n",
        stop.display()
    );
    let session = tmp.path().join("live");
    let err = tmp.path().join("run.err");
    let mut run = jumper()
        .args([
            "run",
            "-q",
            "--interval",
            "0.2",
            "--metrics",
            "0",
            "--metrics-sd-dir",
        ])
        .arg(&sd)
        .arg("--out")
        .arg(&session)
        .args(["--", "python3", "-c", &idle])
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let q = "last_over_time(jumper_cpu_seconds_total{job=\"jumper\",level=\"process\"}[1m])";
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut scraped = None;
    let mut sd_seen = false;
    while Instant::now() < deadline {
        sd_seen |= std::fs::read_dir(&sd).unwrap().count() == 1;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        if let Some(v) = prom.query(q, now).values().next().copied() {
            if v >= 0.3 {
                scraped = Some(v);
                break;
            }
        }
        if run.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    std::fs::write(&stop, "").unwrap();
    let status = run.wait().unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "{stderr}");
    assert!(sd_seen, "no target file while it ran");
    assert_eq!(
        std::fs::read_dir(&sd).unwrap().count(),
        0,
        "the target file outlived the run"
    );
    let line = stderr
        .lines()
        .find(|l| l.starts_with("jumper: metrics on http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        !line.contains(":0/"),
        "port 0 is replaced by the chosen port: {line}"
    );
    let v =
        scraped.unwrap_or_else(|| panic!("Prometheus never scraped a value: {}", prom.log_text()));
    // The scraped value is one of the session's own samples of the process level's counter.
    let om = tmp.path().join("live.om");
    export(&session, "openmetrics", &om, &[]);
    let recorded = values(
        &std::fs::read_to_string(&om).unwrap(),
        "jumper_cpu_seconds_total",
        &[("level", "process")],
    );
    assert!(
        recorded.iter().any(|r| close(*r, v)),
        "scraped {v}, recorded {recorded:?}"
    );
    drop(prom);
    assert_nothing_left(tmp.path());
}

#[test]
fn influx_push_into_influxdb_1_reads_back_per_cell_and_escaped_titles() {
    if need(
        "influx_push_into_influxdb_1_reads_back_per_cell_and_escaped_titles",
        &["influxd"],
    )
    .is_none()
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (port, rpc) = (free_port(), free_port());
    let d = tmp.path();
    let config = d.join("influxdb.conf");
    std::fs::write(
        &config,
        format!(
            "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n[meta]\n  dir = \"{m}\"\n[data]\n  dir = \"{data}\"\n  wal-dir = \"{wal}\"\n[http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n",
            m = d.join("meta").display(),
            data = d.join("data").display(),
            wal = d.join("wal").display(),
        ),
    )
    .unwrap();
    let db = Server::start(
        "influxdb",
        d,
        "influxd",
        &["-config".to_string(), config.display().to_string()],
        port,
        "/ping",
    );
    let q = |query: &str| -> Value {
        let (status, body) = db.get(&format!(
            "/query?db=jumper&epoch=s&q={}",
            encode_query(query)
        ));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    };
    let r = http::request(
        &db.url.with_path(&format!(
            "/query?q={}",
            encode_query("CREATE DATABASE jumper")
        )),
        "POST",
        None,
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.first_line());
    let (run, _) = measured_session();
    for (session, jobid) in [(run.clone(), "201"), (jumper_py_session(), "202")] {
        let out = jumper()
            .arg("push")
            .arg(&session)
            .args([
                "--influx",
                &format!("{}/write?db=jumper", db.url.text),
                "--jobid",
                jobid,
                "--node",
                "n1",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = report_cells(&report_json(&session));
        let v = q(&format!(
            "SELECT last(value) FROM jumper_cell_cpu_seconds WHERE \"level\"='process' AND \"jobid\"='{jobid}' AND \"hostname\"='n1' GROUP BY \"cell\""
        ));
        let got: BTreeMap<String, f64> = v["results"][0]["series"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|s| {
                (
                    s["tags"]["cell"].as_str().unwrap().to_string(),
                    s["values"][0][1].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            report.keys().collect::<Vec<_>>(),
            "job {jobid}"
        );
        for (cell, want) in &report {
            assert!(
                close(got[cell], *want),
                "job {jobid} cell {cell}: {} != {want}",
                got[cell]
            );
        }
        // Titles with spaces, commas and quotes survive line protocol's escaping.
        let v = q(&format!("SELECT last(value) FROM jumper_cell_info WHERE \"jobid\"='{jobid}' GROUP BY \"cell\",\"title\",\"status\""));
        let titles: BTreeMap<String, String> = v["results"][0]["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["tags"]["cell"].as_str().unwrap().to_string(),
                    s["tags"]["title"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if jobid == "202" {
            assert_eq!(titles.len(), 20);
            assert_eq!(titles["1"], "import time, subprocess, sys");
            assert_eq!(titles["0"], "%perfmonitor_start 0.1 --monitor thread");
        }
    }
    drop(db);
    assert_nothing_left(tmp.path());
}
