//! Static plots: one panel per metric, stacked, over a selection of cells; PNG, SVG or JPEG.
//!
//! [`plot`] checks the request and prepares every line (thinned to the pixel width, see
//! below); the returned [`Figure`] renders on demand with [`Figure::to_png`],
//! [`Figure::to_svg`], [`Figure::to_jpeg`] or [`Figure::save`].
//!
//! - **Time axis.** With idle hidden (the default, as JUmPER) only samples inside the selected
//!   cells are kept and the cells are laid end to end from 0; titles end in " (no idle)".
//!   With idle shown, x is seconds since the first selected cell's start.
//! - **Cells** are shaded spans (JUmPER's 20 colours, 30 % opacity, below the data) labelled
//!   `#<index>` near the top; cells shorter than a pixel still get a 2-pixel span. Labels
//!   that would overlap the previous one are left out.
//! - **Long series** are thinned to the first, lowest, highest and last point of every pixel
//!   column, so the picture is the same as with every sample and spikes survive.
//! - **Text** uses the embedded DejaVu Sans only; no system font is ever looked up.
//! - **Damaged data** never hangs or breaks a figure: values beyond
//!   [`MAX_MAGNITUDE`](crate::MAX_MAGNITUDE) are clamped to it, infinite values left out
//!   (each counted in [`PlotSummary::notes`]), points outside a panel's y range drawn at its
//!   edge, and cells whose times cannot be placed on an axis refused
//!   ([`VizError::BadCell`]).
//!
//! ```
//! use jumper_data::{CellRecord, Level, MonitorInfo, PerfFrame, PerfRow};
//! use jumper_viz::plot::{plot, PlotSpec};
//!
//! let rows = (0..=20)
//!     .map(|i| PerfRow { time: i as f64 * 0.5, cpu_util_avg: 50.0, ..Default::default() })
//!     .collect();
//! let frame = PerfFrame { level: Level::Process, num_cpus: 2, num_gpus: 0, rows };
//! let cells = [CellRecord { cell_index: 0, start_time: 0.0, end_time: 10.0, duration: 10.0,
//!                           ..Default::default() }];
//! let fig = plot(&frame, &cells, &MonitorInfo::default(), &PlotSpec::default()).unwrap();
//! assert_eq!(fig.summary().panels.len(), 4);
//! let png = fig.to_png().unwrap();
//! assert_eq!(&png[1..4], b"PNG");
//! ```

mod decimate;
mod font;
mod output;
mod render;
mod timeline;

use jumper_data::{CellRange, CellRecord, Level, MonitorInfo, PerfFrame};
use serde::Serialize;

use crate::catalog::{default_metrics, Metric, SeriesRole};
use crate::sanitize::{usable_time, Clamped};
use crate::VizError;

pub use output::{ImageFormat, JPEG_QUALITY};
pub use render::CELL_COLORS;
pub use timeline::{default_positions, select_cells, CellSpan};

/// Default figure width in pixels.
pub const DEFAULT_WIDTH: u32 = 1000;
/// Default height of one panel in pixels.
pub const DEFAULT_PANEL_HEIGHT: u32 = 260;
/// Accepted widths.
pub const WIDTH_RANGE: std::ops::RangeInclusive<u32> = 400..=8000;
/// Accepted panel heights.
pub const PANEL_HEIGHT_RANGE: std::ops::RangeInclusive<u32> = 160..=2000;
/// The largest image, in pixels (the RGB buffer is three bytes per pixel).
pub const MAX_PIXELS: u64 = 40_000_000;

/// What to plot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSpec {
    /// Panels, top to bottom; empty: [`default_metrics`] for the frame's GPU count.
    pub metrics: Vec<Metric>,
    /// The cells; `None`: JUmPER's default (last cell longer than the interval to the last).
    pub range: Option<CellRange>,
    /// Keep idle time between cells on the axis.
    pub show_idle: bool,
    /// Figure width in pixels ([`WIDTH_RANGE`]).
    pub width: u32,
    /// Height of each panel in pixels ([`PANEL_HEIGHT_RANGE`]).
    pub panel_height: u32,
}

impl Default for PlotSpec {
    fn default() -> Self {
        PlotSpec {
            metrics: Vec::new(),
            range: None,
            show_idle: false,
            width: DEFAULT_WIDTH,
            panel_height: DEFAULT_PANEL_HEIGHT,
        }
    }
}

