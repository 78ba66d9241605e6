//! # jumper-session: whole sessions on disk
//!
//! A session is everything needed to look at a monitored run later: the monitor's settings and
//! hardware, one perf table per level, the cell history and the report settings. This crate
//! writes and reads sessions as a directory or a `.zip` in the layout of JUmPER 0.4.1, so
//! JUmPER imports what jumper exports and jumper reads what JUmPER exported:
//!
//! ```text
//! session/                    (or session.zip, flat file names, deflate)
//!   perf_<level>.csv          one per level with rows; JUmPER's columns, jumper's raw
//!                             counters after them, `cell_index` last (see jumper_data::io)
//!   cell_history.csv          when there are cells; JUmPER's 8 columns, then `status`
//!                             (ok|failed) and `error`
//!   manifest.json             JUmPER's keys + {"jumper": {"schema", "writer"}}, written last
//! ```
//!
//! ## Where it sits
//!
//! ```text
//! jumper-monitor ─► jumper-data ─► jumper-session ─► jumper-core (export_session / import_session,
//!                  (PerfFrame,                        `jumper run --out`, `jumper report SESSION`)
//!                   CellRecord, MonitorInfo,
//!                   CSV writers and readers)
//! ```
//!
//! It only arranges files: every CSV is written and read by `jumper-data`, so a perf file in a
//! session is byte for byte what `%perfmonitor_export_perfdata` writes.
//!
//! ## Guarantees
//!
//! - [`export_session`] never leaves a half-written session: files go to a hidden temporary
//!   sibling and are renamed into place when complete; on error nothing is left behind. It
//!   replaces only an empty directory or a previous session written by jumper (see
//!   [`export`]).
//! - [`read_manifest`] refuses manifests of unknown versions clearly
//!   ([`SessionError::UnsupportedSchema`], [`SessionError::UnsupportedVersion`]); JUmPER's
//!   own manifests (`version` `"1.0"`, no `jumper` block) are accepted.
//!
//! ```no_run
//! use std::path::Path;
//! use jumper_data::{Level, MonitorInfo, PerfFrame};
//! use jumper_session::{export_session, read_session, Session};
//!
//! # fn main() -> Result<(), jumper_session::SessionError> {
//! let monitor = MonitorInfo::default();
//! let levels = [Level::Process];
//! let frames = [PerfFrame::from_samples(Level::Process, 1, &[])];
//! let exported = export_session(&Session::new(&monitor, &levels, &frames, &[]), Path::new("run.zip"))?;
//! let back = read_session(&exported.path)?;
//! assert!(back.manifest.written_by_jumper());
//! # Ok(())
//! # }
//! ```

mod error;
pub mod export;
pub mod manifest;
mod read;
mod source;

pub use error::SessionError;
pub use export::{export_session, ExportFormat, Exported, Session, WRITER_VERSION};
pub use manifest::{
    parse_manifest, read_manifest, AppInfo, JumperBlock, Manifest, PerfSchemas, ReporterSettings,
    Schemas, VisualizerSettings, CELL_HISTORY_FILE, MANIFEST_FILE, SESSION_SCHEMA,
};
pub use read::{read_session, LoadedSession};
