//! Perf data and cell history as polars DataFrames (feature `polars`).
//!
//! JUmPER pushes `perfdata_df` (with a `cell_index` column) and `cell_history_df` into the
//! notebook; these are the same tables for Rust users. They hold exactly what the CSV export of
//! [`crate::io`] writes — the same column names in the same order and the same values — so a
//! DataFrame and an exported file never disagree:
//!
//! - [`perf_dataframe`]: the columns of [`crate::io::perf_columns`]. Measurements, `wallclock`
//!   and the raw counters are `Float64`; `nprocs`, `sample_kind` and `cell_index` are `Int64`
//!   (what a CSV reader infers from the export). Where the CSV has an empty field the DataFrame
//!   has a null: `cell_index` of a row outside every cell, and `wallclock`, `nprocs`,
//!   `sample_kind` of rows imported from JUmPER.
//! - [`history_dataframe`]: JUmPER's cell-history columns ([`crate::io::HISTORY_COLUMNS`]) then
//!   `status` and `error`. `cell_magics` is a `List(String)` (a real list, as in JUmPER's
//!   DataFrame and in the JSON export; the CSV writes its Python repr); `error` is null for a
//!   cell without error.
//!
//! [`polars`] itself is re-exported, so callers use the version these functions
//! return.

pub use ::polars;

use ::polars::prelude::{
    Column, DataFrame, IntoColumn, ListBuilderTrait, ListStringChunkedBuilder, PolarsError,
    PolarsResult,
};

use crate::frame::{PerfFrame, PerfRow};
use crate::{CellRecord, CellStatus};

/// `(avg, min, max)` across GPUs of one metric of a row.
type GpuSummary = fn(&PerfRow) -> (f64, f64, f64);

/// A `Float64` column of one value per row.
fn f64_col(name: &str, rows: &[PerfRow], get: impl Fn(&PerfRow) -> f64) -> Column {
    Column::new(name.into(), rows.iter().map(get).collect::<Vec<f64>>())
}

/// The value at `i` of a per-core or per-GPU list, 0 where the row has fewer entries (as the
/// CSV writer does).
fn at(v: &[f64], i: usize) -> f64 {
    v.get(i).copied().unwrap_or(0.0)
}

/// A cell index as `Int64`; an index beyond `i64::MAX` is refused rather than wrapped.
fn index_i64(ci: usize) -> PolarsResult<i64> {
    i64::try_from(ci).map_err(|_| {
        PolarsError::OutOfBounds(format!("cell index {ci} does not fit in an Int64 column").into())
    })
}

