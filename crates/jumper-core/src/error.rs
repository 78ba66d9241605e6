use jumper_data::DataError;

use crate::CommandError;
use jumper_monitor::MonitorError;
use jumper_report::ReportError;
use jumper_session::SessionError;

/// Everything the service can refuse or fail at; each message is one clear line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The monitor could not start or sample.
    #[error(transparent)]
    Monitor(#[from] MonitorError),
    /// Bad level, range or data file.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A report could not be built.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A session could not be exported.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A script could not be read, recorded or run.
    #[error(transparent)]
    Script(#[from] jumper_script::ScriptError),
    /// A plot or dashboard could not be made.
    #[error(transparent)]
    Viz(#[from] jumper_viz::VizError),
    /// A command line that does not parse.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// `perfmonitor_start` while the sampler runs.
    #[error("performance monitoring is already running (interval {0} s); run perfmonitor_stop first to change it")]
    AlreadyRunning(f64),
    /// `perfmonitor_stop` while nothing runs.
    #[error("performance monitoring is not running (it was stopped before)")]
    NotRunning,
    /// A command that needs something the session does not have (e.g. cells), or that jumper
    /// does not offer; the message says what to do instead.
    #[error("{0}")]
    Refused(String),
    /// Monitoring was never started and no session was imported.
    #[error("no active performance monitoring session (start one with perfmonitor_start)")]
    NoMonitor,
    /// A level this session does not have.
    #[error("level '{given}' is not monitored in this session; available levels: {available}")]
    LevelNotMonitored {
        /// The level asked for.
        given: String,
        /// The levels there are.
        available: String,
    },
    /// `begin_cell` while a cell is running, or `end_cell` without one.
    #[error("{0}")]
    CellState(&'static str),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
