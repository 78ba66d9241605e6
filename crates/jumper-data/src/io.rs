//! CSV and JSON files with JUmPER's column names: perf data and cell history.
//!
//! Perf columns, in JUmPER 0.4.1's order: `time` (monotonic s), `io_read_count`,
//! `io_write_count` (operations/s over the last interval), `io_read`, `io_write` (bytes/s),
//! `cpu_util_0..N-1`, `cpu_util_avg`, `cpu_util_min`, `cpu_util_max` (percent of the level's
//! CPUs), `memory` (GiB); with GPUs `gpu_{util,band,mem}_{avg,min,max}` and per GPU
//! `gpu_util_i, gpu_band_i, gpu_mem_i`. jumper adds (JUmPER ignores them): `wallclock` (epoch
//! s), `cpu_time` (cumulative CPU s), `io_read_bytes_total`, `io_write_bytes_total`,
//! `io_read_ops_total`, `io_write_ops_total` (cumulative), `nprocs`, `sample_kind` (0 tick,
//! 1 cell start, 2 cell end). Last comes `cell_index` (empty outside cells).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use serde_json::{Map, Value};

use crate::frame::{PerfFrame, PerfRow, RawCounters};
use crate::{CellRecord, CellStatus, DataError, Level, SampleKind};

/// The nine columns every perf file must have (JUmPER's own check).
pub const BASE_PERF_COLUMNS: [&str; 9] = [
    "time",
    "memory",
    "io_read_count",
    "io_write_count",
    "io_read",
    "io_write",
    "cpu_util_avg",
    "cpu_util_min",
    "cpu_util_max",
];

/// JUmPER's cell-history columns, in order.
pub const HISTORY_COLUMNS: [&str; 8] = [
    "cell_index",
    "raw_cell",
    "start_time",
    "end_time",
    "duration",
    "wallclock_start_time",
    "wallclock_end_time",
    "cell_magics",
];

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
}

