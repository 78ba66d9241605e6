//! Writing files so that they appear complete or not at all.
//!
//! Every file jumper writes from a finished buffer (figures, dashboards, recorded scripts,
//! reports) goes through [`write_atomic`]: a hidden sibling in the same directory, synced,
//! then renamed over the target. A failure removes the sibling, so nothing half-written is
//! left where a user would look.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file could not be written; `path` is the file that failed (the target or its temporary
/// sibling).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    /// The file that failed.
    pub path: PathBuf,
    /// The OS error.
    #[source]
    pub source: std::io::Error,
}

/// The directory `path` goes into: its parent, or `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically (see the module docs). The directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let fail = |path: &Path, source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let (tmp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.jumper-tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(e) => return Err(fail(&tmp, e)),
        }
    };
    let written = fill(&mut file, bytes).map_err(|e| fail(&tmp, e));
    drop(file);
    let result = written.and_then(|()| fs::rename(&tmp, path).map_err(|e| fail(path, e)));
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn fill(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_whole_files_and_replaces_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["a.txt"]);
        assert_eq!(parent_dir(Path::new("x.png")), Path::new("."));
        assert_eq!(parent_dir(Path::new("d/x.png")), Path::new("d"));
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails.
        let target = dir.path().join("taken.png");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"x").unwrap();
        let err = write_atomic(&target, b"data").unwrap_err();
        assert_eq!(err.path, target);
        assert_eq!(names(dir.path()), ["taken.png"]);
        let missing = dir.path().join("no/such/dir/f.txt");
        assert!(write_atomic(&missing, b"x").is_err());
    }
}
