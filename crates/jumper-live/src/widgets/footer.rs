//! The footer: the key legend, and the status line (sort, filter, pause) or the filter
//! prompt while it is typed.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;
use crate::state::{Tab, ViewState};
use crate::theme::Theme;

/// Lines the footer takes.
pub const HEIGHT: u16 = 2;

/// Draws the footer.
pub fn render(f: &mut Frame, area: Rect, state: &ViewState, finished: bool, t: Theme) {
    let w = area.width as usize;
    let legend =
        "q quit  tab table  s/S sort  p pause  r reset  / filter  l level  +/- rate  h help";
    let first = Line::from(Span::styled(format::fit(legend, w), t.dim()));
    let second = if let Some(buf) = &state.typing {
        Line::from(Span::styled(
            format::fit(&format!("Filter: {buf}_"), w),
            t.banner(),
        ))
    } else {
        let mut parts = Vec::new();
        if finished {
            parts.push("[FINISHED - press q to quit]".to_string());
        }
        if state.paused {
            parts.push("[PAUSED]".to_string());
        }
        if let Some(flt) = &state.filter {
            parts.push(format!("[Filter: {flt} (Esc clears)]"));
        }
        let tab = match state.tab {
            Tab::Cells => "cells",
            Tab::Processes => "processes",
        };
        parts.push(format!("Table: {tab} | Sort: {}", state.sort_name()));
        let style = if finished || state.paused {
            t.warn()
        } else {
            ratatui::style::Style::new()
        };
        Line::from(Span::styled(format::fit(&parts.join(" "), w), style))
    };
    f.render_widget(Paragraph::new(vec![first, second]), area);
}
