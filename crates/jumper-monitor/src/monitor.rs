//! The monitor: resources, collector and sampler wired together, with the info a session
//! manifest needs.

use std::time::Duration;

use jumper_data::{Level, MonitorInfo, PerfFrame, SampleKind, SampleStore};

use crate::gpu::{self, GpuBackend};
use crate::{Collector, CollectorConfig, MonitorError, Resources, Sampler, SamplerStats};

/// Which GPUs a [`Monitor`] samples.
#[derive(Default)]
#[non_exhaustive]
pub enum Gpus {
    /// Detect NVIDIA GPUs through NVML (with feature `nvml`; without it, or without a driver,
    /// the monitor has no GPUs and says why in its notes).
    #[default]
    Detect,
    /// No GPUs at all.
    None,
    /// This backend (e.g. [`crate::gpu::FakeGpu`] in tests).
    Backend(Box<dyn GpuBackend>),
}

impl std::fmt::Debug for Gpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gpus::Detect => f.write_str("Detect"),
            Gpus::None => f.write_str("None"),
            Gpus::Backend(_) => f.write_str("Backend(..)"),
        }
    }
}

/// How to start a [`Monitor`].
pub struct MonitorOptions {
    /// Seconds between regular samples (> 0).
    pub interval: f64,
    /// Levels to sample (slurm is dropped with a note outside a SLURM job).
    pub levels: Vec<Level>,
    /// Root of the process level (`None`: none yet; see [`Monitor::set_root`]).
    pub root_pid: Option<u32>,
    /// Which GPUs to sample.
    pub gpu: Gpus,
    /// Reader roots; `None` means the real machine.
    pub config: Option<CollectorConfig>,
}

impl MonitorOptions {
    /// Options for the real machine with the default levels (process, user, system, and slurm
    /// inside a SLURM job).
    pub fn new(interval: f64) -> Self {
        MonitorOptions {
            interval,
            levels: default_levels(),
            root_pid: None,
            gpu: Gpus::Detect,
            config: None,
        }
    }
}

/// The levels available here: process, user, system, plus slurm when `SLURM_JOB_ID` is set.
pub fn default_levels() -> Vec<Level> {
    let mut v = vec![Level::Process, Level::User, Level::System];
    if std::env::var("SLURM_JOB_ID").is_ok_and(|s| !s.is_empty()) {
        v.push(Level::Slurm);
    }
    v
}

/// A running (or stopped) monitor. Its data stays readable after [`Monitor::stop`].
pub struct Monitor {
    sampler: Option<Sampler>,
    store: SampleStore,
    info: MonitorInfo,
    resources: Resources,
    notes: Vec<String>,
    final_stats: SamplerStats,
}

