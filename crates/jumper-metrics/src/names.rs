//! The one table from jumper's fields to metric names: every exporter (OpenMetrics, text
//! 0.0.4, line protocol, the Pushgateway) takes its names, types, units and help from here.
//!
//! Names follow Prometheus' conventions: a `jumper_` prefix, base units only (seconds, bytes,
//! ratios 0..1; never GiB or percent) as the name's suffix, and counters whose samples end in
//! `_total`. Where a site exporter measures the same thing the meaning matches it (DCGM's
//! `DCGM_FI_DEV_GPU_UTIL` is percent, `jumper_gpu_utilization_ratio` the same reading / 100).
//!
//! Three scopes:
//! - [`Scope::Sample`]: the fast series, one point per sample, labels
//!   `jobid, step, node, cluster, level` (plus `gpu` and, where the driver gave one, DCGM's
//!   `UUID`); never a `cell` label;
//! - [`Scope::Cell`]: one point per cell (at its end), the same labels plus `cell`; and the
//!   info family `jumper_cell_info` (index, title, status, start and end times, value 1);
//! - [`Scope::Session`]: one point for all cells of the session (at the last cell's end).

/// The metric type, as OpenMetrics names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A cumulative count; OpenMetrics samples and 0.0.4 names carry `_total`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Constant 1 with labels that describe something (OpenMetrics `info`, `_info` samples).
    Info,
}

/// Which series a metric belongs to; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One point per sample of a level.
    Sample,
    /// One point per cell and level.
    Cell,
    /// One point per session and level.
    Session,
}

/// Where a metric's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Cumulative CPU seconds of the level.
    CpuSeconds,
    /// CPU utilisation of the level's CPUs, 0..1 (JUmPER's `cpu_util_avg` / 100).
    CpuUtilization,
    /// Memory in bytes (JUmPER's `memory` GiB × 1024³).
    Memory,
    /// Cumulative storage bytes read.
    IoReadBytes,
    /// Cumulative storage bytes written.
    IoWriteBytes,
    /// Cumulative read operations.
    IoReadOps,
    /// Cumulative write operations.
    IoWriteOps,
    /// Per-GPU utilisation 0..1.
    GpuUtilization,
    /// Per-GPU memory-bandwidth utilisation 0..1 (JUmPER's `gpu_band`).
    GpuMemoryBandwidth,
    /// Per-GPU used memory in bytes.
    GpuMemory,
    /// The level's memory limit in bytes, where known.
    MemoryLimit,
    /// Window: CPU seconds (the report's `cpu_time_s`).
    WindowCpuSeconds,
    /// Window: average CPU utilisation 0..1 (the report's `cpu_util_avg` / 100).
    WindowCpuUtilization,
    /// Window: peak memory in bytes (the report's `memory_peak_gib` × 1024³).
    WindowMemoryPeak,
    /// Window: bytes read (the report's `io_read_mib` × 1024²).
    WindowIoReadBytes,
    /// Window: bytes written.
    WindowIoWriteBytes,
    /// Window: seconds the cells ran (the report's `duration_s`).
    WindowDuration,
    /// Window: average GPU utilisation across GPUs 0..1, with GPUs.
    WindowGpuUtilization,
    /// The cell's description (info family).
    CellInfo,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// The family name (a counter's samples add `_total`; an info's add `_info`).
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Its OpenMetrics unit (the name's suffix), if it has one.
    pub unit: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
    /// Which series it belongs to.
    pub scope: Scope,
    /// The value's source.
    pub field: Field,
}

impl MetricDef {
    /// The name of its samples: `name_total` for counters, `name_info` for info, else `name`.
    pub fn sample_name(&self) -> String {
        match self.kind {
            Kind::Counter => format!("{}_total", self.name),
            Kind::Info => format!("{}_info", self.name),
            Kind::Gauge => self.name.to_string(),
        }
    }
}

const fn def(
    name: &'static str,
    kind: Kind,
    unit: Option<&'static str>,
    scope: Scope,
    field: Field,
    help: &'static str,
) -> MetricDef {
    MetricDef {
        name,
        kind,
        unit,
        help,
        scope,
        field,
    }
}

use Field as F;
use Kind::{Counter, Gauge, Info};
use Scope::{Cell, Sample, Session};

const S: Option<&str> = Some("seconds");
const B: Option<&str> = Some("bytes");
const R: Option<&str> = Some("ratio");