/// A rectangle in pixels: columns `left..right`, rows `top..bottom` (ends exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PixelRect {
    /// First column.
    pub left: u32,
    /// First row.
    pub top: u32,
    /// One past the last column.
    pub right: u32,
    /// One past the last row.
    pub bottom: u32,
}

/// What a figure shows, for callers that report on it (and tests that check pixels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotSummary {
    /// The level plotted.
    pub level: Level,
    /// One metric per panel, top to bottom.
    pub panels: Vec<Metric>,
    /// The panel titles, in the same order.
    pub titles: Vec<String>,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels (panels × panel height).
    pub height: u32,
    /// Height of one panel.
    pub panel_height: u32,
    /// Where each panel's data area lies in the image.
    pub plot_areas: Vec<PixelRect>,
    /// The x axis, seconds: `(0, end)`.
    pub x_range: (f64, f64),
    /// The x-axis description.
    pub x_label: String,
    /// Whether idle time between cells is on the axis.
    pub show_idle: bool,
    /// The selected cells' indices, in order.
    pub cells: Vec<usize>,
    /// Where each selected cell is drawn.
    pub spans: Vec<CellSpan>,
    /// Samples plotted (before thinning).
    pub samples: usize,
    /// What was changed to draw damaged data, one line per metric, e.g.
    /// `memory: 1 value above 1e15 GiB clamped`; empty for sound data.
    pub notes: Vec<String>,
}

/// One line of a panel, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub label: String,
    pub role: SeriesRole,
    pub points: Vec<(f64, f64)>,
}

/// One panel, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    pub metric: Metric,
    pub title: String,
    pub y_label: String,
    pub y_range: (f64, f64),
    pub limit: Option<f64>,
    pub lines: Vec<Line>,
}

/// A prepared plot; render it with [`Figure::to_png`], [`Figure::to_svg`],
/// [`Figure::to_jpeg`] or [`Figure::save`].
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub(crate) panels: Vec<Panel>,
    pub(crate) summary: PlotSummary,
}

impl Figure {
    /// What the figure shows.
    pub fn summary(&self) -> &PlotSummary {
        &self.summary
    }

    /// Image size in pixels `(width, height)`.
    pub fn size(&self) -> (u32, u32) {
        (self.summary.width, self.summary.height)
    }
}

/// The panels of `spec` (the defaults when empty), checked against the image size and the
/// frame's GPUs.
fn checked_metrics(frame: &PerfFrame, spec: &PlotSpec) -> Result<Vec<Metric>, VizError> {
    let metrics = if spec.metrics.is_empty() {
        default_metrics(frame.num_gpus)
    } else {
        spec.metrics.clone()
    };
    let pixels = u64::from(spec.width) * u64::from(spec.panel_height) * metrics.len() as u64;
    if !WIDTH_RANGE.contains(&spec.width)
        || !PANEL_HEIGHT_RANGE.contains(&spec.panel_height)
        || pixels > MAX_PIXELS
    {
        return Err(VizError::BadSize {
            width: spec.width,
            panel_height: spec.panel_height,
            panels: metrics.len(),
            rule: format!(
                "width must be {}..={} px, each panel {}..={} px high, the image at most {} megapixels",
                WIDTH_RANGE.start(),
                WIDTH_RANGE.end(),
                PANEL_HEIGHT_RANGE.start(),
                PANEL_HEIGHT_RANGE.end(),
                MAX_PIXELS / 1_000_000
            ),
        });
    }
    if frame.num_gpus == 0 {
        if let Some(m) = metrics.iter().find(|m| m.needs_gpu()) {
            return Err(VizError::NoGpus {
                given: m.key().to_string(),
            });
        }
    }
    Ok(metrics)
}

/// Prepares a live plot: every sample of `frame` in the time `window` (monotonic seconds),
/// idle time included, with the cells of `cells` that overlap it shaded (clipped to it; pass a
/// running cell with its end set to now). x is seconds since the window's start. `spec`'s
/// metrics and sizes apply; its range and idle setting do not.
///
/// Errors as [`plot`], and [`VizError::NoSamples`] when no sample lies in the window.
pub fn plot_window(
    frame: &PerfFrame,
    cells: &[CellRecord],
    info: &MonitorInfo,
    spec: &PlotSpec,
    window: jumper_data::Window,
) -> Result<Figure, VizError> {
    let metrics = checked_metrics(frame, spec)?;
    let tl = timeline::Timeline::window(frame, cells, window);
    if tl.rows.is_empty() {
        return Err(VizError::NoSamples {
            cells: format!("the last {:.0} s", window.end - window.start),
            level: frame.level,
        });
    }
    let shown: Vec<usize> = tl.spans.iter().map(|s| s.cell_index).collect();
    let x_label = format!(
        "Time (s) in the last {:.0} s, idle included",
        window.end - window.start
    );
    Ok(build(frame, info, spec, metrics, tl, shown, x_label, true))
}

