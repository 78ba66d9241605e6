//! The derived per-sample table (JUmPER's columns) and statistics over a time window.

use serde::Serialize;

use crate::{CellRecord, Level, LevelSample, SampleKind, GIB};

/// Raw cumulative counters carried along a derived row (absent in JUmPER's own exports).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct RawCounters {
    /// Cumulative CPU seconds.
    pub cpu_time: f64,
    /// Cumulative storage bytes read.
    pub io_read_bytes: f64,
    /// Cumulative storage bytes written.
    pub io_write_bytes: f64,
    /// Cumulative read operations.
    pub io_read_ops: f64,
    /// Cumulative write operations.
    pub io_write_ops: f64,
}

impl RawCounters {
    /// What is added to the counters of rows that continue a table (a monitor started again)
    /// whose last counters are `last`, when the continuation's first counters are `first`:
    /// a counter that fell (its processes are gone, the monitor is new) continues from
    /// `last`, one that went on is left as it is; with `reset` (another process is measured)
    /// every counter continues from `last`.
    pub fn continuation(last: RawCounters, first: RawCounters, reset: bool) -> RawCounters {
        let off = |a: f64, b: f64| if reset || b < a { a } else { 0.0 };
        RawCounters {
            cpu_time: off(last.cpu_time, first.cpu_time),
            io_read_bytes: off(last.io_read_bytes, first.io_read_bytes),
            io_write_bytes: off(last.io_write_bytes, first.io_write_bytes),
            io_read_ops: off(last.io_read_ops, first.io_read_ops),
            io_write_ops: off(last.io_write_ops, first.io_write_ops),
        }
    }

    /// Adds `o` to every counter.
    pub fn shift(&mut self, o: RawCounters) {
        self.cpu_time += o.cpu_time;
        self.io_read_bytes += o.io_read_bytes;
        self.io_write_bytes += o.io_write_bytes;
        self.io_read_ops += o.io_read_ops;
        self.io_write_ops += o.io_write_ops;
    }
}

/// One derived row: JUmPER 0.4.1 column meanings.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PerfRow {
    /// Monotonic seconds.
    pub time: f64,
    /// Epoch seconds, when known.
    pub wallclock: Option<f64>,
    /// Seconds since the previous row (0 for the first).
    pub dt: f64,
    /// Memory in GiB.
    pub memory: f64,
    /// Read operations per second over the last interval.
    pub io_read_count: f64,
    /// Write operations per second over the last interval.
    pub io_write_count: f64,
    /// Bytes read per second over the last interval.
    pub io_read: f64,
    /// Bytes written per second over the last interval.
    pub io_write: f64,
    /// CPU utilisation in percent of the level's CPUs.
    pub cpu_util_avg: f64,
    /// Lowest per-core utilisation.
    pub cpu_util_min: f64,
    /// Highest per-core utilisation.
    pub cpu_util_max: f64,
    /// Per-core utilisation (replicated from the average below system level, as JUmPER does).
    pub cpu_util: Vec<f64>,
    /// Per-GPU utilisation in percent.
    pub gpu_util: Vec<f64>,
    /// Per-GPU memory-bandwidth utilisation in percent.
    pub gpu_band: Vec<f64>,
    /// Per-GPU used memory in GiB.
    pub gpu_mem: Vec<f64>,
    /// Raw counters, when the row comes from jumper's own samples.
    pub raw: Option<RawCounters>,
    /// Why the sample was taken, when known.
    pub kind: Option<SampleKind>,
    /// Processes covered, when known.
    pub nprocs: Option<u32>,
}

fn stats(v: &[f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let sum: f64 = v.iter().sum();
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (sum / v.len() as f64, min, max)
}

impl PerfRow {
    /// `(avg, min, max)` across GPUs of utilisation.
    pub fn gpu_util_summary(&self) -> (f64, f64, f64) {
        stats(&self.gpu_util)
    }
    /// `(avg, min, max)` across GPUs of bandwidth utilisation.
    pub fn gpu_band_summary(&self) -> (f64, f64, f64) {
        stats(&self.gpu_band)
    }
    /// `(avg, min, max)` across GPUs of used memory (GiB).
    pub fn gpu_mem_summary(&self) -> (f64, f64, f64) {
        stats(&self.gpu_mem)
    }
}

/// The derived table of one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerfFrame {
    /// The level.
    pub level: Level,
    /// CPUs the utilisation is relative to.
    pub num_cpus: usize,
    /// Number of GPUs (0: no GPU columns).
    pub num_gpus: usize,
    /// Rows in time order.
    pub rows: Vec<PerfRow>,
}

