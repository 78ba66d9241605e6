use jumper_data::{DataError, Level};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The selection holds no cell.
    #[error("no cells selected for the report")]
    NoCells,
    /// No sample lies in the selected cells' window (JUmPER's message, plus which cells).
    #[error(
        "No performance data available or recorded cells are too short \
         (cells {cells}, level {level})"
    )]
    NoData {
        /// The selected cells, as [`crate::cells_label`] writes them.
        cells: String,
        /// The level asked for.
        level: Level,
    },
    /// A report format name that no renderer handles.
    #[error("unknown report format '{given}'; valid formats: {valid}")]
    UnknownFormat {
        /// What the user typed.
        given: String,
        /// The accepted values, comma separated.
        valid: String,
    },
    /// A report template failed to parse or render (a bug in jumper, not in the data).
    #[error("could not render the report template '{template}'")]
    Template {
        /// The template's name.
        template: &'static str,
        /// What tera said.
        #[source]
        source: tera::Error,
    },
    /// The cell range could not be resolved against the history.
    #[error(transparent)]
    Range(#[from] DataError),
}
