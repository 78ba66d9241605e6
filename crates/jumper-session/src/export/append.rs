//! Keeping a session directory current while monitoring goes on: the first write is a whole
//! [`export_session`]; each later one appends only the rows sampled since, then replaces the
//! manifest. A writer that saves every few seconds (`jumper agent`) so costs what the new rows
//! cost, not what the whole session costs.
//!
//! Appending needs what the directory holds to be what this [`Appender`] wrote last (the same
//! files at the same lengths), a directory (not a zip), the same levels, the cells written
//! before still first among the session's cells, and new rows with the same columns as the
//! file's header. Otherwise the update writes the whole session again, safely as
//! [`export_session`] always does. Rows once written are final: the caller hands in a session
//! whose cells are all complete (no cell runs), so no later cell can reach back over them
//! and change their `cell_index`. When the cells grew, `cell_history.csv` is replaced (by a
//! rename, as the manifest).
//!
//! Each perf file is appended in one write and synced; a write that fails is cut back to the
//! file's previous length, and the next update writes the whole session. The manifest is
//! written to a hidden temporary sibling of the directory and renamed over `manifest.json`, so
//! a reader always finds a whole manifest.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use jumper_data::io::{history_columns, perf_columns, write_history_csv, write_perf_rows};
use jumper_data::{Level, PerfFrame};

use super::files::build_manifest;
use super::place::{parent_dir, temp_builder};
use super::{export_session, ExportFormat, Exported, Session};
use crate::manifest::{perf_file_name, PerfSchemas, CELL_HISTORY_FILE, MANIFEST_FILE};
use crate::SessionError;

/// A session directory kept current by appending: the first [`Appender::update`] writes the
/// whole session ([`export_session`]), later ones append the rows since and replace the
/// manifest by a rename. An update writes the whole session again where appending is not
/// possible: the directory's perf files are not the lengths this appender left, the cells
/// written before changed, the levels changed, or new rows have other columns than the
/// file's header. Every cell of the session handed in must be complete.
#[derive(Debug)]
pub struct Appender {
    path: PathBuf,
    written: Option<Written>,
    /// Whether appends and replaced files are synced to disk before an update returns.
    sync: bool,
}

/// What the last update left in the directory.
#[derive(Debug)]
struct Written {
    levels: Vec<Level>,
    files: Vec<PerfFile>,
    /// Cells in `cell_history.csv`, and the last one's `(index, start, end)`.
    cells: usize,
    last_cell: Option<(usize, f64, f64)>,
}

fn last_cell(cells: &[jumper_data::CellRecord]) -> Option<(usize, f64, f64)> {
    cells
        .last()
        .map(|c| (c.cell_index, c.start_time, c.end_time))
}

#[derive(Debug)]
struct PerfFile {
    level: Level,
    columns: Vec<String>,
    rows: usize,
    len: u64,
}

/// How an [`Appender::update`] wrote the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The whole session was written (the first update, or appending was not possible).
    Whole(Box<Exported>),
    /// `rows` new rows (over all levels) were appended and the manifest replaced.
    Appended {
        /// Rows appended, all levels together.
        rows: usize,
    },
}

impl Appender {
    /// An appender for the session directory `path`; nothing is written before
    /// [`Appender::update`].
    pub fn new(path: impl Into<PathBuf>) -> Appender {
        Appender {
            path: path.into(),
            written: None,
            sync: true,
        }
    }

    /// Appends and replaces without syncing to disk: what the files hold survives the end of
    /// this process (a kill), not a crash of the machine. For frequent checkpoints of state
    /// that only a restart of the same process reads.
    pub fn without_sync(mut self) -> Appender {
        self.sync = false;
        self
    }

    /// The session directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows of `level` in its perf file after the last update (`None` before the first
    /// update, after a failed one, or when the level has no file).
    pub fn rows_written(&self, level: Level) -> Option<usize> {
        self.written
            .as_ref()?
            .files
            .iter()
            .find(|f| f.level == level)
            .map(|f| f.rows)
    }

