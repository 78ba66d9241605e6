//! Which cells a plot shows, and where each sample and cell lands on the time axis.

use jumper_data::{CellRange, CellRecord, DataError, PerfFrame, Window};
use serde::Serialize;

use crate::VizError;

/// A cell as drawn: its shaded span on the x axis, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CellSpan {
    /// The cell's index in the history.
    pub cell_index: usize,
    /// Where the span starts on the x axis.
    pub x_start: f64,
    /// Where the span ends on the x axis.
    pub x_end: f64,
}

/// The positions (not indices) of JUmPER's default selection: from the last cell that lasted
/// longer than the sampling interval to the last cell. When no cell did, the last cell alone.
/// `None` when there is no cell.
pub fn default_positions(cells: &[CellRecord], interval: f64) -> Option<(usize, usize)> {
    let last = cells.len().checked_sub(1)?;
    let first = cells
        .iter()
        .rposition(|c| c.duration > interval)
        .unwrap_or(last);
    Some((first, last))
}

/// The cells a plot shows: `range` resolved against `cells` (all completed cells, in order),
/// or JUmPER's default ([`default_positions`]) when no range is given.
pub fn select_cells<'a>(
    cells: &'a [CellRecord],
    range: Option<&CellRange>,
    interval: f64,
) -> Result<&'a [CellRecord], VizError> {
    let (a, b) = match range {
        Some(r) => r.resolve(cells.len())?,
        None => default_positions(cells, interval).ok_or(DataError::NoCells)?,
    };
    Ok(&cells[a..=b])
}

/// The selected cells in words: `cells 3-5` for a run, `cell 2` for one cell.
pub(crate) fn cells_label(cells: &[CellRecord]) -> String {
    match (cells.first(), cells.last()) {
        (Some(a), Some(b)) if a.cell_index != b.cell_index => {
            format!("cells {}-{}", a.cell_index, b.cell_index)
        }
        (Some(a), _) => format!("cell {}", a.cell_index),
        _ => "no cell".into(),
    }
}

/// The samples of a selection and their x positions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline {
    /// Indices into the frame's rows, in drawing order.
    pub rows: Vec<usize>,
    /// The x of each of those rows (seconds).
    pub xs: Vec<f64>,
    /// One span per selected cell.
    pub spans: Vec<CellSpan>,
    /// The end of the x axis (its start is 0).
    pub x_end: f64,
}

impl Timeline {
    /// Every sample in `w` at its seconds since `w.start`, and the cells overlapping `w`,
    /// clipped to it.
    pub fn window(frame: &PerfFrame, cells: &[CellRecord], w: Window) -> Timeline {
        let base = frame.rows.partition_point(|r| r.time < w.start);
        let (rows, xs) = frame
            .rows_in(w)
            .iter()
            .enumerate()
            .map(|(i, r)| (base + i, r.time - w.start))
            .unzip();
        let spans = cells
            .iter()
            .filter(|c| c.end_time >= w.start && c.start_time <= w.end)
            .map(|c| CellSpan {
                cell_index: c.cell_index,
                x_start: c.start_time.max(w.start) - w.start,
                x_end: c.end_time.min(w.end) - w.start,
            })
            .collect();
        Timeline {
            rows,
            xs,
            spans,
            x_end: (w.end - w.start).max(0.0),
        }
    }

