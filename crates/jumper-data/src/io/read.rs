//! The readers: a perf table or a cell history from a file, a stream or text, with every
//! column found by name through the [column table](super::columns).

use std::io::Read;
use std::path::Path;

use super::columns::{
    parse_status, GpuMetric, HistoryColumn, PerfColumn, BASE_HISTORY_COLUMNS, BASE_PERF_COLUMNS,
    EXTRA_PERF, HISTORY, REQUIRED_PERF,
};
use super::file::open_for_load;
use super::problem::{printable, shorten, FileKind, LoadProblem};
use super::pyrepr::parse_py_list;
use super::table::{Records, Row};
use crate::frame::{PerfFrame, PerfRow, RawCounters};
use crate::{CellRecord, DataError};

fn load_err(path: &Path, what: FileKind, problem: LoadProblem) -> DataError {
    DataError::Load {
        path: path.to_path_buf(),
        what,
        problem,
    }
}

/// Reads the values of one table, with errors that name the file, record and column.
struct Cells<'a, R> {
    path: &'a Path,
    what: FileKind,
    table: &'a Records<R>,
}

impl<R> Cells<'_, R> {
    fn bad(&self, row: &Row, col: usize, value: &str) -> DataError {
        load_err(
            self.path,
            self.what,
            LoadProblem::NotANumber {
                at: row.at,
                column_number: col + 1,
                column: self.table.columns.get(col).cloned().unwrap_or_default(),
                value: shorten(value),
            },
        )
    }

    /// An optional number: empty, `null` and NaN read as absent; anything else must parse
    /// to a finite number.
    fn opt(&self, row: &Row, col: usize) -> Result<Option<f64>, DataError> {
        let Some(s) = row.get(col).map(str::trim) else {
            return Ok(None);
        };
        if s.is_empty() || s == "null" {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            Ok(x) if x.is_nan() => Ok(None),
            _ => Err(self.bad(row, col, s)),
        }
    }

    /// A required number in column `col`.
    fn num(&self, row: &Row, col: usize) -> Result<f64, DataError> {
        self.opt(row, col)?
            .ok_or_else(|| self.bad(row, col, row.get(col).unwrap_or_default()))
    }
}

fn require<R>(path: &Path, what: FileKind, t: &Records<R>, cols: &[&str]) -> Result<(), DataError> {
    let missing: Vec<String> = cols
        .iter()
        .filter(|c| t.index(c).is_none())
        .map(|c| c.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(load_err(path, what, LoadProblem::MissingColumns(missing)))
    }
}

fn open<R: Read>(path: &Path, what: FileKind, reader: R) -> Result<Records<R>, DataError> {
    Records::open(path, reader).map_err(|p| load_err(path, what, p))
}

/// Reads a perf CSV/JSON written by jumper or JUmPER (`%perfmonitor_load_perfdata FILE`).
///
/// The format comes from the extension: `.csv` or `.json` (any case); a file without an
/// extension is read as JSON when it starts with `[`, else as CSV; any other extension is
/// refused. Only a regular file is read: a named pipe or a directory is refused before
/// anything blocks. Columns are found by name, never by position, so every JUmPER backend's
/// order reads. JUmPER's nine base columns ([`BASE_PERF_COLUMNS`]) are required; per-core
/// (`cpu_util_<i>`), GPU and jumper's raw-counter columns are read when present, anything
/// else is ignored. Rows are returned in time order.
///
/// `num_cpus` is the CPU count the level's utilisation refers to (from the manifest).
///
/// Every failure is a [`DataError::Load`] that names the file; its source says what is wrong:
/// `cannot load perf data from 'f.csv': missing columns: io_read, cpu_util_max` or
/// `cannot load perf data from 'f.csv': line 7, column 11 (memory): 'abc' is not a number`.
///
/// ```
/// use std::error::Error;
/// use std::path::Path;
/// use jumper_data::io::read_perf;
/// use jumper_data::Level;
///
/// let e = read_perf(Path::new("perf.txt"), Level::Process, 2).unwrap_err();
/// assert_eq!(e.to_string(), "cannot load perf data from 'perf.txt'");
/// assert_eq!(
///     e.source().unwrap().to_string(),
///     "unsupported format 'txt' (supported: csv, json)"
/// );
/// ```
pub fn read_perf(
    path: &Path,
    level: crate::Level,
    num_cpus: usize,
) -> Result<PerfFrame, DataError> {
    let file = open_for_load(path, FileKind::PerfData)?;
    perf_from_reader(path, file, level, num_cpus)
}

