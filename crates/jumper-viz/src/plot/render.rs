//! Drawing a [`Figure`] on any plotters backend (bitmap or SVG).
//!
//! The layout is fixed in pixels, so [`plot_area`] can say where data lands before anything
//! is drawn. Each panel: a header row with the title (left) and the legend (right), then the
//! data area with the y-axis labels on its left and the x-axis labels below it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{self, FAMILY};
use super::{Figure, Line, Panel, PixelRect};
use crate::catalog::SeriesRole;
use crate::VizError;

/// A pixel position on the backend (plotters-backend's `BackendCoord`).
type BackendCoord = (i32, i32);

/// JUmPER's 20 cell colours (`jumper_extension.logo.jumper_colors`); cell `i` gets
/// `CELL_COLORS[i % 20]`.
pub const CELL_COLORS: [(u8, u8, u8); 20] = [
    (0xFF, 0x6B, 0x2C),
    (0x2C, 0xA8, 0x91),
    (0xF2, 0xCF, 0x82),
    (0x26, 0x7F, 0xA0),
    (0xD3, 0x92, 0x44),
    (0x8B, 0xCD, 0x4A),
    (0x9E, 0x63, 0x3F),
    (0x28, 0x9F, 0xB0),
    (0xFF, 0xA0, 0x33),
    (0x41, 0x5B, 0x80),
    (0xC4, 0xD2, 0x50),
    (0x6A, 0x83, 0x89),
    (0xF4, 0xE8, 0xA0),
    (0x2E, 0x6F, 0x90),
    (0x5A, 0xBF, 0x7F),
    (0x7C, 0x8D, 0x93),
    (0x96, 0xA5, 0xAE),
    (0x6C, 0x91, 0x9F),
    (0x61, 0x7B, 0x89),
    (0xB0, 0xBC, 0xC5),
];

/// The colour of average and single-value lines (opaque, so tests can find it pixel-exact).
pub(crate) const LINE: RGBColor = RGBColor(31, 119, 180);
/// Colours of per-core / per-GPU lines (the tab10 palette without its blue).
const MEMBER_COLORS: [RGBColor; 9] = [
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const LIMIT: RGBColor = RGBColor(200, 30, 30);
const GRID: RGBColor = RGBColor(225, 225, 225);
const SPAN_OPACITY: f64 = 0.3;
const FAINT: f64 = 0.5;

const MARGIN_LEFT: u32 = 8;
const MARGIN_RIGHT: u32 = 24;
const MARGIN_BOTTOM: u32 = 4;
const HEADER: u32 = 34;
const Y_LABEL_AREA: u32 = 74;
const X_LABEL_AREA: u32 = 44;
const TITLE_SIZE: f64 = 16.0;
const TEXT_SIZE: f64 = 12.0;
const DESC_SIZE: f64 = 13.0;
/// Members get their own legend entries up to this many; more are one grouped entry.
const MAX_MEMBER_ENTRIES: usize = 4;

/// Where the data area of panel `index` lies in a figure of this size.
pub(crate) fn plot_area(width: u32, panel_height: u32, index: usize) -> PixelRect {
    let top = panel_height * index as u32;
    PixelRect {
        left: MARGIN_LEFT + Y_LABEL_AREA,
        top: top + HEADER,
        right: width - MARGIN_RIGHT,
        bottom: top + panel_height - MARGIN_BOTTOM - X_LABEL_AREA,
    }
}

fn cell_color(index: usize) -> RGBColor {
    let (r, g, b) = CELL_COLORS[index % CELL_COLORS.len()];
    RGBColor(r, g, b)
}

fn text(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&BLACK)
}

