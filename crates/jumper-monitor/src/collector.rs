//! Turns reader output into one [`LevelSample`] per level.
//!
//! Counters stay exact across process churn: CPU time and I/O of a process that exits are
//! folded into its parent by the kernel when the parent reaps it (`cutime`/`cstime`, and the
//! reaped I/O in the parent's `/proc/PID/io`), so a level sums `self + reaped children` over
//! its live members. A member that disappears without a member parent to absorb it (an
//! orphan reaped by init) leaves its last reading in a "departed" account, and every level
//! counter is kept monotonic.
//!
//! A frontend that starts the command itself makes jumper a child subreaper
//! ([`crate::process::become_subreaper`]) and names itself the [`CollectorConfig::adopter`]:
//! orphans of the tree are then reparented to jumper instead of init, stay in the process
//! level, and when one exits the collector takes its final counters from its zombie and reaps
//! it, so nothing it did is lost and nothing is counted twice (its reaped CPU goes to
//! jumper's own `cutime`, which no level counts). With [`CollectorConfig::process_cgroup`]
//! the process level's CPU time is the cgroup's exact total instead.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use jumper_data::{GpuReading, IoCounters, Level, LevelSample, SampleKind};

use crate::cgroup::{self, CgroupReader};
use crate::gpu::{GpuBackend, GpuDeviceSample, GpuPoller};
use crate::procfs::{system, ProcFs, ProcInfo};
use crate::MonitorError;

/// Where the readers look and what they watch.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// Levels to sample.
    pub levels: Vec<Level>,
    /// Root of the process level (None: the level reads zeros until one is set).
    pub root_pid: Option<u32>,
    /// The user of the user level.
    pub uid: u32,
    /// SLURM job id (the slurm level needs it).
    pub slurm_job: Option<String>,
    /// `/proc` or a fixture tree.
    pub proc_root: PathBuf,
    /// `/sys/fs/cgroup` or a fixture tree.
    pub cgroup_root: PathBuf,
    /// `/sys/block` or a fixture tree (which devices are whole disks).
    pub sys_block: PathBuf,
    /// How often the GPU poller asks the driver.
    pub gpu_interval: Duration,
    /// Refresh user-level I/O of processes whose CPU time did not move at least every this
    /// many ticks (a process that did not run did no I/O; boundaries always read everything).
    pub user_io_refresh_ticks: u32,
    /// A child subreaper whose children (the orphans it adopted) belong to the process
    /// level; when it is this process, the collector reaps them once it has their final
    /// counters. `None`: the process level is the root's tree only.
    pub adopter: Option<u32>,
    /// A cgroup holding exactly the command's processes: its CPU total is the process
    /// level's CPU time (see [`crate::cgroup::OwnCgroup`]).
    pub process_cgroup: Option<cgroup::CgroupDirs>,
}

