//! Executors: how the code of a cell runs in an interpreter.
//!
//! [`spawn_executor`] picks one by [`InterpreterKind`]:
//!
//! | kind | process | state between cells |
//! |---|---|---|
//! | Python | one `python3 -u -c DRIVER` | kept: one `__main__` namespace |
//! | Bash | one `bash --norc --noprofile -c DRIVER` | kept: variables, functions, options, cwd |
//! | Stdin | one process per cell, code on its stdin | none |
//!
//! ## The persistent interpreters (Python, bash)
//!
//! Cell code goes to the interpreter over a private pipe (its descriptor 3), and the result of
//! each cell comes back over another (descriptor 4): the user's standard streams carry only the
//! user's output, and jumper never parses them. The interpreter gets jumper's standard input,
//! output and error by default (so `input()`, `read`, progress bars and colours behave as when
//! the script runs directly) and stays in jumper's process group, so terminal job control and
//! Ctrl-C reach it; [`ExecOptions`] redirects any of the three. It inherits no other descriptor
//! of jumper: everything else is close-on-exec before the interpreter starts, and the drivers
//! keep the two private pipes away from the processes a cell starts.
//!
//! - **Python**: each cell is compiled as `<cell N>` (N counts the cells this executor ran, from
//!   1; [`CellCode`] can name the real file and line instead) and executed in `__main__`'s
//!   namespace, so `__name__ == "__main__"` and a variable from cell 1 is there in cell 5. An
//!   exception prints the usual traceback on stderr through `sys.excepthook`, without the
//!   driver's own frames, and the cell fails with `Type: message`
//!   (`ZeroDivisionError: division by zero`). `sys.stdout` and `sys.stderr` are flushed before
//!   the result is sent, so the output of a cell is complete when [`CellExecutor::run_cell`]
//!   returns.
//! - **bash** (4.1 or later): each cell is `eval`ed in the one shell. A cell fails when its last command's
//!   status is non-zero (`exit status N`). Options such as `set -e` (also from `#!/bin/bash -e`)
//!   work as in a script: a failing command then ends the shell (see below).
//!
//! ## A cell that ends the interpreter
//!
//! `exit 3` in bash, `sys.exit(3)` or `os._exit(3)` in Python, or a signal that kills the
//! interpreter ends it in the middle of a cell. The cell is then `Failed` with the error
//! `the interpreter exited with status 3; it was restarted and variables from earlier cells are
//! lost` — whatever the status, because the state the next cells rely on is gone — and a fresh
//! interpreter is started at once: [`CellExecutor::root_pid`] returns its pid,
//! [`CellOutcome::restarted`] tells the old and new pid and how the old one ended, and the next
//! cell runs there. A caller that wants a script to stop at such a cell stops when `restarted` is
//! set. An interpreter found dead when a cell is about to be sent (killed from outside between
//! cells) is restarted the same way, and that cell is reported failed without being run.
//!
//! ## Other programs
//!
//! Any program that reads code on its standard input works as [`InterpreterKind::Stdin`]: one
//! process per cell with the cell's code on its stdin, status = its exit status. No state
//! carries from one cell to the next, [`CellExecutor::root_pid`] is `None` between cells, and
//! [`ExecOptions::on_spawn`] reports each cell's process.
//!
//! ## Costs
//!
//! Nothing polls: a running cell costs jumper one blocked `poll(2)` on the result pipe and on a
//! pidfd of the interpreter (so an interpreter that dies is noticed even when a process it
//! started still holds the pipe). Ending or dropping an executor closes the code pipe, waits up
//! to [`ExecOptions::shutdown_grace`] for the interpreter to exit, kills it after that, and
//! always reaps it: no zombies. Measured on a 2-core machine (`cargo bench -p jumper-script`):
//! an empty cell's round trip is about 15 µs in Python and 50 µs in bash; starting an
//! interpreter costs what the interpreter's own start-up costs.
//!
//! ## Platform
//!
//! Linux (pidfd, `close_range`; both have fallbacks for older kernels). Like every Rust program,
//! jumper ignores `SIGPIPE`; a host that embeds these executors without ignoring it would get
//! the signal when a cell is sent to an interpreter that just died.

mod oneshot;
mod persistent;
mod sys;

use std::fmt;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use jumper_data::CellStatus;

use crate::error::ScriptError;
use crate::interpreter::{Interpreter, InterpreterKind};

/// Runs cells of code, one after the other, in an interpreter.
pub trait CellExecutor: Send {
    /// The pid of the interpreter: the root of the process level. `None` before start, after
    /// [`shutdown`](Self::shutdown), and between cells for one-process-per-cell executors.
    fn root_pid(&self) -> Option<u32>;

    /// Runs one cell's code and returns when the cell is over. Its output streams to the
    /// interpreter's stdout/stderr (jumper's own by default) as it is produced.
    ///
    /// A failing cell is `Ok` with [`CellStatus::Failed`]; `Err` means jumper could not run it
    /// at all (the interpreter cannot be started or restarted, or stopped following the
    /// protocol).
    fn run_cell(&mut self, code: &str) -> Result<CellOutcome, ScriptError> {
        self.run_code(&CellCode::new(code))
    }

