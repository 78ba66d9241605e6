use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// The cell completed.
    #[default]
    Ok,
    /// The cell raised an error or exited non-zero.
    Failed,
}

impl CellStatus {
    /// The name written to files and JSON: `ok` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Ok => "ok",
            CellStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for CellStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CellStatus {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ok" => Ok(CellStatus::Ok),
            "failed" => Ok(CellStatus::Failed),
            _ => Err(DataError::UnknownCellStatus {
                given: s.to_string(),
            }),
        }
    }
}

/// One executed cell, with JUmPER's cell-history columns plus its status.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CellRecord {
    /// Position in the history, from 0.
    pub cell_index: usize,
    /// The source as typed.
    pub raw_cell: String,
    /// Monotonic start, seconds.
    pub start_time: f64,
    /// Monotonic end, seconds.
    pub end_time: f64,
    /// `end_time - start_time`.
    pub duration: f64,
    /// Epoch start.
    pub wallclock_start_time: f64,
    /// Epoch end.
    pub wallclock_end_time: f64,
    /// The JUmPER commands of the cell, as `"name args"` without `%`.
    pub cell_magics: Vec<String>,
    /// How the cell ended.
    #[serde(default)]
    pub status: CellStatus,
    /// The error of a failed cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A cell that has started and not yet ended.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCell {
    record: CellRecord,
}

/// The cells run so far, in order. Only completed cells are addressable by ranges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellHistory {
    cells: Vec<CellRecord>,
    running: Option<OpenCell>,
}

impl CellHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// A history made of completed records (e.g. read from a file); indices are kept.
    pub fn from_records(cells: Vec<CellRecord>) -> Self {
        CellHistory {
            cells,
            running: None,
        }
    }

    /// Starts a cell and returns its index. A cell still open is closed first, as failed.
    pub fn begin(&mut self, raw_cell: &str, cell_magics: Vec<String>, t: f64, wall: f64) -> usize {
        if self.running.is_some() {
            self.end(
                t,
                wall,
                CellStatus::Failed,
                Some("interrupted by the next cell".into()),
            );
        }
        let index = self.next_index();
        self.running = Some(OpenCell {
            record: CellRecord {
                cell_index: index,
                raw_cell: raw_cell.to_string(),
                start_time: t,
                end_time: t,
                duration: 0.0,
                wallclock_start_time: wall,
                wallclock_end_time: wall,
                cell_magics,
                status: CellStatus::Ok,
                error: None,
            },
        });
        index
    }

    /// Ends the running cell; returns its record, or None if no cell was running.
    pub fn end(
        &mut self,
        t: f64,
        wall: f64,
        status: CellStatus,
        error: Option<String>,
    ) -> Option<&CellRecord> {
        let mut rec = self.running.take()?.record;
        rec.end_time = t.max(rec.start_time);
        rec.duration = rec.end_time - rec.start_time;
        rec.wallclock_end_time = wall;
        rec.status = status;
        rec.error = error;
        self.cells.push(rec);
        self.cells.last()
    }

    /// Replaces the completed cells (e.g. with an imported session's, indices kept). A running
    /// cell stays open and is renumbered to follow them.
    pub fn replace_completed(&mut self, cells: Vec<CellRecord>) {
        self.cells = cells;
        let next = self.next_index();
        if let Some(open) = self.running.as_mut() {
            open.record.cell_index = next;
        }
    }

    /// The index the next cell will get.
    pub fn next_index(&self) -> usize {
        self.cells.last().map_or(0, |c| c.cell_index + 1)
    }

    /// The running cell, if any.
    pub fn running(&self) -> Option<&CellRecord> {
        self.running.as_ref().map(|o| &o.record)
    }

    /// Completed cells.
    pub fn cells(&self) -> &[CellRecord] {
        &self.cells
    }

    /// Number of completed cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell completed yet.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The completed cells a range selects.
    pub fn select(&self, range: &CellRange) -> Result<&[CellRecord], DataError> {
        let (a, b) = range.resolve(self.cells.len())?;
        Ok(&self.cells[a..=b])
    }

    /// The index of the cell whose `[start, end]` contains `t`, if any.
    pub fn cell_at(&self, t: f64) -> Option<usize> {
        // Cells are ordered and do not overlap: binary search on start times.
        let pos = self.cells.partition_point(|c| c.start_time <= t);
        let c = self.cells.get(pos.checked_sub(1)?)?;
        (t <= c.end_time).then_some(c.cell_index)
    }
}

/// A cell range as typed: `N`, `A:B`, `:B`, `A:` or `:` — inclusive; negative indices count
/// from the end (`-1` is the last completed cell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRange {
    start: Option<i64>,
    end: Option<i64>,
    text: String,
}

