//! The wrapped kernel as a child process: started from its kernelspec's argv with jumper's
//! private ipc connection file, in a process group of its own, with `JPY_PARENT_PID` and a
//! parent-death signal; interrupted the way its kernelspec asks; its whole group killed at the
//! end (IRkernel ignores `JPY_PARENT_PID`, KERNEL.md).

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use crate::connection::ChildConnection;
use crate::kernelspec::{FoundKernel, InterruptMode};

/// A running child kernel.
#[derive(Debug)]
pub(crate) struct Child {
    /// Its PID, which is also its process group's id.
    pub(crate) pid: u32,
    /// How its kernelspec wants it interrupted.
    pub(crate) interrupt_mode: InterruptMode,
    /// Its private connection, kept as long as the child (dropping it removes the socket
    /// directory).
    pub(crate) _connection: ChildConnection,
}

/// What became of a child.
#[derive(Debug, Clone)]
pub(crate) struct Exit {
    /// `exit status 1`, `killed by signal 9`, ...
    pub(crate) text: String,
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "ended".to_string(),
    }
}

/// Why a child could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The kernelspec's argv is empty.
    #[error("the kernelspec of '{kernel}' has an empty argv")]
    EmptyArgv {
        /// The kernel's name.
        kernel: String,
    },
    /// The program could not be executed.
    #[error("cannot start the kernel '{kernel}' ({program}): {source}")]
    Exec {
        /// The kernel's name.
        kernel: String,
        /// argv\[0\].
        program: String,
        /// What exec reported.
        #[source]
        source: io::Error,
    },
    /// The thread that owns the child could not be created.
    #[error("cannot create the thread that starts the kernel: {0}")]
    Thread(#[source] io::Error),
}

/// Starts `kernel` on `connection`. The child is spawned from a thread of its own that lives
/// exactly as long as the child (the parent-death signal fires when the spawning *thread*
/// exits) and sends the child's exit on `exited` once reaped.
pub(crate) fn spawn(
    kernel: &FoundKernel,
    connection: ChildConnection,
    exited: impl FnOnce(Exit) + Send + 'static,
) -> Result<Child, SpawnError> {
    let argv = kernel.command(connection.file(), kernel_prefix().as_deref());
    let Some((program, args)) = argv.split_first() else {
        return Err(SpawnError::EmptyArgv {
            kernel: kernel.name.clone(),
        });
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(&kernel.spec.env)
        .env("JPY_PARENT_PID", std::process::id().to_string())
        .process_group(0);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs between fork and exec and calls only async-signal-safe
    // functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // jumper died between fork and prctl: do not outlive it.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let (tx, rx) = std_mpsc::channel::<Result<u32, io::Error>>();
    let name = kernel.name.clone();
    std::thread::Builder::new()
        .name(format!("jumper-child-{name}"))
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let text = match child.wait() {
                    Ok(s) => describe(s),
                    Err(e) => format!("could not be waited for: {e}"),
                };
                exited(Exit { text });
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })
        .map_err(SpawnError::Thread)?;
    let exec = |source| SpawnError::Exec {
        kernel: kernel.name.clone(),
        program: program.clone(),
        source,
    };
    let pid = rx
        .recv()
        .map_err(|_| exec(io::Error::other("the starting thread ended")))?
        .map_err(exec)?;
    Ok(Child {
        pid,
        interrupt_mode: kernel.spec.interrupt_mode,
        _connection: connection,
    })
}

/// `{prefix}` in a kernelspec's argv: the Python prefix jupyter_client would substitute
/// (`sys.prefix`), taken from the environment jumper runs in.
fn kernel_prefix() -> Option<std::path::PathBuf> {
    std::env::var_os("VIRTUAL_ENV")
        .or_else(|| std::env::var_os("CONDA_PREFIX"))
        .map(std::path::PathBuf::from)
}

impl Child {
    /// Sends `signal` to the child's whole process group.
    pub(crate) fn signal_group(&self, signal: libc::c_int) {
        // SAFETY: killpg has no memory-safety preconditions.
        unsafe {
            libc::killpg(self.pid as libc::pid_t, signal);
        }
    }

    /// Whether any process of the child's group is still alive (zombies count as gone).
    pub(crate) fn group_alive(&self) -> bool {
        group_members(self.pid).next().is_some()
    }

    /// Ends the child's group: SIGTERM, then SIGKILL after `grace` for what is left. Waits
    /// (at most another second) until no member is left.
    pub(crate) fn kill_group(&self, grace: Duration) {
        if !self.group_alive() {
            return;
        }
        self.signal_group(libc::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && self.group_alive() {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.group_alive() {
            self.signal_group(libc::SIGKILL);
            let deadline = Instant::now() + Duration::from_secs(1);
            while Instant::now() < deadline && self.group_alive() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// The live (not zombie) processes of process group `pgid`, from /proc.
pub(crate) fn group_members(pgid: u32) -> impl Iterator<Item = u32> {
    let entries = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    entries.filter_map(move |e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name (which may hold spaces and parentheses).
        let rest = stat.rsplit_once(')')?.1;
        let mut f = rest.split_whitespace();
        let state = f.next()?;
        let _ppid = f.next()?;
        let pgrp: u32 = f.next()?.parse().ok()?;
        (pgrp == pgid && state != "Z" && state != "X").then_some(pid)
    })
}
