use std::path::PathBuf;

use crate::io::{FileKind, LoadProblem};

/// Errors of the data layer: bad user input (levels, ranges) and unreadable files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A level name that is not one of the known levels.
    #[error("unknown level '{given}'; valid levels: {valid}")]
    UnknownLevel {
        /// What the user typed.
        given: String,
        /// The accepted values, comma separated.
        valid: String,
    },
    /// A cell range that cannot be parsed.
    #[error(
        "invalid cell range '{0}'; use N, A:B, :B or A: (inclusive; negative counts from the end)"
    )]
    BadRange(String),
    /// A cell range that does not fit the recorded cells.
    #[error("cell range '{range}' is out of bounds: {detail}")]
    RangeOutOfBounds {
        /// The range as typed.
        range: String,
        /// Why it does not fit.
        detail: String,
    },
    /// No cells were recorded yet.
    #[error("no cell history available")]
    NoCells,
    /// A file could not be written (perf or cell-history export).
    #[error("cannot write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file extension that no writer or reader handles.
    #[error("unsupported format '{0}' (supported: csv, json)")]
    UnsupportedFormat(String),
    /// A cell status that is neither `ok` nor `failed`.
    #[error("unknown cell status '{given}'; valid: ok, failed")]
    UnknownCellStatus {
        /// What was given.
        given: String,
    },
    /// A perf or cell-history file could not be loaded (see [`crate::io::read_perf`]):
    /// `cannot load perf data from 'f.csv'`, with the problem as its source (printed as a
    /// chain: `...: missing columns: io_read`).
    #[error("cannot load {what} from '{}'", .path.display())]
    Load {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// What the file was to hold.
        what: FileKind,
        /// What is wrong with it.
        #[source]
        problem: LoadProblem,
    },
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
}
