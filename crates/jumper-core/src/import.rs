//! Importing a session (ours or JUmPER's) as the service's data.

use std::path::Path;

use jumper_data::CellRecord;

use crate::{Offline, ServiceError};

/// An imported session split into what the service keeps.
pub(crate) struct Imported {
    pub(crate) offline: Offline,
    pub(crate) cells: Vec<CellRecord>,
    pub(crate) thresholds: jumper_data::Thresholds,
    pub(crate) cut_short: Vec<String>,
}

/// Reads a session directory or zip.
pub(crate) fn import(path: &Path) -> Result<Imported, ServiceError> {
    let s = jumper_session::import_session(path)?;
    let writer = s.writer();
    Ok(Imported {
        thresholds: s.manifest.reporter.thresholds,
        offline: Offline {
            frames: s.frames,
            info: s.info,
            source: path.to_path_buf(),
            writer,
        },
        cells: s.cells,
        cut_short: s.cut_short,
    })
}
