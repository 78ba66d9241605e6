//! CSV and JSON files with JUmPER's column names: perf data and cell history.
//!
//! Perf columns, in JUmPER 0.4.1's order: `time` (monotonic s), `io_read_count`,
//! `io_write_count` (operations/s over the last interval), `io_read`, `io_write` (bytes/s),
//! `cpu_util_0..N-1`, `cpu_util_avg`, `cpu_util_min`, `cpu_util_max` (percent of the level's
//! CPUs), `memory` (GiB); with GPUs `gpu_{util,band,mem}_{avg,min,max}` and per GPU
//! `gpu_util_i, gpu_band_i, gpu_mem_i`. jumper adds (JUmPER ignores them): `wallclock` (epoch
//! s), `cpu_time` (cumulative CPU s), `io_read_bytes_total`, `io_write_bytes_total`,
//! `io_read_ops_total`, `io_write_ops_total` (cumulative), `nprocs`, `sample_kind` (0 tick,
//! 1 cell start, 2 cell end). Last comes `cell_index` (empty outside cells).
//!
//! ## Reading (`%perfmonitor_load_perfdata FILE`, `%perfmonitor_load_cell_history FILE`)
//!
//! [`read_perf`] and [`read_history`] load one file, CSV or JSON by extension (`.csv`,
//! `.json`, any case; no extension: JSON if the text starts with `[`, else CSV; any other
//! extension is refused). They check what JUmPER checks, and more, and never panic on any
//! input: every failure is one [`DataError::Load`] line that names the file and, where there
//! is one, the place:
//!
//! | problem | message |
//! |---|---|
//! | no such file | `cannot load perf data from 'f.csv': no such file or directory` |
//! | other extension | `cannot load perf data from 'f.txt': unsupported format 'txt' (supported: csv, json)` |
//! | required column absent | `cannot load perf data from 'f.csv': missing columns: io_read, cpu_util_max` |
//! | value not a finite number | `cannot load cell history from 'h.csv': line 7, column 3 (start_time): 'abc' is not a number` |
//! | broken CSV or JSON | `cannot load perf data from 'f.csv': line 9 has 5 fields where the header has 12` |
//!
//! Required: JUmPER's nine [`BASE_PERF_COLUMNS`] and seven [`BASE_HISTORY_COLUMNS`]. Lines
//! are 1-based lines of the file (header = line 1; a record with a multi-line `raw_cell`
//! is reported at the line it starts on); in JSON the place is the 1-based record. Empty
//! values, JSON `null` and `NaN` are "no value": allowed in optional columns (per-core, GPU,
//! `cell_index` of perf rows), an error in required ones; `inf` is refused everywhere.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Map, Value};

use crate::frame::{PerfFrame, PerfRow, RawCounters};
use crate::{CellRecord, CellStatus, DataError, Level, SampleKind};

/// The nine columns every perf file must have (JUmPER's own check).
pub const BASE_PERF_COLUMNS: [&str; 9] = [
    "time",
    "memory",
    "io_read_count",
    "io_write_count",
    "io_read",
    "io_write",
    "cpu_util_avg",
    "cpu_util_min",
    "cpu_util_max",
];

/// JUmPER's cell-history columns, in order.
pub const HISTORY_COLUMNS: [&str; 8] = [
    "cell_index",
    "raw_cell",
    "start_time",
    "end_time",
    "duration",
    "wallclock_start_time",
    "wallclock_end_time",
    "cell_magics",
];

/// A file format picked from an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// A JSON list of records.
    Json,
}

impl Format {
    /// Picks the format from a path's extension; `None` when there is no extension
    /// (JUmPER then appends `.csv`).
    pub fn from_path(path: &Path) -> Result<Option<Format>, DataError> {
        match path.extension().and_then(|e| e.to_str()) {
            None => Ok(None),
            Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Some(Format::Csv)),
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Some(Format::Json)),
            Some(e) => Err(DataError::UnsupportedFormat(e.to_string())),
        }
    }
}