    /// Lays the selected cells out on the x axis.
    ///
    /// `show_idle = false`: only samples inside the cells, the cells end to end from 0. A
    /// row describes the interval that ends at it, so a row exactly at a cell's start belongs
    /// to the time before it and is left out (unless it is the cell's only row).
    /// `show_idle = true`: every sample from the first cell's start to the last cell's end,
    /// at its seconds since the first cell's start.
    pub fn new(frame: &PerfFrame, cells: &[CellRecord], show_idle: bool) -> Timeline {
        let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
            return Timeline {
                rows: Vec::new(),
                xs: Vec::new(),
                spans: Vec::new(),
                x_end: 0.0,
            };
        };
        let offset_of = |w: Window| frame.rows.partition_point(|r| r.time < w.start);
        let mut rows = Vec::new();
        let mut xs = Vec::new();
        let mut spans = Vec::with_capacity(cells.len());
        let x_end = if show_idle {
            let origin = first.start_time;
            let w = Window {
                start: first.start_time,
                end: last.end_time,
            };
            let base = offset_of(w);
            for (i, r) in frame.rows_in(w).iter().enumerate() {
                rows.push(base + i);
                xs.push(r.time - origin);
            }
            for c in cells {
                spans.push(CellSpan {
                    cell_index: c.cell_index,
                    x_start: c.start_time - origin,
                    x_end: c.end_time - origin,
                });
            }
            last.end_time - origin
        } else {
            let mut offset = 0.0;
            for c in cells {
                let w = Window {
                    start: c.start_time,
                    end: c.end_time,
                };
                let in_cell = frame.rows_in(w);
                let skip = if in_cell.iter().any(|r| r.time > c.start_time) {
                    in_cell.partition_point(|r| r.time <= c.start_time)
                } else {
                    0
                };
                let base = offset_of(w);
                for (i, r) in in_cell.iter().enumerate().skip(skip) {
                    rows.push(base + i);
                    xs.push(offset + (r.time - c.start_time));
                }
                let len = (c.end_time - c.start_time).max(0.0);
                spans.push(CellSpan {
                    cell_index: c.cell_index,
                    x_start: offset,
                    x_end: offset + len,
                });
                offset += len;
            }
            offset
        };
        Timeline {
            rows,
            xs,
            spans,
            x_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use jumper_data::{Level, PerfRow};

    use super::*;

    fn cell(i: usize, a: f64, b: f64) -> CellRecord {
        CellRecord {
            cell_index: i,
            start_time: a,
            end_time: b,
            duration: b - a,
            ..Default::default()
        }
    }

    fn frame(times: &[f64]) -> PerfFrame {
        PerfFrame {
            level: Level::Process,
            num_cpus: 1,
            num_gpus: 0,
            rows: times
                .iter()
                .map(|&t| PerfRow {
                    time: t,
                    ..Default::default()
                })
                .collect(),
        }
    }

    #[test]
    fn default_range_is_jumpers() {
        let cells = [
            cell(0, 0.0, 5.0),
            cell(1, 6.0, 9.0),
            cell(2, 9.0, 9.05),
            cell(3, 10.0, 10.02),
        ];
        assert_eq!(default_positions(&cells, 0.1), Some((1, 3)));
        assert_eq!(default_positions(&cells[2..], 0.1), Some((1, 1)));
        assert_eq!(default_positions(&[], 0.1), None);
        let sel = select_cells(&cells, None, 0.1).unwrap();
        assert_eq!(sel.len(), 3);
        let sel = select_cells(&cells, Some(&CellRange::parse("0:1").unwrap()), 0.1).unwrap();
        assert_eq!(cells_label(sel), "cells 0-1");
        assert_eq!(cells_label(&cells[2..3]), "cell 2");
        assert!(matches!(
            select_cells(&[], None, 0.1),
            Err(VizError::Range(DataError::NoCells))
        ));
        assert!(select_cells(&cells, Some(&CellRange::parse("7").unwrap()), 0.1).is_err());
    }

    #[test]
    fn idle_hidden_lays_cells_end_to_end() {
        // Cells [1, 3] and [10, 11]; rows every second from 0 to 12.
        let f = frame(&(0..=12).map(f64::from).collect::<Vec<_>>());
        let cells = [cell(4, 1.0, 3.0), cell(5, 10.0, 11.0)];
        let t = Timeline::new(&f, &cells, false);
        // Rows at 1 and 10 sit on cell starts and describe idle time before them.
        assert_eq!(t.rows, [2, 3, 11]);
        assert_eq!(t.xs, [1.0, 2.0, 3.0]);
        assert_eq!(t.x_end, 3.0);
        assert_eq!(t.spans[1].x_start, 2.0);
        assert_eq!(t.spans[1].x_end, 3.0);
    }

    #[test]
    fn idle_shown_keeps_the_gap() {
        let f = frame(&(0..=12).map(f64::from).collect::<Vec<_>>());
        let cells = [cell(4, 1.0, 3.0), cell(5, 10.0, 11.0)];
        let t = Timeline::new(&f, &cells, true);
        assert_eq!(t.rows, (1..=11).collect::<Vec<_>>());
        assert_eq!(t.xs.first(), Some(&0.0));
        assert_eq!(t.xs.last(), Some(&10.0));
        assert_eq!(t.x_end, 10.0);
        assert_eq!(t.spans[1].x_start, 9.0);
    }

    #[test]
    fn a_window_keeps_idle_time_and_clips_cells() {
        let f = frame(&(0..=12).map(f64::from).collect::<Vec<_>>());
        let cells = [cell(4, 1.0, 3.0), cell(5, 5.0, 11.0), cell(6, 11.5, 12.0)];
        let t = Timeline::window(
            &f,
            &cells,
            Window {
                start: 6.0,
                end: 11.2,
            },
        );
        assert_eq!(t.rows, [6, 7, 8, 9, 10, 11]);
        assert_eq!(t.xs[0], 0.0);
        assert!((t.x_end - 5.2).abs() < 1e-9);
        assert_eq!(t.spans.len(), 1);
        assert_eq!((t.spans[0].cell_index, t.spans[0].x_start), (5, 0.0));
        assert!((t.spans[0].x_end - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_cell_with_only_its_start_row_keeps_it() {
        let f = frame(&[0.0, 5.0]);
        let cells = [cell(0, 5.0, 5.0)];
        let t = Timeline::new(&f, &cells, false);
        assert_eq!(t.rows, [1]);
        assert_eq!(t.x_end, 0.0);
    }
}
