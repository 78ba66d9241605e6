//! The column reference: every column of the perf and cell-history files, in one table that
//! the CSV and JSON writers, the readers, the polars DataFrames and the session manifest's
//! `schemas` all take their names, order, types and values from.
//!
//! ## Perf data (`perf_<level>.csv`, `%perfmonitor_export_perfdata`)
//!
//! In the order written ([`perf_layout`]). *JUmPER* columns have JUmPER 0.4.1's names and
//! meanings; *extra* columns are jumper's own, written after them (JUmPER ignores them) and
//! only when some row carries raw counters (rows sampled by jumper; an imported JUmPER table
//! has none). `cell_index` is always last.
//!
//! | column | type | origin | meaning |
//! |---|---|---|---|
//! | `time` | float | JUmPER | monotonic seconds (`CLOCK_MONOTONIC`) of the sample |
//! | `io_read_count` | float | JUmPER | read operations per second over the last interval |
//! | `io_write_count` | float | JUmPER | write operations per second over the last interval |
//! | `io_read` | float | JUmPER | bytes read per second over the last interval |
//! | `io_write` | float | JUmPER | bytes written per second over the last interval |
//! | `cpu_util_<i>` | float | JUmPER | utilisation of CPU `i` in percent, `i` = 0..N-1 (below system level each is the level's average, as in JUmPER) |
//! | `cpu_util_avg` | float | JUmPER | utilisation in percent of the level's CPUs |
//! | `cpu_util_min` | float | JUmPER | lowest `cpu_util_<i>` |
//! | `cpu_util_max` | float | JUmPER | highest `cpu_util_<i>` |
//! | `memory` | float | JUmPER | resident memory of the level in GiB |
//! | `gpu_util_avg`, `gpu_util_min`, `gpu_util_max` | float | JUmPER | GPU utilisation in percent across GPUs (with GPUs only) |
//! | `gpu_band_avg`, `gpu_band_min`, `gpu_band_max` | float | JUmPER | GPU memory-bandwidth utilisation in percent across GPUs |
//! | `gpu_mem_avg`, `gpu_mem_min`, `gpu_mem_max` | float | JUmPER | GPU memory used in GiB across GPUs |
//! | `gpu_util_<i>`, `gpu_band_<i>`, `gpu_mem_<i>` | float | JUmPER | the same for GPU `i`, GPU by GPU |
//! | `wallclock` | float | extra | epoch seconds of the sample (empty where unknown) |
//! | `cpu_time` | float | extra | cumulative CPU seconds of the level |
//! | `io_read_bytes_total` | float | extra | cumulative bytes read from storage |
//! | `io_write_bytes_total` | float | extra | cumulative bytes written to storage |
//! | `io_read_ops_total` | float | extra | cumulative read operations |
//! | `io_write_ops_total` | float | extra | cumulative write operations |
//! | `nprocs` | int | extra | processes the sample covers (empty where unknown) |
//! | `sample_kind` | int | extra | why it was taken: 0 tick, 1 cell start, 2 cell end (empty where unknown) |
//! | `cell_index` | int | JUmPER | the cell the sample lies in, empty outside every cell |
//!
//! A reader needs JUmPER's nine [`BASE_PERF_COLUMNS`]; the others are read when present.
//!
//! ## Cell history (`cell_history.csv`, `%perfmonitor_export_cell_history`)
//!
//! | column | type | origin | meaning |
//! |---|---|---|---|
//! | `cell_index` | int | JUmPER | the cell's number, from 0 |
//! | `raw_cell` | text | JUmPER | the cell's source as typed |
//! | `start_time` | float | JUmPER | monotonic seconds at the start |
//! | `end_time` | float | JUmPER | monotonic seconds at the end |
//! | `duration` | float | JUmPER | `end_time - start_time` |
//! | `wallclock_start_time` | float | JUmPER | epoch seconds at the start |
//! | `wallclock_end_time` | float | JUmPER | epoch seconds at the end |
//! | `cell_magics` | text list | JUmPER | the cell's jumper commands without `%` (CSV: a Python list repr, `['a', 'b']`; JSON: a list) |
//! | `status` | text | extra | `ok` or `failed` ([`CellStatus`]) |
//! | `error` | text | extra | the error of a failed cell; empty (JSON: absent) without one |
//!
//! A reader needs the first seven ([`BASE_HISTORY_COLUMNS`]).
//!
//! ## Values
//!
//! CSV: floats with a whole value below 10¹⁵ are written with one decimal (`3.0`, as pandas
//! does, so a reader infers the same type), other floats in the shortest form that reads back
//! exactly (`0.30000000000000004`, `1e-9`); NaN and other non-finite values are written empty.
//! JSON: a list of records (JUmPER's `orient="records"`); perf records have their keys in
//! alphabetical order, cell records in the order above; empty values are `null`.

