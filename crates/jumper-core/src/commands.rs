//! Running commands of the language against the service: `run_command("%perfmonitor_perfreport
//! --cell 2:4")` in, typed [`Output`]s out.
//!
//! JUmPER's bugs are fixed here rather than copied (reference §12): reports and exports work
//! after `perfmonitor_stop` and on imported sessions; a bare report says which cell it covers
//! and covers the last cell however short; `perfmonitor_stop` before a start is a clear message;
//! a recorded cell is executed, not skipped; every error reaches the caller.

use std::path::{Path, PathBuf};

use jumper_data::{io as dio, CellRecord, Level};
use jumper_report::{Format, JsonRenderer, Renderer, Report, TextRenderer};

use crate::command::{Command, PlotArgs, ReportArgs};
use crate::output::{DataValue, Output, Table};
use crate::service::{AutoReports, Cells};
use crate::{messages, PerfmonitorService, ServiceError};

/// Whether a cell holds only commands and comments (JUmPER shows no automatic report after it);
/// the monitored-script parser's own notion of code decides.
pub fn is_command_only(raw_cell: &str) -> bool {
    !jumper_script::ScriptCell::new("", raw_cell, 0).has_code()
}

impl PerfmonitorService {
    /// Parses and runs one command line (with or without `%`).
    ///
    /// ```no_run
    /// # use jumper_core::PerfmonitorService;
    /// let mut service = PerfmonitorService::builder().build()?;
    /// service.run_command("%perfmonitor_start 0.1")?;
    /// service.cell("work", || (0..1_000_000u64).sum::<u64>());
    /// for out in service.run_command("%perfmonitor_perfreport --cell 0 --text")? {
    ///     print!("{}", out.to_text());
    /// }
    /// # Ok::<(), jumper_core::ServiceError>(())
    /// ```
    pub fn run_command(&mut self, line: &str) -> Result<Vec<Output>, ServiceError> {
        let cmd = Command::parse(line)?;
        self.execute(cmd)
    }

    /// Runs a parsed command.
    pub fn execute(&mut self, cmd: Command) -> Result<Vec<Output>, ServiceError> {
        match cmd {
            Command::Help => Ok(vec![Output::Text(messages::help(
                jumper_monitor::process::slurm_job().is_some(),
            ))]),
            Command::Resources => self.cmd_resources(),
            Command::Start { interval } => self.cmd_start(interval),
            Command::Stop => self.cmd_stop(),
            Command::PerfReport(args) => self.cmd_report(&args),
            Command::Plot(args) => self.cmd_plot(&args),
            Command::EnablePerfReports {
                level,
                interval,
                text,
            } => self.cmd_enable_reports(level, interval, text),
            Command::DisablePerfReports => {
                self.set_auto_reports(None);
                Ok(vec![Output::info(messages::REPORTS_DISABLED)])
            }
            Command::ExportPerfData { file, level, name } => {
                self.cmd_export_perf(file.as_deref(), level, name)
            }
            Command::ExportCellHistory { file, name } => {
                self.cmd_export_history(file.as_deref(), name)
            }
            Command::LoadPerfData { file } => self.cmd_load_perf(&file),
            Command::LoadCellHistory { file } => {
                let cells = dio::read_history(&file)?;
                Ok(vec![
                    Output::info(messages::data_available(
                        "Loaded cell history",
                        "loaded_cell_history_df",
                    )),
                    Output::Data {
                        name: "loaded_cell_history_df".into(),
                        value: DataValue::History(cells),
                    },
                ])
            }
            Command::FastSetup => {
                let mut out = Vec::new();
                if !self.is_monitoring() {
                    out.extend(self.cmd_start(Some(1.0))?);
                }
                out.extend(self.cmd_enable_reports(Some(Level::Process), Some(1.0), false)?);
                out.push(Output::info(messages::FAST_SETUP));
                Ok(out)
            }
            Command::ShowCellHistory => self.cmd_history(),
            Command::ExportSession { path } => {
                let path = path.unwrap_or_else(PerfmonitorService::default_session_path);
                let done = self.export_session(&path)?;
                Ok(vec![Output::info(messages::exported(&done.path))])
            }
            Command::ImportSession { path } => self.cmd_import(&path),
            Command::StartWriteScript { path } => self.cmd_start_recording(path),
            Command::EndWriteScript => self.cmd_end_recording(),
        }
    }

    /// Outputs due after a cell ended: the automatic report of exactly that cell, when
    /// reports are enabled and the cell ran code (JUmPER repeated the last long cell's report
    /// after a short one; here every cell reports itself).
    pub fn after_cell(&self, rec: &CellRecord) -> Vec<Output> {
        let Some(auto) = self.auto_reports() else {
            return Vec::new();
        };
        if is_command_only(&rec.raw_cell) {
            return Vec::new();
        }
        // Deriving a live level's frame walks all its samples: do it once per cell.
        let report = match (self.frame(auto.level), self.monitor_info()) {
            (Ok(frame), Ok(info)) => Report::new(
                &frame,
                std::slice::from_ref(rec),
                &info,
                &self.settings().thresholds,
            ),
            _ => return Vec::new(),
        };
        match report {
            Ok(r) => vec![render_report(
                &r,
                if auto.text { Format::Text } else { html() },
            )],
            Err(e) => vec![Output::warning(format!(
                "no report for cell {}: {e}",
                rec.cell_index
            ))],
        }
    }

