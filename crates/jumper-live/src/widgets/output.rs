//! The output pane: the last lines of the command's output (all of it is in the file).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;
use crate::theme::Theme;

/// Draws the pane: a title line naming the file, then as many last lines as fit.
pub fn render(f: &mut Frame, area: Rect, lines: &[String], file: Option<&str>, t: Theme) {
    let w = area.width as usize;
    let title = match file {
        Some(p) => format!("─ output (all of it in {p}) "),
        None => "─ output ".to_string(),
    };
    let title = format!(
        "{title}{}",
        "─".repeat(w.saturating_sub(title.chars().count()))
    );
    let mut out = vec![Line::from(Span::styled(format::fit(&title, w), t.dim()))];
    let room = area.height.saturating_sub(1) as usize;
    let from = lines.len().saturating_sub(room);
    out.extend(lines[from..].iter().map(|l| Line::from(format::fit(l, w))));
    f.render_widget(Paragraph::new(out), area);
}
