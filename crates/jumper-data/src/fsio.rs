//! Files jumper writes so that they appear complete or not at all, and files it reads only
//! when they are regular files.
//!
//! Every file jumper writes from a finished buffer (figures, dashboards, recorded scripts,
//! reports) goes through [`write_atomic`]: a hidden sibling in the same directory, synced,
//! then renamed over the target. A failure removes the sibling, so nothing half-written is
//! left where a user would look.
//!
//! Every file jumper reads that someone else wrote (sessions, perf data, cell history) is
//! opened with [`open_regular`]: a named pipe, a device or a directory where a file should be
//! is refused at once instead of blocking the reader forever.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file could not be written; `path` is the file that failed (the target or its temporary
/// sibling).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}")]
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

/// Why [`open_regular`] refused or failed to open a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Something other than a regular file is at the path.
    #[error("not a regular file (it is {kind})")]
    NotRegular {
        /// What is there: `a named pipe (FIFO)`, `a directory`, ...
        kind: &'static str,
    },
    /// The OS refused to open or inspect it (no such file, permission denied, ...).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What a file type is, for messages.
fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "neither a file nor a directory"
    }
}

/// Opens `path` for reading only if it is a regular file (symbolic links are followed).
///
/// The type is checked before opening, and the file is opened without blocking
/// (`O_NONBLOCK`) and checked again, so a named pipe put there in between cannot block
/// either: opening a FIFO for reading would otherwise wait forever for a writer. On a
/// regular file `O_NONBLOCK` changes nothing.
///
/// ```
/// use jumper_data::fsio::{open_regular, OpenError};
///
/// let dir = std::env::temp_dir();
/// assert!(matches!(open_regular(&dir), Err(OpenError::NotRegular { kind: "a directory" })));
/// ```
pub fn open_regular(path: &Path) -> Result<File, OpenError> {
    let t = fs::metadata(path)?.file_type();
    if !t.is_file() {
        return Err(OpenError::NotRegular { kind: kind_of(t) });
    }
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let t = file.metadata()?.file_type();
    if !t.is_file() {
        return Err(OpenError::NotRegular { kind: kind_of(t) });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::names;

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

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_opened_and_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("perf_process.csv");
        crate::test_support::mkfifo(&fifo);
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a regular file (it is a named pipe (FIFO))"
        );
        let e = open_regular(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (it is a directory)");
        let e = open_regular(&dir.path().join("none")).unwrap_err();
        assert!(
            matches!(&e, OpenError::Io(io) if io.kind() == ErrorKind::NotFound),
            "{e}"
        );
        let f = dir.path().join("f.csv");
        fs::write(&f, b"a,b\n").unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut open_regular(&f).unwrap(), &mut text).unwrap();
        assert_eq!(text, "a,b\n");
    }
}
