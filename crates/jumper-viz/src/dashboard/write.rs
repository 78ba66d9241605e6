//! Writing a dashboard file atomically: a hidden temporary sibling, synced, then renamed.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::DashboardError;

/// Checks the path before any work is done: an `.html`/`.htm` name in an existing directory.
/// Returns the directory.
pub(crate) fn check_target(path: &Path) -> Result<PathBuf, DashboardError> {
    let ext = path.extension().and_then(|e| e.to_str());
    if !ext.is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")) {
        return Err(DashboardError::UnsupportedFormat {
            path: path.to_path_buf(),
            ext: match path.extension() {
                Some(e) => format!(".{}", e.to_string_lossy()),
                None => "(none)".to_string(),
            },
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(DashboardError::MissingDirectory {
            path: path.to_path_buf(),
            dir,
        });
    }
    Ok(dir)
}

/// Writes `bytes` to `path` so that `path` is either untouched or complete: nothing
/// half-written remains on failure.
pub(crate) fn write_atomic(path: &Path, dir: &Path, bytes: &[u8]) -> Result<(), DashboardError> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let io = |source| DashboardError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dashboard.html".to_string());
    let (tmp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.jumper-tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(e) => return Err(io(e)),
        }
    };
    let mut result = fill(&mut file, bytes);
    drop(file);
    if result.is_ok() {
        result = fs::rename(&tmp, path);
    }
    if let Err(e) = result {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

fn fill(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}