/// Tick labels: at most 3 decimals, no trailing zeros, no `-0`; from 10⁹ on, powers of ten
/// (`1.05e15`), so that a label fits its axis.
fn tick(v: f64) -> String {
    if v.abs() >= 1e9 {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}e{e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `v` limited to the range between `a` and `b` (in either order; never panics).
fn within(v: f64, a: f64, b: f64) -> f64 {
    v.max(a.min(b)).min(a.max(b))
}

/// How a line is stroked; used for the data and for its legend sample.
#[derive(Debug, Clone, Copy)]
enum Stroke {
    Solid(RGBAColor, u32),
    /// Dash length, gap, colour, width (a dash as long as the width is a dot).
    Dashed(u32, u32, RGBAColor, u32),
}

fn stroke(role: SeriesRole) -> Stroke {
    match role {
        SeriesRole::Avg | SeriesRole::Value => Stroke::Solid(LINE.to_rgba(), 2),
        SeriesRole::Min => Stroke::Dashed(2, 3, LINE.mix(FAINT), 2),
        SeriesRole::Max => Stroke::Dashed(7, 4, LINE.mix(FAINT), 2),
        SeriesRole::Member(i) => Stroke::Solid(MEMBER_COLORS[i % MEMBER_COLORS.len()].mix(0.6), 1),
    }
}

fn draw_order(role: SeriesRole) -> u8 {
    match role {
        SeriesRole::Member(_) => 0,
        SeriesRole::Min | SeriesRole::Max => 1,
        SeriesRole::Avg | SeriesRole::Value => 2,
    }
}

/// A cell label placed in the header row of the data area.
struct CellLabel {
    /// First free pixel column after it (with a gap).
    right: i32,
    /// The cell's length on the x axis (the longer cell wins a collision).
    len: f64,
    text: String,
    /// Text size in pixels.
    size: (i32, i32),
    /// The cell's start on the x axis.
    x: f64,
}

/// Draws the whole figure on `root` (already the figure's size).
///
/// `piecewise`: draw wide lines piece by piece (bitmaps; see [`stroke_path`]).
pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    piecewise: bool,
) -> Result<(), VizError> {
    font::ensure_registered()?;
    root.fill(&WHITE).map_err(VizError::render)?;
    let areas = root.split_evenly((fig.panels.len().max(1), 1));
    for (panel, area) in fig.panels.iter().zip(&areas) {
        draw_panel(root, area, panel, fig, piecewise)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    fig: &Figure,
    piecewise: bool,
) -> Result<(), VizError> {
    let s = &fig.summary;
    let (x0, x1) = s.x_range;
    let (y0, y1) = panel.y_range;
    let mut chart = ChartBuilder::on(area)
        .margin_top(HEADER)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .margin_bottom(MARGIN_BOTTOM)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(VizError::render)?;
    let fmt = |v: &f64| tick(*v);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK)
        .x_labels(10)
        .y_labels(6)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(text(TEXT_SIZE))
        .axis_desc_style(text(DESC_SIZE))
        .x_desc(s.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .draw()
        .map_err(VizError::render)?;

    let (px_range, _) = chart.plotting_area().get_pixel_range();
    let plot_px = f64::from((px_range.end - px_range.start).max(1));
    // Two pixels in data units: the narrowest span drawn, so short cells stay visible.
    let min_w = 2.0 * (x1 - x0) / plot_px;

    // Cell spans, below everything else.
    chart
        .draw_series(s.spans.iter().map(|sp| {
            let c = cell_color(sp.cell_index);
            let xe = sp.x_end.max(sp.x_start + min_w);
            Rectangle::new([(sp.x_start, y0), (xe, y1)], c.mix(SPAN_OPACITY).filled())
        }))
        .map_err(VizError::render)?;

    // Cell labels near the top. Where two would overlap, the longer cell keeps its label.
    let label_style = text(TEXT_SIZE);
    let mut placed: Vec<CellLabel> = Vec::new();
    for sp in &s.spans {
        let label = format!("#{}", sp.cell_index);
        let (w, h) = area
            .estimate_text_size(&label, &label_style)
            .map_err(VizError::render)?;
        let (w, h) = (w as i32, h as i32);
        let (px, _) = chart.backend_coord(&(sp.x_start, y1));
        if px + w + 8 > px_range.end {
            continue;
        }
        let len = sp.x_end - sp.x_start;
        let mut keep = true;
        while let Some(prev) = placed.last() {
            if px >= prev.right {
                break;
            }
            if len > prev.len {
                placed.pop();
            } else {
                keep = false;
                break;
            }
        }
        if keep {
            placed.push(CellLabel {
                right: px + w + 12,
                len,
                text: label,
                size: (w, h),
                x: sp.x_start,
            });
        }
    }
    for CellLabel {
        text: label,
        size: (w, h),
        x,
        ..
    } in placed
    {
        let elem = EmptyElement::at((x, y1))
            + Rectangle::new([(2, 5), (w + 8, h + 10)], WHITE.mix(0.85).filled())
            + Rectangle::new([(2, 5), (w + 8, h + 10)], BLACK.mix(0.4))
            + Text::new(label, (5, 7), label_style.clone());
        chart
            .plotting_area()
            .draw(&elem)
            .map_err(VizError::render)?;
    }

    if let Some(l) = panel.limit {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, l), (x1, l)],
                8,
                5,
                LIMIT.stroke_width(2),
            ))
            .map_err(VizError::render)?;
    }

    let mut lines: Vec<&Line> = panel.lines.iter().collect();
    lines.sort_by_key(|l| draw_order(l.role));
    for line in lines {
        let mut px: Vec<BackendCoord> = Vec::with_capacity(line.points.len());
        for &(x, y) in &line.points {
            // Points outside the axes (data above 100 % on a percent panel) are drawn at the
            // edge: mapped as they are, they could land billions of pixels away, and the
            // rasteriser would walk every one of them.
            let c = chart.backend_coord(&(within(x, x0, x1), within(y, y0, y1)));
            if px.last() != Some(&c) {
                px.push(c);
            }
        }
        stroke_path(root, &px, stroke(line.role), piecewise)?;
    }

    draw_header(area, panel, fig)
}