/// A time window `[start, end]` in monotonic seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Start (inclusive).
    pub start: f64,
    /// End (inclusive).
    pub end: f64,
}

impl Window {
    /// From the first cell's start to the last cell's end, idle gaps included (as JUmPER).
    pub fn of_cells(cells: &[CellRecord]) -> Option<Window> {
        Some(Window {
            start: cells.first()?.start_time,
            end: cells.last()?.end_time,
        })
    }
}

impl PerfFrame {
    /// Derives utilisation and rates from raw samples.
    ///
    /// `num_cpus` is what 100 % means for the level. Row values are clamped to [0, 100]:
    /// CPU time is counted in clock ticks, so a row only milliseconds long (a cell boundary
    /// right after a tick) could otherwise claim impossible utilisation.
    pub fn from_samples(level: Level, num_cpus: usize, samples: &[LevelSample]) -> PerfFrame {
        let num_cpus = num_cpus.max(1);
        let num_gpus = samples.iter().map(|s| s.gpus.len()).max().unwrap_or(0);
        let mut rows = Vec::with_capacity(samples.len());
        let mut prev: Option<&LevelSample> = None;
        for s in samples {
            let dt = prev.map_or(0.0, |p| s.time - p.time);
            let rate = |a: u64, b: u64| {
                if dt > 0.0 {
                    a.saturating_sub(b) as f64 / dt
                } else {
                    0.0
                }
            };
            let (avg, per_core) = match prev {
                Some(p) if dt > 0.0 => {
                    let avg = ((s.cpu_time - p.cpu_time) / dt / num_cpus as f64 * 100.0)
                        .clamp(0.0, 100.0);
                    let cores: Vec<f64> =
                        if !s.cpu_cores.is_empty() && s.cpu_cores.len() == p.cpu_cores.len() {
                            s.cpu_cores
                                .iter()
                                .zip(&p.cpu_cores)
                                .map(|(c, q)| {
                                    let busy = c[0] - q[0];
                                    let total = c[1] - q[1];
                                    if total > 0.0 {
                                        (busy / total * 100.0).clamp(0.0, 100.0)
                                    } else {
                                        0.0
                                    }
                                })
                                .collect()
                        } else {
                            vec![avg; num_cpus]
                        };
                    (avg, cores)
                }
                _ => {
                    let n = if s.cpu_cores.is_empty() {
                        num_cpus
                    } else {
                        s.cpu_cores.len()
                    };
                    (0.0, vec![0.0; n])
                }
            };
            let (_, cmin, cmax) = stats(&per_core);
            let (io_rc, io_wc, io_r, io_w) = match prev {
                Some(p) => (
                    rate(s.io.read_ops, p.io.read_ops),
                    rate(s.io.write_ops, p.io.write_ops),
                    rate(s.io.read_bytes, p.io.read_bytes),
                    rate(s.io.write_bytes, p.io.write_bytes),
                ),
                None => (0.0, 0.0, 0.0, 0.0),
            };
            let mut gpu_util = vec![0.0; num_gpus];
            let mut gpu_band = vec![0.0; num_gpus];
            let mut gpu_mem = vec![0.0; num_gpus];
            for (i, g) in s.gpus.iter().enumerate() {
                gpu_util[i] = g.util;
                gpu_band[i] = g.band;
                gpu_mem[i] = g.mem_bytes as f64 / GIB;
            }
            rows.push(PerfRow {
                time: s.time,
                wallclock: Some(s.wallclock),
                dt,
                memory: s.memory as f64 / GIB,
                io_read_count: io_rc,
                io_write_count: io_wc,
                io_read: io_r,
                io_write: io_w,
                cpu_util_avg: avg,
                cpu_util_min: cmin,
                cpu_util_max: cmax,
                cpu_util: per_core,
                gpu_util,
                gpu_band,
                gpu_mem,
                raw: Some(RawCounters {
                    cpu_time: s.cpu_time,
                    io_read_bytes: s.io.read_bytes as f64,
                    io_write_bytes: s.io.write_bytes as f64,
                    io_read_ops: s.io.read_ops as f64,
                    io_write_ops: s.io.write_ops as f64,
                }),
                kind: Some(s.kind),
                nprocs: Some(s.nprocs),
            });
            prev = Some(s);
        }
        PerfFrame {
            level,
            num_cpus,
            num_gpus,
            rows,
        }
    }