    /// Brings the directory up to date with the session.
    ///
    /// `session` gives the monitor info, levels, cells and report settings; its `frames` are
    /// not used. `frame_from(level, row)` gives the level's table from row `row` on (from
    /// row 0: all of it), `None` for a level without data.
    pub fn update(
        &mut self,
        session: &Session<'_>,
        frame_from: &mut dyn FnMut(Level, usize) -> Option<PerfFrame>,
    ) -> Result<Update, SessionError> {
        if let Some(tails) = self.tails(session, frame_from) {
            return self.append(session, tails);
        }
        self.written = None;
        let frames: Vec<PerfFrame> = session
            .levels
            .iter()
            .filter_map(|&l| frame_from(l, 0))
            .collect();
        let whole = Session {
            frames: &frames,
            ..*session
        };
        let exported = export_session(&whole, &self.path)?;
        let mut files = Vec::new();
        for (level, columns) in &exported.manifest.schemas.perf.0 {
            let Some(frame) = frames.iter().find(|f| f.level == *level) else {
                continue;
            };
            let file = self.path.join(perf_file_name(*level));
            let len = fs::metadata(&file)
                .map_err(|e| SessionError::io(&file, e))?
                .len();
            files.push(PerfFile {
                level: *level,
                columns: columns.clone(),
                rows: frame.rows.len(),
                len,
            });
        }
        self.written = Some(Written {
            levels: session.levels.to_vec(),
            files,
            cells: session.cells.len(),
            last_cell: last_cell(session.cells),
        });
        Ok(Update::Whole(Box::new(exported)))
    }

    /// The new rows of every level with a perf file, when the update may append them.
    fn tails(
        &self,
        session: &Session<'_>,
        frame_from: &mut dyn FnMut(Level, usize) -> Option<PerfFrame>,
    ) -> Option<Vec<PerfFrame>> {
        let w = self.written.as_ref()?;
        let cells_kept = session.cells.len() >= w.cells
            && last_cell(&session.cells[..w.cells]) == w.last_cell
            && (w.cells == 0
                || fs::metadata(self.path.join(CELL_HISTORY_FILE)).is_ok_and(|m| m.is_file()));
        if ExportFormat::for_path(&self.path) != ExportFormat::Directory
            || !cells_kept
            || w.levels != session.levels
            || !fs::metadata(self.path.join(MANIFEST_FILE)).is_ok_and(|m| m.is_file())
        {
            return None;
        }
        let mut tails = Vec::new();
        for &level in session.levels {
            let file = w.files.iter().find(|f| f.level == level);
            let tail = frame_from(level, file.map_or(0, |f| f.rows));
            let new_rows = tail.as_ref().is_some_and(|t| !t.rows.is_empty());
            match (file, tail) {
                (Some(f), Some(t)) if new_rows => {
                    let on_disk = fs::symlink_metadata(self.path.join(perf_file_name(level)));
                    if !on_disk.is_ok_and(|m| m.is_file() && m.len() == f.len)
                        || perf_columns(&t) != f.columns
                    {
                        return None;
                    }
                    tails.push(t);
                }
                // A level that now has rows but no file yet: its header must be written.
                (None, Some(_)) if new_rows => return None,
                _ => {}
            }
        }
        Some(tails)
    }

