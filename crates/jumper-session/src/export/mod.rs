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
//! [`read_manifest`](crate::read_manifest) and has a `jumper` block, and it holds nothing but
//! session files (`manifest.json`, `cell_history.csv`, `perf_<level>.csv`): replacing it loses
//! no file the user put there. A JUmPER session is never replaced: it may be the only copy of a
//! run jumper cannot repeat. A previous session is swapped out by renames and deleted only
//! after the new one is in place.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | what is exported ([`Session`]) and the order of the steps ([`export_session`]) |
//! | `files.rs` | the session's files and its manifest, written into a [`sink`](self) |
//! | `sink.rs` | where the files go while written: a temporary directory or zip |
//! | `target.rs` | what is at the target already, and may it be replaced; parents created |
//! | `place.rs` | writing into the temporary sibling and renaming it into place |
//! | `append.rs` | keeping a directory current by appending new rows ([`Appender`]) |

mod append;
mod files;
mod place;
mod sink;
mod target;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::{Path, PathBuf};

use jumper_data::{CellRecord, Level, MonitorInfo, PerfFrame, Thresholds};

use crate::manifest::Manifest;
use crate::{Occupied, SessionError};
pub use append::{Appender, Update};
use files::write_files;
use place::{export_dir, export_zip};
pub(crate) use sink::Sink;
use target::{inspect_target, CreatedDirs, Existing};

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
    export_with(session, path, &mut |sink| write_files(session, sink))
}

/// What writes the files into a sink: [`write_files`], or in tests a version of it that
/// fails on purpose.
pub(crate) type WriteFiles<'w> =
    dyn FnMut(&mut dyn Sink) -> Result<(Vec<String>, Manifest), SessionError> + 'w;

/// The steps of an export, with `write` writing the files.
pub(crate) fn export_with(
    session: &Session<'_>,
    path: &Path,
    write: &mut WriteFiles<'_>,
) -> Result<Exported, SessionError> {
    validate(session, path)?;
    let format = ExportFormat::for_path(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| SessionError::TargetOccupied {
            path: path.to_path_buf(),
            reason: Occupied::NoFileName,
        })?;
    let existing = inspect_target(path, format)?;
    let parent = place::parent_dir(path);
    let created = CreatedDirs::create(&parent)?;
    let result = match format {
        ExportFormat::Directory => export_dir(path, &parent, &name, existing, write),
        ExportFormat::Zip => export_zip(path, &parent, &name, existing, write),
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
    let path = || path.to_path_buf();
    for (i, &level) in session.levels.iter().enumerate() {
        if session.levels[..i].contains(&level) {
            return Err(SessionError::DuplicateLevel {
                path: path(),
                level,
            });
        }
    }
    for (i, f) in session.frames.iter().enumerate() {
        if !session.levels.contains(&f.level) {
            let listed: Vec<&str> = session.levels.iter().map(|l| l.as_str()).collect();
            return Err(SessionError::UnlistedLevel {
                path: path(),
                level: f.level,
                listed: listed.join(", "),
            });
        }
        if session.frames[..i].iter().any(|g| g.level == f.level) {
            return Err(SessionError::DuplicateFrame {
                path: path(),
                level: f.level,
            });
        }
    }
    Ok(())
}
