//! Writing a session: to a directory, or to a zip when the path ends in `.zip`.
//!
//! Nothing is ever half-written. Files go into a temporary sibling of the target (a hidden
//! directory or file in the same parent, so the final step is a rename on one file system),
//! `manifest.json` last; only a complete, synced output is renamed into place. On any error the
//! temporary output and any parent directories created for it are removed.
//!
//! What an existing target may be:
//!
//! | target                                              | directory export | zip export |
//! |-----------------------------------------------------|------------------|------------|
//! | nothing                                             | created          | created    |
//! | an empty directory                                  | replaced         | refused    |
//! | a session written by jumper (see below)             | replaced         | replaced   |
//! | anything else (other files, a JUmPER session, a symlink) | refused     | refused    |
//!
//! A directory counts as a previous jumper session when its manifest passes
//! [`read_manifest`] and has a `jumper` block, and it holds nothing but
//! session files (`manifest.json`, `cell_history.csv`, `perf_<level>.csv`): replacing it loses
//! no file the user put there. A JUmPER session is never replaced: it may be the only copy of a
//! run jumper cannot repeat. A previous session is swapped out by renames and deleted only
//! after the new one is in place.

use std::fs::{self, File};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use jumper_data::io::{write_history_csv, write_perf_csv};
use jumper_data::{CellRecord, Level, MonitorInfo, PerfFrame, Thresholds};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::manifest::{
    local_timezone, perf_file_name, read_manifest, AppInfo, JumperBlock, Manifest, PerfSchemas,
    ReporterSettings, Schemas, VisualizerSettings, APP_NAME, CELL_HISTORY_FILE, MANIFEST_FILE,
    MANIFEST_VERSION, SESSION_SCHEMA, TIME_ORIGIN,
};
use crate::SessionError;

/// This crate's version: `app.version` and the `jumper.writer` of every manifest written.
pub const WRITER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a session export writes, borrowed from whoever holds it (the service, or an
/// imported session).
#[derive(Debug, Clone, Copy)]
pub struct Session<'a> {
    /// Monitor settings and hardware: the manifest's `monitor` section.
    pub monitor: &'a MonitorInfo,
    /// The monitored levels, in the order the manifest lists them.
    pub levels: &'a [Level],
    /// At most one frame per level; every frame's level must be in `levels`. Levels without
    /// a frame, or with an empty one, get no perf file (as in JUmPER).
    pub frames: &'a [PerfFrame],
    /// The cell history; it also gives the perf files their `cell_index` column.
    pub cells: &'a [CellRecord],
    /// The analyzer thresholds (`reporter.thresholds`).
    pub thresholds: Thresholds,
    /// The default report level (`reporter.level`).
    pub reporter_level: Level,
}

impl<'a> Session<'a> {
    /// A session with JUmPER's default thresholds and the `process` report level.
    pub fn new(
        monitor: &'a MonitorInfo,
        levels: &'a [Level],
        frames: &'a [PerfFrame],
        cells: &'a [CellRecord],
    ) -> Self {
        Session {
            monitor,
            levels,
            frames,
            cells,
            thresholds: Thresholds::default(),
            reporter_level: Level::Process,
        }
    }

    fn frame(&self, level: Level) -> Option<&'a PerfFrame> {
        self.frames.iter().find(|f| f.level == level)
    }
}

/// The two shapes of an exported session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A directory of files.
    Directory,
    /// A zip archive with flat file names, deflate-compressed.
    Zip,
}

impl ExportFormat {
    /// Zip when the path's name ends in `.zip` in any case (JUmPER's rule), else directory.
    pub fn for_path(path: &Path) -> ExportFormat {
        let zip = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .is_some_and(|n| n.ends_with(".zip"));
        if zip {
            ExportFormat::Zip
        } else {
            ExportFormat::Directory
        }
    }
}

/// What [`export_session`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The directory or zip written (the path given).
    pub path: PathBuf,
    /// Directory or zip.
    pub format: ExportFormat,
    /// The file names written, in the order written (`manifest.json` last).
    pub files: Vec<String>,
    /// The manifest written.
    pub manifest: Manifest,
    /// Whether a previous jumper session (or an empty directory) at `path` was replaced.
    pub replaced: bool,
}