/// Prepares a plot of `frame`'s level over cells of `cells` (every completed cell of the
/// history, in order; `spec.range` selects among them).
///
/// Errors: an unknown or out-of-bounds range, no cells, GPU metrics without GPUs, a size out
/// of range, or no sample in the selected cells (`no samples in cells 3-5 at level user`).
pub fn plot(
    frame: &PerfFrame,
    cells: &[CellRecord],
    info: &MonitorInfo,
    spec: &PlotSpec,
) -> Result<Figure, VizError> {
    let metrics = checked_metrics(frame, spec)?;
    let selected = select_cells(cells, spec.range.as_ref(), info.interval)?;
    if let Some(c) = selected
        .iter()
        .find(|c| !usable_time(c.start_time) || !usable_time(c.end_time))
    {
        return Err(VizError::BadCell {
            index: c.cell_index,
            start: c.start_time,
            end: c.end_time,
        });
    }
    let tl = timeline::Timeline::new(frame, selected, spec.show_idle);
    if tl.rows.is_empty() {
        return Err(VizError::NoSamples {
            cells: timeline::cells_label(selected),
            level: frame.level,
        });
    }

    let x_label = if spec.show_idle {
        format!(
            "Time since cell #{} started (s)",
            selected.first().map_or(0, |c| c.cell_index)
        )
    } else {
        "Time in the selected cells, idle hidden (s)".to_string()
    };
    let shown = selected.iter().map(|c| c.cell_index).collect();
    Ok(build(
        frame,
        info,
        spec,
        metrics,
        tl,
        shown,
        x_label,
        spec.show_idle,
    ))
}

/// Draws the panels of a laid-out timeline.
#[allow(clippy::too_many_arguments)]
fn build(
    frame: &PerfFrame,
    info: &MonitorInfo,
    spec: &PlotSpec,
    metrics: Vec<Metric>,
    tl: timeline::Timeline,
    shown: Vec<usize>,
    x_label: String,
    show_idle: bool,
) -> Figure {
    // A selection of zero-length cells still needs an axis to draw on.
    let x_end = if tl.x_end > 0.0 {
        tl.x_end
    } else {
        info.interval.max(1e-3)
    };
    let x_range = (0.0, x_end);
    let plot_areas: Vec<PixelRect> = (0..metrics.len())
        .map(|i| render::plot_area(spec.width, spec.panel_height, i))
        .collect();
    let columns = plot_areas
        .first()
        .map_or(1, |a| a.right.saturating_sub(a.left) as usize);

    let suffix = if show_idle { "" } else { " (no idle)" };
    let rows: Vec<&jumper_data::PerfRow> = tl.rows.iter().map(|&i| &frame.rows[i]).collect();
    let mut notes = Vec::new();
    let mut panels: Vec<Panel> = Vec::with_capacity(metrics.len());
    for &metric in &metrics {
        let mut series = metric.series(rows.iter().copied());
        let mut clamped = Clamped::default();
        for s in &mut series {
            clamped.values(&mut s.values);
        }
        notes.extend(clamped.note(metric.key(), metric.unit()));
        let limit = metric.limit(frame.level, info);
        let y_range = metric.y_bounds(&series, limit);
        let lines = series
            .into_iter()
            .map(|s| Line {
                points: decimate::minmax_per_column(
                    &tl.xs, &s.values, x_range.0, x_range.1, columns,
                ),
                label: s.label,
                role: s.role,
            })
            .collect();
        panels.push(Panel {
            metric,
            title: format!(
                "{} - level {}{suffix}",
                metric.title(frame.num_cpus, frame.num_gpus),
                frame.level
            ),
            y_label: metric.axis_label(),
            y_range,
            limit,
            lines,
        });
    }

    let summary = PlotSummary {
        level: frame.level,
        panels: metrics,
        titles: panels.iter().map(|p| p.title.clone()).collect(),
        width: spec.width,
        height: spec.panel_height * panels.len() as u32,
        panel_height: spec.panel_height,
        plot_areas,
        x_range,
        x_label,
        show_idle,
        cells: shown,
        spans: tl.spans,
        samples: tl.rows.len(),
        notes,
    };
    Figure { panels, summary }
}