use std::borrow::Cow;

use serde_json::Value;

use crate::frame::{PerfFrame, PerfRow, RawCounters};
use crate::{CellRecord, CellStatus, SampleKind};

use super::pyrepr::py_repr_list;

/// Who defines a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// JUmPER 0.4.1's column, with its name and meaning.
    Jumper,
    /// jumper's own addition, which JUmPER ignores.
    Extra,
}

/// What the values of a column are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A 64-bit float.
    Float,
    /// A whole number (an `Int64` in polars).
    Int,
    /// Text.
    Text,
    /// A list of texts.
    TextList,
}

/// One value of a table, as the writers see it.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue<'a> {
    /// A float (a NaN is written as no value).
    Float(f64),
    /// A whole number.
    Int(u64),
    /// Text.
    Text(&'a str),
    /// A list of texts.
    TextList(&'a [String]),
    /// No value: an empty CSV field, JSON `null`, a polars null.
    Null,
}

impl CellValue<'_> {
    /// The value as JSON (non-finite floats become `null`).
    pub fn to_json(&self) -> Value {
        match self {
            CellValue::Float(x) => Value::from(*x),
            CellValue::Int(n) => Value::from(*n),
            CellValue::Text(s) => Value::from(*s),
            CellValue::TextList(l) => Value::from(l.to_vec()),
            CellValue::Null => Value::Null,
        }
    }

    /// The value as a CSV field (unquoted; see the [module docs](self#values)).
    pub fn to_csv(&self) -> Cow<'_, str> {
        match self {
            CellValue::Float(x) if !x.is_finite() => Cow::Borrowed(""),
            // Integral floats print as "3.0" like pandas, so types survive a round trip.
            CellValue::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => {
                Cow::Owned(format!("{x:.1}"))
            }
            // serde_json's shortest round-trip form (`1e-9`, `1e+16`), as before the table.
            CellValue::Float(x) => Cow::Owned(Value::from(*x).to_string()),
            CellValue::Int(n) => Cow::Owned(n.to_string()),
            CellValue::Text(s) => Cow::Borrowed(s),
            CellValue::TextList(l) => Cow::Owned(py_repr_list(l)),
            CellValue::Null => Cow::Borrowed(""),
        }
    }
}

/// The three GPU metrics of the perf table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GpuMetric {
    /// `gpu_util`: utilisation in percent.
    Util,
    /// `gpu_band`: memory-bandwidth utilisation in percent.
    Band,
    /// `gpu_mem`: used memory in GiB.
    Mem,
}

impl GpuMetric {
    /// In the order written.
    pub const ALL: [GpuMetric; 3] = [GpuMetric::Util, GpuMetric::Band, GpuMetric::Mem];

    const fn prefix(self) -> &'static str {
        match self {
            GpuMetric::Util => "gpu_util",
            GpuMetric::Band => "gpu_band",
            GpuMetric::Mem => "gpu_mem",
        }
    }

    fn values(self, r: &PerfRow) -> &[f64] {
        match self {
            GpuMetric::Util => &r.gpu_util,
            GpuMetric::Band => &r.gpu_band,
            GpuMetric::Mem => &r.gpu_mem,
        }
    }

    fn values_mut(self, r: &mut PerfRow) -> &mut Vec<f64> {
        match self {
            GpuMetric::Util => &mut r.gpu_util,
            GpuMetric::Band => &mut r.gpu_band,
            GpuMetric::Mem => &mut r.gpu_mem,
        }
    }
}

/// A statistic across GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GpuStat {
    /// The mean.
    Avg,
    /// The lowest.
    Min,
    /// The highest.
    Max,
}