    fn cmd_start(&mut self, interval: Option<f64>) -> Result<Vec<Output>, ServiceError> {
        if self.is_monitoring() {
            // As in JUmPER: a warning, not an error, so notebooks that start twice go on.
            return Ok(vec![Output::warning(
                ServiceError::AlreadyRunning(self.settings().interval).to_string(),
            )]);
        }
        let detached = self.imported().map(|o| o.source.clone());
        if let Some(i) = interval {
            self.set_interval(i)?;
        }
        let m = self.start_monitoring()?;
        let info = m.info();
        let mut out = Vec::new();
        if let Some(src) = detached {
            out.push(Output::info(messages::import_detached(&src)));
        }
        out.push(Output::info(messages::monitor_started(
            info.pid,
            info.interval,
            &info.levels,
        )));
        for note in m.notes() {
            out.push(Output::info(note.clone()));
        }
        Ok(out)
    }

    fn cmd_stop(&mut self) -> Result<Vec<Output>, ServiceError> {
        let had_live = self.live_plot().is_some();
        let info = match self.stop_monitoring() {
            Ok(i) => i,
            Err(ServiceError::NoMonitor) => return Err(ServiceError::NeverStarted),
            Err(e) => return Err(e),
        };
        let ran = match (info.start_time, info.stop_time) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        let mut out = vec![
            Output::info(messages::monitor_stopped(ran)),
            Output::info(messages::missed(
                info.missed_ticks,
                info.ticks,
                info.own_cpu_s,
            )),
        ];
        if had_live {
            out.push(Output::LivePlot {
                plot: None,
                text: "live plot ended (monitoring stopped)".into(),
            });
        }
        Ok(out)
    }

    fn cmd_enable_reports(
        &mut self,
        level: Option<Level>,
        interval: Option<f64>,
        text: bool,
    ) -> Result<Vec<Output>, ServiceError> {
        let level = level.unwrap_or(Level::Process);
        let mut out = Vec::new();
        if !self.is_monitoring() {
            out.extend(self.cmd_start(Some(interval.unwrap_or(1.0)))?);
        } else if let Some(i) = interval {
            if (i - self.settings().interval).abs() > 1e-12 {
                out.push(Output::warning(format!(
                    "monitoring already runs at {} s; the interval {i} s applies after perfmonitor_stop and perfmonitor_start",
                    self.settings().interval
                )));
            }
        }
        if !self.levels().contains(&level) {
            return Err(self.level_error(level));
        }
        self.set_auto_reports(Some(AutoReports { level, text }));
        out.push(Output::info(messages::reports_enabled(
            level,
            self.settings().interval,
            text,
        )));
        Ok(out)
    }

    fn cmd_report(&mut self, args: &ReportArgs) -> Result<Vec<Output>, ServiceError> {
        let level = args.level.unwrap_or(Level::Process);
        let cells = args.cell.clone().map_or(Cells::Last, Cells::Range);
        let report = self.report(cells, level)?;
        let format = args
            .format
            .unwrap_or(if args.text { Format::Text } else { html() });
        Ok(vec![render_report(&report, format)])
    }

    fn cmd_plot(&mut self, args: &PlotArgs) -> Result<Vec<Output>, ServiceError> {
        crate::plot::plot(self, args)
    }

    fn cmd_export_perf(
        &mut self,
        file: Option<&Path>,
        level: Option<Level>,
        name: Option<String>,
    ) -> Result<Vec<Output>, ServiceError> {
        let level = level.unwrap_or(Level::Process);
        match file {
            Some(f) => {
                self.export_perf_data(level, f)?;
                Ok(vec![Output::info(messages::exported(f))])
            }
            None => {
                let frame = self.frame(level)?;
                if frame.rows.is_empty() {
                    return Err(ServiceError::NoData(level));
                }
                let cells = self.history().cells().to_vec();
                let name = name.unwrap_or_else(|| "perfdata_df".into());
                Ok(vec![
                    Output::info(messages::data_available("Performance data", &name)),
                    Output::Data {
                        name,
                        value: DataValue::Perf { frame, cells },
                    },
                ])
            }
        }
    }

