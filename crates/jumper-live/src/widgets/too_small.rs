//! Below the minimum size: one clear message instead of a broken layout.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;

/// The message for a terminal of `w`×`h` below `min_w`×`min_h`.
pub fn message(w: u16, h: u16, min_w: u16, min_h: u16) -> String {
    format!("terminal too small (need {min_w}×{min_h}, have {w}×{h})")
}

/// Draws the message in the middle of `area` (wrapped to its width).
pub fn render(f: &mut Frame, area: Rect, min_w: u16, min_h: u16) {
    let msg = message(area.width, area.height, min_w, min_h);
    let w = area.width.max(1) as usize;
    // One line where it fits, else cut between the words.
    let mut lines: Vec<Line> = Vec::new();
    let mut cur = String::new();
    for word in msg.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > w {
            lines.push(Line::from(std::mem::take(&mut cur)));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(Line::from(cur));
    lines.push(Line::from(format::fit("resize, or press q", w)));
    let n = (lines.len() as u16).min(area.height);
    let y = area.y + (area.height - n) / 2;
    f.render_widget(
        Paragraph::new(lines).centered(),
        Rect {
            x: area.x,
            y,
            width: area.width,
            height: n,
        },
    );
}