    /// The rows from row `from` on of the table [`PerfFrame::from_samples`] derives from
    /// `samples`, derived from `samples[from - 1..]` only (rates and utilisation are
    /// differences, so row `from` needs the sample before it): what a writer that appends
    /// only new rows derives. Empty when `samples` holds no row `from`.
    pub fn from_samples_from(
        level: Level,
        num_cpus: usize,
        samples: &[LevelSample],
        from: usize,
    ) -> PerfFrame {
        let start = from.saturating_sub(1).min(samples.len());
        let mut f = PerfFrame::from_samples(level, num_cpus, &samples[start..]);
        if from > 0 && !f.rows.is_empty() {
            f.rows.remove(0);
        }
        f
    }

    /// Number of per-core columns.
    pub fn num_core_columns(&self) -> usize {
        self.rows
            .first()
            .map_or(self.num_cpus, |r| r.cpu_util.len())
    }

    /// The rows whose time lies in `[start, end]`.
    pub fn rows_in(&self, w: Window) -> &[PerfRow] {
        let a = self.rows.partition_point(|r| r.time < w.start);
        let b = self.rows.partition_point(|r| r.time <= w.end);
        &self.rows[a..b.max(a)]
    }

    /// The cell each row falls in (`[start, end]` of a cell), for the `cell_index` column.
    pub fn cell_indices(&self, cells: &[CellRecord]) -> Vec<Option<usize>> {
        let mut out = Vec::with_capacity(self.rows.len());
        let mut ci = 0;
        for r in &self.rows {
            while ci < cells.len() && cells[ci].end_time < r.time {
                ci += 1;
            }
            out.push(
                cells
                    .get(ci)
                    .filter(|c| c.start_time <= r.time && r.time <= c.end_time)
                    .map(|c| c.cell_index),
            );
        }
        out
    }

    /// The cumulative counters at time `t`: a row's own at `t`, else linearly interpolated
    /// between the rows on either side of it (the counters grow at an unknown pace between
    /// two samples; a straight line errs by at most that interval's increase). `None` when
    /// `t` lies outside the rows or a row it needs carries no counters (JUmPER's exports).
    pub fn raw_at(&self, t: f64) -> Option<RawCounters> {
        let i = self.rows.partition_point(|r| r.time < t);
        let next = self.rows.get(i)?;
        let b = next.raw?;
        if next.time == t {
            return Some(b);
        }
        let prev = self.rows.get(i.checked_sub(1)?)?;
        let a = prev.raw?;
        let span = next.time - prev.time;
        if span <= 0.0 {
            return Some(b);
        }
        let f = (t - prev.time) / span;
        let at = |x: f64, y: f64| x + (y - x) * f;
        Some(RawCounters {
            cpu_time: at(a.cpu_time, b.cpu_time),
            io_read_bytes: at(a.io_read_bytes, b.io_read_bytes),
            io_write_bytes: at(a.io_write_bytes, b.io_write_bytes),
            io_read_ops: at(a.io_read_ops, b.io_read_ops),
            io_write_ops: at(a.io_write_ops, b.io_write_ops),
        })
    }

    /// Statistics over a window; see [`WindowStats`].
    pub fn window_stats(&self, w: Window, interval: f64) -> WindowStats {
        WindowStats::compute(self, w, interval)
    }
}

/// `avg / min / max` of one metric over a window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Summary {
    /// Average.
    pub avg: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

/// Everything a report says about one level over one window.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WindowStats {
    /// Rows in the window.
    pub samples: usize,
    /// CPU utilisation in percent of the level's CPUs. With raw counters the average is exact
    /// (CPU seconds over elapsed seconds); without them it is the mean of the rows, as JUmPER.
    pub cpu_util: Summary,
    /// CPU seconds spent in the window.
    pub cpu_time_s: f64,
    /// Memory in GiB.
    pub memory_gib: Summary,
    /// Bytes read in the window.
    pub io_read_bytes: f64,
    /// Bytes written in the window.
    pub io_write_bytes: f64,
    /// Read operations in the window.
    pub io_read_ops: f64,
    /// Write operations in the window.
    pub io_write_ops: f64,
    /// Whether the totals come from cumulative counters (exact) or from integrated rates.
    pub exact_totals: bool,
    /// GPU utilisation across GPUs, when there are GPUs.
    pub gpu_util: Option<Summary>,
    /// GPU bandwidth utilisation across GPUs.
    pub gpu_band: Option<Summary>,
    /// GPU used memory (GiB, average across GPUs).
    pub gpu_mem_gib: Option<Summary>,
    /// Per-GPU `(util, mem GiB)` averages over the window.
    pub per_gpu: Vec<(Summary, Summary)>,
    /// Seconds from the window's first row to its last; the window's own length when its
    /// edges were interpolated ([`PerfFrame::raw_at`]).
    pub elapsed_s: f64,
}

