//! Tables read from CSV (streamed, record by record) or from a JSON list of records.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use super::format::Format;
use super::problem::{LoadProblem, Location};
use super::pyrepr::py_repr_list;

/// Longest line the CSV reader accepts. Real lines are a few kilobytes; the limit keeps a
/// damaged file or a decompression bomb (gigabytes without a newline) from growing one
/// record without bound.
pub const MAX_LINE_BYTES: u64 = 16 << 20;

/// One record: where it is and its cells, aligned with [`Records::columns`].
pub(crate) struct Row {
    pub(crate) at: Location,
    cells: Fields,
}

/// The cells of a record: a CSV record keeps its one buffer (no allocation per field); a
/// JSON record has `None` for `null` or an absent key.
enum Fields {
    Csv(csv::StringRecord),
    Json(Vec<Option<String>>),
}

impl Row {
    pub(crate) fn get(&self, col: usize) -> Option<&str> {
        match &self.cells {
            Fields::Csv(rec) => rec.get(col),
            Fields::Json(v) => v.get(col).and_then(|c| c.as_deref()),
        }
    }
}

/// The marker error of a line over [`MAX_LINE_BYTES`], carried through `io::Error`.
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {MAX_LINE_BYTES} bytes",
            self.line
        )
    }
}

impl std::error::Error for LineTooLong {}

/// Passes bytes through and fails once a line grows past [`MAX_LINE_BYTES`].
struct LineCap<R> {
    inner: R,
    line: u64,
    run: u64,
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        match got.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.line += got.iter().filter(|&&b| b == b'\n').count() as u64;
                self.run = (n - last - 1) as u64;
            }
            None => self.run += n as u64,
        }
        if self.run > MAX_LINE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong {
                    line: self.line + 1,
                },
            ));
        }
        Ok(n)
    }
}

enum Source<R> {
    Csv(Box<csv::Reader<LineCap<BufReader<R>>>>),
    Json(std::vec::IntoIter<Row>),
}

/// A table being read: its header, then its records one at a time.
pub(crate) struct Records<R> {
    pub(crate) columns: Vec<String>,
    source: Source<R>,
}

/// An I/O error while reading a table: one of ours (a line too long) or the source's.
fn io_problem(e: io::Error) -> LoadProblem {
    if let Some(l) = e.get_ref().and_then(|x| x.downcast_ref::<LineTooLong>()) {
        return LoadProblem::LineTooLong {
            line: l.line,
            limit: MAX_LINE_BYTES,
        };
    }
    LoadProblem::Io(e)
}

fn csv_problem(e: csv::Error) -> LoadProblem {
    let line = |pos: &Option<csv::Position>| pos.as_ref().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => LoadProblem::FieldCount {
            line: line(pos),
            found: *len,
            expected: *expected_len,
        },
        csv::ErrorKind::Utf8 { pos, .. } => LoadProblem::NotUtf8 { line: line(pos) },
        csv::ErrorKind::Io(_) => match e.into_kind() {
            csv::ErrorKind::Io(io) => io_problem(io),
            _ => LoadProblem::Io(io::Error::other("unreadable CSV")),
        },
        _ => LoadProblem::Csv(e),
    }
}

fn json_cell(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(py_repr_list(
            &a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>(),
        )),
        other => Some(other.to_string()),
    }
}

fn not_utf8(bytes: &[u8], valid_up_to: usize) -> LoadProblem {
    let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    LoadProblem::NotUtf8 { line: line as u64 }
}

fn json_records(bytes: &[u8]) -> Result<(Vec<String>, Vec<Row>), LoadProblem> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(not_utf8(bytes, e.valid_up_to()));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(LoadProblem::Json)?;
    let Value::Array(records) = v else {
        return Err(LoadProblem::NotAList);
    };
    let mut columns: Vec<String> = Vec::new();
    for (i, rec) in records.iter().enumerate() {
        let obj = rec
            .as_object()
            .ok_or(LoadProblem::NotARecord { record: i + 1 })?;
        for k in obj.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let rows = records
        .iter()
        .enumerate()
        .map(|(i, rec)| Row {
            at: Location::Record(i + 1),
            cells: Fields::Json(
                columns
                    .iter()
                    .map(|c| rec.get(c).and_then(json_cell))
                    .collect(),
            ),
        })
        .collect();
    Ok((columns, rows))
}

impl<R> Records<R> {
    /// The position of column `name`.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

impl<R: Read> Records<R> {
    /// Starts reading `reader`; `path` picks CSV or JSON by its extension (others: by
    /// content). A byte-order mark is skipped. CSV is read record by record; JSON whole.
    pub(crate) fn open(path: &Path, reader: R) -> Result<Records<R>, LoadProblem> {
        let mut br = BufReader::with_capacity(1 << 16, reader);
        let head = br.fill_buf().map_err(io_problem)?;
        if head.starts_with(b"\xef\xbb\xbf") {
            br.consume(3);
        }
        let head = br.fill_buf().map_err(io_problem)?;
        if Format::sniff(path, head) == Format::Json {
            let mut bytes = Vec::new();
            br.read_to_end(&mut bytes).map_err(io_problem)?;
            let (columns, rows) = json_records(&bytes)?;
            return Ok(Records {
                columns,
                source: Source::Json(rows.into_iter()),
            });
        }
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(LineCap {
                inner: br,
                line: 0,
                run: 0,
            });
        let columns = rd
            .headers()
            .map_err(csv_problem)?
            .iter()
            .map(str::to_string)
            .collect();
        Ok(Records {
            columns,
            source: Source::Csv(Box::new(rd)),
        })
    }

    /// After a record that failed to read or parse: whether it was the file's last line and
    /// that line has no newline, i.e. a writer stopped in the middle of it (every writer
    /// ends its lines; a torn one can only be the last). Reads on to tell.
    pub(crate) fn failed_record_was_torn_tail(&mut self) -> bool {
        match &mut self.source {
            Source::Json(_) => false,
            Source::Csv(rd) => {
                let mut rec = csv::StringRecord::new();
                matches!(rd.read_record(&mut rec), Ok(false)) && rd.get_ref().run > 0
            }
        }
    }

    /// At the end of a CSV table: whether its last line has no newline.
    pub(crate) fn ended_without_newline(&self) -> bool {
        match &self.source {
            Source::Json(_) => false,
            Source::Csv(rd) => rd.get_ref().run > 0,
        }
    }

    /// The next record, `None` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, LoadProblem> {
        match &mut self.source {
            Source::Json(rows) => Ok(rows.next()),
            Source::Csv(rd) => {
                let mut rec = csv::StringRecord::new();
                match rd.read_record(&mut rec) {
                    Ok(false) => Ok(None),
                    Ok(true) => {
                        let line = rec.position().map_or(0, |p| p.line());
                        Ok(Some(Row {
                            at: Location::Line(usize::try_from(line).unwrap_or(usize::MAX)),
                            cells: Fields::Csv(rec),
                        }))
                    }
                    Err(e) => Err(csv_problem(e)),
                }
            }
        }
    }
}
