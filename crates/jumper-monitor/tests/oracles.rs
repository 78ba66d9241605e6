//! jumper's readings on this machine against two independent readers of the same kernel
//! figures, `procfs` and `sysinfo`, and against the kernel's own accounting of a child
//! (`wait4` rusage) where there is one.
//!
//! Why the tolerances are fair:
//! - **Counts and totals** (CPUs, affinity, `MemTotal`) do not move while a test runs: exact.
//! - **A process's CPU time**: the child is blocked on its stdin while it is read, so it
//!   accrues nothing between readers; every reader converts the same clock ticks of
//!   `/proc/PID/stat`, so they agree to one tick (sysinfo rounds down to a millisecond). Ground
//!   truth is the child's own `CLOCK_PROCESS_CPUTIME_ID`, read by the child just before it
//!   blocks: `stat` truncates its `utime` and `stime` each to whole ticks, so jumper is at
//!   most two ticks (20 ms at USER_HZ 100) below it and never above. `wait4` rusage, read after the child exits, also
//!   counts the exit (unmapping 256 MiB costs tens of ms of system time), so it is only a floor:
//!   jumper is never more than a tick above it.
//! - **A process's RSS**: the same idle child; `stat` (jumper, procfs) and `statm` (sysinfo)
//!   read the kernel's per-CPU-batched RSS counters, which may lag by a batch per CPU:
//!   1 MiB + 1 %. Ground truth: the child wrote every page of 256 MiB, so RSS ≥ 256 MiB, and at
//!   most that plus the test binary's own few MiB (64 MiB allowed).
//! - **System memory in use** moves with everything else on the machine (other builds), so
//!   jumper is read before and after each oracle, and the oracle must lie within that bracket
//!   ± 4 MiB; a busy moment is retried (up to 50 times), never widened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jumper_data::{Level, LevelSample, SampleKind};
use jumper_monitor::{Collector, CollectorConfig, Resources};
use procfs::prelude::*;
use sysinfo::{CpuRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

const MIB: u64 = 1 << 20;
const CHILD_ENV: &str = "JUMPER_ORACLE_CHILD";
const CHILD_BYTES: u64 = 256 * MIB;
const CHILD_BURN_S: f64 = 0.3;

/// One level's sample from a fresh collector (a cold first read, as at a cell start).
fn jumper_sample(level: Level, root: Option<u32>) -> LevelSample {
    let mut c = Collector::new(CollectorConfig::system(vec![level], root), None).unwrap();
    c.collect(SampleKind::Tick)
        .into_iter()
        .find(|(l, _)| *l == level)
        .map(|(_, s)| s)
        .unwrap()
}

fn this_process_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Not a test of its own: the child the oracle test starts (this binary again, with
/// `JUMPER_ORACLE_CHILD` set). Writes every page of 256 MiB, burns 0.3 s of CPU, says
/// `ready SECONDS` with its own CPU time, then blocks on stdin until it is closed.
#[test]
#[ignore = "the child process of process_rss_and_cpu_time_agree_with_procfs_sysinfo_and_wait4"]
fn oracle_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let mut v = vec![0u8; CHILD_BYTES as usize];
    for i in (0..v.len()).step_by(4096) {
        v[i] = 1;
    }
    let mut x = 0u64;
    while this_process_cpu_s() < CHILD_BURN_S {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
    }
    std::hint::black_box((&v, x));
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {}", this_process_cpu_s()).unwrap();
    out.flush().unwrap();
    let mut line = String::new();
    while std::io::stdin().read_line(&mut line).unwrap() > 0 {}
    std::hint::black_box(&v);
}

/// Kills the child if the test fails before reaping it.
struct Reap(Option<Child>);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn process_rss_and_cpu_time_agree_with_procfs_sysinfo_and_wait4() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "oracle_child", "--nocapture"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut guard = Reap(Some(child));
    // libtest prints its own lines first ("running 1 test"); wait for ours.
    let mut out = BufReader::new(stdout);
    let child_cpu: f64 = (&mut out)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.split_once("ready ")?.1.trim().parse().ok())
        .expect("the oracle child never got ready");
    assert!(child_cpu >= CHILD_BURN_S);

    let ours = jumper_sample(Level::Process, Some(pid));
    let p = procfs::process::Process::new(pid as i32)
        .unwrap()
        .stat()
        .unwrap();
    let tick = 1.0 / procfs::ticks_per_second() as f64;
    let procfs_cpu = (p.utime + p.stime) as f64 * tick;
    let procfs_rss = p.rss * procfs::page_size();
    let mut sys = System::new().unwrap();
    let spid = Pid::from_u32(pid);
    sys.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[spid]),
        true,
        ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .without_tasks(),
    );
    let sp = sys.process(spid).unwrap();
    let sysinfo_cpu = sp.accumulated_cpu_time() as f64 / 1000.0;
    let sysinfo_rss = sp.memory();

    // One process: the child (its threads are not processes).
    assert_eq!(ours.nprocs, 1, "{ours:?}");
    // CPU time: one tick between readers of the same ticks; sysinfo rounds down to 1 ms.
    // The child's own clock: utime and stime, each in whole ticks, are at most two ticks below.
    assert!(
        ours.cpu_time <= child_cpu + 1e-9 && child_cpu - ours.cpu_time <= 2.0 * tick + 1e-9,
        "jumper {} s, the child's own clock {child_cpu} s",
        ours.cpu_time
    );
    assert!(
        (ours.cpu_time - procfs_cpu).abs() <= tick + 1e-9,
        "jumper {} s, procfs {procfs_cpu} s",
        ours.cpu_time
    );
    assert!(
        (ours.cpu_time - sysinfo_cpu).abs() <= tick + 0.001 + 1e-9,
        "jumper {} s, sysinfo {sysinfo_cpu} s",
        ours.cpu_time
    );
    // RSS: the 256 MiB the child wrote, plus the binary's own few MiB.
    assert!(
        ours.memory >= CHILD_BYTES && ours.memory <= CHILD_BYTES + 64 * MIB,
        "jumper RSS {} MiB",
        ours.memory / MIB
    );
    for (name, rss) in [("procfs", procfs_rss), ("sysinfo", sysinfo_rss)] {
        let tol = MIB + ours.memory / 100;
        assert!(
            ours.memory.abs_diff(rss) <= tol,
            "jumper RSS {} B, {name} {rss} B (tolerance {tol} B)",
            ours.memory
        );
    }

    // The kernel's own total for the child, once it has exited.
    drop(stdin);
    // Read what the child's harness still prints, so that it can finish and exit 0.
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped; status and ru are valid for writes.
    let rc = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut ru) };
    assert_eq!(rc, pid as i32);
    if let Some(mut c) = guard.0.take() {
        // Reaped above: only drop the handle's pipes.
        let _ = c.stdout.take();
    }
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the oracle child failed (wait status {status}): {rest}"
    );
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    let rusage_cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
    assert!(
        rusage_cpu >= child_cpu && ours.cpu_time <= rusage_cpu + tick,
        "jumper {} s, the child's clock {child_cpu} s, wait4 {rusage_cpu} s",
        ours.cpu_time
    );
    // ru_maxrss is in KiB: the peak is at least what jumper saw.
    assert!(ru.ru_maxrss as u64 * 1024 + MIB >= ours.memory);
}