/// Column names of a frame's table, in the order written.
pub fn perf_columns(frame: &PerfFrame) -> Vec<String> {
    let mut c: Vec<String> = [
        "time",
        "io_read_count",
        "io_write_count",
        "io_read",
        "io_write",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in 0..frame.num_core_columns() {
        c.push(format!("cpu_util_{i}"));
    }
    for s in ["cpu_util_avg", "cpu_util_min", "cpu_util_max", "memory"] {
        c.push(s.into());
    }
    if frame.num_gpus > 0 {
        for m in ["gpu_util", "gpu_band", "gpu_mem"] {
            for a in ["avg", "min", "max"] {
                c.push(format!("{m}_{a}"));
            }
        }
        for i in 0..frame.num_gpus {
            for m in ["gpu_util", "gpu_band", "gpu_mem"] {
                c.push(format!("{m}_{i}"));
            }
        }
    }
    if frame.rows.iter().any(|r| r.raw.is_some()) {
        for s in [
            "wallclock",
            "cpu_time",
            "io_read_bytes_total",
            "io_write_bytes_total",
            "io_read_ops_total",
            "io_write_ops_total",
            "nprocs",
            "sample_kind",
        ] {
            c.push(s.into());
        }
    }
    c.push("cell_index".into());
    c
}

fn row_values(frame: &PerfFrame, r: &PerfRow, with_raw: bool) -> Vec<Value> {
    let f = |x: f64| Value::from(x);
    let mut v = vec![
        f(r.time),
        f(r.io_read_count),
        f(r.io_write_count),
        f(r.io_read),
        f(r.io_write),
    ];
    let ncores = frame.num_core_columns();
    v.extend((0..ncores).map(|i| f(r.cpu_util.get(i).copied().unwrap_or(0.0))));
    v.extend([
        f(r.cpu_util_avg),
        f(r.cpu_util_min),
        f(r.cpu_util_max),
        f(r.memory),
    ]);
    if frame.num_gpus > 0 {
        for (a, b, c) in [
            r.gpu_util_summary(),
            r.gpu_band_summary(),
            r.gpu_mem_summary(),
        ] {
            v.extend([f(a), f(b), f(c)]);
        }
        for i in 0..frame.num_gpus {
            let g = |x: &Vec<f64>| f(x.get(i).copied().unwrap_or(0.0));
            v.extend([g(&r.gpu_util), g(&r.gpu_band), g(&r.gpu_mem)]);
        }
    }
    if with_raw {
        let raw = r.raw.unwrap_or_default();
        v.extend([
            r.wallclock.map_or(Value::Null, f),
            f(raw.cpu_time),
            f(raw.io_read_bytes),
            f(raw.io_write_bytes),
            f(raw.io_read_ops),
            f(raw.io_write_ops),
            r.nprocs.map_or(Value::Null, Value::from),
            r.kind.map_or(Value::Null, |k| Value::from(k.code())),
        ]);
    }
    v
}

fn csv_field(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Number(n) => {
            // Integral floats print as "3.0" like pandas, so types survive a round trip.
            match n.as_f64() {
                Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.1}"),
                _ => n.to_string(),
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, DataError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| DataError::io(path, e))
}

/// Writes a frame as CSV with a `cell_index` column.
pub fn write_perf_csv(
    frame: &PerfFrame,
    cells: &[CellRecord],
    w: &mut impl Write,
) -> std::io::Result<()> {
    let cols = perf_columns(frame);
    let with_raw = cols.iter().any(|c| c == "cpu_time");
    writeln!(w, "{}", cols.join(","))?;
    let idx = frame.cell_indices(cells);
    for (r, ci) in frame.rows.iter().zip(idx) {
        let mut vals: Vec<String> = row_values(frame, r, with_raw)
            .iter()
            .map(csv_field)
            .collect();
        vals.push(ci.map_or(String::new(), |c| c.to_string()));
        writeln!(w, "{}", vals.join(","))?;
    }
    Ok(())
}

/// The frame as a JSON list of records (JUmPER's `orient="records"`), `cell_index` null
/// outside cells.
pub fn perf_records(frame: &PerfFrame, cells: &[CellRecord]) -> Value {
    let cols = perf_columns(frame);
    let with_raw = cols.iter().any(|c| c == "cpu_time");
    let idx = frame.cell_indices(cells);
    let recs = frame
        .rows
        .iter()
        .zip(idx)
        .map(|(r, ci)| {
            let mut vals = row_values(frame, r, with_raw);
            vals.push(ci.map_or(Value::Null, Value::from));
            Value::Object(cols.iter().cloned().zip(vals).collect::<Map<_, _>>())
        })
        .collect();
    Value::Array(recs)
}

/// Writes a frame to `path` as CSV or JSON (by extension).
pub fn export_perf(frame: &PerfFrame, cells: &[CellRecord], path: &Path) -> Result<(), DataError> {
    let fmt = Format::from_path(path)?.unwrap_or(Format::Csv);
    let mut w = create(path)?;
    let res = match fmt {
        Format::Csv => write_perf_csv(frame, cells, &mut w),
        Format::Json => serde_json::to_writer_pretty(&mut w, &perf_records(frame, cells))
            .map_err(std::io::Error::other),
    };
    res.and_then(|_| w.flush())
        .map_err(|e| DataError::io(path, e))
}

/// A string as Python's `repr` writes it (JUmPER stores `cell_magics` this way in CSV).
pub fn py_repr_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// A list of strings as Python's `repr` writes it: `['a', 'b']`.
pub fn py_repr_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| py_repr_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Parses a Python list-of-strings repr (`['a', "b's"]`); `None` if it is not one.
pub fn parse_py_list(s: &str) -> Option<Vec<String>> {
    let s = s.trim();
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(q) = chars.next() else { break };
        if q != '\'' && q != '"' {
            return None;
        }
        let mut cur = String::new();
        loop {
            match chars.next()? {
                '\\' => match chars.next()? {
                    'n' => cur.push('\n'),
                    'r' => cur.push('\r'),
                    't' => cur.push('\t'),
                    c => cur.push(c),
                },
                c if c == q => break,
                c => cur.push(c),
            }
        }
        out.push(cur);
    }
    Some(out)
}

