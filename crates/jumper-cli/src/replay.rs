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
    let mut executor = match jumper_core::run::spawn_interpreter(&interp) {
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
    };
    let mut sink = Terminal;
    let result = run_replay(&mut service, &script, executor.as_mut(), &mut sink, &opts);
    let _ = executor.shutdown();
    if service.is_monitoring() {
        let _ = service.stop_monitoring();
    }
    // Whatever happened, what was recorded is written.
    let mut code = match &result {
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
            if s.stopped_early {
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
