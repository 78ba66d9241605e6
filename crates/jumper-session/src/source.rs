//! Where a session is read from: a directory or a zip archive with flat file names.
//!
//! Files are only ever read by their exact names (`manifest.json`, `cell_history.csv`,
//! `perf_<level>.csv`); nothing is extracted, so member names like `../x` cannot reach the
//! file system.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use jumper_data::io::{FileKind, LoadProblem};
use jumper_data::DataError;
use zip::result::ZipError;
use zip::ZipArchive;

use crate::manifest::{parse_manifest_raw, Manifest, MANIFEST_FILE};
use crate::SessionError;

/// Largest file accepted from a session (guards against zip bombs).
const MAX_FILE_BYTES: u64 = 1 << 30;

/// The first bytes of every zip archive: a local file header, or the end record of an empty
/// archive. A file that starts like this but does not open is a damaged zip, not "some
/// other file".
const ZIP_MAGICS: [&[u8; 4]; 2] = [b"PK\x03\x04", b"PK\x05\x06"];

/// An opened session directory or zip.
pub(crate) enum SessionSource {
    Dir(PathBuf),
    Zip {
        path: PathBuf,
        archive: ZipArchive<File>,
    },
}

fn starts_like_zip(path: &Path) -> Result<bool, SessionError> {
    let mut head = [0u8; 4];
    let mut f = File::open(path).map_err(|e| SessionError::io(path, e))?;
    let mut got = 0;
    while got < head.len() {
        match f.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(SessionError::io(path, e)),
        }
    }
    Ok(got == head.len() && ZIP_MAGICS.iter().any(|m| **m == head))
}

impl SessionSource {
    /// Opens `path` as a directory, or else as a zip archive.
    pub(crate) fn open(path: &Path) -> Result<SessionSource, SessionError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => SessionError::NotFound {
                path: path.to_path_buf(),
            },
            _ => SessionError::io(path, e),
        })?;
        if meta.is_dir() {
            return Ok(SessionSource::Dir(path.to_path_buf()));
        }
        if !meta.is_file() || !starts_like_zip(path)? {
            return Err(SessionError::NotDirOrZip {
                path: path.to_path_buf(),
            });
        }
        let file = File::open(path).map_err(|e| SessionError::io(path, e))?;
        match ZipArchive::new(file) {
            Ok(archive) => Ok(SessionSource::Zip {
                path: path.to_path_buf(),
                archive,
            }),
            Err(ZipError::Io(e)) if e.kind() != ErrorKind::UnexpectedEof => {
                Err(SessionError::io(path, e))
            }
            Err(source) => Err(SessionError::CorruptZip {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The directory or zip.
    pub(crate) fn path(&self) -> &Path {
        match self {
            SessionSource::Dir(p) => p,
            SessionSource::Zip { path, .. } => path,
        }
    }

    /// The path shown in errors for a file of the session.
    pub(crate) fn file_path(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// The bytes of file `name`, or `None` when the session has no such file.
    fn read_bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, SessionError> {
        let shown = self.file_path(name);
        let too_big = || {
            SessionError::io(
                &shown,
                std::io::Error::new(
                    ErrorKind::InvalidData,
                    format!("file is larger than {MAX_FILE_BYTES} bytes"),
                ),
            )
        };
        let mut buf = Vec::new();
        match self {
            SessionSource::Dir(dir) => {
                let f = match File::open(dir.join(name)) {
                    Ok(f) => f,
                    Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(SessionError::io(&shown, e)),
                };
                f.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| SessionError::io(&shown, e))?;
            }
            SessionSource::Zip { path, archive } => {
                let corrupt = |source| SessionError::CorruptZip {
                    path: shown.clone(),
                    source,
                };
                let entry = match archive.by_name(name) {
                    Ok(f) => f,
                    Err(ZipError::FileNotFound) => return Ok(None),
                    Err(ZipError::Io(e)) if e.kind() != ErrorKind::UnexpectedEof => {
                        return Err(SessionError::io(path.as_path(), e))
                    }
                    Err(e) => return Err(corrupt(e)),
                };
                if entry.size() > MAX_FILE_BYTES {
                    return Err(too_big());
                }
                // A read error inside a member is a damaged archive (bad deflate data, CRC
                // mismatch, cut short): the file itself was readable a moment ago.
                entry
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| corrupt(ZipError::Io(e)))?;
            }
        }
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big());
        }
        Ok(Some(buf))
    }

    /// The text of file `name`, or `None` when the session has no such file. `kind` names
    /// what the file holds in the error for text that is not UTF-8.
    pub(crate) fn read_text(
        &mut self,
        name: &str,
        kind: FileKind,
    ) -> Result<Option<String>, SessionError> {
        let Some(bytes) = self.read_bytes(name)? else {
            return Ok(None);
        };
        match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let path = self.file_path(name);
                Err(SessionError::Data {
                    path: path.clone(),
                    source: Box::new(DataError::Load {
                        path,
                        what: kind,
                        problem: LoadProblem::Invalid(format!("line {line} is not UTF-8 text")),
                    }),
                })
            }
        }
    }

    /// Reads and checks `manifest.json`; also returns its JSON value (to tell keys that were
    /// written from keys that took their defaults).
    pub(crate) fn manifest_raw(&mut self) -> Result<(Manifest, serde_json::Value), SessionError> {
        let Some(bytes) = self.read_bytes(MANIFEST_FILE)? else {
            return Err(SessionError::MissingManifest {
                path: self.path().to_path_buf(),
            });
        };
        let text = String::from_utf8_lossy(&bytes);
        parse_manifest_raw(&self.file_path(MANIFEST_FILE), &text)
    }

    /// Reads and checks `manifest.json`.
    pub(crate) fn manifest(&mut self) -> Result<Manifest, SessionError> {
        self.manifest_raw().map(|(m, _)| m)
    }
}
