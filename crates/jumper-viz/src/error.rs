//! The one error type of jumper-viz: bad user input (metrics, ranges, file names), data that
//! cannot be placed on an axis, and failed writes, for plots and dashboards alike.

use std::path::PathBuf;

use jumper_data::{DataError, Level};

/// Why a picture could not be made or written. Every message is one line that names the
/// problem and, where there is a choice, the accepted values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VizError {
    /// A metric key or subset name that the catalogue does not know.
    #[error("unknown metric '{given}'; valid metrics: {keys}; valid subsets: {subsets}")]
    UnknownMetric {
        /// What the user typed.
        given: String,
        /// Every metric key, comma separated.
        keys: String,
        /// Every subset name, comma separated.
        subsets: String,
    },
    /// A GPU metric was asked for, but the data has no GPU.
    #[error("metric '{given}' needs GPU data, but no GPU was recorded in this session")]
    NoGpus {
        /// The metric key or subset name asked for.
        given: String,
    },
    /// The selected cells hold no sample of the level.
    #[error("no samples in {cells} at level {level}")]
    NoSamples {
        /// The selected cells, e.g. `cells 3-5` or `cell 2`.
        cells: String,
        /// The level asked for.
        level: Level,
    },
    /// The cell range could not be resolved against the history (or no cell was recorded).
    #[error(transparent)]
    Range(#[from] DataError),
    /// A figure size outside what can be drawn.
    #[error("invalid figure size: {width} px wide, {panel_height} px per panel, {panels} panels; {rule}")]
    BadSize {
        /// Requested width.
        width: u32,
        /// Requested height of one panel.
        panel_height: u32,
        /// Number of panels.
        panels: usize,
        /// What is accepted.
        rule: String,
    },
    /// No level was given to a dashboard: there is nothing to show.
    #[error("no performance data to show: the dashboard needs at least one level")]
    NoLevels,
    /// Two frames of a dashboard carry the same level.
    #[error("level '{level}' is given twice; give each level once")]
    DuplicateLevel {
        /// The repeated level.
        level: Level,
    },
    /// The names given to a dashboard's frames are not one distinct name per frame.
    #[error("{detail}")]
    BadNames {
        /// What is wrong with them.
        detail: String,
    },
    /// A dashboard's initial cell range does not fit the cells.
    #[error("initial cell range {start}:{end} is out of bounds: {detail}")]
    BadInitialRange {
        /// First position asked for.
        start: usize,
        /// Last position asked for.
        end: usize,
        /// Why it does not fit.
        detail: String,
    },
    /// A cell whose start or end time cannot be placed on a time axis: not a finite number,
    /// or beyond [`crate::MAX_MAGNITUDE`] seconds (a damaged history file).
    #[error(
        "cell {index} has a start or end time that is not a usable number of seconds \
         ({start}, {end}); the cell history is damaged"
    )]
    BadCell {
        /// The cell's index.
        index: usize,
        /// Its start time.
        start: f64,
        /// Its end time.
        end: f64,
    },
    /// A file name whose extension names no image format we write.
    #[error("unsupported image format '{ext}' (supported: png, svg, jpg, jpeg)")]
    UnsupportedFormat {
        /// The extension with its dot (`.bmp`), or empty when the name has none.
        ext: String,
        /// The file asked for.
        path: PathBuf,
    },
    /// A dashboard path that does not end in `.html` or `.htm`.
    #[error("unsupported dashboard format '{ext}' for {path} (supported: html, htm)")]
    UnsupportedDashboardFormat {
        /// The path given.
        path: PathBuf,
        /// Its extension with a dot, or `(none)`.
        ext: String,
    },
    /// The folder a picture or dashboard should go to does not exist.
    #[error("cannot write {path}: directory {dir} does not exist")]
    MissingDirectory {
        /// The file asked for.
        path: PathBuf,
        /// Its parent folder.
        dir: PathBuf,
    },
    /// Writing or renaming the file failed.
    #[error("cannot write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// plotters could not draw the figure.
    #[error("cannot draw the plot: {message}")]
    Render {
        /// plotters' own words.
        message: String,
    },
    /// The embedded font could not be registered with plotters.
    #[error("the embedded font {name} could not be loaded")]
    Font {
        /// The font file.
        name: &'static str,
    },
    /// The image crate could not encode the picture.
    #[error("cannot encode the {format} image")]
    Encode {
        /// `PNG` or `JPEG`.
        format: &'static str,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
    /// A dashboard's data could not be encoded as JSON.
    #[error("cannot encode the dashboard data as JSON")]
    Json {
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },
}

impl VizError {
    pub(crate) fn render(e: impl std::fmt::Display) -> Self {
        VizError::Render {
            message: e.to_string(),
        }
    }
}
