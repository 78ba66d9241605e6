//! The data embedded in a dashboard: one JSON document, built once per page.
//!
//! The metric menu comes from [`crate::catalog`]: keys, kinds, y rules, units, axis labels,
//! titles and limits per level are written here, so the page words every panel as the static
//! plots do; the page only knows which embedded columns feed which key.
//!
//! Per level it holds the downsampled columns the metric catalogue needs (time, CPU
//! average/min/max, per core, memory, I/O rates, per-GPU values) and, per cell and per idle
//! gap between consecutive cells, the exact totals of jumper-data's window statistics, so the
//! page's totals line adds up to what `jumper report` says for the same cells.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use jumper_data::frame::WindowStats;
use jumper_data::{CellStatus, PerfFrame, Window};
use serde::Serialize;

use super::{DashboardInput, LevelPoints};
use crate::catalog::{Metric, MetricKind, YRule};
use crate::lttb::minmax_segmented;
use crate::sanitize::{usable_time, Clamped, MAX_MAGNITUDE};
use crate::VizError;

/// Version of the embedded document; the page's script checks it.
pub(crate) const DATA_VERSION: u32 = 1;

const MIB: f64 = 1024.0 * 1024.0;
/// Longest code excerpt shown for a cell, in characters.
const CODE_EXCERPT: usize = 120;
/// Longest error excerpt shown for a failed cell, in characters.
const ERROR_EXCERPT: usize = 300;

#[derive(Serialize)]
pub(crate) struct Model<'a> {
    version: u32,
    generator: &'static str,
    title: &'a str,
    interval: f64,
    /// Monotonic time the page's zero stands for.
    origin: f64,
    wallclock_origin: Option<f64>,
    num_gpus: usize,
    gpu_memory: Option<f64>,
    gpu_name: &'a str,
    initial: Option<[usize; 2]>,
    metrics: Vec<MetricOut>,
    cells: Vec<CellOut>,
    levels: Vec<LevelOut>,
}

/// One entry of the Metric menu.
#[derive(Serialize)]
struct MetricOut {
    key: &'static str,
    kind: MetricKind,
    y: YRule,
    unit: &'static str,
    axis: String,
    gpu: bool,
    /// Per level name: the panel title and the limit line, if any.
    levels: BTreeMap<String, PanelOut>,
}

#[derive(Serialize)]
struct PanelOut {
    title: String,
    limit: Option<f64>,
}

#[derive(Serialize)]
struct CellOut {
    index: usize,
    start: f64,
    end: f64,
    duration: f64,
    status: &'static str,
    code: String,
    lines: usize,
    error: Option<String>,
}

/// `[cpu s, read bytes, write bytes, read ops, write ops, peak memory GiB, samples]`.
#[derive(Serialize)]
struct Totals(f64, f64, f64, f64, f64, Option<f64>, usize);

impl Totals {
    const ZERO: Totals = Totals(0.0, 0.0, 0.0, 0.0, 0.0, None, 0);

    /// The totals of a window, absurd values clamped (counted in `clamped`).
    fn of(s: &WindowStats, clamped: &mut Clamped) -> Totals {
        let mut c = |v: f64| clamped.value(v);
        Totals(
            c(s.cpu_time_s),
            c(s.io_read_bytes),
            c(s.io_write_bytes),
            c(s.io_read_ops),
            c(s.io_write_ops),
            (s.samples > 0).then(|| round(c(s.memory_gib.max), 4)),
            s.samples,
        )
    }
}

#[derive(Serialize)]
struct LevelOut {
    /// The Level menu's name: the level's, or the one the caller gave (`system n1`).
    name: String,
    /// The level itself.
    level: &'static str,
    cpus: usize,
    gpus: usize,
    memory_limit: Option<f64>,
    samples: usize,
    points: usize,
    cores_recorded: bool,
    exact_totals: bool,
    time: Vec<f64>,
    cpu_avg: Vec<f64>,
    cpu_min: Vec<f64>,
    cpu_max: Vec<f64>,
    cores: Vec<Vec<f64>>,
    memory: Vec<f64>,
    io_read: Vec<f64>,
    io_write: Vec<f64>,
    io_read_count: Vec<f64>,
    io_write_count: Vec<f64>,
    gpu_util: Vec<Vec<f64>>,
    gpu_band: Vec<Vec<f64>>,
    gpu_mem: Vec<Vec<f64>>,
    cell_totals: Vec<Totals>,
    gap_totals: Vec<Totals>,
}