/// Every metric jumper exports, in output order.
#[rustfmt::skip]
pub const METRICS: &[MetricDef] = &[
    def("jumper_cpu_seconds", Counter, S, Sample, F::CpuSeconds, "CPU time used by the level (user + system)"),
    def("jumper_cpu_utilization_ratio", Gauge, R, Sample, F::CpuUtilization, "CPU utilisation of the level over the last interval, 1 = all of its CPUs busy"),
    def("jumper_memory_bytes", Gauge, B, Sample, F::Memory, "Memory used by the level"),
    def("jumper_io_read_bytes", Counter, B, Sample, F::IoReadBytes, "Storage bytes read by the level"),
    def("jumper_io_write_bytes", Counter, B, Sample, F::IoWriteBytes, "Storage bytes written by the level"),
    def("jumper_io_read_operations", Counter, None, Sample, F::IoReadOps, "Read operations of the level"),
    def("jumper_io_write_operations", Counter, None, Sample, F::IoWriteOps, "Write operations of the level"),
    def("jumper_gpu_utilization_ratio", Gauge, R, Sample, F::GpuUtilization, "GPU utilisation (DCGM_FI_DEV_GPU_UTIL / 100)"),
    def("jumper_gpu_memory_bandwidth_utilization_ratio", Gauge, R, Sample, F::GpuMemoryBandwidth, "GPU memory bandwidth utilisation (DCGM_FI_DEV_MEM_COPY_UTIL / 100)"),
    def("jumper_gpu_memory_used_bytes", Gauge, B, Sample, F::GpuMemory, "GPU memory used (DCGM_FI_DEV_FB_USED in bytes)"),
    def("jumper_cell", Info, None, Cell, F::CellInfo, "A cell: its index, title, status and wall-clock start and end"),
    def("jumper_cell_cpu_seconds", Gauge, S, Cell, F::WindowCpuSeconds, "CPU time the level used during the cell"),
    def("jumper_cell_cpu_utilization_ratio", Gauge, R, Cell, F::WindowCpuUtilization, "Average CPU utilisation of the level during the cell"),
    def("jumper_cell_memory_peak_bytes", Gauge, B, Cell, F::WindowMemoryPeak, "Highest memory of a sample of the level during the cell"),
    def("jumper_cell_io_read_bytes", Gauge, B, Cell, F::WindowIoReadBytes, "Storage bytes the level read during the cell"),
    def("jumper_cell_io_write_bytes", Gauge, B, Cell, F::WindowIoWriteBytes, "Storage bytes the level wrote during the cell"),
    def("jumper_cell_duration_seconds", Gauge, S, Cell, F::WindowDuration, "Seconds the cell ran"),
    def("jumper_cell_gpu_utilization_ratio", Gauge, R, Cell, F::WindowGpuUtilization, "Average GPU utilisation across GPUs during the cell"),
    def("jumper_session_cpu_seconds", Gauge, S, Session, F::WindowCpuSeconds, "CPU time the level used from the first cell's start to the last cell's end"),
    def("jumper_session_cpu_utilization_ratio", Gauge, R, Session, F::WindowCpuUtilization, "Average CPU utilisation of the level over the session's cells"),
    def("jumper_session_memory_peak_bytes", Gauge, B, Session, F::WindowMemoryPeak, "Highest memory of a sample of the level over the session's cells"),
    def("jumper_session_io_read_bytes", Gauge, B, Session, F::WindowIoReadBytes, "Storage bytes the level read over the session's cells"),
    def("jumper_session_io_write_bytes", Gauge, B, Session, F::WindowIoWriteBytes, "Storage bytes the level wrote over the session's cells"),
    def("jumper_session_duration_seconds", Gauge, S, Session, F::WindowDuration, "Seconds the session's cells ran, summed"),
    def("jumper_session_gpu_utilization_ratio", Gauge, R, Session, F::WindowGpuUtilization, "Average GPU utilisation across GPUs over the session's cells"),
    def("jumper_memory_limit_bytes", Gauge, B, Session, F::MemoryLimit, "Memory limit of the level (RAM, RLIMIT_AS or cgroup limit)"),
];

/// The table row of a family name, if jumper exports it.
pub fn find(name: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_openmetrics_rules() {
        let mut seen = std::collections::HashSet::new();
        for d in METRICS {
            assert!(seen.insert(d.name), "{} twice", d.name);
            assert!(d.name.starts_with("jumper_"), "{}", d.name);
            assert!(
                d.name
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
                "{}",
                d.name
            );
            if let Some(u) = d.unit {
                assert!(
                    d.name.ends_with(&format!("_{u}")),
                    "{}: unit {u} must be the suffix",
                    d.name
                );
            }
            assert!(
                !d.name.ends_with("_total") && !d.name.ends_with("_info"),
                "{}",
                d.name
            );
            for bad in ["gib", "mib", "percent", "_gb"] {
                assert!(!d.name.contains(bad), "{}: base units only", d.name);
            }
            assert!(!d.help.contains('\n'));
        }
        assert_eq!(
            find("jumper_cpu_seconds")
                .map(MetricDef::sample_name)
                .as_deref(),
            Some("jumper_cpu_seconds_total")
        );
        assert_eq!(
            find("jumper_cell").map(MetricDef::sample_name).as_deref(),
            Some("jumper_cell_info")
        );
        assert_eq!(
            find("jumper_memory_bytes")
                .map(MetricDef::sample_name)
                .as_deref(),
            Some("jumper_memory_bytes")
        );
    }
}
