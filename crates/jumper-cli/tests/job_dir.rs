//! `jumper agent` and job directories without Slurm: two agents of the system level (named
//! n1 and n2 through `SLURMD_NODENAME`, as srun names them) beside a `jumper run` session, then
//! `jumper report DIR` and its bad inputs (each one line, exit 2, the directory untouched).
//! The real two-node job is in `cluster_slurm.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/servers.rs"]
mod servers;

fn jumper() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jumper"));
    for v in [
        "SLURM_JOB_ID",
        "SLURMD_NODENAME",
        "SLURM_JOB_NODELIST",
        "SLURM_NODELIST",
    ] {
        c.env_remove(v);
    }
    c
}

fn agent(dir: &Path, node: &str, flush: &str) -> Child {
    jumper()
        .args([
            "agent",
            "--levels",
            "system",
            "--interval",
            "0.1",
            "--flush",
            flush,
            "--out",
        ])
        .arg(dir)
        .env("SLURMD_NODENAME", node)
        .env("SLURM_JOB_NODELIST", "n[1-2]")
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    assert!(Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success());
}

/// A job directory made once: agents n1 (SIGTERM) and n2 (SIGUSR1) around a `jumper run` that
/// burns measured CPU; returns it and the burner's own CPU seconds (`os.times()`).
fn job_dir() -> &'static (PathBuf, f64) {
    static J: OnceLock<(PathBuf, f64)> = OnceLock::new();
    J.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("job-dir");
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("job");
        std::fs::create_dir_all(&dir).unwrap();
        let mut a = agent(&dir, "n1", "0.3");
        let mut b = agent(&dir, "n2", "10");
        // The agent with a short flush period writes its session while it samples.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !dir.join("n1/manifest.json").is_file() {
            assert!(Instant::now() < deadline, "agent n1 wrote nothing while sampling");
            std::thread::sleep(Duration::from_millis(50));
        }
        let truth = base.join("cpu.txt");
        let burn = format!(
            "import os, time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass\n\
             t = os.times()\nopen('{}', 'w').write(repr(t.user + t.system + t.children_user + t.children_system))\n",
            truth.display()
        );
        let out = jumper()
            .args(["run", "-q", "--levels", "system", "--interval", "0.1", "--out"])
            .arg(dir.join("main"))
            .args(["--", "python3", "-c", &burn])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(300));
        signal(&a, "-TERM");
        signal(&b, "-USR1");
        assert!(a.wait().unwrap().success());
        assert!(b.wait().unwrap().success());
        let cpu: f64 = std::fs::read_to_string(&truth).unwrap().trim().parse().unwrap();
        (dir, cpu)
    })
}