/// Rounds for display; non-finite values stay NaN, which JSON writes as `null` (a gap).
fn round(v: f64, decimals: i32) -> f64 {
    if !v.is_finite() {
        return f64::NAN;
    }
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn rounded(v: Vec<f64>, decimals: i32) -> Vec<f64> {
    v.into_iter().map(|x| round(x, decimals)).collect()
}

fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Builds the document, the per-level point counts and the notes on damaged data (see
/// [`crate::sanitize`]).
pub(crate) fn build<'a>(
    input: &'a DashboardInput<'_>,
) -> Result<(Model<'a>, Vec<LevelPoints>, Vec<String>), VizError> {
    if input.frames.is_empty() {
        return Err(VizError::NoLevels);
    }
    let names: Vec<String> = match &input.names {
        None => {
            let mut seen = HashSet::new();
            for f in input.frames {
                if !seen.insert(f.level) {
                    return Err(VizError::DuplicateLevel { level: f.level });
                }
            }
            input.frames.iter().map(|f| f.level.to_string()).collect()
        }
        Some(names) => {
            if names.len() != input.frames.len() {
                return Err(VizError::BadNames {
                    detail: format!(
                        "{} names for {} frames; give one name per frame",
                        names.len(),
                        input.frames.len()
                    ),
                });
            }
            let mut seen = HashSet::new();
            if let Some(n) = names.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(VizError::BadNames {
                    detail: format!("frame name '{n}' is given twice; give each name once"),
                });
            }
            names.clone()
        }
    };
    for c in input.cells {
        if !usable_time(c.start_time) || !usable_time(c.end_time) {
            return Err(VizError::BadCell {
                index: c.cell_index,
                start: c.start_time,
                end: c.end_time,
            });
        }
    }
    let n = input.cells.len();
    let initial = match (input.initial, n) {
        (Some((a, b)), _) if a > b || b >= n => {
            return Err(VizError::BadInitialRange {
                start: a,
                end: b,
                detail: if n == 0 {
                    "no cells recorded".to_string()
                } else if a > b {
                    format!("start {a} is after end {b}")
                } else {
                    format!("{n} cells recorded, valid positions 0..{}", n - 1)
                },
            });
        }
        (Some((a, b)), _) => Some([a, b]),
        (None, 0) => None,
        (None, _) => Some([0, n - 1]),
    };

    let mut notes = Vec::new();
    let frames: Vec<Cow<'_, PerfFrame>> = input
        .frames
        .iter()
        .map(|f| {
            let (g, dropped) = clean(f);
            if dropped > 0 {
                let what = if dropped == 1 { "sample" } else { "samples" };
                notes.push(format!(
                    "level {}: {dropped} {what} without a usable time left out",
                    f.level
                ));
            }
            g
        })
        .collect();
    let origin = origin(input, &frames);
    let wallclock_origin = frames
        .iter()
        .filter_map(|f| {
            let r = f.rows.first()?;
            Some(r.wallclock? - (r.time - origin))
        })
        .next()
        .or(input.info.wallclock_start_time);

    let cells = input
        .cells
        .iter()
        .map(|c| {
            let end = c.end_time.max(c.start_time);
            let code = c
                .raw_cell
                .lines()
                .map(str::trim_end)
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            CellOut {
                index: c.cell_index,
                start: round(c.start_time - origin, 6),
                end: round(end - origin, 6),
                duration: round(end - c.start_time, 6),
                status: match c.status {
                    CellStatus::Ok => "ok",
                    CellStatus::Failed => "failed",
                },
                code: excerpt(code, CODE_EXCERPT),
                lines: c.raw_cell.lines().count(),
                error: c.error.as_deref().map(|e| excerpt(e, ERROR_EXCERPT)),
            }
        })
        .collect();

    let mut levels = Vec::with_capacity(frames.len());
    let mut points = Vec::with_capacity(frames.len());
    for (f, name) in frames.iter().zip(names) {
        let lvl = level(input, f, name, origin, &mut notes);
        points.push(LevelPoints {
            level: f.level,
            samples: lvl.samples,
            points: lvl.points,
        });
        levels.push(lvl);
    }

    let gpu_memory = (input.info.gpu_memory.is_finite()
        && input.info.gpu_memory > 0.0
        && input.info.gpu_memory <= MAX_MAGNITUDE)
        .then_some(input.info.gpu_memory);
    let num_gpus = levels
        .iter()
        .map(|l| l.gpus)
        .max()
        .unwrap_or(0)
        .max(input.info.num_gpus);
    let metrics = Metric::ALL
        .into_iter()
        .filter(|m| num_gpus > 0 || !m.needs_gpu())
        .map(|m| MetricOut {
            key: m.key(),
            kind: m.kind(),
            y: m.y_rule(),
            unit: m.unit(),
            axis: m.axis_label(),
            gpu: m.needs_gpu(),
            levels: frames
                .iter()
                .zip(&levels)
                .map(|(f, l)| {
                    (
                        l.name.clone(),
                        PanelOut {
                            title: m.title(l.cpus, l.gpus),
                            limit: m.limit(f.level, input.info),
                        },
                    )
                })
                .collect(),
        })
        .collect();
    Ok((
        Model {
            version: DATA_VERSION,
            generator: concat!("jumper-viz ", env!("CARGO_PKG_VERSION")),
            title: &input.title,
            interval: input.info.interval,
            origin,
            wallclock_origin,
            num_gpus,
            gpu_memory,
            gpu_name: &input.info.gpu_name,
            initial,
            metrics,
            cells,
            levels,
        },
        points,
        notes,
    ))
}