#[test]
fn system_memory_agrees_with_procfs_and_sysinfo() {
    let res = Resources::detect(Path::new("/proc"), Path::new("/sys/fs/cgroup"), vec![]);
    let mi = procfs::Meminfo::current().unwrap();
    let mut sys = System::new().unwrap();
    sys.refresh_memory();
    assert_eq!(res.memory_total, mi.mem_total);
    assert_eq!(res.memory_total, sys.total_memory());

    let slack = 4 * MIB;
    let mut attempts = Vec::new();
    for _ in 0..50 {
        let before = jumper_sample(Level::System, None).memory;
        let mi = procfs::Meminfo::current().unwrap();
        let procfs_used = mi.mem_total - mi.mem_available.unwrap();
        sys.refresh_memory();
        let sysinfo_used = sys.used_memory();
        let after = jumper_sample(Level::System, None).memory;
        let (lo, hi) = (before.min(after) - slack, before.max(after) + slack);
        if (lo..=hi).contains(&procfs_used) && (lo..=hi).contains(&sysinfo_used) {
            return;
        }
        attempts.push((before, procfs_used, sysinfo_used, after));
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "system memory in use never agreed within {slack} B in 50 tries \
         (jumper before, procfs, sysinfo, jumper after): {attempts:?}"
    );
}

#[test]
fn cpu_counts_agree_with_procfs_and_sysinfo() {
    let res = Resources::detect(Path::new("/proc"), Path::new("/sys/fs/cgroup"), vec![]);
    // CPUs of the machine: /proc/stat's per-CPU lines (jumper, and procfs's KernelStats),
    // /proc/cpuinfo's processors (procfs), and sysinfo's CPU list.
    let ks = procfs::KernelStats::current().unwrap();
    assert_eq!(res.num_system_cpus, ks.cpu_time.len());
    let ci = procfs::CpuInfo::current().unwrap();
    assert_eq!(res.num_system_cpus, ci.num_cores());
    let mut sys = System::new().unwrap();
    sys.refresh_cpu_list(CpuRefreshKind::nothing());
    assert_eq!(res.num_system_cpus, sys.cpus().len());
    // The system level has one core series per CPU.
    assert_eq!(
        jumper_sample(Level::System, None).cpu_cores.len(),
        res.num_system_cpus
    );

    // The affinity mask (sched_getaffinity) against /proc/self/status's Cpus_allowed_list.
    let allowed = procfs::process::Process::myself()
        .unwrap()
        .status()
        .unwrap()
        .cpus_allowed_list
        .unwrap();
    let listed: Vec<usize> = allowed
        .iter()
        .flat_map(|&(a, b)| a as usize..=b as usize)
        .collect();
    assert_eq!(res.cpu_affinity, listed);
    assert_eq!(res.num_cpus, listed.len());
}
