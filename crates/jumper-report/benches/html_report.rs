//! Cost of a whole-session report: `Report::new` (window, analyzer, and every cell measured
//! on its own) plus the HTML render, for one hour at 10 Hz (36,000 samples) in 120 cells.
//!
//! `cargo bench -p jumper-report --bench html_report`. Target: under 50 ms together.
//! `window_only` is the whole-window part alone (what a report cost before the per-cell
//! table), so `report_new - window_only` is the price of measuring each cell.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_data::analyzer::classify;
use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, MonitorInfo, PerfFrame,
    SampleKind, Thresholds, Window, GIB,
};
use jumper_report::{HtmlRenderer, MarkdownRenderer, Renderer, Report};

const SAMPLES: usize = 36_000;
const INTERVAL: f64 = 0.1;
const CELLS: usize = 120;

/// One hour at 10 Hz on 4 CPUs: each cell has its own CPU load, memory and I/O pattern, so
/// the cells get different tags; every seventh cell fails.
fn session(gpus: usize) -> (PerfFrame, Vec<CellRecord>, MonitorInfo) {
    let per_cell = SAMPLES / CELLS;
    let mut cpu = 0.0;
    let mut io = IoCounters::default();
    let samples: Vec<LevelSample> = (0..SAMPLES)
        .map(|i| {
            let t = i as f64 * INTERVAL;
            let cell = i / per_cell;
            let load = [0.2, 3.5, 1.0, 2.9][cell % 4];
            if i > 0 {
                cpu += load * INTERVAL;
                io.read_bytes += (cell % 3) as u64 * 100_000;
                io.write_bytes += (cell % 5) as u64 * 250_000;
                io.read_ops += (cell % 3) as u64;
                io.write_ops += (cell % 5) as u64 * 2;
            }
            let memory = (1.0 + (cell % 6) as f64 + (i % per_cell) as f64 / per_cell as f64) * GIB;
            LevelSample {
                time: t,
                wallclock: 1.7e9 + t,
                kind: match i % per_cell {
                    0 => SampleKind::CellStart,
                    n if n == per_cell - 1 => SampleKind::CellEnd,
                    _ => SampleKind::Tick,
                },
                cpu_time: cpu,
                memory: memory as u64,
                io,
                gpus: (0..gpus)
                    .map(|g| GpuReading {
                        util: ((cell + g) % 4) as f64 * 30.0,
                        band: 10.0,
                        mem_bytes: ((cell % 3) as f64 * 3.0 * GIB) as u64,
                    })
                    .collect(),
                nprocs: 3,
                ..Default::default()
            }
        })
        .collect();
    let frame = PerfFrame::from_samples(Level::Process, 4, &samples);
    let cells = (0..CELLS)
        .map(|c| {
            let start = (c * per_cell) as f64 * INTERVAL;
            let end = ((c + 1) * per_cell - 1) as f64 * INTERVAL;
            let failed = c % 7 == 6;
            CellRecord {
                cell_index: c,
                raw_cell: format!("# cell {c}\nresult = train(model, data[{c}])\nprint(result)"),
                start_time: start,
                end_time: end,
                duration: end - start,
                status: if failed {
                    CellStatus::Failed
                } else {
                    CellStatus::Ok
                },
                error: failed.then(|| format!("RuntimeError: <cell {c}> diverged")),
                ..Default::default()
            }
        })
        .collect();
    let info = MonitorInfo {
        interval: INTERVAL,
        num_cpus: 4,
        num_system_cpus: 4,
        num_gpus: gpus,
        gpu_memory: 16.0,
        memory_limits: [("process".to_string(), 8.0)].into_iter().collect(),
        ..Default::default()
    };
    (frame, cells, info)
}

fn bench(c: &mut Criterion) {
    let th = Thresholds::default();
    let mut g = c.benchmark_group("session_36000_samples_120_cells");
    for gpus in [0, 2] {
        let (frame, cells, info) = session(gpus);
        let report = Report::new(&frame, &cells, &info, &th).unwrap();
        let html = HtmlRenderer::default().render(&report);
        println!(
            "{gpus} GPUs: {} samples, {} cells, HTML {} bytes",
            report.stats.samples,
            report.per_cell.len(),
            html.len()
        );
        g.bench_function(format!("report_new_and_html/{gpus}_gpus"), |b| {
            b.iter(|| {
                let r = Report::new(black_box(&frame), black_box(&cells), &info, &th).unwrap();
                black_box(HtmlRenderer::default().render(&r))
            })
        });
        g.bench_function(format!("report_new/{gpus}_gpus"), |b| {
            b.iter(|| Report::new(black_box(&frame), black_box(&cells), &info, &th).unwrap())
        });
        // What Report::new cost before it measured every cell: the whole window only.
        let window = Window::of_cells(&cells).unwrap();
        let limit = info.memory_limit(Level::Process);
        let gpu_limit = (gpus > 0).then_some(info.gpu_memory);
        g.bench_function(format!("window_only/{gpus}_gpus"), |b| {
            b.iter(|| {
                let st = frame.window_stats(black_box(window), INTERVAL);
                classify(&st, frame.rows_in(window), limit, gpu_limit, &th)
            })
        });
        g.bench_function(format!("html_render/{gpus}_gpus"), |b| {
            b.iter(|| HtmlRenderer::default().render(black_box(&report)))
        });
        g.bench_function(format!("markdown_render/{gpus}_gpus"), |b| {
            b.iter(|| MarkdownRenderer::default().render(black_box(&report)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
