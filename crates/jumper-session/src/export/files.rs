//! The files of a session, written into a [`Sink`]: one perf table per level with rows, the
//! cell history, and the manifest last, whose `schemas` are the column table's names.

use std::io::{self, Write};

use jumper_data::io::{history_columns, perf_columns, write_history_csv, write_perf_csv};

use super::{Session, Sink, WRITER_VERSION};
use crate::manifest::{
    local_timezone, perf_file_name, AppInfo, JumperBlock, Manifest, PerfSchemas, ReporterSettings,
    Schemas, VisualizerSettings, APP_NAME, CELL_HISTORY_FILE, MANIFEST_FILE, MANIFEST_VERSION,
    SESSION_SCHEMA, TIME_ORIGIN,
};
use crate::SessionError;

/// Writes every file of the session, the manifest last.
pub(crate) fn write_files(
    session: &Session<'_>,
    sink: &mut dyn Sink,
) -> Result<(Vec<String>, Manifest), SessionError> {
    let mut files = Vec::new();
    let mut perf = Vec::new();
    for &level in session.levels {
        let Some(frame) = session.frame(level).filter(|f| !f.rows.is_empty()) else {
            continue;
        };
        let name = perf_file_name(level);
        sink.put(&name, &mut |w: &mut dyn Write| {
            write_perf_csv(frame, session.cells, &mut &mut *w)
        })?;
        // The schema is the column table's layout of this frame: the header just written.
        perf.push((level, perf_columns(frame)));
        files.push(name);
    }
    if !session.cells.is_empty() {
        sink.put(CELL_HISTORY_FILE, &mut |w: &mut dyn Write| {
            write_history_csv(session.cells, &mut *w).map_err(io::Error::from)
        })?;
        files.push(CELL_HISTORY_FILE.into());
    }
    // Recorded even without cells, as JUmPER records its empty table's columns.
    let manifest = build_manifest(session, PerfSchemas(perf), history_columns());
    sink.put(MANIFEST_FILE, &mut |w: &mut dyn Write| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    files.push(MANIFEST_FILE.into());
    Ok((files, manifest))
}

pub(super) fn build_manifest(
    session: &Session<'_>,
    perf: PerfSchemas,
    cell_history: Vec<String>,
) -> Manifest {
    let writer = format!("{APP_NAME} {WRITER_VERSION}");
    let mut monitor = session.monitor.clone();
    if monitor.python.is_empty() {
        monitor.python = writer.clone();
    }
    if monitor.levels.is_empty() {
        monitor.levels = session.levels.to_vec();
    }
    Manifest {
        version: MANIFEST_VERSION.into(),
        app: AppInfo {
            name: APP_NAME.into(),
            version: WRITER_VERSION.into(),
        },
        visualizer: VisualizerSettings::for_gpus(monitor.num_gpus),
        monitor,
        levels: session.levels.to_vec(),
        schemas: Schemas { perf, cell_history },
        reporter: ReporterSettings {
            level: session.reporter_level,
            format: "text".into(),
            thresholds: session.thresholds,
        },
        time_origin: TIME_ORIGIN.into(),
        timezone: local_timezone(),
        jumper: Some(JumperBlock {
            schema: SESSION_SCHEMA.into(),
            writer,
        }),
    }
}
