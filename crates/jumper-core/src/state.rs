//! Saving the service's state to a directory and resuming it in a new process: a Jupyter
//! kernel restart kills jumper, and the user still expects `%perfmonitor_perfreport --cell 0:`
//! to cover the whole notebook.
//!
//! The directory holds `state.json` (settings, cells, auto-report and recording state) and,
//! when there is perf data, a session (`session-<stamp>/`, as `export_session` writes it) that
//! `state.json` names. A save writes the new session first and replaces `state.json`
//! atomically (a sibling, then a rename) before removing the old session, so a process killed
//! mid-save leaves the previous state readable.
//!
//! Times: samples and cells carry `CLOCK_MONOTONIC` seconds, which every process of one boot
//! shares, so a resumed process continues the same time base. After a reboot (another
//! `boot_id`) the saved times are moved onto the new boot's clock through the wall clock, so
//! the earlier cells still come before the new ones.

use std::path::{Path, PathBuf};

use jumper_data::{CellHistory, CellRecord, Level, MonitorInfo, PerfFrame, Thresholds};
use serde::{Deserialize, Serialize};

use crate::data::Data;
use crate::service::AutoReports;
use crate::{Appender, PerfmonitorService, ServiceError};

/// The session directory [`PerfmonitorService::checkpoint_state`] keeps current.
const LIVE_SESSION: &str = "session-live";

/// The state file in a state directory.
pub const STATE_FILE: &str = "state.json";
/// The schema of [`STATE_FILE`].
pub const STATE_SCHEMA: &str = "jumper.state.v1";

/// What [`PerfmonitorService::resume_state`] brought back.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Resumed {
    /// Completed cells restored.
    pub cells: usize,
    /// The index the next cell gets.
    pub next_cell: usize,
    /// Whether monitoring was on when saved, and so was started again.
    pub monitoring: bool,
    /// The automatic-report settings restored.
    pub auto_reports: Option<AutoReports>,
    /// The script recording continued, if one was in progress.
    pub recording: Option<PathBuf>,
    /// Whether a live plot was in force, and so is again ([`PerfmonitorService::live_plot`]).
    pub live_plot: bool,
    /// Seconds the saved times were moved by (non-zero only after a reboot).
    pub time_shift_s: f64,
}

#[derive(Serialize, Deserialize)]
struct SavedAuto {
    level: Level,
    text: bool,
}

/// A live plot in force (`%perfmonitor_plot --live`), so a restarted kernel goes on with it.
#[derive(Serialize, Deserialize)]
struct SavedLive {
    /// Metric keys, comma separated (`cpu_summary,memory`).
    metrics: String,
    level: Level,
    interval: f64,
    window: f64,
    started_at_cell: usize,
}

