//! The widgets, one per file. Each draws plain [`crate::Snapshot`] data into an area and
//! says how many lines it needs; none reads the store or computes a metric.

pub mod banner;
pub mod cells;
pub mod footer;
pub mod gauges;
pub mod header;
pub mod help;
pub mod output;
pub mod processes;
pub mod table;
pub mod too_small;

use ratatui::text::{Line, Span};

/// Joins parts with a dim " │ " while they fit in `width` columns (later parts are dropped
/// first: they are ordered by priority).
pub(crate) fn fit_parts<'a>(
    parts: Vec<Vec<Span<'a>>>,
    width: usize,
    sep: ratatui::style::Style,
) -> Line<'a> {
    let mut spans: Vec<Span<'a>> = Vec::new();
    let mut used = 0usize;
    for (i, p) in parts.into_iter().enumerate() {
        let w: usize = p.iter().map(|s| s.content.chars().count()).sum();
        let extra = if i == 0 { 0 } else { 3 };
        if used + extra + w > width {
            break;
        }
        if i > 0 {
            spans.push(Span::styled(" │ ", sep));
        }
        used += extra + w;
        spans.extend(p);
    }
    Line::from(spans)
}
