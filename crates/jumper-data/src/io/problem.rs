//! What a loaded file is, where a value sits in it, and why it could not be loaded.

use std::fmt;

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

/// Why a perf or cell-history file could not be loaded (the `#[source]` of
/// [`DataError::Load`](crate::DataError::Load)). Every variant prints as one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadProblem {
    /// The file does not exist.
    #[error("no such file or directory")]
    NotFound,
    /// Something other than a regular file is at the path (a named pipe, a directory, a
    /// device): refused before reading, so it never blocks.
    #[error("not a regular file (it is {kind})")]
    NotRegularFile {
        /// What is there: `a named pipe (FIFO)`, `a directory`, ...
        kind: &'static str,
    },
    /// The file exists but could not be read.
    #[error(transparent)]
    Io(std::io::Error),
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
    /// A `cell_index` that is not a whole number from 0.
    #[error(
        "{at}, column {column_number} (cell_index): '{}' is not a cell index (a whole number \
         from 0)",
        printable(.value)
    )]
    BadCellIndex {
        /// Where the record is.
        at: Location,
        /// 1-based position of the column.
        column_number: usize,
        /// The value found (shortened).
        value: String,
    },
    /// Bytes that are not UTF-8 text.
    #[error("line {line} is not UTF-8 text")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: u64,
    },
    /// A CSV record with more or fewer fields than the header.
    #[error("line {line} has {found} fields where the header has {expected}")]
    FieldCount {
        /// 1-based line of the record.
        line: u64,
        /// Fields in the record.
        found: u64,
        /// Fields in the header.
        expected: u64,
    },
    /// A line longer than a reader accepts (a damaged file or a decompression bomb).
    #[error("line {line} is longer than {limit} bytes")]
    LineTooLong {
        /// 1-based line.
        line: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Other broken CSV.
    #[error("invalid CSV")]
    Csv(#[source] csv::Error),
    /// Text that is not JSON.
    #[error("invalid JSON")]
    Json(#[source] serde_json::Error),
    /// JSON that is not a list.
    #[error("expected a JSON list of records")]
    NotAList,
    /// A member of the JSON list that is not an object.
    #[error("record {record} is not an object; expected a JSON list of records")]
    NotARecord {
        /// 1-based position in the list.
        record: usize,
    },
}

pub(crate) fn printable(s: &str) -> String {
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

pub(crate) fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