impl GpuStat {
    /// In the order written.
    pub const ALL: [GpuStat; 3] = [GpuStat::Avg, GpuStat::Min, GpuStat::Max];

    const fn suffix(self) -> &'static str {
        match self {
            GpuStat::Avg => "avg",
            GpuStat::Min => "min",
            GpuStat::Max => "max",
        }
    }
}

/// A column of the perf table (see the [module docs](self) for each one's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PerfColumn {
    /// `time`.
    Time,
    /// `io_read_count`.
    IoReadCount,
    /// `io_write_count`.
    IoWriteCount,
    /// `io_read`.
    IoRead,
    /// `io_write`.
    IoWrite,
    /// `cpu_util_<i>`.
    CpuUtil(usize),
    /// `cpu_util_avg`.
    CpuUtilAvg,
    /// `cpu_util_min`.
    CpuUtilMin,
    /// `cpu_util_max`.
    CpuUtilMax,
    /// `memory`.
    Memory,
    /// `gpu_<metric>_<stat>`: a statistic across GPUs.
    GpuSummary(GpuMetric, GpuStat),
    /// `gpu_<metric>_<i>`: one GPU's value.
    Gpu(GpuMetric, usize),
    /// `wallclock`.
    Wallclock,
    /// `cpu_time`.
    CpuTime,
    /// `io_read_bytes_total`.
    IoReadBytesTotal,
    /// `io_write_bytes_total`.
    IoWriteBytesTotal,
    /// `io_read_ops_total`.
    IoReadOpsTotal,
    /// `io_write_ops_total`.
    IoWriteOpsTotal,
    /// `nprocs`.
    Nprocs,
    /// `sample_kind`.
    SampleKind,
    /// `cell_index`.
    CellIndex,
}

/// JUmPER's nine required perf columns, in the order JUmPER checks them (and names the
/// missing ones).
pub const REQUIRED_PERF: [PerfColumn; 9] = [
    PerfColumn::Time,
    PerfColumn::Memory,
    PerfColumn::IoReadCount,
    PerfColumn::IoWriteCount,
    PerfColumn::IoRead,
    PerfColumn::IoWrite,
    PerfColumn::CpuUtilAvg,
    PerfColumn::CpuUtilMin,
    PerfColumn::CpuUtilMax,
];

/// The names of [`REQUIRED_PERF`]: the nine columns every perf file must have (JUmPER's own
/// check).
pub const BASE_PERF_COLUMNS: [&str; 9] = {
    let mut out = [""; 9];
    let mut i = 0;
    while i < 9 {
        out[i] = REQUIRED_PERF[i].fixed_name();
        i += 1;
    }
    out
};

/// jumper's raw-counter columns, in the order written after JUmPER's.
pub const EXTRA_PERF: [PerfColumn; 8] = [
    PerfColumn::Wallclock,
    PerfColumn::CpuTime,
    PerfColumn::IoReadBytesTotal,
    PerfColumn::IoWriteBytesTotal,
    PerfColumn::IoReadOpsTotal,
    PerfColumn::IoWriteOpsTotal,
    PerfColumn::Nprocs,
    PerfColumn::SampleKind,
];

fn raw(r: &PerfRow) -> RawCounters {
    r.raw.unwrap_or_default()
}

