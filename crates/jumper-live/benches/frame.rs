//! One frame of the live view with 1,000 cells and 500 processes (target: under 2 ms), drawn
//! into ratatui's test backend at a large terminal size: sorting, filtering, layout and
//! every widget, as the view does at each refresh.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_core::tree::ProcessRow;
use jumper_core::{CellMetrics, CellStatus, Level};
use jumper_live::snapshot::{CellRow, HeaderInfo, LevelView, Mode, RowStatus, Snapshot};
use jumper_live::{Display, Key, MockDisplay, Trend, ViewState};

fn snapshot() -> Snapshot {
    let level = |l: Level| LevelView {
        level: l,
        cpus: 64,
        cpu: 42.0,
        per_core: if l == Level::System {
            vec![40.0; 64]
        } else {
            Vec::new()
        },
        cpu_history: (0..240).map(|i| f64::from(i % 100)).collect(),
        memory_gib: 12.0,
        memory_limit_gib: Some(256.0),
        read_bps: 1e6,
        write_bps: 2e6,
        gpus: vec![(50.0, 10.0); 4],
        cpu_peak: 99.0,
        memory_peak_gib: 13.0,
        cpu_trend: Trend::Rising,
        memory_trend: Trend::Steady,
    };
    Snapshot {
        header: HeaderInfo {
            target: "python3 train.py --epochs 100".into(),
            pid: Some(4242),
            mode: Mode::Replay,
            uptime_s: 3600.0,
            wallclock: 1.7e9,
            clock: "12:00:00 UTC".into(),
            interval_s: 0.1,
            samples: 36_000,
            missed: 0,
            own_cpu_s: 3.0,
            levels: vec![Level::Process, Level::User, Level::System, Level::Slurm],
            gpus: 4,
            monitoring: true,
        },
        levels: [Level::Process, Level::User, Level::System, Level::Slurm]
            .into_iter()
            .map(level)
            .collect(),
        cells_level: Some(Level::Process),
        cells: (0..1000)
            .map(|i| CellRow {
                index: i,
                status: if i == 999 {
                    RowStatus::Running
                } else {
                    RowStatus::Done(CellStatus::Ok)
                },
                title: format!("step_{i}(data, model)"),
                duration_s: (i % 37) as f64 * 0.3,
                metrics: Some(CellMetrics {
                    cpu_util_avg: (i % 100) as f64,
                    cpu_util_max: 100.0,
                    cpu_time_s: i as f64 * 0.1,
                    memory_peak_gib: 1.0,
                    io_read_mib: 2.0,
                    io_write_mib: 3.0,
                    gpu_util_avg: Some(50.0),
                    gpu_mem_peak_gib: Some(8.0),
                }),
                tags: vec!["cpu-bound".into()],
            })
            .collect(),
        processes: (0..500)
            .map(|i| ProcessRow {
                pid: 10_000 + i,
                ppid: 1,
                command: format!("python3 worker.py --rank {i}"),
                cpu_pct: f64::from(i % 200),
                cpu_s: f64::from(i),
                rss_bytes: u64::from(i) << 20,
                read_bps: Some(1e3),
                write_bps: Some(2e3),
                age_s: 100.0,
            })
            .collect(),
        output: (0..200).map(|i| format!("epoch {i} loss 0.{i}")).collect(),
        output_file: Some("jumper-output.log".into()),
        finished: None,
    }
}

fn frame(c: &mut Criterion) {
    let snap = snapshot();
    for (name, tab) in [("cells", false), ("processes", true)] {
        let mut d = MockDisplay::new(200, 60);
        let mut state = ViewState::new(Mode::Replay, 10, true);
        if tab {
            state.handle(Key::Tab, None);
        }
        // Sorted by CPU: every frame sorts all rows.
        state.handle(Key::Char('s'), None);
        c.bench_function(&format!("frame_1000_cells_500_processes_{name}"), |b| {
            b.iter(|| {
                d.draw(&mut |f| jumper_live::ui::draw(f, &snap, &mut state))
                    .unwrap();
            })
        });
    }
}

/// One snapshot of the collector an hour into a run at 0.1 s: 36,000 samples of each of
/// three levels, 99 finished cells and one running. What the view pays per frame for the
/// data (the finished cells' rows are made once; the running cell's row, the gauges and the
/// sparklines are made at every frame).
fn collect_after_an_hour(c: &mut Criterion) {
    use jumper_core::{Feed, FeedState, SampleStore};
    use jumper_data::test_support::{synthetic_cells, synthetic_samples};
    use jumper_live::collector::{Collector, CollectorOptions};
    let n = 36_000;
    let levels = [Level::Process, Level::User, Level::System];
    let store = SampleStore::new(&levels);
    let samples = synthetic_samples(n, 0.1, 2, 0, 1);
    for s in &samples {
        store.push_tick(levels.iter().map(|l| (*l, s.clone())).collect());
    }
    let mut cells = synthetic_cells(100, n, 0.1, 0.9, |i| format!("step({i})\nx = {i}"));
    let running = cells.pop();
    let mut state = FeedState::default();
    state.info = Some(jumper_core::MonitorInfo {
        interval: 0.1,
        num_cpus: 2,
        num_system_cpus: 2,
        levels: levels.to_vec(),
        ..Default::default()
    });
    state.titles = vec![String::new(); cells.len()];
    state.cells = cells;
    state.running = running;
    state.levels = levels.to_vec();
    state.monitoring = true;
    state.generation = 1;
    let mut collector = Collector::new(
        Feed::fixed(store, state),
        CollectorOptions {
            process_every_s: 1e9,
            ..CollectorOptions::default()
        },
    );
    let first = collector.collect(Some(Level::Process));
    assert_eq!(first.cells.len(), 100);
    assert_eq!(first.header.samples, n);
    c.bench_function("collect_after_an_hour_at_0.1s", |b| {
        b.iter(|| collector.collect(Some(Level::Process)))
    });
}

criterion_group!(benches, frame, collect_after_an_hour);
criterion_main!(benches);
