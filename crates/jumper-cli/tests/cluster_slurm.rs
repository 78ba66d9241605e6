//! A real two-node Slurm job on loopback: munged, slurmctld and two slurmd (emulated nodes n1
//! and n2 of one machine, ../shared/CLUSTER.md's configuration), started by this test with
//! their state in its temporary directory and stopped by PID from a guard.
//!
//! The batch script starts `jumper agent` on both nodes with `srun --overlap`, replays a
//! monitored script whose cells burn CPU on both nodes (one `srun` step per node) and allocate
//! memory there, then stops the agents. `jumper report DIR --level slurm` must give each cell's
//! CPU time over both nodes, and each burning node's, within 5 % of what the job cgroups spent
//! between the cell's first and last line (read by the cell itself), and each node's memory.
//!
//! Slurm comes from Debian's packages (`tests/cluster/setup.sh`, run by `.ci/run`). Without it
//! the test fails under `CI=true` with the install command, and says SKIPPED otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/servers.rs"]
mod servers;
use servers::{
    assert_nothing_left_within, ci, free_port, missing_programs, on_path, promtool_backfill,
    require,
};

const INSTALL: &str = "tests/cluster/setup.sh (apt-get install slurm-wlm munge)";

fn jumper_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jumper"))
}

/// Runs `cmd` to its end and fails the test with its standard error unless it succeeded.
fn jumper_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Slurm's programs and root (slurmd's cgroup plugin needs it), or `None` after SKIPPED.
fn need(test: &str) -> Option<()> {
    let programs = [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "sinfo",
        "srun",
        "python3",
    ];
    let mut missing = missing_programs(&programs);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        missing.push("root (slurmd's cgroup plugin)".to_string());
    }
    require(test, &missing, INSTALL)
}

/// The daemons of the loopback cluster; each stopped by PID (SIGTERM, then SIGKILL) on drop.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    daemons: Vec<(&'static str, Child)>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        for d in ["state", "spool", "log"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        let key = dir.join("munge.key");
        let mut bytes = vec![0u8; 1024];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
            .unwrap();
        std::fs::write(&key, &bytes).unwrap();
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let host = host.trim().split('.').next().unwrap().to_string();
        let (ctld, p1, p2) = (free_port(), free_port(), free_port());
        let w = dir.display();
        let conf = dir.join("slurm.conf");
        std::fs::write(
            &conf,
            format!(
                "ClusterName=jt\nSlurmctldHost={host}\nSlurmctldPort={ctld}\nAuthType=auth/munge\n\
                 AuthInfo=socket={w}/munge.sock\nCredType=cred/munge\nSlurmUser=root\nSlurmdUser=root\n\
                 StateSaveLocation={w}/state\nSlurmdSpoolDir={w}/spool/%n\n\
                 SlurmctldPidFile={w}/slurmctld.pid\nSlurmdPidFile={w}/slurmd-%n.pid\n\
                 SlurmctldLogFile={w}/log/slurmctld.log\nSlurmdLogFile={w}/log/slurmd-%n.log\n\
                 ProctrackType=proctrack/cgroup\nTaskPlugin=task/cgroup\n\
                 JobAcctGatherType=jobacct_gather/cgroup\nSelectType=select/cons_tres\n\
                 SelectTypeParameters=CR_Core_Memory\nReturnToService=2\nMpiDefault=none\n\
                 MailProg=/bin/true\nKillWait=5\n\
                 NodeName=n1 NodeHostname={host} NodeAddr=127.0.0.1 Port={p1} CPUs=2 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000\n\
                 NodeName=n2 NodeHostname={host} NodeAddr=127.0.0.1 Port={p2} CPUs=2 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000\n\
                 PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("cgroup.conf"),
            "CgroupPlugin=autodetect\nConstrainCores=yes\nConstrainRAMSpace=yes\n",
        )
        .unwrap();
        let mut c = Cluster {
            dir: dir.to_path_buf(),
            conf,
            daemons: Vec::new(),
        };
        let sock = dir.join("munge.sock");
        c.spawn(
            "munged",
            &[
                "-F".into(),
                "-f".into(),
                format!("--key-file={}", key.display()),
                format!("--socket={}", sock.display()),
                format!("--pid-file={w}/munged.pid"),
                format!("--log-file={w}/log/munged.log"),
                format!("--seed-file={w}/munge.seed"),
            ],
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            assert!(Instant::now() < deadline, "munged: {}", c.logs());
            std::thread::sleep(Duration::from_millis(20));
        }
        c.spawn("slurmctld", &["-D".into(), "-i".into()]);
        c.spawn("slurmd", &["-D".into(), "-N".into(), "n1".into()]);
        c.spawn("slurmd", &["-D".into(), "-N".into(), "n2".into()]);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = c.cmd("sinfo").args(["-h", "-o", "%T"]).output().unwrap();
            let states = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success()
                && states.lines().count() > 0
                && states.lines().all(|l| l.trim() == "idle")
            {
                break;
            }
            for (name, child) in &mut c.daemons {
                if let Ok(Some(st)) = child.try_wait() {
                    panic!("{name} exited with {st}: {}", c_logs(dir));
                }
            }
            assert!(
                Instant::now() < deadline,
                "nodes not idle ({states}): {}",
                c.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    fn spawn(&mut self, program: &'static str, args: &[String]) {
        let n = self.daemons.len();
        let log = std::fs::File::create(self.dir.join(format!("log/{program}-{n}.out"))).unwrap();
        let child = Command::new(program)
            .args(args)
            .env("SLURM_CONF", &self.conf)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        self.daemons.push((program, child));
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf).current_dir(&self.dir);
        c
    }

    fn logs(&self) -> String {
        c_logs(&self.dir)
    }
}

