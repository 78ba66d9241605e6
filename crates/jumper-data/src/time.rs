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

/// Days since 1970-01-01 to `(year, month, day)`, proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Epoch seconds as UTC `(year, month, day, hour, minute, second)`.
pub fn utc_fields(epoch_s: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(epoch_s.div_euclid(86_400));
    let s = epoch_s.rem_euclid(86_400);
    (y, m, d, s / 3600, s / 60 % 60, s % 60)
}

/// The current UTC time as `YYYYmmdd-HHMMSS` (JUmPER's default session-name stamp).
pub fn utc_stamp() -> String {
    let (y, m, d, hh, mm, ss) = utc_fields(wallclock_s() as i64);
    format!("{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::utc_fields(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(super::utc_fields(1_795_248_461), (2026, 11, 21, 8, 7, 41));
        let s = super::utc_stamp();
        assert_eq!((s.len(), &s[8..9]), (15, "-"));
    }

    #[test]
    fn clocks_advance() {
        let a = super::monotonic_s();
        let c0 = super::thread_cpu_s();
        let mut x = 0u64;
        // Burn until the thread's CPU clock moved 20 ms: on a busy machine that takes longer
        // in wall time, never shorter.
        while super::thread_cpu_s() - c0 < 0.02 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let b = super::monotonic_s();
        assert!(b - a >= 0.02, "{a} {b} {x}");
        assert!(super::wallclock_s() > 1.6e9);
    }
}
