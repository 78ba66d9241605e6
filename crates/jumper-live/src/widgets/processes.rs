//! The processes table of the monitored tree: pid, CPU %, CPU time, RSS, I/O rates, age,
//! command.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::Frame;

use crate::format;
use crate::theme::Theme;
use crate::widgets::table::{self, Column, TableRow};
use jumper_core::tree::ProcessRow;

/// The columns, in order, with the table widths they need.
pub const COLUMNS: [Column; 7] = [
    Column {
        title: "pid",
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
        width: 8,
        min_table_width: 64,
        right: true,
    },
    Column {
        title: "rss",
        width: 7,
        min_table_width: 0,
        right: true,
    },
    Column {
        title: "io r/w",
        width: 17,
        min_table_width: 86,
        right: true,
    },
    Column {
        title: "age",
        width: 8,
        min_table_width: 74,
        right: true,
    },
    Column {
        title: "command",
        width: 0,
        min_table_width: 0,
        right: false,
    },
];

/// Column of each sort key of [`crate::state::PROCESS_SORTS`].
const SORT_COLUMN: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// The text of one row, every column.
pub fn row_text(p: &ProcessRow) -> Vec<String> {
    let io = match (p.read_bps, p.write_bps) {
        (Some(r), Some(w)) => format!("{} {}", format::bytes(r), format::rate(w)),
        _ => "-".into(),
    };
    vec![
        p.pid.to_string(),
        format!("{:.1}", p.cpu_pct),
        format!("{:.2}", p.cpu_s),
        format::bytes(p.rss_bytes as f64),
        io,
        format::uptime(p.age_s),
        p.command.clone(),
    ]
}

/// Draws the processes table; returns the rows that fit.
pub fn render(
    f: &mut Frame,
    area: Rect,
    rows: &[&ProcessRow],
    sort: usize,
    scroll: &mut usize,
    t: Theme,
) -> usize {
    let row_at = |i: usize| -> TableRow { (row_text(rows[i]), Style::new()) };
    let sorted = SORT_COLUMN.get(sort).copied();
    let rows = table::Rows {
        count: rows.len(),
        at: &row_at,
    };
    table::render(f, area, &COLUMNS, rows, sorted, scroll, t)
}