/// The perf table of `frame` with a `cell_index` column from `cells`, exactly as
/// [`crate::io::write_perf_csv`] writes it.
///
/// Columns, in order: `time, io_read_count, io_write_count, io_read, io_write`,
/// `cpu_util_0..N-1, cpu_util_avg, cpu_util_min, cpu_util_max, memory`; with GPUs
/// `gpu_{util,band,mem}_{avg,min,max}` and per GPU `gpu_util_i, gpu_band_i, gpu_mem_i`; when any
/// row carries raw counters `wallclock, cpu_time, io_read_bytes_total, io_write_bytes_total,
/// io_read_ops_total, io_write_ops_total, nprocs, sample_kind`; last `cell_index`, null for rows
/// outside every cell.
///
/// ```
/// use jumper_data::polars::perf_dataframe;
/// use jumper_data::{CellRecord, Level, LevelSample, PerfFrame};
///
/// let samples: Vec<LevelSample> = (0..3)
///     .map(|i| LevelSample { time: f64::from(i), cpu_time: 0.5 * f64::from(i), ..Default::default() })
///     .collect();
/// let frame = PerfFrame::from_samples(Level::Process, 1, &samples);
/// let cells = [CellRecord { cell_index: 0, start_time: 0.5, end_time: 2.0, ..Default::default() }];
/// let df = perf_dataframe(&frame, &cells)?;
/// assert_eq!(df.height(), 3);
/// assert_eq!(df.column("cpu_util_avg")?.f64()?.get(1), Some(50.0));
/// assert_eq!(df.column("cell_index")?.i64()?.get(0), None);
/// assert_eq!(df.column("cell_index")?.i64()?.get(2), Some(0));
/// # Ok::<(), jumper_data::polars::polars::prelude::PolarsError>(())
/// ```
pub fn perf_dataframe(frame: &PerfFrame, cells: &[CellRecord]) -> Result<DataFrame, PolarsError> {
    let rows = frame.rows.as_slice();
    let mut cols = vec![
        f64_col("time", rows, |r| r.time),
        f64_col("io_read_count", rows, |r| r.io_read_count),
        f64_col("io_write_count", rows, |r| r.io_write_count),
        f64_col("io_read", rows, |r| r.io_read),
        f64_col("io_write", rows, |r| r.io_write),
    ];
    for i in 0..frame.num_core_columns() {
        cols.push(f64_col(&format!("cpu_util_{i}"), rows, |r| {
            at(&r.cpu_util, i)
        }));
    }
    cols.extend([
        f64_col("cpu_util_avg", rows, |r| r.cpu_util_avg),
        f64_col("cpu_util_min", rows, |r| r.cpu_util_min),
        f64_col("cpu_util_max", rows, |r| r.cpu_util_max),
        f64_col("memory", rows, |r| r.memory),
    ]);
    if frame.num_gpus > 0 {
        let summaries: [(&str, GpuSummary); 3] = [
            ("gpu_util", PerfRow::gpu_util_summary),
            ("gpu_band", PerfRow::gpu_band_summary),
            ("gpu_mem", PerfRow::gpu_mem_summary),
        ];
        for (metric, summary) in summaries {
            cols.push(f64_col(&format!("{metric}_avg"), rows, |r| summary(r).0));
            cols.push(f64_col(&format!("{metric}_min"), rows, |r| summary(r).1));
            cols.push(f64_col(&format!("{metric}_max"), rows, |r| summary(r).2));
        }
        for i in 0..frame.num_gpus {
            cols.push(f64_col(&format!("gpu_util_{i}"), rows, |r| {
                at(&r.gpu_util, i)
            }));
            cols.push(f64_col(&format!("gpu_band_{i}"), rows, |r| {
                at(&r.gpu_band, i)
            }));
            cols.push(f64_col(&format!("gpu_mem_{i}"), rows, |r| {
                at(&r.gpu_mem, i)
            }));
        }
    }
    if rows.iter().any(|r| r.raw.is_some()) {
        let raw = |r: &PerfRow| r.raw.unwrap_or_default();
        cols.extend([
            Column::new(
                "wallclock".into(),
                rows.iter().map(|r| r.wallclock).collect::<Vec<_>>(),
            ),
            f64_col("cpu_time", rows, |r| raw(r).cpu_time),
            f64_col("io_read_bytes_total", rows, |r| raw(r).io_read_bytes),
            f64_col("io_write_bytes_total", rows, |r| raw(r).io_write_bytes),
            f64_col("io_read_ops_total", rows, |r| raw(r).io_read_ops),
            f64_col("io_write_ops_total", rows, |r| raw(r).io_write_ops),
            Column::new(
                "nprocs".into(),
                rows.iter()
                    .map(|r| r.nprocs.map(i64::from))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "sample_kind".into(),
                rows.iter()
                    .map(|r| r.kind.map(|k| i64::from(k.code())))
                    .collect::<Vec<_>>(),
            ),
        ]);
    }
    let cell_index = frame
        .cell_indices(cells)
        .into_iter()
        .map(|ci| ci.map(index_i64).transpose())
        .collect::<PolarsResult<Vec<Option<i64>>>>()?;
    cols.push(Column::new("cell_index".into(), cell_index));
    DataFrame::new(rows.len(), cols)
}

