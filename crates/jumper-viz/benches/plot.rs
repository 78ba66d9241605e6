//! Static plot cost: one hour at 10 Hz (36,000 samples), 120 cells, the whole range.
//!
//! Target: a 4-panel PNG (cpu_summary, memory, io_read, io_write) in under 1 s.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jumper_data::{CellRange, CellRecord, Level, MonitorInfo, PerfFrame, PerfRow};
use jumper_viz::catalog::MIB;
use jumper_viz::{plot, Metric, PlotSpec};

const SAMPLES: usize = 36_000;
const CELLS: usize = 120;
const INTERVAL: f64 = 0.1;

/// A deterministic, busy-looking hour: waves, noise and rare spikes.
fn frame() -> PerfFrame {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 1000.0
    };
    let rows = (0..SAMPLES)
        .map(|i| {
            let t = i as f64 * INTERVAL;
            let base = 50.0 + 40.0 * (t / 37.0).sin();
            let cpu = if i % 4999 == 0 {
                100.0
            } else {
                (base + 10.0 * noise()).min(100.0)
            };
            let cores: Vec<f64> = (0..8)
                .map(|_| (cpu + 20.0 * noise() - 10.0).clamp(0.0, 100.0))
                .collect();
            PerfRow {
                time: t,
                dt: INTERVAL,
                memory: 2.0 + (t / 600.0) + 0.1 * noise(),
                io_read: if i % 97 == 0 {
                    200.0 * MIB
                } else {
                    MIB * noise()
                },
                io_write: 20.0 * MIB * noise(),
                io_read_count: 100.0 * noise(),
                io_write_count: 50.0 * noise(),
                cpu_util_avg: cpu,
                cpu_util_min: cores.iter().copied().fold(f64::INFINITY, f64::min),
                cpu_util_max: cores.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                cpu_util: cores,
                ..Default::default()
            }
        })
        .collect();
    PerfFrame {
        level: Level::User,
        num_cpus: 8,
        num_gpus: 0,
        rows,
    }
}

/// 120 cells of 28 s, each followed by 2 s idle.
fn cells() -> Vec<CellRecord> {
    (0..CELLS)
        .map(|i| {
            let a = i as f64 * 30.0;
            CellRecord {
                cell_index: i,
                start_time: a,
                end_time: a + 28.0,
                duration: 28.0,
                ..Default::default()
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let frame = frame();
    let cells = cells();
    let mut info = MonitorInfo {
        interval: INTERVAL,
        ..Default::default()
    };
    info.memory_limits.insert("user".into(), 16.0);
    let spec = PlotSpec {
        metrics: vec![
            Metric::CpuSummary,
            Metric::Memory,
            Metric::IoRead,
            Metric::IoWrite,
        ],
        range: Some(CellRange::all()),
        ..Default::default()
    };

    let mut g = c.benchmark_group("plot_1h_10hz_120_cells");
    g.sample_size(10);
    g.bench_function("prepare", |b| {
        b.iter(|| plot(black_box(&frame), &cells, &info, &spec).unwrap())
    });
    g.bench_function("png_4_panels", |b| {
        b.iter(|| {
            plot(black_box(&frame), &cells, &info, &spec)
                .unwrap()
                .to_png()
                .unwrap()
        })
    });
    let fig = plot(&frame, &cells, &info, &spec).unwrap();
    g.bench_function("draw_rgb_only", |b| b.iter(|| fig.to_rgb().unwrap()));
    g.bench_function("svg_4_panels", |b| b.iter(|| fig.to_svg().unwrap()));
    g.bench_function("jpeg_4_panels", |b| b.iter(|| fig.to_jpeg().unwrap()));
    let per_core = PlotSpec {
        metrics: vec![Metric::Cpu],
        show_idle: true,
        ..spec.clone()
    };
    g.bench_function("png_per_core_8_cpus_idle_shown", |b| {
        b.iter(|| {
            plot(black_box(&frame), &cells, &info, &per_core)
                .unwrap()
                .to_png()
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
