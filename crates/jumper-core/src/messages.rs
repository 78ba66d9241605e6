//! Every message the command language prints, in one place (JUmPER's catalogue, fixed where
//! JUmPER's wording was wrong: e.g. missed measurements as a count and a percentage, not a
//! bare fraction).

use std::path::Path;

use jumper_data::Level;

/// `perfmonitor_start`.
pub fn monitor_started(pid: u32, interval: f64, levels: &[Level]) -> String {
    format!(
        "Performance monitoring started (PID: {pid}, Interval: {interval}s, levels: {})",
        level_list(levels)
    )
}

/// `perfmonitor_stop`, first line.
pub fn monitor_stopped(seconds: f64) -> String {
    format!("Performance monitoring stopped (ran for {seconds:.2} seconds)")
}

/// `perfmonitor_stop`, second line.
pub fn missed(missed: u64, ticks: u64, own_cpu_s: f64) -> String {
    let pct = if ticks + missed > 0 {
        100.0 * missed as f64 / (ticks + missed) as f64
    } else {
        0.0
    };
    format!(
        "Missed measurements: {missed} of {} ({pct:.1} %); sampler CPU time {own_cpu_s:.3} s",
        ticks + missed
    )
}

/// `perfmonitor_enable_perfreports`.
pub fn reports_enabled(level: Level, interval: f64, text: bool) -> String {
    format!(
        "Performance reports enabled for each cell (level: {level}, interval: {interval}, format: {})",
        if text { "text" } else { "html" }
    )
}

/// `perfmonitor_disable_perfreports`.
pub const REPORTS_DISABLED: &str = "Performance reports for each cell disabled";

/// `perfmonitor_fast_setup`.
pub const FAST_SETUP: &str = "Fast setup complete! Ready for interactive analysis.";

/// A file export.
pub fn exported(path: &Path) -> String {
    format!("Exported to {}", path.display())
}

/// `import_session`.
pub fn session_imported(s: &crate::ImportSummary) -> String {
    format!(
        "Session imported successfully: {} (written by {}; {} cells; levels: {})",
        s.path.display(),
        s.writer,
        s.cells,
        level_list(&s.levels)
    )
}

/// `perfmonitor_resources` on an imported session.
pub fn imported_resources(path: &Path) -> String {
    format!(
        "Showing resources from imported session: {}",
        path.display()
    )
}

/// `perfmonitor_start` while an imported session is attached.
pub fn import_detached(path: &Path) -> String {
    format!(
        "Imported session {} detached (its files are unchanged); the new session's cells start at 0",
        path.display()
    )
}

/// `start_write_script`.
pub fn recording_started(path: &Path) -> String {
    format!("Started script recording to '{}'", path.display())
}

/// `end_write_script`.
pub fn recording_saved(cells: usize, path: &Path) -> String {
    format!("Recorded {cells} cells to file '{}'", path.display())
}

/// Data handed to the frontend.
pub fn data_available(what: &str, name: &str) -> String {
    format!("{what} available as '{name}'")
}

/// A command option jumper accepts but does not act on.
pub fn ignored_option(option: &str, why: &str) -> String {
    format!("{option} is accepted for JUmPER scripts but ignored: {why}")
}

fn level_list(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `perfmonitor_help` (derived from the command table).
pub fn help(slurm: bool) -> String {
    crate::command::help(slurm)
}
