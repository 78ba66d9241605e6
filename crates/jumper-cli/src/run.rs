//! `jumper run`: one command, one monitored cell.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{bail, Context};
use clap::Args;
use jumper_core::PerfmonitorService;
use jumper_data::CellStatus;

use crate::exit;

/// Arguments of `jumper run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Seconds between samples (a positive number).
    #[arg(long, default_value = "1.0", value_parser = crate::parse_interval, allow_hyphen_values = true)]
    interval: f64,
    #[command(flatten)]
    outputs: crate::Outputs,
    /// Do not print the text report.
    #[arg(long, short)]
    quiet: bool,
    /// The command and its arguments (after `--`).
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    command: Vec<String>,
}

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// While the command runs, Ctrl-C and Ctrl-\ reach it from the terminal directly, so jumper
/// ignores them and survives to write the report; SIGTERM and SIGHUP sent to jumper are
/// passed on to the command.
fn guard_signals(pid: u32) {
    CHILD.store(pid as i32, Ordering::Relaxed);
    // SAFETY: installing dispositions; the handler only calls kill().
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        let h = forward_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
}

fn check_parent(path: &Path, what: &str) -> anyhow::Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(p) = parent {
        if !p.is_dir() {
            bail!(
                "{what} {}: directory {} does not exist",
                path.display(),
                p.display()
            );
        }
    }
    Ok(())
}

fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `jumper run`; returns the exit code.
pub fn run(args: RunArgs) -> i32 {
    if let Some(p) = &args.outputs.json {
        if let Err(e) = check_parent(p, "--json") {
            eprintln!("jumper: {e}");
            return exit::USAGE;
        }
    }
    if let Some(p) = &args.outputs.out {
        if let Err(e) = check_parent(p, "--out") {
            eprintln!("jumper: {e}");
            return exit::USAGE;
        }
    }
    match run_inner(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jumper: {}", crate::one_line(&e));
            exit::JUMPER_FAILED
        }
    }
}

fn run_inner(args: &RunArgs) -> anyhow::Result<i32> {
    let mut levels = args
        .outputs
        .levels
        .clone()
        .unwrap_or_else(jumper_monitor::monitor_default_levels);
    if !levels.contains(&args.outputs.level) {
        levels.push(args.outputs.level);
    }
    let mut service = PerfmonitorService::builder()
        .interval(args.interval)
        .levels(levels)
        .report_level(args.outputs.level)
        .root_pid(None)
        .build()
        .context("cannot set up monitoring")?;
    service
        .start_monitoring()
        .context("cannot start monitoring")?;
    if let Some(m) = service.monitor() {
        for n in m.notes() {
            if !args.quiet {
                eprintln!("jumper: note: {n}");
            }
        }
    }
    let raw = shell_words(&args.command);
    service.begin_cell(&raw, Vec::new())?;
    let mut child = match Command::new(&args.command[0])
        .args(&args.command[1..])
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let (code, why) = match e.kind() {
                ErrorKind::NotFound => (exit::NOT_FOUND, "command not found"),
                ErrorKind::PermissionDenied => (exit::CANNOT_EXECUTE, "permission denied"),
                _ => (exit::CANNOT_EXECUTE, "cannot execute"),
            };
            eprintln!("jumper: {}: {why} ({e})", args.command[0]);
            return Ok(code);
        }
    };
    let pid = child.id();
    guard_signals(pid);
    service.set_root(Some(pid))?;
    // Wait without reaping so the last sample still sees the command's final counters.
    let exit = jumper_monitor::process::wait_exit_keep_zombie(pid)
        .context("cannot wait for the command")?;
    let (status, error) = if exit.success() {
        (CellStatus::Ok, None)
    } else {
        (CellStatus::Failed, Some(exit.to_string()))
    };
    let end_sample = service.end_cell(status, error);
    child.wait().context("cannot wait for the command")?;
    end_sample?;
    let code = exit.shell_code();
    service.stop_monitoring()?;

    let mut failed = false;
    if !args.quiet {
        match service.report_text(jumper_core::Cells::Last, args.outputs.level) {
            Ok(t) => eprint!("{t}"),
            Err(e) => {
                eprintln!("jumper: no report: {e}");
            }
        }
    }
    if let Some(p) = &args.outputs.json {
        if let Err(e) = service.write_report_json(jumper_core::Cells::Last, args.outputs.level, p) {
            eprintln!("jumper: {e}");
            failed = true;
        }
    }
    if let Some(p) = &args.outputs.html {
        let written = service
            .report(jumper_core::Cells::Last, args.outputs.level)
            .map_err(anyhow::Error::from)
            .and_then(|r| {
                let html = jumper_core::render(&r, jumper_report::Format::Html);
                crate::write_atomic(p, html.as_bytes())
            });
        if let Err(e) = written {
            eprintln!("jumper: {}", crate::one_line(&e));
            failed = true;
        }
    }
    if let Some(p) = &args.outputs.out {
        match service.export_session(p) {
            Ok(x) => {
                if !args.quiet {
                    eprintln!("jumper: session exported to {}", x.path.display());
                }
            }
            Err(e) => {
                eprintln!("jumper: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed && code == 0 {
        exit::JUMPER_FAILED
    } else {
        code
    })
}
