//! Importing a whole session (`%import_session PATH`, `jumper report SESSION`): the manifest,
//! the cell history and one perf table per level, from a directory or a zip written by
//! jumper or by JUmPER 0.3.x / 0.4.x, converted to JUmPER 0.4.1's column meanings.
//!
//! See the [crate docs](crate#importing-sessions) for the recognition and conversion rules.

use std::fmt;
use std::path::{Path, PathBuf};

use jumper_data::io::{history_from_reader, perf_table_from_reader, BASE_PERF_COLUMNS};
use jumper_data::{CellRecord, Level, MonitorInfo, PerfFrame, Thresholds};
use serde_json::Value;

use crate::convert::jumper_py03_io_to_rates;
use crate::export::Session;
use crate::manifest::{perf_file_name, Manifest, CELL_HISTORY_FILE};
use crate::source::SessionSource;
use crate::SessionError;

/// Who wrote a session, as far as it matters for reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionFormat {
    /// Written by jumper (the manifest has a `jumper` block), with this schema.
    Jumper {
        /// The schema, e.g. `jumper.session.v1`.
        schema: String,
    },
    /// Written by JUmPER 0.4 or later: columns already have 0.4.1's meanings.
    JumperPy04,
    /// Written by JUmPER 0.3.x (or earlier): the I/O columns were converted on import.
    JumperPy03,
}

impl SessionFormat {
    /// Whether the I/O columns were converted from JUmPER 0.3.x's quantity to rates.
    pub fn converts_io(&self) -> bool {
        *self == SessionFormat::JumperPy03
    }
}

impl fmt::Display for SessionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionFormat::Jumper { schema } => write!(f, "jumper session ({schema})"),
            SessionFormat::JumperPy04 => f.write_str("JUmPER 0.4 session"),
            SessionFormat::JumperPy03 => {
                f.write_str("JUmPER 0.3 session (I/O columns converted to rates)")
            }
        }
    }
}

/// A session read back from a directory or zip, ready for reports, plots and re-export.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedSession {
    /// The checked manifest, as written.
    pub manifest: Manifest,
    /// Who wrote it (and so how its columns were read).
    pub format: SessionFormat,
    /// The monitor description to use for reports: the manifest's `monitor` section with
    /// `levels` set to the levels that have perf data, and `num_cpus`, `num_system_cpus`,
    /// `num_gpus` and `interval` taken from the data where the manifest lacks them.
    pub info: MonitorInfo,
    /// One frame per perf file found: the manifest's levels in its order, then any other
    /// known level's `perf_<level>.csv` (JUmPER loads whichever exist). Columns have JUmPER
    /// 0.4.1's meanings whatever wrote them.
    pub frames: Vec<PerfFrame>,
    /// The cell history, with the file's own `cell_index` values; empty without
    /// `cell_history.csv`.
    pub cells: Vec<CellRecord>,
    /// The directory or zip it was read from, as given.
    pub source: PathBuf,
    /// What the import inferred or converted, one sentence each, for the curious user.
    pub notes: Vec<String>,
    /// The perf files whose last line was cut short and left out (a writer stopped in the
    /// middle of appending it: a node agent killed mid-save), one sentence each. These are
    /// in [`notes`](Self::notes) too; a frontend should show them.
    pub cut_short: Vec<String>,
}

/// The former name of [`ImportedSession`].
pub type LoadedSession = ImportedSession;

impl ImportedSession {
    /// The frame of `level`, if the session has one.
    pub fn frame(&self, level: Level) -> Option<&PerfFrame> {
        self.frames.iter().find(|f| f.level == level)
    }

    /// The levels that have perf data, in the order of [`frames`](Self::frames).
    pub fn levels(&self) -> Vec<Level> {
        self.frames.iter().map(|f| f.level).collect()
    }

    /// The analyzer thresholds the session was written with (`reporter.thresholds`).
    pub fn thresholds(&self) -> Thresholds {
        self.manifest.reporter.thresholds
    }

