//! The help overlay (`h` or `?`): every key, grouped.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::theme::Theme;

/// The key list, grouped.
pub const KEYS: [(&str, &[(&str, &str)]); 3] = [
    (
        "Navigation & display",
        &[
            ("tab", "switch table (cells / processes)"),
            ("s / S", "next / previous sort column"),
            ("↑ ↓ PgUp PgDn Home End", "scroll"),
            ("l", "cycle the level shown"),
            ("+ / -", "display refresh rate (1-30 Hz)"),
        ],
    ),
    (
        "Control",
        &[
            ("p", "pause the display (sampling goes on)"),
            ("r", "reset peaks and trends"),
            ("q", "close the view (the work goes on)"),
            ("Ctrl-C", "close the view and interrupt the work"),
        ],
    ),
    (
        "Filtering",
        &[
            ("/", "filter rows (Enter applies, Esc cancels)"),
            ("Esc", "clear the filter"),
        ],
    ),
];

/// Draws the overlay in the middle of `area`.
pub fn render(f: &mut Frame, area: Rect, t: Theme) {
    let mut lines = vec![Line::from(Span::styled("Interactive commands", t.title()))];
    for (group, keys) in KEYS {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(group, t.warn())));
        for (k, what) in keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<24}"), t.value()),
                Span::raw(*what),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "any key closes this help",
        t.dim(),
    )));
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 68.min(area.width);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" help ")),
        r,
    );
}