/// Exports `session` to `path`: a directory, or a zip when the name ends in `.zip`.
///
/// Writes `perf_<level>.csv` for every level with rows (with the `cell_index` column),
/// `cell_history.csv` when there are cells, and `manifest.json` (indent 2) in JUmPER 0.4.1's
/// layout plus a `jumper` block. Missing parent directories are created (as JUmPER does).
/// See the [module docs](self) for what happens to an existing target; on error nothing is
/// left behind.
pub fn export_session(session: &Session<'_>, path: &Path) -> Result<Exported, SessionError> {
    export_with(session, path, &Faults::default())
}

/// Failure injection for tests: fail while writing the named file, after part of it is out.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) fail_at: Option<&'static str>,
}

pub(crate) fn export_with(
    session: &Session<'_>,
    path: &Path,
    faults: &Faults,
) -> Result<Exported, SessionError> {
    validate(session, path)?;
    let format = ExportFormat::for_path(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| SessionError::TargetOccupied {
            path: path.to_path_buf(),
            reason: "the path does not end in a file or directory name".into(),
        })?;
    let existing = inspect_target(path, format)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let created = CreatedDirs::create(&parent)?;
    let result = match format {
        ExportFormat::Directory => export_dir(session, path, &parent, &name, existing, faults),
        ExportFormat::Zip => export_zip(session, path, &parent, &name, existing, faults),
    };
    match result {
        Ok((files, manifest)) => {
            // Make the rename durable; a failure here loses nothing already written.
            if let Ok(d) = File::open(&parent) {
                let _ = d.sync_all();
            }
            Ok(Exported {
                path: path.to_path_buf(),
                format,
                files,
                manifest,
                replaced: existing != Existing::Nothing,
            })
        }
        Err(e) => {
            created.rollback();
            Err(e)
        }
    }
}

fn validate(session: &Session<'_>, path: &Path) -> Result<(), SessionError> {
    let invalid = |message: String| SessionError::InvalidSession {
        path: path.to_path_buf(),
        message,
    };
    for (i, l) in session.levels.iter().enumerate() {
        if session.levels[..i].contains(l) {
            return Err(invalid(format!("level '{l}' is listed twice")));
        }
    }
    for (i, f) in session.frames.iter().enumerate() {
        if !session.levels.contains(&f.level) {
            let listed: Vec<&str> = session.levels.iter().map(|l| l.as_str()).collect();
            return Err(invalid(format!(
                "there is perf data for level '{}', which is not among the session's levels ({})",
                f.level,
                listed.join(", ")
            )));
        }
        if session.frames[..i].iter().any(|g| g.level == f.level) {
            return Err(invalid(format!(
                "there are two perf tables for level '{}'",
                f.level
            )));
        }
    }
    Ok(())
}

/// What is at the target path before the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    Nothing,
    EmptyDir,
    PreviousSession,
}

fn is_session_file_name(name: &str) -> bool {
    name == MANIFEST_FILE
        || name == CELL_HISTORY_FILE
        || Level::ALL.iter().any(|l| perf_file_name(*l) == name)
}

/// Whether a non-empty directory holds only a session written by jumper.
fn is_jumper_session_dir(path: &Path) -> Result<bool, SessionError> {
    let entries = fs::read_dir(path).map_err(|e| SessionError::io(path, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| SessionError::io(path, e))?;
        let is_file = entry
            .file_type()
            .map_err(|e| SessionError::io(entry.path(), e))?
            .is_file();
        if !is_file || !entry.file_name().to_str().is_some_and(is_session_file_name) {
            return Ok(false);
        }
    }
    Ok(read_manifest(path).is_ok_and(|m| m.written_by_jumper()))
}