/// Column names of a frame's table, in the order written.
pub fn perf_columns(frame: &PerfFrame) -> Vec<String> {
    let mut c: Vec<String> = [
        "time",
        "io_read_count",
        "io_write_count",
        "io_read",
        "io_write",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in 0..frame.num_core_columns() {
        c.push(format!("cpu_util_{i}"));
    }
    for s in ["cpu_util_avg", "cpu_util_min", "cpu_util_max", "memory"] {
        c.push(s.into());
    }
    if frame.num_gpus > 0 {
        for m in ["gpu_util", "gpu_band", "gpu_mem"] {
            for a in ["avg", "min", "max"] {
                c.push(format!("{m}_{a}"));
            }
        }
        for i in 0..frame.num_gpus {
            for m in ["gpu_util", "gpu_band", "gpu_mem"] {
                c.push(format!("{m}_{i}"));
            }
        }
    }
    if frame.rows.iter().any(|r| r.raw.is_some()) {
        for s in [
            "wallclock",
            "cpu_time",
            "io_read_bytes_total",
            "io_write_bytes_total",
            "io_read_ops_total",
            "io_write_ops_total",
            "nprocs",
            "sample_kind",
        ] {
            c.push(s.into());
        }
    }
    c.push("cell_index".into());
    c
}

fn row_values(frame: &PerfFrame, r: &PerfRow, with_raw: bool) -> Vec<Value> {
    let f = |x: f64| Value::from(x);
    let mut v = vec![
        f(r.time),
        f(r.io_read_count),
        f(r.io_write_count),
        f(r.io_read),
        f(r.io_write),
    ];
    let ncores = frame.num_core_columns();
    v.extend((0..ncores).map(|i| f(r.cpu_util.get(i).copied().unwrap_or(0.0))));
    v.extend([
        f(r.cpu_util_avg),
        f(r.cpu_util_min),
        f(r.cpu_util_max),
        f(r.memory),
    ]);
    if frame.num_gpus > 0 {
        for (a, b, c) in [
            r.gpu_util_summary(),
            r.gpu_band_summary(),
            r.gpu_mem_summary(),
        ] {
            v.extend([f(a), f(b), f(c)]);
        }
        for i in 0..frame.num_gpus {
            let g = |x: &Vec<f64>| f(x.get(i).copied().unwrap_or(0.0));
            v.extend([g(&r.gpu_util), g(&r.gpu_band), g(&r.gpu_mem)]);
        }
    }
    if with_raw {
        let raw = r.raw.unwrap_or_default();
        v.extend([
            r.wallclock.map_or(Value::Null, f),
            f(raw.cpu_time),
            f(raw.io_read_bytes),
            f(raw.io_write_bytes),
            f(raw.io_read_ops),
            f(raw.io_write_ops),
            r.nprocs.map_or(Value::Null, Value::from),
            r.kind.map_or(Value::Null, |k| Value::from(k.code())),
        ]);
    }
    v
}

fn csv_field(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Number(n) => {
            // Integral floats print as "3.0" like pandas, so types survive a round trip.
            match n.as_f64() {
                Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.1}"),
                _ => n.to_string(),
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, DataError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| DataError::io(path, e))
}

/// Writes a frame as CSV with a `cell_index` column.
pub fn write_perf_csv(
    frame: &PerfFrame,
    cells: &[CellRecord],
    w: &mut impl Write,
) -> std::io::Result<()> {
    let cols = perf_columns(frame);
    let with_raw = cols.iter().any(|c| c == "cpu_time");
    writeln!(w, "{}", cols.join(","))?;
    let idx = frame.cell_indices(cells);
    for (r, ci) in frame.rows.iter().zip(idx) {
        let mut vals: Vec<String> = row_values(frame, r, with_raw)
            .iter()
            .map(csv_field)
            .collect();
        vals.push(ci.map_or(String::new(), |c| c.to_string()));
        writeln!(w, "{}", vals.join(","))?;
    }
    Ok(())
}

/// The frame as a JSON list of records (JUmPER's `orient="records"`), `cell_index` null
/// outside cells.
pub fn perf_records(frame: &PerfFrame, cells: &[CellRecord]) -> Value {
    let cols = perf_columns(frame);
    let with_raw = cols.iter().any(|c| c == "cpu_time");
    let idx = frame.cell_indices(cells);
    let recs = frame
        .rows
        .iter()
        .zip(idx)
        .map(|(r, ci)| {
            let mut vals = row_values(frame, r, with_raw);
            vals.push(ci.map_or(Value::Null, Value::from));
            Value::Object(cols.iter().cloned().zip(vals).collect::<Map<_, _>>())
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

/// A string as Python's `repr` writes it (JUmPER stores `cell_magics` this way in CSV).
pub fn py_repr_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// A list of strings as Python's `repr` writes it: `['a', 'b']`.
pub fn py_repr_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| py_repr_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Parses a Python list-of-strings repr (`['a', "b's"]`); `None` if it is not one.
pub fn parse_py_list(s: &str) -> Option<Vec<String>> {
    let s = s.trim();
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(q) = chars.next() else { break };
        if q != '\'' && q != '"' {
            return None;
        }
        let mut cur = String::new();
        loop {
            match chars.next()? {
                '\\' => match chars.next()? {
                    'n' => cur.push('\n'),
                    'r' => cur.push('\r'),
                    't' => cur.push('\t'),
                    c => cur.push(c),
                },
                c if c == q => break,
                c => cur.push(c),
            }
        }
        out.push(cur);
    }
    Some(out)
}

/// Writes cell history as CSV (JUmPER's columns, then `status` and `error`).
pub fn write_history_csv(cells: &[CellRecord], w: impl Write) -> Result<(), csv::Error> {
    let mut wr = csv::Writer::from_writer(w);
    let mut header: Vec<&str> = HISTORY_COLUMNS.to_vec();
    header.extend(["status", "error"]);
    wr.write_record(&header)?;
    for c in cells {
        let f = |x: f64| csv_field(&Value::from(x));
        wr.write_record([
            c.cell_index.to_string(),
            c.raw_cell.clone(),
            f(c.start_time),
            f(c.end_time),
            f(c.duration),
            f(c.wallclock_start_time),
            f(c.wallclock_end_time),
            py_repr_list(&c.cell_magics),
            match c.status {
                CellStatus::Ok => "ok".into(),
                CellStatus::Failed => "failed".into(),
            },
            c.error.clone().unwrap_or_default(),
        ])?;
    }
    wr.flush()?;
    Ok(())
}

/// Writes cell history to `path` as CSV or JSON (by extension; none means CSV).
pub fn export_history(cells: &[CellRecord], path: &Path) -> Result<(), DataError> {
    let fmt = Format::from_path(path)?.unwrap_or(Format::Csv);
    let mut w = create(path)?;
    let res = match fmt {
        Format::Csv => write_history_csv(cells, &mut w).map_err(std::io::Error::other),
        Format::Json => serde_json::to_writer_pretty(&mut w, cells).map_err(std::io::Error::other),
    };
    res.and_then(|_| w.flush())
        .map_err(|e| DataError::io(path, e))
}

/// A table read from CSV or JSON records: column names and string cells by name.
struct Table {
    columns: Vec<String>,
    rows: Vec<HashMap<String, String>>,
}

fn read_table(path: &Path, text: &str) -> Result<Table, DataError> {
    let json = matches!(Format::from_path(path), Ok(Some(Format::Json)))
        || text.trim_start().starts_with('[');
    if json {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| DataError::malformed(path, format!("invalid JSON: {e}")))?;
        let arr = v
            .as_array()
            .ok_or_else(|| DataError::malformed(path, "expected a JSON list of records"))?;
        let mut columns: Vec<String> = Vec::new();
        let mut rows = Vec::new();
        for rec in arr {
            let obj = rec
                .as_object()
                .ok_or_else(|| DataError::malformed(path, "expected a JSON list of records"))?;
            let mut row = HashMap::new();
            for (k, v) in obj {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
                let s = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    Value::Array(a) => py_repr_list(
                        &a.iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                            .collect::<Vec<_>>(),
                    ),
                    other => other.to_string(),
                };
                row.insert(k.clone(), s);
            }
            rows.push(row);
        }
        return Ok(Table { columns, rows });
    }
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = rd
        .headers()
        .map_err(|e| DataError::malformed(path, format!("invalid CSV header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| DataError::malformed(path, format!("row {}: {e}", i + 1)))?;
        rows.push(
            columns
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    Ok(Table { columns, rows })
}

fn read_text(path: &Path) -> Result<String, DataError> {
    let mut s = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .map_err(|e| DataError::io(path, e))?;
    Ok(s)
}

fn require(path: &Path, t: &Table, cols: &[&str], what: &str) -> Result<(), DataError> {
    let missing: Vec<&str> = cols
        .iter()
        .copied()
        .filter(|c| !t.columns.iter().any(|h| h == c))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DataError::malformed(
            path,
            format!(
                "cannot load {what}: missing required columns: {}",
                missing.join(", ")
            ),
        ))
    }
}

struct Cells<'a> {
    path: &'a Path,
    row: &'a HashMap<String, String>,
    line: usize,
}

impl Cells<'_> {
    fn num(&self, col: &str) -> Result<f64, DataError> {
        self.opt(col)?.ok_or_else(|| {
            DataError::malformed(
                self.path,
                format!("row {}: column '{col}' is empty", self.line),
            )
        })
    }
    fn opt(&self, col: &str) -> Result<Option<f64>, DataError> {
        match self.row.get(col).map(|s| s.trim()) {
            None | Some("") | Some("null") | Some("NaN") | Some("nan") => Ok(None),
            Some(s) => s.parse::<f64>().map(Some).map_err(|_| {
                DataError::malformed(
                    self.path,
                    format!("row {}: column '{col}' is not a number: '{s}'", self.line),
                )
            }),
        }
    }
}

/// Reads a perf CSV/JSON written by jumper or JUmPER (columns by name, never by position).
///
/// `num_cpus` is the CPU count the level's utilisation refers to (from the manifest).
pub fn read_perf(path: &Path, level: Level, num_cpus: usize) -> Result<PerfFrame, DataError> {
    let text = read_text(path)?;
    perf_from_text(path, &text, level, num_cpus)
}

/// Like [`read_perf`] on text already read (e.g. from a zip).
pub fn perf_from_text(
    path: &Path,
    text: &str,
    level: Level,
    num_cpus: usize,
) -> Result<PerfFrame, DataError> {
    let t = read_table(path, text)?;
    require(path, &t, &BASE_PERF_COLUMNS, "performance data")?;
    let ncores = (0..)
        .take_while(|i| t.columns.iter().any(|c| *c == format!("cpu_util_{i}")))
        .count();
    let ngpus = (0..)
        .take_while(|i| t.columns.iter().any(|c| *c == format!("gpu_util_{i}")))
        .count();
    let has_raw = t.columns.iter().any(|c| c == "cpu_time");
    let mut rows: Vec<PerfRow> = Vec::with_capacity(t.rows.len());
    for (i, row) in t.rows.iter().enumerate() {
        let c = Cells {
            path,
            row,
            line: i + 1,
        };
        let time = c.num("time")?;
        let per = |p: &str, n: usize| -> Result<Vec<f64>, DataError> {
            (0..n)
                .map(|k| Ok(c.opt(&format!("{p}_{k}"))?.unwrap_or(0.0)))
                .collect()
        };
        let raw = if has_raw {
            Some(RawCounters {
                cpu_time: c.num("cpu_time")?,
                io_read_bytes: c.opt("io_read_bytes_total")?.unwrap_or(0.0),
                io_write_bytes: c.opt("io_write_bytes_total")?.unwrap_or(0.0),
                io_read_ops: c.opt("io_read_ops_total")?.unwrap_or(0.0),
                io_write_ops: c.opt("io_write_ops_total")?.unwrap_or(0.0),
            })
        } else {
            None
        };
        let dt = rows.last().map_or(0.0, |p| time - p.time);
        rows.push(PerfRow {
            time,
            wallclock: c.opt("wallclock")?,
            dt,
            memory: c.num("memory")?,
            io_read_count: c.num("io_read_count")?,
            io_write_count: c.num("io_write_count")?,
            io_read: c.num("io_read")?,
            io_write: c.num("io_write")?,
            cpu_util_avg: c.num("cpu_util_avg")?,
            cpu_util_min: c.num("cpu_util_min")?,
            cpu_util_max: c.num("cpu_util_max")?,
            cpu_util: per("cpu_util", ncores)?,
            gpu_util: per("gpu_util", ngpus)?,
            gpu_band: per("gpu_band", ngpus)?,
            gpu_mem: per("gpu_mem", ngpus)?,
            raw,
            kind: c
                .opt("sample_kind")?
                .map(|k| SampleKind::from_code(k as u8)),
            nprocs: c.opt("nprocs")?.map(|n| n as u32),
        });
    }
    rows.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok(PerfFrame {
        level,
        num_cpus: num_cpus.max(1),
        num_gpus: ngpus,
        rows,
    })
}

/// Reads a cell-history CSV/JSON written by jumper or JUmPER.
pub fn read_history(path: &Path) -> Result<Vec<CellRecord>, DataError> {
    let text = read_text(path)?;
    history_from_text(path, &text)
}

/// Like [`read_history`] on text already read.
pub fn history_from_text(path: &Path, text: &str) -> Result<Vec<CellRecord>, DataError> {
    let t = read_table(path, text)?;
    require(path, &t, &HISTORY_COLUMNS[..7], "cell history")?;
    let mut out = Vec::with_capacity(t.rows.len());
    for (i, row) in t.rows.iter().enumerate() {
        let c = Cells {
            path,
            row,
            line: i + 1,
        };
        let idx = c.num("cell_index")?;
        if idx < 0.0 || idx.fract() != 0.0 {
            return Err(DataError::malformed(
                path,
                format!("row {}: cell_index must be a whole number >= 0", i + 1),
            ));
        }
        let magics = row.get("cell_magics").map(String::as_str).unwrap_or("[]");
        let status = match row.get("status").map(String::as_str) {
            Some("failed") => CellStatus::Failed,
            _ => CellStatus::Ok,
        };
        out.push(CellRecord {
            cell_index: idx as usize,
            raw_cell: row.get("raw_cell").cloned().unwrap_or_default(),
            start_time: c.num("start_time")?,
            end_time: c.num("end_time")?,
            duration: c.num("duration")?,
            wallclock_start_time: c.num("wallclock_start_time")?,
            wallclock_end_time: c.num("wallclock_end_time")?,
            cell_magics: parse_py_list(magics).unwrap_or_else(|| {
                if magics.trim().is_empty() {
                    vec![]
                } else {
                    vec![magics.to_string()]
                }
            }),
            status,
            error: row.get("error").filter(|e| !e.is_empty()).cloned(),
        });
    }
    out.sort_by_key(|c| c.cell_index);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_list_repr_round_trips() {
        let items = vec![
            "perfmonitor_start 0.1".to_string(),
            "a'b".into(),
            "x\"y'z\\".into(),
        ];
        let s = py_repr_list(&items);
        assert_eq!(s, r#"['perfmonitor_start 0.1', "a'b", 'x"y\'z\\']"#);
        assert_eq!(parse_py_list(&s).unwrap(), items);
        assert_eq!(parse_py_list("[]").unwrap(), Vec::<String>::new());
        assert!(parse_py_list("nope").is_none());
    }

    #[test]
    fn format_by_extension() {
        assert_eq!(
            Format::from_path(Path::new("a.CSV")).unwrap(),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_path(Path::new("a")).unwrap(), None);
        let e = Format::from_path(Path::new("a.txt"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "unsupported format 'txt'; supported formats: csv, json");
    }
}
