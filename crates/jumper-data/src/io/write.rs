//! The writers: perf tables and cell histories as CSV or JSON, every value from the
//! [column table](super::columns).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::columns::{perf_layout, CellValue, PerfColumn, HISTORY};
use super::format::Format;
use crate::frame::PerfFrame;
use crate::{CellRecord, DataError};

fn create(path: &Path) -> Result<BufWriter<File>, DataError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| DataError::io(path, e))
}

/// Writes a frame as CSV with a `cell_index` column (columns: [`perf_layout`]).
pub fn write_perf_csv(
    frame: &PerfFrame,
    cells: &[CellRecord],
    w: &mut impl Write,
) -> std::io::Result<()> {
    let cols = perf_layout(frame);
    let header: Vec<_> = cols.iter().map(|c| c.name()).collect();
    writeln!(w, "{}", header.join(","))?;
    write_rows(frame, cells, &cols, w)
}

/// Writes a frame's rows as [`write_perf_csv`] does, without the header: what an appending
/// writer adds to a perf file whose header ([`perf_columns`](super::columns::perf_columns))
/// is this frame's.
pub fn write_perf_rows(
    frame: &PerfFrame,
    cells: &[CellRecord],
    w: &mut impl Write,
) -> std::io::Result<()> {
    write_rows(frame, cells, &perf_layout(frame), w)
}

/// The rows of `frame` in the columns `cols` (its [`perf_layout`]).
fn write_rows(
    frame: &PerfFrame,
    cells: &[CellRecord],
    cols: &[PerfColumn],
    w: &mut impl Write,
) -> std::io::Result<()> {
    let idx = frame.cell_indices(cells);
    let mut line = String::new();
    for (r, ci) in frame.rows.iter().zip(idx) {
        line.clear();
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            // Perf values are numbers or empty: no field ever needs quoting.
            line.push_str(&c.value(r, ci).to_csv());
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// The frame as a JSON list of records (JUmPER's `orient="records"`), `cell_index` null
/// outside cells.
pub fn perf_records(frame: &PerfFrame, cells: &[CellRecord]) -> Value {
    let cols = perf_layout(frame);
    let idx = frame.cell_indices(cells);
    let recs = frame
        .rows
        .iter()
        .zip(idx)
        .map(|(r, ci)| {
            Value::Object(
                cols.iter()
                    .map(|c| (c.name().into_owned(), c.value(r, ci).to_json()))
                    .collect::<Map<_, _>>(),
            )
        })
        .collect();
    Value::Array(recs)
}

/// Writes a frame to `path` as CSV or JSON (by extension).
pub fn export_perf(frame: &PerfFrame, cells: &[CellRecord], path: &Path) -> Result<(), DataError> {
    let fmt = Format::from_path(path)?.unwrap_or(Format::Csv);
    let mut w = create(path)?;
    let res = match fmt {
        Format::Csv => write_perf_csv(frame, cells, &mut w),
        Format::Json => serde_json::to_writer_pretty(&mut w, &perf_records(frame, cells))
            .map_err(std::io::Error::other),
    };
    res.and_then(|_| w.flush())
        .map_err(|e| DataError::io(path, e))
}

/// Writes cell history as CSV (every column of [`HISTORY`]: JUmPER's, then `status` and
/// `error`).
pub fn write_history_csv(cells: &[CellRecord], w: impl Write) -> Result<(), csv::Error> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record(HISTORY.iter().map(|c| c.name()))?;
    for c in cells {
        wr.write_record(HISTORY.iter().map(|col| col.value(c).to_csv().into_owned()))?;
    }
    wr.flush()?;
    Ok(())
}

/// Cells as a JSON list of records with the keys in the order of [`HISTORY`].
struct HistoryJson<'a>(&'a [CellRecord]);

struct CellJson<'a>(&'a CellRecord);

impl Serialize for HistoryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&CellJson(c))?;
        }
        seq.end()
    }
}

impl Serialize for CellJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for col in HISTORY {
            let v = col.value(self.0);
            if v == CellValue::Null && col.omitted_when_null() {
                continue;
            }
            m.serialize_entry(col.name(), &v.to_json())?;
        }
        m.end()
    }
}

/// Writes cell history to `path` as CSV or JSON (by extension; none means CSV).
pub fn export_history(cells: &[CellRecord], path: &Path) -> Result<(), DataError> {
    let fmt = Format::from_path(path)?.unwrap_or(Format::Csv);
    let mut w = create(path)?;
    let res = match fmt {
        Format::Csv => write_history_csv(cells, &mut w).map_err(std::io::Error::other),
        Format::Json => {
            serde_json::to_writer_pretty(&mut w, &HistoryJson(cells)).map_err(std::io::Error::other)
        }
    };
    res.and_then(|_| w.flush())
        .map_err(|e| DataError::io(path, e))
}
