//! The [`Report`] value: every number a report shows, computed once, rendered by any format.

use jumper_data::analyzer::classify;
use jumper_data::frame::{Summary, WindowStats};
use jumper_data::{
    CellHistory, CellRange, CellRecord, CellStatus, Level, MonitorInfo, PerfFrame, PerfRow, Tag,
    Thresholds, Window,
};
use serde::Serialize;

use crate::ReportError;

/// Bytes in a MiB (I/O totals are shown in MiB).
pub const MIB: f64 = 1024.0 * 1024.0;

/// What the sampler says about itself while it measured.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MonitorSummary {
    /// Requested sampling interval in seconds.
    pub interval_s: f64,
    /// CPU seconds the sampler spent on itself.
    pub own_cpu_s: f64,
    /// Ticks that came too late and were skipped.
    pub missed_ticks: u64,
    /// Where the process level's totals came from: `tree`, `cgroup v1` or `cgroup v2`.
    pub process_source: String,
    /// Peak memory of the process level's own cgroup in bytes, when one was used.
    pub process_memory_peak_bytes: Option<u64>,
}

/// One GPU over the report's window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct GpuSummary {
    /// Position of the GPU (NVML order).
    pub index: usize,
    /// Utilisation in percent.
    pub util: Summary,
    /// Memory-bandwidth utilisation in percent.
    pub band: Summary,
    /// Used memory in GiB.
    pub mem_gib: Summary,
}

/// The numbers of one cell, over that cell's own window `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CellMetrics {
    /// Average CPU utilisation in percent of the level's CPUs.
    pub cpu_util_avg: f64,
    /// Highest CPU utilisation of a sample in the cell.
    pub cpu_util_max: f64,
    /// CPU seconds spent during the cell.
    pub cpu_time_s: f64,
    /// Highest memory of a sample in the cell, GiB.
    pub memory_peak_gib: f64,
    /// MiB read during the cell.
    pub io_read_mib: f64,
    /// MiB written during the cell.
    pub io_write_mib: f64,
    /// Average GPU utilisation across GPUs in percent, when there are GPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_util_avg: Option<f64>,
    /// Highest GPU memory (average across GPUs) in GiB, when there are GPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_mem_peak_gib: Option<f64>,
}

/// One row of the per-cell summary: a cell of the selection, measured on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellSummary {
    /// The cell's index in the history.
    #[serde(rename = "cell")]
    pub cell_index: usize,
    /// The cell's source (not serialised: the cell history holds it).
    #[serde(skip)]
    pub code: String,
    /// The cell's duration in seconds.
    pub duration_s: f64,
    /// How the cell ended.
    pub status: CellStatus,
    /// The error of a failed cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Samples inside the cell's window.
    pub samples: usize,
    /// The cell's numbers; `None` when no sample lies in its window (possible in imported
    /// JUmPER data, whose sampler did not sample cell boundaries).
    #[serde(flatten)]
    pub metrics: Option<CellMetrics>,
    /// The analyzer's tags for this cell alone; empty for a "normal" cell.
    pub tags: Vec<Tag>,
}

impl CellSummary {
    /// Measures one cell over its own window of `frame`.
    fn of(
        frame: &PerfFrame,
        cell: &CellRecord,
        interval: f64,
        memory_limit_gib: Option<f64>,
        gpu_memory_gib: Option<f64>,
        thresholds: &Thresholds,
    ) -> CellSummary {
        let window = Window {
            start: cell.start_time,
            end: cell.end_time,
        };
        let rows = frame.rows_in(window);
        let (metrics, tags) = if rows.is_empty() {
            (None, Vec::new())
        } else {
            let st = frame.window_stats(window, interval);
            let gpus = frame.num_gpus > 0;
            let metrics = CellMetrics {
                cpu_util_avg: st.cpu_util.avg,
                cpu_util_max: st.cpu_util.max,
                cpu_time_s: st.cpu_time_s,
                memory_peak_gib: st.memory_gib.max,
                io_read_mib: st.io_read_bytes / MIB,
                io_write_mib: st.io_write_bytes / MIB,
                gpu_util_avg: st.gpu_util.filter(|_| gpus).map(|s| s.avg),
                gpu_mem_peak_gib: st.gpu_mem_gib.filter(|_| gpus).map(|s| s.max),
            };
            let tags = classify(&st, rows, memory_limit_gib, gpu_memory_gib, thresholds);
            (Some(metrics), tags)
        };
        CellSummary {
            cell_index: cell.cell_index,
            code: cell.raw_cell.clone(),
            duration_s: cell.duration,
            status: cell.status,
            error: cell.error.clone(),
            samples: rows.len(),
            metrics,
            tags,
        }
    }

