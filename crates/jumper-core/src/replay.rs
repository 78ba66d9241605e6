//! Replaying a monitored script (DESIGN.md §5): commands go to the service, code goes to one
//! persistent interpreter, every cell is a monitored cell.
//!
//! Rules, in the order they apply to each cell of the script:
//! 1. **Monitoring starts by itself when the script does not start it.** With
//!    [`ReplayOptions::interval`] set, monitoring starts before the first cell at that
//!    interval (a `%perfmonitor_start` in the script then only warns that it runs). Without
//!    it, a cell that runs code while monitoring was never started, and that does not start
//!    monitoring itself, starts it at 1 s first, so every code cell has samples.
//! 2. The cell begins (a sample is taken), then its commands and code chunks run in the order
//!    they are written. A command error is one line on the sink; the cell is then recorded as
//!    failed with that error, and the replay goes on.
//! 3. Code goes to the interpreter; its output streams as it is produced. A cell whose code
//!    raises or exits non-zero is failed, with the error.
//! 4. A cell that ends the interpreter (`exit 3`, `sys.exit()`): the executor starts a fresh
//!    interpreter, the process level follows the new one, and the sink gets one line saying
//!    that state from earlier cells is lost.
//! 5. The cell ends (a sample), automatic reports are emitted, and with
//!    [`ReplayOptions::stop_on_error`] a failed cell stops the replay; an interrupt
//!    ([`ReplayOptions::interrupted`]) stops it after the cell it interrupted.

use jumper_data::CellStatus;
use jumper_script::{CellCode, CellExecutor, CellItem, Script};

use crate::command::{command_name, spec_of_line, Command};
use crate::{Output, OutputSink, PerfmonitorService, ServiceError};

/// How to replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Start monitoring at this interval before the first cell.
    pub interval: Option<f64>,
    /// Stop at the first failed cell.
    pub stop_on_error: bool,
    /// Name of the script, for error lines (`analysis.py:12: ...`).
    pub script_name: String,
    /// Asked after every cell: `true` ends the replay there (the user interrupted it, e.g.
    /// Ctrl-C, which also interrupted the running cell). The CLI passes a check of
    /// [`crate::run::interrupts`].
    pub interrupted: Option<fn() -> bool>,
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Cells run.
    pub cells: usize,
    /// Cells recorded as failed (code errors or command errors).
    pub failed: usize,
    /// Command lines that were refused.
    pub command_errors: usize,
    /// Whether `stop_on_error` ended the replay early.
    pub stopped_early: bool,
    /// Whether an interrupt ([`ReplayOptions::interrupted`]) ended the replay early.
    pub interrupted: bool,
}

/// Whether a command line gives the session data (the command table says which do).
fn starts_monitoring(cmd_line: &str) -> bool {
    spec_of_line(cmd_line).is_some_and(|s| s.starts_monitoring)
}

/// Runs `script` cell by cell; see the module docs for the rules.
///
/// Errors only when jumper itself cannot go on (the interpreter cannot be restarted, the
/// monitor cannot start); everything a script gets wrong is reported on `sink` and counted
/// in the summary.
pub fn replay(
    service: &mut PerfmonitorService,
    script: &Script,
    executor: &mut dyn CellExecutor,
    sink: &mut dyn OutputSink,
    opts: &ReplayOptions,
) -> Result<ReplaySummary, ServiceError> {
    let mut summary = ReplaySummary::default();
    let mut named = std::collections::HashSet::new();
    // One-process-per-cell executors have no lasting root: their processes are jumper's
    // children, reaped into jumper's own counters (the sampler itself is excluded).
    service.set_root(executor.root_pid().or(Some(std::process::id())))?;
    service.set_script_interpreter(Some(executor.interpreter().clone()));
    if let Some(i) = opts.interval {
        service.set_interval(i)?;
        service.start_monitoring()?;
    }
    for cell in &script.cells {
        let commands: Vec<String> = cell
            .items
            .iter()
            .filter_map(|it| match it {
                CellItem::Command { text, .. } => Some(text.clone()),
                CellItem::Code { .. } => None,
            })
            .collect();
        let never_started = service.monitor().is_none() && service.imported().is_none();
        if cell.has_code() && never_started && !commands.iter().any(|c| starts_monitoring(c)) {
            service.start_monitoring()?;
        }
        service.begin_titled_cell(&cell.title, &cell.source, commands)?;
        summary.cells += 1;
        let mut failure: Option<String> = None;
        for item in &cell.items {
            match item {
                CellItem::Command { line, text } => match service.run_command(text) {
                    Ok(outs) => outs.into_iter().for_each(|o| sink.emit(o)),
                    Err(e) => {
                        summary.command_errors += 1;
                        sink.error(&format!(
                            "{}:{line}: {}",
                            opts.script_name,
                            crate::one_line(&e)
                        ));
                        failure.get_or_insert_with(|| format!("%{}: {e}", command_name(text)));
                    }
                },
                CellItem::Code { text, line } => {
                    let name = format!("<cell {}>", service.history().next_index());
                    let code = CellCode::new(text).named(&name).at_line(*line);
                    let outcome = match executor.run_code(&code) {
                        Ok(o) => o,
                        Err(e) => {
                            let _ = service.end_cell(CellStatus::Failed, Some(e.to_string()));
                            return Err(e.into());
                        }
                    };
                    if let Some(r) = &outcome.restarted {
                        service.set_root(Some(r.pid))?;
                        sink.error(&format!(
                            "{}:{}: {}",
                            opts.script_name,
                            cell.line,
                            outcome
                                .error
                                .as_deref()
                                .unwrap_or("the interpreter was restarted")
                        ));
                    }
                    if outcome.status == CellStatus::Failed {
                        failure.get_or_insert_with(|| {
                            outcome.error.clone().unwrap_or_else(|| "failed".into())
                        });
                    }
                }
            }
        }
        let status = if failure.is_some() {
            CellStatus::Failed
        } else {
            CellStatus::Ok
        };
        let rec = service.end_cell(status, failure)?;
        // Processes the cell started that still run (a server, a `&` job): named once, when
        // the cell that left them ends.
        let left: Vec<_> = service
            .monitor()
            .and_then(|m| m.leftovers().ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|l| named.insert(l.pid))
            .collect();
        let what = format!("cell {}", rec.cell_index);
        if let Some(line) = jumper_monitor::process::describe_leftovers(&left, &what) {
            sink.emit(Output::warning(line));
        }
        for o in service.after_cell(&rec) {
            sink.emit(o);
        }
        if status == CellStatus::Failed {
            summary.failed += 1;
            if opts.stop_on_error {
                summary.stopped_early = true;
                break;
            }
        }
        if opts.interrupted.is_some_and(|asked| asked()) {
            summary.interrupted = true;
            break;
        }
    }
    Ok(summary)
}

/// Checks every command of a script without running anything: the typos a replay would
/// report, as `(line, message)`.
pub fn check(script: &Script) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for cell in &script.cells {
        for it in &cell.items {
            if let CellItem::Command { line, text } = it {
                if let Err(e) = Command::parse(text) {
                    out.push((*line, e.to_string()));
                }
            }
        }
    }
    out
}
