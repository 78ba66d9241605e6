//! The metric catalogue: JUmPER's metric keys and subsets, what each metric is called, its
//! unit, its y range and how its series come out of [`PerfRow`]s.
//!
//! Shared by the static plots, the dashboard and the CLI, so `--metrics` means the same
//! everywhere.
//!
//! | subset    | metric keys                                                   |
//! |-----------|---------------------------------------------------------------|
//! | `cpu`     | `cpu_summary` (min / average / max over cores, %)             |
//! | `mem`     | `memory` (GiB, up to the level's limit)                       |
//! | `io`      | `io_read`, `io_write` (MiB/s), `io_read_count`, `io_write_count` (ops/s) |
//! | `gpu`     | `gpu_util_summary`, `gpu_band_summary` (%), `gpu_mem_summary` (GiB) |
//! | `cpu_all` | `cpu` (every core, plus the average)                          |
//! | `gpu_all` | `gpu_util`, `gpu_band`, `gpu_mem` (every GPU, plus the mean)   |
//!
//! Differences from JUmPER, on purpose:
//! - a metric key selects that metric only (`--metrics io_read` is one panel; JUmPER plots
//!   the whole `io` subset, its bug §12 #12); a subset name still selects the whole subset, and
//!   `cpu` is the subset (as in JUmPER), so the per-core view is `cpu_all`;
//! - per-core and per-GPU panels draw the cores or GPUs and their average, never the min/max
//!   columns as if they were cores (JUmPER bug §12 #10);
//! - I/O bytes are shown in MiB/s (JUmPER divides by 1024² and labels it MB/s). The rows
//!   already hold rates from counter differences, so no differencing or smoothing is applied.

use std::fmt;
use std::str::FromStr;

use jumper_data::{Level, MonitorInfo, PerfRow};
use serde::{Serialize, Serializer};

use crate::sanitize::MAX_MAGNITUDE;
use crate::VizError;

/// Bytes in a MiB: I/O rates are plotted in MiB/s.
pub const MIB: f64 = 1024.0 * 1024.0;

/// One plottable metric (one panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `cpu_summary`: lowest, average and highest core utilisation (%).
    CpuSummary,
    /// `memory`: memory of the level (GiB).
    Memory,
    /// `io_read`: bytes read per second, in MiB/s.
    IoRead,
    /// `io_write`: bytes written per second, in MiB/s.
    IoWrite,
    /// `io_read_count`: read operations per second.
    IoReadCount,
    /// `io_write_count`: write operations per second.
    IoWriteCount,
    /// `gpu_util_summary`: lowest, mean and highest GPU utilisation (%).
    GpuUtilSummary,
    /// `gpu_band_summary`: lowest, mean and highest GPU memory-bandwidth utilisation (%).
    GpuBandSummary,
    /// `gpu_mem_summary`: lowest, mean and highest GPU used memory (GiB).
    GpuMemSummary,
    /// `cpu`: utilisation of every core, plus the average (%).
    Cpu,
    /// `gpu_util`: utilisation of every GPU, plus the mean (%).
    GpuUtil,
    /// `gpu_band`: memory-bandwidth utilisation of every GPU, plus the mean (%).
    GpuBand,
    /// `gpu_mem`: used memory of every GPU, plus the mean (GiB).
    GpuMem,
}

/// How a metric's panel is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Min (dotted), average (solid) and max (dashed).
    Summary,
    /// One line.
    Single,
    /// One thin line per core or GPU, plus a bold average.
    Multi,
}

/// How the y axis of a metric is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YRule {
    /// 0 to 100 (utilisation in percent).
    Percent,
    /// 0 to the limit ([`Metric::limit`]), drawn as a dashed line; automatic when unknown.
    ToLimit,
    /// From the data, with 5 % padding (never below 0 for data that is never negative).
    Auto,
}

/// What a series stands for inside its panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesRole {
    /// The lowest value across cores or GPUs.
    Min,
    /// The average across cores or GPUs (the level's utilisation for CPUs).
    Avg,
    /// The highest value across cores or GPUs.
    Max,
    /// The only series of a single-series metric.
    Value,
    /// One core or GPU, by position.
    Member(usize),
}

