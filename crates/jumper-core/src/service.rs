use std::path::{Path, PathBuf};

use jumper_data::{
    CellHistory, CellRange, CellRecord, CellStatus, Level, MonitorInfo, PerfFrame, SampleKind,
    Thresholds,
};

use crate::data::{Data, Offline};
use jumper_data::io as dio;
use jumper_monitor::{Gpus, Monitor, MonitorOptions, Resources};
use jumper_report::{JsonRenderer, Renderer, Report, TextRenderer};
use jumper_session::{export_session, Appender, Exported, Session, Update};

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

/// Which cells a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cells {
    /// The last completed cell, however short (a bare `%perfmonitor_perfreport`).
    #[default]
    Last,
    /// Every completed cell.
    All,
    /// A range of completed cells (`2:5`, `-3:`, ...).
    Range(CellRange),
}

impl Cells {
    fn range(&self) -> Result<CellRange, jumper_data::DataError> {
        match self {
            Cells::Last => CellRange::parse("-1"),
            Cells::All => Ok(CellRange::all()),
            Cells::Range(r) => Ok(r.clone()),
        }
    }
}

impl From<CellRange> for Cells {
    fn from(r: CellRange) -> Self {
        Cells::Range(r)
    }
}

impl std::str::FromStr for Cells {
    type Err = jumper_data::DataError;

    /// A cell range (`N`, `A:B`, `:B`, `A:`; negative from the end).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CellRange::parse(s).map(Cells::Range)
    }
}

/// What [`PerfmonitorService::import_session`] attached.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImportSummary {
    /// The directory or zip it came from.
    pub path: PathBuf,
    /// The program that wrote it, e.g. `JUmPER 0.4.1` or `jumper 0.1.0`.
    pub writer: String,
    /// Completed cells it holds.
    pub cells: usize,
    /// Levels it has data of.
    pub levels: Vec<Level>,
    /// Its sampling interval in seconds.
    pub interval: f64,
    /// Perf files whose last line was cut short and left out (a writer stopped in the
    /// middle of it), one sentence each.
    pub cut_short: Vec<String>,
}

/// Builds a [`PerfmonitorService`].
pub struct ServiceBuilder {
    settings: Settings,
    root_pid: Option<u32>,
    gpu: Gpus,
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

    /// Which GPUs to sample: detected (the default), none, or a backend of your own (e.g.
    /// [`FakeGpu`](crate::gpu::FakeGpu) in tests).
    pub fn gpu(mut self, gpus: Gpus) -> Self {
        self.gpu = gpus;
        self
    }

    /// Checks the settings and builds the (not yet monitoring) service.
    pub fn build(self) -> Result<PerfmonitorService, ServiceError> {
        jumper_monitor::process::check_interval(self.settings.interval)?;
        Ok(PerfmonitorService {
            settings: self.settings,
            root_pid: self.root_pid,
            gpu: self.gpu,
            data: Data::Empty,
            history: CellHistory::new(),
            auto_reports: None,
            recorder: None,
            titles: Vec::new(),
            history_epoch: 0,
            running_title: None,
            script_interpreter: None,
            live: None,
            feed: None,
        })
    }
}

/// Settings, state and orchestration: what every frontend drives.
pub struct PerfmonitorService {
    settings: Settings,
    root_pid: Option<u32>,
    /// GPUs of the next monitor start (a backend of one's own serves the first start only;
    /// later starts detect).
    gpu: Gpus,
    data: Data,
    history: CellHistory,
    /// Reports after every cell (`perfmonitor_enable_perfreports`).
    auto_reports: Option<AutoReports>,
    /// Script recording in progress (`start_write_script`).
    recorder: Option<jumper_script::Recorder>,
    /// Title of each completed cell (by position), for recorded scripts.
    titles: Vec<String>,
    /// See [`PerfmonitorService::history_epoch`].
    history_epoch: u64,
    running_title: Option<String>,
    /// The interpreter of the script being replayed (for the `#!` line of recorded scripts).
    script_interpreter: Option<jumper_script::Interpreter>,
    /// The live plot in force (`perfmonitor_plot --live`).
    live: Option<crate::live::LivePlot>,
    /// The feed of a live frontend, kept up to date at each change (see [`crate::feed`]).
    feed: Option<crate::feed::Feed>,
}

