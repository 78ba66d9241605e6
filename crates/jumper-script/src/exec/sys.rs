//! The few raw system calls the executors need: close-on-exec pipes, fixed descriptor numbers
//! in the child, pidfds and `poll`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// Descriptor number of the code pipe in a persistent interpreter (it reads cells there).
pub(crate) const CODE_FD: RawFd = 3;
/// Descriptor number of the result pipe in a persistent interpreter (it writes results there).
pub(crate) const RESULT_FD: RawFd = 4;

/// A pipe, both ends close-on-exec: `(read, write)`.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `fd` itself if its number is at least `min`, else a close-on-exec duplicate numbered `min`
/// or above (the original is closed).
pub(crate) fn at_least(fd: OwnedFd, min: RawFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() >= min {
        return Ok(fd);
    }
    // SAFETY: F_DUPFD_CLOEXEC only creates a new descriptor.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Arranges for the child of `command` to see exactly its standard streams, plus `private`
/// (`(code read end, result write end)`) as descriptors 3 and 4 when given: every other
/// descriptor it would inherit is marked close-on-exec just before `exec`, so nothing jumper
/// (or a library inside it) left open leaks into the interpreter.
///
/// The private descriptors must be numbered 5 or above (see [`at_least`]) so the `dup2`s
/// cannot overwrite each other; they stay open in the parent until it drops them after spawn.
pub(crate) fn isolate(command: &mut Command, private: Option<(RawFd, RawFd)>) {
    let first_other = if private.is_some() { 5 } else { 3 };
    let hook = move || -> io::Result<()> {
        if let Some((code, result)) = private {
            // SAFETY (for the whole closure): runs in the forked child before exec and uses
            // only async-signal-safe calls (dup2, syscall, getrlimit, fcntl, signal); no
            // allocation.
            if unsafe { libc::dup2(code, CODE_FD) } < 0 {
                return Err(io::Error::last_os_error());
            }
            if unsafe { libc::dup2(result, RESULT_FD) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        cloexec_from(first_other);
        // jumper interrupts a cell with SIGINT. A shell starts a background job with SIGINT
        // ignored, the child would inherit that, and Python installs no KeyboardInterrupt
        // handler for an ignored SIGINT: give the interpreter the default disposition.
        // SAFETY: signal(2) is async-signal-safe.
        unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
        Ok(())
    };
    // SAFETY: the hook only performs async-signal-safe system calls (see above).
    unsafe {
        command.pre_exec(hook);
    }
}

/// Marks every descriptor numbered `low` or above close-on-exec. Marking rather than closing
/// keeps the standard library's own exec-error pipe working, so a missing program is still
/// reported as such.
fn cloexec_from(low: RawFd) {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only changes descriptor flags.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            low as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc == 0 {
        return;
    }
    // Kernels before 5.11: walk the descriptor table up to the soft limit (capped, so a huge
    // limit does not make every spawn slow).
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let top = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur.min(65_536) as RawFd
    } else {
        1024
    };
    for fd in low..top {
        // SAFETY: F_SETFD on a descriptor that is not open fails with EBADF and changes nothing.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
}

/// A descriptor that becomes readable when process `pid` exits (Linux 5.3+); `None` where the
/// kernel or a sandbox refuses, and the caller falls back to end-of-file on its pipes.
pub(crate) fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open creates a new close-on-exec descriptor or fails.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the descriptor was just created and is owned by nobody else.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Waits until one of `fds` is readable, hung up or in error, or `timeout` passes (`None`:
/// no limit). Returns one flag per descriptor; all false on timeout. Blocks in the kernel: no
/// polling loop.
pub(crate) fn wait_readable(
    fds: &[BorrowedFd<'_>],
    timeout: Option<Duration>,
) -> io::Result<Vec<bool>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut polls: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                // Round up so a sub-millisecond remainder does not become a busy 0 ms poll.
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int
            }
        };
        // SAFETY: `polls` is a valid array of pollfd of the length we pass.
        let rc = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, ms) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        return Ok(polls.iter().map(|p| p.revents != 0).collect());
    }
}

/// The name of a signal for messages: `SIGKILL`, or `signal 42` for unnamed ones.
pub(crate) fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGXCPU => "SIGXCPU",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// Sends SIGKILL to `pid`; a process that is already gone is not an error.
pub(crate) fn kill(pid: u32) {
    // SAFETY: kill only sends a signal. The pid is our unreaped child, so it cannot have been
    // recycled for another process.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn pipes_are_cloexec_and_moved_above_the_standard_streams() {
        let (r, w) = pipe().unwrap();
        // SAFETY: F_GETFD only reads flags.
        let flags = unsafe { libc::fcntl(r.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        let high = at_least(w, 100).unwrap();
        assert!(high.as_raw_fd() >= 100);
        // SAFETY: as above.
        let flags = unsafe { libc::fcntl(high.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }

    #[test]
    fn wait_readable_times_out_then_sees_data_and_hangup() {
        let (r, w) = pipe().unwrap();
        let ready = wait_readable(&[r.as_fd()], Some(Duration::from_millis(1))).unwrap();
        assert_eq!(ready, [false]);
        drop(w);
        let ready = wait_readable(&[r.as_fd()], None).unwrap();
        assert_eq!(ready, [true]);
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(40), "signal 40");
    }
}
