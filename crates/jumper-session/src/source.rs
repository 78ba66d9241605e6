//! Where a session is read from: a directory or a zip archive with flat file names.
//!
//! Files are only ever read by their exact names (`manifest.json`, `cell_history.csv`,
//! `perf_<level>.csv`); nothing is extracted, so member names like `../x` cannot reach the
//! file system. Only regular files are read: a named pipe where a session file should be
//! is refused before it can block. Every file has a size limit, checked against its declared
//! size (a zip header, a file's length) and again against the bytes actually read, since a
//! header can lie: the small files ([`MAX_SMALL_FILE_BYTES`]) are read whole, the perf tables
//! ([`MAX_PERF_FILE_BYTES`]) are streamed record by record, never held whole. A zip bomb is
//! one clear error, and memory stays bounded.

use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::path::{Path, PathBuf};

use jumper_data::fsio::{open_regular, OpenError};
use jumper_data::io::LoadProblem;
use jumper_data::DataError;
use zip::result::ZipError;
use zip::ZipArchive;

use crate::manifest::{parse_manifest, parse_manifest_raw, Manifest, MANIFEST_FILE};
use crate::SessionError;

/// Largest `manifest.json` or `cell_history.csv` read (they are read whole; real ones are
/// kilobytes).
pub const MAX_SMALL_FILE_BYTES: u64 = 64 << 20;

/// Largest `perf_<level>.csv` read (streamed: memory holds the parsed rows, never the
/// text; a day at 10 samples a second is about 350 MB).
pub const MAX_PERF_FILE_BYTES: u64 = 1 << 30;

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

/// The marker of a file that read past its limit, carried through `io::Error` (a reader
/// in between, such as the CSV parser, passes it on untouched).
#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("more bytes than the limit")
    }
}

impl std::error::Error for OverLimit {}

fn is_over_limit(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|x| x.is::<OverLimit>())
}

