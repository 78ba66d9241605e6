use serde::{Deserialize, Serialize};

/// Why a sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// A regular tick of the sampler.
    #[default]
    Tick,
    /// Taken when a cell started.
    CellStart,
    /// Taken when a cell ended.
    CellEnd,
}

impl SampleKind {
    /// Numeric code written to the `sample_kind` CSV column (0 tick, 1 cell start, 2 cell end).
    pub fn code(self) -> u8 {
        match self {
            SampleKind::Tick => 0,
            SampleKind::CellStart => 1,
            SampleKind::CellEnd => 2,
        }
    }

    /// Inverse of [`SampleKind::code`]; unknown codes read as ticks.
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => SampleKind::CellStart,
            2 => SampleKind::CellEnd,
            _ => SampleKind::Tick,
        }
    }

    /// Whether the sample marks a cell boundary rather than a regular tick.
    pub fn is_boundary(self) -> bool {
        self != SampleKind::Tick
    }
}

/// Cumulative I/O counters of a level: storage-layer bytes and read/write system calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IoCounters {
    /// Bytes fetched from the storage layer (`read_bytes` in `/proc/PID/io`).
    pub read_bytes: u64,
    /// Bytes sent to the storage layer (`write_bytes` in `/proc/PID/io`).
    pub write_bytes: u64,
    /// Read system calls (`syscr`), or completed reads for device counters.
    pub read_ops: u64,
    /// Write system calls (`syscw`), or completed writes for device counters.
    pub write_ops: u64,
}

impl IoCounters {
    /// Adds another set of counters to this one.
    pub fn add(&mut self, o: &IoCounters) {
        self.read_bytes += o.read_bytes;
        self.write_bytes += o.write_bytes;
        self.read_ops += o.read_ops;
        self.write_ops += o.write_ops;
    }
}

/// One GPU's reading, as seen from one level.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GpuReading {
    /// Compute utilisation in percent.
    pub util: f64,
    /// Memory-bandwidth utilisation in percent.
    pub band: f64,
    /// Used memory in bytes.
    pub mem_bytes: u64,
}

/// One raw reading of one level: cumulative counters plus gauges.
///
/// Counters (`cpu_time`, `cpu_cores`, `io`) only grow; rates and utilisation are derived from
/// the differences between two samples (see [`crate::PerfFrame`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LevelSample {
    /// `CLOCK_MONOTONIC` seconds.
    pub time: f64,
    /// Epoch seconds.
    pub wallclock: f64,
    /// Why the sample was taken.
    pub kind: SampleKind,
    /// Cumulative CPU seconds (user + system) of the level, reaped children included.
    pub cpu_time: f64,
    /// Per core `[busy, total]` cumulative seconds; filled at system level only.
    pub cpu_cores: Vec<[f64; 2]>,
    /// Resident memory in bytes (system level: total minus available).
    pub memory: u64,
    /// Cumulative I/O counters.
    pub io: IoCounters,
    /// Per-GPU readings; empty without GPUs.
    pub gpus: Vec<GpuReading>,
    /// Number of processes the reading covers (0 where unknown, e.g. system level).
    pub nprocs: u32,
}
