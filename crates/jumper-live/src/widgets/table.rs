//! A table with columns that drop by priority as the width shrinks, a sort marker and
//! scrolling (shared by the cells and processes tables).

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use crate::theme::Theme;

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header text.
    pub title: &'static str,
    /// Width in cells; 0: takes the rest (at least 8).
    pub width: u16,
    /// Shown only when the table is at least this wide (CPython's width thresholds).
    pub min_table_width: u16,
    /// Right-aligned (numbers).
    pub right: bool,
}

/// A row: one string per column (all columns), and a style.
pub type TableRow = (Vec<String>, Style);

/// The rows of a table: how many, and how to make one (only those on screen are made).
pub struct Rows<'a> {
    /// Number of rows.
    pub count: usize,
    /// Makes row `i`.
    pub at: &'a dyn Fn(usize) -> TableRow,
}

/// The columns shown at `width`.
pub fn shown(columns: &[Column], width: u16) -> Vec<usize> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| width >= c.min_table_width)
        .map(|(i, _)| i)
        .collect()
}

/// Draws the table of `rows`, of which only those on screen are made; `sorted`
/// is the column (index into `columns`) the rows are sorted by. Returns the number of rows
/// that fit and clamps `scroll` to what can be shown.
pub fn render(
    f: &mut Frame,
    area: Rect,
    columns: &[Column],
    rows: Rows<'_>,
    sorted: Option<usize>,
    scroll: &mut usize,
    t: Theme,
) -> usize {
    let show = shown(columns, area.width);
    let page = area.height.saturating_sub(1) as usize;
    *scroll = (*scroll).min(rows.count.saturating_sub(page));
    let header = Row::new(show.iter().map(|&i| {
        let c = &columns[i];
        let title = if Some(i) == sorted {
            format!("{}▼", c.title)
        } else {
            c.title.to_string()
        };
        let style = if Some(i) == sorted {
            t.sorted()
        } else {
            t.header()
        };
        let line = if c.right {
            Line::from(title).right_aligned()
        } else {
            Line::from(title)
        };
        Cell::from(line).style(style)
    }))
    .style(t.header());
    let visible: Vec<TableRow> = (*scroll..rows.count.min(*scroll + page))
        .map(rows.at)
        .collect();
    let body = visible.iter().map(|(cells, style)| {
        Row::new(show.iter().map(|&i| {
            let text = cells.get(i).cloned().unwrap_or_default();
            if columns[i].right {
                Cell::from(Line::from(text).right_aligned())
            } else {
                Cell::from(text)
            }
        }))
        .style(*style)
    });
    let widths: Vec<Constraint> = show
        .iter()
        .map(|&i| match columns[i].width {
            0 => Constraint::Min(8),
            w => Constraint::Length(w),
        })
        .collect();
    f.render_widget(
        Table::new(body, widths).header(header).column_spacing(1),
        area,
    );
    page
}
