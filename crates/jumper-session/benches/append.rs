//! What a periodic save of a running session costs an hour in (BENCHMARKS.md, "SLURM agents"):
//! `jumper agent` saves its node's session every 10 s. Writing the whole session each time
//! costs what the hour costs, and grows with it; appending costs what the last 10 s cost.
//!
//! Session: the slurm and system levels at 10 Hz (36,000 samples each, 2 cores), no cells.
//! - `whole`: derive both tables and `export_session` them (the agent's save before);
//! - `append_10s`: `Appender::update` with 100 new samples per level (the save now), the rows
//!   derived from the samples as a monitor's `frame_from` does.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_data::test_support::synthetic_samples;
use jumper_data::{Level, LevelSample, MonitorInfo, PerfFrame};
use jumper_session::{export_session, Appender, Session, Update};

const HOUR: usize = 36_000;
const STEP: usize = 100;
const STEPS: usize = 300;
const INTERVAL: f64 = 0.1;
const LEVELS: [Level; 2] = [Level::Slurm, Level::System];

fn frame_from(samples: &[LevelSample], n: usize, level: Level, from: usize) -> PerfFrame {
    PerfFrame::from_samples_from(level, 2, &samples[..n], from)
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let samples = synthetic_samples(HOUR + STEP * STEPS, INTERVAL, 2, 0, 11);
    let info = MonitorInfo {
        interval: INTERVAL,
        num_cpus: 2,
        num_system_cpus: 2,
        levels: LEVELS.to_vec(),
        ..MonitorInfo::default()
    };
    let meta = Session::new(&info, &LEVELS, &[], &[]);
    let mut g = c.benchmark_group("save_after_1h_10hz_2_levels");
    g.sample_size(10);
    let whole_dir = tmp.path().join("whole");
    g.bench_function("whole", |b| {
        b.iter(|| {
            let frames: Vec<PerfFrame> = LEVELS
                .iter()
                .map(|&l| PerfFrame::from_samples(l, 2, &samples[..HOUR]))
                .collect();
            export_session(&Session::new(&info, &LEVELS, &frames, &[]), &whole_dir).unwrap()
        })
    });
    let dir = tmp.path().join("append");
    let fresh = || {
        let mut a = Appender::new(&dir);
        let u = a
            .update(&meta, &mut |l, from| {
                Some(frame_from(&samples, HOUR, l, from))
            })
            .unwrap();
        assert!(matches!(u, Update::Whole(_)));
        (a, HOUR)
    };
    let mut state = fresh();
    g.bench_function("append_10s", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                if state.1 + STEP > samples.len() {
                    state = fresh();
                }
                let n = state.1 + STEP;
                let t = Instant::now();
                let u = state
                    .0
                    .update(&meta, &mut |l, from| Some(frame_from(&samples, n, l, from)))
                    .unwrap();
                spent += t.elapsed();
                assert_eq!(u, Update::Appended { rows: 2 * STEP });
                state.1 = n;
            }
            spent
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
