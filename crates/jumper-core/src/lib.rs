//! # jumper-core: the service every frontend drives
//!
//! The top of jumper's library stack. [`PerfmonitorService`] owns the settings, the monitor
//! (`jumper-monitor`), the cell history (`jumper-data`) and orchestrates reports
//! (`jumper-report`) and session exports (`jumper-session`). Frontends — the `jumper` CLI,
//! a Jupyter kernel, scripts, Rust programs that embed jumper — only tell it when cells
//! begin and end and ask it for reports; they never compute metrics.
//!
//! ```no_run
//! use jumper_core::PerfmonitorService;
//!
//! let mut service = PerfmonitorService::builder().interval(0.1).build()?;
//! service.start_monitoring()?;
//! let sum: u64 = service.cell("sum", || (0..10_000_000u64).sum());
//! println!("{}", service.report_text(None, jumper_data::Level::Process)?);
//! # let _ = sum;
//! # Ok::<(), jumper_core::ServiceError>(())
//! ```

mod error;
mod service;

pub use error::ServiceError;
pub use service::{CellGuard, PerfmonitorService, ServiceBuilder, Settings};
