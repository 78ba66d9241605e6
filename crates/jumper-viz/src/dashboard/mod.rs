//! The self-contained, offline, interactive HTML dashboard.
//!
//! [`render_dashboard`] turns the derived frames of a session (one [`PerfFrame`] per level),
//! its cells and its [`MonitorInfo`] into one HTML file that needs nothing else: uPlot's
//! script and stylesheet are inlined (no CDN, no network; a Content-Security-Policy forbids
//! every fetch), the data is embedded once as JSON, and the page's own script
//! (`assets/dashboard/dashboard.js`) computes every panel in the browser.
//!
//! What the page offers (JUmPER's interactive mode, reference §7, without its 18 MB):
//!
//! - a toolbar with a "Show idle periods" toggle (off: the selected cells laid end to end from
//!   0 as JUmPER does; on: seconds since the monitor started), a dual-thumb cell-range slider
//!   whose thumbs cannot cross ("Cells: lo–hi"), and "+ Add Panel";
//! - panels, each with a Metric menu (JUmPER's keys from [`crate::catalog`], in its order:
//!   `cpu_summary`, `memory`, `io_read`, `io_write`, `io_read_count`, `io_write_count`, with
//!   GPUs `gpu_util_summary`, `gpu_band_summary`, `gpu_mem_summary`, then `cpu` (per core)
//!   and with GPUs `gpu_util`, `gpu_band`, `gpu_mem`; titles, units, y rules and limits are
//!   the catalogue's, so a panel reads like the static plot), a Level menu and a remove
//!   button; it starts with `cpu_summary` and `memory` at the process level (or the first
//!   level present), and each "+ Add Panel" brings the next metric not shown yet;
//! - cell spans shaded and labelled `#N`, units on the axes, the x range following the
//!   selected cells with 5 % padding, light and dark looks (`prefers-color-scheme`);
//! - a totals line per level for the selected cells (CPU seconds and average, peak memory,
//!   I/O), adding up jumper-data's exact window statistics; with idle shown the idle gaps
//!   between the cells count too, which gives the window `jumper report` uses;
//! - a list of the selected cells with the first line of their code, always as text: every
//!   string from the data is escaped, no cell's code can execute.
//!
//! Values a damaged file holds beyond [`crate::MAX_MAGNITUDE`] are clamped to it, infinite
//! values and rows without a usable time left out, and each such change is one line above the
//! panels (and in [`DashboardSummary::notes`]), e.g. `level process: memory: 1 value above
//! 1e15 GiB clamped`; cells whose times are not usable are refused ([`VizError::BadCell`]).
//!
//! Long series are thinned per level to about [`DEFAULT_MAX_POINTS`] points with
//! [`crate::lttb::minmax_segmented`], which keeps every series' peaks.
//!
//! In a notebook use [`render_dashboard_fragment`]: the same dashboard as one output that
//! shares the page with others (ids from a per-output prefix, styles scoped below its root,
//! one function and no globals) and carries a static PNG for untrusted notebooks, where
//! scripts are stripped.
//!
//! The page exposes a read-only `window.jumperDashboard` object (panels, scales, drawn cell
//! labels, totals) and records script errors in `window.jumperErrors`; the browser test uses
//! both.
//!
//! ```
//! use jumper_data::{CellRecord, Level, LevelSample, MonitorInfo, PerfFrame};
//! use jumper_viz::dashboard::{render_dashboard, DashboardInput};
//!
//! let samples: Vec<LevelSample> = (0..=20)
//!     .map(|i| LevelSample { time: i as f64 * 0.1, cpu_time: i as f64 * 0.05, ..Default::default() })
//!     .collect();
//! let frames = [PerfFrame::from_samples(Level::Process, 1, &samples)];
//! let cells = [CellRecord { cell_index: 0, start_time: 0.0, end_time: 2.0, duration: 2.0, ..Default::default() }];
//! let info = MonitorInfo { interval: 0.1, ..Default::default() };
//! let html = render_dashboard(&DashboardInput::new(&frames, &cells, &info).with_title("demo"))?;
//! assert!(html.contains("<title>demo</title>"));
//! assert!(!html.contains("<script src"));
//! # Ok::<(), jumper_viz::VizError>(())
//! ```

mod html;
mod model;
mod write;

use std::path::Path;

use jumper_data::{CellRecord, Level, MonitorInfo, PerfFrame};

use crate::VizError;

/// Points kept per level by default (the page stays small and quick with an hour at 10 Hz).
pub const DEFAULT_MAX_POINTS: usize = 4000;

/// Everything a dashboard shows. Build it with [`DashboardInput::new`] and the `with_*`
/// methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DashboardInput<'a> {
    /// One derived frame per level, in the order of the Level menu.
    pub frames: &'a [PerfFrame],
    /// The completed cells, in order.
    pub cells: &'a [CellRecord],
    /// The monitor's description (interval, memory limits, GPUs).
    pub info: &'a MonitorInfo,
    /// Shown as the page title and heading (escaped).
    pub title: String,
    /// Cells selected when the page opens, as inclusive positions in `cells`; `None` selects
    /// every cell (a dashboard is an overview; JUmPER's "last long cell" default suits a
    /// one-off plot better).
    pub initial: Option<(usize, usize)>,
    /// Points kept per level (at least 2; see [`crate::lttb`]).
    pub max_points: usize,
    /// The Level menu's name of each frame, in the order of `frames` (default: the level's
    /// name). Named, several frames may share a level: the nodes of a job, `system n1` and
    /// `system n2`, each frame on the cells' clock.
    pub names: Option<Vec<String>>,
}

