//! The cells table: index, status, duration, CPU average, CPU time, peak memory, I/O, tags
//! and the cell's first line; the running cell's row updates live.

use ratatui::layout::Rect;
use ratatui::Frame;

use crate::format;
use crate::snapshot::{CellRow, RowStatus};
use crate::theme::Theme;
use crate::widgets::table::{self, Column, TableRow};

/// The columns, in order, with the table widths they need.
pub const COLUMNS: [Column; 9] = [
    Column {
        title: "cell",
        width: 5,
        min_table_width: 0,
        right: true,
    },
    Column {
        title: "status",
        width: 7,
        min_table_width: 0,
        right: false,
    },
    Column {
        title: "time",
        width: 7,
        min_table_width: 0,
        right: true,
    },
    Column {
        title: "cpu%",
        width: 6,
        min_table_width: 0,
        right: true,
    },
    Column {
        title: "cpu s",
        width: 7,
        min_table_width: 60,
        right: true,
    },
    Column {
        title: "peak mem",
        width: 8,
        min_table_width: 70,
        right: true,
    },
    Column {
        title: "io r/w MiB",
        width: 13,
        min_table_width: 84,
        right: true,
    },
    Column {
        title: "tags",
        width: 16,
        min_table_width: 100,
        right: false,
    },
    Column {
        title: "code",
        width: 0,
        min_table_width: 50,
        right: false,
    },
];

/// Column of each sort key of [`crate::state::CELL_SORTS`].
const SORT_COLUMN: [usize; 7] = [0, 2, 3, 4, 5, 6, 1];

/// The text of one row, every column.
pub fn row_text(c: &CellRow) -> Vec<String> {
    let m = c.metrics.as_ref();
    let num = |f: &dyn Fn(&jumper_core::CellMetrics) -> String| m.map_or("-".to_string(), f);
    vec![
        c.index.to_string(),
        c.status.as_str().to_string(),
        format::seconds(c.duration_s),
        num(&|x| format!("{:.1}", x.cpu_util_avg)),
        num(&|x| format!("{:.2}", x.cpu_time_s)),
        num(&|x| format::gib(x.memory_peak_gib)),
        num(&|x| format!("{:.1}/{:.1}", x.io_read_mib, x.io_write_mib)),
        c.tags.join(","),
        c.title.clone(),
    ]
}

/// Draws the cells table; returns the rows that fit.
pub fn render(
    f: &mut Frame,
    area: Rect,
    rows: &[&CellRow],
    sort: usize,
    scroll: &mut usize,
    t: Theme,
) -> usize {
    let row_at = |i: usize| -> TableRow {
        let c = rows[i];
        let style = match c.status {
            RowStatus::Running => t.warn(),
            RowStatus::Done(jumper_core::CellStatus::Failed) => t.bad(),
            RowStatus::Done(_) => ratatui::style::Style::new(),
        };
        (row_text(c), style)
    };
    let sorted = SORT_COLUMN.get(sort).copied();
    let rows = table::Rows {
        count: rows.len(),
        at: &row_at,
    };
    table::render(f, area, &COLUMNS, rows, sorted, scroll, t)
}