    /// Whether the cell failed.
    pub fn failed(&self) -> bool {
        self.status == CellStatus::Failed
    }
}

/// Per-GPU summaries over the rows that describe the window: those after its start (the row
/// at the start describes the time before), or all rows when none is after it — the rule
/// [`PerfFrame::window_stats`] follows, so these agree with its aggregate GPU figures.
fn gpu_summaries(
    frame: &PerfFrame,
    rows: &[PerfRow],
    window: Window,
    stats: &WindowStats,
) -> Vec<GpuSummary> {
    if frame.num_gpus == 0 {
        return Vec::new();
    }
    let after: Vec<&PerfRow> = rows.iter().filter(|r| r.time > window.start).collect();
    let described: Vec<&PerfRow> = if after.is_empty() {
        rows.iter().collect()
    } else {
        after
    };
    (0..frame.num_gpus)
        .map(|g| {
            let (util, mem_gib) = stats.per_gpu.get(g).copied().unwrap_or_default();
            GpuSummary {
                index: g,
                util,
                band: summarize(described.iter().filter_map(|r| r.gpu_band.get(g).copied())),
                mem_gib,
            }
        })
        .collect()
}

fn summarize(values: impl Iterator<Item = f64>) -> Summary {
    let mut n = 0usize;
    let mut sum = 0.0;
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for v in values {
        n += 1;
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    if n == 0 {
        return Summary::default();
    }
    Summary {
        avg: sum / n as f64,
        min,
        max,
    }
}

/// One performance report: a level over a selection of cells.
///
/// A pure function of (frame, cells, monitor info, thresholds); renderers only format it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The level the numbers describe.
    pub level: Level,
    /// Indices of the selected cells, in order.
    pub cells: Vec<usize>,
    /// Sum of the selected cells' durations in seconds (as JUmPER: idle gaps excluded).
    pub duration_s: f64,
    /// Monotonic start of the window (the first cell's start).
    pub window_start_s: f64,
    /// Monotonic end of the window (the last cell's end).
    pub window_end_s: f64,
    /// Statistics over the window, idle gaps between cells included (as JUmPER).
    pub stats: WindowStats,
    /// CPUs the level's utilisation refers to (100 % = all of them busy).
    pub num_cpus: usize,
    /// GPUs in the data (0: no GPU rows).
    pub num_gpus: usize,
    /// The level's memory limit in GiB, when known.
    pub memory_limit_gib: Option<f64>,
    /// Memory of one GPU in GiB (JUmPER's GPU memory limit), when there are GPUs.
    pub gpu_memory_gib: Option<f64>,
    /// Bound tags from the analyzer; empty for a "normal" window.
    pub tags: Vec<Tag>,
    /// Each GPU on its own over the window (empty without GPUs).
    pub gpus: Vec<GpuSummary>,
    /// One summary per selected cell, in order, each over the cell's own window.
    pub per_cell: Vec<CellSummary>,
    /// The sampler's own figures.
    pub monitor: MonitorSummary,
    /// Processes of the tree that outlived the command, when a frontend that ran one says so
    /// (`jumper run`); `None` when nobody asked.
    pub leftovers: Option<Vec<jumper_data::Leftover>>,
    /// Whether the I/O figures are measurements. `false` for the slurm level of a session
    /// whose job cgroup had no I/O accounting (cgroup v1 has no blkio job cgroup,
    /// [`jumper_data::Origin::slurm_io_unavailable`]): its I/O counters stayed 0, and
    /// renderers show `n/a` (JSON: `null`), never 0.
    pub io_available: bool,
}