    /// [`run_cell`](Self::run_cell) with the name and first line the interpreter should give the
    /// code in tracebacks.
    fn run_code(&mut self, code: &CellCode<'_>) -> Result<CellOutcome, ScriptError>;

    /// Ends the interpreter (closing its code pipe, then killing it after the grace period) and
    /// reaps it. Calling it again does nothing; a later cell starts a fresh interpreter.
    fn shutdown(&mut self) -> Result<(), ScriptError>;

    /// The interpreter this executor runs.
    fn interpreter(&self) -> &Interpreter;
}

/// The code of one cell and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellCode<'a> {
    /// The code.
    pub code: &'a str,
    /// The file name Python gives the code in tracebacks (e.g. the script's path); `None` for
    /// `<cell N>`.
    pub name: Option<&'a str>,
    /// The line number (1-based) of the code's first line in tracebacks, e.g. the line in the
    /// script file.
    pub first_line: usize,
}

impl<'a> CellCode<'a> {
    /// Code named `<cell N>`, starting at line 1.
    pub fn new(code: &'a str) -> CellCode<'a> {
        CellCode {
            code,
            name: None,
            first_line: 1,
        }
    }

    /// The same code under a file name, e.g. the script's path.
    pub fn named(self, name: &'a str) -> CellCode<'a> {
        CellCode {
            name: Some(name),
            ..self
        }
    }

    /// The same code starting at line `line` (1-based).
    pub fn at_line(self, line: usize) -> CellCode<'a> {
        CellCode {
            first_line: line.max(1),
            ..self
        }
    }
}

/// How a cell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellOutcome {
    /// `Ok` or `Failed`.
    pub status: CellStatus,
    /// Why it failed, on one line: `ZeroDivisionError: division by zero`, `exit status 2`, or
    /// the restart message (see the [module docs](self)).
    pub error: Option<String>,
    /// Set when the interpreter ended during the cell and was restarted.
    pub restarted: Option<Restart>,
}

impl CellOutcome {
    /// A cell that completed.
    pub fn ok() -> CellOutcome {
        CellOutcome {
            status: CellStatus::Ok,
            error: None,
            restarted: None,
        }
    }

    /// A cell that failed with `error`.
    pub fn failed(error: impl Into<String>) -> CellOutcome {
        CellOutcome {
            status: CellStatus::Failed,
            error: Some(error.into()),
            restarted: None,
        }
    }

    /// True when the cell completed.
    pub fn is_ok(&self) -> bool {
        self.status == CellStatus::Ok
    }
}

/// An interpreter that ended during a cell and the fresh one that replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    /// How the old interpreter ended.
    pub ended: InterpreterEnd,
    /// The old interpreter's pid.
    pub old_pid: u32,
    /// The new interpreter's pid (the new root of the process level).
    pub pid: u32,
}

/// How an interpreter process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpreterEnd {
    /// It exited with this status.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
}

impl InterpreterEnd {
    fn of(status: std::process::ExitStatus) -> InterpreterEnd {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => InterpreterEnd::Exited(code),
            (None, Some(signal)) => InterpreterEnd::Signaled(signal),
            // Stopped or continued statuses never come out of wait(); read as a failure.
            (None, None) => InterpreterEnd::Exited(-1),
        }
    }
}

impl fmt::Display for InterpreterEnd {
    /// `exited with status 3` or `was killed by SIGKILL`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpreterEnd::Exited(code) => write!(f, "exited with status {code}"),
            InterpreterEnd::Signaled(signal) => {
                write!(f, "was killed by {}", sys::signal_name(*signal))
            }
        }
    }
}

/// Where one of the interpreter's standard streams goes.
#[derive(Debug, Clone, Default)]
pub enum ChildIo {
    /// jumper's own stream.
    #[default]
    Inherit,
    /// `/dev/null`.
    Null,
    /// A file or pipe; every interpreter started (restarts, one process per cell) gets a
    /// duplicate of it.
    Fd(Arc<OwnedFd>),
}

impl ChildIo {
    /// A file or pipe end, e.g. `ChildIo::fd(File::create("out.log")?)`.
    pub fn fd(fd: impl Into<OwnedFd>) -> ChildIo {
        ChildIo::Fd(Arc::new(fd.into()))
    }

    fn to_stdio(&self) -> std::io::Result<Stdio> {
        Ok(match self {
            ChildIo::Inherit => Stdio::inherit(),
            ChildIo::Null => Stdio::null(),
            ChildIo::Fd(fd) => Stdio::from(fd.try_clone()?),
        })
    }
}

/// Called with the pid of every interpreter process an executor starts.
pub type SpawnHook = Arc<dyn Fn(u32) + Send + Sync>;

