use std::path::{Path, PathBuf};

use jumper_data::{
    CellHistory, CellRange, CellRecord, CellStatus, Level, MonitorInfo, PerfFrame, SampleKind,
    Thresholds,
};
use jumper_monitor::gpu::GpuBackend;
use jumper_monitor::{Monitor, MonitorOptions, Resources};
use jumper_report::{JsonRenderer, Renderer, Report, TextRenderer};
use jumper_session::{export_session, Exported, Session};

use crate::ServiceError;

/// The service's settings (JUmPER's `Settings`, plus the levels to sample).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Sampling interval in seconds (JUmPER's default: 1.0).
    pub interval: f64,
    /// Levels to sample.
    pub levels: Vec<Level>,
    /// Default level of reports.
    pub report_level: Level,
    /// Analyzer thresholds.
    pub thresholds: Thresholds,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval: 1.0,
            levels: jumper_monitor::monitor_default_levels(),
            report_level: Level::Process,
            thresholds: Thresholds::default(),
        }
    }
}

/// Builds a [`PerfmonitorService`].
pub struct ServiceBuilder {
    settings: Settings,
    root_pid: Option<u32>,
    gpu: Option<Option<Box<dyn GpuBackend>>>,
}

impl ServiceBuilder {
    /// Sampling interval in seconds.
    pub fn interval(mut self, seconds: f64) -> Self {
        self.settings.interval = seconds;
        self
    }

    /// Levels to sample.
    pub fn levels(mut self, levels: Vec<Level>) -> Self {
        self.settings.levels = levels;
        self
    }

    /// Default report level.
    pub fn report_level(mut self, level: Level) -> Self {
        self.settings.report_level = level;
        self
    }

    /// Analyzer thresholds.
    pub fn thresholds(mut self, t: Thresholds) -> Self {
        self.settings.thresholds = t;
        self
    }

    /// Root of the process level; defaults to this process.
    pub fn root_pid(mut self, pid: Option<u32>) -> Self {
        self.root_pid = pid;
        self
    }

    /// Uses this GPU backend (e.g. a fake in tests), or none at all with `None`.
    pub fn gpu(mut self, backend: Option<Box<dyn GpuBackend>>) -> Self {
        self.gpu = Some(backend);
        self
    }

    /// Checks the settings and builds the (not yet monitoring) service.
    pub fn build(self) -> Result<PerfmonitorService, ServiceError> {
        let i = self.settings.interval;
        if !(i.is_finite() && i > 0.0) {
            return Err(jumper_monitor::MonitorError::BadInterval(i).into());
        }
        Ok(PerfmonitorService {
            settings: self.settings,
            root_pid: self.root_pid,
            gpu: self.gpu,
            monitor: None,
            history: CellHistory::new(),
        })
    }
}

/// Settings, state and orchestration: what every frontend drives.
pub struct PerfmonitorService {
    settings: Settings,
    root_pid: Option<u32>,
    gpu: Option<Option<Box<dyn GpuBackend>>>,
    monitor: Option<Monitor>,
    history: CellHistory,
}

/// Ends its cell when dropped (as failed if the thread is panicking); see
/// [`PerfmonitorService::begin`].
pub struct CellGuard<'a> {
    service: &'a mut PerfmonitorService,
    index: usize,
    done: bool,
}

impl CellGuard<'_> {
    /// The cell's index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Ends the cell with a status and returns its record.
    pub fn finish(
        mut self,
        status: CellStatus,
        error: Option<String>,
    ) -> Result<CellRecord, ServiceError> {
        self.done = true;
        self.service.end_cell(status, error)
    }
}

impl Drop for CellGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            let (status, err) = if std::thread::panicking() {
                (CellStatus::Failed, Some("panicked".to_string()))
            } else {
                (CellStatus::Ok, None)
            };
            let _ = self.service.end_cell(status, err);
        }
    }
}

