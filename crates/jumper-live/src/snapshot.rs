//! What one frame shows: plain data, filled by the [`crate::Collector`] (or by hand in tests
//! and benchmarks), drawn by the widgets. Widgets never read the store.

use jumper_core::tree::ProcessRow;
use jumper_core::{CellMetrics, CellStatus, Level};

use crate::trend::Trend;

/// What the view is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `jumper run --live`: one command as one cell.
    #[default]
    Run,
    /// `jumper replay --live`: a monitored script, cell by cell.
    Replay,
    /// `jumper watch`: an existing process tree, or the user and system levels.
    Watch,
}

impl Mode {
    /// The word the header shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Run => "run",
            Mode::Replay => "replay",
            Mode::Watch => "watch",
        }
    }
}

/// The header's facts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeaderInfo {
    /// What is monitored: the command line, the script, or "user and system".
    pub target: String,
    /// Root process of the process level.
    pub pid: Option<u32>,
    /// The view's mode.
    pub mode: Mode,
    /// Seconds since monitoring started (frozen once it stopped).
    pub uptime_s: f64,
    /// Wall clock of the last sample, epoch seconds.
    pub wallclock: f64,
    /// That wall clock as the header shows it, in the local time zone (`14:03:07 CET`);
    /// empty: the header shows it in UTC.
    pub clock: String,
    /// Sampling interval in seconds.
    pub interval_s: f64,
    /// Samples taken (rows of the first level).
    pub samples: usize,
    /// Ticks the sampler had to skip.
    pub missed: u64,
    /// CPU seconds the sampler used on itself.
    pub own_cpu_s: f64,
    /// Levels sampled.
    pub levels: Vec<Level>,
    /// GPUs sampled (0: none).
    pub gpus: usize,
    /// Whether monitoring still runs.
    pub monitoring: bool,
}

impl HeaderInfo {
    /// The sampler's own CPU as percent of one core over the uptime (the header's cost bar).
    pub fn cost_pct(&self) -> f64 {
        if self.uptime_s > 0.0 {
            self.own_cpu_s / self.uptime_s * 100.0
        } else {
            0.0
        }
    }
}

/// One level's gauges: the latest derived row, its recent history and trends.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelView {
    /// The level.
    pub level: Level,
    /// CPUs 100 % refers to.
    pub cpus: usize,
    /// CPU utilisation of the latest row, percent of the level's CPUs.
    pub cpu: f64,
    /// Per-core utilisation of the latest row (system level only; empty otherwise).
    pub per_core: Vec<f64>,
    /// CPU utilisation of the recent rows, oldest first (the sparkline).
    pub cpu_history: Vec<f64>,
    /// Memory of the latest row, GiB.
    pub memory_gib: f64,
    /// The level's memory limit, GiB.
    pub memory_limit_gib: Option<f64>,
    /// Bytes read per second over the latest row.
    pub read_bps: f64,
    /// Bytes written per second over the latest row.
    pub write_bps: f64,
    /// Per-GPU `(utilisation %, used memory GiB)` of the latest row.
    pub gpus: Vec<(f64, f64)>,
    /// Highest CPU utilisation since the start or the last reset.
    pub cpu_peak: f64,
    /// Highest memory since the start or the last reset.
    pub memory_peak_gib: f64,
    /// Where CPU utilisation is heading.
    pub cpu_trend: Trend,
    /// Where memory is heading.
    pub memory_trend: Trend,
}

/// A cell's state in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Still running (its numbers update).
    Running,
    /// Finished.
    Done(CellStatus),
}

impl RowStatus {
    /// The word the table shows.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Running => "running",
            RowStatus::Done(CellStatus::Failed) => "failed",
            RowStatus::Done(_) => "ok",
        }
    }
}

/// One row of the cells table: the report's per-cell summary.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRow {
    /// The cell's index.
    pub index: usize,
    /// Running, ok or failed.
    pub status: RowStatus,
    /// The first line of its source (or its title).
    pub title: String,
    /// Seconds so far (running) or its duration.
    pub duration_s: f64,
    /// The report's numbers for the cell (`None` without samples in its window).
    pub metrics: Option<CellMetrics>,
    /// The analyzer's tags.
    pub tags: Vec<String>,
}

/// Everything one frame shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// The header.
    pub header: HeaderInfo,
    /// One entry per sampled level.
    pub levels: Vec<LevelView>,
    /// The level the cells table is measured at.
    pub cells_level: Option<Level>,
    /// The cells, in order.
    pub cells: Vec<CellRow>,
    /// Processes of the monitored tree (or the user's, without a tree).
    pub processes: Vec<ProcessRow>,
    /// The last lines of the command's output.
    pub output: Vec<String>,
    /// Where the command's output is written in full.
    pub output_file: Option<String>,
    /// Set once the work has ended: what ended it ("exit 0", "pid 4242 exited").
    pub finished: Option<String>,
}