impl PerfColumn {
    /// The name, or for a numbered column the prefix before `_<i>`.
    const fn fixed_name(self) -> &'static str {
        use PerfColumn::*;
        match self {
            Time => "time",
            IoReadCount => "io_read_count",
            IoWriteCount => "io_write_count",
            IoRead => "io_read",
            IoWrite => "io_write",
            CpuUtil(_) => "cpu_util",
            CpuUtilAvg => "cpu_util_avg",
            CpuUtilMin => "cpu_util_min",
            CpuUtilMax => "cpu_util_max",
            Memory => "memory",
            GpuSummary(m, _) | Gpu(m, _) => m.prefix(),
            Wallclock => "wallclock",
            CpuTime => "cpu_time",
            IoReadBytesTotal => "io_read_bytes_total",
            IoWriteBytesTotal => "io_write_bytes_total",
            IoReadOpsTotal => "io_read_ops_total",
            IoWriteOpsTotal => "io_write_ops_total",
            Nprocs => "nprocs",
            SampleKind => "sample_kind",
            CellIndex => "cell_index",
        }
    }

    /// The column's name in the file: `time`, `cpu_util_3`, `gpu_mem_avg`, ...
    pub fn name(self) -> Cow<'static, str> {
        match self {
            PerfColumn::CpuUtil(i) | PerfColumn::Gpu(_, i) => {
                Cow::Owned(format!("{}_{i}", self.fixed_name()))
            }
            PerfColumn::GpuSummary(m, s) => Cow::Owned(format!("{}_{}", m.prefix(), s.suffix())),
            _ => Cow::Borrowed(self.fixed_name()),
        }
    }

    /// The type of its values.
    pub fn ty(self) -> ColumnType {
        match self {
            PerfColumn::Nprocs | PerfColumn::SampleKind | PerfColumn::CellIndex => ColumnType::Int,
            _ => ColumnType::Float,
        }
    }

    /// JUmPER's or jumper's.
    pub fn origin(self) -> Origin {
        if EXTRA_PERF.contains(&self) {
            Origin::Extra
        } else {
            Origin::Jumper
        }
    }

    /// Whether a reader needs a value in every row where the column is present: JUmPER's nine
    /// base columns and `cpu_time` (the others read an empty value as 0 or unknown).
    pub fn value_required(self) -> bool {
        self == PerfColumn::CpuTime || REQUIRED_PERF.contains(&self)
    }

    /// The value a row has in this column; `cell_index` is the cell the row lies in.
    pub fn value(self, r: &PerfRow, cell_index: Option<usize>) -> CellValue<'static> {
        use CellValue::{Float, Int, Null};
        let at = |v: &[f64], i: usize| Float(v.get(i).copied().unwrap_or(0.0));
        match self {
            PerfColumn::Time => Float(r.time),
            PerfColumn::IoReadCount => Float(r.io_read_count),
            PerfColumn::IoWriteCount => Float(r.io_write_count),
            PerfColumn::IoRead => Float(r.io_read),
            PerfColumn::IoWrite => Float(r.io_write),
            PerfColumn::CpuUtil(i) => at(&r.cpu_util, i),
            PerfColumn::CpuUtilAvg => Float(r.cpu_util_avg),
            PerfColumn::CpuUtilMin => Float(r.cpu_util_min),
            PerfColumn::CpuUtilMax => Float(r.cpu_util_max),
            PerfColumn::Memory => Float(r.memory),
            PerfColumn::GpuSummary(m, s) => {
                let (avg, min, max) = match m {
                    GpuMetric::Util => r.gpu_util_summary(),
                    GpuMetric::Band => r.gpu_band_summary(),
                    GpuMetric::Mem => r.gpu_mem_summary(),
                };
                Float(match s {
                    GpuStat::Avg => avg,
                    GpuStat::Min => min,
                    GpuStat::Max => max,
                })
            }
            PerfColumn::Gpu(m, i) => at(m.values(r), i),
            PerfColumn::Wallclock => r.wallclock.map_or(Null, Float),
            PerfColumn::CpuTime => Float(raw(r).cpu_time),
            PerfColumn::IoReadBytesTotal => Float(raw(r).io_read_bytes),
            PerfColumn::IoWriteBytesTotal => Float(raw(r).io_write_bytes),
            PerfColumn::IoReadOpsTotal => Float(raw(r).io_read_ops),
            PerfColumn::IoWriteOpsTotal => Float(raw(r).io_write_ops),
            PerfColumn::Nprocs => r.nprocs.map_or(Null, |n| Int(u64::from(n))),
            PerfColumn::SampleKind => r.kind.map_or(Null, |k| Int(u64::from(k.code()))),
            PerfColumn::CellIndex => cell_index.map_or(Null, |c| Int(c as u64)),
        }
    }

    /// Stores a value read from a file into `r` (the parser of the column). `v` is `None` for
    /// an empty value; the reader has already refused an empty value where
    /// [`value_required`](Self::value_required). Per-core and per-GPU lists and `raw` must
    /// already have their size; `cell_index` is not stored (cells come from the history).
    pub fn store(self, r: &mut PerfRow, v: Option<f64>) {
        let x = v.unwrap_or(0.0);
        let mut set_raw = |f: fn(&mut RawCounters) -> &mut f64| {
            if let Some(raw) = r.raw.as_mut() {
                *f(raw) = x;
            }
        };
        match self {
            PerfColumn::IoReadBytesTotal => set_raw(|c| &mut c.io_read_bytes),
            PerfColumn::IoWriteBytesTotal => set_raw(|c| &mut c.io_write_bytes),
            PerfColumn::IoReadOpsTotal => set_raw(|c| &mut c.io_read_ops),
            PerfColumn::IoWriteOpsTotal => set_raw(|c| &mut c.io_write_ops),
            PerfColumn::CpuTime => set_raw(|c| &mut c.cpu_time),
            PerfColumn::Time => r.time = x,
            PerfColumn::IoReadCount => r.io_read_count = x,
            PerfColumn::IoWriteCount => r.io_write_count = x,
            PerfColumn::IoRead => r.io_read = x,
            PerfColumn::IoWrite => r.io_write = x,
            PerfColumn::CpuUtil(i) => set_at(&mut r.cpu_util, i, x),
            PerfColumn::CpuUtilAvg => r.cpu_util_avg = x,
            PerfColumn::CpuUtilMin => r.cpu_util_min = x,
            PerfColumn::CpuUtilMax => r.cpu_util_max = x,
            PerfColumn::Memory => r.memory = x,
            // Derived from the per-GPU values when written; nothing to keep.
            PerfColumn::GpuSummary(..) | PerfColumn::CellIndex => {}
            PerfColumn::Gpu(m, i) => set_at(m.values_mut(r), i, x),
            PerfColumn::Wallclock => r.wallclock = v,
            // Saturating casts: codes outside 0..=255 read as ticks, counts are clamped.
            PerfColumn::Nprocs => r.nprocs = v.map(|n| n as u32),
            PerfColumn::SampleKind => r.kind = v.map(|k| SampleKind::from_code(k as u8)),
        }
    }
}

