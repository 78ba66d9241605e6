//! A session as metric families: the [`METRICS`](crate::METRICS) table applied to a
//! session's frames and cells.
//!
//! Per-cell and per-session figures are [`PerfFrame::window_stats`] over the cell's (or all
//! cells') window, the derivation `jumper report` uses, so an exported figure equals the
//! report's. Sample series carry the level's cumulative counters as stored (integrated from
//! JUmPER's rates where a session has no raw counters, as the report does then).

use jumper_data::{CellRecord, MonitorInfo, Origin, PerfFrame, PerfRow, Window, GIB};

use crate::names::{Field, MetricDef, Scope, METRICS};
use crate::MetricsError;

/// The labels that say where a session was taken; `None` members are left out of every series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// SLURM job id (label `jobid`).
    pub jobid: Option<String>,
    /// SLURM step id (label `step`).
    pub step: Option<String>,
    /// Node name (label `node`; line protocol tag `hostname`).
    pub node: Option<String>,
    /// Cluster name (label `cluster`).
    pub cluster: Option<String>,
}

impl Target {
    /// The labels a session's origin gives: job id, step, node (`SLURMD_NODENAME`, else the
    /// host name) and cluster; all `None` without an origin (JUmPER's sessions).
    pub fn from_origin(origin: Option<&Origin>) -> Target {
        let Some(o) = origin else {
            return Target::default();
        };
        let node = o.node_name();
        Target {
            jobid: o.job_id.clone(),
            step: o.step_id.clone(),
            node: (!node.is_empty()).then(|| node.to_string()),
            cluster: o.cluster.clone(),
        }
    }

    fn labels(&self) -> Vec<(&'static str, String)> {
        [
            ("jobid", &self.jobid),
            ("step", &self.step),
            ("node", &self.node),
            ("cluster", &self.cluster),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// What to turn into metrics: a session's monitor info, frames and cells, and its labels.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The session's monitor description (interval, wall-clock start, limits).
    pub info: &'a MonitorInfo,
    /// One frame per level.
    pub frames: &'a [PerfFrame],
    /// The cells (completed ones; none is fine).
    pub cells: &'a [CellRecord],
    /// The labels of every series.
    pub target: &'a Target,
}

/// One series: a label set and its points `(value, epoch seconds)` in increasing time.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Labels in output order.
    pub labels: Vec<(&'static str, String)>,
    /// Points in strictly increasing time (at millisecond resolution).
    pub points: Vec<(f64, f64)>,
}

/// One family of the table with its series.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The table row.
    pub def: &'static MetricDef,
    /// Its series; a family with none is not written.
    pub series: Vec<Series>,
}

/// A session as metrics, ready for an encoder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSet {
    /// Families in the table's order.
    pub families: Vec<Family>,
}

/// Time stamps are kept to the millisecond (what Prometheus stores).
fn ms(t: f64) -> f64 {
    (t * 1000.0).round() / 1000.0
}

/// Converts monotonic `time` values to epoch seconds.
struct Clock {
    offset: Option<f64>,
}

impl Clock {
    /// The session's offset from monotonic to epoch seconds: the monitor's start in both
    /// clocks, else the first sample that carries both.
    fn new(info: &MonitorInfo, frames: &[PerfFrame]) -> Clock {
        let from_info = match (info.wallclock_start_time, info.start_time) {
            (Some(w), Some(m)) => Some(w - m),
            _ => None,
        };
        let from_rows = || {
            frames
                .iter()
                .flat_map(|f| f.rows.first())
                .find_map(|r| r.wallclock.map(|w| w - r.time))
        };
        Clock {
            offset: from_info.or_else(from_rows),
        }
    }

    fn row(&self, r: &PerfRow) -> Result<f64, MetricsError> {
        r.wallclock
            .or_else(|| self.offset.map(|o| r.time + o))
            .ok_or(MetricsError::NoWallclock)
    }
}

/// The cumulative counters of each row: the raw ones, or JUmPER's rates integrated over time
/// (what [`PerfFrame::window_stats`] does for such sessions).
fn counters(frame: &PerfFrame) -> Vec<[f64; 5]> {
    if frame.rows.iter().all(|r| r.raw.is_some()) {
        return frame
            .rows
            .iter()
            .filter_map(|r| r.raw)
            .map(|c| {
                [
                    c.cpu_time,
                    c.io_read_bytes,
                    c.io_write_bytes,
                    c.io_read_ops,
                    c.io_write_ops,
                ]
            })
            .collect();
    }
    let cpus = frame.num_cpus as f64;
    let mut acc = [0.0f64; 5];
    frame
        .rows
        .iter()
        .map(|r| {
            acc[0] += r.cpu_util_avg / 100.0 * cpus * r.dt;
            acc[1] += r.io_read * r.dt;
            acc[2] += r.io_write * r.dt;
            acc[3] += r.io_read_count * r.dt;
            acc[4] += r.io_write_count * r.dt;
            acc
        })
        .collect()
}