/// Draws a polyline given in backend pixels.
///
/// plotters' bitmap backend turns a path wider than one pixel into one polygon, and a dense
/// series (sharp back-and-forth turns, as in a thinned hour of samples) makes that polygon
/// self-intersect and spike far outside the plot. With `piecewise` (bitmaps), wide lines are
/// therefore drawn one straight piece at a time, each a simple quadrilateral; SVG strokes
/// paths itself and gets whole polylines. Dashes are cut here, in pixel space, for both.
fn stroke_path<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    px: &[BackendCoord],
    st: Stroke,
    piecewise: bool,
) -> Result<(), VizError> {
    let draw = |path: &[BackendCoord], c: RGBAColor, w: u32| {
        if w == 1 || !piecewise {
            root.draw(&PathElement::new(path.to_vec(), c.stroke_width(w)))
        } else {
            path.windows(2)
                .try_for_each(|s| root.draw(&PathElement::new(vec![s[0], s[1]], c.stroke_width(w))))
        }
        .map_err(VizError::render)
    };
    match st {
        Stroke::Solid(c, w) => draw(px, c, w),
        Stroke::Dashed(dash, gap, c, w) => dashes(px, f64::from(dash), f64::from(gap))
            .iter()
            .try_for_each(|d| draw(d, c, w)),
    }
}

