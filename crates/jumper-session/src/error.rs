//! The one error type of this crate.

use std::path::PathBuf;

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
    /// A perf or cell-history file of the session could not be read.
    #[error("{path}: cannot read session file: {source}")]
    Data {
        /// The file (inside a zip: `archive.zip/perf_process.csv`).
        path: PathBuf,
        /// What the reader reported.
        #[source]
        source: DataError,
    },
    /// The path holds no session: no `manifest.json`, or not a directory or a zip.
    #[error("{path}: not a jumper or JUmPER session: {reason}")]
    NotASession {
        /// The path given.
        path: PathBuf,
        /// What is missing.
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
}