impl CellRange {
    /// Every completed cell.
    pub fn all() -> Self {
        CellRange {
            start: None,
            end: None,
            text: ":".into(),
        }
    }

    /// The range as typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Parses `N`, `A:B`, `:B`, `A:` or `:`.
    pub fn parse(s: &str) -> Result<Self, DataError> {
        let t = s.trim();
        let num = |x: &str| -> Result<Option<i64>, DataError> {
            let x = x.trim();
            if x.is_empty() {
                return Ok(None);
            }
            x.parse::<i64>()
                .map(Some)
                .map_err(|_| DataError::BadRange(s.to_string()))
        };
        let (start, end) = match t.split_once(':') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(t)?.ok_or_else(|| DataError::BadRange(s.to_string()))?;
                (Some(n), Some(n))
            }
        };
        Ok(CellRange {
            start,
            end,
            text: t.to_string(),
        })
    }

    /// Resolves against `n` completed cells to inclusive positions `(a, b)`.
    pub fn resolve(&self, n: usize) -> Result<(usize, usize), DataError> {
        if n == 0 {
            return Err(DataError::NoCells);
        }
        let oob = |detail: String| DataError::RangeOutOfBounds {
            range: self.text.clone(),
            detail,
        };
        let ni = n as i64;
        let abs = |i: i64| if i < 0 { ni + i } else { i };
        let a = self.start.map_or(0, abs);
        let b = self.end.map_or(ni - 1, abs);
        let valid = format!("{n} cells recorded, valid indices 0..{} or -{n}..-1", n - 1);
        if a < 0 || a >= ni || b < 0 || b >= ni {
            return Err(oob(valid));
        }
        if a > b {
            return Err(oob(format!("start {a} is after end {b}")));
        }
        Ok((a as usize, b as usize))
    }
}

impl std::str::FromStr for CellRange {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CellRange::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str, n: usize) -> Result<(usize, usize), DataError> {
        CellRange::parse(s)?.resolve(n)
    }

    #[test]
    fn ranges_follow_jumper_and_allow_negative() {
        assert_eq!(r("3", 10).unwrap(), (3, 3));
        assert_eq!(r("2:5", 10).unwrap(), (2, 5));
        assert_eq!(r(":5", 10).unwrap(), (0, 5));
        assert_eq!(r("7:", 10).unwrap(), (7, 9));
        assert_eq!(r(":", 10).unwrap(), (0, 9));
        assert_eq!(r("-3:", 10).unwrap(), (7, 9));
        assert_eq!(r("-1", 10).unwrap(), (9, 9));
        assert_eq!(r("-4:-2", 10).unwrap(), (6, 8));
        assert!(matches!(
            r("9:2", 10),
            Err(DataError::RangeOutOfBounds { .. })
        ));
        assert!(matches!(
            r("10", 10),
            Err(DataError::RangeOutOfBounds { .. })
        ));
        assert!(matches!(
            r("-11:", 10),
            Err(DataError::RangeOutOfBounds { .. })
        ));
        assert!(matches!(r("a:b", 10), Err(DataError::BadRange(_))));
        assert!(matches!(r("", 10), Err(DataError::BadRange(_))));
        assert!(matches!(r("1", 0), Err(DataError::NoCells)));
        let msg = r("9:2", 10).unwrap_err().to_string();
        assert_eq!(
            msg,
            "cell range '9:2' is out of bounds: start 9 is after end 2"
        );
    }

    #[test]
    fn cell_status_names_round_trip() {
        for s in [CellStatus::Ok, CellStatus::Failed] {
            assert_eq!(s.as_str().parse::<CellStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_str())
            );
        }
        assert_eq!(
            " Failed ".parse::<CellStatus>().unwrap(),
            CellStatus::Failed
        );
        let e = "done".parse::<CellStatus>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown cell status 'done'; valid: ok, failed"
        );
    }

    #[test]
    fn history_numbers_cells_and_maps_times() {
        let mut h = CellHistory::new();
        assert_eq!(h.begin("a", vec![], 1.0, 100.0), 0);
        assert!(h.running().is_some());
        h.end(2.0, 101.0, CellStatus::Ok, None);
        assert_eq!(
            h.begin("b", vec!["perfmonitor_start 0.1".into()], 3.0, 102.0),
            1
        );
        let rec = h
            .end(3.5, 102.5, CellStatus::Failed, Some("boom".into()))
            .unwrap();
        assert_eq!(rec.duration, 0.5);
        assert_eq!(h.len(), 2);
        assert_eq!(h.cell_at(1.5), Some(0));
        assert_eq!(h.cell_at(2.5), None);
        assert_eq!(h.cell_at(3.5), Some(1));
        assert_eq!(h.cell_at(0.5), None);
        assert_eq!(
            h.select(&CellRange::parse("-1").unwrap()).unwrap()[0].raw_cell,
            "b"
        );
    }
}
