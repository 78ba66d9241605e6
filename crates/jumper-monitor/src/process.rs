//! Waiting for a monitored child without losing its last numbers.

/// Blocks until child `pid` has exited but leaves it a zombie (`waitid` with `WNOWAIT`):
/// its `/proc` entry still shows its final CPU time and I/O, so the last sample is exact.
/// Reap it afterwards with the usual `wait`.
pub fn wait_exit_keep_zombie(pid: u32) -> std::io::Result<()> {
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
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
