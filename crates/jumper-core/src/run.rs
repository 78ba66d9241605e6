//! Running a command as one monitored cell, and starting a replay's interpreter: what
//! `jumper run` and `jumper replay` (and later frontends) need to keep the command's whole
//! process tree in the process level.
//!
//! [`run_command`] makes this process a child subreaper, so orphans of the command (a
//! `(burner &)` subshell, a double-forked daemon, `nohup`) are reparented here instead of
//! init and stay in the process level; the sampler takes their final counters from their
//! zombies and reaps them. Where the host lets jumper create a cgroup (root on cgroup v1,
//! or v2 with delegation), the command joins a cgroup of its own before it executes, and the
//! cgroup's CPU total is the process level's (exact, whatever the tree did); the session
//! records which source was used ([`jumper_data::MonitorInfo::process_source`]). Processes
//! still alive when the command ends are its [`CommandRun::leftovers`];
//! [`RunOptions::kill_leftovers`] ends them.
//!
//! ```no_run
//! use jumper_core::run::{run_command, RunOptions};
//! use jumper_core::PerfmonitorService;
//!
//! let mut service = PerfmonitorService::builder().interval(0.1).root_pid(None).build()?;
//! service.start_monitoring()?;
//! let argv = vec!["sh".to_string(), "-c".into(), "(sleep 0.2 &); true".into()];
//! let done = run_command(&mut service, &argv, &RunOptions::default())?;
//! assert_eq!(done.exit.shell_code(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::process::Command;
use std::time::Duration;

use jumper_data::CellStatus;
use jumper_monitor::process::{self, ChildExit};
pub use jumper_monitor::process::{
    count_interrupts, forwarded_signal, interrupt, interrupts, kill_processes, note_interrupt,
    parent_pid, stop_on_signals, stop_requested, Leftover,
};

use crate::{PerfmonitorService, ServiceError};

/// How [`run_command`] runs its command.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunOptions {
    /// End the processes of the tree that outlive the command (SIGTERM, then SIGKILL after
    /// [`RunOptions::grace`]).
    pub kill_leftovers: bool,
    /// How long leftovers get between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Forward SIGTERM/SIGHUP to the command and ignore Ctrl-C/Ctrl-\ while it runs (a
    /// foreground frontend such as the CLI).
    pub forward_signals: bool,
    /// Put the command in a cgroup of its own where the host allows it.
    pub cgroup: bool,
    /// Send the command's stdout and stderr (interleaved, as a terminal shows them) to this
    /// file instead of jumper's, and give it no stdin: for a frontend that owns the terminal
    /// (the live view), which shows the file's tail. The kernel writes the file, so the
    /// command never waits for the frontend.
    pub output: Option<std::path::PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            kill_leftovers: false,
            grace: Duration::from_millis(500),
            forward_signals: false,
            cgroup: true,
            output: None,
        }
    }
}

impl RunOptions {
    /// Options with leftovers killed or not.
    pub fn kill_leftovers(mut self, yes: bool) -> Self {
        self.kill_leftovers = yes;
        self
    }

    /// Options with signals forwarded (foreground use) or not.
    pub fn forward_signals(mut self, yes: bool) -> Self {
        self.forward_signals = yes;
        self
    }

    /// Options with the command's output sent to a file (see [`RunOptions::output`]).
    pub fn output(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.output = path;
        self
    }

    /// Options with or without a cgroup for the command.
    pub fn cgroup(mut self, yes: bool) -> Self {
        self.cgroup = yes;
        self
    }
}

/// What [`run_command`] saw.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CommandRun {
    /// How the command ended.
    pub exit: ChildExit,
    /// Index of its cell.
    pub cell: usize,
    /// Processes of its tree still alive when it ended.
    pub leftovers: Vec<Leftover>,
    /// Leftovers that had to be killed with SIGKILL (with [`RunOptions::kill_leftovers`]).
    pub killed: Vec<u32>,
    /// Notes on what the host did not allow (no cgroup, no subreaper).
    pub notes: Vec<String>,
}

impl CommandRun {
    /// The line naming the leftovers, e.g. "2 processes of the tree outlived the command:
    /// pid 4711 python3 burn.py, pid 4712 sleep 100".
    pub fn leftovers_line(&self) -> Option<String> {
        process::describe_leftovers(&self.leftovers, "the command")
    }
}

