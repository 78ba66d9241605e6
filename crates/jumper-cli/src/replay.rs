//! `jumper replay SCRIPT`: run a monitored script cell by cell in one persistent interpreter.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use jumper_core::frontend;
use jumper_core::replay::{replay as run_replay, ReplayOptions};
use jumper_core::script::{Interpreter, ScriptError};
use jumper_core::{Output, OutputSink, PerfmonitorService, ServiceError};

use crate::exit;

/// Arguments of `jumper replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The monitored script (percent format: `# %%` starts a cell, `%command` lines are jumper
    /// commands).
    #[arg(value_name = "SCRIPT")]
    script: PathBuf,
    /// Program that runs the code (default: the #! line, else .py → python3, .sh → bash).
    #[arg(long, value_name = "CMD")]
    interpreter: Option<String>,
    /// Start monitoring at this interval before the first cell (otherwise the script's own
    /// %perfmonitor_start, or 1 s at the first code cell).
    #[arg(long, value_parser = frontend::parse_interval, allow_hyphen_values = true)]
    interval: Option<f64>,
    /// (The --json and --html reports of a replay cover all its cells.)
    #[command(flatten)]
    outputs: crate::Outputs,
    /// Stop at the first failed cell (default: record it as failed and go on).
    #[arg(long)]
    stop_on_error: bool,
    #[command(flatten)]
    live: crate::live::LiveArgs,
    #[command(flatten)]
    metrics: crate::serve::MetricsArgs,
}

/// While the live view holds the terminal: outputs and problems go to the output file,
/// after the interpreter's own output, in the order they come.
struct ToFile(std::fs::File);

impl OutputSink for ToFile {
    fn emit(&mut self, output: Output) {
        let _ = self.0.write_all(output.to_text().as_bytes());
    }
    fn error(&mut self, message: &str) {
        let _ = writeln!(self.0, "jumper: {message}");
    }
}

/// Prints outputs as a terminal shows them: results on stdout, problems on stderr.
struct Terminal;

