//! CSV and JSON files with JUmPER's column names: perf data and cell history.
//!
//! The columns, their types, meanings and origin (JUmPER's or jumper's extra) are in
//! [`columns`], the one table every writer, reader, DataFrame and session manifest uses.
//!
//! | file | job |
//! |---|---|
//! | [`columns`] | the column reference and table: names, order, types, getters, parsers |
//! | `write.rs` | CSV and JSON writers ([`write_perf_csv`], [`perf_records`], [`export_perf`], ...) |
//! | `read.rs` | readers ([`read_perf`], [`read_history`] and their text and stream forms) |
//! | `table.rs` | records from streamed CSV or a JSON list |
//! | `problem.rs` | [`FileKind`], [`Location`], [`LoadProblem`]: what went wrong, where |
//! | `format.rs`, `file.rs`, `pyrepr.rs` | CSV or JSON, opening regular files only, Python list reprs |
//!
//! ## Reading (`%perfmonitor_load_perfdata FILE`, `%perfmonitor_load_cell_history FILE`)
//!
//! [`read_perf`] and [`read_history`] load one file, CSV or JSON by extension (`.csv`,
//! `.json`, any case; no extension: JSON if the text starts with `[`, else CSV; any other
//! extension is refused). They check what JUmPER checks, and more, and never panic or block
//! on any input: every failure is one [`DataError::Load`](crate::DataError::Load) that names the file, whose source
//! (a [`LoadProblem`]) says what is wrong and, where there is one, the place; printed as a
//! chain, `error: source`:
//!
//! | problem | message |
//! |---|---|
//! | no such file | `cannot load perf data from 'f.csv': no such file or directory` |
//! | a named pipe, directory or device | `cannot load perf data from 'f.csv': not a regular file (it is a named pipe (FIFO))` |
//! | other extension | `cannot load perf data from 'f.txt': unsupported format 'txt' (supported: csv, json)` |
//! | required column absent | `cannot load perf data from 'f.csv': missing columns: io_read, cpu_util_max` |
//! | value not a finite number | `cannot load cell history from 'h.csv': line 7, column 3 (start_time): 'abc' is not a number` |
//! | broken CSV or JSON | `cannot load perf data from 'f.csv': line 9 has 5 fields where the header has 12` |
//!
//! Required: JUmPER's nine [`BASE_PERF_COLUMNS`] and seven [`BASE_HISTORY_COLUMNS`]. Lines
//! are 1-based lines of the file (header = line 1; a record with a multi-line `raw_cell`
//! is reported at the line it starts on); in JSON the place is the 1-based record. Empty
//! values, JSON `null` and `NaN` are "no value": allowed in optional columns (per-core, GPU,
//! `cell_index` of perf rows), an error in required ones; `inf` is refused everywhere. CSV
//! is read record by record, so a stream (a zip member) is never held whole, and a line
//! longer than [`MAX_LINE_BYTES`] is refused.

pub mod columns;
mod file;
mod format;
mod problem;
mod pyrepr;
mod read;
mod table;
mod write;

pub use columns::{
    history_columns, perf_columns, perf_layout, CellValue, ColumnType, GpuMetric, GpuStat,
    HistoryColumn, Origin, PerfColumn, BASE_HISTORY_COLUMNS, BASE_PERF_COLUMNS, HISTORY,
    HISTORY_COLUMNS,
};
pub use format::Format;
pub use problem::{describe_bad_value, FileKind, LoadProblem, Location};
pub use pyrepr::{parse_py_list, py_repr_list, py_repr_str};
pub use read::{
    history_from_reader, history_from_text, perf_from_reader, perf_from_text,
    perf_table_from_reader, perf_with_columns_from_reader, read_history, read_perf, PerfTable,
};
pub use table::MAX_LINE_BYTES;
pub use write::{
    export_history, export_perf, perf_records, write_history_csv, write_perf_csv, write_perf_rows,
};

#[cfg(test)]
mod tests;
