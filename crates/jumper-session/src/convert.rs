//! JUmPER 0.3.x's I/O columns, converted to JUmPER 0.4.1's meanings.
//!
//! JUmPER 0.3.x stored, for `io_read_count`, `io_write_count`, `io_read` and `io_write`,
//! the *cumulative* total of the level's processes divided by the seconds since the level's
//! previous sample, and for the first sample divided by the `perf_counter` value itself
//! (bug 5 of reference/jumper-py.md §12). Those are not rates. JUmPER 0.4.1 stores rates:
//! the difference of the cumulative counters over the last interval divided by its length,
//! 0 on the first sample. The conversion undoes the division and takes differences:
//!
//! ```text
//! cumulative[0] = value[0] × time[0]
//! cumulative[i] = value[i] × (time[i] − time[i−1])
//! rate[0]       = 0
//! rate[i]       = max(0, cumulative[i] − cumulative[i−1]) / (time[i] − time[i−1])
//! ```
//!
//! The clamp at 0 is 0.4.1's: when a process of the level exits its counters leave the sum
//! and the difference goes negative. The divisor JUmPER used is the actual spacing of the
//! rows in the file (it divided by `time_mark − last_timestamp` of the same table), so the
//! cumulative totals come back exactly, up to floating-point rounding, whenever the file
//! holds every sample the level took (a JUmPER export always does). A row whose divisor is
//! not positive (duplicate times, which JUmPER itself could not have written) has no
//! recoverable total: its rate and the next row's are 0.

use jumper_data::PerfFrame;

/// Converts a frame read from a JUmPER 0.3.x perf file, in place: its four I/O columns
/// become rates per second over the last interval (see the [module docs](self)). Rows must
/// be in time order (as [`perf_from_text`](jumper_data::io::perf_from_text) returns them);
/// nothing else changes.
///
/// ```
/// use jumper_data::{Level, PerfFrame, PerfRow};
/// use jumper_session::convert::jumper_py03_io_to_rates;
///
/// // 1000 bytes written by t = 10 s, 1500 by t = 10.5 s, as JUmPER 0.3.x stored them.
/// let row = |time: f64, io_write: f64| PerfRow { time, io_write, ..PerfRow::default() };
/// let mut f = PerfFrame {
///     level: Level::Process,
///     num_cpus: 1,
///     num_gpus: 0,
///     rows: vec![row(10.0, 1000.0 / 10.0), row(10.5, 1500.0 / 0.5)],
/// };
/// jumper_py03_io_to_rates(&mut f);
/// assert_eq!(f.rows[0].io_write, 0.0);
/// assert_eq!(f.rows[1].io_write, 1000.0); // 500 bytes in 0.5 s
/// ```
pub fn jumper_py03_io_to_rates(frame: &mut PerfFrame) {
    // (time, cumulative totals if recoverable) of the previous row.
    let mut prev: Option<(f64, Option<[f64; 4]>)> = None;
    for r in &mut frame.rows {
        let divisor = match prev {
            Some((t, _)) => r.time - t,
            None => r.time,
        };
        let stored = [r.io_read_count, r.io_write_count, r.io_read, r.io_write];
        let cumulative = (divisor > 0.0).then(|| stored.map(|v| v * divisor));
        let rates = match (prev, cumulative) {
            (Some((t, Some(before))), Some(now)) if r.time > t => {
                let dt = r.time - t;
                [0, 1, 2, 3].map(|k| (now[k] - before[k]).max(0.0) / dt)
            }
            _ => [0.0; 4],
        };
        [r.io_read_count, r.io_write_count, r.io_read, r.io_write] = rates;
        prev = Some((r.time, cumulative));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_data::{Level, PerfRow};

    fn frame(rows: &[(f64, [f64; 4])]) -> PerfFrame {
        PerfFrame {
            level: Level::User,
            num_cpus: 1,
            num_gpus: 0,
            rows: rows
                .iter()
                .map(|&(time, io)| PerfRow {
                    time,
                    io_read_count: io[0],
                    io_write_count: io[1],
                    io_read: io[2],
                    io_write: io[3],
                    memory: 1.5,
                    ..PerfRow::default()
                })
                .collect(),
        }
    }

    fn io(f: &PerfFrame) -> Vec<[f64; 4]> {
        f.rows
            .iter()
            .map(|r| [r.io_read_count, r.io_write_count, r.io_read, r.io_write])
            .collect()
    }

    #[test]
    fn undoes_the_division_and_takes_differences() {
        // Cumulative totals 100/10/4096/0 at t=4, then +50 ops and +1 MiB in 0.5 s, then a
        // process exits (totals drop), then +20 read ops in 0.25 s.
        let cum = [
            [100.0, 10.0, 4096.0, 0.0],
            [150.0, 10.0, 4096.0 + 1048576.0, 0.0],
            [120.0, 10.0, 4096.0, 0.0],
            [140.0, 10.0, 4096.0, 0.0],
        ];
        let times = [4.0, 4.5, 5.0, 5.25];
        let rows: Vec<(f64, [f64; 4])> = (0..4)
            .map(|i| {
                let div = if i == 0 {
                    times[0]
                } else {
                    times[i] - times[i - 1]
                };
                (times[i], cum[i].map(|c| c / div))
            })
            .collect();
        let mut f = frame(&rows);
        jumper_py03_io_to_rates(&mut f);
        let got = io(&f);
        assert_eq!(got[0], [0.0; 4]);
        assert_eq!(got[1], [100.0, 0.0, 2097152.0, 0.0]);
        assert_eq!(got[2], [0.0; 4], "negative differences clamp to 0");
        assert_eq!(got[3], [80.0, 0.0, 0.0, 0.0]);
        assert!(
            f.rows.iter().all(|r| r.memory == 1.5),
            "other columns untouched"
        );
    }

    #[test]
    fn rows_without_a_recoverable_total_read_zero() {
        let mut f = frame(&[
            (1.0, [10.0; 4]),
            (1.0, [99.0; 4]),
            (2.0, [20.0; 4]),
            (3.0, [30.0; 4]),
        ]);
        jumper_py03_io_to_rates(&mut f);
        let got = io(&f);
        assert_eq!(got[1], [0.0; 4]);
        assert_eq!(got[2], [0.0; 4], "the previous total is unknown");
        assert_eq!(got[3], [10.0; 4]);
        let mut empty = frame(&[]);
        jumper_py03_io_to_rates(&mut empty);
        assert!(empty.rows.is_empty());
    }
}
