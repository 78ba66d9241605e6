//! `jumper run`: one command, one monitored cell.

use clap::Args;
use jumper_core::frontend;
use jumper_core::run::{run_command, RunOptions};
use jumper_core::PerfmonitorService;
use jumper_core::ServiceError;

use crate::exit;

/// Arguments of `jumper run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Seconds between samples (a positive number).
    #[arg(long, default_value = "1.0", value_parser = frontend::parse_interval, allow_hyphen_values = true)]
    interval: f64,
    #[command(flatten)]
    outputs: crate::Outputs,
    /// Do not print the text report.
    #[arg(long, short, conflicts_with = "live")]
    quiet: bool,
    #[command(flatten)]
    live: crate::live::LiveArgs,
    /// End the processes of the command's tree that are still running when it exits
    /// (SIGTERM, then SIGKILL after half a second).
    #[arg(long)]
    kill_leftovers: bool,
    #[command(flatten)]
    metrics: crate::serve::MetricsArgs,
    /// The command and its arguments (after `--`).
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    command: Vec<String>,
}

/// Runs `jumper run`; returns the exit code.
pub fn run(args: RunArgs) -> i32 {
    let files = args.outputs.files();
    if let Err(e) = files.check() {
        eprintln!("jumper: {e}");
        return exit::USAGE;
    }
    let metrics = match args.metrics.check() {
        Ok(m) => m,
        Err(code) => return code,
    };
    if args.live.live {
        if let Err(code) = crate::live::require_terminal("--live") {
            return code;
        }
    }
    let levels = frontend::levels_for(args.outputs.levels.clone(), args.outputs.level);
    let builder = PerfmonitorService::builder()
        .interval(args.interval)
        .levels(levels)
        .report_level(args.outputs.level)
        .root_pid(None);
    let mut service = match exit::start_service(builder, "") {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !args.quiet {
        for n in service.monitor().map(|m| m.notes()).unwrap_or_default() {
            eprintln!("jumper: note: {n}");
        }
    }
    let endpoint = match metrics.start(&mut service) {
        Ok(ep) => ep,
        Err(code) => return code,
    };
    let mut opts = RunOptions::default()
        .kill_leftovers(args.kill_leftovers)
        .forward_signals(true);
    let live = if args.live.live {
        let path = crate::live::output_file(args.live.output.clone());
        opts = opts.output(Some(path.clone()));
        let feed = service.feed();
        let shown = path.display().to_string();
        let on_close_feed = feed.clone();
        let target = crate::live::Target {
            mode: jumper_live::Mode::Run,
            name: args.command.join(" "),
            output: Some(path.clone()),
        };
        let started = crate::live::Live::start(feed, target, args.live.refresh, move |o| {
            let st = on_close_feed.state();
            let pid = st.root.unwrap_or(0);
            if st.cells.is_empty() && pid != 0 {
                match o {
                    jumper_live::Outcome::Interrupt => {
                        eprintln!("jumper: interrupting the command (pid {pid})");
                        jumper_core::run::interrupt(pid);
                    }
                    jumper_live::Outcome::Quit => {
                        eprintln!(
                            "jumper: view closed; the command goes on (pid {pid}), its output \
                             goes to {shown}; Ctrl-C (or q and Enter) interrupts it"
                        );
                        crate::live::second_q_interrupts(on_close_feed.clone());
                    }
                }
            }
        });
        match started {
            Ok(l) => Some((l, path)),
            Err(code) => return code,
        }
    } else {
        None
    };
    let result = run_command(&mut service, &args.command, &opts);
    let live = live.map(|(l, path)| {
        match &result {
            Ok(d) => {
                // The numbers freeze at the command's end; the view keeps them until q (or a
                // SIGTERM/SIGHUP to jumper).
                let _ = service.stop_monitoring();
                l.finish(d.exit.to_string());
                l.stop_on_forwarded_signal();
            }
            Err(_) => l.stop(),
        }
        l.wait();
        path
    });
    if let Some(path) = &live {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "jumper: output of the command ({size} bytes) is in {}",
            path.display()
        );
    }
    let done = match result {
        Ok(d) => d,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            return match e {
                ServiceError::CommandNotFound { .. } => exit::NOT_FOUND,
                ServiceError::CannotExecute { .. } => exit::CANNOT_EXECUTE,
                _ => exit::JUMPER_FAILED,
            };
        }
    };
    if !args.quiet {
        for n in &done.notes {
            eprintln!("jumper: note: {n}");
        }
    }
    drop(endpoint);
    let code = done.exit.shell_code();
    let _ = service.stop_monitoring();
    let level = args.outputs.level;
    if !args.quiet {
        match service.report_text(jumper_core::Cells::Last, level) {
            Ok(t) => eprint!("{t}"),
            Err(e) => eprintln!("jumper: no report: {}", jumper_core::one_line(&e)),
        }
    }
    if let Some(line) = done.leftovers_line() {
        let ended = if args.kill_leftovers {
            " (ended by --kill-leftovers)"
        } else {
            ""
        };
        eprintln!("jumper: {line}{ended}");
    }
    let written = frontend::write_report_files(
        &service,
        jumper_core::Cells::Last,
        level,
        &files,
        Some(&done.leftovers),
    );
    for e in &written.errors {
        eprintln!("jumper: {e}");
    }
    if let (Some(p), false) = (&written.session, args.quiet) {
        eprintln!("jumper: session exported to {}", p.display());
    }
    if !written.errors.is_empty() && code == 0 {
        exit::JUMPER_FAILED
    } else {
        code
    }
}
