//! The header: what is watched, for how long, at what rates, and what watching costs.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;
use crate::snapshot::HeaderInfo;
use crate::theme::Theme;
use crate::widgets::fit_parts;

/// Lines the header takes.
pub const HEIGHT: u16 = 3;

/// Draws the header.
pub fn render(f: &mut Frame, area: Rect, h: &HeaderInfo, refresh_hz: u32, paused: bool, t: Theme) {
    let w = area.width as usize;
    let title = Line::from(vec![
        Span::styled("jumper live", t.title()),
        Span::styled(format!(" · {} · ", h.mode.as_str()), t.dim()),
        // One line: a command's own newlines (python3 -c '...') become spaces.
        Span::raw(format::fit(
            &h.target.replace(|c: char| c.is_control(), " "),
            w.saturating_sub(22),
        )),
    ]);
    let pid = match h.pid {
        Some(p) if p != 0 => p.to_string(),
        _ => "-".into(),
    };
    let levels: Vec<&str> = h.levels.iter().map(|l| l.as_str()).collect();
    let info = fit_parts(
        vec![
            vec![Span::styled("PID ", t.dim()), Span::styled(pid, t.value())],
            vec![
                Span::styled("Uptime ", t.dim()),
                Span::styled(format::uptime(h.uptime_s), t.good()),
            ],
            vec![
                Span::styled("Time ", t.dim()),
                Span::styled(
                    if h.clock.is_empty() {
                        format!("{} UTC", format::clock(h.wallclock))
                    } else {
                        h.clock.clone()
                    },
                    t.warn(),
                ),
            ],
            vec![
                Span::styled("Interval ", t.dim()),
                Span::styled(format!("{}s", h.interval_s), t.value()),
            ],
            vec![
                Span::styled("Display ", t.dim()),
                Span::styled(format!("{refresh_hz}Hz"), t.value()),
            ],
            vec![
                Span::styled("Levels ", t.dim()),
                Span::raw(levels.join(",")),
            ],
            vec![
                Span::styled("GPUs ", t.dim()),
                Span::raw(h.gpus.to_string()),
            ],
        ],
        w,
        t.dim(),
    );
    let cost = h.cost_pct();
    let mut third = vec![
        vec![
            Span::styled("Samples ", t.dim()),
            Span::styled(h.samples.to_string(), t.value()),
        ],
        vec![
            Span::styled("missed ", t.dim()),
            Span::styled(
                h.missed.to_string(),
                if h.missed > 0 { t.bad() } else { t.good() },
            ),
        ],
        vec![
            Span::styled("cost ", t.dim()),
            // The bar spans 0-5 % of a core: a sampler costing more than that is news.
            Span::styled(format::bar(cost / 5.0, 10), t.good()),
            Span::raw(format!(" {cost:.2}% of a core")),
        ],
    ];
    if paused {
        third.insert(0, vec![Span::styled("[PAUSED]", t.warn())]);
    }
    if !h.monitoring && h.samples > 0 {
        third.push(vec![Span::styled("sampling stopped", t.dim())]);
    }
    let third = fit_parts(third, w, t.dim());
    f.render_widget(Paragraph::new(vec![title, info, third]), area);
}
