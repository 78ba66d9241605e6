//! What running a cell through an executor costs jumper, beyond the cell's own work.
//!
//! `cargo bench -p jumper-script --bench cell_overhead` prints, per executor: the time from
//! spawn to ready (interpreter start-up plus driver), and the round trip of an empty cell
//! (`pass`, `:`) — send, run, flush, result. A plain timing harness (no criterion, so this crate
//! adds nothing to the lock file); it reports the median and the 90th percentile.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use jumper_script::{spawn_executor_with, ChildIo, ExecOptions, Interpreter};

fn quiet() -> ExecOptions {
    ExecOptions::default()
        .stdin(ChildIo::Null)
        .stdout(ChildIo::Null)
        .stderr(ChildIo::Null)
}

fn summary(label: &str, mut us: Vec<f64>) {
    us.sort_by(f64::total_cmp);
    let median = us[us.len() / 2];
    let p90 = us[us.len() * 9 / 10];
    println!(
        "{label:<44} median {median:>9.1} µs   p90 {p90:>9.1} µs   (n={})",
        us.len()
    );
}

fn main() {
    let big_python: String = (0..1000).map(|i| format!("v{i} = {i}\n")).collect();
    let big_bash: String = (0..1000).map(|i| format!("v{i}={i}\n")).collect();
    for (interpreter, empty, big) in [
        (Interpreter::python3(), "pass", big_python.as_str()),
        (Interpreter::bash(), ":", big_bash.as_str()),
        (Interpreter::new("sh", vec![]), ":", ":"),
    ] {
        let name = interpreter.to_string();
        if interpreter.kind.keeps_state() {
            let starts: Vec<f64> = (0..20)
                .map(|_| {
                    let t = Instant::now();
                    let mut ex = spawn_executor_with(&interpreter, quiet()).unwrap();
                    let us = t.elapsed().as_secs_f64() * 1e6;
                    ex.shutdown().unwrap();
                    us
                })
                .collect();
            summary(&format!("{name}: start (spawn to ready)"), starts);
        }
        let mut ex = spawn_executor_with(&interpreter, quiet()).unwrap();
        let n = if interpreter.kind.keeps_state() {
            2000
        } else {
            200
        };
        for _ in 0..50 {
            ex.run_cell(empty).unwrap();
        }
        let empties: Vec<f64> = (0..n)
            .map(|_| {
                let t = Instant::now();
                let outcome = ex.run_cell(empty).unwrap();
                let us = t.elapsed().as_secs_f64() * 1e6;
                assert!(outcome.is_ok());
                us
            })
            .collect();
        summary(&format!("{name}: empty cell round trip"), empties);
        if interpreter.kind.keeps_state() {
            let bigs: Vec<f64> = (0..100)
                .map(|_| {
                    let t = Instant::now();
                    ex.run_cell(big).unwrap();
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            summary(
                &format!("{name}: 1000-line cell ({} KB)", big.len() / 1024),
                bigs,
            );
        }
        ex.shutdown().unwrap();
    }
}
