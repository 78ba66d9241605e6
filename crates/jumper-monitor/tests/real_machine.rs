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
    assert!(child.wait().unwrap().success());
    let info = m.stop();
    let f = m.frame(Level::Process).unwrap();
    let st = f.window_stats(Window { start: t0, end: t1 }, 0.05);
    // python's own start-up adds a little CPU on top of the 0.6 s burn.
    assert!(
        st.cpu_time_s > 0.6 && st.cpu_time_s < 0.6 * 1.05 + 0.08,
        "{}",
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
