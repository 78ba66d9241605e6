#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Dashboard cost for a long session: one hour at 10 Hz (36,000 ticks plus 240 cell-boundary
//! samples per level), 4 levels (system with 8 cores), 120 cells.
//! Targets: written in under 1 s, under 2 MB.
//!
//! `cargo bench -p jumper-viz --bench dashboard` prints the file size once, then criterion's
//! timings for rendering alone and for rendering plus the atomic write.

#[path = "../tests/dashboard_support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_data::Level;
use jumper_viz::dashboard::{render_dashboard, write_dashboard, DashboardInput};
use support::{session, Spec};

fn dashboard(c: &mut Criterion) {
    let s = session(&Spec {
        ticks: 36_000,
        cells: 120,
        levels: vec![Level::Process, Level::User, Level::System, Level::Slurm],
        cores: 8,
        gpus: 0,
        interval: 0.1,
    });
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info).with_title("1 h at 10 Hz");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard.html");
    let summary = write_dashboard(&input, &path).unwrap();
    eprintln!(
        "dashboard: {} bytes ({:.2} MB); per level samples -> points: {}",
        summary.bytes,
        summary.bytes as f64 / 1e6,
        summary
            .levels
            .iter()
            .map(|l| format!("{} {} -> {}", l.level, l.samples, l.points))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let mut g = c.benchmark_group("dashboard_1h_10hz_4_levels_120_cells");
    g.sample_size(10);
    g.bench_function("render", |b| {
        b.iter(|| render_dashboard(&input).unwrap().len())
    });
    g.bench_function("render_and_write", |b| {
        b.iter(|| write_dashboard(&input, &path).unwrap().bytes)
    });
    g.finish();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