/// Like [`read_perf`] on text already read; `path` names the file in errors and picks CSV or
/// JSON by its extension (other extensions: by content).
pub fn perf_from_text(
    path: &Path,
    text: &str,
    level: crate::Level,
    num_cpus: usize,
) -> Result<PerfFrame, DataError> {
    perf_from_reader(path, text.as_bytes(), level, num_cpus)
}

/// Like [`read_perf`] on a stream (e.g. a member of a zip): CSV is parsed record by record,
/// never held whole, and a line longer than
/// [`MAX_LINE_BYTES`](super::MAX_LINE_BYTES) is refused.
pub fn perf_from_reader(
    path: &Path,
    reader: impl Read,
    level: crate::Level,
    num_cpus: usize,
) -> Result<PerfFrame, DataError> {
    perf_with_columns_from_reader(path, reader, level, num_cpus).map(|(_, f)| f)
}

/// Like [`perf_from_reader`], also returning the file's header as read (for callers that
/// tell writers apart by their column order, as the session importer does).
pub fn perf_with_columns_from_reader(
    path: &Path,
    reader: impl Read,
    level: crate::Level,
    num_cpus: usize,
) -> Result<(Vec<String>, PerfFrame), DataError> {
    perf_table_from_reader(path, reader, level, num_cpus).map(|t| (t.columns, t.frame))
}

/// A perf table as [`perf_table_from_reader`] read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfTable {
    /// The file's header, as read.
    pub columns: Vec<String>,
    /// The rows.
    pub frame: PerfFrame,
    /// The line number of a last line that was cut short and left out: a writer stopped in
    /// the middle of appending it (a node agent killed mid-save). `None` for a whole file.
    pub torn_line: Option<u64>,
}