    /// Who wrote the session, for messages: `jumper 0.1.0`, `JUmPER 0.4.1`, or, when JUmPER
    /// recorded no version (installed from a wheel it writes `unknown`),
    /// `JUmPER 0.4.x (version not recorded)`.
    pub fn writer(&self) -> String {
        match &self.format {
            SessionFormat::Jumper { .. } => match &self.manifest.jumper {
                Some(j) if !j.writer.trim().is_empty() => j.writer.clone(),
                _ => "jumper (version not recorded)".into(),
            },
            SessionFormat::JumperPy04 | SessionFormat::JumperPy03 => {
                let app = &self.manifest.app;
                let name = if app.name.trim().is_empty() {
                    "JUmPER"
                } else {
                    app.name.trim()
                };
                if major_minor(&app.version).is_some() {
                    format!("{name} {}", app.version.trim())
                } else if self.format == SessionFormat::JumperPy03 {
                    format!("{name} 0.3.x (version not recorded)")
                } else {
                    format!("{name} 0.4.x (version not recorded)")
                }
            }
        }
    }

    /// The session as [`export_session`](crate::export_session) takes it, to write it again
    /// (as a jumper session, with JUmPER 0.4.1's column meanings).
    pub fn as_session(&self) -> Session<'_> {
        Session {
            thresholds: self.thresholds(),
            reporter_level: self.manifest.reporter.level,
            ..Session::new(&self.info, &self.info.levels, &self.frames, &self.cells)
        }
    }
}

/// `(major, minor)` of a version string like `0.3.6`, `v0.4.1` or `0.3.6.dev1`; `None` for
/// `unknown`, empty and anything else without two leading numbers.
pub(crate) fn major_minor(v: &str) -> Option<(u64, u64)> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut parts = v.split('.');
    let num = |p: Option<&str>| -> Option<u64> {
        let p = p?;
        let digits = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
        p[..digits].parse().ok()
    };
    Some((num(parts.next())?, num(parts.next())?))
}

/// Whether a perf header has JUmPER 0.3.x's column order: its nine base columns first, in
/// the order of its `PerformanceData` (`time, memory, io_read_count, ...`). JUmPER 0.4.x
/// writes `memory` after the CPU columns (thread backend) or after `cpu_util_*` (C
/// collector), never second.
fn has_py03_order(header: &[String]) -> bool {
    header.len() >= BASE_PERF_COLUMNS.len()
        && header
            .iter()
            .zip(BASE_PERF_COLUMNS)
            .all(|(h, want)| h == want)
}

/// Recognises who wrote a session (see the crate docs) from its manifest and the headers of
/// its perf files: returns the format and why.
pub(crate) fn recognise(
    manifest: &Manifest,
    perf_headers: &[(Level, Vec<String>)],
) -> (SessionFormat, String) {
    if let Some(j) = &manifest.jumper {
        return (
            SessionFormat::Jumper {
                schema: j.schema.clone(),
            },
            format!("recognised as a jumper session (schema {})", j.schema),
        );
    }
    let version = manifest.app.version.trim();
    if let Some((major, minor)) = major_minor(version) {
        let format = if (major, minor) < (0, 4) {
            SessionFormat::JumperPy03
        } else {
            SessionFormat::JumperPy04
        };
        return (format, format!("recognised by app.version '{version}'"));
    }
    let py03 = perf_headers
        .iter()
        .find(|(_, header)| has_py03_order(header));
    match py03 {
        Some((level, _)) => (
            SessionFormat::JumperPy03,
            format!(
                "app.version '{version}' names no version; recognised as JUmPER 0.3.x by the \
                 column order of perf_{level}.csv (memory second)"
            ),
        ),
        None => (
            SessionFormat::JumperPy04,
            format!(
                "app.version '{version}' names no version; read as JUmPER 0.4 (no perf file \
                 has JUmPER 0.3.x's column order)"
            ),
        ),
    }
}

/// Whether the manifest as written has a non-null `monitor.<key>`.
fn written(raw: &Value, key: &str) -> bool {
    raw.get("monitor")
        .and_then(|m| m.get(key))
        .is_some_and(|v| !v.is_null())
}