/// Writes cell history as CSV (JUmPER's columns, then `status` and `error`).
pub fn write_history_csv(cells: &[CellRecord], w: impl Write) -> Result<(), csv::Error> {
    let mut wr = csv::Writer::from_writer(w);
    let mut header: Vec<&str> = HISTORY_COLUMNS.to_vec();
    header.extend(["status", "error"]);
    wr.write_record(&header)?;
    for c in cells {
        let f = |x: f64| csv_field(&Value::from(x));
        wr.write_record([
            c.cell_index.to_string(),
            c.raw_cell.clone(),
            f(c.start_time),
            f(c.end_time),
            f(c.duration),
            f(c.wallclock_start_time),
            f(c.wallclock_end_time),
            py_repr_list(&c.cell_magics),
            match c.status {
                CellStatus::Ok => "ok".into(),
                CellStatus::Failed => "failed".into(),
            },
            c.error.clone().unwrap_or_default(),
        ])?;
    }
    wr.flush()?;
    Ok(())
}

/// Writes cell history to `path` as CSV or JSON (by extension; none means CSV).
pub fn export_history(cells: &[CellRecord], path: &Path) -> Result<(), DataError> {
    let fmt = Format::from_path(path)?.unwrap_or(Format::Csv);
    let mut w = create(path)?;
    let res = match fmt {
        Format::Csv => write_history_csv(cells, &mut w).map_err(std::io::Error::other),
        Format::Json => serde_json::to_writer_pretty(&mut w, cells).map_err(std::io::Error::other),
    };
    res.and_then(|_| w.flush())
        .map_err(|e| DataError::io(path, e))
}

/// The seven columns every cell-history file must have (JUmPER's own check; `cell_magics`
/// is optional).
pub const BASE_HISTORY_COLUMNS: [&str; 7] = [
    "cell_index",
    "raw_cell",
    "start_time",
    "end_time",
    "duration",
    "wallclock_start_time",
    "wallclock_end_time",
];

/// What a loaded file holds; names it in messages (`cannot load perf data from ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A perf table (`%perfmonitor_load_perfdata`, `perf_<level>.csv`).
    PerfData,
    /// A cell history (`%perfmonitor_load_cell_history`, `cell_history.csv`).
    CellHistory,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::PerfData => "perf data",
            FileKind::CellHistory => "cell history",
        })
    }
}

/// Where a value sits in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a CSV file on which the record starts (the header is line 1; a quoted
    /// multi-line `raw_cell` makes records span several lines).
    Line(usize),
    /// 1-based position of a record in a JSON list.
    Record(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// Why a perf or cell-history file could not be loaded (the `problem` of
/// [`DataError::Load`]). Every variant prints as one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadProblem {
    /// The file does not exist.
    #[error("no such file or directory")]
    NotFound,
    /// The file exists but could not be read.
    #[error("{0}")]
    Io(#[source] std::io::Error),
    /// The extension is neither `.csv` nor `.json`.
    #[error("unsupported format '{0}' (supported: csv, json)")]
    UnsupportedFormat(String),
    /// Required columns are absent (listed in the order JUmPER checks them).
    #[error("missing columns: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    /// A value that must be a finite number is not one (or is empty).
    #[error("{}", describe_bad_value(.at, .column_number, .column, .value))]
    NotANumber {
        /// Where the record is.
        at: Location,
        /// 1-based position of the column in the CSV header (JSON: in order of first use).
        column_number: usize,
        /// The column's name.
        column: String,
        /// The value found (shortened to 60 characters; empty when there was none).
        value: String,
    },
    /// The file is not well-formed CSV or JSON, not UTF-8, or holds an impossible value.
    #[error("{0}")]
    Invalid(String),
}

fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect()
}

/// The message of [`LoadProblem::NotANumber`], for callers that carry its fields
/// themselves: `line 7, column 11 (memory): 'abc' is not a number` (JSON:
/// `record 7, key 'memory': ...`; an empty value: `... no value where a number is
/// required`). Control characters in `value` are escaped, so it stays one line.
pub fn describe_bad_value(at: &Location, number: &usize, column: &str, value: &str) -> String {
    let place = match at {
        Location::Line(_) => format!("{at}, column {number} ({column})"),
        Location::Record(_) => format!("{at}, key '{column}'"),
    };
    let v = value.trim();
    if v.is_empty() {
        format!("{place}: no value where a number is required")
    } else if v.parse::<f64>().is_ok() {
        format!("{place}: '{}' is not a finite number", printable(v))
    } else {
        format!("{place}: '{}' is not a number", printable(v))
    }
}

/// Values shown in messages are cut to this many characters.
const SHOWN_VALUE_CHARS: usize = 60;

fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn load_err(path: &Path, what: FileKind, problem: LoadProblem) -> DataError {
    DataError::Load {
        path: path.to_path_buf(),
        what,
        problem,
    }
}

/// CSV or JSON syntax of a file being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Csv,
    Json,
}

/// `.csv` / `.json` by extension; anything else by content (a JSON list starts with `[`).
fn syntax_of(path: &Path, text: &str) -> Syntax {
    match Format::from_path(path) {
        Ok(Some(Format::Csv)) => Syntax::Csv,
        Ok(Some(Format::Json)) => Syntax::Json,
        _ if text.trim_start().starts_with('[') => Syntax::Json,
        _ => Syntax::Csv,
    }
}

