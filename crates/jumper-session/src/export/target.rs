//! What is at the export target already, whether it may be replaced, and the parent
//! directories an export creates (and removes again when it fails).

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use jumper_data::Level;

use super::ExportFormat;
use crate::manifest::{perf_file_name, CELL_HISTORY_FILE, MANIFEST_FILE};
use crate::{read_manifest, Occupied, SessionError};

/// What is at the target path before the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    Nothing,
    EmptyDir,
    PreviousSession,
}

pub(crate) fn is_session_file_name(name: &str) -> bool {
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

pub(crate) fn inspect_target(path: &Path, format: ExportFormat) -> Result<Existing, SessionError> {
    let occupied = |reason: Occupied| SessionError::TargetOccupied {
        path: path.to_path_buf(),
        reason,
    };
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(SessionError::io(path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(occupied(Occupied::Symlink));
    }
    match format {
        ExportFormat::Directory => {
            if !meta.is_dir() {
                return Err(occupied(Occupied::NotADirectory));
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
                Err(occupied(Occupied::ForeignDirectory))
            }
        }
        ExportFormat::Zip => {
            if !meta.is_file() {
                return Err(occupied(Occupied::NotARegularFile));
            }
            if read_manifest(path).is_ok_and(|m| m.written_by_jumper()) {
                Ok(Existing::PreviousSession)
            } else {
                Err(occupied(Occupied::ForeignFile))
            }
        }
    }
}

/// Parent directories created for an export, removed again if the export fails.
pub(crate) struct CreatedDirs(Vec<PathBuf>);

impl CreatedDirs {
    pub(crate) fn create(parent: &Path) -> Result<CreatedDirs, SessionError> {
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

    pub(crate) fn rollback(&self) {
        // Deepest first; remove_dir only removes empty directories, so nothing else is lost.
        for dir in self.0.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}
