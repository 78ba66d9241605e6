//! The monitor: resources, collector and sampler wired together, with the info a session
//! manifest needs.

use std::time::Duration;

use jumper_data::{Level, MonitorInfo, PerfFrame, SampleKind, SampleStore};

use crate::cgroup::OwnCgroup;
use crate::gpu::{self, GpuBackend};
use crate::process::Leftover;
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
    if crate::process::slurm_job().is_some() {
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
    proc_root: std::path::PathBuf,
    cgroup_root: std::path::PathBuf,
    cgroup: Option<OwnCgroup>,
}

impl Monitor {
    /// Detects resources, opens the readers and starts the sampler thread.
    pub fn start(opts: MonitorOptions) -> Result<Monitor, MonitorError> {
        crate::process::check_interval(opts.interval)?;
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
        let proc_root = cfg.proc_root.clone();
        let cgroup_root = cfg.cgroup_root.clone();
        let slurm_job = cfg.slurm_job.clone();
        let collector = Collector::new(cfg, backend)?;
        let origin = crate::origin::detect(
            &|k| std::env::var(k).ok(),
            &proc_root,
            collector.slurm_cgroup(),
            crate::origin::session_uuid()?,
        );
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
            gpu_uuids: if devices.iter().any(|d| !d.uuid.is_empty()) {
                devices.iter().map(|d| d.uuid.clone()).collect()
            } else {
                Vec::new()
            },
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
            origin: Some(origin),
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
            proc_root,
            cgroup_root,
            cgroup: None,
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

    /// Queues a sample of every level without waiting for it (see
    /// [`Sampler::request_sample`](crate::sampler::Sampler::request_sample)).
    pub fn request_sample(&self, kind: SampleKind) -> Result<(), MonitorError> {
        self.sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .request_sample(kind)
    }

    /// Sets the root process of the process level.
    pub fn set_root(&mut self, pid: Option<u32>) -> Result<(), MonitorError> {
        self.info.pid = pid.unwrap_or(0);
        self.sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .set_root(pid)
    }

    /// Keeps the command's whole process tree in the process level, for a frontend that
    /// starts the command itself: makes this process a child subreaper so orphans of the tree
    /// are reparented here (and reaped by the sampler once their final counters are in), and,
    /// where the host allows, creates a cgroup for the command whose counters give the exact
    /// CPU total (and peak memory). Call before the command is spawned; put it in the cgroup
    /// through [`Monitor::process_cgroup`]. Returns notes on what the host did not allow
    /// (the tree is then the source). Without `cgroup` only orphans are followed.
    pub fn isolate_process_level(&mut self, cgroup: bool) -> Result<Vec<String>, MonitorError> {
        let mut notes = Vec::new();
        let adopter = match crate::process::become_subreaper() {
            Ok(()) => Some(std::process::id()),
            Err(e) => {
                notes.push(format!("orphans of the command are not followed: {e}"));
                None
            }
        };
        let own = std::fs::read_to_string(self.proc_root.join("self/cgroup")).unwrap_or_default();
        let name = format!(
            "jumper-{}-{}",
            std::process::id(),
            jumper_data::time::utc_stamp()
        );
        self.info.process_source = "tree".into();
        if cgroup && self.cgroup.is_none() {
            match OwnCgroup::create(&self.cgroup_root, &own, &name) {
                Ok(cg) => {
                    self.info.process_source = cg.source().into();
                    if let Some(o) = self.info.origin.as_mut() {
                        o.process_cgroup = Some(cg.dirs().cpu.to_string_lossy().into_owned());
                    }
                    self.cgroup = Some(cg);
                }
                Err(why) => notes.push(format!("process level from the process tree ({why})")),
            }
        }
        let dirs = self.cgroup.as_ref().map(|c| c.dirs().clone());
        self.sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .set_scope(adopter, dirs)?;
        Ok(notes)
    }

    /// The cgroup made for the command by [`Monitor::isolate_process_level`], if any.
    pub fn process_cgroup(&self) -> Option<&OwnCgroup> {
        self.cgroup.as_ref()
    }

    /// Processes of the process level still alive at the last sample, the root excluded (a
    /// command's or a cell's leftovers: take a sample first, e.g. the cell's end).
    pub fn leftovers(&self) -> Result<Vec<Leftover>, MonitorError> {
        let pids = self
            .sampler
            .as_ref()
            .ok_or(MonitorError::Stopped)?
            .leftovers()?;
        Ok(pids
            .into_iter()
            .filter_map(crate::process::leftover)
            .collect())
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

    /// A handle to the sampler's own counters for another thread (`None` once stopped).
    pub fn stats_handle(&self) -> Option<crate::sampler::StatsHandle> {
        self.sampler.as_ref().map(Sampler::stats_handle)
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

    /// The rows of one level's table from row `from` on: what [`Monitor::frame`] holds
    /// there, derived from the samples since `from` and the one before it (rates and
    /// utilisation are differences), so a writer that appends only new rows copies and
    /// derives only those.
    pub fn frame_from(&self, level: Level, from: usize) -> Option<PerfFrame> {
        if !self.info.levels.contains(&level) {
            return None;
        }
        let cpus = self.info.cpus_for(level);
        Some(self.store.with_level(level, |s| {
            PerfFrame::from_samples_from(level, cpus, s, from)
        }))
    }

    /// Stops sampling (idempotent); the data stays readable.
    pub fn stop(&mut self) -> MonitorInfo {
        if let Some(s) = self.sampler.take() {
            self.final_stats = s.stop();
            if let Some(mut cg) = self.cgroup.take() {
                self.info.process_memory_peak = cg.memory_peak();
                let _ = cg.remove();
            }
            self.info.stop_time = Some(jumper_data::time::monotonic_s());
            self.info.wallclock_stop_time = Some(jumper_data::time::wallclock_s());
        }
        self.info()
    }
}
