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
pub fn session_imported(path: &Path, writer: &str, cells: usize, levels: &[Level]) -> String {
    format!(
        "Session imported successfully: {} (written by {writer}; {cells} cells; levels: {})",
        path.display(),
        level_list(levels)
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

/// `perfmonitor_help`.
pub fn help(slurm: bool) -> String {
    let mut s =
        String::from("jumper commands (write them with a leading % in scripts and notebooks):\n");
    for (usage, what) in crate::command::COMMANDS {
        s.push_str(&format!("  %{usage}\n      {what}\n"));
    }
    s.push_str(
        "\nMonitoring levels:\n  process  the monitored process and all its descendants\n  user     all processes of the user\n  system   the whole machine\n",
    );
    if slurm {
        s.push_str("  slurm    the processes of this SLURM job\n");
    }
    s.push_str(
        "\nCell ranges (inclusive): N, A:B, :B, A:; negative indices count from the end (-3: = the last three cells)\n",
    );
    s.push_str(
        "\nMetrics (--metrics, keys or subsets):\n  cpu: cpu_summary   cpu_all: cpu (per core)   mem: memory\n  io: io_read, io_write, io_read_count, io_write_count\n  gpu: gpu_util_summary, gpu_band_summary, gpu_mem_summary   gpu_all: gpu_util, gpu_band, gpu_mem\n",
    );
    s
}
