//! Clocks: monotonic seconds (JUmPER's `time` column) and wall-clock epoch seconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds of `CLOCK_MONOTONIC`: the clock JUmPER 0.4.1 writes to its `time` column, so
/// samples and cells taken by different processes on one machine share a time base.
pub fn monotonic_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes into the struct we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

/// CPU seconds consumed so far by the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as above.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

/// Epoch seconds (`time.time()` in JUmPER).
pub fn wallclock_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks_advance() {
        let a = super::monotonic_s();
        let c0 = super::thread_cpu_s();
        let mut x = 0u64;
        while super::monotonic_s() - a < 0.02 {
            x = x.wrapping_add(1);
        }
        let b = super::monotonic_s();
        assert!(b - a >= 0.02, "{a} {b} {x}");
        assert!(super::thread_cpu_s() - c0 > 0.01);
        assert!(super::wallclock_s() > 1.6e9);
    }
}
