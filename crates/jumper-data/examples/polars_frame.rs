//! Prints a small perf table and cell history as polars DataFrames.
//!
//! `cargo run -p jumper-data --features polars --example polars_frame`

use jumper_data::polars::polars::prelude::PolarsError;
use jumper_data::polars::{history_dataframe, perf_dataframe};
use jumper_data::{CellHistory, CellStatus, IoCounters, Level, LevelSample, PerfFrame, GIB};

fn main() -> Result<(), PolarsError> {
    // Six process-level samples, 0.5 s apart: one busy second of CPU and some writes.
    let samples: Vec<LevelSample> = (0..6u32)
        .map(|i| {
            let t = 100.0 + 0.5 * f64::from(i);
            LevelSample {
                time: t,
                wallclock: 1_700_000_000.0 + t,
                cpu_time: 0.4 * f64::from(i.min(3)),
                memory: (0.25 * GIB) as u64 + 4096 * u64::from(i),
                io: IoCounters {
                    write_bytes: 65_536 * u64::from(i),
                    write_ops: 16 * u64::from(i),
                    ..Default::default()
                },
                nprocs: 1,
                ..Default::default()
            }
        })
        .collect();
    let frame = PerfFrame::from_samples(Level::Process, 1, &samples);

    let mut history = CellHistory::new();
    history.begin("x = heavy()", vec![], 100.4, 1_700_000_100.4);
    history.end(101.6, 1_700_000_101.6, CellStatus::Ok, None);
    history.begin(
        "%perfmonitor_perfreport",
        vec!["perfmonitor_perfreport".into()],
        101.9,
        1_700_000_101.9,
    );
    history.end(
        102.5,
        1_700_000_102.5,
        CellStatus::Failed,
        Some("KeyboardInterrupt".into()),
    );

    println!("{}", perf_dataframe(&frame, history.cells())?);
    println!("{}", history_dataframe(history.cells())?);
    Ok(())
}