/// Settings of the reports shown after every cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoReports {
    /// Level of the reports.
    pub level: Level,
    /// Plain text instead of HTML.
    pub text: bool,
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
            gpu: Gpus::Detect,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the sampler is running.
    pub fn is_monitoring(&self) -> bool {
        self.data.live().is_some_and(Monitor::is_running)
    }

    /// Starts monitoring at the configured interval. Starting twice is an error naming the
    /// running interval; nothing is lost.
    ///
    /// After a stop, a new sampler starts and its rows are appended to the earlier ones (both
    /// use the same monotonic clock); so do they after [`resume_state`](Self::resume_state). An imported session is detached first: its cells and data
    /// stay in its files, and the new session's cells start at 0, so time bases never mix.
    pub fn start_monitoring(&mut self) -> Result<&Monitor, ServiceError> {
        if self.is_monitoring() {
            return Err(ServiceError::AlreadyRunning(self.settings.interval));
        }
        if matches!(self.data, Data::Imported(_)) {
            self.data = Data::Empty;
            self.history = CellHistory::new();
            self.titles.clear();
            self.history_epoch += 1;
        }
        let opts = MonitorOptions {
            interval: self.settings.interval,
            levels: self.settings.levels.clone(),
            root_pid: self.root_pid,
            gpu: match &self.gpu {
                Gpus::None => Gpus::None,
                Gpus::Backend(_) => std::mem::take(&mut self.gpu),
                _ => Gpus::Detect,
            },
            config: None,
        };
        self.data.start(Monitor::start(opts)?);
        self.publish();
        self.data.live().ok_or(ServiceError::NoMonitor)
    }

    /// Stops monitoring (and the live plot); reports and exports keep working on the data.
    pub fn stop_monitoring(&mut self) -> Result<MonitorInfo, ServiceError> {
        let resumed = matches!(self.data, Data::Resumed { .. });
        match self.data.live_mut() {
            Some(m) if m.is_running() => {
                let info = m.stop();
                self.live = None;
                self.publish();
                Ok(info)
            }
            Some(_) => Err(ServiceError::NotRunning),
            None if resumed => Err(ServiceError::NotRunning),
            None => Err(ServiceError::NoMonitor),
        }
    }

    /// A handle for a live frontend on another thread: the store, the sampler's counters and
    /// a copy of the cell history, kept up to date by the service from now on.
    pub fn feed(&mut self) -> crate::feed::Feed {
        let feed = self.feed.get_or_insert_with(Default::default).clone();
        feed.publish(self);
        feed
    }

    /// Root of the process level (`None`: none yet).
    pub fn root(&self) -> Option<u32> {
        self.root_pid
    }

    fn publish(&self) {
        if let Some(f) = &self.feed {
            f.publish(self);
        }
    }

    pub(crate) fn live_ref(&self) -> Option<&crate::live::LivePlot> {
        self.live.as_ref()
    }

    pub(crate) fn live_take(&mut self) -> Option<crate::live::LivePlot> {
        self.live.take()
    }

    pub(crate) fn live_set(&mut self, live: Option<crate::live::LivePlot>) {
        self.live = live;
    }

    pub(crate) fn data_ref(&self) -> &Data {
        &self.data
    }

    pub(crate) fn recorder_ref(&self) -> Option<&jumper_script::Recorder> {
        self.recorder.as_ref()
    }

    pub(crate) fn set_recorder(&mut self, r: Option<jumper_script::Recorder>) {
        self.recorder = r;
    }

    pub(crate) fn running_title_ref(&self) -> Option<&str> {
        self.running_title.as_deref().filter(|t| !t.is_empty())
    }

    pub(crate) fn titles_ref(&self) -> &[String] {
        &self.titles
    }

    /// Bumped whenever the completed cells are replaced rather than appended to (an import,
    /// a resumed state, a fresh history after an import): a feed copies them anew then.
    pub(crate) fn history_epoch(&self) -> u64 {
        self.history_epoch
    }

    pub(crate) fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub(crate) fn script_interpreter_ref(&self) -> Option<&jumper_script::Interpreter> {
        self.script_interpreter.as_ref()
    }

    /// Replaces the history, titles and data at once (a resumed state).
    pub(crate) fn restore_parts(&mut self, history: CellHistory, titles: Vec<String>, data: Data) {
        self.history = history;
        self.titles = titles;
        self.history_epoch += 1;
        self.running_title = None;
        self.data = data;
        self.publish();
    }

    /// Changes the sampling interval used by the next start (seconds, > 0).
    pub fn set_interval(&mut self, seconds: f64) -> Result<(), ServiceError> {
        jumper_monitor::process::check_interval(seconds)?;
        self.settings.interval = seconds;
        Ok(())
    }

    /// Tells the service which interpreter runs the cells (recorded scripts name it in their
    /// `#!` line).
    pub fn set_script_interpreter(&mut self, interpreter: Option<jumper_script::Interpreter>) {
        self.script_interpreter = interpreter;
    }

    /// Sets the analyzer thresholds (an imported session brings its own).
    pub fn set_thresholds(&mut self, t: Thresholds) {
        self.settings.thresholds = t;
    }

    /// Replaces the data and the completed cells with an imported session's; a running cell
    /// stays open and continues the imported numbering.
    pub fn attach_imported(&mut self, offline: Offline, cells: Vec<CellRecord>) {
        self.titles = vec![String::new(); cells.len()];
        self.history.replace_completed(cells);
        self.history_epoch += 1;
        self.data = Data::Imported(Box::new(offline));
        // A live view or endpoint shows the imported cells at once, not at the next cell.
        self.publish();
    }

    /// The live (running or stopped) monitor, if any.
    pub fn monitor(&self) -> Option<&Monitor> {
        self.data.live()
    }

    /// The live monitor, to change (the command runner scopes its process level).
    pub(crate) fn live_monitor_mut(&mut self) -> Option<&mut Monitor> {
        self.data.live_mut()
    }

    /// The imported session, if one is attached.
    pub fn imported(&self) -> Option<&Offline> {
        match &self.data {
            Data::Imported(o) => Some(o),
            _ => None,
        }
    }

    /// The levels with data: the monitor's, or the imported session's.
    pub fn levels(&self) -> Vec<Level> {
        self.data.levels()
    }

    /// Sets the root process of the process level (e.g. a command just spawned).
    pub fn set_root(&mut self, pid: Option<u32>) -> Result<(), ServiceError> {
        self.root_pid = pid;
        if let Some(m) = self.data.live_mut() {
            if m.is_running() {
                m.set_root(pid)?;
            }
        }
        self.publish();
        Ok(())
    }

    fn boundary(&self, kind: SampleKind) -> Result<f64, ServiceError> {
        match self.data.live() {
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
        if let Some(r) = self.history.running() {
            return Err(ServiceError::CellRunning(r.cell_index));
        }
        let t = self.boundary(SampleKind::CellStart)?;
        let wall = jumper_data::time::wallclock_s();
        let i = self.history.begin(raw_cell, magics, t, wall);
        self.publish();
        Ok(i)
    }

    /// Like [`begin_cell`](Self::begin_cell), but without waiting for the start sample: the
    /// cell begins now and the sampler takes the sample on its own thread at once, in order
    /// with every later sample, so its cost (0.1–0.4 ms for all levels) overlaps with handing
    /// the code to whoever runs it. For frontends whose code runs in another process that is
    /// idle until it gets the code (the kernel relay): the few microseconds in which that
    /// process receives the request may fall before the sample, never the code's own work
    /// once the sample is in. Cell ranges and reports are the same as with `begin_cell`.
    pub fn begin_cell_pipelined(
        &mut self,
        raw_cell: &str,
        magics: Vec<String>,
    ) -> Result<usize, ServiceError> {
        if let Some(r) = self.history.running() {
            return Err(ServiceError::CellRunning(r.cell_index));
        }
        // The cell starts before its start sample (t <= the sample's time), so the sample is
        // the cell's.
        let t = jumper_data::time::monotonic_s();
        let wall = jumper_data::time::wallclock_s();
        if let Some(m) = self.data.live() {
            if m.is_running() {
                m.request_sample(SampleKind::CellStart)?;
            }
        }
        let i = self.history.begin(raw_cell, magics, t, wall);
        self.publish();
        Ok(i)
    }

    /// Like [`begin_cell`](Self::begin_cell) with a title (the text after `# %%` in a script),
    /// which a recorded script keeps.
    pub fn begin_titled_cell(
        &mut self,
        title: &str,
        raw_cell: &str,
        magics: Vec<String>,
    ) -> Result<usize, ServiceError> {
        let i = self.begin_cell(raw_cell, magics)?;
        self.running_title = Some(title.to_string());
        // Again, now with the title, for a live view.
        self.publish();
        Ok(i)
    }

    /// Ends the running cell with a sample; returns its record.
    pub fn end_cell(
        &mut self,
        status: CellStatus,
        error: Option<String>,
    ) -> Result<CellRecord, ServiceError> {
        if self.history.running().is_none() {
            return Err(ServiceError::NoCellRunning);
        }
        let t = self.boundary(SampleKind::CellEnd)?;
        let wall = jumper_data::time::wallclock_s();
        let rec = self
            .history
            .end(t, wall, status, error)
            .cloned()
            .ok_or(ServiceError::NoCellRunning)?;
        let title = self.running_title.take().unwrap_or_default();
        if let Some(r) = self.recorder.as_mut() {
            if !jumper_script::is_recording_control(&rec.raw_cell) {
                r.record(&title, &rec.raw_cell);
            }
        }
        self.titles.push(title);
        self.publish();
        Ok(rec)
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
    /// work: the cell then simply has no samples. If `work` panics, the cell ends as failed
    /// while the panic unwinds, so a caller that catches the panic can run the next cell.
    pub fn cell<R>(&mut self, name: &str, work: impl FnOnce() -> R) -> R {
        match self.begin(name) {
            Ok(guard) => {
                let r = work();
                let _ = guard.finish(CellStatus::Ok, None);
                r
            }
            Err(_) => work(),
        }
    }

    /// The cell history.
    pub fn history(&self) -> &CellHistory {
        &self.history
    }

    /// The derived table of a level (live, stopped or imported data).
    pub fn frame(&self, level: Level) -> Result<PerfFrame, ServiceError> {
        if matches!(self.data, Data::Empty) {
            return Err(ServiceError::NoMonitor);
        }
        self.data
            .frame(level)
            .ok_or_else(|| self.level_error(level))
    }

    /// The error for a level this session has no data of, naming those it has.
    pub(crate) fn level_error(&self, level: Level) -> ServiceError {
        ServiceError::LevelNotMonitored {
            given: level.to_string(),
            available: self
                .levels()
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Monitor info with its cost so far (for imported sessions: from the manifest).
    pub fn monitor_info(&self) -> Result<MonitorInfo, ServiceError> {
        self.data.info().ok_or(ServiceError::NoMonitor)
    }

    /// A report on `cells` at `level`.
    pub fn report(&self, cells: Cells, level: Level) -> Result<Report, ServiceError> {
        let frame = self.frame(level)?;
        let info = self.monitor_info()?;
        Ok(Report::for_range(
            &frame,
            &self.history,
            &cells.range()?,
            &info,
            &self.settings.thresholds,
        )?)
    }

    /// The JUmPER-style text report.
    pub fn report_text(&self, cells: Cells, level: Level) -> Result<String, ServiceError> {
        Ok(TextRenderer::default().render(&self.report(cells, level)?))
    }

    /// The `jumper.report.v1` JSON report.
    pub fn report_json(&self, cells: Cells, level: Level) -> Result<String, ServiceError> {
        Ok(JsonRenderer::default().render(&self.report(cells, level)?))
    }

    /// Writes the JSON report to a file.
    pub fn write_report_json(
        &self,
        cells: Cells,
        level: Level,
        path: &Path,
    ) -> Result<(), ServiceError> {
        let text = self.report_json(cells, level)?;
        std::fs::write(path, text).map_err(|source| ServiceError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes the perf data of `level` to a `.csv` or `.json` file (JUmPER's columns plus
    /// jumper's raw counters, and each row's cell).
    pub fn export_perf_data(&self, level: Level, path: &Path) -> Result<(), ServiceError> {
        let frame = self.frame(level)?;
        if frame.rows.is_empty() {
            return Err(ServiceError::NoData(level));
        }
        Ok(dio::export_perf(&frame, self.history.cells(), path)?)
    }

    /// Writes the cell history to a `.csv` or `.json` file.
    pub fn export_cell_history(&self, path: &Path) -> Result<(), ServiceError> {
        let cells = self.history.cells();
        if cells.is_empty() {
            return Err(jumper_data::DataError::NoCells.into());
        }
        Ok(dio::export_history(cells, path)?)
    }

    /// Imports a session directory or zip (jumper's or JUmPER 0.3.x/0.4.1's): its cells, data
    /// and thresholds replace the service's. A path that is no session is named first; a
    /// valid session is refused while monitoring runs. Nothing changes on an error.
    pub fn import_session(&mut self, path: &Path) -> Result<ImportSummary, ServiceError> {
        let imported = crate::import::import(path)?;
        if self.is_monitoring() {
            return Err(ServiceError::ImportWhileMonitoring);
        }
        let summary = ImportSummary {
            path: path.to_path_buf(),
            writer: imported.offline.writer.clone(),
            cells: imported.cells.len(),
            levels: imported.offline.frames.iter().map(|f| f.level).collect(),
            interval: imported.offline.info.interval,
            cut_short: imported.cut_short,
        };
        self.set_thresholds(imported.thresholds);
        self.attach_imported(imported.offline, imported.cells);
        Ok(summary)
    }

    /// Turns the reports after every cell on (`Some`) or off.
    pub fn set_auto_reports(&mut self, reports: Option<AutoReports>) {
        self.auto_reports = reports;
    }

    /// The automatic-report settings, if enabled.
    pub fn auto_reports(&self) -> Option<AutoReports> {
        self.auto_reports
    }

    /// Starts recording the cells that end from now on into a monitored script (default
    /// path: `jumper_script_YYYYmmdd_HHMMSS.py`); its first cell restores the monitoring
    /// settings in force. Returns the script's path.
    pub fn start_recording(&mut self, path: Option<PathBuf>) -> Result<&Path, ServiceError> {
        if let Some(r) = &self.recorder {
            return Err(ServiceError::AlreadyRecording(r.path().to_path_buf()));
        }
        let mut r = jumper_script::Recorder::start(path, self.restore_commands());
        if let Some(i) = &self.script_interpreter {
            r = r.interpreter(i);
        }
        Ok(self.recorder.insert(r).path())
    }

    /// Ends the recording and writes the script.
    pub fn end_recording(&mut self) -> Result<jumper_script::Recorded, ServiceError> {
        let r = self.recorder.take().ok_or(ServiceError::NotRecording)?;
        Ok(r.finish()?)
    }

    /// The commands that bring a new session to the monitoring settings in force (the first
    /// cell of a recorded script).
    pub fn restore_commands(&self) -> Vec<String> {
        let s = &self.settings;
        let mut out = Vec::new();
        if !self.is_monitoring() {
            return out;
        }
        match self.auto_reports {
            Some(a) => out.push(format!(
                "%perfmonitor_enable_perfreports --level {} --interval {}{}",
                a.level,
                s.interval,
                if a.text { " --text" } else { "" }
            )),
            None => out.push(format!("%perfmonitor_start {}", s.interval)),
        }
        out
    }

    /// Exports the whole session (directory, or zip if the name ends in `.zip`).
    pub fn export_session(&self, path: &Path) -> Result<Exported, ServiceError> {
        let info = self.monitor_info()?;
        let levels = self.levels();
        let frames: Vec<PerfFrame> = levels.iter().filter_map(|l| self.data.frame(*l)).collect();
        let mut session = Session::new(&info, &levels, &frames, self.history.cells());
        session.thresholds = self.settings.thresholds;
        session.reporter_level = self.settings.report_level;
        Ok(export_session(&session, path)?)
    }

    /// Brings the session directory of `appender` up to date: the first time (and whenever
    /// appending is not possible) a whole [`export_session`](Self::export_session), after
    /// that only the rows sampled since the last update, so a periodic save costs what the
    /// new rows cost ([`jumper_session::Appender`]).
    pub fn update_session(&self, appender: &mut Appender) -> Result<Update, ServiceError> {
        let info = self.monitor_info()?;
        let levels = self.levels();
        let mut session = Session::new(&info, &levels, &[], self.history.cells());
        session.thresholds = self.settings.thresholds;
        session.reporter_level = self.settings.report_level;
        // The rows of a running cell get its index only once it ends: while one runs, write
        // the whole session, and the next update again.
        let running = self.history.running().is_some();
        if running {
            appender.forget();
        }
        let updated = appender.update(&session, &mut |level, from| {
            self.data.frame_from(level, from)
        })?;
        if running {
            appender.forget();
        }
        Ok(updated)
    }

    /// The default session directory name: `jumper-session-YYYYmmdd-HHMMSS` (JUmPER's).
    pub fn default_session_path() -> PathBuf {
        PathBuf::from(format!("jumper-session-{}", jumper_data::time::utc_stamp()))
    }

    /// Hardware resources (from the monitor, or detected now).
    pub fn resources(&self) -> Resources {
        match self.data.live() {
            Some(m) => m.resources().clone(),
            None => Resources::detect(Path::new("/proc"), Path::new("/sys/fs/cgroup"), Vec::new()),
        }
    }
}