/// The dashes of a dash pattern (`dash` on, `gap` off, in pixels) along a polyline; each dash
/// is a polyline of its own (it may turn a corner).
fn dashes(px: &[BackendCoord], dash: f64, gap: f64) -> Vec<Vec<BackendCoord>> {
    let mut out: Vec<Vec<BackendCoord>> = Vec::new();
    let mut current: Vec<BackendCoord> = Vec::new();
    let (mut on, mut left) = (true, dash);
    let round = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    for s in px.windows(2) {
        let (x0, y0) = (f64::from(s[0].0), f64::from(s[0].1));
        let (dx, dy) = (f64::from(s[1].0) - x0, f64::from(s[1].1) - y0);
        let len = dx.hypot(dy);
        let mut t = 0.0;
        while t < len {
            let step = left.min(len - t);
            if on {
                for p in [
                    round(x0 + dx * t / len, y0 + dy * t / len),
                    round(x0 + dx * (t + step) / len, y0 + dy * (t + step) / len),
                ] {
                    if current.last() != Some(&p) {
                        current.push(p);
                    }
                }
            }
            t += step;
            left -= step;
            if left <= 1e-9 {
                if on && current.len() > 1 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                on = !on;
                left = if on { dash } else { gap };
            }
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// Legend entries for a panel: `(stroke, label)`.
fn legend(panel: &Panel, grouped: bool) -> Vec<(Stroke, String)> {
    let members = panel
        .lines
        .iter()
        .filter(|l| matches!(l.role, SeriesRole::Member(_)))
        .count();
    let mut out = Vec::new();
    let mut grouped_done = false;
    for l in &panel.lines {
        match l.role {
            SeriesRole::Value => {}
            SeriesRole::Member(_) if grouped || members > MAX_MEMBER_ENTRIES => {
                if !grouped_done {
                    let what = l.label.split(' ').next().unwrap_or("member");
                    out.push((
                        Stroke::Solid(MEMBER_COLORS[0].mix(0.6), 1),
                        format!("each {what} ({members})"),
                    ));
                    grouped_done = true;
                }
            }
            role => out.push((stroke(role), l.label.clone())),
        }
    }
    if let Some(l) = panel.limit {
        out.push((
            Stroke::Dashed(8, 5, LIMIT.to_rgba(), 2),
            format!("Limit {} {}", tick(l), panel.metric.unit()),
        ));
    }
    out
}

const SAMPLE_LEN: i32 = 24;

fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Stroke, String)],
) -> Result<i32, VizError> {
    let style = text(TEXT_SIZE);
    let mut w = 0;
    for (_, label) in entries {
        let (tw, _) = area
            .estimate_text_size(label, &style)
            .map_err(VizError::render)?;
        w += SAMPLE_LEN + 5 + tw as i32 + 16;
    }
    Ok(w)
}

fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    fig: &Figure,
) -> Result<(), VizError> {
    let left = (MARGIN_LEFT + Y_LABEL_AREA) as i32;
    let right = (fig.summary.width - MARGIN_RIGHT) as i32;
    let mid = (HEADER / 2) as i32;
    // The title shrinks (down to the tick-label size) rather than run off a narrow figure,
    // and is cut with an ellipsis only when even that is too wide.
    let fits = |size: f64, t: &str| -> Result<(bool, i32), VizError> {
        let (w, _) = area
            .estimate_text_size(t, &text(size))
            .map_err(VizError::render)?;
        Ok((left + w as i32 <= right, w as i32))
    };
    let mut size = TITLE_SIZE;
    while size > TEXT_SIZE && !fits(size, &panel.title)?.0 {
        size -= 1.0;
    }
    let mut title = panel.title.clone();
    while !fits(size, &title)?.0 && title.chars().count() > 1 {
        title.pop();
        title.pop();
        title.push('…');
    }
    let title_style = text(size).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(title.as_str(), (left, mid), title_style))
        .map_err(VizError::render)?;
    let room = right - (left + fits(size, &title)?.1 + 24);

    let mut entries = legend(panel, false);
    if legend_width(area, &entries)? > room {
        entries = legend(panel, true);
    }
    let width = legend_width(area, &entries)?;
    if width > room || entries.is_empty() {
        return Ok(());
    }
    let label_style = text(TEXT_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = right - width + 16;
    for (st, label) in &entries {
        draw_sample(area, *st, x, mid)?;
        x += SAMPLE_LEN + 5;
        area.draw(&Text::new(label.as_str(), (x, mid), label_style.clone()))
            .map_err(VizError::render)?;
        let (tw, _) = area
            .estimate_text_size(label, &label_style)
            .map_err(VizError::render)?;
        x += tw as i32 + 16;
    }
    Ok(())
}