/// Reads a file for a single-file load: the extension is checked first (csv, json or none),
/// then the file must exist and be UTF-8 text.
fn load_text(path: &Path, what: FileKind) -> Result<String, DataError> {
    if let Err(DataError::UnsupportedFormat(ext)) = Format::from_path(path) {
        return Err(load_err(path, what, LoadProblem::UnsupportedFormat(ext)));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        let problem = if e.kind() == std::io::ErrorKind::NotFound {
            LoadProblem::NotFound
        } else {
            LoadProblem::Io(e)
        };
        load_err(path, what, problem)
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        load_err(
            path,
            what,
            LoadProblem::Invalid(format!("line {line} is not UTF-8 text")),
        )
    })
}

/// One record: where it is and its cells, aligned with [`Table::columns`].
struct Row {
    at: Location,
    cells: Fields,
}

/// The cells of a record: a CSV record keeps its one buffer (no allocation per field); a
/// JSON record has `None` for `null` or an absent key.
enum Fields {
    Csv(csv::StringRecord),
    Json(Vec<Option<String>>),
}

impl Row {
    fn get(&self, col: usize) -> Option<&str> {
        match &self.cells {
            Fields::Csv(rec) => rec.get(col),
            Fields::Json(v) => v.get(col).and_then(|c| c.as_deref()),
        }
    }
}

/// A table read from CSV or from a JSON list of records.
struct Table {
    columns: Vec<String>,
    rows: Vec<Row>,
}

impl Table {
    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let line = pos.as_ref().map_or(0, |p| p.line());
            format!("line {line} has {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { pos, .. } => {
            let line = pos.as_ref().map_or(0, |p| p.line());
            format!("line {line} is not UTF-8 text")
        }
        _ => format!("invalid CSV: {e}"),
    }
}

fn json_cell(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(py_repr_list(
            &a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>(),
        )),
        other => Some(other.to_string()),
    }
}

fn read_table(path: &Path, what: FileKind, text: &str) -> Result<Table, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let invalid = |m: String| load_err(path, what, LoadProblem::Invalid(m));
    if syntax_of(path, text) == Syntax::Json {
        let v: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("invalid JSON: {e}")))?;
        let Value::Array(records) = v else {
            return Err(invalid("expected a JSON list of records".into()));
        };
        let mut columns: Vec<String> = Vec::new();
        for (i, rec) in records.iter().enumerate() {
            let obj = rec.as_object().ok_or_else(|| {
                invalid(format!(
                    "record {} is not an object; expected a JSON list of records",
                    i + 1
                ))
            })?;
            for k in obj.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        let rows = records
            .iter()
            .enumerate()
            .map(|(i, rec)| Row {
                at: Location::Record(i + 1),
                cells: Fields::Json(
                    columns
                        .iter()
                        .map(|c| rec.get(c).and_then(json_cell))
                        .collect(),
                ),
            })
            .collect();
        return Ok(Table { columns, rows });
    }
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = rd
        .headers()
        .map_err(|e| invalid(csv_problem(&e)))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    loop {
        let mut rec = csv::StringRecord::new();
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                rows.push(Row {
                    at: Location::Line(usize::try_from(line).unwrap_or(usize::MAX)),
                    cells: Fields::Csv(rec),
                });
            }
            Err(e) => return Err(invalid(csv_problem(&e))),
        }
    }
    Ok(Table { columns, rows })
}

fn require(path: &Path, what: FileKind, t: &Table, cols: &[&str]) -> Result<(), DataError> {
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

/// Reads the numbers of one table, with errors that name the file, record and column.
struct Cells<'a> {
    path: &'a Path,
    what: FileKind,
    table: &'a Table,
}

