//! # jumper-core: the service every frontend drives
//!
//! ```
//! use jumper_core::{Cells, Level, PerfmonitorService};
//!
//! let mut service = PerfmonitorService::builder().interval(0.05).build()?;
//! service.start_monitoring()?;
//! let sum: u64 = service.cell("sum", || (0..100_000u64).sum());
//! assert_eq!(sum, 4_999_950_000);
//! let report = service.report(Cells::Last, Level::Process)?;
//! assert_eq!(report.cells, [0]);
//! for out in service.run_command("%perfmonitor_perfreport --cell 0 --text")? {
//!     print!("{}", out.to_text());
//! }
//! # Ok::<(), jumper_core::ServiceError>(())
//! ```
//!
//! The top of jumper's library stack, and the one crate a Rust program that embeds jumper
//! needs: it re-exports every type its signatures use. [`PerfmonitorService`] owns the
//! settings, the monitor (`jumper-monitor`) or an imported session (`jumper-session`), the
//! cell history (`jumper-data`), and orchestrates reports (`jumper-report`), plots
//! (`jumper-viz`), session export and script recording (`jumper-script`). It speaks JUmPER's
//! command language ([`command`]): a line such as `%perfmonitor_perfreport --cell 2:5 --level
//! user` in, typed [`Output`]s out, which each frontend shows its own way through an
//! [`OutputSink`]. Frontends — the `jumper` CLI, a Jupyter kernel, scripts replayed by
//! [`replay`], Rust programs that embed jumper — only tell it when cells begin and end; they
//! never compute metrics.
//!
//! Cells: [`PerfmonitorService::cell`] runs a closure as a cell (a panic inside ends it as
//! failed); [`PerfmonitorService::begin`] returns a [`CellGuard`] that ends the cell when
//! dropped; [`PerfmonitorService::begin_cell`] / [`end_cell`](PerfmonitorService::end_cell)
//! are the frontends' hooks.

pub mod command;
mod commands;
mod data;
mod error;
pub mod feed;
pub mod frontend;
mod import;
mod live;
pub mod messages;
mod output;
mod plot;
pub mod replay;
pub mod run;
mod service;
mod state;

pub use command::{Command, CommandError};
pub use commands::{is_command_only, render};
pub use data::Offline;
pub use error::{one_line, ServiceError};
pub use live::{
    LivePlot, DEFAULT_LIVE_INTERVAL, DEFAULT_LIVE_WINDOW, LIVE_PANEL_HEIGHT, LIVE_WIDTH,
};
pub use output::{mime, Collect, DataValue, ImageFormat, Output, OutputSink, Severity, Table};
pub use plot::{is_html as is_dashboard_path, write_named_dashboard};
pub use service::{
    AutoReports, CellGuard, Cells, ImportSummary, PerfmonitorService, ServiceBuilder, Settings,
};
pub use state::{Resumed, STATE_FILE, STATE_SCHEMA};

pub use feed::{Feed, FeedState};
/// Clocks (monotonic and wall-clock seconds) the samples are stamped with.
pub use jumper_data::time as clock;
pub use jumper_data::{host_name, LevelSample, SampleKind, SampleStore, Tag, Window, GIB};
pub use jumper_data::{
    CellHistory, CellRange, CellRecord, CellStatus, DataError, Level, MonitorInfo, PerfFrame,
    PerfRow, RawCounters, Thresholds,
};
pub use jumper_monitor::process::ChildExit;
/// Per-process rows for a live view's process table.
pub use jumper_monitor::tree;
pub use jumper_monitor::{Gpus, Monitor, MonitorError, Resources, SamplerStats};
pub use jumper_report::{CellMetrics, CellSummary, MonitorSummary, MIB};
pub use jumper_report::{Format, Report, ReportError};
/// The monitored-script crate (format, interpreters, executors), for frontends that replay.
pub use jumper_script as script;
pub use jumper_script::{
    CellExecutor, Interpreter, InterpreterKind, Recorded, Script, ScriptError,
};
pub use jumper_session::{Appender, Exported, SessionError, Update};
pub use jumper_viz::{Metric, VizError};

/// GPU backends: the trait, the fake for tests and the device types.
pub mod gpu {
    #[cfg(feature = "nvml")]
    pub use jumper_monitor::gpu::NvmlGpu;
    pub use jumper_monitor::gpu::{FakeGpu, GpuBackend, GpuDevice, GpuDeviceSample, GpuProcess};
    pub use jumper_monitor::Gpus;
}

/// The README's "In Rust" example (`examples/readme.rs`, byte for byte the README's block),
/// run as a doctest.
#[cfg(doctest)]
#[doc = concat!("```\n", include_str!("../examples/readme.rs"), "```")]
pub struct ReadmeInRust;