/// One line of a panel: a value per row (NaN where a row lacks it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// What it stands for.
    pub role: SeriesRole,
    /// One value per row, in the metric's unit.
    pub values: Vec<f64>,
}

/// A group of metrics addressable by one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subset {
    /// `cpu`: `cpu_summary`.
    Cpu,
    /// `mem`: `memory`.
    Mem,
    /// `io`: the four I/O metrics.
    Io,
    /// `gpu`: the three GPU summaries.
    Gpu,
    /// `cpu_all`: `cpu` (per core).
    CpuAll,
    /// `gpu_all`: the three per-GPU metrics.
    GpuAll,
}

impl Subset {
    /// Every subset, in JUmPER's order.
    pub const ALL: [Subset; 6] = [
        Subset::Cpu,
        Subset::Mem,
        Subset::Io,
        Subset::Gpu,
        Subset::CpuAll,
        Subset::GpuAll,
    ];

    /// The name used in `--metrics`.
    pub fn name(self) -> &'static str {
        match self {
            Subset::Cpu => "cpu",
            Subset::Mem => "mem",
            Subset::Io => "io",
            Subset::Gpu => "gpu",
            Subset::CpuAll => "cpu_all",
            Subset::GpuAll => "gpu_all",
        }
    }

    /// The subset of this name, if any (exact, lower case).
    pub fn from_name(name: &str) -> Option<Subset> {
        Subset::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The metrics of the subset, in panel order.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            Subset::Cpu => &[Metric::CpuSummary],
            Subset::Mem => &[Metric::Memory],
            Subset::Io => &[
                Metric::IoRead,
                Metric::IoWrite,
                Metric::IoReadCount,
                Metric::IoWriteCount,
            ],
            Subset::Gpu => &[
                Metric::GpuUtilSummary,
                Metric::GpuBandSummary,
                Metric::GpuMemSummary,
            ],
            Subset::CpuAll => &[Metric::Cpu],
            Subset::GpuAll => &[Metric::GpuUtil, Metric::GpuBand, Metric::GpuMem],
        }
    }
}

impl fmt::Display for Subset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl Metric {
    /// Every metric, in catalogue order.
    pub const ALL: [Metric; 13] = [
        Metric::CpuSummary,
        Metric::Memory,
        Metric::IoRead,
        Metric::IoWrite,
        Metric::IoReadCount,
        Metric::IoWriteCount,
        Metric::GpuUtilSummary,
        Metric::GpuBandSummary,
        Metric::GpuMemSummary,
        Metric::Cpu,
        Metric::GpuUtil,
        Metric::GpuBand,
        Metric::GpuMem,
    ];