impl Monitor {
    /// Detects resources, opens the readers and starts the sampler thread.
    pub fn start(opts: MonitorOptions) -> Result<Monitor, MonitorError> {
        if !(opts.interval.is_finite() && opts.interval > 0.0) {
            return Err(MonitorError::BadInterval(opts.interval));
        }
        let mut cfg = opts
            .config
            .unwrap_or_else(|| CollectorConfig::system(opts.levels.clone(), opts.root_pid));
        cfg.levels = opts.levels.clone();
        cfg.root_pid = opts.root_pid;
        cfg.gpu_interval = Duration::from_secs_f64(opts.interval.clamp(0.05, 1.0));
        let mut notes = Vec::new();
        let backend = match opts.gpu {
            Gpus::Backend(b) => Some(b),
            Gpus::None => None,
            Gpus::Detect => {
                let (b, note) = gpu::detect();
                if b.is_none() {
                    notes.push(note);
                }
                b
            }
        };
        let devices = backend.as_ref().map(|b| b.devices()).unwrap_or_default();
        let resources = Resources::detect(&cfg.proc_root, &cfg.cgroup_root, devices.clone());
        let uid = cfg.uid;
        let slurm_job = cfg.slurm_job.clone();
        let collector = Collector::new(cfg, backend)?;
        notes.extend(collector.notes().iter().cloned());
        let levels = collector.levels().to_vec();
        let mut memory_limits = resources.memory_limits_gib();
        memory_limits.retain(|k, _| levels.iter().any(|l| l.as_str() == k));
        let store = SampleStore::new(&levels);
        let start = jumper_data::time::monotonic_s();
        let info = MonitorInfo {
            interval: opts.interval,
            start_time: Some(start),
            stop_time: None,
            wallclock_start_time: Some(jumper_data::time::wallclock_s()),
            wallclock_stop_time: None,
            num_cpus: resources.num_cpus,
            num_system_cpus: resources.num_system_cpus,
            num_gpus: devices.len(),
            gpu_memory: devices.first().map_or(0.0, |d| {
                (d.memory_total as f64 / jumper_data::GIB * 100.0).round() / 100.0
            }),
            gpu_name: devices
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            memory_limits,
            cpu_handles: resources.cpu_affinity.clone(),
            pid: opts.root_pid.unwrap_or(0),
            uid,
            slurm_job: slurm_job
                .map(serde_json::Value::from)
                .unwrap_or_else(|| serde_json::Value::from(0)),
            os: "posix".into(),
            python: format!("jumper {}", env!("CARGO_PKG_VERSION")),
            levels: levels.clone(),
            ..MonitorInfo::default()
        };
        let sampler = Sampler::start(collector, opts.interval, store.clone())?;
        Ok(Monitor {
            sampler: Some(sampler),
            store,
            info,
            resources,
            notes,
            final_stats: SamplerStats::default(),
        })
    }

    /// Whether the sampler is running.
    pub fn is_running(&self) -> bool {
        self.sampler.is_some()
    }

    /// Takes a sample of every level now (cell boundaries); returns its monotonic time.
    pub fn sample_now(&self, kind: SampleKind) -> Result<f64, MonitorError> {
        self.sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .sample_now(kind)
    }

    /// Sets the root process of the process level.
    pub fn set_root(&mut self, pid: Option<u32>) -> Result<(), MonitorError> {
        self.info.pid = pid.unwrap_or(0);
        self.sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .set_root(pid)
    }

    /// The sample store (shared with the sampler thread).
    pub fn store(&self) -> &SampleStore {
        &self.store
    }

    /// The sampled levels.
    pub fn levels(&self) -> &[Level] {
        &self.info.levels
    }

    /// Hardware resources found at start.
    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    /// Notes about what is not monitored here (no GPU, no SLURM job cgroup, ...).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The sampler's own cost so far.
    pub fn sampler_stats(&self) -> SamplerStats {
        self.sampler
            .as_ref()
            .map_or(self.final_stats, Sampler::stats)
    }

    /// The monitor's info, with its own cost so far.
    pub fn info(&self) -> MonitorInfo {
        let st = self.sampler_stats();
        MonitorInfo {
            own_cpu_s: st.own_cpu_s,
            missed_ticks: st.missed,
            ticks: st.ticks,
            ..self.info.clone()
        }
    }

    /// The derived table of one level.
    pub fn frame(&self, level: Level) -> Option<PerfFrame> {
        if !self.info.levels.contains(&level) {
            return None;
        }
        let cpus = self.info.cpus_for(level);
        Some(
            self.store
                .with_level(level, |s| PerfFrame::from_samples(level, cpus, s)),
        )
    }

    /// Stops sampling (idempotent); the data stays readable.
    pub fn stop(&mut self) -> MonitorInfo {
        if let Some(s) = self.sampler.take() {
            self.final_stats = s.stop();
            self.info.stop_time = Some(jumper_data::time::monotonic_s());
            self.info.wallclock_stop_time = Some(jumper_data::time::wallclock_s());
        }
        self.info()
    }
}
