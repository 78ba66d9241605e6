use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Level;

/// The machine's host name as `gethostname()` gives it: `<proc_root>/sys/kernel/hostname`,
/// trimmed; `None` when it cannot be read or is empty. Sessions, node names and metrics
/// target files all take it from here.
pub fn host_name(proc_root: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(proc_root.join("sys/kernel/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Bytes in a GiB. JUmPER labels memory "GB" but divides by 1024³; jumper says GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What a monitor knows about itself and the machine: the `monitor` section of a session
/// manifest (JUmPER 0.4.1 keys first, jumper's additions after them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitorInfo {
    /// Requested sampling interval in seconds.
    pub interval: f64,
    /// Monotonic start of monitoring.
    pub start_time: Option<f64>,
    /// Monotonic end of monitoring (None while running).
    pub stop_time: Option<f64>,
    /// Epoch start of monitoring.
    pub wallclock_start_time: Option<f64>,
    /// Epoch end of monitoring.
    pub wallclock_stop_time: Option<f64>,
    /// CPUs available to the monitored process (its affinity mask).
    pub num_cpus: usize,
    /// CPUs of the machine.
    pub num_system_cpus: usize,
    /// Number of GPUs.
    pub num_gpus: usize,
    /// Memory of the first GPU in GiB (JUmPER's per-GPU limit).
    pub gpu_memory: f64,
    /// GPU names, comma separated.
    pub gpu_name: String,
    /// GPU UUIDs in index order (empty strings where the driver gave none); absent in
    /// JUmPER's sessions and with no GPU.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpu_uuids: Vec<String>,
    /// Memory limit per level in GiB.
    pub memory_limits: BTreeMap<String, f64>,
    /// The CPUs of the affinity mask.
    pub cpu_handles: Vec<usize>,
    /// PID of the monitored root process.
    pub pid: u32,
    /// UID whose processes form the user level.
    pub uid: u32,
    /// SLURM job id, or 0.
    pub slurm_job: serde_json::Value,
    /// Operating-system family (`posix`).
    pub os: String,
    /// JUmPER writes the Python version here; jumper writes its own name and version.
    pub python: String,
    /// The levels that were sampled.
    pub levels: Vec<Level>,
    /// CPU seconds the sampler spent on itself.
    pub own_cpu_s: f64,
    /// Ticks that came too late and were skipped.
    pub missed_ticks: u64,
    /// Ticks taken.
    pub ticks: u64,
    /// Where the process level's CPU time came from: `tree` (the command's process tree,
    /// plus the orphans jumper adopted as a subreaper) or `cgroup v1` / `cgroup v2` (a cgroup
    /// jumper made for the command: exact totals).
    pub process_source: String,
    /// Peak memory in bytes of the command's cgroup (v1 `memory.max_usage_in_bytes`, v2
    /// `memory.peak`: resident memory and page cache), when a cgroup was used.
    pub process_memory_peak: Option<u64>,
    /// Where the session was taken (host, SLURM job, step, task, cgroup, session UUID).
    /// Absent in JUmPER's sessions and in jumper's written before it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Where a session was taken: the `monitor.origin` block of a manifest.
///
/// Recorded when monitoring starts, from the host name and the variables Slurm sets in a job
/// step's environment; every SLURM member is `None` outside a job (or where Slurm did not set
/// its variable). A session keeps its [`Origin::session_uuid`] when monitoring restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Origin {
    /// A random version-4 UUID naming this session (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
    pub session_uuid: String,
    /// The machine's host name (`gethostname()`, read from `/proc/sys/kernel/hostname`).
    pub hostname: String,
    /// `SLURMD_NODENAME`: the Slurm node, which differs from the host name where one host
    /// runs several slurmd (emulated nodes) or names differ.
    pub node: Option<String>,
    /// `SLURM_JOB_ID`.
    pub job_id: Option<String>,
    /// The job's SLUID (Slurm 26.05 and later): `SLURM_JOB_SLUID` when set, else the job
    /// directory of a cgroup v2 path that is not `job_<id>`.
    pub sluid: Option<String>,
    /// `SLURM_STEP_ID` (`batch` steps and `srun` steps alike).
    pub step_id: Option<String>,
    /// `SLURM_PROCID`: the task's rank in the step.
    pub task_id: Option<String>,
    /// `SLURM_JOB_NODELIST`, as Slurm writes it (`n[1-4]`).
    pub node_list: Option<String>,
    /// `SLURM_CLUSTER_NAME`.
    pub cluster: Option<String>,
    /// The job cgroup directory the slurm level was read from (the memory controller's on
    /// cgroup v1), when the slurm level was sampled.
    pub slurm_cgroup: Option<String>,
    /// The job cgroup directory the slurm level's I/O was read from; `None` with a
    /// [`Origin::slurm_cgroup`] means slurm-level I/O is unavailable (cgroup v1 without a
    /// blkio job cgroup), not 0.
    pub slurm_io_cgroup: Option<String>,
    /// The cgroup jumper ran in (the memory controller's or the unified path of
    /// `/proc/self/cgroup`), as discovered at start.
    pub own_cgroup: Option<String>,
    /// The cgroup jumper made for the command (`jumper run` where the host allows it; the
    /// CPU controller's directory on v1), whose counters gave the process level's totals.
    pub process_cgroup: Option<String>,
}

impl Origin {
    /// Whether the slurm level was sampled without I/O accounting (cgroup v1 has no blkio job
    /// cgroup): its I/O figures are unavailable and must not be shown as 0.
    pub fn slurm_io_unavailable(&self) -> bool {
        self.slurm_cgroup.is_some() && self.slurm_io_cgroup.is_none()
    }

    /// The node to name in labels and tags: `SLURMD_NODENAME`, else the host name.
    pub fn node_name(&self) -> &str {
        self.node
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.hostname)
    }
}

/// The text form of a random (version 4) UUID, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, made from
/// 16 random bytes: the version and RFC 4122 variant bits are set here. Session UUIDs and
/// Jupyter message ids both use it; the caller brings the randomness.
pub fn uuid4_text(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Default for MonitorInfo {
    fn default() -> Self {
        MonitorInfo {
            interval: 1.0,
            start_time: None,
            stop_time: None,
            wallclock_start_time: None,
            wallclock_stop_time: None,
            num_cpus: 1,
            num_system_cpus: 1,
            num_gpus: 0,
            gpu_memory: 0.0,
            gpu_name: String::new(),
            gpu_uuids: Vec::new(),
            memory_limits: BTreeMap::new(),
            cpu_handles: Vec::new(),
            pid: 0,
            uid: 0,
            slurm_job: serde_json::Value::from(0),
            os: "posix".into(),
            python: String::new(),
            levels: Vec::new(),
            own_cpu_s: 0.0,
            missed_ticks: 0,
            ticks: 0,
            process_source: "tree".into(),
            process_memory_peak: None,
            origin: None,
        }
    }
}

impl MonitorInfo {
    /// The CPUs a level's utilisation is relative to (system: the machine; others: affinity).
    pub fn cpus_for(&self, level: Level) -> usize {
        match level {
            Level::System => self.num_system_cpus.max(1),
            _ => self.num_cpus.max(1),
        }
    }

    /// The memory limit of a level in GiB, if known.
    pub fn memory_limit(&self, level: Level) -> Option<f64> {
        self.memory_limits.get(level.as_str()).copied()
    }
}

/// A process of a monitored tree that was still alive when its command (or cell) ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Leftover {
    /// Its PID.
    pub pid: u32,
    /// Its command line (or `comm` when the command line is empty).
    pub command: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid4_text_sets_version_and_variant_and_groups_the_digits() {
        assert_eq!(
            uuid4_text([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(uuid4_text([0; 16]), "00000000-0000-4000-8000-000000000000");
        let b: [u8; 16] = std::array::from_fn(|i| i as u8 * 0x11);
        assert_eq!(uuid4_text(b), "00112233-4455-4677-8899-aabbccddeeff");
    }
}
