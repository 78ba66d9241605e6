//! # jumper-data: the data model of jumper
//!
//! Sits between the readers (`jumper-monitor`) and everything that shows numbers
//! (`jumper-report`, `jumper-session`, `jumper-core`). It holds:
//!
//! - [`LevelSample`]: one raw reading of one level — cumulative counters (CPU time, I/O bytes and
//!   operations) plus gauges (memory, GPU), stamped with monotonic and wall-clock time;
//! - [`SampleStore`]: the append-only, thread-safe store the sampler writes and readers read
//!   while it writes, without tearing;
//! - [`CellHistory`] and [`CellRange`]: what ran when, and which cells a command addresses;
//! - [`PerfFrame`]: the derived per-sample table with JUmPER's column names and meanings
//!   (utilisation, rates), built from raw samples or read from a JUmPER export;
//! - [`analyzer`]: JUmPER's bound tags and thresholds;
//! - [`io`]: CSV and JSON writers and readers, all driven by one column table
//!   ([`io::columns`], the reference of every column jumper writes), and [`fsio`]: files that
//!   appear complete or not at all, and reads of regular files only;
//! - with feature `polars`, module `polars`: the same tables as polars DataFrames.
//!
//! Rates and utilisation are never stored: they are derived from counter differences when read,
//! so per-cell numbers are a pure function of (samples, cell boundaries).

pub mod analyzer;
mod cells;
mod error;
pub mod frame;
pub mod fsio;
pub mod html;
pub mod io;
mod level;
mod meta;
#[cfg(feature = "polars")]
pub mod polars;
mod sample;
mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod time;

pub use analyzer::{Tag, Thresholds};
pub use cells::{CellHistory, CellRange, CellRecord, CellStatus};
pub use error::DataError;
pub use frame::{PerfFrame, PerfRow, RawCounters, Window};
pub use level::Level;
pub use meta::{host_name, uuid4_text, Leftover, MonitorInfo, Origin, GIB};
pub use sample::{GpuReading, IoCounters, LevelSample, SampleKind};
pub use store::SampleStore;