fn summary(vals: impl Iterator<Item = f64>) -> Option<Summary> {
    let v: Vec<f64> = vals.collect();
    if v.is_empty() {
        return None;
    }
    let (avg, min, max) = stats(&v);
    Some(Summary { avg, min, max })
}

impl WindowStats {
    fn compute(frame: &PerfFrame, w: Window, interval: f64) -> WindowStats {
        let rows = frame.rows_in(w);
        // Counters at the window's own edges. jumper samples at every cell boundary, so in
        // its sessions these are rows; a window that was not sampled at its edges (a cell
        // joined to a node agent's samples) gets them interpolated, and its totals cover
        // exactly the window rather than the samples inside it.
        let edges = match (frame.raw_at(w.start), frame.raw_at(w.end)) {
            (Some(a), Some(b)) if w.end > w.start => Some((a, b)),
            _ => None,
        };
        // Each row describes the interval that ends at it, so the rows that describe the
        // window are those in (start, end]; the row exactly at the start belongs to the time
        // before it (for `jumper run` it even predates the command). JUmPER's rows never sit
        // exactly on a boundary, so its figures are unchanged. With interpolated edges the
        // interval the window ends in is described by the first row after it.
        let mut rate_rows: Vec<&PerfRow> = rows.iter().filter(|r| r.time > w.start).collect();
        if edges.is_some() && rows.last().is_none_or(|r| r.time < w.end) {
            let after = frame.rows.partition_point(|r| r.time <= w.end);
            rate_rows.extend(frame.rows.get(after));
        }
        let rate_rows: Vec<&PerfRow> = if rate_rows.is_empty() {
            rows.iter().collect()
        } else {
            rate_rows
        };
        // Min/max skip boundary rows only a few milliseconds long: tick-quantised CPU time
        // makes them jump between 0 and 100 %. Imported rows carry no kind and are all kept.
        let steady: Vec<&PerfRow> = rate_rows
            .iter()
            .copied()
            .filter(|r| !(r.kind.is_some_and(SampleKind::is_boundary) && r.dt < interval / 2.0))
            .collect();
        let minmax_rows = if steady.is_empty() {
            &rate_rows
        } else {
            &steady
        };

        let first = rows.first();
        let last = rows.last();
        let (elapsed, raw_pair) = match edges {
            Some(pair) => (w.end - w.start, Some(pair)),
            None => (
                match (first, last) {
                    (Some(a), Some(b)) => b.time - a.time,
                    _ => 0.0,
                },
                match (first.and_then(|r| r.raw), last.and_then(|r| r.raw)) {
                    (Some(a), Some(b)) if rows.len() >= 2 => Some((a, b)),
                    _ => None,
                },
            ),
        };

        let mut cpu = summary(minmax_rows.iter().map(|r| r.cpu_util_avg)).unwrap_or_default();
        let (cpu_time_s, io, exact) = match raw_pair {
            Some((a, b)) => {
                let cpu_s = (b.cpu_time - a.cpu_time).max(0.0);
                if elapsed > 0.0 {
                    cpu.avg = (cpu_s / elapsed / frame.num_cpus as f64 * 100.0).clamp(0.0, 100.0);
                }
                (
                    cpu_s,
                    [
                        (b.io_read_bytes - a.io_read_bytes).max(0.0),
                        (b.io_write_bytes - a.io_write_bytes).max(0.0),
                        (b.io_read_ops - a.io_read_ops).max(0.0),
                        (b.io_write_ops - a.io_write_ops).max(0.0),
                    ],
                    true,
                )
            }
            None => {
                cpu.avg = summary(rate_rows.iter().map(|r| r.cpu_util_avg))
                    .unwrap_or_default()
                    .avg;
                let integ = |f: &dyn Fn(&PerfRow) -> f64| -> f64 {
                    rate_rows.iter().map(|r| f(r) * r.dt).sum()
                };
                (
                    integ(&|r| r.cpu_util_avg / 100.0 * frame.num_cpus as f64),
                    [
                        integ(&|r| r.io_read),
                        integ(&|r| r.io_write),
                        integ(&|r| r.io_read_count),
                        integ(&|r| r.io_write_count),
                    ],
                    false,
                )
            }
        };
        // The exact average covers the whole window; the sampled rows may all be short or miss
        // a burst between ticks. The window's own average is a value the level had over it, so
        // MIN <= AVG <= MAX always holds in a report.
        cpu.min = cpu.min.min(cpu.avg);
        cpu.max = cpu.max.max(cpu.avg);
        let has_gpu = frame.num_gpus > 0;
        let per_gpu = (0..frame.num_gpus)
            .map(|g| {
                (
                    summary(rate_rows.iter().filter_map(|r| r.gpu_util.get(g).copied()))
                        .unwrap_or_default(),
                    summary(rate_rows.iter().filter_map(|r| r.gpu_mem.get(g).copied()))
                        .unwrap_or_default(),
                )
            })
            .collect();
        WindowStats {
            samples: rows.len(),
            cpu_util: cpu,
            cpu_time_s,
            memory_gib: summary(rate_rows.iter().map(|r| r.memory)).unwrap_or_default(),
            io_read_bytes: io[0],
            io_write_bytes: io[1],
            io_read_ops: io[2],
            io_write_ops: io[3],
            exact_totals: exact,
            gpu_util: has_gpu
                .then(|| summary(rate_rows.iter().map(|r| r.gpu_util_summary().0)))
                .flatten(),
            gpu_band: has_gpu
                .then(|| summary(rate_rows.iter().map(|r| r.gpu_band_summary().0)))
                .flatten(),
            gpu_mem_gib: has_gpu
                .then(|| summary(rate_rows.iter().map(|r| r.gpu_mem_summary().0)))
                .flatten(),
            per_gpu,
            elapsed_s: elapsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IoCounters;

    fn s(t: f64, cpu: f64, mem_gib: f64, wb: u64, kind: SampleKind) -> LevelSample {
        LevelSample {
            time: t,
            wallclock: 1000.0 + t,
            kind,
            cpu_time: cpu,
            memory: (mem_gib * GIB) as u64,
            io: IoCounters {
                write_bytes: wb,
                write_ops: wb / 4096,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn derives_utilisation_and_rates_from_counters() {
        let samples = vec![
            s(0.0, 0.0, 1.0, 0, SampleKind::CellStart),
            s(1.0, 1.0, 2.0, 4096 * 10, SampleKind::Tick),
            s(2.0, 1.5, 3.0, 4096 * 30, SampleKind::CellEnd),
        ];
        let f = PerfFrame::from_samples(Level::Process, 2, &samples);
        assert_eq!(f.rows[0].cpu_util_avg, 0.0);
        assert_eq!(f.rows[1].cpu_util_avg, 50.0);
        assert_eq!(f.rows[2].cpu_util_avg, 25.0);
        assert_eq!(f.rows[1].cpu_util, vec![50.0, 50.0]);
        assert_eq!(f.rows[2].io_write, 4096.0 * 20.0);
        let st = f.window_stats(
            Window {
                start: 0.0,
                end: 2.0,
            },
            1.0,
        );
        assert_eq!(st.cpu_time_s, 1.5);
        assert!((st.cpu_util.avg - 37.5).abs() < 1e-9);
        assert_eq!(st.cpu_util.max, 50.0);
        assert_eq!(st.cpu_util.min, 25.0);
        assert_eq!(st.memory_gib.max, 3.0);
        assert_eq!(
            st.memory_gib.min, 2.0,
            "the start row describes the time before"
        );
        assert_eq!(st.io_write_bytes, 4096.0 * 30.0);
        assert!(st.exact_totals);
    }

    #[test]
    fn a_window_between_samples_gets_its_counters_interpolated_at_its_edges() {
        // 1, 2 and 3 CPU s per second in the three intervals; 1 MiB written per second.
        let samples = vec![
            s(0.0, 0.0, 1.0, 0, SampleKind::Tick),
            s(1.0, 1.0, 2.0, 1 << 20, SampleKind::Tick),
            s(2.0, 3.0, 5.0, 2 << 20, SampleKind::Tick),
            s(3.0, 6.0, 4.0, 3 << 20, SampleKind::Tick),
        ];
        let f = PerfFrame::from_samples(Level::Process, 4, &samples);
        let at = f.raw_at(2.25).unwrap();
        assert!((at.cpu_time - 3.75).abs() < 1e-12);
        assert_eq!(f.raw_at(1.0).unwrap().cpu_time, 1.0, "a row's own counters");
        assert!(f.raw_at(-0.1).is_none() && f.raw_at(3.1).is_none());

        let st = f.window_stats(
            Window {
                start: 0.5,
                end: 2.25,
            },
            1.0,
        );
        assert!((st.cpu_time_s - 3.25).abs() < 1e-12, "{}", st.cpu_time_s);
        assert!((st.elapsed_s - 1.75).abs() < 1e-12);
        assert!((st.io_write_bytes - 1.75 * (1 << 20) as f64).abs() < 1e-6);
        assert!((st.cpu_util.avg - 3.25 / 1.75 / 4.0 * 100.0).abs() < 1e-9);
        // The gauges of the intervals it overlaps: (0, 1], (1, 2], (2, 3].
        assert_eq!(st.memory_gib.max, 5.0);
        assert_eq!(st.memory_gib.min, 2.0);
        assert!(st.exact_totals);

        // A window inside one interval: its share of that interval, its gauges.
        let st = f.window_stats(
            Window {
                start: 1.2,
                end: 1.4,
            },
            1.0,
        );
        assert!((st.cpu_time_s - 0.4).abs() < 1e-12, "{}", st.cpu_time_s);
        assert_eq!(st.memory_gib.max, 5.0);

        // Past the last row there is nothing to interpolate: the rows inside are all there is.
        let st = f.window_stats(
            Window {
                start: 2.5,
                end: 9.0,
            },
            1.0,
        );
        assert!(!st.exact_totals);
        assert_eq!(st.samples, 1);
    }

    #[test]
    fn system_level_uses_per_core_busy_over_total() {
        let mut a = s(0.0, 0.0, 1.0, 0, SampleKind::Tick);
        a.cpu_cores = vec![[0.0, 0.0], [0.0, 0.0]];
        let mut b = s(1.0, 1.2, 1.0, 0, SampleKind::Tick);
        b.cpu_cores = vec![[1.0, 1.0], [0.2, 1.0]];
        let f = PerfFrame::from_samples(Level::System, 2, &[a, b]);
        assert_eq!(f.rows[1].cpu_util[0], 100.0);
        assert!((f.rows[1].cpu_util[1] - 20.0).abs() < 1e-9);
        assert_eq!(f.rows[1].cpu_util_max, 100.0);
        assert!((f.rows[1].cpu_util_avg - 60.0).abs() < 1e-9);
    }

    #[test]
    fn short_boundary_rows_do_not_set_extremes() {
        let samples = vec![
            s(0.0, 0.0, 1.0, 0, SampleKind::Tick),
            s(0.1, 0.05, 1.0, 0, SampleKind::Tick),
            // 2 ms later a clock tick lands: 0.01 s in 0.002 s would read 500 %.
            s(0.102, 0.06, 1.0, 0, SampleKind::CellEnd),
        ];
        let f = PerfFrame::from_samples(Level::Process, 1, &samples);
        assert_eq!(f.rows[2].cpu_util_avg, 100.0);
        let st = f.window_stats(
            Window {
                start: 0.0,
                end: 0.102,
            },
            0.1,
        );
        // Not the 100 % of the 2 ms row; at least the window's exact average (0.06 s / 0.102 s).
        assert!((st.cpu_util.avg - 0.06 / 0.102 * 100.0).abs() < 1e-9);
        assert_eq!(st.cpu_util.max, st.cpu_util.avg);
        assert_eq!(st.cpu_util.min, 50.0);
    }

    #[test]
    fn maps_rows_to_cells() {
        let samples: Vec<_> = (0..6)
            .map(|i| s(i as f64, 0.0, 0.0, 0, SampleKind::Tick))
            .collect();
        let f = PerfFrame::from_samples(Level::User, 1, &samples);
        let cells = vec![
            CellRecord {
                cell_index: 0,
                start_time: 0.5,
                end_time: 2.0,
                ..Default::default()
            },
            CellRecord {
                cell_index: 1,
                start_time: 3.5,
                end_time: 4.0,
                ..Default::default()
            },
        ];
        assert_eq!(
            f.cell_indices(&cells),
            vec![None, Some(0), Some(0), None, Some(1), None]
        );
        assert_eq!(f.rows_in(Window::of_cells(&cells).unwrap()).len(), 4);
    }
}
