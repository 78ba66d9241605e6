//! Live plots (`%perfmonitor_plot --live`): the service remembers what to plot; a notebook
//! frontend shows [`PerfmonitorService::render_live_png`] frames in one display, replaced
//! every [`LivePlot::interval`] seconds (PNG frames, since an HTML update re-runs scripts).

use jumper_data::{Level, Window};
use jumper_viz::{plot_window, Metric, PlotSpec};

use crate::command::PlotArgs;
use crate::{Output, PerfmonitorService, ServiceError};

/// JUmPER's default seconds between live frames.
pub const DEFAULT_LIVE_INTERVAL: f64 = 2.0;
/// JUmPER's default window of a live plot, in seconds.
pub const DEFAULT_LIVE_WINDOW: f64 = 120.0;
/// Width of a live frame in pixels (smaller than a static figure: it is redrawn often).
pub const LIVE_WIDTH: u32 = 800;
/// Height of each panel of a live frame in pixels.
pub const LIVE_PANEL_HEIGHT: u32 = 200;

/// A live plot in force.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LivePlot {
    /// Panels, top to bottom.
    pub metrics: Vec<Metric>,
    /// The level plotted.
    pub level: Level,
    /// Seconds between frames.
    pub interval: f64,
    /// Seconds of samples each frame shows (up to now).
    pub window: f64,
    /// The index of the cell that started it (the cell running then, or the next one).
    pub started_at_cell: usize,
}

impl LivePlot {
    /// The metric keys, comma separated (`cpu_summary,memory`).
    pub fn metric_keys(&self) -> String {
        self.metrics
            .iter()
            .map(|m| m.key())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// JUmPER's live panels: CPU and memory, plus GPU utilisation and memory with GPUs.
fn default_live_metrics(num_gpus: usize) -> Vec<Metric> {
    let mut v = vec![Metric::CpuSummary, Metric::Memory];
    if num_gpus > 0 {
        v.extend([Metric::GpuUtilSummary, Metric::GpuMemSummary]);
    }
    v
}

impl PerfmonitorService {
    /// The live plot in force, if any.
    pub fn live_plot(&self) -> Option<&LivePlot> {
        self.live_ref()
    }

    /// Ends the live plot; returns it if one was in force.
    pub fn stop_live_plot(&mut self) -> Option<LivePlot> {
        self.live_take()
    }

    /// One frame of the live plot: a PNG of its metrics over the last [`LivePlot::window`]
    /// seconds up to now, idle time included, completed cells and the running one shaded.
    /// Errors when no live plot is in force or no sample lies in the window yet.
    pub fn render_live_png(&self) -> Result<Vec<u8>, ServiceError> {
        let live = self.live_ref().ok_or(ServiceError::NoLivePlot)?;
        let frame = self.frame(live.level)?;
        let info = self.monitor_info()?;
        let now = jumper_data::time::monotonic_s();
        let mut cells: Vec<_> = self
            .history()
            .cells()
            .iter()
            .filter(|c| c.end_time >= now - live.window)
            .cloned()
            .collect();
        if let Some(r) = self.history().running() {
            let mut r = r.clone();
            r.end_time = now.max(r.start_time);
            cells.push(r);
        }
        let spec = PlotSpec {
            metrics: live.metrics.clone(),
            width: LIVE_WIDTH,
            panel_height: LIVE_PANEL_HEIGHT,
            ..Default::default()
        };
        let window = Window {
            start: now - live.window,
            end: now,
        };
        Ok(plot_window(&frame, &cells, &info, &spec, window)?.to_png()?)
    }

    /// `perfmonitor_plot --live ...` and `--live off`.
    pub(crate) fn cmd_live(&mut self, a: &PlotArgs) -> Result<Vec<Output>, ServiceError> {
        if a.live_off {
            return Ok(vec![match self.live_take() {
                Some(_) => Output::LivePlot {
                    plot: None,
                    text: "live plot ended".into(),
                },
                None => Output::info("no live plot is running"),
            }]);
        }
        if self.imported().is_some() {
            return Err(ServiceError::LiveViewUnavailable);
        }
        if !self.is_monitoring() {
            return Err(ServiceError::LiveNeedsMonitoring);
        }
        let values = a.live.as_deref().unwrap_or(&[]);
        // As JUmPER: the given level, else the automatic reports' level when metrics are
        // given, else process.
        let level = a
            .level
            .or_else(|| {
                a.metrics
                    .as_ref()
                    .and_then(|_| self.auto_reports().map(|r| r.level))
            })
            .unwrap_or(Level::Process);
        if !self.levels().contains(&level) {
            return Err(self.level_error(level));
        }
        let num_gpus = self.monitor_info().map(|i| i.num_gpus).unwrap_or(0);
        let metrics = match &a.metrics {
            Some(m) => jumper_viz::resolve_metrics(m, num_gpus)?,
            None => default_live_metrics(num_gpus),
        };
        let live = LivePlot {
            metrics,
            level,
            interval: a
                .interval
                .or(values.first().copied())
                .unwrap_or(DEFAULT_LIVE_INTERVAL),
            window: values.get(1).copied().unwrap_or(DEFAULT_LIVE_WINDOW),
            started_at_cell: self.history().next_index(),
        };
        let text = format!(
            "live plot of {} at level {}: a frame every {} s over the last {} s, until %perfmonitor_plot --live off or %perfmonitor_stop (live plots need a notebook frontend; elsewhere use --save plot.png)",
            live.metric_keys(),
            live.level,
            live.interval,
            live.window
        );
        self.live_set(Some(live.clone()));
        Ok(vec![Output::LivePlot {
            plot: Some(live),
            text,
        }])
    }
}
