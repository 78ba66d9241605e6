//! # jumper-core: the service every frontend drives
//!
//! The top of jumper's library stack. [`PerfmonitorService`] owns the settings, the monitor
//! (`jumper-monitor`) or an imported session (`jumper-session`), the cell history
//! (`jumper-data`), and orchestrates reports (`jumper-report`), plots (`jumper-viz`), session
//! export and script recording (`jumper-script`). It speaks JUmPER's command language
//! ([`command`]): a line such as `%perfmonitor_perfreport --cell 2:5 --level user` in, typed
//! [`Output`]s out, which each frontend shows its own way through an [`OutputSink`].
//! Frontends — the `jumper` CLI, a Jupyter kernel, scripts replayed by [`replay`], Rust
//! programs that embed jumper — only tell it when cells begin and end; they never compute
//! metrics.
//!
//! ```no_run
//! use jumper_core::PerfmonitorService;
//!
//! let mut service = PerfmonitorService::builder().interval(0.1).build()?;
//! service.start_monitoring()?;
//! let sum: u64 = service.cell("sum", || (0..10_000_000u64).sum());
//! for out in service.run_command("%perfmonitor_perfreport --text")? {
//!     print!("{}", out.to_text());
//! }
//! # let _ = sum;
//! # Ok::<(), jumper_core::ServiceError>(())
//! ```

pub mod command;
mod commands;
mod data;
mod error;
pub mod frontend;
mod import;
pub mod messages;
mod output;
mod plot;
pub mod replay;
pub mod run;
mod service;

pub use command::{Command, CommandError};
pub use commands::{is_command_only, render};
pub use data::Offline;
pub use error::ServiceError;
pub use jumper_script::CellExecutor;
pub use output::{mime, Collect, DataValue, ImageFormat, Output, OutputSink, Severity, Table};
pub use service::{AutoReports, CellGuard, PerfmonitorService, ServiceBuilder, Settings};
// What the frontends' signatures use, so a frontend depends on jumper-core alone.
pub use jumper_data::{CellRange, CellStatus, Level};
pub use jumper_monitor::process::ChildExit;
pub use jumper_report::Format;
pub use jumper_script as script;