fn report(dir: &Path, extra: &[&str]) -> Output {
    jumper()
        .arg("report")
        .arg(dir)
        .args(["--level", "system"])
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A copy of the job directory named `name`, changed by `edit`.
fn variant(name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let (dir, _) = job_dir();
    let to = dir.parent().unwrap().join(name);
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(dir, &to);
    edit(&to);
    to
}

/// Exit 2 with one line naming `needle`, and the directory unchanged.
fn refused(dir: &Path, needle: &str) {
    let before = contents(dir);
    let out = report(dir, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("jumper: ") && err.contains(needle), "{err}");
    assert_eq!(
        contents(dir),
        before,
        "the report changed {}",
        dir.display()
    );
}

#[test]
fn an_agent_outside_a_slurm_job_with_the_slurm_level_is_one_line_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = jumper()
        .args(["agent", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("SLURM_JOB_ID is not set"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A second task on one node would write over the first one's session.
    let out = jumper()
        .args(["agent", "--levels", "system", "--out"])
        .arg(dir.path())
        .env("SLURM_LOCALID", "1")
        .env("SLURMD_NODENAME", "n1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("one agent per node") && err.contains("--ntasks-per-node=1"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn agents_write_beside_each_other_and_the_report_joins_them_to_the_cells() {
    let (dir, cpu) = job_dir();
    for node in ["n1", "n2"] {
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(node).join("manifest.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(m["monitor"]["origin"]["node"], node);
        assert!(
            !dir.join(node).join("cell_history.csv").exists(),
            "agents make no cells"
        );
    }
    let out = report(dir, &["--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["nodes"], serde_json::json!(["n1", "n2"]));
    let interval = r["interval_s"].as_f64().unwrap();
    assert!((interval - 0.1).abs() < 1e-9);
    assert!(r["error_bound_s"].as_f64().unwrap() >= interval);
    let cell = &r["cells"][0];
    // Both "nodes" are this machine: each one's system CPU over the cell holds the burner's.
    let mut per_node = Vec::new();
    for n in cell["nodes"].as_array().unwrap() {
        let c = n["cpu_time_s"].as_f64().unwrap();
        assert!(
            c >= 0.95 * cpu,
            "node {}: {c} < the burner's {cpu}: {r:#}",
            n["node"]
        );
        per_node.push(c);
    }
    let sum: f64 = per_node.iter().sum();
    assert!((cell["cpu_time_s"].as_f64().unwrap() - sum).abs() < 1e-9);

    let out = report(dir, &["--per-node"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("node n1") && text.contains("node n2"),
        "{text}"
    );
    // A level the nodes did not sample is the cell session's own report.
    let out = jumper()
        .arg("report")
        .arg(dir)
        .args(["--level", "process"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Performance Report"));
}

#[test]
fn bad_job_directories_are_one_line_exit_2_and_lose_nothing() {
    refused(
        &variant("no-cells", |d| {
            std::fs::remove_dir_all(d.join("main")).unwrap()
        }),
        "has no cell session",
    );
    refused(
        &variant("missing-node", |d| {
            std::fs::remove_dir_all(d.join("n2")).unwrap()
        }),
        "no node session of n2 (node list n[1-2])",
    );
    refused(
        &variant("damaged", |d| {
            // A line cut short in the middle of the file: damage, not an interrupted append.
            let p = d.join("n2/perf_system.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let mid = lines.len() / 2;
            let cut = lines[mid].len() / 2;
            lines[mid].truncate(cut);
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        }),
        "perf_system.csv': line",
    );
    // An agent killed in the middle of an append leaves its last line cut short: the rows
    // before it still count, and the report says what was left out.
    let tear = |p: &Path| {
        let bytes = std::fs::read(p).unwrap();
        let last_line = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap();
        std::fs::write(p, &bytes[..last_line + 1 + 20]).unwrap();
    };
    let torn = variant("torn", |d| {
        tear(&d.join("n2/perf_system.csv"));
        tear(&d.join("main/perf_process.csv"));
    });
    // A single session says it too.
    let out = jumper()
        .arg("report")
        .arg(torn.join("main"))
        .args(["--level", "process"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("main': perf_process.csv: its last line"),
        "{err}"
    );
    let out = report(&torn, &["--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("n2': perf_system.csv: its last line") && err.contains("cut short"),
        "{err}"
    );
    let (dir, _) = job_dir();
    let whole: serde_json::Value =
        serde_json::from_slice(&report(dir, &["--format", "json"]).stdout).unwrap();
    let cut: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        cut["cells"].as_array().unwrap().len(),
        whole["cells"].as_array().unwrap().len()
    );
    refused(
        &variant("no-manifest", |d| {
            std::fs::remove_file(d.join("n2/manifest.json")).unwrap()
        }),
        "holds no session",
    );
    // n2's clock 5 s ahead: every epoch time of its samples moved.
    let skewed = variant("skewed", |d| {
        let p = d.join("n2/perf_system.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let col = header.split(',').position(|c| c == "wallclock").unwrap();
        let mut out = format!("{header}\n");
        for l in lines {
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            f[col] = format!("{}", f[col].parse::<f64>().unwrap() + 5.0);
            out.push_str(&f.join(","));
            out.push('\n');
        }
        std::fs::write(&p, out).unwrap();
    });
    refused(&skewed, "node n2's clock is ");
    let out = report(&skewed, &["--max-clock-offset", "10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --per-node on a plain session.
    let (dir, _) = job_dir();
    let out = report(&dir.join("main"), &["--per-node"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_agent_ends_and_writes_its_session_when_the_step_that_started_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let j = env!("CARGO_BIN_EXE_jumper");
    // The shell stands for the step: the agent's parent, gone after 0.5 s.
    let script = format!(
        "SLURMD_NODENAME=n7 '{j}' agent --levels system --interval 0.1 --out '{}' & sleep 0.5",
        dir.path().display()
    );
    let status = jumper_env(Command::new("sh").args(["-c", &script]))
        .status()
        .unwrap();
    assert!(status.success());
    let manifest = dir.path().join("n7/manifest.json");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !manifest.is_file() {
        assert!(
            Instant::now() < deadline,
            "the agent did not write its session after its parent exited"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = std::fs::read_to_string(dir.path().join("n7/perf_system.csv")).unwrap();
    assert!(rows.lines().count() >= 3, "{rows}");
    // And it has exited: no process names the directory any more.
    let needle = dir.path().to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let alive = std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
        });
        if !alive {
            break;
        }
        assert!(Instant::now() < deadline, "the agent is still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn jumper_env(c: &mut Command) -> &mut Command {
    for v in ["SLURM_JOB_ID", "SLURM_JOB_NODELIST", "SLURM_NODELIST"] {
        c.env_remove(v);
    }
    c
}

#[test]
fn a_job_directory_pushes_one_pushgateway_group_per_node() {
    let test = "a_job_directory_pushes_one_pushgateway_group_per_node";
    let missing = servers::missing_programs(&["prometheus-pushgateway"]);
    if servers::require(test, &missing, "tests/cluster/setup.sh").is_none() {
        return;
    }
    let (dir, _) = job_dir();
    let out = report(dir, &["--format", "json"]);
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let gw = servers::Server::pushgateway(tmp.path());
    let url = gw.url.text.clone();
    let push = |extra: &[&str]| {
        jumper()
            .arg("push")
            .arg(dir)
            .args(["--pushgateway", &url, "--jobid", "77"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = push(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("/jobid/77/node/n1") && err.contains("/jobid/77/node/n2"),
        "{err}"
    );
    let (_, metrics) = gw.get("/metrics");
    // Each node's group holds that node's share of the cell, as the job report gives it.
    for node in r["cells"][0]["nodes"].as_array().unwrap() {
        let name = node["node"].as_str().unwrap();
        let want = node["cpu_time_s"].as_f64().unwrap();
        let got = servers::values(
            &metrics,
            "jumper_cell_cpu_seconds",
            &[
                ("job", "jumper"),
                ("jobid", "77"),
                ("node", name),
                ("level", "system"),
                ("cell", "0"),
            ],
        );
        assert_eq!(got.len(), 1, "{name}: {metrics}");
        assert!(
            (got[0] - want).abs() <= 1e-6 * want.max(1.0),
            "{name}: pushed {} s, the job report {want} s",
            got[0]
        );
    }
    // One node's name for the whole job would fold the nodes into one group.
    let out = push(&["--node", "n1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.lines().count() == 1 && err.contains("--node names one node"),
        "{err}"
    );
    let out = push(&["--delete"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Pushgateway applies a DELETE in its own loop.
    let metrics = gw.metrics_once_gone("jobid=\"77\"");
    assert!(
        !metrics.contains("jobid=\"77\""),
        "--delete left: {metrics}"
    );
    drop(gw);
    let left = servers::processes_left(tmp.path(), |_| false);
    assert!(left.is_empty(), "processes left running: {left:?}");
}

#[test]
fn plot_of_a_job_directory_picks_a_node_and_refuses_to_guess() {
    // The two agents sample the same machine, so their plots can be alike: n2's memory is
    // marked (7.25 GiB in every row), and only a plot of n2's own samples shows it.
    let marked = variant("n2-marked", |d| {
        let p = d.join("n2/perf_system.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let col = header.split(',').position(|c| c == "memory").unwrap();
        let mut out = format!("{header}\n");
        for l in lines {
            let mut f: Vec<&str> = l.split(',').collect();
            f[col] = "7.25";
            out.push_str(&f.join(","));
            out.push('\n');
        }
        std::fs::write(&p, out).unwrap();
    });
    let dir = &marked;
    let tmp = tempfile::tempdir().unwrap();
    let plot = |extra: &[&str], out: &Path| {
        jumper()
            .arg("plot")
            .arg(dir)
            .args(["--level", "system", "--cell", ":", "-o"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let one_line_exit_2 = |out: Output, needle: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.lines().count() == 1 && err.contains(needle), "{err}");
    };
    let svg = |node: &str| {
        let f = tmp.path().join(format!("{node}.svg"));
        let out = plot(&["--node", node], &f);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&f).unwrap()
    };
    // The dashboard of the whole job: each node is a choice of the Level menu.
    let html = tmp.path().join("job.html");
    let out = plot(&[], &html);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    for name in ["system n1", "system n2"] {
        assert!(
            page.contains(&format!("\"name\":\"{name}\"")),
            "{name} missing"
        );
    }
    let (n1, n2) = (svg("n1"), svg("n2"));
    assert!(n1.starts_with("<svg") || n1.contains("<svg"), "{n1:.200}");
    assert_ne!(n1, n2, "each node's own samples");
    one_line_exit_2(
        plot(&[], &tmp.path().join("x.svg")),
        "has 2 nodes at level system (n1, n2): pick one with --node",
    );
    one_line_exit_2(
        plot(&["--node", "n3"], &tmp.path().join("x.svg")),
        "no node n3 at level system (nodes: n1, n2)",
    );
    let out = jumper()
        .arg("plot")
        .arg(dir.join("main"))
        .args(["--level", "system", "--node", "n1", "-o"])
        .arg(tmp.path().join("y.svg"))
        .output()
        .unwrap();
    one_line_exit_2(out, "--node n1 needs a job directory");
    assert!(!tmp.path().join("x.svg").exists() && !tmp.path().join("y.svg").exists());
}