fn inspect_target(path: &Path, format: ExportFormat) -> Result<Existing, SessionError> {
    let occupied = |reason: &str| SessionError::TargetOccupied {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(SessionError::io(path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(occupied(
            "it is a symbolic link; give the path it points to",
        ));
    }
    match format {
        ExportFormat::Directory => {
            if !meta.is_dir() {
                return Err(occupied("it exists and is not a directory"));
            }
            let empty = fs::read_dir(path)
                .map_err(|e| SessionError::io(path, e))?
                .next()
                .is_none();
            if empty {
                Ok(Existing::EmptyDir)
            } else if is_jumper_session_dir(path)? {
                Ok(Existing::PreviousSession)
            } else {
                Err(occupied(
                    "the directory is not empty and does not hold a session written by jumper \
                     (only such a session is replaced); choose another path",
                ))
            }
        }
        ExportFormat::Zip => {
            if !meta.is_file() {
                return Err(occupied("it exists and is not a regular file"));
            }
            if read_manifest(path).is_ok_and(|m| m.written_by_jumper()) {
                Ok(Existing::PreviousSession)
            } else {
                Err(occupied(
                    "the file exists and is not a session zip written by jumper \
                     (only such a zip is replaced); choose another path",
                ))
            }
        }
    }
}

/// Parent directories created for an export, removed again if the export fails.
struct CreatedDirs(Vec<PathBuf>);

impl CreatedDirs {
    fn create(parent: &Path) -> Result<CreatedDirs, SessionError> {
        let mut missing = Vec::new();
        let mut p = Some(parent);
        while let Some(dir) = p {
            if dir.as_os_str().is_empty() || fs::symlink_metadata(dir).is_ok() {
                break;
            }
            missing.push(dir.to_path_buf());
            p = dir.parent();
        }
        // Create from the top down so that each step is recorded before the next.
        let mut created = CreatedDirs(Vec::new());
        for dir in missing.iter().rev() {
            if let Err(e) = fs::create_dir(dir) {
                if e.kind() != ErrorKind::AlreadyExists {
                    created.rollback();
                    return Err(SessionError::io(dir, e));
                }
            } else {
                created.0.push(dir.clone());
            }
        }
        Ok(created)
    }

    fn rollback(&self) {
        // Deepest first; remove_dir only removes empty directories, so nothing else is lost.
        for dir in self.0.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

type Body<'b> = &'b mut dyn FnMut(&mut dyn Write) -> io::Result<()>;

/// Where the files of a session go while it is written.
trait Sink {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError>;
}

const BUF: usize = 1 << 16;

struct DirSink<'p> {
    tmp: &'p Path,
    target: &'p Path,
}

impl Sink for DirSink<'_> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        let shown = self.target.join(name);
        let f = File::create(self.tmp.join(name)).map_err(|e| SessionError::io(&shown, e))?;
        let mut w = BufWriter::with_capacity(BUF, f);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| SessionError::io(&shown, e))?;
        let f = w
            .into_inner()
            .map_err(|e| SessionError::io(&shown, e.into_error()))?;
        f.sync_all().map_err(|e| SessionError::io(&shown, e))
    }
}

struct ZipSink<'z, W: Write + io::Seek> {
    zw: &'z mut ZipWriter<W>,
    target: &'z Path,
    options: SimpleFileOptions,
}

impl<W: Write + io::Seek> Sink for ZipSink<'_, W> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        self.zw
            .start_file(name, self.options)
            .map_err(|e| SessionError::zip(self.target, e))?;
        let shown = self.target.join(name);
        let mut w = BufWriter::with_capacity(BUF, &mut *self.zw);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| SessionError::io(&shown, e))
    }
}

/// Wraps a sink to fail while writing one file (tests only set `fail_at`).
struct Faulty<'s> {
    inner: &'s mut dyn Sink,
    fail_at: Option<&'static str>,
}

impl Sink for Faulty<'_> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        if self.fail_at != Some(name) {
            return self.inner.put(name, body);
        }
        self.inner.put(name, &mut |w: &mut dyn Write| {
            w.write_all(b"time,memory\n1.0,")?;
            Err(io::Error::other("injected failure"))
        })
    }
}

/// Passes writes through and keeps the first line: the CSV header actually written.
struct HeaderTap<'w> {
    inner: &'w mut dyn Write,
    line: Vec<u8>,
    done: bool,
}

