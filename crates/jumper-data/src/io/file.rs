//! Opening a file for a single-file load: the extension first, then a regular file only.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use super::format::Format;
use super::problem::{FileKind, LoadProblem};
use crate::fsio::{open_regular, OpenError};
use crate::DataError;

/// Opens `path` for a single-file load: the extension is checked first (csv, json or
/// none), then the file must be a regular file (a named pipe would block the reader).
pub(crate) fn open_for_load(path: &Path, what: FileKind) -> Result<File, DataError> {
    let fail = |problem| DataError::Load {
        path: path.to_path_buf(),
        what,
        problem,
    };
    if let Err(DataError::UnsupportedFormat(ext)) = Format::from_path(path) {
        return Err(fail(LoadProblem::UnsupportedFormat(ext)));
    }
    open_regular(path).map_err(|e| {
        fail(match e {
            OpenError::NotRegular { kind } => LoadProblem::NotRegularFile { kind },
            OpenError::Io(e) if e.kind() == ErrorKind::NotFound => LoadProblem::NotFound,
            OpenError::Io(e) => LoadProblem::Io(e),
        })
    })
}