/// The monitor description for reports (see [`ImportedSession::info`]); also sets each
/// frame's CPU count to the one the description gives its level.
fn monitor_info(
    manifest: &Manifest,
    raw: &Value,
    frames: &mut [PerfFrame],
    notes: &mut Vec<String>,
) -> MonitorInfo {
    let mut info = manifest.monitor.clone();
    let cores = |system: bool| {
        frames
            .iter()
            .filter(|f| (f.level == Level::System) == system && !f.rows.is_empty())
            .map(|f| f.num_core_columns())
            .find(|&n| n > 0)
    };
    if !written(raw, "num_cpus") {
        if let Some(n) = cores(false) {
            info.num_cpus = n;
            notes.push(format!(
                "monitor.num_cpus is not in the manifest; taken from the perf columns ({n})"
            ));
        }
    }
    if !written(raw, "num_system_cpus") {
        let n = cores(true).unwrap_or(info.num_cpus);
        info.num_system_cpus = n;
        notes.push(format!(
            "monitor.num_system_cpus is not in the manifest; taken from the perf columns ({n})"
        ));
    }
    if !written(raw, "num_gpus") {
        info.num_gpus = frames.iter().map(|f| f.num_gpus).max().unwrap_or(0);
    }
    if !written(raw, "interval") {
        let mut dts: Vec<f64> = frames
            .iter()
            .flat_map(|f| f.rows.iter().map(|r| r.dt))
            .filter(|dt| *dt > 0.0)
            .collect();
        if !dts.is_empty() {
            dts.sort_by(f64::total_cmp);
            let median = dts[dts.len() / 2];
            info.interval = median;
            notes.push(format!(
                "monitor.interval is not in the manifest; taken as the median sample spacing \
                 ({median:.3} s)"
            ));
        }
    }
    info.levels = frames.iter().map(|f| f.level).collect();
    for f in frames.iter_mut() {
        f.num_cpus = info.cpus_for(f.level);
    }
    info
}

/// Imports a session directory or zip written by jumper or by JUmPER 0.3.x / 0.4.x.
///
/// Checks, in order, each failure one line naming the path: the path exists
/// ([`SessionError::NotFound`]), is a directory or a zip ([`SessionError::NotDirOrZip`]),
/// the zip is intact ([`SessionError::CorruptZip`]), `manifest.json` exists
/// ([`SessionError::MissingManifest`]), parses ([`SessionError::Manifest`]) and has a
/// version this build reads ([`SessionError::UnsupportedVersion`],
/// [`SessionError::UnsupportedSchema`]); then each file has its required columns
/// ([`SessionError::MissingColumns`]) and numbers where numbers belong
/// ([`SessionError::NotANumber`], naming file, line, column and value).
///
/// `perf_process.csv`, `perf_user.csv`, `perf_system.csv` and `perf_slurm.csv` are read
/// when present; a `perf_<other>.csv` is ignored, as JUmPER ignores it. JUmPER 0.3.x's I/O
/// columns are converted to rates (see the [crate docs](crate#importing-sessions)).
///
/// ```no_run
/// use std::path::Path;
/// use jumper_session::{import_session, SessionFormat};
///
/// # fn main() -> Result<(), jumper_session::SessionError> {
/// let s = import_session(Path::new("jumper-session-20250101-120000.zip"))?;
/// println!("{} cells by {} ({})", s.cells.len(), s.writer(), s.format);
/// if s.format == SessionFormat::JumperPy03 {
///     println!("I/O columns were converted to rates");
/// }
/// # Ok(())
/// # }
/// ```
pub fn import_session(path: &Path) -> Result<ImportedSession, SessionError> {
    let mut src = SessionSource::open(path)?;
    let (manifest, raw) = src.manifest_raw()?;
    let cells = match src.read_small(CELL_HISTORY_FILE)? {
        None => Vec::new(),
        Some(bytes) => {
            let p = src.file_path(CELL_HISTORY_FILE);
            history_from_reader(&p, bytes.as_slice()).map_err(|e| SessionError::from_data(p, e))?
        }
    };
    let mut order = manifest.levels.clone();
    order.extend(Level::ALL.iter().filter(|l| !manifest.levels.contains(l)));
    let mut headers = Vec::new();
    let mut frames = Vec::new();
    let mut torn = Vec::new();
    for level in order {
        let name = perf_file_name(level);
        let p = src.file_path(&name);
        let cpus = manifest.monitor.cpus_for(level);
        let read = src.read_stream(&name, |r| perf_table_from_reader(&p, r, level, cpus))?;
        if let Some(table) = read {
            if let Some(line) = table.torn_line {
                torn.push(format!(
                    "{name}: its last line ({line}) was cut short (the writer stopped in the \
                     middle of it) and is left out"
                ));
            }
            headers.push((level, table.columns));
            frames.push(table.frame);
        }
    }
    let (format, why) = recognise(&manifest, &headers);
    let mut notes = vec![why];
    notes.extend(torn.iter().cloned());
    if format.converts_io() {
        for frame in &mut frames {
            jumper_py03_io_to_rates(frame);
            notes.push(format!(
                "{}: I/O columns converted from JUmPER 0.3.x's cumulative total / interval \
                 to rates over the last interval",
                perf_file_name(frame.level)
            ));
        }
    }
    let info = monitor_info(&manifest, &raw, &mut frames, &mut notes);
    Ok(ImportedSession {
        manifest,
        format,
        info,
        frames,
        cells,
        source: path.to_path_buf(),
        notes,
        cut_short: torn,
    })
}

