//! `jumper watch`: the live view of an existing process tree (`--pid`), or of the user and
//! system levels, without running anything.
//!
//! jumper is not the parent of the watched process, so it cannot wait for it or reap it: it
//! polls whether it is still alive. Its descendants are followed through their parent links;
//! a child orphaned by the tree is adopted by init (or the nearest subreaper) and so leaves
//! the tree and the process level, as `ps --forest` would show it. When the watched process
//! is gone the view shows the finished banner with the final numbers until `q`.

use clap::Args;
use jumper_core::{frontend, CellStatus, Cells, Level, PerfmonitorService};

use crate::exit;

/// Arguments of `jumper watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Follow this process and its descendants (a kernel, a job step); without it, the user
    /// and system levels.
    #[arg(long, value_name = "PID")]
    pid: Option<u32>,
    /// Seconds between samples (a positive number).
    #[arg(long, default_value = "1.0", value_parser = frontend::parse_interval, allow_hyphen_values = true)]
    interval: f64,
    /// Display refresh rate in Hz (1-30; `+`/`-` change it in the view).
    #[arg(long, value_name = "HZ", default_value = "10", value_parser = crate::live::parse_refresh)]
    refresh: u32,
    /// Levels to sample, comma separated (default: all this machine has; process only with
    /// --pid).
    #[arg(long, value_delimiter = ',', value_parser = frontend::parse_level)]
    levels: Option<Vec<Level>>,
    /// Level of the report printed and written at the end (default: process with --pid,
    /// else user).
    #[arg(long, value_parser = frontend::parse_level)]
    level: Option<Level>,
    /// Write the session (JUmPER 0.4.1 layout) to this directory, or a zip if it ends in .zip.
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
    /// Write the JSON report (schema jumper.report.v1) to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
    /// Write the HTML report (a standalone page) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Checks that `pid` names a live process this user can read; one line and exit 2 if not.
fn check_pid(pid: u32) -> Result<String, i32> {
    let stat = std::path::PathBuf::from(format!("/proc/{pid}/stat"));
    match std::fs::read_to_string(&stat) {
        Ok(text) if pid != 0 => {
            // The state letter follows the command's closing parenthesis.
            let state = text
                .rfind(')')
                .and_then(|i| text[i + 1..].split_whitespace().next());
            if state == Some("Z") {
                eprintln!("jumper: process {pid} has already exited (a zombie)");
                return Err(exit::USAGE);
            }
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|b| {
                    b.split(|&c| c == 0)
                        .filter(|s| !s.is_empty())
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            Ok(cmd)
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            eprintln!("jumper: process {pid} is not readable by this user ({e})");
            Err(exit::USAGE)
        }
        _ => {
            eprintln!("jumper: no process with pid {pid} (it has exited or never existed)");
            Err(exit::USAGE)
        }
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|t| {
        t.rfind(')')
            .and_then(|i| t[i + 1..].split_whitespace().next())
            .is_some_and(|s| s != "Z" && s != "X")
    })
}

/// Runs `jumper watch`; returns the exit status.
pub fn watch(a: WatchArgs) -> i32 {
    let command = match a.pid {
        Some(pid) => match check_pid(pid) {
            Ok(c) => Some(c),
            Err(code) => return code,
        },
        None => None,
    };
    let level = a.level.unwrap_or(if a.pid.is_some() {
        Level::Process
    } else {
        Level::User
    });
    if a.pid.is_none()
        && (level == Level::Process
            || a.levels
                .as_ref()
                .is_some_and(|l| l.contains(&Level::Process)))
    {
        eprintln!("jumper: the process level needs --pid (the tree to follow)");
        return exit::USAGE;
    }
    if let Err(code) = crate::live::require_terminal("jumper watch") {
        return code;
    }
    let mut levels = frontend::levels_for(a.levels.clone(), level);
    if a.pid.is_none() {
        levels.retain(|l| *l != Level::Process);
    }
    let builder = PerfmonitorService::builder()
        .interval(a.interval)
        .levels(levels)
        .report_level(level)
        .root_pid(a.pid);
    let mut service = match exit::start_service(builder, "") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (name, cell) = match (a.pid, &command) {
        (Some(pid), Some(c)) => (format!("pid {pid}: {c}"), format!("watch pid {pid}")),
        _ => ("user and system".to_string(), "watch".to_string()),
    };
    if let Err(e) = service.begin_cell(&cell, Vec::new()) {
        eprintln!("jumper: {}", jumper_core::one_line(&e));
        return exit::JUMPER_FAILED;
    }
    let target = crate::live::Target {
        mode: jumper_live::Mode::Watch,
        name,
        output: None,
    };
    let live = match crate::live::Live::start(service.feed(), target, a.refresh, |_| {}) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut ended = false;
    while !live.is_closed() {
        std::thread::sleep(std::time::Duration::from_millis(200));
        if let Some(pid) = a.pid {
            if !ended && !alive(pid) {
                ended = true;
                let _ = service.end_cell(CellStatus::Ok, None);
                let _ = service.stop_monitoring();
                live.finish(format!("pid {pid} exited"));
            }
        }
    }
    live.wait();
    if !ended {
        let _ = service.end_cell(CellStatus::Ok, None);
        let _ = service.stop_monitoring();
    }
    if let (Some(pid), true) = (a.pid, ended) {
        eprintln!("jumper: process {pid} exited");
    }
    match service.report_text(Cells::Last, level) {
        Ok(t) => eprint!("{t}"),
        Err(e) => eprintln!("jumper: no report: {}", jumper_core::one_line(&e)),
    }
    let files = frontend::ReportFiles {
        session: a.out.clone(),
        json: a.json.clone(),
        html: a.html.clone(),
    };
    let written = frontend::write_report_files(&service, Cells::Last, level, &files, None);
    for e in &written.errors {
        eprintln!("jumper: {e}");
    }
    if let Some(p) = &written.session {
        eprintln!("jumper: session exported to {}", p.display());
    }
    if written.errors.is_empty() {
        0
    } else {
        exit::JUMPER_FAILED
    }
}
