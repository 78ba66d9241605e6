//! The one error type of this crate.

use std::path::PathBuf;

use jumper_data::io::{describe_bad_value, LoadProblem, Location};
use jumper_data::DataError;

/// Why a session could not be exported or read.
///
/// Every variant names the file or directory involved. Export errors are reported only after
/// the temporary output has been removed: nothing that looks like a session is left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A file or directory could not be created, written, read, renamed or removed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be written or read.
    #[error("{path}: zip archive error: {source}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip library reported.
        #[source]
        source: zip::result::ZipError,
    },
    /// `manifest.json` is not valid JSON or does not have the manifest's shape.
    #[error("{path}: invalid session manifest: {source}")]
    Manifest {
        /// The manifest (inside a zip: `archive.zip/manifest.json`).
        path: PathBuf,
        /// What the JSON parser reported.
        #[source]
        source: serde_json::Error,
    },
    /// Nothing exists at the path given to import.
    #[error("no session at '{}': no such file or directory", .path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The path exists but is neither a directory nor a zip archive.
    #[error("'{}' is not a session: it is neither a directory nor a zip archive", .path.display())]
    NotDirOrZip {
        /// The path given.
        path: PathBuf,
    },
    /// A directory or zip without `manifest.json`.
    #[error("'{}' is not a session: manifest.json is missing", .path.display())]
    MissingManifest {
        /// The directory or zip.
        path: PathBuf,
    },
    /// A file that starts like a zip archive but cannot be read as one (cut short while
    /// copying or downloading, or damaged).
    #[error("'{}' is a truncated or corrupt zip archive: {source}", .path.display())]
    CorruptZip {
        /// The archive (or, when one member is damaged, `archive.zip/member`).
        path: PathBuf,
        /// What the zip library reported.
        #[source]
        source: zip::result::ZipError,
    },
    /// A perf or cell-history file of the session lacks required columns.
    #[error("cannot import '{}': missing columns: {}", .path.display(), .missing.join(", "))]
    MissingColumns {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// The required columns that are absent, in JUmPER's order.
        missing: Vec<String>,
    },
    /// A perf or cell-history file of the session holds a value that is not a number where
    /// one is required.
    #[error(
        "cannot import '{}': {}",
        .path.display(),
        describe_bad_value(.at, .column_number, .column, .value)
    )]
    NotANumber {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// Where the record is (session files are CSV: a 1-based line).
        at: Location,
        /// 1-based column number.
        column_number: usize,
        /// Column name.
        column: String,
        /// The value found (shortened; empty when there was none).
        value: String,
    },
    /// A perf or cell-history file of the session could not be read for another reason
    /// (broken CSV, not UTF-8, an impossible cell index).
    #[error("{source}")]
    Data {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// What the reader reported; its message names the file.
        #[source]
        source: Box<DataError>,
    },
    /// The path holds no session for another reason (e.g. `manifest.json` is not a JSON
    /// object).
    #[error("{path}: not a jumper or JUmPER session: {reason}")]
    NotASession {
        /// The path given.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A manifest without a `jumper` block (written by JUmPER) whose `version` is not one this
    /// build knows.
    #[error(
        "{path}: unsupported session manifest version {found} (supported: {supported}); \
         it was written by a newer or unknown program"
    )]
    UnsupportedVersion {
        /// The manifest.
        path: PathBuf,
        /// The version found, quoted, or `<missing>`.
        found: String,
        /// The versions this build reads, comma separated.
        supported: String,
    },
    /// A manifest written by jumper with a schema this build does not know (a newer jumper).
    #[error(
        "{path}: unsupported jumper session schema {found} (supported: {supported}); \
         it was written by {writer}, upgrade jumper to read it"
    )]
    UnsupportedSchema {
        /// The manifest.
        path: PathBuf,
        /// The schema found, quoted, or `<missing>`.
        found: String,
        /// The schemas this build reads, comma separated.
        supported: String,
        /// The `writer` recorded in the manifest, or `an unknown program`.
        writer: String,
    },
    /// The export target is occupied by something that must not be replaced.
    #[error("{path}: {reason}; nothing was written")]
    TargetOccupied {
        /// The target path.
        path: PathBuf,
        /// What is there.
        reason: String,
    },
    /// The session handed to the exporter is inconsistent (e.g. two frames for one level).
    #[error("{path}: cannot export session: {message}; nothing was written")]
    InvalidSession {
        /// The target path.
        path: PathBuf,
        /// What is inconsistent.
        message: String,
    },
}

impl SessionError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SessionError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn zip(path: impl Into<PathBuf>, source: zip::result::ZipError) -> Self {
        SessionError::Zip {
            path: path.into(),
            source,
        }
    }

    /// A reader's error about one file of a session, as the distinct variant it deserves.
    pub(crate) fn from_data(path: PathBuf, e: DataError) -> Self {
        let DataError::Load {
            path,
            what,
            problem,
        } = e
        else {
            return SessionError::Data {
                path,
                source: Box::new(e),
            };
        };
        match problem {
            LoadProblem::MissingColumns(missing) => SessionError::MissingColumns { path, missing },
            LoadProblem::NotANumber {
                at,
                column_number,
                column,
                value,
            } => SessionError::NotANumber {
                path,
                at,
                column_number,
                column,
                value,
            },
            problem => SessionError::Data {
                path: path.clone(),
                source: Box::new(DataError::Load {
                    path,
                    what,
                    problem,
                }),
            },
        }
    }
}
