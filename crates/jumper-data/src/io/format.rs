//! CSV or JSON: by extension for writing, by extension or content for reading.

use std::path::Path;

use crate::DataError;

/// A file format picked from an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// A JSON list of records.
    Json,
}

impl Format {
    /// Picks the format from a path's extension; `None` when there is no extension
    /// (JUmPER then appends `.csv`).
    pub fn from_path(path: &Path) -> Result<Option<Format>, DataError> {
        match path.extension().and_then(|e| e.to_str()) {
            None => Ok(None),
            Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Some(Format::Csv)),
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Some(Format::Json)),
            Some(e) => Err(DataError::UnsupportedFormat(e.to_string())),
        }
    }

    /// The format of a file being read: `.csv` / `.json` by extension, anything else by
    /// content (a JSON list starts with `[`).
    pub(crate) fn sniff(path: &Path, start: &[u8]) -> Format {
        match Format::from_path(path) {
            Ok(Some(f)) => f,
            _ if start.trim_ascii_start().starts_with(b"[") => Format::Json,
            _ => Format::Csv,
        }
    }
}
