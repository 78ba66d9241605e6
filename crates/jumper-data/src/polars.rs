//! Perf data and cell history as polars DataFrames (feature `polars`).
//!
//! JUmPER pushes `perfdata_df` (with a `cell_index` column) and `cell_history_df` into the
//! notebook; these are the same tables for Rust users. They hold exactly what the CSV export of
//! [`crate::io`] writes — the same column names in the same order and the same values — so a
//! DataFrame and an exported file never disagree:
//!
//! Both are built from the column table of [`crate::io::columns`], column by column, with
//! the table's types: `Float64` for floats, `Int64` for whole numbers, `String`, and
//! `List(String)`.
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

use crate::frame::PerfFrame;
use crate::io::{perf_layout, CellValue, ColumnType, HISTORY};
use crate::CellRecord;

/// A whole number as `Int64`; one beyond `i64::MAX` (only a cell index can be) is refused
/// rather than wrapped.
fn index_i64(ci: u64) -> PolarsResult<i64> {
    i64::try_from(ci).map_err(|_| {
        PolarsError::OutOfBounds(format!("cell index {ci} does not fit in an Int64 column").into())
    })
}

/// One column of `n` values of type `ty`, `get(i)` giving the value of row `i`, as the
/// column table defines it.
fn column<'a>(
    name: &str,
    ty: ColumnType,
    n: usize,
    get: impl Fn(usize) -> CellValue<'a>,
) -> PolarsResult<Column> {
    let name = name.into();
    Ok(match ty {
        ColumnType::Float => Column::new(
            name,
            (0..n)
                .map(|i| match get(i) {
                    CellValue::Float(x) => Some(x),
                    _ => None,
                })
                .collect::<Vec<Option<f64>>>(),
        ),
        ColumnType::Int => Column::new(
            name,
            (0..n)
                .map(|i| match get(i) {
                    CellValue::Int(x) => index_i64(x).map(Some),
                    _ => Ok(None),
                })
                .collect::<PolarsResult<Vec<Option<i64>>>>()?,
        ),
        ColumnType::Text => Column::new(
            name,
            (0..n)
                .map(|i| match get(i) {
                    CellValue::Text(s) => Some(s),
                    _ => None,
                })
                .collect::<Vec<Option<&str>>>(),
        ),
        ColumnType::TextList => {
            let lists: Vec<&[String]> = (0..n)
                .map(|i| match get(i) {
                    CellValue::TextList(l) => l,
                    _ => &[],
                })
                .collect();
            let total = lists.iter().map(|l| l.len()).sum();
            let mut b = ListStringChunkedBuilder::new(name, n, total);
            for l in lists {
                b.append_values_iter(l.iter().map(String::as_str));
            }
            b.finish().into_column()
        }
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
    let idx = frame.cell_indices(cells);
    let cols = perf_layout(frame)
        .into_iter()
        .map(|c| column(&c.name(), c.ty(), rows.len(), |i| c.value(&rows[i], idx[i])))
        .collect::<PolarsResult<Vec<Column>>>()?;
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
    let cols = HISTORY
        .iter()
        .map(|c| column(c.name(), c.ty(), cells.len(), |i| c.value(&cells[i])))
        .collect::<PolarsResult<Vec<Column>>>()?;
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
        let e = index_i64(u64::MAX).unwrap_err().to_string();
        assert!(e.contains("does not fit in an Int64 column"), "{e}");
    }
}
