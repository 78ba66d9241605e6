//! Waiting for a monitored child without losing its last numbers.

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// It exited with this status.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}

impl ChildExit {
    /// The status a shell reports: the code, or 128 + the signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ChildExit::Code(c) => c,
            ChildExit::Signal(s) => 128 + s,
        }
    }

    /// Whether the child exited with status 0.
    pub fn success(self) -> bool {
        self == ChildExit::Code(0)
    }
}

impl std::fmt::Display for ChildExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChildExit::Code(c) => write!(f, "exit status {c}"),
            ChildExit::Signal(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// Blocks until child `pid` has exited but leaves it a zombie (`waitid` with `WNOWAIT`):
/// its `/proc` entry still shows its final CPU time and I/O, so the last sample is exact,
/// and its exit status is already known. Reap it afterwards with the usual `wait`.
pub fn wait_exit_keep_zombie(pid: u32) -> std::io::Result<ChildExit> {
    loop {
        // SAFETY: siginfo_t is plain data; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            // SAFETY: waitid filled the SIGCHLD fields of `info`.
            let status = unsafe { info.si_status() };
            return Ok(match info.si_code {
                libc::CLD_EXITED => ChildExit::Code(status),
                _ => ChildExit::Signal(status),
            });
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The interval the whole workspace accepts: a finite number of seconds greater than 0.
/// Every place that takes an interval (CLI options, the command language, the service, the
/// monitor and the sampler) validates through this one function.
pub fn check_interval(seconds: f64) -> Result<f64, crate::MonitorError> {
    if seconds.is_finite() && seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(crate::MonitorError::BadInterval(seconds))
    }
}

/// Parses an interval typed by a user (`"0.5"`) and validates it with [`check_interval`].
pub fn parse_interval(text: &str) -> Result<f64, crate::MonitorError> {
    match text.trim().parse::<f64>() {
        Ok(v) => check_interval(v),
        Err(_) => Err(crate::MonitorError::BadInterval(f64::NAN)),
    }
}

/// The SLURM job this process runs in: `SLURM_JOB_ID` when set and not empty. The one place
/// jumper reads that variable (the slurm level exists exactly when this is `Some`).
pub fn slurm_job() -> Option<String> {
    std::env::var("SLURM_JOB_ID").ok().filter(|s| !s.is_empty())
}

/// Makes this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): processes of its tree
/// whose parent exits are reparented to it instead of init, so a monitor that reaps them
/// (see [`crate::Collector`] with [`crate::CollectorConfig::adopter`]) keeps counting them.
pub fn become_subreaper() -> std::io::Result<()> {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Whether this process is a child subreaper.
pub fn is_subreaper() -> bool {
    let mut v: libc::c_int = 0;
    // SAFETY: PR_GET_CHILD_SUBREAPER writes one int through the pointer.
    let rc = unsafe {
        libc::prctl(
            libc::PR_GET_CHILD_SUBREAPER,
            &mut v as *mut libc::c_int,
            0,
            0,
            0,
        )
    };
    rc == 0 && v != 0
}

/// Reaps child `pid` if it has exited (never blocks); true when it was reaped.
pub fn reap_if_exited(pid: u32) -> bool {
    let mut status = 0;
    // SAFETY: waitpid writes the status into `status`.
    let rc = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
    rc == pid as libc::pid_t
}

/// Reaps every exited child except `keep` (never blocks): the zombies of adopted orphans
/// that died after the last sample. Returns how many were reaped.
pub fn reap_exited_children(keep: &[u32]) -> usize {
    let mut n = 0;
    for pid in children_of(std::process::id()) {
        if !keep.contains(&pid) && zombie(pid) && reap_if_exited(pid) {
            n += 1;
        }
    }
    n
}

fn zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|t| crate::procfs::parse_stat(pid, &t))
        .is_some_and(|p| p.state == b'Z')
}

/// The children of `pid` (a scan of `/proc`: `task/*/children` is not on every kernel).
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(child) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let parent = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|t| crate::procfs::parse_stat(child, &t))
            .map(|p| p.ppid);
        if parent == Some(pid) {
            out.push(child);
        }
    }
    out.sort_unstable();
    out
}

pub use jumper_data::Leftover;

