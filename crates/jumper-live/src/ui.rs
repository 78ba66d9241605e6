//! The layout: widgets top to bottom — header, finished banner, level gauges, table tabs,
//! the table, the output pane, the footer — and the help overlay on top.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::snapshot::Snapshot;
use crate::state::{Tab, ViewState};
use crate::theme::Theme;
use crate::widgets::{banner, cells, footer, gauges, header, help, output, processes, too_small};

/// Narrowest terminal the view draws in.
pub const MIN_WIDTH: u16 = 60;
/// Lowest terminal the view draws in.
pub const MIN_HEIGHT: u16 = 16;

/// Draws one frame of `snap` as `state` says.
pub fn draw(f: &mut Frame, snap: &Snapshot, state: &mut ViewState) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small::render(f, area, MIN_WIDTH, MIN_HEIGHT);
        return;
    }
    let t = Theme { color: state.color };
    let mut y = area.y;
    let bottom = area.y + area.height;
    let take = |h: u16, y: &mut u16| -> Rect {
        let h = h.min(bottom.saturating_sub(*y + footer::HEIGHT));
        let r = Rect {
            x: area.x,
            y: *y,
            width: area.width,
            height: h,
        };
        *y += h;
        r
    };
    let r = take(header::HEIGHT, &mut y);
    header::render(f, r, &snap.header, state.refresh_hz, state.paused, t);
    if let Some(why) = &snap.finished {
        let r = take(banner::HEIGHT, &mut y);
        banner::render(f, r, why, t);
    }
    let selected = state.level % snap.levels.len().max(1);
    let r = take(gauges::height(snap.levels.len().max(1)), &mut y);
    gauges::render(f, r, &snap.levels, selected, t);
    let r = take(1, &mut y);
    tabs(f, r, snap, state, t);
    let left = bottom.saturating_sub(y + footer::HEIGHT);
    let pane = if snap.output_file.is_none() {
        0
    } else if left >= 16 {
        7
    } else if left >= 9 {
        3
    } else {
        0
    };
    let r = take(left - pane, &mut y);
    state.page = match state.tab {
        Tab::Cells => {
            let rows = state.cell_rows(snap);
            cells::render(f, r, &rows, state.cell_sort, &mut state.scroll, t)
        }
        Tab::Processes => {
            let rows = state.process_rows(snap);
            processes::render(f, r, &rows, state.process_sort, &mut state.scroll, t)
        }
    };
    if pane > 0 {
        let r = take(pane, &mut y);
        output::render(f, r, &snap.output, snap.output_file.as_deref(), t);
    }
    let r = Rect {
        x: area.x,
        y: bottom - footer::HEIGHT,
        width: area.width,
        height: footer::HEIGHT,
    };
    footer::render(f, r, state, snap.finished.is_some(), t);
    if state.help {
        help::render(f, area, t);
    }
}

fn tabs(f: &mut Frame, r: Rect, snap: &Snapshot, state: &ViewState, t: Theme) {
    let style = |on: bool| if on { t.banner() } else { t.dim() };
    let cells_at = snap
        .cells_level
        .map(|l| format!(" at {} level", l.as_str()))
        .unwrap_or_default();
    let line = Line::from(vec![
        Span::styled(
            format!(" Cells ({}) ", snap.cells.len()),
            style(state.tab == Tab::Cells),
        ),
        Span::raw(" "),
        Span::styled(
            format!(" Processes ({}) ", snap.processes.len()),
            style(state.tab == Tab::Processes),
        ),
        Span::styled(cells_at, t.dim()),
    ]);
    f.render_widget(Paragraph::new(line), r);
}