/// The former name of [`import_session`], kept for existing callers.
pub fn read_session(path: &Path) -> Result<ImportedSession, SessionError> {
    import_session(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(major_minor("0.3.6"), Some((0, 3)));
        assert_eq!(major_minor(" v0.4.1 "), Some((0, 4)));
        assert_eq!(major_minor("0.3.6.dev1"), Some((0, 3)));
        assert_eq!(major_minor("1.10rc1"), Some((1, 10)));
        assert_eq!(major_minor("unknown"), None);
        assert_eq!(major_minor(""), None);
        assert_eq!(major_minor("0"), None);
        assert_eq!(major_minor("x.4"), None);
    }

    #[test]
    fn column_order_of_py03() {
        let h = |s: &str| -> Vec<String> {
            s.lines()
                .next()
                .unwrap_or("")
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        };
        assert!(has_py03_order(&h(
            "time,memory,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,cpu_util_min,cpu_util_max,cpu_util_0,cell_index\n1,2"
        )));
        // JUmPER 0.4.1's thread backend and C collector.
        assert!(!has_py03_order(&h(
            "time,io_read_count,io_write_count,io_read,io_write,cpu_util_0,cpu_util_avg,cpu_util_min,cpu_util_max,memory,cell_index"
        )));
        assert!(!has_py03_order(&h(
            "time,cpu_util_avg,cpu_util_min,cpu_util_max,cpu_util_0,memory,io_read_count,io_write_count,io_read,io_write"
        )));
        assert!(!has_py03_order(&h("time,memory")));
        assert!(!has_py03_order(&h("")));
    }

    fn manifest(version: &str) -> Manifest {
        let mut m = Manifest::default();
        m.app.name = "JUmPER".into();
        m.app.version = version.into();
        m
    }

    #[test]
    fn recognition_rules() {
        let cols = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        let py03 = vec![(
            Level::Process,
            cols("time,memory,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,cpu_util_min,cpu_util_max"),
        )];
        let py04 = vec![(
            Level::Process,
            cols("time,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,cpu_util_min,cpu_util_max,memory"),
        )];
        // A version decides, whatever the columns.
        assert_eq!(
            recognise(&manifest("0.3.6"), &py04).0,
            SessionFormat::JumperPy03
        );
        assert_eq!(
            recognise(&manifest("0.2.0"), &py04).0,
            SessionFormat::JumperPy03
        );
        assert_eq!(
            recognise(&manifest("0.4.1"), &py03).0,
            SessionFormat::JumperPy04
        );
        assert_eq!(
            recognise(&manifest("1.0.0"), &py03).0,
            SessionFormat::JumperPy04
        );
        // Without one, the column order does.
        let (f, why) = recognise(&manifest("unknown"), &py03);
        assert_eq!(f, SessionFormat::JumperPy03);
        assert!(why.contains("perf_process.csv"), "{why}");
        assert_eq!(
            recognise(&manifest("unknown"), &py04).0,
            SessionFormat::JumperPy04
        );
        assert_eq!(recognise(&manifest(""), &[]).0, SessionFormat::JumperPy04);
        // jumper's own block wins over everything.
        let mut m = manifest("0.3.6");
        m.jumper = Some(crate::JumperBlock {
            schema: "jumper.session.v1".into(),
            writer: "jumper 0.1.0".into(),
        });
        assert_eq!(
            recognise(&m, &py03).0,
            SessionFormat::Jumper {
                schema: "jumper.session.v1".into()
            }
        );
    }
}
