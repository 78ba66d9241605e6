//! A cell's begin and end with a feed attached (a live view or a `--metrics` endpoint follows
//! the service), in a history of 5,000 to 7,000 cells: publishing must not copy the whole
//! history each time (it did: ~0.4-0.7 ms per cell at that size).
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use jumper_core::{CellStatus, Feed, PerfmonitorService};

const CODE: &str = "x = compute_something(1, 2, 3)\nprint(x)\n";

fn cell(s: &mut PerfmonitorService) {
    s.begin_cell(CODE, Vec::new()).unwrap();
    s.end_cell(CellStatus::Ok, None).unwrap();
}

fn with_cells(n: usize) -> (PerfmonitorService, Feed) {
    let mut s = PerfmonitorService::builder().build().unwrap();
    let feed = s.feed();
    for _ in 0..n {
        cell(&mut s);
    }
    (s, feed)
}

fn bench(c: &mut Criterion) {
    c.bench_function("cell_with_a_feed_after_5000_cells", |b| {
        // A fresh history every 2,000 timed cells keeps its size (and memory) bounded.
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let (mut s, _feed) = with_cells(5000);
                let n = left.min(2000);
                let t = Instant::now();
                for _ in 0..n {
                    cell(&mut s);
                }
                total += t.elapsed();
                left -= n;
            }
            total
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