fn set_at(v: &mut [f64], i: usize, x: f64) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

/// The columns of a frame's table, in the order written: JUmPER's, the per-core and GPU
/// columns the frame has, jumper's extra columns when any row has raw counters, then
/// `cell_index`.
pub fn perf_layout(frame: &PerfFrame) -> Vec<PerfColumn> {
    use PerfColumn::*;
    let mut c = vec![Time, IoReadCount, IoWriteCount, IoRead, IoWrite];
    c.extend((0..frame.num_core_columns()).map(CpuUtil));
    c.extend([CpuUtilAvg, CpuUtilMin, CpuUtilMax, Memory]);
    if frame.num_gpus > 0 {
        for m in GpuMetric::ALL {
            c.extend(GpuStat::ALL.map(|s| GpuSummary(m, s)));
        }
        for i in 0..frame.num_gpus {
            c.extend(GpuMetric::ALL.map(|m| Gpu(m, i)));
        }
    }
    if frame.rows.iter().any(|r| r.raw.is_some()) {
        c.extend(EXTRA_PERF);
    }
    c.push(CellIndex);
    c
}

/// Column names of a frame's table, in the order written (the names of [`perf_layout`]).
pub fn perf_columns(frame: &PerfFrame) -> Vec<String> {
    perf_layout(frame)
        .into_iter()
        .map(|c| c.name().into_owned())
        .collect()
}

/// A column of the cell history (see the [module docs](self) for each one's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HistoryColumn {
    /// `cell_index`.
    CellIndex,
    /// `raw_cell`.
    RawCell,
    /// `start_time`.
    StartTime,
    /// `end_time`.
    EndTime,
    /// `duration`.
    Duration,
    /// `wallclock_start_time`.
    WallclockStartTime,
    /// `wallclock_end_time`.
    WallclockEndTime,
    /// `cell_magics`.
    CellMagics,
    /// `status`.
    Status,
    /// `error`.
    Error,
}

/// Every cell-history column, in the order written.
pub const HISTORY: [HistoryColumn; 10] = [
    HistoryColumn::CellIndex,
    HistoryColumn::RawCell,
    HistoryColumn::StartTime,
    HistoryColumn::EndTime,
    HistoryColumn::Duration,
    HistoryColumn::WallclockStartTime,
    HistoryColumn::WallclockEndTime,
    HistoryColumn::CellMagics,
    HistoryColumn::Status,
    HistoryColumn::Error,
];

