//! The two cost targets of the metrics exports (BENCHMARKS.md, "Metrics exports"):
//!
//! - a live `/metrics` scrape (`live_set` + `openmetrics_untimed`) with 4 levels and 8 GPUs,
//!   from a store holding 10 minutes at 10 Hz: target under 1 ms;
//! - `jumper export --format openmetrics` of a 1 h, 10 Hz, 4-node job (per node: the slurm
//!   and system levels, 36,000 samples each, 60 cells): `MetricSet::from_session` and
//!   `openmetrics` for all four nodes, target under 2 s.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jumper_data::test_support::{synthetic_cells, synthetic_samples};
use jumper_data::{CellRecord, Level, LevelSample, MonitorInfo, PerfFrame, SampleStore};
use jumper_metrics::serve::live_set;
use jumper_metrics::{openmetrics, openmetrics_untimed, Input, MetricSet, Target};

const INTERVAL: f64 = 0.1;

fn samples(n: usize, gpus: usize, node: usize) -> Vec<LevelSample> {
    synthetic_samples(n, INTERVAL, 0, gpus, node as u64)
}

fn target(node: usize) -> Target {
    Target {
        jobid: Some("4242".into()),
        step: Some("0".into()),
        node: Some(format!("n{node}")),
        cluster: Some("jt".into()),
    }
}

fn scrape(c: &mut Criterion) {
    let levels = [Level::Process, Level::User, Level::System, Level::Slurm];
    let store = SampleStore::new(&levels);
    let s = samples(6000, 8, 0);
    for sample in &s {
        store.push_tick(levels.iter().map(|&l| (l, sample.clone())).collect());
    }
    let info = MonitorInfo {
        interval: INTERVAL,
        num_cpus: 64,
        num_system_cpus: 64,
        num_gpus: 8,
        ..MonitorInfo::default()
    };
    let t = target(0);
    let text = openmetrics_untimed(&live_set(&store, &info, &t));
    assert!(text.contains("jumper_gpu_utilization_ratio{") && text.ends_with("# EOF\n"));
    c.bench_function("metrics_scrape_4_levels_8_gpus", |b| {
        b.iter(|| black_box(openmetrics_untimed(&live_set(&store, &info, &t))).len())
    });
}

fn export_job(c: &mut Criterion) {
    const NODES: usize = 4;
    const SAMPLES: usize = 36_000;
    const CELLS: usize = 60;
    let info = MonitorInfo {
        interval: INTERVAL,
        num_cpus: 64,
        num_system_cpus: 64,
        start_time: Some(1000.0),
        wallclock_start_time: Some(1.7e9 + 1000.0),
        ..MonitorInfo::default()
    };
    let cells: Vec<CellRecord> = synthetic_cells(CELLS, SAMPLES, INTERVAL, 0.99, |i| {
        format!("# %% step {i}\nrun({i})")
    });
    let nodes: Vec<(Vec<PerfFrame>, Target)> = (0..NODES)
        .map(|n| {
            let s = samples(SAMPLES, 0, n);
            (
                [Level::Slurm, Level::System]
                    .iter()
                    .map(|&l| PerfFrame::from_samples(l, 64, &s))
                    .collect(),
                target(n),
            )
        })
        .collect();
    let mut g = c.benchmark_group("metrics_export");
    g.sample_size(10);
    g.bench_function("openmetrics_1h_10hz_4_nodes", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for (frames, t) in &nodes {
                let set = MetricSet::from_session(&Input {
                    info: &info,
                    frames,
                    cells: &cells,
                    target: t,
                })
                .unwrap();
                bytes += black_box(openmetrics(&set)).len();
            }
            bytes
        })
    });
    g.finish();
}

criterion_group!(benches, scrape, export_job);
criterion_main!(benches);
