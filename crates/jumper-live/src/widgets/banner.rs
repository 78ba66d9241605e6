//! The finished banner: the work has ended, the final numbers stay until `q`.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;
use crate::theme::Theme;

/// Lines the banner takes.
pub const HEIGHT: u16 = 1;

/// Draws the banner across `area`.
pub fn render(f: &mut Frame, area: Rect, why: &str, t: Theme) {
    let text = format!("✓ FINISHED ({why}) - final numbers below - press q to quit");
    let w = area.width as usize;
    let text = format::fit(&text, w);
    let pad = w.saturating_sub(text.chars().count());
    let line = Line::from(Span::styled(
        format!("{text}{}", " ".repeat(pad)),
        t.banner(),
    ));
    f.render_widget(Paragraph::new(line), area);
}
