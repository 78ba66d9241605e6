//! A basic session reader: the manifest, the cell history and the perf tables.
//!
//! This is the reading half jumper needs today (round trips, offline reports of jumper's own
//! sessions and of JUmPER 0.4.1's). Converting JUmPER 0.3.x's I/O columns comes with the full
//! import.

use std::path::Path;

use jumper_data::io::{history_from_text, perf_from_text};
use jumper_data::{CellRecord, Level, PerfFrame};

use crate::manifest::{perf_file_name, Manifest, CELL_HISTORY_FILE};
use crate::source::SessionSource;
use crate::SessionError;

/// A session read back from a directory or zip.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSession {
    /// The checked manifest.
    pub manifest: Manifest,
    /// One frame per perf file found: the manifest's levels in its order, then any other
    /// `perf_<level>.csv` present (JUmPER loads whichever exist).
    pub frames: Vec<PerfFrame>,
    /// The cell history; empty without `cell_history.csv`.
    pub cells: Vec<CellRecord>,
}

impl LoadedSession {
    /// The frame of `level`, if the session has one.
    pub fn frame(&self, level: Level) -> Option<&PerfFrame> {
        self.frames.iter().find(|f| f.level == level)
    }
}

/// Reads a session directory or zip written by jumper or by JUmPER 0.4.1.
///
/// The manifest is checked first (see [`read_manifest`](crate::read_manifest)); perf columns
/// are read by name, and each level's utilisation is taken relative to the CPU count the
/// manifest gives for it.
pub fn read_session(path: &Path) -> Result<LoadedSession, SessionError> {
    let mut src = SessionSource::open(path)?;
    let manifest = src.manifest()?;
    let cells = match src.read_text(CELL_HISTORY_FILE)? {
        None => Vec::new(),
        Some(text) => {
            let p = src.file_path(CELL_HISTORY_FILE);
            history_from_text(&p, &text).map_err(|source| SessionError::Data { path: p, source })?
        }
    };
    let mut order = manifest.levels.clone();
    order.extend(Level::ALL.iter().filter(|l| !manifest.levels.contains(l)));
    let mut frames = Vec::new();
    for level in order {
        let name = perf_file_name(level);
        if let Some(text) = src.read_text(&name)? {
            let p = src.file_path(&name);
            let frame = perf_from_text(&p, &text, level, manifest.monitor.cpus_for(level))
                .map_err(|source| SessionError::Data { path: p, source })?;
            frames.push(frame);
        }
    }
    Ok(LoadedSession {
        manifest,
        frames,
        cells,
    })
}
