//! Putting an export in place: files go into a hidden temporary sibling of the target, and
//! only a complete, synced output is renamed over it.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::sink::{DirSink, ZipSink, BUF};
use super::target::Existing;
use super::WriteFiles;
use crate::manifest::Manifest;
use crate::SessionError;

/// The directory that holds `path` (`.` for a bare name): where its temporary siblings go.
pub(super) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A builder for a hidden temporary sibling named after the target (`.NAME.XXXXXX.jumper-tmp`),
/// so that a leftover from a crash is recognisable and never looks like the session itself.
pub(super) fn temp_builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
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

/// Writes the session into a hidden temporary directory next to `path`, then renames it
/// into place (swapping out a previous session, which is deleted only afterwards).
pub(crate) fn export_dir(
    path: &Path,
    parent: &Path,
    name: &str,
    existing: Existing,
    write: &mut WriteFiles<'_>,
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
    let out = write(&mut sink)?;
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

/// Writes the session as a zip into a hidden temporary file next to `path`, then renames it
/// into place.
pub(crate) fn export_zip(
    path: &Path,
    parent: &Path,
    name: &str,
    existing: Existing,
    write: &mut WriteFiles<'_>,
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
        write(&mut sink)?
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
pub(crate) fn zip_time(t: SystemTime) -> zip::DateTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d, hh, mm, ss) = jumper_data::time::utc_fields(secs);
    let (Ok(y), Ok(m), Ok(d)) = (u16::try_from(y), u8::try_from(m), u8::try_from(d)) else {
        return zip::DateTime::default();
    };
    zip::DateTime::from_date_and_time(y, m, d, hh as u8, mm as u8, ss as u8).unwrap_or_default()
}