    /// JUmPER's key.
    pub fn key(self) -> &'static str {
        match self {
            Metric::CpuSummary => "cpu_summary",
            Metric::Memory => "memory",
            Metric::IoRead => "io_read",
            Metric::IoWrite => "io_write",
            Metric::IoReadCount => "io_read_count",
            Metric::IoWriteCount => "io_write_count",
            Metric::GpuUtilSummary => "gpu_util_summary",
            Metric::GpuBandSummary => "gpu_band_summary",
            Metric::GpuMemSummary => "gpu_mem_summary",
            Metric::Cpu => "cpu",
            Metric::GpuUtil => "gpu_util",
            Metric::GpuBand => "gpu_band",
            Metric::GpuMem => "gpu_mem",
        }
    }

    /// The metric of this key, if any (exact, lower case). Note that `cpu` as typed in
    /// `--metrics` is the subset; see [`resolve_metrics`].
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The subset the metric belongs to.
    pub fn subset(self) -> Subset {
        match self {
            Metric::CpuSummary => Subset::Cpu,
            Metric::Memory => Subset::Mem,
            Metric::IoRead | Metric::IoWrite | Metric::IoReadCount | Metric::IoWriteCount => {
                Subset::Io
            }
            Metric::GpuUtilSummary | Metric::GpuBandSummary | Metric::GpuMemSummary => Subset::Gpu,
            Metric::Cpu => Subset::CpuAll,
            Metric::GpuUtil | Metric::GpuBand | Metric::GpuMem => Subset::GpuAll,
        }
    }

    /// How the panel is drawn.
    pub fn kind(self) -> MetricKind {
        match self {
            Metric::CpuSummary
            | Metric::GpuUtilSummary
            | Metric::GpuBandSummary
            | Metric::GpuMemSummary => MetricKind::Summary,
            Metric::Cpu | Metric::GpuUtil | Metric::GpuBand | Metric::GpuMem => MetricKind::Multi,
            _ => MetricKind::Single,
        }
    }

    /// Whether the metric needs GPU data.
    pub fn needs_gpu(self) -> bool {
        matches!(self.subset(), Subset::Gpu | Subset::GpuAll)
    }

    /// The unit of the values.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Memory | Metric::GpuMemSummary | Metric::GpuMem => "GiB",
            Metric::IoRead | Metric::IoWrite => "MiB/s",
            Metric::IoReadCount | Metric::IoWriteCount => "ops/s",
            _ => "%",
        }
    }

    /// The y-axis description, with the unit.
    pub fn axis_label(self) -> String {
        let what = match self {
            Metric::CpuSummary | Metric::Cpu | Metric::GpuUtilSummary | Metric::GpuUtil => {
                "Utilization"
            }
            Metric::GpuBandSummary | Metric::GpuBand => "Bandwidth",
            Metric::Memory | Metric::GpuMemSummary | Metric::GpuMem => "Memory",
            Metric::IoRead => "Read",
            Metric::IoWrite => "Write",
            Metric::IoReadCount => "Reads",
            Metric::IoWriteCount => "Writes",
        };
        format!("{what} ({})", self.unit())
    }

    /// The panel title (JUmPER's wording, true units), with the CPU or GPU count where it
    /// matters, e.g. `CPU Utilization (%) - 4 CPUs`.
    pub fn title(self, num_cpus: usize, num_gpus: usize) -> String {
        let cpus = plural(num_cpus, "CPU");
        let gpus = plural(num_gpus, "GPU");
        match self {
            Metric::CpuSummary => format!("CPU Utilization (%) - {cpus}"),
            Metric::Cpu => format!("CPU Utilization per Core (%) - {cpus}"),
            Metric::Memory => "Memory Usage (GiB)".into(),
            Metric::IoRead => "I/O Read (MiB/s)".into(),
            Metric::IoWrite => "I/O Write (MiB/s)".into(),
            Metric::IoReadCount => "I/O Read Operations (ops/s)".into(),
            Metric::IoWriteCount => "I/O Write Operations (ops/s)".into(),
            Metric::GpuUtilSummary => format!("GPU Utilization (%) - {gpus}"),
            Metric::GpuBandSummary => format!("GPU Bandwidth Usage (%) - {gpus}"),
            Metric::GpuMemSummary => format!("GPU Memory Usage (GiB) - {gpus}"),
            Metric::GpuUtil => format!("GPU Utilization per GPU (%) - {gpus}"),
            Metric::GpuBand => format!("GPU Bandwidth Usage per GPU (%) - {gpus}"),
            Metric::GpuMem => format!("GPU Memory Usage per GPU (GiB) - {gpus}"),
        }
    }

    /// How the y axis is scaled.
    pub fn y_rule(self) -> YRule {
        match self {
            Metric::Memory | Metric::GpuMemSummary | Metric::GpuMem => YRule::ToLimit,
            Metric::IoRead | Metric::IoWrite | Metric::IoReadCount | Metric::IoWriteCount => {
                YRule::Auto
            }
            _ => YRule::Percent,
        }
    }

    /// The limit drawn on a [`YRule::ToLimit`] panel: the level's memory limit, or the memory
    /// of one GPU. `None` for other metrics and for unknown, zero or absurd (beyond
    /// [`MAX_MAGNITUDE`]) limits.
    pub fn limit(self, level: Level, info: &MonitorInfo) -> Option<f64> {
        let l = match self {
            Metric::Memory => info.memory_limit(level)?,
            Metric::GpuMemSummary | Metric::GpuMem => info.gpu_memory,
            _ => return None,
        };
        (l.is_finite() && l > 0.0 && l <= MAX_MAGNITUDE).then_some(l)
    }

    /// The series of the panel over `rows`, one value per row.
    ///
    /// Summary metrics give min, average and max; single metrics one series; per-core and
    /// per-GPU metrics one series per core or GPU (as many as the widest row has; NaN where
    /// a row has fewer) followed by the average.
    pub fn series<'a, I>(self, rows: I) -> Vec<Series>
    where
        I: IntoIterator<Item = &'a PerfRow>,
        I::IntoIter: Clone,
    {
        let rows = rows.into_iter();
        let col = |label: &str, role: SeriesRole, f: &dyn Fn(&PerfRow) -> f64| Series {
            label: label.to_string(),
            role,
            values: rows.clone().map(f).collect(),
        };
        let summary = |f: &dyn Fn(&PerfRow) -> (f64, f64, f64)| {
            vec![
                col("Min", SeriesRole::Min, &|r| f(r).1),
                col("Average", SeriesRole::Avg, &|r| f(r).0),
                col("Max", SeriesRole::Max, &|r| f(r).2),
            ]
        };
        let multi = |name: &str, f: &dyn Fn(&PerfRow) -> &[f64], avg: &dyn Fn(&PerfRow) -> f64| {
            let n = rows.clone().map(|r| f(r).len()).max().unwrap_or(0);
            let mut out: Vec<Series> = (0..n)
                .map(|i| {
                    col(&format!("{name} {i}"), SeriesRole::Member(i), &|r| {
                        f(r).get(i).copied().unwrap_or(f64::NAN)
                    })
                })
                .collect();
            out.push(col("Average", SeriesRole::Avg, avg));
            out
        };
        match self {
            Metric::CpuSummary => summary(&|r| (r.cpu_util_avg, r.cpu_util_min, r.cpu_util_max)),
            Metric::GpuUtilSummary => summary(&|r| r.gpu_util_summary()),
            Metric::GpuBandSummary => summary(&|r| r.gpu_band_summary()),
            Metric::GpuMemSummary => summary(&|r| r.gpu_mem_summary()),
            Metric::Memory => vec![col("Memory", SeriesRole::Value, &|r| r.memory)],
            Metric::IoRead => vec![col("Read", SeriesRole::Value, &|r| r.io_read / MIB)],
            Metric::IoWrite => vec![col("Write", SeriesRole::Value, &|r| r.io_write / MIB)],
            Metric::IoReadCount => vec![col("Reads", SeriesRole::Value, &|r| r.io_read_count)],
            Metric::IoWriteCount => {
                vec![col("Writes", SeriesRole::Value, &|r| r.io_write_count)]
            }
            // The level's utilisation, not the mean of the drawn cores, so the line is the
            // same number as the summary panel and the report.
            Metric::Cpu => multi("CPU", &|r| &r.cpu_util, &|r| r.cpu_util_avg),
            Metric::GpuUtil => multi("GPU", &|r| &r.gpu_util, &|r| r.gpu_util_summary().0),
            Metric::GpuBand => multi("GPU", &|r| &r.gpu_band, &|r| r.gpu_band_summary().0),
            Metric::GpuMem => multi("GPU", &|r| &r.gpu_mem, &|r| r.gpu_mem_summary().0),
        }
    }

    /// The y range `(low, high)` of the panel for these series and limit (see [`YRule`]);
    /// always finite, within about ±1.1 × [`MAX_MAGNITUDE`], whatever the values.
    pub fn y_bounds(self, series: &[Series], limit: Option<f64>) -> (f64, f64) {
        let finite = || {
            series
                .iter()
                .flat_map(|s| s.values.iter().copied())
                .filter(|v| v.is_finite())
        };
        // Clamped, so that headroom on an absurd value (1.79e308 from a damaged file) cannot
        // overflow to an infinite axis.
        let clamp = |v: f64| v.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE);
        let lo = finite().fold(f64::INFINITY, f64::min);
        let hi = finite().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo <= hi {
            (clamp(lo), clamp(hi))
        } else {
            (f64::NAN, f64::NAN)
        };
        let auto = || {
            if !lo.is_finite() || !hi.is_finite() {
                return (0.0, 1.0);
            }
            let span = hi - lo;
            let pad = if span > 0.0 { span * 0.05 } else { 1.0 };
            let low = if lo >= 0.0 {
                (lo - pad).max(0.0)
            } else {
                lo - pad
            };
            (low, hi + pad)
        };
        match (self.y_rule(), limit.filter(|l| l.is_finite()).map(clamp)) {
            (YRule::Percent, _) => (0.0, 100.0),
            (YRule::ToLimit, Some(l)) => {
                // Data above the limit (a stale or wrong limit) must still be visible.
                let top = if hi.is_finite() && hi > l {
                    hi * 1.05
                } else {
                    l
                };
                (0.0, top)
            }
            // Values below 0 (a damaged file) are drawn at the bottom edge.
            (YRule::ToLimit, None) => (0.0, Some(auto().1).filter(|&t| t > 0.0).unwrap_or(1.0)),
            (YRule::Auto, _) => auto(),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl FromStr for Metric {
    type Err = VizError;
    /// One metric key (not a subset).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase();
        Metric::from_key(&k).ok_or_else(|| unknown(s.trim()))
    }
}