impl PerfmonitorService {
    /// A builder with JUmPER's defaults (interval 1 s, report level process).
    pub fn builder() -> ServiceBuilder {
        ServiceBuilder {
            settings: Settings::default(),
            root_pid: Some(std::process::id()),
            gpu: None,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the sampler is running.
    pub fn is_monitoring(&self) -> bool {
        self.monitor.as_ref().is_some_and(Monitor::is_running)
    }

    /// Starts monitoring at the configured interval. Starting twice is an error naming the
    /// running interval; nothing is lost.
    pub fn start_monitoring(&mut self) -> Result<&Monitor, ServiceError> {
        if self.is_monitoring() {
            return Err(ServiceError::CellState(
                "performance monitoring already running",
            ));
        }
        let opts = MonitorOptions {
            interval: self.settings.interval,
            levels: self.settings.levels.clone(),
            root_pid: self.root_pid,
            gpu: self.gpu.take(),
            config: None,
        };
        let m = Monitor::start(opts)?;
        Ok(self.monitor.insert(m))
    }

    /// Stops monitoring; reports and exports keep working on the data.
    pub fn stop_monitoring(&mut self) -> Result<MonitorInfo, ServiceError> {
        let m = self.monitor.as_mut().ok_or(ServiceError::NoMonitor)?;
        Ok(m.stop())
    }

    /// The monitor, if started.
    pub fn monitor(&self) -> Option<&Monitor> {
        self.monitor.as_ref()
    }

    /// Sets the root process of the process level (e.g. a command just spawned).
    pub fn set_root(&mut self, pid: Option<u32>) -> Result<(), ServiceError> {
        self.root_pid = pid;
        if let Some(m) = self.monitor.as_mut() {
            if m.is_running() {
                m.set_root(pid)?;
            }
        }
        Ok(())
    }

    fn boundary(&self, kind: SampleKind) -> Result<f64, ServiceError> {
        match self.monitor.as_ref() {
            Some(m) if m.is_running() => Ok(m.sample_now(kind)?),
            // Cells still get a history entry without a monitor, as in JUmPER.
            _ => Ok(jumper_data::time::monotonic_s()),
        }
    }

    /// Starts a cell: takes a sample and opens a history entry. Returns the cell's index.
    pub fn begin_cell(
        &mut self,
        raw_cell: &str,
        magics: Vec<String>,
    ) -> Result<usize, ServiceError> {
        if self.history.running().is_some() {
            return Err(ServiceError::CellState("a cell is already running"));
        }
        let t = self.boundary(SampleKind::CellStart)?;
        let wall = jumper_data::time::wallclock_s();
        Ok(self.history.begin(raw_cell, magics, t, wall))
    }

    /// Ends the running cell with a sample; returns its record.
    pub fn end_cell(
        &mut self,
        status: CellStatus,
        error: Option<String>,
    ) -> Result<CellRecord, ServiceError> {
        if self.history.running().is_none() {
            return Err(ServiceError::CellState("no cell is running"));
        }
        let t = self.boundary(SampleKind::CellEnd)?;
        let wall = jumper_data::time::wallclock_s();
        self.history
            .end(t, wall, status, error)
            .cloned()
            .ok_or(ServiceError::CellState("no cell is running"))
    }

    /// A guard that ends the cell when dropped.
    pub fn begin(&mut self, name: &str) -> Result<CellGuard<'_>, ServiceError> {
        let index = self.begin_cell(name, Vec::new())?;
        Ok(CellGuard {
            service: self,
            index,
            done: false,
        })
    }

    /// Runs `work` as one monitored cell named `name`. Monitoring problems never stop the
    /// work: the cell then simply has no samples.
    pub fn cell<R>(&mut self, name: &str, work: impl FnOnce() -> R) -> R {
        let began = self.begin_cell(name, Vec::new()).is_ok();
        let r = work();
        if began {
            let _ = self.end_cell(CellStatus::Ok, None);
        }
        r
    }

    /// The cell history.
    pub fn history(&self) -> &CellHistory {
        &self.history
    }

    /// The derived table of a level.
    pub fn frame(&self, level: Level) -> Result<PerfFrame, ServiceError> {
        let m = self.monitor.as_ref().ok_or(ServiceError::NoMonitor)?;
        m.frame(level)
            .ok_or_else(|| ServiceError::LevelNotMonitored {
                given: level.to_string(),
                available: m
                    .levels()
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Monitor info with its cost so far.
    pub fn monitor_info(&self) -> Result<MonitorInfo, ServiceError> {
        Ok(self.monitor.as_ref().ok_or(ServiceError::NoMonitor)?.info())
    }

    /// A report for a range of cells (default: the last completed cell) at a level.
    pub fn report(&self, range: Option<&CellRange>, level: Level) -> Result<Report, ServiceError> {
        let frame = self.frame(level)?;
        let info = self.monitor_info()?;
        let last = CellRange::parse("-1")?;
        let range = range.unwrap_or(&last);
        Ok(Report::for_range(
            &frame,
            &self.history,
            range,
            &info,
            &self.settings.thresholds,
        )?)
    }

    /// The JUmPER-style text report.
    pub fn report_text(
        &self,
        range: Option<&CellRange>,
        level: Level,
    ) -> Result<String, ServiceError> {
        Ok(TextRenderer::default().render(&self.report(range, level)?))
    }

    /// The `jumper.report.v1` JSON report.
    pub fn report_json(
        &self,
        range: Option<&CellRange>,
        level: Level,
    ) -> Result<String, ServiceError> {
        Ok(JsonRenderer::default().render(&self.report(range, level)?))
    }

    /// Writes the JSON report to a file.
    pub fn write_report_json(
        &self,
        range: Option<&CellRange>,
        level: Level,
        path: &Path,
    ) -> Result<(), ServiceError> {
        let text = self.report_json(range, level)?;
        std::fs::write(path, text).map_err(|source| ServiceError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Exports the whole session (directory, or zip if the name ends in `.zip`).
    pub fn export_session(&self, path: &Path) -> Result<Exported, ServiceError> {
        let m = self.monitor.as_ref().ok_or(ServiceError::NoMonitor)?;
        let info = m.info();
        let levels = m.levels().to_vec();
        let frames: Vec<PerfFrame> = levels.iter().filter_map(|l| m.frame(*l)).collect();
        let mut session = Session::new(&info, &levels, &frames, self.history.cells());
        session.thresholds = self.settings.thresholds;
        session.reporter_level = self.settings.report_level;
        Ok(export_session(&session, path)?)
    }

    /// The default session directory name: `jumper-session-YYYYmmdd-HHMMSS` (JUmPER's).
    pub fn default_session_path() -> PathBuf {
        PathBuf::from(format!("jumper-session-{}", jumper_data::time::utc_stamp()))
    }

    /// Hardware resources (from the monitor, or detected now).
    pub fn resources(&self) -> Resources {
        match &self.monitor {
            Some(m) => m.resources().clone(),
            None => Resources::detect(Path::new("/proc"), Path::new("/sys/fs/cgroup"), Vec::new()),
        }
    }
}