/// Runs `argv` as one cell of `service` (starting monitoring if it is not running): the cell
/// begins before the command starts and ends, with a sample of its final counters, when it
/// has exited. The command's orphans stay in the process level (see the module docs).
///
/// A command that cannot be started ends its cell as failed and is an error. Otherwise the
/// cell's status is the command's: [`CellStatus::Ok`] for exit status 0, failed with the
/// exit status as its error otherwise.
pub fn run_command(
    service: &mut PerfmonitorService,
    argv: &[String],
    opts: &RunOptions,
) -> Result<CommandRun, ServiceError> {
    let program = argv.first().ok_or(ServiceError::NoCommand)?.clone();
    let mut notes = Vec::new();
    if let Err(e) = process::become_subreaper() {
        notes.push(format!("orphans of the command are not followed: {e}"));
    }
    if !service.is_monitoring() {
        service.start_monitoring()?;
    }
    let mut procs_files = Vec::new();
    if let Some(m) = service.live_monitor_mut() {
        notes.extend(
            m.isolate_process_level(opts.cgroup)
                .map_err(ServiceError::from)?,
        );
        procs_files = m
            .process_cgroup()
            .map(|c| c.procs_files())
            .unwrap_or_default();
    }
    let output = match &opts.output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| ServiceError::Write {
                path: path.clone(),
                source,
            })?;
            let err = file.try_clone().map_err(|source| ServiceError::Write {
                path: path.clone(),
                source,
            })?;
            Some((file, err))
        }
        None => None,
    };
    let cell = service.begin_cell(&quote_words(argv), Vec::new())?;
    let mut cmd = Command::new(&program);
    cmd.args(&argv[1..]);
    if let Some((out, err)) = output {
        cmd.stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err);
    }
    if !procs_files.is_empty() {
        process::join_cgroup_on_exec(&mut cmd, &procs_files);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(source) => {
            let why = source.to_string();
            let _ = service.end_cell(CellStatus::Failed, Some(why));
            return Err(match source.kind() {
                std::io::ErrorKind::NotFound => ServiceError::CommandNotFound { program, source },
                std::io::ErrorKind::PermissionDenied => ServiceError::CannotExecute {
                    program,
                    why: "permission denied",
                    source,
                },
                _ => ServiceError::CannotExecute {
                    program,
                    why: "cannot execute",
                    source,
                },
            });
        }
    };
    let pid = child.id();
    if opts.forward_signals {
        process::forward_signals_to(pid);
    }
    service.set_root(Some(pid))?;
    // Wait without reaping so the last sample still sees the command's final counters.
    let exit = process::wait_exit_keep_zombie(pid).map_err(ServiceError::Wait);
    let exit = match exit {
        Ok(x) => x,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = service.end_cell(CellStatus::Failed, Some(e.to_string()));
            return Err(e);
        }
    };
    let (status, error) = if exit.success() {
        (CellStatus::Ok, None)
    } else {
        (CellStatus::Failed, Some(exit.to_string()))
    };
    let ended = service.end_cell(status, error);
    let leftovers = service
        .monitor()
        .and_then(|m| m.leftovers().ok())
        .unwrap_or_default();
    child.wait().map_err(ServiceError::Wait)?;
    ended?;
    let killed = if opts.kill_leftovers && !leftovers.is_empty() {
        let pids: Vec<u32> = leftovers.iter().map(|l| l.pid).collect();
        process::kill_processes(&pids, opts.grace)
    } else {
        Vec::new()
    };
    process::reap_exited_children(&[]);
    Ok(CommandRun {
        exit,
        cell,
        leftovers,
        killed,
        notes,
    })
}

/// The command line as a shell would read it back (the cell's source).
fn quote_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| crate::command::quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts the interpreter of a replayed script as this process's child, after making this
/// process a child subreaper so that what the cells leave running stays in the process
/// level (orphans are adopted by jumper, not init). The process level's source is the tree.
pub fn spawn_interpreter(
    interpreter: &jumper_script::Interpreter,
) -> Result<Box<dyn jumper_script::CellExecutor>, jumper_script::ScriptError> {
    spawn_interpreter_with(interpreter, jumper_script::ExecOptions::default())
}

/// Like [`spawn_interpreter`] with the executor's options (e.g. the interpreter's output
/// sent to a file while a live view holds the terminal).
pub fn spawn_interpreter_with(
    interpreter: &jumper_script::Interpreter,
    options: jumper_script::ExecOptions,
) -> Result<Box<dyn jumper_script::CellExecutor>, jumper_script::ScriptError> {
    // Without it the cells still run; their orphans are just not followed.
    let _ = process::become_subreaper();
    jumper_script::spawn_executor_with(interpreter, options)
}