/// Passes at most `left` bytes through, then fails with [`OverLimit`] instead of
/// returning more (or silently stopping, which would look like a short file).
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte beyond the limit is asked for, to tell "exactly the limit" from "more".
        let want = buf
            .len()
            .min(usize::try_from(self.left + 1).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(io::Error::new(ErrorKind::InvalidData, OverLimit));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A file of the session, opened for reading.
enum Opened<'a> {
    Dir(Capped<File>),
    Zip(Box<Capped<zip::read::ZipFile<'a, File>>>),
}

impl Read for Opened<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Opened::Dir(f) => f.read(buf),
            Opened::Zip(z) => z.read(buf),
        }
    }
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
        // A named pipe or device is refused here, before anything opens it.
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

    /// Opens file `name` for reading at most `limit` bytes; `None` when the session has no
    /// such file. A declared size over the limit is refused before anything is read.
    fn open_file(&mut self, name: &str, limit: u64) -> Result<Option<Opened<'_>>, SessionError> {
        let shown = self.file_path(name);
        let too_large = || SessionError::FileTooLarge {
            path: shown.clone(),
            limit,
        };
        match self {
            SessionSource::Dir(dir) => {
                let f = match open_regular(&dir.join(name)) {
                    Ok(f) => f,
                    Err(OpenError::Io(e)) if e.kind() == ErrorKind::NotFound => return Ok(None),
                    Err(OpenError::NotRegular { kind }) => {
                        return Err(SessionError::NotARegularFile { path: shown, kind })
                    }
                    Err(OpenError::Io(e)) => return Err(SessionError::io(&shown, e)),
                    Err(e) => return Err(SessionError::io(&shown, io::Error::other(e))),
                };
                let len = f.metadata().map_err(|e| SessionError::io(&shown, e))?.len();
                if len > limit {
                    return Err(too_large());
                }
                Ok(Some(Opened::Dir(Capped {
                    inner: f,
                    left: limit,
                })))
            }
            SessionSource::Zip { path, archive } => {
                let entry = match archive.by_name(name) {
                    Ok(f) => f,
                    Err(ZipError::FileNotFound) => return Ok(None),
                    Err(ZipError::Io(e)) if e.kind() != ErrorKind::UnexpectedEof => {
                        return Err(SessionError::io(path.as_path(), e))
                    }
                    Err(source) => {
                        return Err(SessionError::CorruptZip {
                            path: shown,
                            source,
                        })
                    }
                };
                if entry.size() > limit {
                    return Err(too_large());
                }
                Ok(Some(Opened::Zip(Box::new(Capped {
                    inner: entry,
                    left: limit,
                }))))
            }
        }
    }

    /// The error for an I/O failure while reading file `name`: over its limit, a damaged
    /// zip member (bad deflate data, CRC mismatch, cut short: the archive itself was
    /// readable a moment ago), or the OS's error.
    fn read_error(&self, name: &str, limit: u64, e: io::Error) -> SessionError {
        let path = self.file_path(name);
        if is_over_limit(&e) {
            return SessionError::FileTooLarge { path, limit };
        }
        match self {
            SessionSource::Zip { .. } => SessionError::CorruptZip {
                path,
                source: ZipError::Io(e),
            },
            SessionSource::Dir(_) => SessionError::io(path, e),
        }
    }

    /// The whole bytes of a small file (at most [`MAX_SMALL_FILE_BYTES`]), or `None` when
    /// the session has no such file.
    pub(crate) fn read_small(&mut self, name: &str) -> Result<Option<Vec<u8>>, SessionError> {
        let limit = MAX_SMALL_FILE_BYTES;
        let Some(mut f) = self.open_file(name, limit)? else {
            return Ok(None);
        };
        let mut buf = Vec::new();
        let read = f.read_to_end(&mut buf);
        drop(f);
        read.map_err(|e| self.read_error(name, limit, e))?;
        Ok(Some(buf))
    }

    /// Streams file `name` (at most [`MAX_PERF_FILE_BYTES`]) through `parse`, or `None`
    /// when the session has no such file. An I/O failure inside `parse` (over the limit, a
    /// damaged zip member) is reported as such, not as a parse error.
    pub(crate) fn read_stream<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&mut dyn Read) -> Result<T, DataError>,
    ) -> Result<Option<T>, SessionError> {
        let limit = MAX_PERF_FILE_BYTES;
        let Some(mut f) = self.open_file(name, limit)? else {
            return Ok(None);
        };
        let parsed = parse(&mut f);
        // Garbled text from a damaged member fails to parse before its CRC is checked (at
        // the member's end): read on, so that the damage is reported as such.
        let damaged = match (&parsed, &mut f) {
            (Err(_), Opened::Zip(_)) => io::copy(&mut f, &mut io::sink()).err(),
            _ => None,
        };
        drop(f);
        if let Some(e) = damaged {
            return Err(self.read_error(name, limit, e));
        }
        match parsed {
            Ok(v) => Ok(Some(v)),
            Err(DataError::Load {
                problem: LoadProblem::Io(e),
                ..
            }) => Err(self.read_error(name, limit, e)),
            Err(e) => Err(SessionError::from_data(self.file_path(name), e)),
        }
    }

    /// Reads and checks `manifest.json`; also returns its JSON value (to tell keys that were
    /// written from keys that took their defaults).
    pub(crate) fn manifest_raw(&mut self) -> Result<(Manifest, serde_json::Value), SessionError> {
        let Some(bytes) = self.read_small(MANIFEST_FILE)? else {
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

/// Reads and checks the manifest of a session: a session directory, a session zip, or a
/// `manifest.json` file itself.
///
/// Fails as [`import_session`](crate::import_session) does when there is no session
/// ([`SessionError::NotFound`], [`SessionError::NotDirOrZip`],
/// [`SessionError::CorruptZip`], [`SessionError::MissingManifest`]), and with
/// [`SessionError::UnsupportedVersion`] / [`SessionError::UnsupportedSchema`] when the
/// manifest comes from a version this build does not know.
pub fn read_manifest(path: &Path) -> Result<Manifest, SessionError> {
    let is_manifest = path
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case(MANIFEST_FILE));
    if is_manifest && path.is_file() {
        let parent = path.parent().unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let mut dir = SessionSource::Dir(parent.to_path_buf());
        let name = name.unwrap_or_else(|| MANIFEST_FILE.to_string());
        let bytes = dir
            .read_small(&name)?
            .ok_or_else(|| SessionError::NotFound {
                path: path.to_path_buf(),
            })?;
        return parse_manifest(path, &String::from_utf8_lossy(&bytes));
    }
    let mut src = SessionSource::open(path)?;
    src.manifest()
}