impl Cells<'_> {
    fn raw<'r>(&self, row: &'r Row, col: usize) -> Option<&'r str> {
        row.get(col)
    }

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
    fn opt(&self, row: &Row, col: Option<usize>) -> Result<Option<f64>, DataError> {
        let Some(col) = col else { return Ok(None) };
        let Some(s) = self.raw(row, col).map(str::trim) else {
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

    /// A required number in column `col` (known to exist).
    fn num(&self, row: &Row, col: usize) -> Result<f64, DataError> {
        self.opt(row, Some(col))?
            .ok_or_else(|| self.bad(row, col, self.raw(row, col).unwrap_or_default()))
    }
}

/// Reads a perf CSV/JSON written by jumper or JUmPER (`%perfmonitor_load_perfdata FILE`).
///
/// The format comes from the extension: `.csv` or `.json` (any case); a file without an
/// extension is read as JSON when it starts with `[`, else as CSV; any other extension is
/// refused. Columns are found by name, never by position, so every JUmPER backend's order
/// reads. JUmPER's nine base columns ([`BASE_PERF_COLUMNS`]) are required; per-core
/// (`cpu_util_<i>`), GPU and jumper's raw-counter columns are read when present, anything
/// else is ignored. Rows are returned in time order.
///
/// `num_cpus` is the CPU count the level's utilisation refers to (from the manifest).
///
/// Every failure is a [`DataError::Load`] that names the file, for example
/// `cannot load perf data from 'f.csv': missing columns: io_read, cpu_util_max` or
/// `cannot load perf data from 'f.csv': line 7, column 11 (memory): 'abc' is not a number`.
///
/// ```
/// use std::path::Path;
/// use jumper_data::io::read_perf;
/// use jumper_data::Level;
///
/// let e = read_perf(Path::new("perf.txt"), Level::Process, 2).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "cannot load perf data from 'perf.txt': unsupported format 'txt' (supported: csv, json)"
/// );
/// ```
pub fn read_perf(path: &Path, level: Level, num_cpus: usize) -> Result<PerfFrame, DataError> {
    let text = load_text(path, FileKind::PerfData)?;
    perf_from_text(path, &text, level, num_cpus)
}

/// Like [`read_perf`] on text already read (e.g. from a zip); `path` names the file in
/// errors and picks CSV or JSON by its extension (other extensions: by content).
pub fn perf_from_text(
    path: &Path,
    text: &str,
    level: Level,
    num_cpus: usize,
) -> Result<PerfFrame, DataError> {
    let what = FileKind::PerfData;
    let t = read_table(path, what, text)?;
    require(path, what, &t, &BASE_PERF_COLUMNS)?;
    let c = Cells {
        path,
        what,
        table: &t,
    };
    // `require` checked these columns, so the lookups cannot fail; `unwrap_or(0)` only
    // satisfies the type.
    let col = |name: &str| t.index(name).unwrap_or(0);
    let [time, memory, io_rc, io_wc, io_r, io_w, cpu_avg, cpu_min, cpu_max] =
        BASE_PERF_COLUMNS.map(col);
    let numbered = |prefix: &str| -> Vec<usize> {
        (0..)
            .map_while(|i| t.index(&format!("{prefix}_{i}")))
            .collect()
    };
    let cores = numbered("cpu_util");
    let gpu_util = numbered("gpu_util");
    let ngpus = gpu_util.len();
    let per_gpu = |prefix: &str| -> Vec<Option<usize>> {
        (0..ngpus)
            .map(|i| t.index(&format!("{prefix}_{i}")))
            .collect()
    };
    let (gpu_band, gpu_mem) = (per_gpu("gpu_band"), per_gpu("gpu_mem"));
    let cpu_time = t.index("cpu_time");
    let [rb, wb, ro, wo, wallclock, nprocs, kind] = [
        "io_read_bytes_total",
        "io_write_bytes_total",
        "io_read_ops_total",
        "io_write_ops_total",
        "wallclock",
        "nprocs",
        "sample_kind",
    ]
    .map(|n| t.index(n));

    let mut rows: Vec<PerfRow> = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let many = |cols: &[usize]| -> Result<Vec<f64>, DataError> {
            cols.iter()
                .map(|&k| Ok(c.opt(row, Some(k))?.unwrap_or(0.0)))
                .collect()
        };
        let many_opt = |cols: &[Option<usize>]| -> Result<Vec<f64>, DataError> {
            cols.iter()
                .map(|&k| Ok(c.opt(row, k)?.unwrap_or(0.0)))
                .collect()
        };
        let raw = match cpu_time {
            Some(ct) => Some(RawCounters {
                cpu_time: c.num(row, ct)?,
                io_read_bytes: c.opt(row, rb)?.unwrap_or(0.0),
                io_write_bytes: c.opt(row, wb)?.unwrap_or(0.0),
                io_read_ops: c.opt(row, ro)?.unwrap_or(0.0),
                io_write_ops: c.opt(row, wo)?.unwrap_or(0.0),
            }),
            None => None,
        };
        rows.push(PerfRow {
            time: c.num(row, time)?,
            wallclock: c.opt(row, wallclock)?,
            dt: 0.0,
            memory: c.num(row, memory)?,
            io_read_count: c.num(row, io_rc)?,
            io_write_count: c.num(row, io_wc)?,
            io_read: c.num(row, io_r)?,
            io_write: c.num(row, io_w)?,
            cpu_util_avg: c.num(row, cpu_avg)?,
            cpu_util_min: c.num(row, cpu_min)?,
            cpu_util_max: c.num(row, cpu_max)?,
            cpu_util: many(&cores)?,
            gpu_util: many(&gpu_util)?,
            gpu_band: many_opt(&gpu_band)?,
            gpu_mem: many_opt(&gpu_mem)?,
            raw,
            // Saturating casts: codes outside 0..=255 read as ticks, counts are clamped.
            kind: c.opt(row, kind)?.map(|k| SampleKind::from_code(k as u8)),
            nprocs: c.opt(row, nprocs)?.map(|n| n as u32),
        });
    }
    rows.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut prev = None;
    for r in &mut rows {
        r.dt = prev.map_or(0.0, |p| r.time - p);
        prev = Some(r.time);
    }
    Ok(PerfFrame {
        level,
        num_cpus: num_cpus.max(1),
        num_gpus: ngpus,
        rows,
    })
}

/// Reads a cell-history CSV/JSON written by jumper or JUmPER
/// (`%perfmonitor_load_cell_history FILE`).
///
/// Formats and errors as for [`read_perf`]; the seven [`BASE_HISTORY_COLUMNS`] are
/// required, `cell_magics` (a Python list repr in CSV, a list in JSON), `status` and `error`
/// are read when present. Cells keep the `cell_index` values of the file (JUmPER's
/// numbering, not positions) and are returned in that order.
pub fn read_history(path: &Path) -> Result<Vec<CellRecord>, DataError> {
    let text = load_text(path, FileKind::CellHistory)?;
    history_from_text(path, &text)
}