/// Like [`perf_with_columns_from_reader`], also saying whether the file's last line was cut
/// short. Such a line has no newline: in a table jumper wrote (one with raw counters; its
/// writer ends every line) it is left out whatever it holds, a value may have lost digits;
/// in another table it is left out when it does not read (too few fields, a value cut off).
/// The rows before it still read; a bad line anywhere else is an error.
pub fn perf_table_from_reader(
    path: &Path,
    reader: impl Read,
    level: crate::Level,
    num_cpus: usize,
) -> Result<PerfTable, DataError> {
    let what = FileKind::PerfData;
    let mut t = open(path, what, reader)?;
    require(path, what, &t, &BASE_PERF_COLUMNS)?;
    // The columns this file has, by the table: numbered ones only while the numbers are
    // contiguous from 0; per-GPU bandwidth and memory only for GPUs that have utilisation.
    let numbered = |prefix: GpuMetric| -> Vec<usize> {
        (0..)
            .map_while(|i| t.index(&PerfColumn::Gpu(prefix, i).name()))
            .collect()
    };
    let cores: Vec<usize> = (0..)
        .map_while(|i| t.index(&PerfColumn::CpuUtil(i).name()))
        .collect();
    let ngpus = numbered(GpuMetric::Util).len();
    let has_raw = t.index(&PerfColumn::CpuTime.name()).is_some();
    let mut plan: Vec<(usize, PerfColumn)> = Vec::new();
    let mut add = |col: PerfColumn| {
        if let Some(k) = t.index(&col.name()) {
            plan.push((k, col));
        }
    };
    REQUIRED_PERF.into_iter().for_each(&mut add);
    (0..cores.len()).map(PerfColumn::CpuUtil).for_each(&mut add);
    for i in 0..ngpus {
        GpuMetric::ALL
            .map(|m| PerfColumn::Gpu(m, i))
            .into_iter()
            .for_each(&mut add);
    }
    EXTRA_PERF.into_iter().for_each(&mut add);
    // Errors name the leftmost bad value of a record.
    plan.sort_by_key(|(k, _)| *k);

    let mut rows: Vec<PerfRow> = Vec::new();
    let mut torn_line = None;
    loop {
        let parsed = match t.next_row() {
            Ok(Some(row)) => {
                let c = Cells {
                    path,
                    what,
                    table: &t,
                };
                let mut r = PerfRow {
                    cpu_util: vec![0.0; cores.len()],
                    gpu_util: vec![0.0; ngpus],
                    gpu_band: vec![0.0; ngpus],
                    gpu_mem: vec![0.0; ngpus],
                    raw: has_raw.then(RawCounters::default),
                    ..PerfRow::default()
                };
                plan.iter()
                    .try_for_each(|&(k, col)| {
                        let v = if col.value_required() {
                            Some(c.num(&row, k)?)
                        } else {
                            c.opt(&row, k)?
                        };
                        col.store(&mut r, v);
                        Ok(())
                    })
                    .map(|()| r)
            }
            Ok(None) => break,
            Err(p) => Err(load_err(path, what, p)),
        };
        match parsed {
            Ok(r) => rows.push(r),
            Err(e) if may_be_torn(&e) && t.failed_record_was_torn_tail() => {
                // The torn line is the one after the last row read.
                torn_line = Some(rows.len() as u64 + 2);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    if torn_line.is_none() && has_raw && t.ended_without_newline() && rows.pop().is_some() {
        torn_line = Some(rows.len() as u64 + 2);
    }
    rows.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut prev = None;
    for r in &mut rows {
        r.dt = prev.map_or(0.0, |p| r.time - p);
        prev = Some(r.time);
    }
    let frame = PerfFrame {
        level,
        num_cpus: num_cpus.max(1),
        num_gpus: ngpus,
        rows,
    };
    Ok(PerfTable {
        columns: t.columns,
        frame,
        torn_line,
    })
}

/// Whether `e` is what a line cut short reads as: too few fields or a value that is not a
/// number (never an I/O failure or a line over the limit).
fn may_be_torn(e: &DataError) -> bool {
    matches!(
        e,
        DataError::Load {
            problem: LoadProblem::FieldCount { .. } | LoadProblem::NotANumber { .. },
            ..
        }
    )
}

/// Reads a cell-history CSV/JSON written by jumper or JUmPER
/// (`%perfmonitor_load_cell_history FILE`).
///
/// Formats and errors as for [`read_perf`]; the seven [`BASE_HISTORY_COLUMNS`] are
/// required, `cell_magics` (a Python list repr in CSV, a list in JSON), `status` and `error`
/// are read when present. Cells keep the `cell_index` values of the file (JUmPER's
/// numbering, not positions) and are returned in that order.
pub fn read_history(path: &Path) -> Result<Vec<CellRecord>, DataError> {
    let file = open_for_load(path, FileKind::CellHistory)?;
    history_from_reader(path, file)
}

/// Like [`read_history`] on text already read.
pub fn history_from_text(path: &Path, text: &str) -> Result<Vec<CellRecord>, DataError> {
    history_from_reader(path, text.as_bytes())
}

/// Like [`read_history`] on a stream.
pub fn history_from_reader(path: &Path, reader: impl Read) -> Result<Vec<CellRecord>, DataError> {
    let what = FileKind::CellHistory;
    let mut t = open(path, what, reader)?;
    require(path, what, &t, &BASE_HISTORY_COLUMNS)?;
    let plan: Vec<(usize, HistoryColumn)> = HISTORY
        .iter()
        .filter_map(|&col| Some((t.index(col.name())?, col)))
        .collect();
    let mut out = Vec::new();
    loop {
        let row = match t.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(p) => return Err(load_err(path, what, p)),
        };
        let c = Cells {
            path,
            what,
            table: &t,
        };
        let mut rec = CellRecord::default();
        for &(k, col) in &plan {
            let text = || row.get(k).unwrap_or_default().to_string();
            match col {
                HistoryColumn::CellIndex => {
                    let idx = c.num(&row, k)?;
                    if idx < 0.0 || idx.fract() != 0.0 || idx > f64::from(u32::MAX) {
                        let shown = row.get(k).unwrap_or_default().trim();
                        return Err(load_err(
                            path,
                            what,
                            LoadProblem::BadCellIndex {
                                at: row.at,
                                column_number: k + 1,
                                value: printable(&shorten(shown)),
                            },
                        ));
                    }
                    rec.cell_index = idx as usize;
                }
                HistoryColumn::RawCell => rec.raw_cell = text(),
                HistoryColumn::CellMagics => {
                    let magics = text();
                    rec.cell_magics = parse_py_list(&magics).unwrap_or_else(|| {
                        if magics.trim().is_empty() {
                            vec![]
                        } else {
                            vec![magics.clone()]
                        }
                    });
                }
                HistoryColumn::Status => rec.status = parse_status(row.get(k)),
                HistoryColumn::Error => rec.error = Some(text()).filter(|e| !e.is_empty()),
                float => {
                    let x = c.num(&row, k)?;
                    if let Some(slot) = float.float_mut(&mut rec) {
                        *slot = x;
                    }
                }
            }
        }
        out.push(rec);
    }
    out.sort_by_key(|c| c.cell_index);
    Ok(out)
}