fn push_point(points: &mut Vec<(f64, f64)>, value: f64, t: f64) {
    let t = ms(t);
    // Strictly increasing per series: a cell-boundary sample within the same millisecond as
    // a tick is dropped (the later duplicate would be out of order for promtool).
    if points.last().is_none_or(|&(_, last)| t > last) {
        points.push((value, t));
    }
}

fn with(
    mut labels: Vec<(&'static str, String)>,
    more: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    labels.extend(more.iter().cloned());
    labels
}

/// A cell's title: its first non-empty line (a `# %%` title or the first line of code),
/// at most 80 characters.
pub fn cell_title(cell: &CellRecord) -> String {
    let line = cell
        .raw_cell
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(80).collect()
}

impl MetricSet {
    /// Adds `other`'s series to the families of this set (one set per node of a job
    /// directory, told apart by their `node` label); a family new to this set is appended.
    pub fn merge(&mut self, other: MetricSet) {
        for f in other.families {
            match self
                .families
                .iter_mut()
                .find(|x| std::ptr::eq(x.def, f.def))
            {
                Some(x) => x.series.extend(f.series),
                None => self.families.push(f),
            }
        }
    }

    /// Every point of the session: all samples of every level, one point per cell (at its
    /// wall-clock end) and one per session (at the last cell's end), with epoch-second
    /// timestamps. Errors when the session has no wall-clock time at all.
    pub fn from_session(input: &Input<'_>) -> Result<MetricSet, MetricsError> {
        let clock = Clock::new(input.info, input.frames);
        let base = input.target.labels();
        let mut families: Vec<Family> = METRICS
            .iter()
            .map(|def| Family {
                def,
                series: Vec::new(),
            })
            .collect();
        let fam = |families: &mut Vec<Family>, f: Field, s: Scope| -> Option<usize> {
            families
                .iter()
                .position(|x| x.def.field == f && x.def.scope == s)
        };
        let interval = input.info.interval;
        for frame in input.frames {
            let level = frame.level;
            let lv = with(base.clone(), &[("level", level.as_str().to_string())]);
            // Slurm-level I/O without a blkio job cgroup (v1) is unavailable: no series, not 0.
            let no_io = level == jumper_data::Level::Slurm
                && input
                    .info
                    .origin
                    .as_ref()
                    .is_some_and(|o| o.slurm_io_unavailable());
            let is_io = |f: Field| {
                matches!(
                    f,
                    Field::IoReadBytes
                        | Field::IoWriteBytes
                        | Field::IoReadOps
                        | Field::IoWriteOps
                        | Field::WindowIoReadBytes
                        | Field::WindowIoWriteBytes
                )
            };
            // Sample series.
            let counters = counters(frame);
            let mut times = Vec::with_capacity(frame.rows.len());
            for r in &frame.rows {
                times.push(clock.row(r)?);
            }
            let scalar = |f: Field, i: usize, r: &PerfRow| -> Option<f64> {
                let c = counters.get(i)?;
                Some(match f {
                    Field::CpuSeconds => c[0],
                    Field::IoReadBytes => c[1],
                    Field::IoWriteBytes => c[2],
                    Field::IoReadOps => c[3],
                    Field::IoWriteOps => c[4],
                    Field::CpuUtilization => r.cpu_util_avg / 100.0,
                    Field::Memory => r.memory * GIB,
                    _ => return None,
                })
            };
            for f in [
                Field::CpuSeconds,
                Field::CpuUtilization,
                Field::Memory,
                Field::IoReadBytes,
                Field::IoWriteBytes,
                Field::IoReadOps,
                Field::IoWriteOps,
            ] {
                if no_io && is_io(f) {
                    continue;
                }
                let mut points = Vec::with_capacity(frame.rows.len());
                for (i, r) in frame.rows.iter().enumerate() {
                    if let Some(v) = scalar(f, i, r) {
                        push_point(&mut points, v, times[i]);
                    }
                }
                if let Some(k) = fam(&mut families, f, Scope::Sample) {
                    if !points.is_empty() {
                        families[k].series.push(Series {
                            labels: lv.clone(),
                            points,
                        });
                    }
                }
            }
            for (f, get) in [
                (
                    Field::GpuUtilization,
                    (|r: &PerfRow, g: usize| r.gpu_util.get(g).map(|v| v / 100.0))
                        as fn(&PerfRow, usize) -> Option<f64>,
                ),
                (Field::GpuMemoryBandwidth, |r, g| {
                    r.gpu_band.get(g).map(|v| v / 100.0)
                }),
                (Field::GpuMemory, |r, g| r.gpu_mem.get(g).map(|v| v * GIB)),
            ] {
                for g in 0..frame.num_gpus {
                    let mut points = Vec::new();
                    for (i, r) in frame.rows.iter().enumerate() {
                        if let Some(v) = get(r, g) {
                            push_point(&mut points, v, times[i]);
                        }
                    }
                    let mut labels = with(lv.clone(), &[("gpu", g.to_string())]);
                    if let Some(uuid) = input.info.gpu_uuids.get(g).filter(|u| !u.is_empty()) {
                        labels.push(("UUID", uuid.clone()));
                    }
                    if let (Some(k), false) =
                        (fam(&mut families, f, Scope::Sample), points.is_empty())
                    {
                        families[k].series.push(Series { labels, points });
                    }
                }
            }
            // Per-cell and per-session windows: the report's derivation.
            let window_points =
                |st: &jumper_data::frame::WindowStats, duration: f64| -> Vec<(Field, f64)> {
                    let mut v = vec![
                        (Field::WindowCpuSeconds, st.cpu_time_s),
                        (Field::WindowCpuUtilization, st.cpu_util.avg / 100.0),
                        (Field::WindowMemoryPeak, st.memory_gib.max * GIB),
                        (Field::WindowIoReadBytes, st.io_read_bytes),
                        (Field::WindowIoWriteBytes, st.io_write_bytes),
                        (Field::WindowDuration, duration),
                    ];
                    if no_io {
                        v.retain(|(f, _)| !is_io(*f));
                    }
                    if frame.num_gpus > 0 {
                        if let Some(g) = st.gpu_util {
                            v.push((Field::WindowGpuUtilization, g.avg / 100.0));
                        }
                    }
                    v
                };
            for cell in input.cells {
                let w = Window {
                    start: cell.start_time,
                    end: cell.end_time,
                };
                if frame.rows_in(w).is_empty() {
                    continue;
                }
                let st = frame.window_stats(w, interval);
                let t = cell_end(&clock, cell)?;
                let labels = with(lv.clone(), &[("cell", cell.cell_index.to_string())]);
                for (f, v) in window_points(&st, cell.duration) {
                    if let Some(k) = fam(&mut families, f, Scope::Cell) {
                        families[k].series.push(Series {
                            labels: labels.clone(),
                            points: vec![(v, ms(t))],
                        });
                    }
                }
            }
            if let (Some(w), Some(last)) = (Window::of_cells(input.cells), input.cells.last()) {
                if !frame.rows_in(w).is_empty() {
                    let st = frame.window_stats(w, interval);
                    let t = ms(cell_end(&clock, last)?);
                    let duration = input.cells.iter().map(|c| c.duration).sum();
                    for (f, v) in window_points(&st, duration) {
                        if let Some(k) = fam(&mut families, f, Scope::Session) {
                            families[k].series.push(Series {
                                labels: lv.clone(),
                                points: vec![(v, t)],
                            });
                        }
                    }
                }
            }
            if let (Some(limit), Some(last)) = (input.info.memory_limit(level), times.last()) {
                if let Some(k) = fam(&mut families, Field::MemoryLimit, Scope::Session) {
                    families[k].series.push(Series {
                        labels: lv.clone(),
                        points: vec![(limit * GIB, ms(*last))],
                    });
                }
            }
        }
        if let Some(k) = fam(&mut families, Field::CellInfo, Scope::Cell) {
            for cell in input.cells {
                let start = cell_start(&clock, cell)?;
                let end = cell_end(&clock, cell)?;
                families[k].series.push(Series {
                    labels: with(
                        base.clone(),
                        &[
                            ("cell", cell.cell_index.to_string()),
                            ("title", cell_title(cell)),
                            ("status", cell.status.as_str().to_string()),
                            ("start_time", format!("{:.3}", start)),
                            ("end_time", format!("{:.3}", end)),
                        ],
                    ),
                    points: vec![(1.0, ms(end))],
                });
            }
        }
        families.retain(|f| !f.series.is_empty());
        Ok(MetricSet { families })
    }

    /// Only the last point of every series (for endpoints and files read without timestamps).
    pub fn latest(mut self) -> MetricSet {
        for f in &mut self.families {
            for s in &mut f.series {
                if let Some(last) = s.points.last().copied() {
                    s.points = vec![last];
                }
            }
        }
        self
    }

    /// Only the per-cell and per-session families (what the Pushgateway gets).
    pub fn summaries(mut self) -> MetricSet {
        self.families.retain(|f| f.def.scope != Scope::Sample);
        self
    }

    /// The family of a name, if the set has it.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.def.name == name)
    }

    /// Points in the set, all families together.
    pub fn num_points(&self) -> usize {
        self.families
            .iter()
            .flat_map(|f| &f.series)
            .map(|s| s.points.len())
            .sum()
    }
}

/// Epoch seconds of a cell's start: its own wall-clock time, else derived from its monotonic
/// start like a sample's.
fn cell_start(clock: &Clock, c: &CellRecord) -> Result<f64, MetricsError> {
    cell_time(clock, c.wallclock_start_time, c.start_time)
}

fn cell_end(clock: &Clock, c: &CellRecord) -> Result<f64, MetricsError> {
    cell_time(clock, c.wallclock_end_time, c.end_time)
}

fn cell_time(clock: &Clock, wall: f64, mono: f64) -> Result<f64, MetricsError> {
    if wall > 0.0 {
        return Ok(wall);
    }
    clock
        .offset
        .map(|o| mono + o)
        .ok_or(MetricsError::NoWallclock)
}
