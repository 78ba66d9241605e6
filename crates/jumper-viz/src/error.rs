//! Errors of jumper-viz: bad user input (metrics, ranges, file names) and failed writes.

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
    /// A file name whose extension names no image format we write.
    #[error("unsupported image format '{ext}' (supported: png, svg, jpg, jpeg)")]
    UnsupportedFormat {
        /// The extension with its dot (`.bmp`), or empty when the name has none.
        ext: String,
        /// The file asked for.
        path: PathBuf,
    },
    /// The folder a picture should go to does not exist.
    #[error("cannot write {path}: directory {dir} does not exist")]
    MissingDirectory {
        /// The file asked for.
        path: PathBuf,
        /// Its parent folder.
        dir: PathBuf,
    },
    /// Writing or renaming the file failed.
    #[error("cannot write {path}: {source}")]
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
    #[error("cannot encode the {format} image: {source}")]
    Encode {
        /// `PNG` or `JPEG`.
        format: &'static str,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
}

impl VizError {
    pub(crate) fn render(e: impl std::fmt::Display) -> Self {
        VizError::Render {
            message: e.to_string(),
        }
    }
}