/// The cell history as a table, with the columns [`crate::io::write_history_csv`] writes:
/// `cell_index, raw_cell, start_time, end_time, duration, wallclock_start_time,
/// wallclock_end_time, cell_magics, status, error`.
///
/// `cell_index` is `Int64`, times are `Float64`, `cell_magics` is `List(String)`, `status` is
/// `"ok"` or `"failed"`, and `error` is null for a cell without error.
///
/// ```
/// use jumper_data::polars::history_dataframe;
/// use jumper_data::{CellRecord, CellStatus};
///
/// let cells = [CellRecord {
///     cell_index: 0,
///     raw_cell: "%perfmonitor_start 0.1".into(),
///     cell_magics: vec!["perfmonitor_start 0.1".into()],
///     status: CellStatus::Failed,
///     error: Some("boom".into()),
///     ..Default::default()
/// }];
/// let df = history_dataframe(&cells)?;
/// assert_eq!(df.shape(), (1, 10));
/// assert_eq!(df.column("status")?.str()?.get(0), Some("failed"));
/// # Ok::<(), jumper_data::polars::polars::prelude::PolarsError>(())
/// ```
pub fn history_dataframe(cells: &[CellRecord]) -> Result<DataFrame, PolarsError> {
    let f = |name: &str, get: fn(&CellRecord) -> f64| -> Column {
        Column::new(name.into(), cells.iter().map(get).collect::<Vec<f64>>())
    };
    let index = cells
        .iter()
        .map(|c| index_i64(c.cell_index))
        .collect::<PolarsResult<Vec<i64>>>()?;
    let n_magics = cells.iter().map(|c| c.cell_magics.len()).sum();
    let mut magics = ListStringChunkedBuilder::new("cell_magics".into(), cells.len(), n_magics);
    for c in cells {
        magics.append_values_iter(c.cell_magics.iter().map(String::as_str));
    }
    let cols = vec![
        Column::new("cell_index".into(), index),
        Column::new(
            "raw_cell".into(),
            cells
                .iter()
                .map(|c| c.raw_cell.as_str())
                .collect::<Vec<_>>(),
        ),
        f("start_time", |c| c.start_time),
        f("end_time", |c| c.end_time),
        f("duration", |c| c.duration),
        f("wallclock_start_time", |c| c.wallclock_start_time),
        f("wallclock_end_time", |c| c.wallclock_end_time),
        magics.finish().into_column(),
        Column::new(
            "status".into(),
            cells
                .iter()
                .map(|c| match c.status {
                    CellStatus::Ok => "ok",
                    CellStatus::Failed => "failed",
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "error".into(),
            cells.iter().map(|c| c.error.as_deref()).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(cells.len(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::polars::prelude::DataType;

    #[test]
    fn empty_inputs_keep_names_and_types() {
        let frame = PerfFrame {
            level: crate::Level::Process,
            num_cpus: 2,
            num_gpus: 0,
            rows: vec![],
        };
        let df = perf_dataframe(&frame, &[]).unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names, crate::io::perf_columns(&frame));
        assert_eq!(df.shape(), (0, 12));
        assert_eq!(df.column("cell_index").unwrap().dtype(), &DataType::Int64);

        let h = history_dataframe(&[]).unwrap();
        assert_eq!(h.shape(), (0, 10));
        assert_eq!(
            h.column("cell_magics").unwrap().dtype(),
            &DataType::List(Box::new(DataType::String))
        );
        assert_eq!(h.column("error").unwrap().dtype(), &DataType::String);
    }

    #[test]
    fn index_beyond_i64_is_an_error_not_a_wrap() {
        assert_eq!(index_i64(7).unwrap(), 7);
        if let Ok(big) = usize::try_from(u64::MAX) {
            let e = index_i64(big).unwrap_err().to_string();
            assert!(e.contains("does not fit in an Int64 column"), "{e}");
        }
    }
}