impl OutputSink for Terminal {
    fn emit(&mut self, output: Output) {
        let text = output.to_text();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    fn error(&mut self, message: &str) {
        eprintln!("jumper: {message}");
    }
}

fn script_exit(e: &ScriptError) -> i32 {
    match e {
        ScriptError::InterpreterNotFound { .. } => exit::NOT_FOUND,
        ScriptError::NotExecutable { .. } => exit::CANNOT_EXECUTE,
        ScriptError::NoInterpreter { .. } | ScriptError::EmptyInterpreter { .. } => exit::USAGE,
        _ => exit::JUMPER_FAILED,
    }
}

/// Runs `jumper replay`; returns the exit status: 0 when every cell succeeded, 1 when a cell
/// failed or a command was refused, and the codes of [`exit`] otherwise.
pub fn replay(a: ReplayArgs) -> i32 {
    let files = a.outputs.files();
    if let Err(e) = files.check() {
        eprintln!("jumper: {e}");
        return exit::USAGE;
    }
    let name = a.script.display().to_string();
    let text = match std::fs::read_to_string(&a.script) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("jumper: cannot read script {name}: {e}");
            return if e.kind() == std::io::ErrorKind::NotFound {
                exit::NOT_FOUND
            } else {
                exit::JUMPER_FAILED
            };
        }
    };
    let script = jumper_core::script::parse(&text);
    let interp = match Interpreter::choose(&a.script, &script, a.interpreter.as_deref()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            return script_exit(&e);
        }
    };
    if a.live.live {
        if let Err(code) = crate::live::require_terminal("--live") {
            return code;
        }
    }
    let metrics = match a.metrics.check() {
        Ok(m) => m,
        Err(code) => return code,
    };
    let out_path = a
        .live
        .live
        .then(|| crate::live::output_file(a.live.output.clone()));
    let mut exec_opts = jumper_core::script::ExecOptions::default();
    let mut to_file = None;
    if let Some(p) = &out_path {
        let opened = std::fs::File::create(p).and_then(|f| Ok((f.try_clone()?, f.try_clone()?, f)));
        match opened {
            Ok((out, err, sink)) => {
                exec_opts.stdin = jumper_core::script::ChildIo::Null;
                exec_opts.stdout = jumper_core::script::ChildIo::fd(out);
                exec_opts.stderr = jumper_core::script::ChildIo::fd(err);
                to_file = Some(ToFile(sink));
            }
            Err(e) => {
                eprintln!("jumper: cannot write {}: {e}", p.display());
                return exit::JUMPER_FAILED;
            }
        }
    }
    let mut executor = match jumper_core::run::spawn_interpreter_with(&interp, exec_opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            return script_exit(&e);
        }
    };
    let level = a.outputs.level;
    let built = PerfmonitorService::builder()
        .root_pid(executor.root_pid())
        .levels(frontend::levels_for(a.outputs.levels.clone(), level))
        .report_level(level)
        .build();
    let mut service = match built {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            let _ = executor.shutdown();
            return exit::JUMPER_FAILED;
        }
    };
    let opts = ReplayOptions {
        interval: a.interval,
        stop_on_error: a.stop_on_error,
        script_name: name.clone(),
        interrupted: Some(|| jumper_core::run::interrupts() > 0),
    };
    let endpoint = match metrics.start(&mut service) {
        Ok(ep) => ep,
        Err(code) => {
            let _ = executor.shutdown();
            return code;
        }
    };
    // Ctrl-C reaches the interpreter from the terminal (a KeyboardInterrupt in the cell);
    // here it only ends the replay after that cell, so what was recorded is written.
    jumper_core::run::count_interrupts();
    let live = match &out_path {
        Some(p) => {
            let feed = service.feed();
            let target = crate::live::Target {
                mode: jumper_live::Mode::Replay,
                name: name.clone(),
                output: Some(p.clone()),
            };
            let on_close_feed = feed.clone();
            let shown = p.display().to_string();
            let started = crate::live::Live::start(feed, target, a.live.refresh, move |o| {
                let st = on_close_feed.state();
                if st.running.is_none() {
                    return;
                }
                let pid = st.root.unwrap_or(0);
                match o {
                    jumper_live::Outcome::Interrupt if pid != 0 => {
                        eprintln!(
                            "jumper: interrupting the running cell (pid {pid}); the replay \
                             stops after it"
                        );
                        jumper_core::run::note_interrupt();
                        jumper_core::run::interrupt(pid);
                    }
                    _ => {
                        eprintln!(
                            "jumper: view closed; the replay goes on, its output goes to \
                             {shown}; Ctrl-C (or q and Enter) interrupts it"
                        );
                        crate::live::second_q_interrupts(on_close_feed.clone());
                    }
                }
            });
            match started {
                Ok(l) => Some(l),
                Err(code) => {
                    let _ = executor.shutdown();
                    return code;
                }
            }
        }
        None => None,
    };
    let mut terminal = Terminal;
    let sink: &mut dyn OutputSink = match to_file.as_mut() {
        Some(f) => f,
        None => &mut terminal,
    };
    let result = run_replay(&mut service, &script, executor.as_mut(), sink, &opts);
    let _ = executor.shutdown();
    if let Some(ep) = endpoint {
        ep.stop();
    }
    if service.is_monitoring() {
        let _ = service.stop_monitoring();
    }
    if let Some(l) = live {
        match &result {
            Ok(s) => l.finish(format!("{} cells, {} failed", s.cells, s.failed)),
            Err(e) => l.finish(format!("stopped: {}", jumper_core::one_line(e))),
        }
        l.wait();
    }
    if out_path.is_some() && !service.history().is_empty() {
        // The script's own output (and its reports) went to the file: the view's summary.
        match service.report_text(jumper_core::Cells::All, level) {
            Ok(t) => eprint!("{t}"),
            Err(e) => eprintln!("jumper: no report: {}", jumper_core::one_line(&e)),
        }
    }
    if let Some(p) = &out_path {
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "jumper: output of the script ({size} bytes) is in {}",
            p.display()
        );
    }
    // Whatever happened, what was recorded is written.
    let mut code = match &result {
        // As a shell reports a command ended by Ctrl-C.
        Ok(s) if s.interrupted => 130,
        Ok(s) if s.failed == 0 && s.command_errors == 0 => 0,
        Ok(_) => 1,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(e));
            match e {
                ServiceError::Script(se) => script_exit(se),
                _ => exit::JUMPER_FAILED,
            }
        }
    };
    if let Ok(s) = &result {
        eprintln!(
            "jumper: replayed {} cells of {name}: {} failed, {} command errors{}",
            s.cells,
            s.failed,
            s.command_errors,
            if s.interrupted {
                " (interrupted: stopped after the cell that was running)"
            } else if s.stopped_early {
                " (stopped at the first failed cell)"
            } else {
                ""
            }
        );
    }
    let written =
        frontend::write_report_files(&service, jumper_core::Cells::All, level, &files, None);
    if let Some(p) = &written.session {
        eprintln!("jumper: session written to {}", p.display());
    }
    for e in &written.errors {
        eprintln!("jumper: {e}");
    }
    if !written.errors.is_empty() {
        code = exit::JUMPER_FAILED;
    }
    code
}
