//! Level gauges: per level CPU (bar, trend arrow, sparkline of the recent rows), memory
//! against its limit, I/O rates; then the selected level's details (per core at system
//! level, per GPU).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::format;
use crate::snapshot::LevelView;
use crate::theme::Theme;
use crate::trend::Trend;

/// Lines the gauges take for `levels` levels (one each, plus the details line).
pub fn height(levels: usize) -> u16 {
    levels as u16 + 1
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of percentages (0-100) in `width` cells: the most recent values, one a cell.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let from = values.len().saturating_sub(width);
    values[from..]
        .iter()
        .map(|v| {
            let i = ((v.clamp(0.0, 100.0) / 100.0) * 7.0).round() as usize;
            SPARKS[i.min(7)]
        })
        .collect()
}

fn trend_style(tr: Trend, t: Theme) -> ratatui::style::Style {
    match tr {
        Trend::Rising => t.warn(),
        Trend::Falling => t.good(),
        Trend::Steady => t.dim(),
    }
}

/// One level's line.
pub fn level_line<'a>(l: &LevelView, selected: bool, width: usize, t: Theme) -> Line<'a> {
    let name = format!(
        "{}{:<8}",
        if selected { "▸" } else { " " },
        l.level.as_str()
    );
    let mut spans = vec![
        Span::styled(name, if selected { t.title() } else { t.dim() }),
        Span::styled("CPU ", t.dim()),
        Span::styled(format!("{:5.1}%", l.cpu), t.value()),
        Span::styled(l.cpu_trend.arrow().to_string(), trend_style(l.cpu_trend, t)),
        Span::raw(" "),
        Span::styled(format::bar(l.cpu / 100.0, 10), t.good()),
    ];
    let mut used = 9 + 4 + 6 + 1 + 1 + 10;
    let mem = match l.memory_limit_gib {
        Some(lim) => format!(" mem {}/{}", format::gib(l.memory_gib), format::gib(lim)),
        None => format!(" mem {}", format::gib(l.memory_gib)),
    };
    let io = format!(
        " io r {} w {}",
        format::rate(l.read_bps),
        format::rate(l.write_bps)
    );
    let rest = width.saturating_sub(used);
    let want_mem = mem.chars().count() + 1;
    let want_io = io.chars().count();
    // Sparkline gets what the texts leave, at least 8 cells, else it is dropped.
    let (show_mem, show_io) = (rest >= want_mem + 9, rest >= want_mem + want_io + 9);
    let texts = if show_io {
        want_mem + want_io
    } else if show_mem {
        want_mem
    } else {
        0
    };
    let spark_w = rest.saturating_sub(texts + 1).min(60);
    if spark_w >= 8 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(sparkline(&l.cpu_history, spark_w), t.value()));
        used += 1 + spark_w;
    }
    if show_mem && used + want_mem <= width {
        spans.push(Span::raw(mem));
        spans.push(Span::styled(
            l.memory_trend.arrow().to_string(),
            trend_style(l.memory_trend, t),
        ));
        used += want_mem;
        if show_io && used + want_io <= width {
            spans.push(Span::styled(io, t.dim()));
        }
    }
    Line::from(spans)
}

/// The details line of the selected level.
pub fn details_line<'a>(l: &LevelView, width: usize, t: Theme) -> Line<'a> {
    let mut text = format!(
        " {} peak CPU {:.1}% · peak mem {} · {} CPUs",
        l.level.as_str(),
        l.cpu_peak,
        format::gib(l.memory_peak_gib),
        l.cpus
    );
    if !l.per_core.is_empty() {
        text.push_str(" · cores");
        for (i, c) in l.per_core.iter().enumerate() {
            text.push_str(&format!(" {i}:{c:.0}%"));
        }
    }
    for (i, (u, m)) in l.gpus.iter().enumerate() {
        text.push_str(&format!(" · gpu{i} {u:.0}% {}", format::gib(*m)));
    }
    Line::from(Span::styled(format::fit(&text, width), t.dim()))
}

/// Draws the gauges of every level and the selected level's details.
pub fn render(f: &mut Frame, area: Rect, levels: &[LevelView], selected: usize, t: Theme) {
    let w = area.width as usize;
    let mut lines: Vec<Line> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| level_line(l, i == selected, w, t))
        .collect();
    if let Some(l) = levels.get(selected) {
        lines.push(details_line(l, w, t));
    } else if levels.is_empty() {
        lines.push(Line::from(Span::styled(" (waiting for samples)", t.dim())));
    }
    f.render_widget(Paragraph::new(lines), area);
}
