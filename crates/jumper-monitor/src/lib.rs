//! # jumper-monitor: readers and the sampler
//!
//! The bottom of jumper's flow: it reads `/proc`, cgroups and GPUs and appends raw samples
//! ([`jumper_data::LevelSample`]) to a [`jumper_data::SampleStore`]. It knows nothing about
//! cells; `jumper-core` asks it for a sample at every cell boundary.
//!
//! - [`procfs`]: a `/proc` reader with kept-open descriptors and an injectable root;
//! - [`cgroup`]: cgroup v1/v2 readers (SLURM job counters, memory limits);
//! - [`gpu`]: GPUs behind [`gpu::GpuBackend`] — NVML with feature `nvml`, and a fake;
//! - [`collector`]: one [`jumper_data::LevelSample`] per level, exact across process churn;
//! - [`sampler`]: the native sampler thread (absolute deadlines, missed ticks, own CPU time);
//! - [`resources`]: CPUs, affinity, memory limits and GPUs;
//! - [`Monitor`]: all of it wired together.
//!
//! Memory at process, user and slurm level is resident memory (RSS from `/proc/PID/stat`,
//! one read per process per tick; PSS/USS would need `smaps_rollup`, ~20x the cost).

pub mod cgroup;
pub mod collector;
mod error;
pub mod gpu;
mod monitor;
pub mod origin;
pub mod process;
pub mod procfs;
pub mod resources;
pub mod sampler;
pub mod tree;

pub use collector::{Collector, CollectorConfig};
pub use error::MonitorError;
pub use monitor::{default_levels as monitor_default_levels, Gpus, Monitor, MonitorOptions};
pub use resources::Resources;
pub use sampler::{Sampler, SamplerStats, StatsHandle};