fn unknown(given: &str) -> VizError {
    VizError::UnknownMetric {
        given: given.to_string(),
        keys: Metric::ALL.map(Metric::key).join(", "),
        subsets: Subset::ALL.map(Subset::name).join(", "),
    }
}

/// The panels shown when no metric is asked for: `cpu_summary`, `memory`, `io_read`,
/// `io_write`, and the three GPU summaries when there are GPUs.
pub fn default_metrics(num_gpus: usize) -> Vec<Metric> {
    let mut m = vec![
        Metric::CpuSummary,
        Metric::Memory,
        Metric::IoRead,
        Metric::IoWrite,
    ];
    if num_gpus > 0 {
        m.extend_from_slice(Subset::Gpu.metrics());
    }
    m
}

/// Resolves a `--metrics` list (`a,b,...`: metric keys and subset names, any case) to panels.
///
/// A subset name expands to its metrics, a key is that metric alone; duplicates are dropped,
/// the first mention keeps its place. An empty list gives [`default_metrics`]. Errors name
/// the bad entry and list every valid key and subset; GPU metrics without GPUs are an error.
///
/// ```
/// use jumper_viz::catalog::{resolve_metrics, Metric};
/// let m = resolve_metrics("io_read, mem", 0).unwrap();
/// assert_eq!(m, [Metric::IoRead, Metric::Memory]);
/// assert!(resolve_metrics("gpu", 0).is_err());
/// ```
pub fn resolve_metrics(list: &str, num_gpus: usize) -> Result<Vec<Metric>, VizError> {
    let mut out: Vec<Metric> = Vec::new();
    let mut any = false;
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        any = true;
        let name = item.to_ascii_lowercase();
        let metrics: Vec<Metric> = match Subset::from_name(&name) {
            Some(s) => s.metrics().to_vec(),
            None => vec![Metric::from_key(&name).ok_or_else(|| unknown(item))?],
        };
        if num_gpus == 0 && metrics.iter().any(|m| m.needs_gpu()) {
            return Err(VizError::NoGpus {
                given: item.to_string(),
            });
        }
        for m in metrics {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    Ok(if any { out } else { default_metrics(num_gpus) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64) -> PerfRow {
        PerfRow {
            time: t,
            memory: 1.5,
            io_read: 2.0 * MIB,
            io_write_count: 7.0,
            cpu_util_avg: 40.0,
            cpu_util_min: 10.0,
            cpu_util_max: 70.0,
            cpu_util: vec![10.0, 70.0],
            gpu_util: vec![20.0, 60.0],
            gpu_mem: vec![1.0, 3.0],
            ..Default::default()
        }
    }

    #[test]
    fn subsets_expand_keys_stay_single() {
        assert_eq!(
            resolve_metrics("io", 0).unwrap(),
            [
                Metric::IoRead,
                Metric::IoWrite,
                Metric::IoReadCount,
                Metric::IoWriteCount
            ]
        );
        assert_eq!(resolve_metrics("io_read", 0).unwrap(), [Metric::IoRead]);
        assert_eq!(resolve_metrics("cpu", 0).unwrap(), [Metric::CpuSummary]);
        assert_eq!(resolve_metrics("cpu_all", 0).unwrap(), [Metric::Cpu]);
        assert_eq!(
            resolve_metrics(" Memory ,cpu_summary,cpu,mem", 0).unwrap(),
            [Metric::Memory, Metric::CpuSummary]
        );
        assert_eq!(
            resolve_metrics("gpu_all,gpu_util", 2).unwrap(),
            [Metric::GpuUtil, Metric::GpuBand, Metric::GpuMem]
        );
    }

    #[test]
    fn defaults_depend_on_gpus() {
        let base = [
            Metric::CpuSummary,
            Metric::Memory,
            Metric::IoRead,
            Metric::IoWrite,
        ];
        assert_eq!(resolve_metrics("", 0).unwrap(), base);
        assert_eq!(resolve_metrics(" , ", 0).unwrap(), base);
        let g = resolve_metrics("", 1).unwrap();
        assert_eq!(g.len(), 7);
        assert_eq!(
            &g[4..],
            [
                Metric::GpuUtilSummary,
                Metric::GpuBandSummary,
                Metric::GpuMemSummary
            ]
        );
    }

    #[test]
    fn unknown_metric_lists_everything_valid() {
        let e = resolve_metrics("cpu,disk", 0).unwrap_err().to_string();
        assert!(
            e.starts_with("unknown metric 'disk'; valid metrics: cpu_summary, memory, io_read,"),
            "{e}"
        );
        for k in Metric::ALL {
            assert!(e.contains(k.key()), "{k} missing from: {e}");
        }
        assert!(
            e.ends_with("valid subsets: cpu, mem, io, gpu, cpu_all, gpu_all"),
            "{e}"
        );
    }

    #[test]
    fn gpu_metrics_need_gpus() {
        let e = resolve_metrics("cpu,gpu_mem_summary", 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "metric 'gpu_mem_summary' needs GPU data, but no GPU was recorded in this session"
        );
        assert!(matches!(
            resolve_metrics("gpu_all", 0),
            Err(VizError::NoGpus { .. })
        ));
    }

    #[test]
    fn summary_series_are_min_avg_max() {
        let rows = [row(0.0), row(1.0)];
        let s = Metric::CpuSummary.series(&rows);
        let got: Vec<(&str, f64)> = s.iter().map(|s| (s.label.as_str(), s.values[1])).collect();
        assert_eq!(got, [("Min", 10.0), ("Average", 40.0), ("Max", 70.0)]);
        let g = Metric::GpuUtilSummary.series(&rows);
        assert_eq!(g[0].values, [20.0, 20.0]);
        assert_eq!(g[1].values, [40.0, 40.0]);
        assert_eq!(g[2].values, [60.0, 60.0]);
    }

    #[test]
    fn multi_series_are_members_and_average_never_min_max() {
        let mut short = row(2.0);
        short.cpu_util = vec![30.0];
        let rows = [row(0.0), short];
        let s = Metric::Cpu.series(&rows);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["CPU 0", "CPU 1", "Average"]);
        assert_eq!(s[1].role, SeriesRole::Member(1));
        assert_eq!(s[0].values, [10.0, 30.0]);
        assert!(s[1].values[1].is_nan(), "a missing core is a gap, not 0");
        assert_eq!(s[2].values, [40.0, 40.0]);
        let g = Metric::GpuMem.series(&rows);
        assert_eq!(g.len(), 3);
        assert_eq!(g[2].values, [2.0, 2.0]);
    }

    #[test]
    fn io_is_mib_per_second_and_ops_per_second() {
        let rows = [row(0.0)];
        assert_eq!(Metric::IoRead.series(&rows)[0].values, [2.0]);
        assert_eq!(Metric::IoWriteCount.series(&rows)[0].values, [7.0]);
        assert_eq!(Metric::IoRead.unit(), "MiB/s");
        assert_eq!(Metric::IoRead.title(1, 0), "I/O Read (MiB/s)");
    }

    #[test]
    fn titles_count_cpus_and_gpus_separately() {
        assert_eq!(
            Metric::CpuSummary.title(8, 2),
            "CPU Utilization (%) - 8 CPUs"
        );
        assert_eq!(
            Metric::CpuSummary.title(1, 0),
            "CPU Utilization (%) - 1 CPU"
        );
        assert_eq!(
            Metric::GpuUtilSummary.title(64, 2),
            "GPU Utilization (%) - 2 GPUs"
        );
    }

    #[test]
    fn y_bounds_follow_the_rules() {
        let s = |v: Vec<f64>| {
            vec![Series {
                label: String::new(),
                role: SeriesRole::Value,
                values: v,
            }]
        };
        assert_eq!(
            Metric::CpuSummary.y_bounds(&s(vec![5.0, 20.0]), None),
            (0.0, 100.0)
        );
        assert_eq!(
            Metric::Memory.y_bounds(&s(vec![1.0, 2.0]), Some(16.0)),
            (0.0, 16.0)
        );
        let (lo, hi) = Metric::Memory.y_bounds(&s(vec![1.0, 20.0]), Some(16.0));
        assert_eq!(lo, 0.0);
        assert!((hi - 21.0).abs() < 1e-9);
        let (lo, hi) = Metric::IoRead.y_bounds(&s(vec![10.0, 30.0, f64::NAN]), None);
        assert!(
            (lo - 9.0).abs() < 1e-9 && (hi - 31.0).abs() < 1e-9,
            "{lo} {hi}"
        );
        assert_eq!(
            Metric::IoRead.y_bounds(&s(vec![0.0, 0.0]), None),
            (0.0, 1.0)
        );
        assert_eq!(Metric::IoRead.y_bounds(&s(vec![]), None), (0.0, 1.0));
        // Absurd values and limits give a finite axis (1.79e308 + 5 % would be infinite).
        let (lo, hi) = Metric::Memory.y_bounds(&s(vec![1.0, 1.79e308]), Some(16.0));
        assert_eq!(lo, 0.0);
        assert!((hi - 1.05e15).abs() < 1.0, "{hi}");
        assert_eq!(
            Metric::Memory.y_bounds(&s(vec![1.0]), Some(f64::MAX)),
            (0.0, 1e15)
        );
        let (lo, hi) = Metric::IoRead.y_bounds(&s(vec![-1e308, 1.79e308]), None);
        assert!(
            (lo + 1.1e15).abs() < 1.0 && (hi - 1.1e15).abs() < 1.0,
            "{lo} {hi}"
        );
    }

    #[test]
    fn limits_come_from_the_monitor_info() {
        let mut info = MonitorInfo {
            gpu_memory: 8.0,
            ..Default::default()
        };
        info.memory_limits.insert("user".into(), 31.0);
        assert_eq!(Metric::Memory.limit(Level::User, &info), Some(31.0));
        assert_eq!(Metric::Memory.limit(Level::System, &info), None);
        assert_eq!(Metric::GpuMem.limit(Level::User, &info), Some(8.0));
        assert_eq!(Metric::IoRead.limit(Level::User, &info), None);
        info.memory_limits.insert("user".into(), 1.79e308);
        assert_eq!(Metric::Memory.limit(Level::User, &info), None);
    }

    #[test]
    fn keys_round_trip() {
        for m in Metric::ALL {
            assert_eq!(m.key().parse::<Metric>().unwrap(), m);
            assert!(m.subset().metrics().contains(&m));
        }
        assert!("nope".parse::<Metric>().is_err());
    }
}