impl Write for HeaderTap<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if !self.done {
            let part = &buf[..n];
            match part.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.line.extend_from_slice(&part[..i]);
                    self.done = true;
                }
                None => self.line.extend_from_slice(part),
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn parse_header(line: &[u8]) -> Vec<String> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line);
    match rd.records().next() {
        Some(Ok(rec)) => rec
            .iter()
            .map(|s| s.trim_end_matches('\r').into())
            .collect(),
        _ => Vec::new(),
    }
}

/// Writes one CSV file and returns its header.
fn put_csv(
    sink: &mut dyn Sink,
    name: &str,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<Vec<String>, SessionError> {
    let mut line = Vec::new();
    sink.put(name, &mut |w: &mut dyn Write| {
        let mut tap = HeaderTap {
            inner: w,
            line: Vec::new(),
            done: false,
        };
        write(&mut tap)?;
        line = tap.line;
        Ok(())
    })?;
    Ok(parse_header(&line))
}

/// The header `cell_history.csv` has (recorded in the manifest even without cells, as JUmPER
/// records its empty table's columns).
fn history_header() -> Vec<String> {
    let mut buf = Vec::new();
    // Writing an empty history to memory gives the header alone; it cannot fail.
    let _ = write_history_csv(&[], &mut buf);
    let first = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    parse_header(first)
}

/// Writes every file of the session, the manifest last.
fn write_files(
    session: &Session<'_>,
    sink: &mut dyn Sink,
) -> Result<(Vec<String>, Manifest), SessionError> {
    let mut files = Vec::new();
    let mut perf = Vec::new();
    for &level in session.levels {
        let Some(frame) = session.frame(level).filter(|f| !f.rows.is_empty()) else {
            continue;
        };
        let name = perf_file_name(level);
        let cols = put_csv(sink, &name, &mut |w| {
            write_perf_csv(frame, session.cells, &mut &mut *w)
        })?;
        perf.push((level, cols));
        files.push(name);
    }
    let history_cols = if session.cells.is_empty() {
        history_header()
    } else {
        let cols = put_csv(sink, CELL_HISTORY_FILE, &mut |w| {
            write_history_csv(session.cells, &mut *w).map_err(io::Error::from)
        })?;
        files.push(CELL_HISTORY_FILE.into());
        cols
    };
    let manifest = build_manifest(session, PerfSchemas(perf), history_cols);
    sink.put(MANIFEST_FILE, &mut |w: &mut dyn Write| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    files.push(MANIFEST_FILE.into());
    Ok((files, manifest))
}

fn build_manifest(session: &Session<'_>, perf: PerfSchemas, cell_history: Vec<String>) -> Manifest {
    let writer = format!("{APP_NAME} {WRITER_VERSION}");
    let mut monitor = session.monitor.clone();
    if monitor.python.is_empty() {
        monitor.python = writer.clone();
    }
    if monitor.levels.is_empty() {
        monitor.levels = session.levels.to_vec();
    }
    Manifest {
        version: MANIFEST_VERSION.into(),
        app: AppInfo {
            name: APP_NAME.into(),
            version: WRITER_VERSION.into(),
        },
        visualizer: VisualizerSettings::for_gpus(monitor.num_gpus),
        monitor,
        levels: session.levels.to_vec(),
        schemas: Schemas { perf, cell_history },
        reporter: ReporterSettings {
            level: session.reporter_level,
            format: "text".into(),
            thresholds: session.thresholds,
        },
        time_origin: TIME_ORIGIN.into(),
        timezone: local_timezone(),
        jumper: Some(JumperBlock {
            schema: SESSION_SCHEMA.into(),
            writer,
        }),
    }
}

/// A builder for a hidden temporary sibling named after the target (`.NAME.XXXXXX.jumper-tmp`),
/// so that a leftover from a crash is recognisable and never looks like the session itself.
fn temp_builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix).suffix(".jumper-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The umask still applies, so the result looks like any other new file or directory.
        b.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    b
}

fn export_dir(
    session: &Session<'_>,
    path: &Path,
    parent: &Path,
    name: &str,
    existing: Existing,
    faults: &Faults,
) -> Result<(Vec<String>, Manifest), SessionError> {
    let prefix = format!(".{name}.");
    let tmp = temp_builder(&prefix, 0o777)
        .tempdir_in(parent)
        .map_err(|e| SessionError::io(parent, e))?;
    let mut sink = DirSink {
        tmp: tmp.path(),
        target: path,
    };
    // On error `tmp` is dropped here, which deletes it and everything in it.
    let out = write_files(
        session,
        &mut Faulty {
            inner: &mut sink,
            fail_at: faults.fail_at,
        },
    )?;
    match existing {
        Existing::Nothing => rename(tmp.path(), path)?,
        Existing::EmptyDir => {
            fs::remove_dir(path).map_err(|e| SessionError::io(path, e))?;
            rename(tmp.path(), path)?;
        }
        Existing::PreviousSession => {
            let old = unused_sibling(parent, name, "jumper-old");
            rename(path, &old)?;
            if let Err(e) = rename(tmp.path(), path) {
                // Put the previous session back; the new one is deleted with `tmp`.
                let _ = fs::rename(&old, path);
                return Err(e);
            }
            // The new session is in place; a leftover hidden `.NAME.*.jumper-old` directory
            // is the only cost of a failure here.
            let _ = fs::remove_dir_all(&old);
        }
    }
    // Renamed away: nothing left for the guard to delete.
    let _ = tmp.keep();
    Ok(out)
}

fn export_zip(
    session: &Session<'_>,
    path: &Path,
    parent: &Path,
    name: &str,
    existing: Existing,
    faults: &Faults,
) -> Result<(Vec<String>, Manifest), SessionError> {
    let prefix = format!(".{name}.");
    let tmp = temp_builder(&prefix, 0o666)
        .tempfile_in(parent)
        .map_err(|e| SessionError::io(parent, e))?;
    // On any error below the temporary file is dropped, which deletes it.
    let mut zw = ZipWriter::new(BufWriter::with_capacity(BUF, tmp));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644)
        .last_modified_time(zip_time(SystemTime::now()));
    let out = {
        let mut sink = ZipSink {
            zw: &mut zw,
            target: path,
            options,
        };
        write_files(
            session,
            &mut Faulty {
                inner: &mut sink,
                fail_at: faults.fail_at,
            },
        )?
    };
    let buffered = zw.finish().map_err(|e| SessionError::zip(path, e))?;
    let tmp = buffered
        .into_inner()
        .map_err(|e| SessionError::io(path, e.into_error()))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| SessionError::io(path, e))?;
    let persisted = match existing {
        Existing::PreviousSession => tmp.persist(path),
        Existing::Nothing | Existing::EmptyDir => tmp.persist_noclobber(path),
    };
    // A failed persist hands the temporary file back; dropping it deletes it.
    persisted.map_err(|e| SessionError::io(path, e.error))?;
    Ok(out)
}

