//! Where a session is read from: a directory or a zip archive with flat file names.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use zip::result::ZipError;
use zip::ZipArchive;

use crate::manifest::{parse_manifest, Manifest, MANIFEST_FILE};
use crate::SessionError;

/// Largest file accepted from a session (guards against zip bombs).
const MAX_FILE_BYTES: u64 = 1 << 30;

/// An opened session directory or zip.
pub(crate) enum SessionSource {
    Dir(PathBuf),
    Zip {
        path: PathBuf,
        archive: ZipArchive<File>,
    },
}

impl SessionSource {
    /// Opens `path` as a directory, or else as a zip archive.
    pub(crate) fn open(path: &Path) -> Result<SessionSource, SessionError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => SessionError::NotASession {
                path: path.to_path_buf(),
                reason: "no such file or directory".into(),
            },
            _ => SessionError::io(path, e),
        })?;
        if meta.is_dir() {
            return Ok(SessionSource::Dir(path.to_path_buf()));
        }
        let file = File::open(path).map_err(|e| SessionError::io(path, e))?;
        match ZipArchive::new(file) {
            Ok(archive) => Ok(SessionSource::Zip {
                path: path.to_path_buf(),
                archive,
            }),
            Err(ZipError::InvalidArchive(_)) | Err(ZipError::UnsupportedArchive(_)) => {
                Err(SessionError::NotASession {
                    path: path.to_path_buf(),
                    reason: "neither a directory nor a zip archive".into(),
                })
            }
            Err(e) => Err(SessionError::zip(path, e)),
        }
    }

    /// The path shown in errors for a file of the session.
    pub(crate) fn file_path(&self, name: &str) -> PathBuf {
        match self {
            SessionSource::Dir(p) => p.join(name),
            SessionSource::Zip { path, .. } => path.join(name),
        }
    }

    /// The text of file `name`, or `None` when the session has no such file.
    pub(crate) fn read_text(&mut self, name: &str) -> Result<Option<String>, SessionError> {
        let shown = self.file_path(name);
        let bad_size = || {
            SessionError::io(
                &shown,
                std::io::Error::new(
                    ErrorKind::InvalidData,
                    format!("file is larger than {MAX_FILE_BYTES} bytes"),
                ),
            )
        };
        match self {
            SessionSource::Dir(dir) => {
                let p = dir.join(name);
                let f = match File::open(&p) {
                    Ok(f) => f,
                    Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(SessionError::io(&shown, e)),
                };
                let mut s = String::new();
                f.take(MAX_FILE_BYTES + 1)
                    .read_to_string(&mut s)
                    .map_err(|e| SessionError::io(&shown, e))?;
                if s.len() as u64 > MAX_FILE_BYTES {
                    return Err(bad_size());
                }
                Ok(Some(s))
            }
            SessionSource::Zip { path, archive } => {
                let entry = match archive.by_name(name) {
                    Ok(f) => f,
                    Err(ZipError::FileNotFound) => return Ok(None),
                    Err(e) => return Err(SessionError::zip(path.as_path(), e)),
                };
                if entry.size() > MAX_FILE_BYTES {
                    return Err(bad_size());
                }
                let mut s = String::new();
                entry
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_string(&mut s)
                    .map_err(|e| SessionError::io(&shown, e))?;
                if s.len() as u64 > MAX_FILE_BYTES {
                    return Err(bad_size());
                }
                Ok(Some(s))
            }
        }
    }

    /// Reads and checks `manifest.json`.
    pub(crate) fn manifest(&mut self) -> Result<Manifest, SessionError> {
        let text = self
            .read_text(MANIFEST_FILE)?
            .ok_or_else(|| SessionError::NotASession {
                path: match self {
                    SessionSource::Dir(p) => p.clone(),
                    SessionSource::Zip { path, .. } => path.clone(),
                },
                reason: format!("it has no {MANIFEST_FILE}"),
            })?;
        parse_manifest(&self.file_path(MANIFEST_FILE), &text)
    }
}
