//! Import cost of a large session: one hour at 10 Hz (36,000 samples per level), three
//! levels, 120 cells, as jumper exports it (JUmPER's columns plus raw counters).
//!
//! Measures `import_session` of the directory and of the zip, and `read_perf` of one
//! level's file (what `%perfmonitor_load_perfdata` does).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jumper_data::io::read_perf;
use jumper_data::test_support::{synthetic_cells, synthetic_samples};
use jumper_data::{CellRecord, Level, LevelSample, MonitorInfo, PerfFrame};
use jumper_session::{export_session, import_session, Session};

const SAMPLES: usize = 36_000;
const CELLS: usize = 120;
const INTERVAL: f64 = 0.1;
const LEVELS: [Level; 3] = [Level::User, Level::Process, Level::System];

fn samples(level: Level) -> Vec<LevelSample> {
    let cores = if level == Level::System { 2 } else { 0 };
    synthetic_samples(SAMPLES, INTERVAL, cores, 0, 0)
}

fn cells() -> Vec<CellRecord> {
    synthetic_cells(CELLS, SAMPLES, INTERVAL, 0.9, |i| {
        format!("work({i})\nprint('done, \"{i}\"')")
    })
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let monitor = MonitorInfo {
        interval: INTERVAL,
        num_cpus: 2,
        num_system_cpus: 2,
        ..MonitorInfo::default()
    };
    let frames: Vec<PerfFrame> = LEVELS
        .iter()
        .map(|&l| PerfFrame::from_samples(l, 2, &samples(l)))
        .collect();
    let cells = cells();
    let session = Session::new(&monitor, &LEVELS, &frames, &cells);
    let dir = tmp.path().join("s");
    let zip = tmp.path().join("s.zip");
    export_session(&session, &dir).unwrap();
    export_session(&session, &zip).unwrap();
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    eprintln!(
        "session: {} rows x 3 levels; perf_process.csv {} KiB, zip {} KiB",
        SAMPLES,
        size(&dir.join("perf_process.csv")) / 1024,
        size(&zip) / 1024
    );
    assert_eq!(import_session(&dir).unwrap().frames, frames);

    let mut g = c.benchmark_group("import_1h_10hz_3_levels");
    g.sample_size(10);
    g.bench_function("import_session dir", |b| {
        b.iter(|| import_session(black_box(&dir)).unwrap())
    });
    g.bench_function("import_session zip", |b| {
        b.iter(|| import_session(black_box(&zip)).unwrap())
    });
    g.bench_function("read_perf one level (csv)", |b| {
        b.iter(|| read_perf(black_box(&dir.join("perf_process.csv")), Level::Process, 2).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
