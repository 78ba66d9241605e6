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
//!                             counters after them, `cell_index` last (the column
//!                             reference: jumper_data::io::columns)
//!   cell_history.csv          when there are cells; JUmPER's 8 columns, then `status`
//!                             (ok|failed) and `error`
//!   manifest.json             JUmPER's keys + {"jumper": {"schema", "writer"}}, written last
//! ```
//!
//! A writer that keeps a session current ([`Appender`]: `jumper agent`) appends rows to the
//! perf files and then replaces the manifest. Killed in the middle of an append, it leaves a
//! perf file whose last line has no newline: the reader leaves that line out, keeps every row
//! before it and names the file in [`ImportedSession::cut_short`]; a bad line anywhere else is
//! an error.
//!
//! ## Where a session was taken
//!
//! jumper's manifests carry `monitor.origin` ([`jumper_data::Origin`]), recorded when
//! monitoring starts; JUmPER ignores it, and sessions without it (JUmPER's, jumper's older
//! ones) import with `origin` `None`. Every SLURM member is `null` outside a job:
//!
//! ```json
//! "origin": {
//!   "session_uuid": "0f8e2c3a-4b5d-4e6f-8a7b-9c0d1e2f3a4b",   random v4, kept across restarts
//!   "hostname": "host7",                  gethostname()
//!   "node": "n2",                         SLURMD_NODENAME
//!   "job_id": "42",                       SLURM_JOB_ID
//!   "sluid": null,                        SLURM_JOB_SLUID, else a v2 job directory not named job_<id>
//!   "step_id": "0",                       SLURM_STEP_ID
//!   "task_id": "1",                       SLURM_PROCID
//!   "node_list": "n[1-2]",                SLURM_JOB_NODELIST
//!   "cluster": "jt",                      SLURM_CLUSTER_NAME
//!   "slurm_cgroup": "/sys/fs/cgroup/memory/slurm_n2/uid_0/job_42",   read by the slurm level
//!   "slurm_io_cgroup": null,              its I/O directory; null: slurm-level I/O unavailable (v1)
//!   "own_cgroup": "/slurm_n2/uid_0/job_42/step_0/task_1",            from /proc/self/cgroup
//!   "process_cgroup": null                the cgroup `jumper run` made for the command, if any
//! }
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
//! session is byte for byte what `%perfmonitor_export_perfdata` writes, and the manifest's
//! `schemas` are the names of the same column table.
//!
//! | file | job |
//! |---|---|
//! | `export/` | writing: the session's files (`files.rs`), where they go while written (`sink.rs`), what may be replaced (`target.rs`), putting the result in place (`place.rs`) |
//! | `source.rs` | reading a session's files from a directory or zip, with limits; [`read_manifest`] |
//! | `manifest.rs` | the manifest's shape and parsing |
//! | `import.rs`, `convert.rs` | recognising the writer, JUmPER 0.3.x's conversion |
//!
//! ## Guarantees
//!
//! - [`export_session`] never leaves a half-written session: files go to a hidden temporary
//!   sibling and are renamed into place when complete; on error nothing is left behind. It
//!   replaces only an empty directory or a previous session written by jumper (see
//!   [`export`]).
//! - [`import_session`] reads sessions written by jumper and by JUmPER 0.3.x and 0.4.x,
//!   and gives every perf table JUmPER 0.4.1's column meanings; it never panics on a
//!   foreign or damaged session, and each refusal is one line naming the path.
//!
//! ## Importing sessions
//!
//! **Recognition** ([`SessionFormat`]), in this order:
//!
//! 1. a manifest with a `jumper` block was written by jumper; its `jumper.schema` must be
//!    one this build reads ([`SessionError::UnsupportedSchema`] otherwise);
//! 2. any other manifest is JUmPER's; its `version` must be `"1.0"`
//!    ([`SessionError::UnsupportedVersion`] otherwise; JUmPER 0.3.6 and 0.4.1 both write
//!    `"1.0"` and the same keys, so the manifest alone cannot tell them apart);
//! 3. `app.version` decides when it names a version: below 0.4 is
//!    [`SessionFormat::JumperPy03`], 0.4 and later [`SessionFormat::JumperPy04`];
//! 4. JUmPER installed from a wheel writes `app.version: "unknown"`. Then the column order
//!    decides: JUmPER 0.3.x writes every perf file with its nine base columns first, in the
//!    order `time, memory, io_read_count, io_write_count, io_read, io_write, cpu_util_avg,
//!    cpu_util_min, cpu_util_max` (its `PerformanceData` builds rows that way); JUmPER
//!    0.4.x never puts `memory` second (its thread backend writes it after the CPU columns,
//!    its C collector after `cpu_util_*`). A session with such a header is 0.3.x, any
//!    other is read as 0.4.
//!
//! **Conversion** ([`convert`]): JUmPER 0.3.x stored, in `io_read_count`, `io_write_count`,
//! `io_read` and `io_write`, the cumulative total divided by the seconds since the level's
//! previous sample (the first row by its own `time`), not rates (bug 5 of JUmPER's list).
//! Import multiplies back by that spacing to recover the totals and takes differences:
//! `rate = max(0, Δtotal) / Δtime`, 0 on the first row, as JUmPER 0.4.1 computes them.
//! Nothing else differs between the two versions' columns.
//!
//! **Files**: `manifest.json` is required; `cell_history.csv` and `perf_process.csv`,
//! `perf_user.csv`, `perf_system.csv`, `perf_slurm.csv` are read when present (columns by
//! name, never by position); a `perf_<level>.csv` for any other level is ignored, as
//! JUmPER 0.4.1 ignores it, and so are unknown level names in the manifest. Cells keep the
//! `cell_index` values of the file. [`ImportedSession::info`] is the manifest's `monitor`
//! section with `levels` set to the levels that have data, and the CPU and GPU counts and
//! the interval taken from the data where the manifest lacks them.
//!
//! **Limits**: only regular files are read (a named pipe where a session file should be is
//! refused, never opened for a blocking read); `manifest.json` and `cell_history.csv` may
//! hold at most [`MAX_SMALL_FILE_BYTES`] (64 MiB) and each `perf_<level>.csv` at most
//! [`MAX_PERF_FILE_BYTES`] (1 GiB), checked against the declared size and the bytes
//! actually read; perf files are streamed, never held whole. A zip bomb is one error.
//!
//! **Errors** (each a [`SessionError`] variant that carries the path). A message never repeats
//! its cause: where there is one it is the error's `source()`, and a frontend prints the
//! chain (`message: cause`), as below:
//!
//! | problem | variant | message |
//! |---|---|---|
//! | nothing at the path | `NotFound` | `no session at 'x': no such file or directory` |
//! | a file that is not a zip | `NotDirOrZip` | `'x' is not a session: it is neither a directory nor a zip archive` |
//! | no `manifest.json` | `MissingManifest` | `'x' is not a session: manifest.json is missing` |
//! | a zip cut short or damaged | `CorruptZip` | `'x.zip' is a truncated or corrupt zip archive: ...` |
//! | a named pipe or directory as a session file | `NotARegularFile` | `cannot import 'x/perf_user.csv': not a regular file (it is a named pipe (FIFO))` |
//! | a file over its limit (a zip bomb) | `FileTooLarge` | `cannot import 'x.zip/manifest.json': it is larger than 64 MiB, the most jumper reads from a session file` |
//! | `manifest.json` not JSON | `Manifest` | `x/manifest.json: invalid session manifest: ...` |
//! | `manifest.json` not an object | `ManifestNotAnObject` | `x/manifest.json: not a jumper or JUmPER session: manifest.json does not hold a JSON object` |
//! | unknown JUmPER manifest version | `UnsupportedVersion` | `... unsupported session manifest version '2.0' (supported: 1.0) ...` |
//! | unknown jumper schema | `UnsupportedSchema` | `... unsupported jumper session schema 'jumper.session.v2' ...` |
//! | required columns absent | `MissingColumns` | `cannot import 'x/perf_user.csv': missing columns: io_read, cpu_util_max` |
//! | a value that is not a number | `NotANumber` | `cannot import 'x/perf_user.csv': line 7, column 11 (memory): 'abc' is not a number` |
//! | any other unreadable file | `Data` | `cannot import 'x/cell_history.csv': line 4 has 3 fields where the header has 8` |
//!
//! ```no_run
//! use std::path::Path;
//! use jumper_data::{Level, MonitorInfo, PerfFrame};
//! use jumper_session::{export_session, import_session, Session};
//!
//! # fn main() -> Result<(), jumper_session::SessionError> {
//! let monitor = MonitorInfo::default();
//! let levels = [Level::Process];
//! let frames = [PerfFrame::from_samples(Level::Process, 1, &[])];
//! let exported = export_session(&Session::new(&monitor, &levels, &frames, &[]), Path::new("run.zip"))?;
//! let back = import_session(&exported.path)?;
//! assert!(back.manifest.written_by_jumper());
//! println!("written by {}", back.writer());
//! # Ok(())
//! # }
//! ```

pub mod convert;
mod error;
pub mod export;
mod import;
pub mod manifest;
mod source;

pub use error::{Occupied, SessionError};
pub use export::{
    export_session, Appender, ExportFormat, Exported, Session, Update, WRITER_VERSION,
};
pub use import::{import_session, read_session, ImportedSession, LoadedSession, SessionFormat};
pub use manifest::{
    parse_manifest, AppInfo, JumperBlock, Manifest, PerfSchemas, ReporterSettings, Schemas,
    VisualizerSettings, CELL_HISTORY_FILE, MANIFEST_FILE, SESSION_SCHEMA,
};
pub use source::{read_manifest, MAX_PERF_FILE_BYTES, MAX_SMALL_FILE_BYTES};