fn c_logs(dir: &Path) -> String {
    let mut out = String::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("log")) {
        for e in rd.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            out.push_str(&format!("\n== {}\n", e.path().display()));
            for l in tail.into_iter().rev() {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // slurmd first (it ends its steps), munged last (the others talk through it).
        for (_, child) in self.daemons.iter_mut().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// No process names `dir` on its command line, and no slurmstepd is left.
fn assert_nothing_left(dir: &Path) {
    assert_nothing_left_within(
        dir,
        |cmd| cmd.starts_with("slurmstepd"),
        Duration::from_secs(10),
    );
}

/// Burns `target` CPU seconds after touching `mb` MiB, holds them a moment, and writes what
/// it measured for itself (`os.times()`, its children included) as JSON.
const BURN: &str = r#"import os, sys, json, time
target, mb, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
buf = bytearray(mb * 1024 * 1024)
for i in range(0, len(buf), 4096):
    buf[i] = 1
t0 = os.times()
x = 0
while (os.times().user + os.times().system) - (t0.user + t0.system) < target:
    for _ in range(20000):
        x += 1
time.sleep(0.6)
t = os.times()
json.dump({"cpu_s": t.user + t.system + t.children_user + t.children_system, "mb": mb}, open(out, "w"))
"#;

/// The monitored script: cell 1 burns on both nodes at once, cell 2 on n2 only, one srun step
/// per node each. The first and the last line of each of those cells read every node's job
/// CPU counter from the kernel (the job cgroup's, for the whole job: the burners, the srun
/// clients, the interpreter, the agents), so the test knows what the job spent in the cell.
const CELLS: &str = r#"# %% setup
import subprocess, os, glob, json
D = os.environ["JOBDIR"]
B = os.environ["BURN"]
JOB = os.environ["SLURM_JOB_ID"]
def job_cpu(node):
    v1 = glob.glob(f"/sys/fs/cgroup/cpuacct/slurm_{node}/uid_*/job_{JOB}/cpuacct.usage")
    if v1:
        return int(open(v1[0]).read()) / 1e9
    v2 = glob.glob(f"/sys/fs/cgroup/**/{node}_slurmstepd.scope/job_{JOB}/cpu.stat", recursive=True)
    if v2:
        stat = dict(l.split() for l in open(v2[0]))
        return int(stat["usage_usec"]) / 1e6
    raise SystemExit(f"no job cgroup of node {node} for job {JOB}")
def mark(tag):
    json.dump({n: job_cpu(n) for n in ("n1", "n2")}, open(f"{D}/cg-{tag}.json", "w"))
def burn(tag, specs):
    ps = [subprocess.Popen(["srun", "--overlap", "-N1", "-n1", "-w", n, "--mem=300M", "python3", B,
                            str(s), str(mb), f"{D}/truth-{tag}-{n}.json"]) for (n, s, mb) in specs]
    for p in ps:
        assert p.wait() == 0
# %% both nodes
mark("c1-start")
burn("c1", [("n1", 4.0, 60), ("n2", 4.0, 150)])
mark("c1-end")
# %% n2 only
mark("c2-start")
burn("c2", [("n2", 3.0, 100)])
mark("c2-end")
"#;

/// The batch script: agents on both nodes beside the work, each serving its node's latest
/// values with a file_sd target file (scraped once here, as a site Prometheus would), the
/// replay, then SIGUSR1 (which srun passes on to its tasks) ends the agents, which write their
/// sessions.
const JOB: &str = r#"#!/bin/bash
srun --overlap -N2 --ntasks-per-node=1 "$JUMPER" agent --interval 0.2 --out "$JOBDIR" \
  --metrics 0 --metrics-sd-dir "$SD" &
AG=$!
sleep 1
for i in $(seq 100); do [ "$(ls "$SD" | wc -l)" -ge 2 ] && break; sleep 0.1; done
python3 -c 'import sys, json, glob, urllib.request
for i, f in enumerate(sorted(glob.glob(sys.argv[1] + "/*.json"))):
    t = json.load(open(f))[0]["targets"][0]
    body = urllib.request.urlopen(f"http://{t}/metrics", timeout=10).read().decode()
    open(f"{sys.argv[2]}/scrape-{i}.txt", "w").write(body)' "$SD" "$SCRAPES"
echo "scraped=$?"
"$JUMPER" replay --levels process,slurm --interval 0.2 --out "$JOBDIR/main" "$CELLS"
echo "replay=$?"
kill -USR1 $AG
wait $AG
echo "agents=$?"
"#;

fn truth(dir: &Path, name: &str) -> (f64, f64) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    (v["cpu_s"].as_f64().unwrap(), v["mb"].as_f64().unwrap())
}

#[test]
fn a_two_node_job_reports_each_cells_cpu_over_both_nodes_and_each_nodes_memory() {
    if need("a_two_node_job_reports_each_cells_cpu_over_both_nodes").is_none() {
        return;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-slurm");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let job = tmp.join("job");
    std::fs::create_dir_all(&job).unwrap();
    std::fs::write(tmp.join("burn.py"), BURN).unwrap();
    std::fs::write(tmp.join("cells.py"), CELLS).unwrap();
    std::fs::write(tmp.join("job.sh"), JOB).unwrap();
    let sd = tmp.join("sd");
    std::fs::create_dir_all(&sd).unwrap();
    {
        let cluster = Cluster::start(&tmp);
        let out = cluster
            .cmd("sbatch")
            .args(["--wait", "-N2", "--ntasks-per-node=1", "--mem=400M", "-o"])
            .arg(tmp.join("job.out"))
            .arg(tmp.join("job.sh"))
            .env("JUMPER", jumper_path())
            .env("JOBDIR", &job)
            .env("BURN", tmp.join("burn.py"))
            .env("CELLS", tmp.join("cells.py"))
            .env("SD", &sd)
            .env("SCRAPES", &tmp)
            .output()
            .unwrap();
        let job_out = std::fs::read_to_string(tmp.join("job.out")).unwrap_or_default();
        assert!(
            out.status.success()
                && job_out.contains("scraped=0")
                && job_out.contains("replay=0")
                && job_out.contains("agents=0"),
            "sbatch: {}\n{job_out}\n{}",
            String::from_utf8_lossy(&out.stderr),
            cluster.logs()
        );
    }
    assert_nothing_left(&tmp);

    // Each agent served its node's series while the job ran, and took its target file away.
    let mut scraped_nodes = Vec::new();
    for i in 0..2 {
        let body = std::fs::read_to_string(tmp.join(format!("scrape-{i}.txt"))).unwrap();
        assert!(body.ends_with("# EOF\n"), "{body}");
        let line = body
            .lines()
            .find(|l| l.starts_with("jumper_cpu_seconds_total{") && l.contains("level=\"slurm\""))
            .unwrap_or_else(|| panic!("no slurm-level CPU series: {body}"));
        assert!(
            line.contains("jobid=\"") && line.contains("cluster=\"jt\""),
            "{line}"
        );
        scraped_nodes.extend(
            ["n1", "n2"]
                .into_iter()
                .filter(|n| line.contains(&format!("node=\"{n}\""))),
        );
    }
    scraped_nodes.sort();
    assert_eq!(scraped_nodes, ["n1", "n2"]);
    assert_eq!(
        std::fs::read_dir(&sd).unwrap().count(),
        0,
        "target files outlived the agents"
    );

    // Both agents wrote a session beside the cell session, each knowing its node.
    for node in ["n1", "n2"] {
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(job.join(node).join("manifest.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(m["monitor"]["origin"]["node"], node, "{m:#}");
        assert_eq!(m["monitor"]["origin"]["node_list"], "n[1-2]");
    }

    let out = jumper_ok(
        Command::new(jumper_path())
            .arg("report")
            .arg(&job)
            .args(["--level", "slurm", "--format", "json"]),
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["nodes"], serde_json::json!(["n1", "n2"]));
    let bound = r["error_bound_s"].as_f64().unwrap();
    let offset = r["clock_offset_s"].as_f64().unwrap();
    assert!(offset >= 0.0 && bound >= offset + 0.2 - 1e-9, "{r:#}");
    // cgroup v1 has no blkio job cgroup: I/O is unavailable, never 0.
    assert_eq!(r["io_available"], false);
    assert!(r["cells"][1]["io_read_mib"].is_null());

    let (c1n1, m1n1) = truth(&job, "truth-c1-n1.json");
    let (c1n2, m1n2) = truth(&job, "truth-c1-n2.json");
    let (c2n2, m2n2) = truth(&job, "truth-c2-n2.json");
    let cells = r["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3, "{r:#}");
    // The job's CPU on each node from the first to the last line of the cell (the kernel's
    // counters), and what the burners measured for themselves inside it.
    let spent = |cell: usize, node: &str| -> f64 {
        let read = |edge: &str| -> f64 {
            let v: Value = serde_json::from_str(
                &std::fs::read_to_string(job.join(format!("cg-c{cell}-{edge}.json"))).unwrap(),
            )
            .unwrap();
            v[node].as_f64().unwrap()
        };
        read("end") - read("start")
    };
    let burners = [(1, "n1", c1n1), (1, "n2", c1n2), (2, "n2", c2n2)];
    for (cell, node, own) in burners {
        // The test's own premise: each burner ran inside its node's job cgroup during the cell
        // (os.times counts in 10 ms ticks).
        assert!(
            spent(cell, node) >= own - 0.02,
            "cell {cell} {node}: the job cgroup spent {} CPU s, its burner alone {own}",
            spent(cell, node)
        );
    }
    let node_cpu = |cell: usize, node: usize| cells[cell]["nodes"][node]["cpu_time_s"].as_f64();
    for cell in [1, 2] {
        let want = spent(cell, "n1") + spent(cell, "n2");
        let got = cells[cell]["cpu_time_s"].as_f64().unwrap();
        eprintln!("cell {cell}: jumper {got:.3} CPU s over both nodes, job cgroups {want:.3}");
        // The nodes were not sampled at the cell's edges: their counters are interpolated
        // within one interval there, and the interpreter runs a moment before the first line.
        assert!(
            (got - want).abs() <= 0.05 * want,
            "cell {cell}: {got} CPU s over both nodes, the job cgroups spent {want}: {r:#}"
        );
        assert_eq!(
            got,
            node_cpu(cell, 0).unwrap() + node_cpu(cell, 1).unwrap(),
            "the sum of the nodes' rows"
        );
    }
    for (cell, node, _) in burners {
        let i = if node == "n1" { 0 } else { 1 };
        let (got, want) = (node_cpu(cell, i).unwrap(), spent(cell, node));
        assert!(
            (got - want).abs() <= 0.05 * want,
            "cell {cell} {node}: {got} CPU s, its job cgroup spent {want}: {r:#}"
        );
    }
    // Memory per node: what the node's burner touched (and its interpreter, < 60 MiB more).
    let mem = |cell: usize, node: usize| -> f64 {
        cells[cell]["nodes"][node]["memory_peak_gib"]
            .as_f64()
            .unwrap()
            * 1024.0
    };
    for (cell, node, mb) in [(1, 0, m1n1), (1, 1, m1n2), (2, 1, m2n2)] {
        let got = mem(cell, node);
        assert!(
            got >= mb && got < mb + 60.0,
            "cell {cell} node {node}: {got} MiB, the burner touched {mb}: {r:#}"
        );
    }
    assert!(mem(2, 0) < 60.0, "n1 ran nothing in cell 2: {r:#}");
    let max = cells[1]["memory_peak_gib_max"].as_f64().unwrap() * 1024.0;
    assert!((max - mem(1, 1)).abs() < 1e-6);

    // The cell session on its own (the replay sampled the slurm level too): its slurm I/O
    // is n/a in text and null in JSON, never a 0 that looks measured.
    let single = |format: &str| {
        let out = jumper_ok(
            Command::new(jumper_path())
                .arg("report")
                .arg(job.join("main"))
                .args(["--level", "slurm", "--format", format]),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let j: Value = serde_json::from_str(&single("json")).unwrap();
    assert_eq!(j["io_available"], false, "{j:#}");
    assert!(j["metrics"]["io_write_mib"].is_null(), "{j:#}");
    assert!(j["metrics"]["cpu_time_s"]["total"].as_f64().unwrap() > 0.0);
    let text = single("text");
    assert!(
        text.lines()
            .any(|l| l.starts_with("I/O Write (MiB/s, MiB)") && l.trim_end().ends_with("n/a")),
        "{text}"
    );

    // A node's session exports without slurm-level I/O series (unavailable, not 0).
    let om = tmp.join("n1.om");
    jumper_ok(
        Command::new(jumper_path())
            .arg("export")
            .arg(job.join("n1"))
            .args(["--format", "openmetrics", "--file"])
            .arg(&om),
    );
    let om = std::fs::read_to_string(&om).unwrap();
    assert!(om.contains("jumper_cpu_seconds_total{") && om.contains("level=\"slurm\""));
    assert!(
        !om.lines()
            .any(|l| l.starts_with("jumper_io_") && l.contains("level=\"slurm\"")),
        "slurm-level I/O exported on cgroup v1"
    );
    assert!(om
        .lines()
        .any(|l| l.starts_with("jumper_io_read_bytes_total{") && l.contains("level=\"system\"")));

    // The job directory exports as one OpenMetrics file: each node's per-cell figures under
    // its node label, summing to the report's; promtool backfills it.
    let om_file = tmp.join("job.om");
    jumper_ok(
        Command::new(jumper_path())
            .arg("export")
            .arg(&job)
            .args(["--format", "openmetrics", "--file"])
            .arg(&om_file),
    );
    let om = std::fs::read_to_string(&om_file).unwrap();
    for cell in [1usize, 2] {
        let needle = format!("level=\"slurm\",cell=\"{cell}\"}}");
        let per_node: Vec<f64> = om
            .lines()
            .filter(|l| l.starts_with("jumper_cell_cpu_seconds{") && l.contains(&needle))
            .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(per_node.len(), 2, "{needle}: {om}");
        let sum: f64 = per_node.iter().sum();
        let want = cells[cell]["cpu_time_s"].as_f64().unwrap();
        assert!(
            (sum - want).abs() < 1e-6,
            "cell {cell}: {sum} vs report {want}"
        );
    }
    if on_path("promtool") {
        promtool_backfill(&om_file, &tmp.join("blocks"));
    } else {
        assert!(
            !ci(),
            "promtool missing: install with tests/cluster/setup.sh"
        );
    }

    // --per-node shows each node's row under each cell.
    let out = jumper_ok(Command::new(jumper_path()).arg("report").arg(&job).args([
        "--level",
        "slurm",
        "--per-node",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("node n1").count(), 3, "{text}");
    assert_eq!(text.matches("node n2").count(), 3, "{text}");
    assert!(text.contains("error bound"), "{text}");
}
