//! The sampler is never counted in the process level, even when it watches its own process.
//! (Its own test binary: other tests' children would be reaped into this process.)
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use jumper_data::{Level, SampleKind, Window};
use jumper_monitor::{Monitor, MonitorOptions};

#[test]
fn sampler_is_not_counted_when_watching_its_own_process() {
    let mut o = MonitorOptions::new(0.002);
    o.levels = vec![Level::Process];
    o.gpu = jumper_monitor::Gpus::None;
    let mut m = Monitor::start(o).unwrap();
    m.set_root(Some(std::process::id())).unwrap();
    let t0 = m.sample_now(SampleKind::CellStart).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let t1 = m.sample_now(SampleKind::CellEnd).unwrap();
    let info = m.stop();
    let f = m.frame(Level::Process).unwrap();
    let st = f.window_stats(Window { start: t0, end: t1 }, 0.002);
    // The sampler works hard at 2 ms; the idle host process must not show that work.
    assert!(info.own_cpu_s > 0.0);
    assert!(
        st.cpu_time_s < info.own_cpu_s.max(0.02),
        "process {} own {}",
        st.cpu_time_s,
        info.own_cpu_s
    );
}