fn rename(from: &Path, to: &Path) -> Result<(), SessionError> {
    fs::rename(from, to).map_err(|e| SessionError::io(to, e))
}

fn unused_sibling(parent: &Path, name: &str, tag: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p = parent.join(format!(".{name}.{}-{n}.{tag}", std::process::id()));
        if fs::symlink_metadata(&p).is_err() {
            return p;
        }
    }
}

/// `t` as a zip timestamp (UTC; zip has no time zone field). Out-of-range times give the
/// zip epoch, 1980-01-01.
fn zip_time(t: SystemTime) -> zip::DateTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d, hh, mm, ss) = jumper_data::time::utc_fields(secs);
    let (Ok(y), Ok(m), Ok(d)) = (u16::try_from(y), u8::try_from(m), u8::try_from(d)) else {
        return zip::DateTime::default();
    };
    zip::DateTime::from_date_and_time(y, m, d, hh as u8, mm as u8, ss as u8).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_data::LevelSample;
    use std::time::Duration;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    struct Tiny {
        monitor: MonitorInfo,
        frames: Vec<PerfFrame>,
        cells: Vec<CellRecord>,
    }

    fn tiny() -> Tiny {
        let samples: Vec<LevelSample> = (0..5)
            .map(|i| LevelSample {
                time: 10.0 + f64::from(i) * 0.5,
                cpu_time: f64::from(i) * 0.25,
                memory: 1 << 30,
                ..LevelSample::default()
            })
            .collect();
        Tiny {
            monitor: MonitorInfo::default(),
            frames: vec![PerfFrame::from_samples(Level::Process, 1, &samples)],
            cells: vec![CellRecord {
                raw_cell: "x = 1".into(),
                start_time: 10.2,
                end_time: 11.1,
                duration: 0.9,
                ..CellRecord::default()
            }],
        }
    }

    const FILES: [&str; 3] = ["perf_process.csv", "cell_history.csv", "manifest.json"];

    #[test]
    fn a_failure_while_writing_removes_everything_it_made() {
        let t = tiny();
        let levels = [Level::Process];
        let s = Session::new(&t.monitor, &levels, &t.frames, &t.cells);
        for fail_at in FILES {
            for target in ["new/parents/s", "new/parents/s.zip"] {
                let root = tempfile::tempdir().unwrap();
                let faults = Faults {
                    fail_at: Some(fail_at),
                };
                let e = export_with(&s, &root.path().join(target), &faults).unwrap_err();
                let msg = e.to_string();
                assert!(matches!(e, SessionError::Io { .. }), "{msg}");
                assert!(msg.contains("injected failure"), "{msg}");
                assert!(msg.contains(fail_at), "{msg}");
                // Not even the parent directories created for the export remain.
                assert!(names(root.path()).is_empty(), "{fail_at} {target}");
            }
        }
    }

    #[test]
    fn a_failure_keeps_the_previous_session() {
        let t = tiny();
        let levels = [Level::Process];
        let s = Session::new(&t.monitor, &levels, &t.frames, &t.cells);
        for target in ["s", "s.zip"] {
            let root = tempfile::tempdir().unwrap();
            let path = root.path().join(target);
            export_session(&s, &path).unwrap();
            let before = if path.is_dir() {
                fs::read(path.join(MANIFEST_FILE)).unwrap()
            } else {
                fs::read(&path).unwrap()
            };
            for fail_at in FILES {
                let faults = Faults {
                    fail_at: Some(fail_at),
                };
                assert!(export_with(&s, &path, &faults).is_err());
                assert_eq!(names(root.path()), [target], "{fail_at}");
                let after = if path.is_dir() {
                    assert_eq!(
                        names(&path),
                        ["cell_history.csv", "manifest.json", "perf_process.csv"]
                    );
                    fs::read(path.join(MANIFEST_FILE)).unwrap()
                } else {
                    fs::read(&path).unwrap()
                };
                assert_eq!(after, before, "{target} {fail_at}");
            }
        }
    }

    #[test]
    fn dates_convert() {
        // 2024-02-29 12:34:56 UTC
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        let z = zip_time(t);
        assert_eq!(
            (
                z.year(),
                z.month(),
                z.day(),
                z.hour(),
                z.minute(),
                z.second()
            ),
            (2024, 2, 29, 12, 34, 56)
        );
        assert_eq!(zip_time(UNIX_EPOCH), zip::DateTime::default());
    }

    #[test]
    fn zip_by_name_in_any_case() {
        assert_eq!(
            ExportFormat::for_path(Path::new("a/S.ZiP")),
            ExportFormat::Zip
        );
        assert_eq!(ExportFormat::for_path(Path::new(".zip")), ExportFormat::Zip);
        assert_eq!(
            ExportFormat::for_path(Path::new("a.zip/s")),
            ExportFormat::Directory
        );
    }

    #[test]
    fn session_file_names() {
        assert!(is_session_file_name("perf_slurm.csv"));
        assert!(is_session_file_name("manifest.json"));
        assert!(!is_session_file_name("perf_gpu.csv"));
        assert!(!is_session_file_name("notes.txt"));
    }

    #[test]
    fn header_tap_keeps_first_line_across_writes() {
        let mut out = Vec::new();
        let mut tap = HeaderTap {
            inner: &mut out,
            line: Vec::new(),
            done: false,
        };
        tap.write_all(b"a,b").unwrap();
        tap.write_all(b",\"c d\"\n1,2,3\n").unwrap();
        let line = tap.line;
        assert_eq!(parse_header(&line), ["a", "b", "c d"]);
        assert_eq!(out, b"a,b,\"c d\"\n1,2,3\n");
    }
}