const fn history_names<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = HISTORY[i].name();
        i += 1;
    }
    out
}

/// JUmPER's cell-history columns, in order (the first eight of [`HISTORY`]).
pub const HISTORY_COLUMNS: [&str; 8] = history_names::<8>();

/// The seven columns every cell-history file must have (JUmPER's own check; `cell_magics`
/// is optional).
pub const BASE_HISTORY_COLUMNS: [&str; 7] = history_names::<7>();

impl HistoryColumn {
    /// The column's name in the file.
    pub const fn name(self) -> &'static str {
        match self {
            HistoryColumn::CellIndex => "cell_index",
            HistoryColumn::RawCell => "raw_cell",
            HistoryColumn::StartTime => "start_time",
            HistoryColumn::EndTime => "end_time",
            HistoryColumn::Duration => "duration",
            HistoryColumn::WallclockStartTime => "wallclock_start_time",
            HistoryColumn::WallclockEndTime => "wallclock_end_time",
            HistoryColumn::CellMagics => "cell_magics",
            HistoryColumn::Status => "status",
            HistoryColumn::Error => "error",
        }
    }

    /// The type of its values.
    pub fn ty(self) -> ColumnType {
        match self {
            HistoryColumn::CellIndex => ColumnType::Int,
            HistoryColumn::RawCell | HistoryColumn::Status | HistoryColumn::Error => {
                ColumnType::Text
            }
            HistoryColumn::CellMagics => ColumnType::TextList,
            _ => ColumnType::Float,
        }
    }

    /// JUmPER's or jumper's.
    pub fn origin(self) -> Origin {
        match self {
            HistoryColumn::Status | HistoryColumn::Error => Origin::Extra,
            _ => Origin::Jumper,
        }
    }

    /// Whether a JSON record leaves the key out when there is no value (`error` of a cell
    /// without error); elsewhere no value is `null`.
    pub fn omitted_when_null(self) -> bool {
        self == HistoryColumn::Error
    }

    /// The value a cell has in this column.
    pub fn value(self, c: &CellRecord) -> CellValue<'_> {
        use CellValue::Float;
        match self {
            HistoryColumn::CellIndex => CellValue::Int(c.cell_index as u64),
            HistoryColumn::RawCell => CellValue::Text(&c.raw_cell),
            HistoryColumn::StartTime => Float(c.start_time),
            HistoryColumn::EndTime => Float(c.end_time),
            HistoryColumn::Duration => Float(c.duration),
            HistoryColumn::WallclockStartTime => Float(c.wallclock_start_time),
            HistoryColumn::WallclockEndTime => Float(c.wallclock_end_time),
            HistoryColumn::CellMagics => CellValue::TextList(&c.cell_magics),
            HistoryColumn::Status => CellValue::Text(c.status.as_str()),
            HistoryColumn::Error => c.error.as_deref().map_or(CellValue::Null, CellValue::Text),
        }
    }

    /// A float column's field of a record, for the reader (`None` for other columns).
    pub(crate) fn float_mut(self, c: &mut CellRecord) -> Option<&mut f64> {
        match self {
            HistoryColumn::StartTime => Some(&mut c.start_time),
            HistoryColumn::EndTime => Some(&mut c.end_time),
            HistoryColumn::Duration => Some(&mut c.duration),
            HistoryColumn::WallclockStartTime => Some(&mut c.wallclock_start_time),
            HistoryColumn::WallclockEndTime => Some(&mut c.wallclock_end_time),
            _ => None,
        }
    }
}

/// The names of every cell-history column jumper writes ([`HISTORY`]), as the manifest's
/// `schemas.cell_history` records them.
pub fn history_columns() -> Vec<String> {
    HISTORY.iter().map(|c| c.name().to_string()).collect()
}

