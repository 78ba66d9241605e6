use std::path::PathBuf;

use jumper_data::{DataError, Level};

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
    /// `perfmonitor_stop` before monitoring was ever started.
    #[error("performance monitoring was never started; nothing to stop")]
    NeverStarted,
    /// An export of perf data before the first sample of that level.
    #[error("no performance data at level {0} yet")]
    NoData(Level),
    /// `import_session` while the sampler runs (the session found at the path is valid).
    #[error("cannot import a session while monitoring runs: run %perfmonitor_stop first (and %export_session to keep this one)")]
    ImportWhileMonitoring,
    /// `start_write_script` while a recording is in progress.
    #[error("script recording to '{}' is already in progress; run %end_write_script first", .0.display())]
    AlreadyRecording(PathBuf),
    /// `end_write_script` without a recording.
    #[error("script recording was not started (use %start_write_script)")]
    NotRecording,
    /// `perfmonitor_plot --live` on an imported session (JUmPER's message).
    #[error("live plotting is not available for imported sessions; use regular plotting instead")]
    LiveViewUnavailable,
    /// `perfmonitor_plot --live` while monitoring does not run.
    #[error("a live plot needs running monitoring: run %perfmonitor_start first")]
    LiveNeedsMonitoring,
    /// A live frame was asked for, but no live plot is in force.
    #[error("no live plot is running (start one with %perfmonitor_plot --live)")]
    NoLivePlot,
    /// A saved state could not be read (missing directory or `state.json`).
    #[error("cannot read the jumper state {}", path.display())]
    StateRead {
        /// The state file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A saved state is damaged or of an unknown version.
    #[error("the jumper state in {} cannot be resumed: {why}", path.display())]
    StateInvalid {
        /// The state directory.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// `resume_state` while monitoring runs.
    #[error("cannot resume a saved state while monitoring runs: run %perfmonitor_stop first")]
    ResumeWhileMonitoring,
    /// A cell begins while another one runs.
    #[error("cell {0} is still running; end it before beginning another")]
    CellRunning(usize),
    /// A cell ends, but none is running.
    #[error("no cell is running")]
    NoCellRunning,
    /// `run_command` without a command.
    #[error("no command given")]
    NoCommand,
    /// The command's program does not exist.
    #[error("{program}: command not found")]
    CommandNotFound {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The command's program exists but cannot be executed.
    #[error("{program}: {why}")]
    CannotExecute {
        /// The program.
        program: String,
        /// `permission denied`, or `cannot execute`.
        why: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for the command failed.
    #[error("cannot wait for the command")]
    Wait(#[source] std::io::Error),
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// An error and its causes as one line, each cause once: `cannot write out.json: Permission
/// denied (os error 13)`. No jumper error repeats its source in its message, so nothing is cut.
pub fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        line.push_str(": ");
        line.push_str(&c.to_string());
        cause = c.source();
    }
    line
}
