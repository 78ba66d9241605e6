//! The sampler on this machine against ground truth: known CPU burns and allocations.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

use jumper_data::{Level, SampleKind, Window};
use jumper_monitor::process::wait_exit_keep_zombie;
use jumper_monitor::{Monitor, MonitorOptions};

fn start(interval: f64) -> Monitor {
    let mut o = MonitorOptions::new(interval);
    o.levels = vec![Level::Process, Level::User, Level::System];
    o.gpu = jumper_monitor::Gpus::None;
    Monitor::start(o).unwrap()
}

/// Reaps child `pid` and returns its CPU seconds with its reaped descendants (`wait4`).
fn reap_with_rusage(pid: u32) -> f64 {
    let mut status = 0;
    // SAFETY: wait4 writes the status and the rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut ru) };
    assert_eq!(rc, pid as libc::pid_t);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[test]
fn burn_is_counted_within_5_percent_and_sampler_keeps_cadence() {
    let mut m = start(0.05);
    let t0 = m.sample_now(SampleKind::CellStart).unwrap();
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import time\nt=time.process_time()\nwhile time.process_time()-t<0.6: pass",
        ])
        .spawn()
        .unwrap();
    m.set_root(Some(child.id())).unwrap();
    wait_exit_keep_zombie(child.id()).unwrap();
    let t1 = m.sample_now(SampleKind::CellEnd).unwrap();
    let truth = reap_with_rusage(child.id());
    let _ = child.wait();
    let info = m.stop();
    let f = m.frame(Level::Process).unwrap();
    let st = f.window_stats(Window { start: t0, end: t1 }, 0.05);
    // The truth is the kernel's: `python3` may be a wrapper (a pyenv shim costs ~0.16 s of
    // CPU before the 0.6 s burn), so no constant bounds it.
    assert!(truth >= 0.6, "{truth}");
    assert!(
        (st.cpu_time_s - truth).abs() <= 0.05 * truth,
        "jumper {} s, kernel rusage {truth} s",
        st.cpu_time_s
    );
    assert!(st.samples >= 4, "{}", st.samples);
    assert!(info.ticks >= 4);
    assert!(info.own_cpu_s > 0.0 && info.own_cpu_s < (t1 - t0));
    // Data stays readable after stop; the sampler is gone.
    assert!(m.sample_now(SampleKind::Tick).is_err());
    assert!(m.store().len(Level::System) >= 4);
}

#[test]
fn rejects_bad_intervals() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = Monitor::start(MonitorOptions::new(bad))
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with("invalid interval"), "{err}");
    }
}

#[test]
fn frame_from_a_row_is_the_tail_of_the_whole_frame() {
    // An appending writer derives only the new rows: they must be the rows the whole table
    // has there, rates and utilisation included (each needs the sample before it).
    let mut m = start(0.02);
    std::thread::sleep(std::time::Duration::from_millis(300));
    m.stop();
    for level in [Level::User, Level::System] {
        let whole = m.frame(level).unwrap();
        let n = whole.rows.len();
        assert!(n >= 5, "{level}: {n} rows");
        for from in [0, 1, 2, n / 2, n - 1, n, n + 3] {
            let tail = m.frame_from(level, from).unwrap();
            assert_eq!(
                tail.rows,
                whole.rows[from.min(n)..],
                "{level} from row {from}"
            );
            assert_eq!(tail.num_cpus, whole.num_cpus);
        }
    }
    assert!(m.frame_from(Level::Slurm, 0).is_none());
}

/// The kernel's own flag tells kernel threads apart (the user level leaves them out): the
/// kernel thread daemon, where this machine shows it, is one; this test process is not.
#[test]
fn kernel_threads_are_told_apart_on_this_machine() {
    let read = |pid: &str| {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        jumper_monitor::procfs::parse_stat(0, &text)
    };
    assert!(!read("self").unwrap().kernel_thread);
    // In a PID namespace PID 2 can be anyone: check only where it is kthreadd.
    if std::fs::read_to_string("/proc/2/comm").is_ok_and(|c| c.trim() == "kthreadd") {
        assert!(read("2").unwrap().kernel_thread);
    }
}