/// How executors start interpreters. `ExecOptions::default()` inherits jumper's standard
/// streams and working directory and waits 5 s for an interpreter to end at shutdown.
#[derive(Clone)]
#[non_exhaustive]
pub struct ExecOptions {
    /// The interpreter's standard input (ignored by one-process-per-cell executors, whose stdin
    /// carries the code).
    pub stdin: ChildIo,
    /// The interpreter's standard output.
    pub stdout: ChildIo,
    /// The interpreter's standard error.
    pub stderr: ChildIo,
    /// The script being run: Python gets it as `__file__` and `sys.argv[0]`, and its directory
    /// first on `sys.path` (as `python3 SCRIPT` does); bash as `$0`.
    pub script: Option<PathBuf>,
    /// The interpreter's working directory; jumper's when `None`.
    pub cwd: Option<PathBuf>,
    /// Called with the pid of each interpreter started: the first, every restart, and each
    /// cell's process for one-process-per-cell executors, before any code is sent to it. Use
    /// it to point the process level at the new root.
    pub on_spawn: Option<SpawnHook>,
    /// How long [`CellExecutor::shutdown`] waits for an interpreter to exit after closing its
    /// code pipe before it kills it (a Python thread that never ends would otherwise keep it).
    pub shutdown_grace: Duration,
}

impl Default for ExecOptions {
    fn default() -> ExecOptions {
        ExecOptions {
            stdin: ChildIo::Inherit,
            stdout: ChildIo::Inherit,
            stderr: ChildIo::Inherit,
            script: None,
            cwd: None,
            on_spawn: None,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl ExecOptions {
    /// Sets [`stdin`](Self::stdin).
    pub fn stdin(mut self, io: ChildIo) -> Self {
        self.stdin = io;
        self
    }

    /// Sets [`stdout`](Self::stdout).
    pub fn stdout(mut self, io: ChildIo) -> Self {
        self.stdout = io;
        self
    }

    /// Sets [`stderr`](Self::stderr).
    pub fn stderr(mut self, io: ChildIo) -> Self {
        self.stderr = io;
        self
    }

    /// Sets [`script`](Self::script).
    pub fn script(mut self, path: impl Into<PathBuf>) -> Self {
        self.script = Some(path.into());
        self
    }

    /// Sets [`cwd`](Self::cwd).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Sets [`on_spawn`](Self::on_spawn).
    pub fn on_spawn(mut self, hook: impl Fn(u32) + Send + Sync + 'static) -> Self {
        self.on_spawn = Some(Arc::new(hook));
        self
    }

    /// Sets [`shutdown_grace`](Self::shutdown_grace).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The working directory to give the interpreter, checked first: a missing one would
    /// otherwise read as a missing interpreter (both fail the spawn with "not found").
    fn working_dir(&self) -> Result<Option<&std::path::Path>, ScriptError> {
        match &self.cwd {
            Some(dir) => match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => Ok(Some(dir)),
                Ok(_) => Err(ScriptError::io(
                    dir,
                    std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
                )),
                Err(e) => Err(ScriptError::io(dir, e)),
            },
            None => Ok(None),
        }
    }

    fn spawned(&self, pid: u32) {
        if let Some(hook) = &self.on_spawn {
            hook(pid);
        }
    }
}

impl fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecOptions")
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("script", &self.script)
            .field("cwd", &self.cwd)
            .field("on_spawn", &self.on_spawn.as_ref().map(|_| "<hook>"))
            .field("shutdown_grace", &self.shutdown_grace)
            .finish()
    }
}

/// [`spawn_executor_with`] default options: jumper's standard streams and working directory.
pub fn spawn_executor(interpreter: &Interpreter) -> Result<Box<dyn CellExecutor>, ScriptError> {
    spawn_executor_with(interpreter, ExecOptions::default())
}

/// Starts an executor for `interpreter`: a persistent interpreter for Python and bash (started
/// now, so [`CellExecutor::root_pid`] is set when this returns), one process per cell for any
/// other program (checked to exist now).
///
/// ```no_run
/// use jumper_script::exec::spawn_executor;
/// use jumper_script::Interpreter;
///
/// # fn main() -> Result<(), jumper_script::ScriptError> {
/// let mut python = spawn_executor(&Interpreter::python3())?;
/// python.run_cell("x = 6 * 7")?;
/// let outcome = python.run_cell("print(x)\n1 / 0")?;
/// assert_eq!(outcome.error.as_deref(), Some("ZeroDivisionError: division by zero"));
/// python.shutdown()?;
/// # Ok(())
/// # }
/// ```
pub fn spawn_executor_with(
    interpreter: &Interpreter,
    options: ExecOptions,
) -> Result<Box<dyn CellExecutor>, ScriptError> {
    Ok(match interpreter.kind {
        InterpreterKind::Python | InterpreterKind::Bash => Box::new(persistent::Persistent::start(
            interpreter.clone(),
            options,
            true,
        )?),
        InterpreterKind::Stdin => Box::new(oneshot::OneShot::new(interpreter.clone(), options)?),
    })
}

/// The message of a cell whose interpreter ended.
fn restart_message(ended: InterpreterEnd) -> String {
    format!("the interpreter {ended}; it was restarted and variables from earlier cells are lost")
}
