//! The one error type of this crate.

use std::path::PathBuf;

use jumper_data::io::{describe_bad_value, LoadProblem, Location};
use jumper_data::{DataError, Level};

/// Why a session could not be exported or read.
///
/// Every variant names the file or directory involved. Export errors are reported only after
/// the temporary output has been removed: nothing that looks like a session is left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A file or directory could not be created, written, read, renamed or removed (the OS
    /// error is the source: `s/perf_user.csv: No space left on device`).
    #[error("{}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be written or read.
    #[error("{}: zip archive error", .path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip library reported.
        #[source]
        source: zip::result::ZipError,
    },
    /// `manifest.json` is not valid JSON or does not have the manifest's shape.
    #[error("{}: invalid session manifest", .path.display())]
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
    #[error("'{}' is a truncated or corrupt zip archive", .path.display())]
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
    /// (broken CSV, not UTF-8, an impossible cell index); the problem is the source.
    #[error("cannot import '{}'", .path.display())]
    Data {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        problem: LoadProblem,
    },
    /// Something other than a regular file (a named pipe, a directory, a device) where a
    /// session file should be: refused before reading, so it never blocks.
    #[error("cannot import '{}': not a regular file (it is {kind})", .path.display())]
    NotARegularFile {
        /// The file.
        path: PathBuf,
        /// What is there: `a named pipe (FIFO)`, `a directory`, ...
        kind: &'static str,
    },
    /// A file of the session is larger than a session file may be (a damaged archive or a
    /// decompression bomb): by its declared size, or by the bytes actually read.
    #[error(
        "cannot import '{}': it is larger than {}, the most jumper reads from a session file",
        .path.display(),
        show_bytes(*.limit)
    )]
    FileTooLarge {
        /// The file (inside a zip: `archive.zip/manifest.json`).
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// `manifest.json` holds JSON that is not an object.
    #[error(
        "{}: not a jumper or JUmPER session: manifest.json does not hold a JSON object",
        .path.display()
    )]
    ManifestNotAnObject {
        /// The manifest.
        path: PathBuf,
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
    #[error("{}: {reason}; nothing was written", .path.display())]
    TargetOccupied {
        /// The target path.
        path: PathBuf,
        /// What is there.
        reason: Occupied,
    },
    /// The session handed to the exporter lists a level twice.
    #[error("{}: cannot export session: level '{level}' is listed twice; nothing was written", .path.display())]
    DuplicateLevel {
        /// The target path.
        path: PathBuf,
        /// The level.
        level: Level,
    },
    /// The session handed to the exporter has perf data for a level it does not list.
    #[error(
        "{}: cannot export session: there is perf data for level '{level}', which is not among \
         the session's levels ({listed}); nothing was written",
        .path.display()
    )]
    UnlistedLevel {
        /// The target path.
        path: PathBuf,
        /// The level of the frame.
        level: Level,
        /// The levels listed, comma separated.
        listed: String,
    },
    /// The session handed to the exporter has two perf tables for one level.
    #[error(
        "{}: cannot export session: there are two perf tables for level '{level}'; nothing was \
         written",
        .path.display()
    )]
    DuplicateFrame {
        /// The target path.
        path: PathBuf,
        /// The level.
        level: Level,
    },
}

/// What occupies an export target that must not be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Occupied {
    /// The path ends in `..` or is a root: there is no name to write.
    NoFileName,
    /// A symbolic link (never followed, never replaced).
    Symlink,
    /// A file where a directory export should go.
    NotADirectory,
    /// A directory or other non-file where a zip export should go.
    NotARegularFile,
    /// A non-empty directory that is not a session written by jumper.
    ForeignDirectory,
    /// A file that is not a session zip written by jumper.
    ForeignFile,
}

impl std::fmt::Display for Occupied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Occupied::NoFileName => "the path does not end in a file or directory name",
            Occupied::Symlink => "it is a symbolic link; give the path it points to",
            Occupied::NotADirectory => "it exists and is not a directory",
            Occupied::NotARegularFile => "it exists and is not a regular file",
            Occupied::ForeignDirectory => {
                "the directory is not empty and does not hold a session written by jumper \
                 (only such a session is replaced); choose another path"
            }
            Occupied::ForeignFile => {
                "the file exists and is not a session zip written by jumper (only such a zip \
                 is replaced); choose another path"
            }
        })
    }
}

/// `64 MiB` for whole mebibytes, else bytes.
fn show_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
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
    /// `shown` is the file's path, for errors that do not carry one.
    pub(crate) fn from_data(shown: PathBuf, e: DataError) -> Self {
        let DataError::Load { path, problem, .. } = e else {
            // The readers of session files only report `Load`; anything else keeps its text.
            return SessionError::Data {
                path: shown,
                problem: LoadProblem::Io(std::io::Error::other(e.to_string())),
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
            problem => SessionError::Data { path, problem },
        }
    }
}
