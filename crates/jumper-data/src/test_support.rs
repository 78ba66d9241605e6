//! Helpers for tests of jumper's crates (feature `test-support`, which only dev-dependencies
//! turn on). Not part of the stable API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// The names of the entries of `dir`, sorted. Panics when the directory cannot be read.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// An error and its sources as one line, `top: cause: root`, the way a frontend prints it.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// Makes a named pipe (FIFO) at `path`, mode 0600. Panics when it cannot.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that lives across the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(
        rc,
        0,
        "mkfifo {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

/// `n` synthetic tick samples of one level for benchmarks, `interval` seconds apart from
/// monotonic time 1000 (wall clock 1.7e9 + that): CPU time, I/O bytes and operations that only
/// grow, memory around 1 GiB, `cores` per-core pairs and `gpus` GPU readings, with xorshift
/// noise from `seed` (the same seed gives the same samples).
pub fn synthetic_samples(
    n: usize,
    interval: f64,
    cores: usize,
    gpus: usize,
    seed: u64,
) -> Vec<crate::LevelSample> {
    use crate::{GpuReading, IoCounters, LevelSample, SampleKind};
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D ^ seed;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 1000
    };
    let (mut cpu, mut rb, mut wb) = (0.0, 0u64, 0u64);
    (0..n)
        .map(|i| {
            let t = 1000.0 + i as f64 * interval;
            cpu += 0.05 + noise() as f64 / 10_000.0;
            rb += noise() * 4096;
            wb += noise() * 8192;
            LevelSample {
                time: t,
                wallclock: 1.7e9 + t,
                kind: SampleKind::Tick,
                cpu_time: cpu,
                cpu_cores: (0..cores).map(|c| [cpu / (c + 2) as f64, t]).collect(),
                memory: (1u64 << 30) + noise() * 1_000_000,
                io: IoCounters {
                    read_bytes: rb,
                    write_bytes: wb,
                    read_ops: rb / 4096,
                    write_ops: wb / 8192,
                },
                gpus: (0..gpus)
                    .map(|_| GpuReading {
                        util: (noise() % 100) as f64,
                        band: (noise() % 100) as f64,
                        mem_bytes: noise() * 10_000_000,
                    })
                    .collect(),
                nprocs: 12,
            }
        })
        .collect()
}

/// `count` cells spread evenly over `n` samples `interval` apart from time 1000 (as
/// [`synthetic_samples`] lays them), each covering `fill` of its share, with two-line code
/// made by `code(i)`.
pub fn synthetic_cells(
    count: usize,
    n: usize,
    interval: f64,
    fill: f64,
    code: impl Fn(usize) -> String,
) -> Vec<crate::CellRecord> {
    let span = n as f64 * interval / count as f64;
    (0..count)
        .map(|i| {
            let start = 1000.0 + i as f64 * span + 0.01;
            let end = start + span * fill;
            crate::CellRecord {
                cell_index: i,
                raw_cell: code(i),
                start_time: start,
                end_time: end,
                duration: end - start,
                wallclock_start_time: 1.7e9 + start,
                wallclock_end_time: 1.7e9 + end,
                ..crate::CellRecord::default()
            }
        })
        .collect()
}