#[derive(Serialize, Deserialize)]
struct SavedRecording {
    path: PathBuf,
    restore: Vec<String>,
    /// `(title, source)` of each recorded cell.
    cells: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct SavedState {
    schema: String,
    writer: String,
    /// The session subdirectory with the perf data, if there is any.
    session: Option<String>,
    boot_id: Option<String>,
    saved_monotonic: f64,
    saved_wallclock: f64,
    interval: f64,
    levels: Vec<Level>,
    report_level: Level,
    thresholds: Thresholds,
    monitoring: bool,
    auto_reports: Option<SavedAuto>,
    recording: Option<SavedRecording>,
    /// Absent in states written before live plots were kept.
    #[serde(default)]
    live: Option<SavedLive>,
    titles: Vec<String>,
    next_cell: usize,
    cells: Vec<CellRecord>,
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Seconds to add to saved monotonic times to put them on this process's clock: zero on the
/// same boot; otherwise the difference of the two boots' monotonic-to-wall offsets.
pub(crate) fn time_shift(
    saved_boot: Option<&str>,
    saved: (f64, f64),
    this_boot: Option<&str>,
    now: (f64, f64),
) -> f64 {
    let (saved_mono, saved_wall) = saved;
    let (now_mono, now_wall) = now;
    let same_boot = matches!((saved_boot, this_boot), (Some(a), Some(b)) if a == b);
    // Unknown boots: trust the clock unless it runs backwards from the saved state.
    let unknown_but_fine = saved_boot.is_none() || this_boot.is_none();
    if same_boot || (unknown_but_fine && now_mono >= saved_mono) {
        return 0.0;
    }
    (now_mono - now_wall) - (saved_mono - saved_wall)
}

fn shift_times(frames: &mut [PerfFrame], cells: &mut [CellRecord], info: &mut MonitorInfo, d: f64) {
    if d == 0.0 {
        return;
    }
    for f in frames {
        for r in &mut f.rows {
            r.time += d;
        }
    }
    for c in cells {
        c.start_time += d;
        c.end_time += d;
    }
    info.start_time = info.start_time.map(|t| t + d);
    info.stop_time = info.stop_time.map(|t| t + d);
}

fn invalid(dir: &Path, why: impl Into<String>) -> ServiceError {
    ServiceError::StateInvalid {
        path: dir.to_path_buf(),
        why: why.into(),
    }
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> ServiceError + '_ {
    move |source| ServiceError::Write {
        path: path.to_path_buf(),
        source,
    }
}

impl PerfmonitorService {
    /// Saves the session and its settings to `dir` (created if needed), for
    /// [`resume_state`](Self::resume_state) in a new process: the completed cells and their
    /// samples, whether monitoring runs and at which interval, the levels, the report level
    /// and thresholds, the automatic-report settings, a recording in progress, and the next
    /// cell index. A running cell is not saved (it has no end yet). Only jumper's own files in
    /// `dir` are replaced.
    pub fn save_state(&self, dir: &Path) -> Result<(), ServiceError> {
        std::fs::create_dir_all(dir).map_err(write_err(dir))?;
        let session = match self.data_ref() {
            Data::Empty => None,
            _ => {
                // Nanoseconds keep names unique across quick successive saves.
                let name = format!(
                    "session-{}",
                    (jumper_data::time::wallclock_s() * 1e9) as u128
                );
                self.export_session(&dir.join(&name))?;
                Some(name)
            }
        };
        self.write_state(dir, session)
    }

    /// Like [`save_state`](Self::save_state), cheaply enough to call after every cell: the
    /// session in `dir` is kept current by `appender` (created on the first call), so a
    /// checkpoint costs what the samples and cells since the last one cost, and a process
    /// killed without warning (a kernel restarted with `now=True`, a crash) leaves the state
    /// of its last checkpoint for [`resume_state`](Self::resume_state). Skipped (`Ok(false)`)
    /// while a cell runs: its rows are not final yet.
    pub fn checkpoint_state(
        &self,
        dir: &Path,
        appender: &mut Option<Appender>,
    ) -> Result<bool, ServiceError> {
        if self.history().running().is_some() {
            return Ok(false);
        }
        std::fs::create_dir_all(dir).map_err(write_err(dir))?;
        let session = match self.data_ref() {
            Data::Empty => None,
            _ => {
                let path = dir.join(LIVE_SESSION);
                let a = match appender {
                    Some(a) if a.path() == path => a,
                    // A checkpoint outlives a killed process, not a crashed machine: no
                    // syncs, so one costs little more than formatting the new rows.
                    _ => appender.insert(Appender::new(&path).without_sync()),
                };
                self.update_session(a)?;
                Some(LIVE_SESSION.to_string())
            }
        };
        self.write_state(dir, session)?;
        Ok(true)
    }

    /// Writes `state.json` naming `session` (replacing it atomically) and removes the
    /// sessions it no longer names.
    fn write_state(&self, dir: &Path, session: Option<String>) -> Result<(), ServiceError> {
        let s = self.settings();
        let state = SavedState {
            schema: STATE_SCHEMA.into(),
            writer: format!("jumper {}", env!("CARGO_PKG_VERSION")),
            session: session.clone(),
            boot_id: boot_id(),
            saved_monotonic: jumper_data::time::monotonic_s(),
            saved_wallclock: jumper_data::time::wallclock_s(),
            interval: s.interval,
            levels: s.levels.clone(),
            report_level: s.report_level,
            thresholds: s.thresholds,
            monitoring: self.is_monitoring(),
            auto_reports: self.auto_reports().map(|a| SavedAuto {
                level: a.level,
                text: a.text,
            }),
            recording: self.recorder_ref().map(|r| SavedRecording {
                path: r.path().to_path_buf(),
                restore: r.restore_commands().to_vec(),
                cells: r.cells().to_vec(),
            }),
            live: self.live_ref().map(|l| SavedLive {
                metrics: l.metric_keys(),
                level: l.level,
                interval: l.interval,
                window: l.window,
                started_at_cell: l.started_at_cell,
            }),
            titles: self.titles_ref().to_vec(),
            next_cell: self.history().next_index(),
            cells: self.history().cells().to_vec(),
        };
        let text = serde_json::to_string_pretty(&state)
            .map_err(|e| invalid(dir, format!("cannot encode the state: {e}")))?;
        let file = dir.join(STATE_FILE);
        let tmp = dir.join(format!(".{STATE_FILE}.tmp"));
        std::fs::write(&tmp, text).map_err(write_err(&tmp))?;
        std::fs::rename(&tmp, &file).map_err(write_err(&file))?;
        // The old sessions are no longer named by the state; failing to remove one is harmless.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("session-") && Some(&name) != session.as_ref() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(())
    }

    /// Resumes a session saved by [`save_state`](Self::save_state), typically by an earlier
    /// process of the same kernel. The saved cells become this service's history (the cell
    /// index continues after them) and their samples its earlier data, which reports, plots,
    /// the cell history and exports cover together with what is recorded from now on; the
    /// settings, automatic reports and a recording in progress come back; if monitoring was
    /// on, it starts again at the saved interval for the service's current root process (set
    /// it first with [`set_root`](Self::set_root)).
    ///
    /// Refused while a cell runs or monitoring runs. A missing or damaged state is one clear
    /// error naming the directory, and nothing changes.
    pub fn resume_state(&mut self, dir: &Path) -> Result<Resumed, ServiceError> {
        if let Some(c) = self.history().running() {
            return Err(ServiceError::CellRunning(c.cell_index));
        }
        if self.is_monitoring() {
            return Err(ServiceError::ResumeWhileMonitoring);
        }
        let file = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&file).map_err(|source| ServiceError::StateRead {
            path: file.clone(),
            source,
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| invalid(dir, format!("{STATE_FILE} is not JSON: {e}")))?;
        match value.get("schema").and_then(|v| v.as_str()) {
            Some(STATE_SCHEMA) => {}
            Some(other) => {
                return Err(invalid(
                    dir,
                    format!("unknown state schema '{other}' (this jumper reads {STATE_SCHEMA})"),
                ))
            }
            None => return Err(invalid(dir, format!("{STATE_FILE} has no schema"))),
        }
        let saved: SavedState = serde_json::from_value(value)
            .map_err(|e| invalid(dir, format!("{STATE_FILE}: {e}")))?;
        jumper_monitor::process::check_interval(saved.interval)
            .map_err(|e| invalid(dir, format!("bad interval: {e}")))?;
        let mut cells = saved.cells;
        if cells.windows(2).any(|w| w[1].cell_index <= w[0].cell_index) {
            return Err(invalid(dir, "cell indices are not increasing"));
        }
        let next = cells.last().map_or(0, |c| c.cell_index + 1);
        if saved.next_cell != next {
            return Err(invalid(
                dir,
                format!(
                    "next cell {} does not follow the saved cells (expected {next})",
                    saved.next_cell
                ),
            ));
        }
        let mut data = match &saved.session {
            None => None,
            Some(name) => {
                if name.contains('/') || name.contains("..") {
                    return Err(invalid(dir, format!("bad session name '{name}'")));
                }
                let path = dir.join(name);
                if !path.is_dir() {
                    return Err(invalid(dir, format!("its session '{name}' is missing")));
                }
                let imported = crate::import::import(&path)?;
                Some((imported.offline.frames, imported.offline.info))
            }
        };
        let shift = time_shift(
            saved.boot_id.as_deref(),
            (saved.saved_monotonic, saved.saved_wallclock),
            boot_id().as_deref(),
            (
                jumper_data::time::monotonic_s(),
                jumper_data::time::wallclock_s(),
            ),
        );
        if let Some((frames, info)) = data.as_mut() {
            shift_times(frames, &mut cells, info, shift);
        } else {
            shift_times(&mut [], &mut cells, &mut MonitorInfo::default(), shift);
        }

        // Everything is read and checked: now change the service.
        let n = cells.len();
        let settings = self.settings_mut();
        settings.interval = saved.interval;
        settings.levels = saved.levels;
        settings.report_level = saved.report_level;
        settings.thresholds = saved.thresholds;
        let mut titles = saved.titles;
        titles.resize(n, String::new());
        self.restore_parts(
            CellHistory::from_records(cells),
            titles,
            match data {
                Some((earlier, info)) => Data::Resumed {
                    earlier,
                    info: Box::new(info),
                },
                None => Data::Empty,
            },
        );
        let auto = saved.auto_reports.map(|a| AutoReports {
            level: a.level,
            text: a.text,
        });
        self.set_auto_reports(auto);
        let recording = saved.recording.map(|r| {
            let mut rec = jumper_script::Recorder::start(Some(r.path.clone()), r.restore);
            if let Some(i) = self.script_interpreter_ref() {
                rec = rec.interpreter(i);
            }
            for (title, source) in &r.cells {
                rec.record(title, source);
            }
            self.set_recorder(Some(rec));
            r.path
        });
        if saved.monitoring {
            self.start_monitoring()?;
        }
        // A live plot goes on with the monitoring it draws (metrics this build does not know
        // are left out; none left: no live plot).
        let live = saved.live.filter(|_| saved.monitoring).and_then(|l| {
            let metrics: Vec<_> = l
                .metrics
                .split(',')
                .filter_map(jumper_viz::Metric::from_key)
                .collect();
            (!metrics.is_empty()).then_some(crate::live::LivePlot {
                metrics,
                level: l.level,
                interval: l.interval,
                window: l.window,
                started_at_cell: l.started_at_cell,
            })
        });
        let live_plot = live.is_some();
        self.live_set(live);
        Ok(Resumed {
            cells: n,
            next_cell: next,
            monitoring: saved.monitoring,
            auto_reports: auto,
            recording,
            live_plot,
            time_shift_s: shift,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_boot_keeps_times_and_another_boot_moves_them_by_the_wall_clock() {
        assert_eq!(
            time_shift(Some("a"), (500.0, 1e9), Some("a"), (600.0, 1e9 + 100.0)),
            0.0
        );
        // Rebooted: the old boot's monotonic 500 was wall 1e9; the new boot's monotonic 20 is
        // wall 1e9 + 100, so the old samples lie 80 s before the new boot began.
        let d = time_shift(Some("a"), (500.0, 1e9), Some("b"), (20.0, 1e9 + 100.0));
        assert!((500.0 + d - (20.0 - 100.0)).abs() < 1e-6, "{d}");
        // Unknown boots: shifted only if the clock ran backwards.
        assert_eq!(time_shift(None, (5.0, 1e9), None, (6.0, 1e9 + 1.0)), 0.0);
        assert!(time_shift(None, (500.0, 1e9), None, (6.0, 1e9 + 1.0)) < -490.0);
    }
}
