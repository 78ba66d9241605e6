//! `run_command` on the real machine: orphans, daemons and many short children are counted,
//! against ground truth measured by the kernel (the rusage of everything this test process
//! reaped, which with the subreaper includes the orphans) and by the processes themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::sync::Mutex;

use jumper_core::run::{run_command, CommandRun, RunOptions};
use jumper_core::{Level, PerfmonitorService};
use serde_json::Value;

/// The tests share this process's children accounting and its subreaper role: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// CPU seconds of all children this process has reaped (`RUSAGE_CHILDREN`).
fn children_cpu() -> f64 {
    // SAFETY: getrusage writes into the struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

struct Ran {
    run: CommandRun,
    report: Value,
    /// CPU seconds of the whole reaped tree, from the kernel.
    truth_cpu: f64,
}

fn run(cmd: &str, cgroup: bool, kill: bool) -> Ran {
    let mut service = PerfmonitorService::builder()
        .interval(0.1)
        .levels(vec![Level::Process])
        .gpu(jumper_core::Gpus::None)
        .root_pid(None)
        .build()
        .unwrap();
    service.start_monitoring().unwrap();
    let before = children_cpu();
    let argv: Vec<String> = ["sh", "-c", cmd].iter().map(|s| s.to_string()).collect();
    let opts = RunOptions::default().cgroup(cgroup).kill_leftovers(kill);
    let run = run_command(&mut service, &argv, &opts).unwrap();
    let truth_cpu = children_cpu() - before;
    service.stop_monitoring().unwrap();
    let report: Value = serde_json::from_str(
        &service
            .report_json(jumper_core::Cells::Last, Level::Process)
            .unwrap(),
    )
    .unwrap();
    let info = service.monitor_info().unwrap();
    if cgroup && info.process_source != "tree" {
        // The cgroup is gone once monitoring stopped.
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        assert!(!own.contains("jumper-"), "{own}");
    } else {
        assert_eq!(info.process_source, "tree");
    }
    Ran {
        run,
        report,
        truth_cpu,
    }
}

fn cpu(r: &Ran) -> f64 {
    r.report["metrics"]["cpu_time_s"]["total"].as_f64().unwrap()
}

fn scratch() -> tempfile::TempDir {
    // Not tmpfs: written bytes must reach the storage layer.
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn read_f64(p: &Path) -> f64 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

/// No child of this process is left, alive or zombie.
fn no_children_left() {
    let me = std::process::id();
    let kids = jumper_monitor_children(me);
    assert!(kids.is_empty(), "children left: {kids:?}");
}

fn jumper_monitor_children(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        if f.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            out.push(format!("{} {}", e.file_name().to_string_lossy(), f[0]));
        }
    }
    out
}

/// A burner that the shell orphans at once (`(burner &)`): it is reparented to jumper, and
/// the command waits until jumper has reaped it (a zombie still answers `kill -0`).
fn orphan_burner_case(cgroup: bool) {
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
    let r = run(&cmd, cgroup, false);
    let own = read_f64(&truth);
    let got = cpu(&r);
    eprintln!(
        "orphan (cgroup {cgroup}): jumper {got:.3} s, burner's own {own:.3} s, whole tree {:.3} s",
        r.truth_cpu
    );
    assert!(own >= 0.5);
    assert!(
        got >= 0.95 * own,
        "jumper {got} s < 95 % of the burner's {own} s"
    );
    assert!(
        (got - r.truth_cpu).abs() <= 0.05 * r.truth_cpu + 0.02,
        "jumper {got} s, the reaped tree {} s",
        r.truth_cpu
    );
    assert!(r.run.leftovers.is_empty(), "{:?}", r.run.leftovers);
    no_children_left();
}

#[test]
fn an_orphaned_burner_is_counted_from_the_tree() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    orphan_burner_case(false);
}

#[test]
fn an_orphaned_burner_is_counted_with_a_cgroup_where_the_host_allows() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    orphan_burner_case(true);
}

