//! Runnable examples of jumper as a library (run them with `cargo run -p jumper-examples
//! --example NAME`):
//!
//! - `embed`: a Rust program measures its own work cell by cell with
//!   [`PerfmonitorService`](jumper_core::PerfmonitorService) and asks for reports through the
//!   command language.
//! - `replay_script`: replays the monitored script `examples/analysis.py` shipped next to it,
//!   the way `jumper replay` does.
//!
//! This library holds the small pieces of work the examples measure.

use std::io::Write;
use std::path::Path;

/// Burns about `seconds` of CPU time on this thread and returns a checksum (so the work is
/// not optimised away).
pub fn burn_cpu(seconds: f64) -> u64 {
    let start = std::time::Instant::now();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    x
}

/// Allocates `mib` MiB and touches every page, so it counts as resident memory.
pub fn touch_memory(mib: usize) -> Vec<u8> {
    let mut v = vec![0u8; mib << 20];
    for i in (0..v.len()).step_by(4096) {
        v[i] = 1;
    }
    v
}

/// Writes `mib` MiB to `path` and fsyncs it, so the bytes reach the storage layer.
pub fn write_file(path: &Path, mib: usize) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..mib {
        f.write_all(&chunk)?;
    }
    f.sync_all()
}