/// The frame with rows of unusable time (not finite, or beyond [`MAX_MAGNITUDE`] seconds)
/// dropped and rows in time order (files from other tools are not trusted to be sorted),
/// borrowed when it already is; and how many rows were dropped.
fn clean(f: &PerfFrame) -> (Cow<'_, PerfFrame>, usize) {
    let ok = f.rows.iter().all(|r| usable_time(r.time))
        && f.rows.windows(2).all(|w| w[0].time <= w[1].time);
    if ok {
        return (Cow::Borrowed(f), 0);
    }
    let mut g = f.clone();
    g.rows.retain(|r| usable_time(r.time));
    g.rows.sort_by(|a, b| a.time.total_cmp(&b.time));
    let dropped = f.rows.len() - g.rows.len();
    (Cow::Owned(g), dropped)
}

/// Zero of the page's time axis: the monitor's start, or the earliest time seen.
fn origin(input: &DashboardInput<'_>, frames: &[Cow<'_, PerfFrame>]) -> f64 {
    let earliest = frames
        .iter()
        .filter_map(|f| f.rows.first().map(|r| r.time))
        .chain(input.cells.first().map(|c| c.start_time))
        .fold(f64::INFINITY, f64::min);
    match input.info.start_time {
        Some(t) if usable_time(t) && t <= earliest => t,
        _ if earliest.is_finite() => earliest,
        _ => 0.0,
    }
}

