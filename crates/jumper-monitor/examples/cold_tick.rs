//! Measures the CPU cost of one sample per level when ticks are 10 ms apart (cold caches),
//! beside the cost of the wake-up itself.
#![allow(clippy::unwrap_used, missing_docs)]
use jumper_data::{time::thread_cpu_s, Level, SampleKind};
use jumper_monitor::{Collector, CollectorConfig};

fn main() {
    let me = Some(std::process::id());
    for levels in [
        vec![Level::Process],
        vec![Level::User],
        vec![Level::System],
        vec![Level::Process, Level::User, Level::System],
    ] {
        let mut c = Collector::new(CollectorConfig::system(levels.clone(), me), None).unwrap();
        let (mut work, n) = (0.0, 300);
        let c0 = thread_cpu_s();
        for _ in 0..n {
            std::thread::sleep(std::time::Duration::from_millis(10));
            let a = thread_cpu_s();
            c.collect(SampleKind::Tick);
            work += thread_cpu_s() - a;
        }
        let total = thread_cpu_s() - c0;
        println!(
            "{levels:?}: sample {:.1} us, tick incl. wake {:.1} us",
            work / n as f64 * 1e6,
            total / n as f64 * 1e6
        );
    }
}
