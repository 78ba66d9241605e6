//! Cost of one sample at each level on this machine (criterion).
//!
//! `cargo bench -p jumper-monitor --bench sample_cost`; the process count is printed first,
//! since the process and user levels scale with it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_data::{Level, SampleKind};
use jumper_monitor::{Collector, CollectorConfig};

fn collector(levels: Vec<Level>) -> Collector {
    let cfg = CollectorConfig::system(levels, Some(std::process::id()));
    Collector::new(cfg, None).unwrap()
}

fn bench(c: &mut Criterion) {
    let procs = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .count();
    println!(
        "processes on this machine: {procs}; CPUs: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut g = c.benchmark_group("one_sample");
    for (name, levels) in [
        ("process", vec![Level::Process]),
        ("user", vec![Level::User]),
        ("system", vec![Level::System]),
        (
            "all_levels",
            vec![Level::Process, Level::User, Level::System],
        ),
    ] {
        let mut col = collector(levels);
        g.bench_function(name, |b| b.iter(|| col.collect(SampleKind::Tick)));
    }
    // The usual case on a shared machine: the user owns a few of the machine's processes
    // (here `nobody`, uid 65534), so only those and the process tree are re-read each tick.
    let mut cfg = CollectorConfig::system(
        vec![Level::Process, Level::User, Level::System],
        Some(std::process::id()),
    );
    cfg.uid = 65534;
    let mut col = Collector::new(cfg, None).unwrap();
    g.bench_function("all_levels_user_with_few_processes", |b| {
        b.iter(|| col.collect(SampleKind::Tick))
    });
    let mut col = collector(vec![Level::Process, Level::User, Level::System]);
    g.bench_function("all_levels_cell_boundary", |b| {
        b.iter(|| col.collect(SampleKind::CellEnd))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