impl<'a> DashboardInput<'a> {
    /// A dashboard of these frames and cells, titled "jumper dashboard", every cell selected.
    pub fn new(frames: &'a [PerfFrame], cells: &'a [CellRecord], info: &'a MonitorInfo) -> Self {
        DashboardInput {
            frames,
            cells,
            info,
            title: "jumper dashboard".to_string(),
            initial: None,
            max_points: DEFAULT_MAX_POINTS,
            names: None,
        }
    }

    /// Names each frame in the Level menu (one name per frame, in order; each name once).
    pub fn with_names(mut self, names: Vec<String>) -> Self {
        self.names = Some(names);
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Selects cells `start..=end` (positions in `cells`) when the page opens.
    pub fn with_initial(mut self, start: usize, end: usize) -> Self {
        self.initial = Some((start, end));
        self
    }

    /// Sets the number of points kept per level.
    pub fn with_max_points(mut self, max_points: usize) -> Self {
        self.max_points = max_points.max(2);
        self
    }
}

/// What [`write_dashboard`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DashboardSummary {
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Samples and embedded points per level, in the order of the input frames.
    pub levels: Vec<LevelPoints>,
    /// What was changed to show damaged data, one line each (also shown on the page); empty
    /// for sound data.
    pub notes: Vec<String>,
}

/// Samples of one level and the points embedded for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LevelPoints {
    /// The level.
    pub level: Level,
    /// Rows in the level's frame (rows without a finite time are not counted).
    pub samples: usize,
    /// Points embedded after downsampling.
    pub points: usize,
}

/// Renders the dashboard as one self-contained HTML document.
pub fn render_dashboard(input: &DashboardInput<'_>) -> Result<String, VizError> {
    render_with_points(input).map(|(html, _, _)| html)
}

fn render_with_points(
    input: &DashboardInput<'_>,
) -> Result<(String, Vec<LevelPoints>, Vec<String>), VizError> {
    let (model, points, notes) = model::build(input)?;
    let json = serde_json::to_string(&model).map_err(|source| VizError::Json { source })?;
    Ok((html::assemble(&input.title, &json, &notes), points, notes))
}

/// A prefix for the ids of one notebook output, unique within this process and, through the
/// clock, across processes: `jd<hex>-`.
fn fresh_prefix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed =
        nanos ^ (u64::from(std::process::id()) << 40) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("jd{mixed:016x}{n:x}-")
}

/// The static figure a notebook dashboard carries for when its script cannot run: CPU and
/// memory of the process level (or the first level), over the initially selected cells.
fn static_png(input: &DashboardInput<'_>) -> Option<Vec<u8>> {
    use crate::catalog::Metric;
    let frame = input
        .frames
        .iter()
        .find(|f| f.level == Level::Process)
        .or(input.frames.first())?;
    let (lo, hi) = input
        .initial
        .unwrap_or((0, input.cells.len().checked_sub(1)?));
    let spec = crate::plot::PlotSpec {
        metrics: vec![Metric::CpuSummary, Metric::Memory],
        range: jumper_data::CellRange::parse(&format!("{lo}:{hi}")).ok(),
        width: 800,
        panel_height: 200,
        ..Default::default()
    };
    crate::plot::plot(frame, input.cells, input.info, &spec)
        .and_then(|f| f.to_png())
        .ok()
}

/// Renders the dashboard as one notebook output (an HTML fragment, not a document), made to
/// share a page with other outputs: every element id starts with a prefix of its own (two
/// dashboards in one notebook never clash), the stylesheets apply below its root element
/// only, its script is one function that sets no global (uPlot included), and nothing is
/// fetched. It carries a static PNG of CPU and memory as an `<img src="data:image/png;...">`,
/// which shows where scripts are stripped (an untrusted notebook) and which the script hides
/// when it builds the interactive view. The read-only `jumperDashboard` view of the page is
/// a property of the root element (`<div class="jumper-dash" id="<prefix>root">`).
pub fn render_dashboard_fragment(input: &DashboardInput<'_>) -> Result<String, VizError> {
    let (model, _, notes) = model::build(input)?;
    let json = serde_json::to_string(&model).map_err(|source| VizError::Json { source })?;
    let png = static_png(input);
    Ok(html::assemble_fragment(
        &fresh_prefix(),
        &input.title,
        &json,
        &notes,
        png.as_deref(),
    ))
}

/// Renders the dashboard and writes it to `path` (`.html` or `.htm`) atomically: the page goes
/// to a hidden temporary file beside `path`, which is renamed into place only when complete.
///
/// The path is checked before anything is rendered: another extension gives
/// [`VizError::UnsupportedDashboardFormat`], a missing directory
/// [`VizError::MissingDirectory`].
pub fn write_dashboard(
    input: &DashboardInput<'_>,
    path: impl AsRef<Path>,
) -> Result<DashboardSummary, VizError> {
    let path = path.as_ref();
    write::check_target(path)?;
    let (html, levels, notes) = render_with_points(input)?;
    write::write_atomic(path, html.as_bytes())?;
    Ok(DashboardSummary {
        bytes: html.len() as u64,
        levels,
        notes,
    })
}