    fn append(
        &mut self,
        session: &Session<'_>,
        tails: Vec<PerfFrame>,
    ) -> Result<Update, SessionError> {
        let mut rows = 0;
        for tail in &tails {
            let file = self.path.join(perf_file_name(tail.level));
            match append_rows(&file, tail, session.cells, self.sync) {
                Ok(len) => {
                    if let Some(f) = self.file_mut(tail.level) {
                        f.rows += tail.rows.len();
                        f.len = len;
                    }
                    rows += tail.rows.len();
                }
                Err(e) => {
                    self.written = None;
                    return Err(e);
                }
            }
        }
        let grew = self
            .written
            .as_ref()
            .is_some_and(|w| w.cells != session.cells.len());
        if grew {
            if let Err(e) = self.replace_history(session) {
                self.written = None;
                return Err(e);
            }
            if let Some(w) = self.written.as_mut() {
                w.cells = session.cells.len();
                w.last_cell = last_cell(session.cells);
            }
        }
        if let Err(e) = self.replace_manifest(session) {
            self.written = None;
            return Err(e);
        }
        Ok(Update::Appended { rows })
    }

    fn file_mut(&mut self, level: Level) -> Option<&mut PerfFile> {
        self.written
            .as_mut()?
            .files
            .iter_mut()
            .find(|f| f.level == level)
    }

    /// Forgets what was written: the next update writes the whole session.
    pub fn forget(&mut self) {
        self.written = None;
    }

    /// Writes the cell history next to the directory and renames it over `cell_history.csv`.
    fn replace_history(&self, session: &Session<'_>) -> Result<(), SessionError> {
        let target = self.path.join(CELL_HISTORY_FILE);
        let mut text = Vec::new();
        write_history_csv(session.cells, &mut text)
            .map_err(|e| SessionError::io(&target, std::io::Error::other(e)))?;
        self.replace_file(&target, "history", &text)
    }

    /// Puts `bytes` at `target` (a file of the directory) by way of a hidden temporary
    /// sibling of the directory, synced, then renamed over it.
    fn replace_file(&self, target: &Path, tag: &str, bytes: &[u8]) -> Result<(), SessionError> {
        let parent = parent_dir(&self.path);
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.{tag}.");
        let mut tmp = temp_builder(&prefix, 0o666)
            .tempfile_in(&parent)
            .map_err(|e| SessionError::io(&parent, e))?;
        tmp.write_all(bytes)
            .and_then(|_| {
                if self.sync {
                    tmp.as_file().sync_all()
                } else {
                    Ok(())
                }
            })
            .map_err(|e| SessionError::io(target, e))?;
        tmp.persist(target)
            .map_err(|e| SessionError::io(target, e.error))?;
        Ok(())
    }

    /// Writes the manifest for what the files now hold next to the directory and renames it
    /// over `manifest.json`.
    fn replace_manifest(&self, session: &Session<'_>) -> Result<(), SessionError> {
        let perf = self
            .written
            .as_ref()
            .map(|w| {
                w.files
                    .iter()
                    .map(|f| (f.level, f.columns.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let manifest = build_manifest(session, PerfSchemas(perf), history_columns());
        let target = self.path.join(MANIFEST_FILE);
        let mut text = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| SessionError::io(&target, e.into()))?;
        text.push(b'\n');
        self.replace_file(&target, "manifest", &text)?;
        if self.sync {
            if let Ok(d) = File::open(&self.path) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// Appends the frame's rows to `file` in one write and syncs it (with `sync`); on failure
/// cuts the file back to its length before. Returns the new length.
fn append_rows(
    file: &Path,
    frame: &PerfFrame,
    cells: &[jumper_data::CellRecord],
    sync: bool,
) -> Result<u64, SessionError> {
    let mut buf = Vec::with_capacity(frame.rows.len() * 160);
    write_perf_rows(frame, cells, &mut buf).map_err(|e| SessionError::io(file, e))?;
    let mut f = OpenOptions::new()
        .append(true)
        .open(file)
        .map_err(|e| SessionError::io(file, e))?;
    let before = f.metadata().map_err(|e| SessionError::io(file, e))?.len();
    let written = f
        .write_all(&buf)
        .and_then(|_| if sync { f.sync_data() } else { Ok(()) });
    if let Err(e) = written {
        let _ = f.set_len(before);
        return Err(SessionError::io(file, e));
    }
    Ok(before + buf.len() as u64)
}
