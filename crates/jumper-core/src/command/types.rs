//! The typed commands: what a parsed line is.

use std::fmt;
use std::path::PathBuf;

use jumper_data::{CellRange, Level};
use jumper_report::Format;

use super::table::{self, CommandSpec};

/// Options of `perfmonitor_perfreport`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportArgs {
    /// `--cell R`; `None`: the last completed cell.
    pub cell: Option<CellRange>,
    /// `--level L`; `None`: process (JUmPER's default).
    pub level: Option<Level>,
    /// `--text`: plain text instead of HTML.
    pub text: bool,
    /// `--format text|json|html|markdown` (jumper's addition; overrides `--text`).
    pub format: Option<Format>,
}

/// Options of `perfmonitor_plot`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotArgs {
    /// `--metrics a,b`: metric keys or subset names, as typed.
    pub metrics: Option<String>,
    /// `--cell R`.
    pub cell: Option<CellRange>,
    /// `--level L`.
    pub level: Option<Level>,
    /// `--save-jpeg F` (`.jpg` appended unless the name ends in `.jpg` or `.jpeg`).
    pub save_jpeg: Option<PathBuf>,
    /// `--save F` (jumper's addition): `.png`, `.svg`, `.jpg`/`.jpeg` or `.html` (dashboard).
    pub save: Option<PathBuf>,
    /// `--pickle F`: accepted for JUmPER's scripts; jumper has no Python objects to pickle.
    pub pickle: Option<PathBuf>,
    /// `--backend B`: accepted for JUmPER's scripts; jumper has one renderer.
    pub backend: Option<String>,
    /// `--live [INTERVAL [WINDOW]]`: the live view (values as given; empty for `--live off`).
    pub live: Option<Vec<f64>>,
    /// `--live off` (jumper's addition): end the live plot.
    pub live_off: bool,
    /// `--interval S` (jumper's addition): seconds between live plot frames.
    pub interval: Option<f64>,
    /// `--show-idle` (jumper's addition): keep idle time between cells on the time axis.
    pub show_idle: bool,
}

/// One parsed command of the language, with JUmPER's defaults still visible as `None`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `perfmonitor_help`.
    Help,
    /// `perfmonitor_resources`.
    Resources,
    /// `perfmonitor_start [interval]` (default 1.0 s).
    Start {
        /// Seconds between samples, > 0.
        interval: Option<f64>,
    },
    /// `perfmonitor_stop`.
    Stop,
    /// `perfmonitor_perfreport [--cell R] [--level L] [--text] [--format F]`.
    PerfReport(ReportArgs),
    /// `perfmonitor_plot [...]`.
    Plot(PlotArgs),
    /// `perfmonitor_enable_perfreports [--level L] [--interval S] [--text]`.
    EnablePerfReports {
        /// Level of the automatic reports (default process).
        level: Option<Level>,
        /// Interval used when this starts monitoring (default 1.0 s).
        interval: Option<f64>,
        /// Text instead of HTML.
        text: bool,
    },
    /// `perfmonitor_disable_perfreports`.
    DisablePerfReports,
    /// `perfmonitor_export_perfdata [--file F] [--level L] [--name N]`.
    ExportPerfData {
        /// `.csv` or `.json` file (no extension: `.csv` is appended).
        file: Option<PathBuf>,
        /// Level (default process).
        level: Option<Level>,
        /// Name under which the data is handed to the frontend (default `perfdata_df`).
        name: Option<String>,
    },
    /// `perfmonitor_export_cell_history [--file F] [--name N]`.
    ExportCellHistory {
        /// `.csv` or `.json` file.
        file: Option<PathBuf>,
        /// Name for the frontend (default `cell_history_df`).
        name: Option<String>,
    },
    /// `perfmonitor_load_perfdata FILE`.
    LoadPerfData {
        /// The file.
        file: PathBuf,
    },
    /// `perfmonitor_load_cell_history FILE`.
    LoadCellHistory {
        /// The file.
        file: PathBuf,
    },
    /// `perfmonitor_fast_setup`.
    FastSetup,
    /// `show_cell_history` (alias `cell_history`).
    ShowCellHistory,
    /// `export_session [PATH|PATH.zip]`.
    ExportSession {
        /// Target; default `jumper-session-YYYYmmdd-HHMMSS`.
        path: Option<PathBuf>,
    },
    /// `import_session PATH`.
    ImportSession {
        /// A session directory or zip.
        path: PathBuf,
    },
    /// `start_write_script [PATH]`.
    StartWriteScript {
        /// Target; default `jumper_script_YYYYmmdd_HHMMSS.py`.
        path: Option<PathBuf>,
    },
    /// `end_write_script`.
    EndWriteScript,
}

impl Command {
    /// The command's entry in the command table.
    pub fn spec(&self) -> &'static CommandSpec {
        match self {
            Command::Help => &table::HELP,
            Command::Resources => &table::RESOURCES,
            Command::Start { .. } => &table::START,
            Command::Stop => &table::STOP,
            Command::PerfReport(_) => &table::PERFREPORT,
            Command::Plot(_) => &table::PLOT,
            Command::EnablePerfReports { .. } => &table::ENABLE_PERFREPORTS,
            Command::DisablePerfReports => &table::DISABLE_PERFREPORTS,
            Command::ExportPerfData { .. } => &table::EXPORT_PERFDATA,
            Command::ExportCellHistory { .. } => &table::EXPORT_CELL_HISTORY,
            Command::LoadPerfData { .. } => &table::LOAD_PERFDATA,
            Command::LoadCellHistory { .. } => &table::LOAD_CELL_HISTORY,
            Command::FastSetup => &table::FAST_SETUP,
            Command::ShowCellHistory => &table::SHOW_CELL_HISTORY,
            Command::ExportSession { .. } => &table::EXPORT_SESSION,
            Command::ImportSession { .. } => &table::IMPORT_SESSION,
            Command::StartWriteScript { .. } => &table::START_WRITE_SCRIPT,
            Command::EndWriteScript => &table::END_WRITE_SCRIPT,
        }
    }

    /// The command's canonical name (JUmPER's magic name).
    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    /// Whether the command starts or ends script recording (such cells are not recorded).
    pub fn is_recording_control(&self) -> bool {
        self.spec().recording_control
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