/// A double-forked daemon (fork, setsid, fork) writes 10 MiB with fsync; its own
/// `/proc/self/io` write_bytes at exit is the truth.
#[test]
fn a_double_forked_daemon_writing_10_mib_is_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let d = scratch();
    let data = d.path().join("data");
    let truth = d.path().join("truth");
    let pidf = d.path().join("pid");
    let daemon = format!(
        "import os\nif os.fork(): os._exit(0)\nos.setsid()\nif os.fork(): os._exit(0)\nopen('{pid}.tmp','w').write(str(os.getpid()))\nos.rename('{pid}.tmp','{pid}')\nf=open('{data}','wb')\nfor _ in range(10): f.write(os.urandom(1<<20)); f.flush(); os.fsync(f.fileno())\nf.close()\nio=dict(l.split(': ') for l in open('/proc/self/io').read().splitlines())\nopen('{truth}','w').write(io['write_bytes'])",
        pid = pidf.display(),
        data = data.display(),
        truth = truth.display()
    );
    let cmd = format!(
        "python3 -c \"{daemon}\"; while [ ! -s {pid} ]; do sleep 0.01; done; n=0; while kill -0 $(cat {pid}) 2>/dev/null && [ $n -lt 200 ]; do n=$((n+1)); sleep 0.05; done",
        pid = pidf.display()
    );
    for cgroup in [false, true] {
        let r = run(&cmd, cgroup, false);
        let wrote = read_f64(&truth);
        let mib = r.report["metrics"]["io_write_mib"]["total"]
            .as_f64()
            .unwrap();
        let got = mib * 1024.0 * 1024.0;
        eprintln!(
            "daemon (cgroup {cgroup}): jumper {got:.0} B written, daemon's own write_bytes {wrote:.0} B"
        );
        assert!(wrote >= 10.0 * 1024.0 * 1024.0, "{wrote}");
        assert!(
            got >= wrote && got <= wrote * 1.05 + 1e6,
            "jumper {got} B, daemon {wrote} B"
        );
        std::fs::remove_file(&pidf).unwrap();
        no_children_left();
    }
}

/// 200 short children: the CPU of the reaped tree (kernel rusage) within 5 % (+ 20 ms).
#[test]
fn two_hundred_short_children_match_the_reaped_tree() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cmd = "i=0; while [ $i -lt 200 ]; do sh -c 'j=0; while [ $j -lt 300 ]; do j=$((j+1)); done'; i=$((i+1)); done";
    for cgroup in [false, true] {
        let r = run(cmd, cgroup, false);
        let got = cpu(&r);
        eprintln!(
            "200 children (cgroup {cgroup}): jumper {got:.3} s, reaped tree {:.3} s",
            r.truth_cpu
        );
        assert!(r.truth_cpu > 0.1, "{}", r.truth_cpu);
        assert!(
            (got - r.truth_cpu).abs() <= 0.05 * r.truth_cpu + 0.02,
            "jumper {got} s, the reaped tree {} s",
            r.truth_cpu
        );
        no_children_left();
    }
}

/// What outlives the command is named, and `kill_leftovers` ends it (nothing left over, no
/// zombie).
#[test]
fn leftovers_are_named_and_killed_on_request() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = run("(sleep 30 &); (sleep 31 &); sleep 0.3", true, true);
    let mut cmds: Vec<&str> = r.run.leftovers.iter().map(|l| l.command.as_str()).collect();
    cmds.sort_unstable();
    assert_eq!(cmds, ["sleep 30", "sleep 31"]);
    let line = r.run.leftovers_line().unwrap();
    assert!(
        line.starts_with("2 processes of the tree outlived the command: pid "),
        "{line}"
    );
    for l in &r.run.leftovers {
        assert!(
            !Path::new(&format!("/proc/{}", l.pid)).exists(),
            "{} still there",
            l.pid
        );
    }
    assert_eq!(
        r.report["leftovers"],
        Value::Null,
        "the service's own report has no leftovers (the frontend's writer adds them)"
    );
    no_children_left();

    // Without the option they are named and left running (this test ends them).
    let r = run("(sleep 32 &); sleep 0.3", true, false);
    assert_eq!(r.run.leftovers.len(), 1);
    let pid = r.run.leftovers[0].pid;
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    jumper_core::run::kill_processes(&[pid], std::time::Duration::from_millis(200));
    no_children_left();
}