impl Report {
    /// Builds the report of `frame`'s level over `cells` (contiguous, in order).
    ///
    /// Besides the window's figures it measures every cell on its own ([`Report::per_cell`]):
    /// one binary search and one pass over the cell's rows each, so the whole report stays
    /// linear in the samples of the window.
    ///
    /// Errors when `cells` is empty or no sample lies between the first cell's start and
    /// the last cell's end.
    pub fn new(
        frame: &PerfFrame,
        cells: &[CellRecord],
        info: &MonitorInfo,
        thresholds: &Thresholds,
    ) -> Result<Report, ReportError> {
        let window = Window::of_cells(cells).ok_or(ReportError::NoCells)?;
        let indices: Vec<usize> = cells.iter().map(|c| c.cell_index).collect();
        let rows = frame.rows_in(window);
        if rows.is_empty() {
            return Err(ReportError::NoData {
                cells: cells_label(&indices),
                level: frame.level,
            });
        }
        let stats = frame.window_stats(window, info.interval);
        let memory_limit_gib = info.memory_limit(frame.level);
        let gpu_memory_gib = (info.num_gpus > 0).then_some(info.gpu_memory);
        let tags = classify(&stats, rows, memory_limit_gib, gpu_memory_gib, thresholds);
        let gpus = gpu_summaries(frame, rows, window, &stats);
        let per_cell = cells
            .iter()
            .map(|c| {
                CellSummary::of(
                    frame,
                    c,
                    info.interval,
                    memory_limit_gib,
                    gpu_memory_gib,
                    thresholds,
                )
            })
            .collect();
        Ok(Report {
            level: frame.level,
            cells: indices,
            duration_s: cells.iter().map(|c| c.duration).sum(),
            window_start_s: window.start,
            window_end_s: window.end,
            stats,
            num_cpus: frame.num_cpus,
            num_gpus: frame.num_gpus,
            memory_limit_gib,
            gpu_memory_gib,
            tags,
            gpus,
            per_cell,
            monitor: MonitorSummary {
                interval_s: info.interval,
                own_cpu_s: info.own_cpu_s,
                missed_ticks: info.missed_ticks,
                process_source: info.process_source.clone(),
                process_memory_peak_bytes: info.process_memory_peak,
            },
            leftovers: None,
            io_available: !(frame.level == Level::Slurm
                && info
                    .origin
                    .as_ref()
                    .is_some_and(|o| o.slurm_io_unavailable())),
        })
    }

    /// Like [`Report::new`] for the completed cells a range selects in `history`.
    pub fn for_range(
        frame: &PerfFrame,
        history: &CellHistory,
        range: &CellRange,
        info: &MonitorInfo,
        thresholds: &Thresholds,
    ) -> Result<Report, ReportError> {
        Report::new(frame, history.select(range)?, info, thresholds)
    }

    /// Number of selected cells.
    pub fn num_cells(&self) -> usize {
        self.cells.len()
    }

    /// The selected cells as a short label, e.g. `1-6` or `2`.
    pub fn cells_label(&self) -> String {
        cells_label(&self.cells)
    }

    /// Average rate of a window total per second of the window (`None` for a zero-length
    /// window, e.g. a single sample).
    pub fn per_second(&self, total: f64) -> Option<f64> {
        (self.stats.elapsed_s > 0.0).then(|| total / self.stats.elapsed_s)
    }
}