    fn cmd_export_history(
        &mut self,
        file: Option<&Path>,
        name: Option<String>,
    ) -> Result<Vec<Output>, ServiceError> {
        match file {
            Some(f) => {
                self.export_cell_history(f)?;
                Ok(vec![Output::info(messages::exported(f))])
            }
            None => {
                let cells = self.history().cells().to_vec();
                if cells.is_empty() {
                    return Err(jumper_data::DataError::NoCells.into());
                }
                let name = name.unwrap_or_else(|| "cell_history_df".into());
                Ok(vec![
                    Output::info(messages::data_available("Cell history", &name)),
                    Output::Data {
                        name,
                        value: DataValue::History(cells),
                    },
                ])
            }
        }
    }

    fn cmd_load_perf(&mut self, file: &Path) -> Result<Vec<Output>, ServiceError> {
        // Utilisation in JUmPER's files is already in percent; the CPU count only matters for
        // per-core columns, which the reader takes from the file.
        let cpus = self.monitor_info().map(|i| i.num_cpus).unwrap_or(1).max(1);
        let frame = dio::read_perf(file, Level::Process, cpus)?;
        Ok(vec![
            Output::info(messages::data_available(
                "Loaded performance data",
                "loaded_perfdata_df",
            )),
            Output::Data {
                name: "loaded_perfdata_df".into(),
                value: DataValue::Perf {
                    frame,
                    cells: Vec::new(),
                },
            },
        ])
    }

    fn cmd_history(&self) -> Result<Vec<Output>, ServiceError> {
        let cells = self.history().cells();
        if cells.is_empty() {
            return Err(jumper_data::DataError::NoCells.into());
        }
        let clock = |t: f64| {
            if t > 0.0 {
                let (_, _, _, h, m, s) = jumper_data::time::utc_fields(t as i64);
                format!("{h:02}:{m:02}:{s:02}")
            } else {
                "-".into()
            }
        };
        let table = Table {
            columns: [
                "Cell index",
                "Duration (s)",
                "Start Time (UTC)",
                "End Time (UTC)",
                "Status",
                "Code",
            ]
            .map(String::from)
            .to_vec(),
            rows: cells
                .iter()
                .map(|c| {
                    vec![
                        c.cell_index.to_string(),
                        format!("{:.2}", c.duration),
                        clock(c.wallclock_start_time),
                        clock(c.wallclock_end_time),
                        match (&c.status, &c.error) {
                            (jumper_data::CellStatus::Ok, _) => "ok".into(),
                            (_, Some(e)) => format!("failed: {e}"),
                            (_, None) => "failed".into(),
                        },
                        c.raw_cell.clone(),
                    ]
                })
                .collect(),
        };
        Ok(vec![Output::Table {
            title: format!("Cell history ({} cells)", cells.len()),
            table,
        }])
    }

    fn cmd_resources(&self) -> Result<Vec<Output>, ServiceError> {
        if let Some(o) = self.imported() {
            let i = &o.info;
            let mut s = format!(
                "CPUs: {}\n  CPU affinity: {:?}\nMemory: {:.2} GiB\nGPUs: {}\n",
                i.num_cpus,
                i.cpu_handles,
                i.memory_limit(Level::System).unwrap_or(0.0),
                i.num_gpus
            );
            if i.num_gpus > 0 {
                s.push_str(&format!("  {}, {:.2} GiB\n", i.gpu_name, i.gpu_memory));
            }
            return Ok(vec![
                Output::info(messages::imported_resources(&o.source)),
                Output::Text(s),
            ]);
        }
        Ok(vec![Output::Text(self.resources().to_text())])
    }

    fn cmd_import(&mut self, path: &Path) -> Result<Vec<Output>, ServiceError> {
        let summary = self.import_session(path)?;
        let mut out = vec![Output::info(messages::session_imported(&summary))];
        out.extend(summary.cut_short.iter().map(|n| Output::warning(n.clone())));
        Ok(out)
    }

    fn cmd_start_recording(&mut self, path: Option<PathBuf>) -> Result<Vec<Output>, ServiceError> {
        let path = self.start_recording(path)?;
        Ok(vec![Output::info(messages::recording_started(path))])
    }

    fn cmd_end_recording(&mut self) -> Result<Vec<Output>, ServiceError> {
        let done = self.end_recording()?;
        Ok(vec![
            Output::info(messages::recording_saved(done.cells, &done.path)),
            Output::File {
                what: "script",
                path: done.path,
            },
        ])
    }
}

/// The HTML format of reports.
fn html() -> Format {
    Format::Html
}

/// A report as the output its format asks for.
pub(crate) fn render_report(report: &Report, format: Format) -> Output {
    match format {
        Format::Html => Output::Html {
            html: jumper_report::HtmlRenderer::default().render(report),
            text: TextRenderer::default().render(report),
            json: Some(JsonRenderer::value(report)),
        },
        Format::Json => Output::Text(JsonRenderer::default().render(report)),
        f => Output::Text(f.renderer().render(report)),
    }
}

/// A report rendered in `format` as one string (HTML: a standalone document).
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Html => jumper_report::HtmlRenderer::standalone().render(report),
        f => f.renderer().render(report),
    }
}