/// One level's embedded data; a note per column with absurd values goes to `notes`.
fn level(
    input: &DashboardInput<'_>,
    f: &PerfFrame,
    label: String,
    origin: f64,
    notes: &mut Vec<String>,
) -> LevelOut {
    let rows = &f.rows;
    let n = rows.len();
    let ncores = rows.iter().map(|r| r.cpu_util.len()).max().unwrap_or(0);
    // Below system level the per-core columns repeat the average (as JUmPER writes them);
    // carrying them would only make the file bigger.
    let cores_recorded = rows
        .iter()
        .any(|r| r.cpu_util.iter().any(|c| (c - r.cpu_util_avg).abs() > 1e-6));
    let ngpus = rows
        .iter()
        .map(|r| r.gpu_util.len().max(r.gpu_band.len()).max(r.gpu_mem.len()))
        .max()
        .unwrap_or(0)
        .max(f.num_gpus);

    let col =
        |g: &dyn Fn(&jumper_data::PerfRow) -> f64| -> Vec<f64> { rows.iter().map(g).collect() };
    let idx = |v: &Vec<f64>, i: usize| v.get(i).copied().unwrap_or(f64::NAN);
    let time: Vec<f64> = col(&|r| r.time - origin);
    // Named as in the session's CSV files, with the unit embedded, for the notes.
    let mut named: Vec<(String, &str, Vec<f64>)> = vec![
        ("cpu_util_avg".into(), "%", col(&|r| r.cpu_util_avg)),
        ("cpu_util_min".into(), "%", col(&|r| r.cpu_util_min)),
        ("cpu_util_max".into(), "%", col(&|r| r.cpu_util_max)),
        ("memory".into(), "GiB", col(&|r| r.memory)),
        ("io_read".into(), "MiB/s", col(&|r| r.io_read / MIB)),
        ("io_write".into(), "MiB/s", col(&|r| r.io_write / MIB)),
        ("io_read_count".into(), "ops/s", col(&|r| r.io_read_count)),
        ("io_write_count".into(), "ops/s", col(&|r| r.io_write_count)),
    ];
    if cores_recorded {
        for c in 0..ncores {
            named.push((format!("cpu_util_{c}"), "%", col(&|r| idx(&r.cpu_util, c))));
        }
    }
    for g in 0..ngpus {
        named.push((format!("gpu_util_{g}"), "%", col(&|r| idx(&r.gpu_util, g))));
        named.push((format!("gpu_band_{g}"), "%", col(&|r| idx(&r.gpu_band, g))));
        named.push((format!("gpu_mem_{g}"), "GiB", col(&|r| idx(&r.gpu_mem, g))));
    }
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(named.len());
    for (name, unit, mut values) in named {
        let mut clamped = Clamped::default();
        clamped.values(&mut values);
        if let Some(n) = clamped.note(&name, unit) {
            notes.push(format!("level {label}: {n}"));
        }
        columns.push(values);
    }

    // Segments: each cell and each stretch between cells is thinned on its own.
    let owner = f.cell_indices(input.cells);
    let starts: Vec<usize> = (1..n).filter(|&i| owner[i] != owner[i - 1]).collect();
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let d = minmax_segmented(&time, &refs, &starts, input.max_points);
    let mut ys = d.ys.into_iter();
    let mut next = |decimals: i32| rounded(ys.next().unwrap_or_default(), decimals);
    let cpu_avg = next(1);
    let cpu_min = next(1);
    let cpu_max = next(1);
    let memory = next(4);
    let io_read = next(4);
    let io_write = next(4);
    let io_read_count = next(1);
    let io_write_count = next(1);
    let cores = if cores_recorded {
        (0..ncores).map(|_| next(1)).collect()
    } else {
        Vec::new()
    };
    let (mut gpu_util, mut gpu_band, mut gpu_mem) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ngpus {
        gpu_util.push(next(1));
        gpu_band.push(next(1));
        gpu_mem.push(next(4));
    }
    let interval = input.info.interval;
    let mut totals_clamped = Clamped::default();
    let cell_totals = input
        .cells
        .iter()
        .map(|c| {
            let w = Window {
                start: c.start_time,
                end: c.end_time.max(c.start_time),
            };
            Totals::of(&f.window_stats(w, interval), &mut totals_clamped)
        })
        .collect();
    let gap_totals = input
        .cells
        .windows(2)
        .map(|p| {
            gap_totals(
                f,
                p[0].end_time,
                p[1].start_time,
                interval,
                &mut totals_clamped,
            )
        })
        .collect();
    if let Some(n) = totals_clamped.note("totals", "") {
        notes.push(format!("level {label}: {n}"));
    }

    LevelOut {
        name: label,
        level: f.level.as_str(),
        cpus: f.num_cpus,
        gpus: ngpus,
        memory_limit: input
            .info
            .memory_limit(f.level)
            .filter(|l| l.is_finite() && *l > 0.0 && *l <= MAX_MAGNITUDE),
        samples: n,
        points: d.x.len(),
        cores_recorded,
        exact_totals: rows.iter().all(|r| r.raw.is_some()),
        time: rounded(d.x, 3),
        cpu_avg,
        cpu_min,
        cpu_max,
        cores,
        memory,
        io_read,
        io_write,
        io_read_count,
        io_write_count,
        gpu_util,
        gpu_band,
        gpu_mem,
        cell_totals,
        gap_totals,
    }
}

/// Totals of the idle time between two cells, so that cells plus gaps add up to the window
/// from the first cell's start to the last one's end (the report's window).
fn gap_totals(f: &PerfFrame, start: f64, end: f64, interval: f64, clamped: &mut Clamped) -> Totals {
    if end <= start {
        return Totals::ZERO;
    }
    let w = Window { start, end };
    let rows = f.rows_in(w);
    // With counters a gap needs two rows to hold an interval; without, a row after its start
    // (rows describe the interval that ends at them).
    let has_interval = if rows.first().is_some_and(|r| r.raw.is_some()) {
        rows.len() >= 2
    } else {
        rows.iter().any(|r| r.time > start)
    };
    if !has_interval {
        return Totals::ZERO;
    }
    Totals::of(&f.window_stats(w, interval), clamped)
}
