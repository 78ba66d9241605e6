//! Runs all levels in a hot loop for profiling (`perf record`).
#![allow(clippy::unwrap_used, missing_docs)]
use jumper_data::{Level, SampleKind};
use jumper_monitor::{Collector, CollectorConfig};
fn main() {
    let mut cfg = CollectorConfig::system(
        vec![Level::Process, Level::User, Level::System],
        Some(std::process::id()),
    );
    cfg.uid = 65534;
    let mut c = Collector::new(cfg, None).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < 3.0 {
        std::hint::black_box(c.collect(SampleKind::Tick));
        n += 1;
    }
    println!(
        "{:.2} us per sample",
        t.elapsed().as_secs_f64() / n as f64 * 1e6
    );
}
