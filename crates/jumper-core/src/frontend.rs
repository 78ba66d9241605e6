//! What every monitoring frontend (`jumper run`, `jumper replay`, next the kernel) does the
//! same way: the levels to sample for a report level, the report files written at the end
//! (`--json`, `--html`, `--out`, all atomic), and the values users type (levels,
//! intervals).

use std::path::{Path, PathBuf};

use jumper_data::Level;
use jumper_report::Format;

use crate::run::Leftover;
use crate::PerfmonitorService;

/// The levels to sample: those asked for (default: every level available here) plus the
/// level of the reports, so a report level outside `--levels` is sampled rather than refused
/// after the work is done.
pub fn levels_for(asked: Option<Vec<Level>>, report_level: Level) -> Vec<Level> {
    let mut levels = asked.unwrap_or_else(jumper_monitor::monitor_default_levels);
    if !levels.contains(&report_level) {
        levels.push(report_level);
    }
    levels
}

/// Parses a level this machine can sample (slurm only inside a SLURM job).
pub fn parse_level(text: &str) -> Result<Level, String> {
    let avail = jumper_monitor::monitor_default_levels();
    Level::parse_among(text, &avail).map_err(|e| e.to_string())
}

/// Parses an interval: a finite number of seconds greater than 0 (the one validator,
/// [`jumper_monitor::process::check_interval`], with the text the user typed).
pub fn parse_interval(text: &str) -> Result<f64, String> {
    jumper_monitor::process::parse_interval(text).map_err(|_| {
        format!("invalid interval '{text}': must be a number of seconds greater than 0")
    })
}

/// The report files a monitoring command writes when it ends.
#[derive(Debug, Clone, Default)]
pub struct ReportFiles {
    /// The session (JUmPER 0.4.1 layout), a directory or a `.zip`.
    pub session: Option<PathBuf>,
    /// The `jumper.report.v1` JSON report.
    pub json: Option<PathBuf>,
    /// The standalone HTML report.
    pub html: Option<PathBuf>,
}

impl ReportFiles {
    /// Checks, before any work, that every file's directory exists: one line naming the
    /// option and the directory otherwise.
    pub fn check(&self) -> Result<(), String> {
        for (what, p) in [
            ("--out", &self.session),
            ("--json", &self.json),
            ("--html", &self.html),
        ] {
            let Some(p) = p else { continue };
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    return Err(format!(
                        "{what} {}: directory {} does not exist",
                        p.display(),
                        dir.display()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What [`write_report_files`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Written {
    /// Where the session went.
    pub session: Option<PathBuf>,
    /// One line per file that could not be written (the others were).
    pub errors: Vec<String>,
}

/// Writes the report files for `range` (`None`: the last cell) at `level`: each one
/// atomically (a temporary sibling renamed into place), each independently of the others.
/// The JSON report also carries the process level's source (`monitor.process_source`, and
/// `monitor.process_memory_peak_bytes` with a cgroup) and, when given, the `leftovers`.
pub fn write_report_files(
    service: &PerfmonitorService,
    range: crate::Cells,
    level: Level,
    files: &ReportFiles,
    leftovers: Option<&[Leftover]>,
) -> Written {
    let mut w = Written::default();
    if let Some(p) = &files.session {
        match service.export_session(p) {
            Ok(x) => w.session = Some(x.path),
            Err(e) => w.errors.push(crate::one_line(&e)),
        }
    }
    if files.json.is_none() && files.html.is_none() {
        return w;
    }
    let mut report = match service.report(range, level) {
        Ok(r) => r,
        Err(e) => {
            w.errors.push(format!("no report: {}", crate::one_line(&e)));
            return w;
        }
    };
    if let Some(p) = &files.json {
        report.leftovers = leftovers.map(<[Leftover]>::to_vec);
        let text = crate::render(&report, Format::Json);
        if let Err(e) = write_atomic(p, text.as_bytes()) {
            w.errors.push(e);
        }
    }
    if let Some(p) = &files.html {
        let text = crate::render(&report, Format::Html);
        if let Err(e) = write_atomic(p, text.as_bytes()) {
            w.errors.push(e);
        }
    }
    w
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_file(path, bytes).map_err(|e| crate::one_line(&e))
}

/// Writes a file a frontend was asked for, atomically (a temporary sibling renamed into
/// place): it appears complete or not at all.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), jumper_data::fsio::WriteError> {
    jumper_data::fsio::write_atomic(path, bytes)
}

/// The machine's resources with its GPUs, and a note when there are none (why).
pub fn machine_resources(service: &PerfmonitorService) -> (jumper_monitor::Resources, String) {
    let (gpu, note) = jumper_monitor::gpu::detect();
    let mut r = service.resources();
    r.gpus = gpu.map(|g| g.devices()).unwrap_or_default();
    (r, note)
}

/// `jumper resources --json`: the resources, their memory limits in GiB and the GPU note.
pub fn resources_json(r: &jumper_monitor::Resources, note: &str) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "memory_limits_gib".into(),
            serde_json::to_value(r.memory_limits_gib()).unwrap_or_default(),
        );
        o.insert("gpu_note".into(), note.into());
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_level_outside_levels_is_sampled() {
        assert_eq!(
            levels_for(Some(vec![Level::User]), Level::Process),
            vec![Level::User, Level::Process]
        );
        assert_eq!(
            levels_for(Some(vec![Level::User]), Level::User),
            vec![Level::User]
        );
    }

    #[test]
    fn intervals_have_one_rule() {
        assert_eq!(parse_interval(" 0.5 "), Ok(0.5));
        for bad in ["0", "-1", "nan", "inf", "x", ""] {
            let e = parse_interval(bad).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }
}
