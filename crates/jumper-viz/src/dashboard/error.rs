use std::path::PathBuf;

use jumper_data::Level;

/// Why a dashboard could not be built or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DashboardError {
    /// No level was given: there is nothing to show.
    #[error("no performance data to show: the dashboard needs at least one level")]
    NoLevels,
    /// Two frames carry the same level.
    #[error("level '{level}' is given twice; give each level once")]
    DuplicateLevel {
        /// The repeated level.
        level: Level,
    },
    /// The initial cell range does not fit the cells.
    #[error("initial cell range {start}:{end} is out of bounds: {detail}")]
    BadRange {
        /// First position asked for.
        start: usize,
        /// Last position asked for.
        end: usize,
        /// Why it does not fit.
        detail: String,
    },
    /// A cell whose start or end time is not a finite number (a damaged history file).
    #[error("cell {index} has a start or end time that is not a number ({start}, {end})")]
    BadCell {
        /// The cell's index.
        index: usize,
        /// Its start time.
        start: f64,
        /// Its end time.
        end: f64,
    },
    /// The output path does not end in `.html` or `.htm`.
    #[error("unsupported dashboard format '{ext}' for {path} (supported: html, htm)")]
    UnsupportedFormat {
        /// The path given.
        path: PathBuf,
        /// Its extension with a dot, or `(none)`.
        ext: String,
    },
    /// The directory the dashboard should go into does not exist.
    #[error("cannot write {path}: directory {dir} does not exist")]
    MissingDirectory {
        /// The path given.
        path: PathBuf,
        /// Its parent directory.
        dir: PathBuf,
    },
    /// Writing or renaming the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The embedded data could not be encoded as JSON.
    #[error("cannot encode the dashboard data as JSON: {source}")]
    Encode {
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },
}