/// Cell indices as runs: `[1,2,3,5]` -> `1-3,5`; `[]` -> `none`.
pub fn cells_label(indices: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{start}-{}", indices[j])
        } else {
            start.to_string()
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cell, cpu_report, gpu_report, info, samples};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn slurm_io_without_accounting_is_n_a_in_every_renderer_and_null_in_json() {
        use crate::{HtmlRenderer, JsonRenderer, MarkdownRenderer, Renderer, TextRenderer};
        let mut info = info();
        info.origin = Some(jumper_data::Origin {
            slurm_cgroup: Some("/sys/fs/cgroup/memory/slurm/uid_0/job_7".into()),
            slurm_io_cgroup: None,
            ..Default::default()
        });
        let s = samples(|_| vec![]);
        let cells = [cell(0, 0.0, 1.0), cell(1, 1.0, 2.0)];
        let report = |level: Level, info: &MonitorInfo| {
            let frame = PerfFrame::from_samples(level, 1, &s);
            Report::new(&frame, &cells, info, &Thresholds::default()).unwrap()
        };
        let r = report(Level::Slurm, &info);
        assert!(!r.io_available);
        let text = TextRenderer::default().render(&r);
        let line = |t: &str, name: &str| -> String {
            t.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        assert!(
            line(&text, "I/O Write (MiB/s, MiB)").ends_with("n/a"),
            "{text}"
        );
        assert!(line(&text, "I/O Read Ops").ends_with("n/a"), "{text}");
        let with_cells = TextRenderer::default().with_cells().render(&r);
        let per_cell = with_cells
            .lines()
            .skip_while(|l| !l.starts_with("Per cell:"))
            .nth(3)
            .unwrap();
        assert_eq!(per_cell.matches("n/a").count(), 2, "{with_cells}");
        let md = MarkdownRenderer::default().render(&r);
        assert!(md.contains("| I/O Write (MiB/s, MiB) | n/a |"), "{md}");
        let html = HtmlRenderer::default().render(&r);
        assert!(html.contains("n/a"), "{html}");
        let v = JsonRenderer::value(&r);
        assert_eq!(v["io_available"], false);
        for k in ["io_read_mib", "io_write_mib", "io_read_ops", "io_write_ops"] {
            assert!(v["metrics"][k].is_null(), "{k}: {}", v["metrics"][k]);
        }
        assert!(v["per_cell"][0]["io_write_mib"].is_null());
        assert!(v["per_cell"][0]["cpu_time_s"].is_number());
        // The system level of the same session, and a slurm level with I/O accounting, are
        // measurements.
        let sys = report(Level::System, &info);
        assert!(sys.io_available);
        let v = JsonRenderer::value(&sys);
        assert_eq!(v["io_available"], true);
        assert_eq!(v["metrics"]["io_write_mib"]["total"], 10.0);
        assert!(!TextRenderer::default().render(&sys).contains("n/a"));
        info.origin.as_mut().unwrap().slurm_io_cgroup = Some("/sys/fs/cgroup/blkio/x".into());
        assert!(report(Level::Slurm, &info).io_available);
    }

    #[test]
    fn report_sums_durations_and_takes_counter_totals() {
        let r = cpu_report();
        assert_eq!(r.level, Level::Process);
        assert_eq!(r.cells, vec![0, 1]);
        assert_eq!(r.duration_s, 2.0);
        assert_eq!(r.stats.samples, 5);
        assert!(close(r.stats.cpu_time_s, 1.6));
        assert!(close(r.stats.cpu_util.avg, 80.0));
        assert!(close(r.stats.io_write_bytes / MIB, 10.0));
        assert!(close(r.stats.io_read_bytes / MIB, 2.0));
        assert_eq!(r.per_second(10.0), Some(5.0));
        assert!(r.stats.exact_totals);
        assert_eq!(r.memory_limit_gib, Some(2.5));
        assert_eq!(r.gpu_memory_gib, None);
        assert_eq!(r.num_gpus, 0);
        assert_eq!(
            r.monitor,
            MonitorSummary {
                interval_s: 0.5,
                own_cpu_s: 0.004,
                missed_ticks: 1,
                process_source: "tree".into(),
                process_memory_peak_bytes: None,
            }
        );
        // memory 2.75 of 2.5 GiB (clamped to 1.0; the start row describes the time
        // before the window) outranks CPU (0.8)
        let names: Vec<&str> = r.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["memory-bound", "cpu-bound"]);
        assert!(close(r.tags[0].score, 1.0));
        assert!(close(r.tags[1].score, 0.8));
    }

    #[test]
    fn gpu_memory_limit_reaches_the_analyzer() {
        let r = gpu_report();
        assert_eq!(r.num_gpus, 2);
        assert_eq!(r.gpu_memory_gib, Some(8.0));
        let names: Vec<&str> = r.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["memory-bound", "gpu-memory-bound", "cpu-bound"]);
        assert!(close(r.tags[1].score, 7.5 / 8.0));
    }

    #[test]
    fn empty_selection_and_empty_window_are_errors() {
        let frame = PerfFrame::from_samples(Level::Process, 1, &samples(|_| vec![]));
        let th = Thresholds::default();
        let err = Report::new(&frame, &[], &info(), &th).unwrap_err();
        assert!(matches!(err, ReportError::NoCells));
        let late = [cell(7, 5.0, 6.0), cell(8, 6.0, 7.0)];
        let err = Report::new(&frame, &late, &info(), &th).unwrap_err();
        assert_eq!(
            err.to_string(),
            "No performance data available or recorded cells are too short \
             (cells 7-8, level process)"
        );
    }

    #[test]
    fn ranges_select_from_the_history() {
        let frame = PerfFrame::from_samples(Level::Process, 1, &samples(|_| vec![]));
        let hist = CellHistory::from_records(vec![cell(0, 0.0, 1.0), cell(1, 1.0, 2.0)]);
        let th = Thresholds::default();
        let r = Report::for_range(
            &frame,
            &hist,
            &CellRange::parse("-1").unwrap(),
            &info(),
            &th,
        )
        .unwrap();
        assert_eq!(r.cells, vec![1]);
        assert_eq!(r.duration_s, 1.0);
        assert_eq!(r.stats.samples, 3);
        let err = Report::for_range(&frame, &hist, &CellRange::parse("5").unwrap(), &info(), &th)
            .unwrap_err();
        assert!(matches!(err, ReportError::Range(_)));
        assert!(err.to_string().contains("out of bounds"), "{err}");
    }

    #[test]
    fn labels_runs_of_cells() {
        assert_eq!(cells_label(&[1, 2, 3, 4, 5, 6]), "1-6");
        assert_eq!(cells_label(&[2]), "2");
        assert_eq!(cells_label(&[0, 1, 3, 5, 6]), "0-1,3,5-6");
        assert_eq!(cells_label(&[]), "none");
    }
}