impl CollectorConfig {
    /// The real machine: `/proc`, `/sys/fs/cgroup`, `/sys/block`, this process's user and
    /// `SLURM_JOB_ID` from the environment.
    pub fn system(levels: Vec<Level>, root_pid: Option<u32>) -> Self {
        CollectorConfig {
            levels,
            root_pid,
            // SAFETY: getuid cannot fail.
            uid: unsafe { libc::getuid() },
            slurm_job: crate::process::slurm_job(),
            proc_root: "/proc".into(),
            cgroup_root: "/sys/fs/cgroup".into(),
            sys_block: "/sys/block".into(),
            gpu_interval: Duration::from_millis(100),
            user_io_refresh_ticks: 10,
            // A frontend that made jumper a subreaper before starting its command wants the
            // orphans it adopts counted (see the module docs).
            adopter: crate::process::is_subreaper().then(std::process::id),
            process_cgroup: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Member {
    starttime: u64,
    ppid: u32,
    ticks: u64,
    io: IoCounters,
    io_age: u32,
}

/// Running totals of one process-set level.
#[derive(Debug, Default)]
struct Accum {
    members: HashMap<u32, Member>,
    /// Last tick's map, cleared and reused (no allocation per tick).
    spare: HashMap<u32, Member>,
    departed_ticks: u64,
    departed_io: IoCounters,
    last_cpu: f64,
    last_io: IoCounters,
    last_memory: u64,
    /// Adopted orphans whose final counters were folded in (by PID and start time): they
    /// are never members again, even while their zombie is still listed.
    finished: HashSet<(u32, u64)>,
}

fn mono_io(now: IoCounters, last: &mut IoCounters) -> IoCounters {
    last.read_bytes = last.read_bytes.max(now.read_bytes);
    last.write_bytes = last.write_bytes.max(now.write_bytes);
    last.read_ops = last.read_ops.max(now.read_ops);
    last.write_ops = last.write_ops.max(now.write_ops);
    *last
}

struct SetTotals {
    ticks: u64,
    io: IoCounters,
    rss_pages: u64,
    n: u32,
    pids: Vec<u32>,
}

impl Accum {
    /// Updates membership to `current` and returns the level's totals.
    fn update(
        &mut self,
        current: &[ProcInfo],
        fs: &mut ProcFs,
        full_io: bool,
        refresh: u32,
        fold: impl Fn(&ProcInfo) -> bool,
    ) -> SetTotals {
        let mut next = std::mem::take(&mut self.spare);
        next.clear();
        let mut totals = SetTotals {
            ticks: 0,
            io: IoCounters::default(),
            rss_pages: 0,
            n: 0,
            pids: Vec::with_capacity(current.len()),
        };
        for p in current {
            if self.finished.contains(&(p.pid, p.starttime)) {
                continue;
            }
            let ticks = p.cpu_ticks + p.child_ticks;
            let prev = self
                .members
                .get(&p.pid)
                .filter(|m| m.starttime == p.starttime)
                .copied();
            let (io, io_age) = match prev {
                Some(m) if !full_io && m.ticks == ticks && m.io_age < refresh => {
                    (m.io, m.io_age + 1)
                }
                _ => match fs.io(p.pid) {
                    Some(io) => (io, 0),
                    None => (prev.map(|m| m.io).unwrap_or_default(), 0),
                },
            };
            if fold(p) {
                // An exited orphan about to be reaped: its zombie shows its final counters.
                self.finished.insert((p.pid, p.starttime));
                self.departed_ticks += ticks;
                self.departed_io.add(&io);
                continue;
            }
            next.insert(
                p.pid,
                Member {
                    starttime: p.starttime,
                    ppid: p.ppid,
                    ticks,
                    io,
                    io_age,
                },
            );
            totals.ticks += ticks;
            totals.io.add(&io);
            totals.rss_pages += p.rss_pages;
            totals.n += 1;
            totals.pids.push(p.pid);
        }
        for (pid, m) in &self.members {
            let still = next.get(pid).is_some_and(|n| n.starttime == m.starttime);
            if still || self.finished.contains(&(*pid, m.starttime)) {
                continue;
            }
            // Reaped by a live member: the kernel moved its counters into that parent's
            // cumulative fields. Otherwise keep what we last saw of it.
            if !next.contains_key(&m.ppid) {
                self.departed_ticks += m.ticks;
                self.departed_io.add(&m.io);
            }
        }
        self.spare = std::mem::replace(&mut self.members, next);
        totals.ticks += self.departed_ticks;
        totals.io.add(&self.departed_io);
        totals
    }
}

/// Reads all configured levels; owned by the sampler thread (or a benchmark).
pub struct Collector {
    cfg: CollectorConfig,
    fs: ProcFs,
    tree: Accum,
    /// The tree must be found again from every process (first sample, new root).
    tree_stale: bool,
    user: Accum,
    user_stale: bool,
    cores: Vec<[f64; 2]>,
    slurm: Option<CgroupReader>,
    process_cg: Option<CgroupReader>,
    /// PIDs of the process level's live members at the last sample, the root excluded.
    tree_alive: Vec<u32>,
    disks: Vec<String>,
    /// `/sys/block/DEV/stat` of each whole disk, when there are few: one small file per disk
    /// is cheaper than `/proc/diskstats`, which formats every block device.
    disk_files: Option<Vec<PathBuf>>,
    gpu: Option<GpuPoller>,
    self_pid: u32,
    own_cpu_s: f64,
    own_reads_at_start: u64,
    notes: Vec<String>,
    levels: Vec<Level>,
}

/// Up to this many whole disks are read from their own `/sys/block/DEV/stat`.
const MAX_DISK_FILES: usize = 4;

/// The per-disk stat files, if there are at most [`MAX_DISK_FILES`] disks and each file reads
/// and parses; otherwise `/proc/diskstats` is read.
fn disk_files(
    fs: &mut ProcFs,
    sys_block: &std::path::Path,
    disks: &[String],
) -> Option<Vec<PathBuf>> {
    if disks.is_empty() || disks.len() > MAX_DISK_FILES {
        return None;
    }
    let files: Vec<PathBuf> = disks
        .iter()
        .map(|d| sys_block.join(d).join("stat"))
        .collect();
    for f in &files {
        let text = fs.read_path(f).ok()?;
        system::parse_block_stat(&mut text.split_ascii_whitespace())?;
    }
    Some(files)
}

fn whole_disks(sys_block: &std::path::Path) -> Vec<String> {
    let skip = ["loop", "ram", "zram", "dm-", "md", "nbd", "sr", "fd"];
    let mut v: Vec<String> = std::fs::read_dir(sys_block)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !skip.iter().any(|s| n.starts_with(s)))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

impl Collector {
    /// Opens the readers. Levels that cannot be read here (slurm without a job cgroup) are
    /// dropped with a note rather than failing; see [`Collector::notes`].
    pub fn new(
        cfg: CollectorConfig,
        gpu: Option<Box<dyn GpuBackend>>,
    ) -> Result<Self, MonitorError> {
        let mut fs = ProcFs::with_root(&cfg.proc_root);
        // The system level needs /proc/stat; fail early and clearly if it is not there.
        fs.read_file("stat")?;
        let mut notes = Vec::new();
        let mut levels = Vec::new();
        let mut slurm = None;
        for &l in &cfg.levels {
            if l == Level::Slurm {
                let Some(job) = cfg.slurm_job.clone() else {
                    notes.push("slurm level skipped: SLURM_JOB_ID is not set".into());
                    continue;
                };
                let own =
                    std::fs::read_to_string(cfg.proc_root.join("self/cgroup")).unwrap_or_default();
                let node = std::env::var("SLURMD_NODENAME").ok();
                match cgroup::find_slurm_job(&cfg.cgroup_root, &own, &job, cfg.uid, node.as_deref())
                {
                    Some(dirs) => slurm = Some(CgroupReader::new(dirs)),
                    None => {
                        notes.push(format!(
                            "slurm level skipped: no cgroup found for SLURM job {job}"
                        ));
                        continue;
                    }
                }
            }
            if !levels.contains(&l) {
                levels.push(l);
            }
        }
        let gpu = match gpu {
            Some(b) => Some(GpuPoller::start(b, cfg.gpu_interval).map_err(MonitorError::Spawn)?),
            None => None,
        };
        let disks = whole_disks(&cfg.sys_block);
        let disk_files = disk_files(&mut fs, &cfg.sys_block, &disks);
        let reads = fs.read_syscalls();
        Ok(Collector {
            disks,
            disk_files,
            fs,
            tree: Accum::default(),
            tree_stale: true,
            user: Accum::default(),
            user_stale: true,
            cores: Vec::new(),
            slurm,
            process_cg: cfg.process_cgroup.clone().map(CgroupReader::new),
            tree_alive: Vec::new(),
            gpu,
            self_pid: std::process::id(),
            own_cpu_s: 0.0,
            own_reads_at_start: reads,
            notes,
            levels,
            cfg,
        })
    }

    /// The levels this collector samples.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The job cgroup the slurm level reads, when it is sampled.
    pub fn slurm_cgroup(&self) -> Option<&cgroup::CgroupDirs> {
        self.slurm.as_ref().map(CgroupReader::dirs)
    }

    /// Warnings about levels that were dropped.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Sets the root of the process level.
    pub fn set_root(&mut self, pid: Option<u32>) {
        if self.cfg.root_pid != pid {
            self.tree = Accum::default();
            self.tree_stale = true;
        }
        self.cfg.root_pid = pid;
    }

    /// Sets who adopts orphans of the tree and the cgroup of the command (see
    /// [`CollectorConfig::adopter`] and [`CollectorConfig::process_cgroup`]).
    pub fn set_scope(&mut self, adopter: Option<u32>, cgroup: Option<cgroup::CgroupDirs>) {
        self.process_cg = cgroup.clone().map(CgroupReader::new);
        self.cfg.adopter = adopter;
        self.cfg.process_cgroup = cgroup;
        self.tree_stale = true;
    }

    /// PIDs of the process level that were alive at the last sample, the root excluded (and,
    /// with a process cgroup, every process still in it): what outlived a command.
    pub fn leftovers(&self) -> Vec<u32> {
        let mut v = self.tree_alive.clone();
        if let Some(r) = &self.process_cg {
            v.extend(
                r.pids()
                    .into_iter()
                    .filter(|&p| Some(p) != self.cfg.root_pid),
            );
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Tells the collector how much CPU the monitor's own threads have used, so it can be
    /// taken out of levels that contain this process.
    pub fn set_own_cpu(&mut self, seconds: f64) {
        self.own_cpu_s = seconds;
    }

    /// CPU seconds of the GPU poller thread.
    pub fn gpu_cpu_s(&self) -> f64 {
        self.gpu.as_ref().map_or(0.0, GpuPoller::cpu_s)
    }

    /// Read system calls made so far (what a tick costs in files: a benchmark and test aid).
    pub fn read_syscalls(&self) -> u64 {
        self.fs.read_syscalls()
    }

    /// How often the process directory has been listed.
    pub fn listings(&self) -> u64 {
        self.fs.listings()
    }

    /// How often new PIDs were probed one by one instead of listing the directory.
    pub fn probes(&self) -> u64 {
        self.fs.probes()
    }

    /// Whether system-level I/O comes from each disk's `/sys/block/DEV/stat` (else from
    /// `/proc/diskstats`).
    pub fn reads_disk_files(&self) -> bool {
        self.disk_files.is_some()
    }

    /// The whole disks counted at system level.
    pub fn disks(&self) -> &[String] {
        &self.disks
    }

    /// Takes one sample of every level.
    ///
    /// Per tick it reads the whole-machine files once, each member process's `stat` once
    /// (shared by the process and user levels) and `io` where a level needs it; the process
    /// directory is listed only when the kernel created processes since the last sample.
    pub fn collect(&mut self, kind: SampleKind) -> Vec<(Level, LevelSample)> {
        let time = jumper_data::time::monotonic_s();
        let wallclock = jumper_data::time::wallclock_s();
        let gpus = self.gpu.as_ref().map(GpuPoller::latest).unwrap_or_default();
        self.fs.begin_tick();
        // /proc/stat first: its fork counter tells whether the process list can have changed.
        let forks = if self.levels.contains(&Level::System) {
            self.read_cpu_stat()
        } else {
            None
        };
        let wants_tree = self.levels.contains(&Level::Process);
        let wants_user = self.levels.contains(&Level::User);
        let (mut tree_now, mut user_now) = (Vec::new(), Vec::new());
        if wants_tree || wants_user {
            let listed = self.fs.poll_new(forks);
            if wants_tree {
                tree_now = self.tree_members(listed);
            }
            if wants_user {
                user_now = self.user_members(listed);
            }
        }
        let full_io = kind.is_boundary();
        // Without a root yet (a command about to be spawned) the process level records only
        // boundary samples: their zero counters are the exact baseline of a process that does
        // not exist yet, while a tick would put an empty reading inside the cell.
        let skip_process = self.cfg.root_pid.is_none() && !kind.is_boundary();
        let mut out = Vec::with_capacity(self.levels.len());
        for i in 0..self.levels.len() {
            let level = self.levels[i];
            if skip_process && level == Level::Process {
                continue;
            }
            let mut s = match level {
                Level::Process => self.process_level(&tree_now, &gpus),
                Level::User => self.user_level(&user_now, full_io, &gpus),
                Level::System => self.system_level(&gpus),
                Level::Slurm => self.slurm_level(&gpus),
            };
            s.time = time;
            s.wallclock = wallclock;
            s.kind = kind;
            out.push((level, s));
        }
        out
    }

    /// Current readings of the process tree: the root, every member still alive (a
    /// daemonised grandchild stays ours after its parent exits) and, when processes were
    /// created since the last sample, all their descendants.
    fn tree_members(&mut self, listed: bool) -> Vec<ProcInfo> {
        let Some(root) = self.cfg.root_pid else {
            return Vec::new();
        };
        // The same process as when it joined: a PID handed out again is someone else.
        let same = |fs: &ProcFs, pid: u32, m: &Member| {
            fs.get(pid).is_some_and(|p| p.starttime == m.starttime)
        };
        let mut pids: Vec<u32> = Vec::with_capacity(self.tree.members.len() + 1);
        pids.push(root);
        if listed || self.tree_stale {
            self.tree_stale = false;
            for (&pid, m) in &self.tree.members {
                if pid != root && same(&self.fs, pid, m) {
                    pids.push(pid);
                }
            }
            let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
            for p in self.fs.processes() {
                children.entry(p.ppid).or_default().push(p.pid);
            }
            if let Some(a) = self.cfg.adopter {
                // The orphans the subreaper adopted (never the subreaper itself).
                if let Some(kids) = children.get(&a) {
                    pids.extend(kids.iter().copied().filter(|&p| p != a));
                }
            }
            let mut set: HashSet<u32> = HashSet::with_capacity(pids.len());
            let mut stack = std::mem::take(&mut pids);
            while let Some(pid) = stack.pop() {
                if !set.insert(pid) {
                    continue;
                }
                pids.push(pid);
                if let Some(kids) = children.get(&pid) {
                    stack.extend(kids.iter().copied());
                }
            }
        } else {
            pids.extend(self.tree.members.keys().copied().filter(|&p| p != root));
        }
        let mut out = Vec::with_capacity(pids.len());
        for pid in pids {
            let Some(info) = self.fs.stat(pid) else {
                continue;
            };
            let known = self.tree.members.get(&pid);
            if pid == root || known.is_none_or(|m| m.starttime == info.starttime) {
                out.push(info);
            }
        }
        out
    }

    /// Current readings of the user's processes (found again when processes were created).
    /// Kernel threads are left out ([`ProcInfo::belongs_to`]): for root they would be most of
    /// the level's members (59 of 66 processes on a bare VM) and add only the kernel's own
    /// work, which the system level counts.
    fn user_members(&mut self, listed: bool) -> Vec<ProcInfo> {
        let uid = self.cfg.uid;
        let pids: Vec<u32> = if listed || self.user_stale {
            self.user_stale = false;
            self.fs
                .processes()
                .filter(|p| p.belongs_to(uid))
                .map(|p| p.pid)
                .collect()
        } else {
            self.user.members.keys().copied().collect()
        };
        pids.iter()
            .filter_map(|&pid| self.fs.stat(pid))
            .filter(|p| p.belongs_to(uid))
            .collect()
    }

    /// Reads `/proc/stat` into the per-core buffer; returns the fork counter.
    fn read_cpu_stat(&mut self) -> Option<u64> {
        let tps = self.fs.ticks_per_s();
        match self.fs.read_file("stat") {
            Ok(t) => system::parse_proc_stat(t, tps, &mut self.cores),
            Err(_) => {
                self.cores.clear();
                None
            }
        }
    }

    fn own_read_ops(&self) -> u64 {
        self.fs.read_syscalls() - self.own_reads_at_start
    }

    fn set_sample(
        &self,
        t: SetTotals,
        subtract_self: bool,
        gpus: &[GpuDeviceSample],
    ) -> LevelSample {
        let mut cpu = self.fs.ticks_to_s(t.ticks);
        let mut io = t.io;
        if subtract_self && t.pids.contains(&self.self_pid) {
            cpu = (cpu - self.own_cpu_s).max(0.0);
            io.read_ops = io.read_ops.saturating_sub(self.own_read_ops());
        }
        LevelSample {
            cpu_time: cpu,
            memory: t.rss_pages * self.fs.page_size(),
            io,
            gpus: attribute_gpus(gpus, &t.pids),
            nprocs: t.n,
            ..Default::default()
        }
    }

    fn process_level(&mut self, current: &[ProcInfo], gpus: &[GpuDeviceSample]) -> LevelSample {
        if self.cfg.root_pid.is_none() {
            return LevelSample {
                gpus: attribute_gpus(gpus, &[]),
                ..Default::default()
            };
        }
        let mut tree = std::mem::take(&mut self.tree);
        let root = self.cfg.root_pid;
        let adopter = self.cfg.adopter;
        let fold = |p: &ProcInfo| {
            adopter.is_some_and(|a| p.ppid == a) && Some(p.pid) != root && p.state == b'Z'
        };
        let folded: Vec<u32> = current.iter().filter(|p| fold(p)).map(|p| p.pid).collect();
        let t = tree.update(current, &mut self.fs, true, 0, fold);
        if adopter == Some(self.self_pid) {
            // Final counters taken: now the zombies can go.
            for pid in folded {
                crate::process::reap_if_exited(pid);
            }
        }
        self.tree_alive = tree
            .members
            .keys()
            .copied()
            .filter(|&p| Some(p) != root && self.fs.get(p).is_some_and(|i| i.state != b'Z'))
            .collect();
        let mut s = self.set_sample(t, true, gpus);
        if let Some(r) = self.process_cg.as_mut() {
            // Every process that ever ran in the command's cgroup, exactly.
            s.cpu_time = r.sample().cpu_time;
        }
        s.cpu_time = s.cpu_time.max(tree.last_cpu);
        tree.last_cpu = s.cpu_time;
        s.io = mono_io(s.io, &mut tree.last_io);
        // A finished command waits as a zombie for its last sample: it has no memory any
        // more, so that sample carries the last reading taken while it ran.
        if !current.is_empty() && current.iter().all(|p| p.state == b'Z') {
            s.memory = tree.last_memory;
        }
        tree.last_memory = s.memory;
        self.tree = tree;
        s
    }

    fn user_level(
        &mut self,
        current: &[ProcInfo],
        full_io: bool,
        gpus: &[GpuDeviceSample],
    ) -> LevelSample {
        let mut user = std::mem::take(&mut self.user);
        let t = user.update(
            current,
            &mut self.fs,
            full_io,
            self.cfg.user_io_refresh_ticks,
            |_| false,
        );
        let mut s = self.set_sample(t, true, gpus);
        s.cpu_time = s.cpu_time.max(user.last_cpu);
        user.last_cpu = s.cpu_time;
        s.io = mono_io(s.io, &mut user.last_io);
        self.user = user;
        s
    }

    fn system_level(&mut self, gpus: &[GpuDeviceSample]) -> LevelSample {
        let cores = self.cores.clone();
        let (total, avail) = self
            .fs
            .read_file("meminfo")
            .map(system::parse_meminfo)
            .unwrap_or((0, 0));
        let mut io = IoCounters::default();
        match &self.disk_files {
            Some(files) => {
                for f in files {
                    if let Ok(t) = self.fs.read_path(f) {
                        if let Some(d) = system::parse_block_stat(&mut t.split_ascii_whitespace()) {
                            io.add(&d);
                        }
                    }
                }
            }
            None if self.disks.is_empty() => {}
            None => {
                if let Ok(t) = self.fs.read_file("diskstats") {
                    io = system::parse_diskstats(t, &self.disks);
                }
            }
        }
        LevelSample {
            cpu_time: cores.iter().map(|c| c[0]).sum(),
            cpu_cores: cores,
            memory: total.saturating_sub(avail),
            io,
            gpus: gpus
                .iter()
                .map(|g| GpuReading {
                    util: g.util,
                    band: g.mem_util,
                    mem_bytes: g.used_memory,
                })
                .collect(),
            nprocs: self.fs.count() as u32,
            ..Default::default()
        }
    }

    fn slurm_level(&mut self, gpus: &[GpuDeviceSample]) -> LevelSample {
        let Some(r) = self.slurm.as_mut() else {
            return LevelSample::default();
        };
        let c = r.sample();
        let pids = if gpus.is_empty() {
            Vec::new()
        } else {
            r.pids()
        };
        LevelSample {
            cpu_time: c.cpu_time,
            memory: c.memory,
            io: c.io,
            gpus: attribute_gpus(gpus, &pids),
            nprocs: c.nprocs,
            ..Default::default()
        }
    }

    /// The SLURM job cgroup's memory limit in bytes, if the slurm level is on and limited.
    pub fn slurm_memory_limit(&self) -> Option<u64> {
        self.slurm.as_ref().and_then(CgroupReader::memory_limit)
    }
}

/// A level's view of each GPU: the memory its processes use, and the device utilisation
/// scaled by the share of the device's compute processes that belong to the level.
pub fn attribute_gpus(gpus: &[GpuDeviceSample], pids: &[u32]) -> Vec<GpuReading> {
    gpus.iter()
        .map(|g| {
            let mine: Vec<_> = g
                .processes
                .iter()
                .filter(|p| pids.contains(&p.pid))
                .collect();
            let mem: u64 = mine.iter().map(|p| p.used_memory).sum();
            let share = if g.processes.is_empty() {
                0.0
            } else {
                mine.len() as f64 / g.processes.len() as f64
            };
            GpuReading {
                util: g.util * share,
                band: g.mem_util * share,
                mem_bytes: mem,
            }
        })
        .collect()
}