/// Like [`read_history`] on text already read.
pub fn history_from_text(path: &Path, text: &str) -> Result<Vec<CellRecord>, DataError> {
    let what = FileKind::CellHistory;
    let t = read_table(path, what, text)?;
    require(path, what, &t, &BASE_HISTORY_COLUMNS)?;
    let c = Cells {
        path,
        what,
        table: &t,
    };
    let col = |name: &str| t.index(name).unwrap_or(0);
    let [index, raw_cell, start, end, duration, wall_start, wall_end] =
        BASE_HISTORY_COLUMNS.map(col);
    let [magics, status, error] = ["cell_magics", "status", "error"].map(|n| t.index(n));
    let text_of = |row: &Row, k: Option<usize>| -> Option<String> {
        k.and_then(|k| c.raw(row, k)).map(str::to_string)
    };
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let idx = c.num(row, index)?;
        if idx < 0.0 || idx.fract() != 0.0 || idx > f64::from(u32::MAX) {
            let shown = c.raw(row, index).unwrap_or_default();
            return Err(load_err(
                path,
                what,
                LoadProblem::Invalid(format!(
                    "{}, column {} (cell_index): '{}' is not a cell index (a whole number \
                     from 0)",
                    row.at,
                    index + 1,
                    printable(&shorten(shown.trim()))
                )),
            ));
        }
        let magics = text_of(row, magics).unwrap_or_default();
        out.push(CellRecord {
            cell_index: idx as usize,
            raw_cell: text_of(row, Some(raw_cell)).unwrap_or_default(),
            start_time: c.num(row, start)?,
            end_time: c.num(row, end)?,
            duration: c.num(row, duration)?,
            wallclock_start_time: c.num(row, wall_start)?,
            wallclock_end_time: c.num(row, wall_end)?,
            cell_magics: parse_py_list(&magics).unwrap_or_else(|| {
                if magics.trim().is_empty() {
                    vec![]
                } else {
                    vec![magics.clone()]
                }
            }),
            status: match text_of(row, status).as_deref() {
                Some("failed") => CellStatus::Failed,
                _ => CellStatus::Ok,
            },
            error: text_of(row, error).filter(|e| !e.is_empty()),
        });
    }
    out.sort_by_key(|c| c.cell_index);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_list_repr_round_trips() {
        let items = vec![
            "perfmonitor_start 0.1".to_string(),
            "a'b".into(),
            "x\"y'z\\".into(),
        ];
        let s = py_repr_list(&items);
        assert_eq!(s, r#"['perfmonitor_start 0.1', "a'b", 'x"y\'z\\']"#);
        assert_eq!(parse_py_list(&s).unwrap(), items);
        assert_eq!(parse_py_list("[]").unwrap(), Vec::<String>::new());
        assert!(parse_py_list("nope").is_none());
    }

    #[test]
    fn format_by_extension() {
        assert_eq!(
            Format::from_path(Path::new("a.CSV")).unwrap(),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_path(Path::new("a")).unwrap(), None);
        let e = Format::from_path(Path::new("a.txt"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "unsupported format 'txt' (supported: csv, json)");
    }

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
    }

    fn fixture_text(name: &str) -> String {
        std::fs::read_to_string(fixtures().join(name)).unwrap()
    }

    fn problem(e: DataError) -> LoadProblem {
        match e {
            DataError::Load { problem, .. } => problem,
            other => panic!("expected a load error, got {other:?}"),
        }
    }

    #[test]
    fn reads_jumper_py_single_file_exports() {
        let f = read_perf(&fixtures().join("perf_process.csv"), Level::Process, 2).unwrap();
        assert_eq!(f.rows.len(), 49);
        assert_eq!(f.rows[0].time, 2216.450977969);
        assert_eq!(f.rows[0].dt, 0.0);
        assert_eq!(f.rows[1].io_read, 17728.021975831565);
        assert_eq!(f.rows[1].cpu_util, vec![32.7, 32.7]);
        assert!((f.rows[1].dt - (2216.682030526 - 2216.450977969)).abs() < 1e-12);
        assert!(f.rows.iter().all(|r| r.raw.is_none() && r.kind.is_none()));

        let s = read_perf(&fixtures().join("perf_system.json"), Level::System, 2).unwrap();
        assert_eq!(s.rows.len(), 49);
        assert_eq!(s.rows[0].io_read, 85597.57125218543);
        assert_eq!(s.rows[0].memory, 1.1682891845703125);
        assert_eq!(s.rows[1].cpu_util_max, 100.0);

        let h = read_history(&fixtures().join("cell_history.csv")).unwrap();
        assert_eq!(h.len(), 19);
        assert_eq!(h[0].cell_magics, ["perfmonitor_start 0.1 --monitor thread"]);
        assert_eq!(h[1].raw_cell.lines().count(), 3);
        assert_eq!(
            h[3].raw_cell,
            "a = [bytearray(50_000_000) for _ in range(6)]\ntime.sleep(0.5)"
        );
        let j = read_history(&fixtures().join("cell_history.json")).unwrap();
        assert_eq!(j.len(), 18);
        // The JSON export was written one cell earlier: the same cells, the same values
        // (pandas writes CSV floats with 16 significant digits, JSON with 17).
        for (a, b) in j.iter().zip(&h) {
            assert_eq!(
                (a.cell_index, &a.raw_cell, &a.cell_magics),
                (b.cell_index, &b.raw_cell, &b.cell_magics)
            );
            for (x, y) in [
                (a.start_time, b.start_time),
                (a.duration, b.duration),
                (a.wallclock_end_time, b.wallclock_end_time),
            ] {
                assert!((x - y).abs() <= 1e-15 * y.abs(), "{x} {y}");
            }
        }
    }

    #[test]
    fn missing_columns_are_named_in_jumper_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        let text = fixture_text("perf_process.csv")
            .replacen("io_read,", "io_rd,", 1)
            .replacen("cpu_util_max,", "cpu_util_mx,", 1);
        std::fs::write(&path, text).unwrap();
        let e = read_perf(&path, Level::Process, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot load perf data from '{}': missing columns: io_read, cpu_util_max",
                path.display()
            )
        );
        assert!(
            matches!(problem(e), LoadProblem::MissingColumns(c) if c == ["io_read", "cpu_util_max"])
        );

        let e = history_from_text(
            Path::new("h.json"),
            r#"[{"cell_index": 0, "raw_cell": "x"}]"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot load cell history from 'h.json': missing columns: start_time, end_time, \
             duration, wallclock_start_time, wallclock_end_time"
        );
        // An empty file has no header at all.
        let e = perf_from_text(Path::new("e.csv"), "", Level::User, 1).unwrap_err();
        assert!(
            e.to_string().ends_with(&format!(
                "missing columns: {}",
                BASE_PERF_COLUMNS.join(", ")
            )),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_line_column_and_value() {
        let text = fixture_text("perf_process.csv");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Line 4 of the file; `memory` is the 11th column of JUmPER's thread backend.
        let mut fields: Vec<&str> = lines[3].split(',').collect();
        fields[10] = "12 GB";
        lines[3] = fields.join(",");
        let e =
            perf_from_text(Path::new("p.csv"), &lines.join("\n"), Level::Process, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot load perf data from 'p.csv': line 4, column 11 (memory): '12 GB' is not a \
             number"
        );
        assert!(matches!(
            problem(e),
            LoadProblem::NotANumber { at: Location::Line(4), column_number: 11, ref column, ref value }
                if column == "memory" && value == "12 GB"
        ));

        // Records with multi-line code: the line is the file's line, not the record's number.
        let text = fixture_text("cell_history.csv");
        let start = text.find("\n3,").unwrap() + 1;
        let line = text[..start].matches('\n').count() + 1;
        assert!(line > 5, "cells 1 and 2 span several lines");
        let bad = text.replacen(",2218.065409228,", ",twenty.065409228,", 1);
        assert_ne!(bad, text);
        let e = history_from_text(Path::new("h.csv"), &bad).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "cannot load cell history from 'h.csv': line {line}, column 3 (start_time): 'twenty."
            )),
            "{e}"
        );

        // JSON: the record and the key.
        let json = fixture_text("perf_system.json").replacen(
            "\"memory\": 1.1682891845703125",
            "\"memory\": \"lots\"",
            1,
        );
        let e = perf_from_text(Path::new("s.json"), &json, Level::System, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot load perf data from 's.json': record 1, key 'memory': 'lots' is not a number"
        );

        // No value in a required column; infinity anywhere; NaN only where optional.
        let head = "time,memory,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,cpu_util_min,cpu_util_max,cpu_util_0\n";
        let e = perf_from_text(
            Path::new("a.csv"),
            &format!("{head}1,,0,0,0,0,5,5,5,5\n"),
            Level::User,
            1,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("line 2, column 2 (memory): no value where a number is required"),
            "{e}"
        );
        let e = perf_from_text(
            Path::new("a.csv"),
            &format!("{head}1,2,0,0,0,inf,5,5,5,5\n"),
            Level::User,
            1,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("line 2, column 6 (io_write): 'inf' is not a finite number"),
            "{e}"
        );
        let f = perf_from_text(
            Path::new("a.csv"),
            &format!("{head}1,2,0,0,0,0,5,5,5,NaN\n"),
            Level::User,
            1,
        )
        .unwrap();
        assert_eq!(f.rows[0].cpu_util, [0.0]);
        let e = history_from_text(
            Path::new("h.csv"),
            "cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time\n-1,x,1,2,1,3,4\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().ends_with(
                "line 2, column 1 (cell_index): '-1' is not a cell index (a whole number from 0)"
            ),
            "{e}"
        );
        // Long or multi-line garbage is cut and escaped: the message stays one short line.
        let junk = format!("\"{}\nrm -rf\"", "y".repeat(500));
        let e = perf_from_text(
            Path::new("a.csv"),
            &format!("{head}{junk},2,0,0,0,0,5,5,5,5\n"),
            Level::User,
            1,
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n') && msg.len() < 200, "{msg}");
        assert!(
            msg.contains("'yyyyyyyyyy") && msg.ends_with("...' is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn cell_numbering_of_the_file_is_kept() {
        let text = "cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time,cell_magics\n\
                    7,b,3,4,1,13,14,[]\n3,a,1,2,1,11,12,\"['perfmonitor_start 0.5']\"\n";
        let h = history_from_text(Path::new("h.csv"), text).unwrap();
        let idx: Vec<usize> = h.iter().map(|c| c.cell_index).collect();
        assert_eq!(idx, [3, 7]);
        assert_eq!(h[0].cell_magics, ["perfmonitor_start 0.5"]);
        assert!(h[1].cell_magics.is_empty());
    }

    #[test]
    fn files_extensions_and_encodings() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let e = read_history(&missing).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot load cell history from '{}': no such file or directory",
                missing.display()
            )
        );
        assert!(matches!(problem(e), LoadProblem::NotFound));

        let txt = dir.path().join("perf.TXT");
        std::fs::write(&txt, fixture_text("perf_process.csv")).unwrap();
        let e = read_perf(&txt, Level::Process, 2).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("unsupported format 'TXT' (supported: csv, json)"),
            "{e}"
        );

        // No extension: sniffed. Upper-case extensions are fine.
        for (name, src) in [
            ("a", "perf_system.json"),
            ("b", "perf_process.csv"),
            ("c.JSON", "perf_system.json"),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, fixture_text(src)).unwrap();
            assert_eq!(
                read_perf(&p, Level::System, 2).unwrap().rows.len(),
                49,
                "{name}"
            );
        }
        // A byte-order mark and CRLF line ends (Windows tools) are accepted.
        let crlf = format!(
            "\u{feff}{}",
            fixture_text("perf_process.csv").replace('\n', "\r\n")
        );
        let p = dir.path().join("crlf.csv");
        std::fs::write(&p, crlf).unwrap();
        let f = read_perf(&p, Level::Process, 2).unwrap();
        assert_eq!(f.rows.len(), 49);
        assert!(f.rows.iter().all(|r| r.cpu_util.len() == 2));

        let mut bytes = b"time,memory\n1,2\n".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let p = dir.path().join("bin.csv");
        std::fs::write(&p, bytes).unwrap();
        let e = read_perf(&p, Level::Process, 2).unwrap_err();
        assert!(
            e.to_string().ends_with("': line 3 is not UTF-8 text"),
            "{e}"
        );

        let e = read_perf(dir.path(), Level::Process, 2).unwrap_err();
        assert!(matches!(problem(e), LoadProblem::Io(_)));

        let e =
            perf_from_text(Path::new("r.csv"), "time,memory\n1,2,3\n", Level::User, 1).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("': line 2 has 3 fields where the header has 2"),
            "{e}"
        );
        let e = perf_from_text(Path::new("r.json"), "{\"time\": 1}", Level::User, 1).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("': expected a JSON list of records"),
            "{e}"
        );
        let e = perf_from_text(Path::new("r.json"), "[1]", Level::User, 1).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("': record 1 is not an object; expected a JSON list of records"),
            "{e}"
        );
    }

    /// A small deterministic generator, so that failures reproduce.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    /// Truncated and garbled versions of every fixture: each read returns a frame or one
    /// clear line naming the file, never a panic.
    #[test]
    fn truncated_and_garbled_fixtures_never_panic() {
        let nasty = [
            ',', '"', '\n', '\r', '[', ']', '{', '}', ':', 'x', '-', 'e', '.', '9', '\u{0}', 'é',
            ' ',
        ];
        let mut rng = Lcg(0x5eed);
        let (mut ok, mut err) = (0, 0);
        for name in [
            "perf_process.csv",
            "perf_system.json",
            "cell_history.csv",
            "cell_history.json",
        ] {
            let text = fixture_text(name);
            let path = Path::new(name);
            let full = if name.starts_with("perf") {
                perf_from_text(path, &text, Level::System, 2)
                    .unwrap()
                    .rows
                    .len()
            } else {
                history_from_text(path, &text).unwrap().len()
            };
            let chars: Vec<char> = text.chars().collect();
            let mut variants: Vec<String> = (0..chars.len())
                .step_by(7)
                .map(|cut| chars[..cut].iter().collect())
                .collect();
            for _ in 0..400 {
                let mut v = chars.clone();
                for _ in 0..1 + rng.next(4) {
                    let at = rng.next(v.len());
                    match rng.next(3) {
                        0 => v[at] = nasty[rng.next(nasty.len())],
                        1 => {
                            v.remove(at);
                        }
                        _ => v.insert(at, nasty[rng.next(nasty.len())]),
                    }
                }
                variants.push(v.into_iter().collect());
            }
            for v in &variants {
                let res = if name.starts_with("perf") {
                    perf_from_text(path, v, Level::System, 2).map(|f| f.rows.len())
                } else {
                    history_from_text(path, v).map(|h| h.len())
                };
                match res {
                    // Garbling can split or join records, never invent many.
                    Ok(n) => {
                        assert!(n <= full + 4, "{name}: {n} rows from {full}");
                        ok += 1;
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        let kind = if name.starts_with("perf") {
                            "perf data"
                        } else {
                            "cell history"
                        };
                        assert!(
                            msg.starts_with(&format!("cannot load {kind} from '{name}': ")),
                            "{msg}"
                        );
                        assert!(!msg.contains('\n'), "{msg}");
                        err += 1;
                    }
                }
            }
        }
        // Both outcomes occur, so the loop really exercised the error paths.
        assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
    }
}