/// Describes a live process by PID; `None` if it is gone or a zombie.
pub fn leftover(pid: u32) -> Option<Leftover> {
    if zombie(pid) {
        return None;
    }
    let cmdline = |pid: u32| -> Option<String> {
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        Some(
            raw.split(|&b| b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    let mut command = cmdline(pid)?;
    // A cell that starts `sleep 100 &` and ends at once can meet the child before its exec
    // (it still shows its parent's command line) or inside it (its new name, no arguments yet):
    // give it a few milliseconds to become what it will run.
    let parent = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|t| crate::procfs::parse_stat(pid, &t))
        .and_then(|p| cmdline(p.ppid));
    for _ in 0..20 {
        if !command.is_empty() && parent.as_deref() != Some(command.as_str()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
        command = cmdline(pid)?;
    }
    if command.is_empty() {
        command = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .ok()?
            .trim()
            .to_string();
    }
    Some(Leftover { pid, command })
}

/// One line naming the leftovers ("2 processes of the tree outlived the command: pid 4711
/// python3 ..., pid 4712 sleep 100"); `what` names what ended ("the command", "cell 3").
pub fn describe_leftovers(leftovers: &[Leftover], what: &str) -> Option<String> {
    if leftovers.is_empty() {
        return None;
    }
    let n = leftovers.len();
    let list = leftovers
        .iter()
        .map(|l| {
            // One line: the command's own newlines and tabs become spaces, long ones are cut.
            let mut c: String = l
                .command
                .chars()
                .map(|ch| if ch.is_control() { ' ' } else { ch })
                .collect();
            if c.chars().count() > 80 {
                c = c.chars().take(77).collect::<String>() + "...";
            }
            format!("pid {} {c}", l.pid)
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{n} process{} of the tree outlived {what}: {list}",
        if n == 1 { "" } else { "es" }
    ))
}

/// Sends SIGINT to a process (what Ctrl-C would send it from its terminal), for a frontend
/// that holds the terminal in raw mode (the live view), where Ctrl-C is a key.
pub fn interrupt(pid: u32) {
    if pid == 0 {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGINT);
    }
}

/// Ends processes: SIGTERM to each, then SIGKILL to those still alive after `grace`; reaps
/// the ones that are this process's children. Returns the PIDs that had to be killed.
pub fn kill_processes(pids: &[u32], grace: std::time::Duration) -> Vec<u32> {
    for &pid in pids {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    let alive = |pid: u32| {
        reap_if_exited(pid);
        std::path::Path::new(&format!("/proc/{pid}")).exists() && !zombie(pid)
    };
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline && pids.iter().any(|&p| alive(p)) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut killed = Vec::new();
    for &pid in pids {
        if alive(pid) {
            // SAFETY: as above.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            killed.push(pid);
        }
    }
    for &pid in pids {
        for _ in 0..50 {
            if reap_if_exited(pid) || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    killed
}

/// Makes `cmd`'s process join a cgroup before it executes: after the fork it writes `0`
/// (itself) into each `cgroup.procs` file, so everything the command ever starts is counted
/// there. A file that cannot be written makes the spawn fail with that error.
pub fn join_cgroup_on_exec(cmd: &mut std::process::Command, procs_files: &[std::path::PathBuf]) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    let paths: Vec<std::ffi::CString> = procs_files
        .iter()
        .filter_map(|p| std::ffi::CString::new(p.as_os_str().as_bytes()).ok())
        .collect();
    // SAFETY: the hook only calls open, write and close (async-signal-safe) on strings
    // allocated before the fork.
    unsafe {
        cmd.pre_exec(move || {
            for p in &paths {
                let fd = libc::open(p.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let n = libc::write(fd, b"0\n".as_ptr().cast(), 2);
                let e = std::io::Error::last_os_error();
                libc::close(fd);
                if n < 0 {
                    return Err(e);
                }
            }
            Ok(())
        });
    }
}

static INTERRUPTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

extern "C" fn count_interrupt(_sig: libc::c_int) {
    INTERRUPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// For a frontend whose child runs the user's code in the terminal's foreground process group
/// (`jumper replay`): Ctrl-C reaches the child from the terminal (a KeyboardInterrupt in the
/// running cell) and, in this process, is only counted ([`interrupts`]) instead of ending it,
/// so that what was recorded is still written.
pub fn count_interrupts() {
    // SAFETY: installing a disposition; the handler only adds to an atomic.
    unsafe {
        let h = count_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, h);
    }
}

/// Counts an interrupt the user asked for another way (Ctrl-C as a key of the live view).
pub fn note_interrupt() {
    INTERRUPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Interrupts counted since this process started ([`count_interrupts`], [`note_interrupt`]).
pub fn interrupts() -> u32 {
    INTERRUPTS.load(std::sync::atomic::Ordering::Relaxed)
}

static STOP_REQUESTED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn note_stop(sig: libc::c_int) {
    STOP_REQUESTED.store(sig, std::sync::atomic::Ordering::Relaxed);
}

/// For a process that samples until told to stop (`jumper agent`): SIGTERM, SIGINT, SIGHUP and
/// SIGUSR1 (which `srun` passes on to its tasks) no longer end the process but are noted, to be read with [`stop_requested`].
pub fn stop_on_signals() {
    // SAFETY: installing dispositions; the handler only stores to an atomic.
    unsafe {
        let h = note_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGINT, h);
        libc::signal(libc::SIGHUP, h);
        libc::signal(libc::SIGUSR1, h);
    }
}

/// The signal that asked this process to stop since [`stop_on_signals`], if any.
pub fn stop_requested() -> Option<i32> {
    let sig = STOP_REQUESTED.load(std::sync::atomic::Ordering::Relaxed);
    (sig != 0).then_some(sig)
}

/// This process's parent process id (`getppid`): 1 (or a subreaper's) once the parent that
/// started it has exited.
pub fn parent_pid() -> u32 {
    // SAFETY: getppid cannot fail.
    unsafe { libc::getppid() as u32 }
}

static FORWARD_TO: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
/// The last SIGTERM or SIGHUP that reached this process while forwarding (0: none).
static FORWARDED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn forward_signal(sig: libc::c_int) {
    FORWARDED.store(sig, std::sync::atomic::Ordering::Relaxed);
    let pid = FORWARD_TO.load(std::sync::atomic::Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// The last SIGTERM or SIGHUP passed on by [`forward_signals_to`], if any: a frontend that
/// outlives the command (a view showing the final numbers) ends on it too.
pub fn forwarded_signal() -> Option<i32> {
    match FORWARDED.load(std::sync::atomic::Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// While a command runs in the foreground: Ctrl-C and Ctrl-\ reach it from the terminal
/// directly, so this process ignores them and survives to write its report; SIGTERM and
/// SIGHUP sent to this process are passed on to `pid`.
pub fn forward_signals_to(pid: u32) {
    FORWARD_TO.store(pid as i32, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: installing dispositions; the handler only calls kill().
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        let h = forward_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
}