/// The status text of a file, as [`CellStatus`]; anything but `failed` reads as `ok` (JUmPER
/// writes no status at all).
pub(crate) fn parse_status(s: Option<&str>) -> CellStatus {
    s.and_then(|s| s.parse().ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn frame(num_gpus: usize, raw: bool) -> PerfFrame {
        PerfFrame {
            level: Level::System,
            num_cpus: 2,
            num_gpus,
            rows: vec![PerfRow {
                cpu_util: vec![1.0, 2.0],
                raw: raw.then(RawCounters::default),
                ..PerfRow::default()
            }],
        }
    }

    #[test]
    fn names_round_trip_and_constants_agree_with_the_table() {
        assert_eq!(
            BASE_PERF_COLUMNS,
            [
                "time",
                "memory",
                "io_read_count",
                "io_write_count",
                "io_read",
                "io_write",
                "cpu_util_avg",
                "cpu_util_min",
                "cpu_util_max"
            ]
        );
        assert_eq!(HISTORY_COLUMNS[7], "cell_magics");
        assert_eq!(BASE_HISTORY_COLUMNS[6], "wallclock_end_time");
        let cols = perf_columns(&frame(1, true));
        assert_eq!(cols.len(), 5 + 2 + 4 + 9 + 3 + 8 + 1);
        assert_eq!(cols[5..7], ["cpu_util_0", "cpu_util_1"]);
        assert_eq!(
            cols[11..14],
            ["gpu_util_avg", "gpu_util_min", "gpu_util_max"]
        );
        assert_eq!(cols[20..23], ["gpu_util_0", "gpu_band_0", "gpu_mem_0"]);
        assert_eq!(cols[23], "wallclock");
        assert_eq!(cols.last().unwrap(), "cell_index");
        let plain = perf_columns(&frame(0, false));
        assert_eq!(plain.len(), 12);
        assert_eq!(PerfColumn::Nprocs.origin(), Origin::Extra);
        assert_eq!(PerfColumn::Gpu(GpuMetric::Mem, 3).origin(), Origin::Jumper);
        assert_eq!(PerfColumn::SampleKind.ty(), ColumnType::Int);
        assert_eq!(HistoryColumn::CellMagics.ty(), ColumnType::TextList);
    }

    /// The column reference in the module docs names every column the table has, with its
    /// type and origin, so the docs cannot drift from the code.
    #[test]
    fn the_column_reference_documents_every_column() {
        let doc = include_str!("columns.rs");
        let rows: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("//! | `"))
            .collect();
        let documented = |name: &str, ty: ColumnType, origin: Origin| {
            let ty = match ty {
                ColumnType::Float => "float",
                ColumnType::Int => "int",
                ColumnType::Text => "text",
                ColumnType::TextList => "text list",
            };
            let origin = match origin {
                Origin::Jumper => "JUmPER",
                Origin::Extra => "extra",
            };
            let generic = name
                .rsplit_once('_')
                .filter(|(_, i)| i.parse::<usize>().is_ok())
                .map(|(p, _)| format!("{p}_<i>"));
            rows.iter().any(|r| {
                let names = r.split(" | ").next().unwrap_or("");
                let names_match = names
                    .split("`, `")
                    .map(|n| n.trim_matches('`'))
                    .any(|n| n == name || Some(n) == generic.as_deref());
                names_match && r.contains(&format!(" | {ty} | {origin} | "))
            })
        };
        for c in perf_layout(&frame(2, true)) {
            assert!(documented(&c.name(), c.ty(), c.origin()), "{}", c.name());
        }
        for c in HISTORY {
            assert!(documented(c.name(), c.ty(), c.origin()), "{}", c.name());
        }
    }

    #[test]
    fn csv_and_json_forms_of_values() {
        let f = |x: f64| CellValue::Float(x).to_csv().into_owned();
        assert_eq!(f(3.0), "3.0");
        assert_eq!(f(-0.0), "-0.0");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(1e15), "1000000000000000.0");
        assert_eq!(f(1e16), "1e+16");
        assert_eq!(f(f64::NAN), "");
        assert_eq!(CellValue::Float(f64::INFINITY).to_json(), Value::Null);
        assert_eq!(CellValue::Int(7).to_csv(), "7");
        assert_eq!(CellValue::Null.to_json(), Value::Null);
        let l = ["a'b".to_string()];
        assert_eq!(CellValue::TextList(&l).to_csv(), "[\"a'b\"]");
        assert_eq!(
            CellValue::TextList(&l).to_json(),
            serde_json::json!(["a'b"])
        );
    }
}