fn draw_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    st: Stroke,
    x: i32,
    y: i32,
) -> Result<(), VizError> {
    match st {
        Stroke::Solid(c, w) => area
            .draw(&PathElement::new(
                vec![(x, y), (x + SAMPLE_LEN, y)],
                c.stroke_width(w),
            ))
            .map_err(VizError::render),
        Stroke::Dashed(dash, gap, c, w) => {
            let mut a = x;
            while a < x + SAMPLE_LEN {
                let b = (a + dash as i32).min(x + SAMPLE_LEN);
                area.draw(&PathElement::new(vec![(a, y), (b, y)], c.stroke_width(w)))
                    .map_err(VizError::render)?;
                a = b + gap as i32;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_follow_the_path_across_corners() {
        // An L of 10 + 10 pixels, dashes of 4 with gaps of 3.
        let d = dashes(&[(0, 0), (10, 0), (10, 10)], 4.0, 3.0);
        assert_eq!(
            d,
            [
                vec![(0, 0), (4, 0)],
                vec![(7, 0), (10, 0), (10, 1)],
                vec![(10, 4), (10, 8)]
            ]
        );
        // A pattern that ends mid-dash keeps the partial dash.
        assert_eq!(dashes(&[(0, 0), (2, 0)], 4.0, 3.0), [vec![(0, 0), (2, 0)]]);
        assert!(dashes(&[(5, 5)], 4.0, 3.0).is_empty());
    }

    #[test]
    fn dense_zigzags_stay_inside_the_plot() {
        font::ensure_registered().unwrap();
        let (w, h) = (200u32, 100u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            // Sharp back-and-forth turns between rows 40 and 60, three points per column,
            // as a thinned noisy series gives. Drawn as one wide polygon by plotters, this
            // puts ink 20 rows above the box.
            let mut seed: u32 = 12345;
            let mut rnd = move || {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((seed >> 16) % 21) as i32
            };
            let px: Vec<BackendCoord> = (50..150)
                .flat_map(|x| [(x, 40 + rnd()), (x, 40 + rnd()), (x + 1, 40 + rnd())])
                .collect();
            stroke_path(&root, &px, Stroke::Solid(BLACK.to_rgba(), 2), true).unwrap();
            stroke_path(&root, &px, Stroke::Dashed(7, 4, BLACK.to_rgba(), 2), true).unwrap();
            root.present().unwrap();
        }
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 3) as usize;
                if buf[i] < 128 {
                    assert!(
                        (48..=152).contains(&x) && (38..=62).contains(&y),
                        "ink at ({x}, {y}), outside the zigzag's box"
                    );
                }
            }
        }
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(1500.0), "1500");
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(-0.0001), "0");
        assert_eq!(tick(1.05e15), "1.05e15");
        assert_eq!(tick(-2e12), "-2e12");
        assert_eq!(tick(999_999_999.0), "999999999");
    }

    #[test]
    fn plot_area_matches_what_plotters_lays_out() {
        font::ensure_registered().unwrap();
        let (w, h) = (900u32, 250u32);
        let mut buf = vec![0u8; (w * h * 2 * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut buf, (w, h * 2)).into_drawing_area();
        let areas = root.split_evenly((2, 1));
        let chart = ChartBuilder::on(&areas[1])
            .margin_top(HEADER)
            .margin_left(MARGIN_LEFT)
            .margin_right(MARGIN_RIGHT)
            .margin_bottom(MARGIN_BOTTOM)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .unwrap();
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let a = plot_area(w, h, 1);
        assert_eq!(
            (xs.start, xs.end, ys.start, ys.end),
            (a.left as i32, a.right as i32, a.top as i32, a.bottom as i32)
        );
        // Data x = 0 maps to the first column, x = 1 to the last.
        assert_eq!(chart.backend_coord(&(0.0, 0.0)).0, a.left as i32);
        assert!((chart.backend_coord(&(1.0, 0.0)).0 - (a.right as i32 - 1)).abs() <= 1);
    }
}
