//! Writing a dashboard file atomically: a hidden temporary sibling, synced, then renamed.

use std::path::Path;

use crate::VizError;

/// Checks the path before any work is done: an `.html`/`.htm` name in an existing directory.
pub(crate) fn check_target(path: &Path) -> Result<(), VizError> {
    let ext = path.extension().and_then(|e| e.to_str());
    if !ext.is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")) {
        return Err(VizError::UnsupportedDashboardFormat {
            path: path.to_path_buf(),
            ext: match path.extension() {
                Some(e) => format!(".{}", e.to_string_lossy()),
                None => "(none)".to_string(),
            },
        });
    }
    let dir = jumper_data::fsio::parent_dir(path);
    if !dir.is_dir() {
        return Err(VizError::MissingDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `bytes` to `path` so that `path` is either untouched or complete: nothing
/// half-written remains on failure.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), VizError> {
    jumper_data::fsio::write_atomic(path, bytes).map_err(|e| VizError::Io {
        path: e.path,
        source: e.source,
    })
}
