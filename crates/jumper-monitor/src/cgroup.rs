//! cgroup readers (v1 and v2, injectable root): the SLURM job's counters and memory limits.
//!
//! A job's cgroup counts every process it ever held, exited ones included, so its CPU time
//! and I/O are exact and cost O(1) per tick however many processes the job runs.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use jumper_data::IoCounters;

/// Which cgroup hierarchy the machine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// Legacy per-controller hierarchies (`/sys/fs/cgroup/<controller>/...`).
    V1,
    /// The unified hierarchy (`cgroup.controllers` at the root).
    V2,
}

/// Detects the hierarchy under `root` (usually `/sys/fs/cgroup`), as JUmPER does.
pub fn detect_version(root: &Path) -> CgroupVersion {
    if root.join("cgroup.controllers").exists() {
        CgroupVersion::V2
    } else {
        CgroupVersion::V1
    }
}

/// The directories of one cgroup, per controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupDirs {
    /// Hierarchy version.
    pub version: CgroupVersion,
    /// CPU accounting (v2: the cgroup; v1: the cpuacct controller's directory).
    pub cpu: PathBuf,
    /// Memory controller directory.
    pub memory: PathBuf,
    /// I/O controller directory (v1: blkio); `None` where the cgroup has no I/O accounting
    /// (a SLURM job on cgroup v1 without a blkio job cgroup): its I/O is unavailable, not 0.
    pub io: Option<PathBuf>,
}

/// Parses `/proc/PID/cgroup` into `(controllers, path)` pairs.
pub fn parse_proc_cgroup(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let _id = it.next()?;
            let ctrl = it.next()?.to_string();
            let path = it.next()?.to_string();
            Some((ctrl, path))
        })
        .collect()
}

fn v1_mount(root: &Path, controller: &str) -> Option<PathBuf> {
    for name in [
        controller,
        &format!("cpu,{controller}"),
        &format!("{controller},cpu"),
    ] {
        let p = root.join(name);
        if p.is_dir() {
            return Some(p);
        }
    }
    None
}

/// The job directory of a process's cgroup path: up to `job_<id>`, or, where Slurm names it by
/// SLUID (26.05 on cgroup v2), up to the component right above `step_*`.
fn cut_at_job(path: &str, job: &str) -> Option<String> {
    let comp = format!("job_{job}");
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let end = match comps.iter().position(|c| *c == comp) {
        Some(i) => i,
        None => {
            let step = comps.iter().position(|c| c.starts_with("step_"))?;
            let above = step.checked_sub(1)?;
            let c = comps[above];
            if c.starts_with("job_") || c.starts_with("uid_") || c.ends_with(".scope") {
                return None;
            }
            above
        }
    };
    Some(comps[..=end].iter().map(|c| format!("/{c}")).collect())
}

/// Finds the cgroup of SLURM job `job` from the monitored process's `/proc/PID/cgroup` (the
/// job directory above its step, `job_<id>` or a SLUID), or from the paths slurmd uses:
/// JUmPER's candidates plus those of builds that run several slurmd per host
/// (`<node>_slurmstepd.scope` on v2, `slurm_<node>` on v1; `node` is `SLURMD_NODENAME`).
/// Never reads other processes' environments.
pub fn find_slurm_job(
    root: &Path,
    proc_cgroup: &str,
    job: &str,
    uid: u32,
    node: Option<&str>,
) -> Option<CgroupDirs> {
    let entries = parse_proc_cgroup(proc_cgroup);
    match detect_version(root) {
        CgroupVersion::V2 => {
            let from_self = entries
                .iter()
                .find(|(c, _)| c.is_empty())
                .and_then(|(_, p)| cut_at_job(p, job))
                .map(|p| root.join(p.trim_start_matches('/')));
            let mut candidates = Vec::new();
            if let Some(n) = node {
                candidates.push(format!("system.slice/{n}_slurmstepd.scope/job_{job}"));
            }
            candidates.extend([
                format!("system.slice/slurmstepd.scope/job_{job}"),
                format!("system.slice/slurm.service/job_{job}"),
                format!("slurm/uid_{uid}/job_{job}"),
            ]);
            let dir = from_self
                .filter(|d| d.is_dir())
                .or_else(|| candidates.iter().map(|c| root.join(c)).find(|d| d.is_dir()))?;
            Some(CgroupDirs {
                version: CgroupVersion::V2,
                cpu: dir.clone(),
                memory: dir.clone(),
                io: Some(dir),
            })
        }
        CgroupVersion::V1 => {
            let dir_for = |controller: &str| -> Option<PathBuf> {
                let mount = v1_mount(root, controller)?;
                let from_self = entries
                    .iter()
                    .find(|(c, _)| c.split(',').any(|x| x == controller))
                    .and_then(|(_, p)| cut_at_job(p, job))
                    .map(|p| mount.join(p.trim_start_matches('/')));
                let mut candidates = Vec::new();
                if let Some(n) = node {
                    candidates.push(mount.join(format!("slurm_{n}/uid_{uid}/job_{job}")));
                }
                candidates.push(mount.join(format!("slurm/uid_{uid}/job_{job}")));
                from_self
                    .filter(|d| d.is_dir())
                    .or_else(|| candidates.into_iter().find(|d| d.is_dir()))
            };
            let memory = dir_for("memory")?;
            Some(CgroupDirs {
                version: CgroupVersion::V1,
                cpu: dir_for("cpuacct").unwrap_or_else(|| memory.clone()),
                io: dir_for("blkio"),
                memory,
            })
        }
    }
}

/// The memory limit in bytes of the cgroup `proc_cgroup` names (and its ancestors, v2), or
/// `None` when unlimited or unknown.
pub fn memory_limit_of(root: &Path, proc_cgroup: &str) -> Option<u64> {
    let entries = parse_proc_cgroup(proc_cgroup);
    match detect_version(root) {
        CgroupVersion::V2 => {
            let path = entries.iter().find(|(c, _)| c.is_empty())?.1.clone();
            let mut dir = root.join(path.trim_start_matches('/'));
            let mut best: Option<u64> = None;
            while dir.starts_with(root) {
                if let Some(l) = read_limit(&dir.join("memory.max")) {
                    best = Some(best.map_or(l, |b| b.min(l)));
                }
                if !dir.pop() {
                    break;
                }
            }
            best
        }
        CgroupVersion::V1 => {
            let mount = v1_mount(root, "memory")?;
            let path = entries
                .iter()
                .find(|(c, _)| c.split(',').any(|x| x == "memory"))
                .map(|(_, p)| p.clone())
                .unwrap_or_default();
            let dir = mount.join(path.trim_start_matches('/'));
            // Inside a cgroup namespace the mount already is our cgroup.
            read_limit(&dir.join("memory.limit_in_bytes"))
                .or_else(|| read_limit(&mount.join("memory.limit_in_bytes")))
        }
    }
}

/// Reads a limit file: a number of bytes, or `max`/a huge v1 value meaning unlimited.
pub fn read_limit(path: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    let v: u64 = s.trim().parse().ok()?;
    (v < (1u64 << 60)).then_some(v)
}

fn kv(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut it = l.split_ascii_whitespace();
        (it.next()? == key).then(|| it.next()?.parse().ok())?
    })
}

/// Parses v2 `io.stat` (`MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=..` per device).
pub fn parse_io_stat(text: &str) -> IoCounters {
    let mut io = IoCounters::default();
    for tok in text.split_ascii_whitespace() {
        let Some((k, v)) = tok.split_once('=') else {
            continue;
        };
        let v: u64 = v.parse().unwrap_or(0);
        match k {
            "rbytes" => io.read_bytes += v,
            "wbytes" => io.write_bytes += v,
            "rios" => io.read_ops += v,
            "wios" => io.write_ops += v,
            _ => {}
        }
    }
    io
}

/// Parses v1 blkio files (`MAJ:MIN Read N` lines); returns `(read, write)` sums.
pub fn parse_blkio(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0, 0);
    for l in text.lines() {
        let f: Vec<&str> = l.split_ascii_whitespace().collect();
        if f.len() == 3 {
            let v: u64 = f[2].parse().unwrap_or(0);
            match f[1] {
                "Read" => r += v,
                "Write" => w += v,
                _ => {}
            }
        }
    }
    (r, w)
}

/// One reading of a cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CgroupSample {
    /// Cumulative CPU seconds.
    pub cpu_time: f64,
    /// Working set in bytes: usage minus inactive page cache.
    pub memory: u64,
    /// Cumulative I/O.
    pub io: IoCounters,
    /// Processes in the cgroup (v2 `pids.current`), 0 where unknown.
    pub nprocs: u32,
}

/// Reads one cgroup's counters through kept-open files.
pub struct CgroupReader {
    dirs: CgroupDirs,
    files: Vec<(PathBuf, Option<File>)>,
    buf: Vec<u8>,
}

impl CgroupReader {
    /// A reader of the given cgroup.
    pub fn new(dirs: CgroupDirs) -> Self {
        CgroupReader {
            dirs,
            files: Vec::new(),
            buf: vec![0; 8192],
        }
    }

    /// The cgroup's directories.
    pub fn dirs(&self) -> &CgroupDirs {
        &self.dirs
    }

    fn read(&mut self, path: PathBuf) -> Option<String> {
        let idx = match self.files.iter().position(|(p, _)| *p == path) {
            Some(i) => i,
            None => {
                let f = File::open(&path).ok();
                self.files.push((path, f));
                self.files.len() - 1
            }
        };
        let f = self.files[idx].1.as_ref()?;
        let n = f.read_at(&mut self.buf, 0).ok()?;
        Some(String::from_utf8_lossy(&self.buf[..n]).into_owned())
    }

    /// Takes a reading.
    pub fn sample(&mut self) -> CgroupSample {
        let d = self.dirs.clone();
        let mut s = CgroupSample::default();
        match d.version {
            CgroupVersion::V2 => {
                if let Some(t) = self.read(d.cpu.join("cpu.stat")) {
                    s.cpu_time = kv(&t, "usage_usec").unwrap_or(0) as f64 * 1e-6;
                }
                let cur = self
                    .read(d.memory.join("memory.current"))
                    .and_then(|t| t.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                let inactive = self
                    .read(d.memory.join("memory.stat"))
                    .and_then(|t| kv(&t, "inactive_file"))
                    .unwrap_or(0);
                s.memory = cur.saturating_sub(inactive);
                if let Some(t) = d.io.as_ref().and_then(|io| self.read(io.join("io.stat"))) {
                    s.io = parse_io_stat(&t);
                }
                s.nprocs = self
                    .read(d.cpu.join("pids.current"))
                    .and_then(|t| t.trim().parse().ok())
                    .unwrap_or(0);
            }
            CgroupVersion::V1 => {
                s.cpu_time = self
                    .read(d.cpu.join("cpuacct.usage"))
                    .and_then(|t| t.trim().parse::<u64>().ok())
                    .unwrap_or(0) as f64
                    * 1e-9;
                let usage = self
                    .read(d.memory.join("memory.usage_in_bytes"))
                    .and_then(|t| t.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                let inactive = self
                    .read(d.memory.join("memory.stat"))
                    .and_then(|t| kv(&t, "total_inactive_file"))
                    .unwrap_or(0);
                s.memory = usage.saturating_sub(inactive);
                let Some(io) = d.io.clone() else {
                    return s;
                };
                let bytes = self
                    .read(io.join("blkio.throttle.io_service_bytes_recursive"))
                    .or_else(|| self.read(io.join("blkio.throttle.io_service_bytes")));
                let ops = self
                    .read(io.join("blkio.throttle.io_serviced_recursive"))
                    .or_else(|| self.read(io.join("blkio.throttle.io_serviced")));
                if let Some(t) = bytes {
                    (s.io.read_bytes, s.io.write_bytes) = parse_blkio(&t);
                }
                if let Some(t) = ops {
                    (s.io.read_ops, s.io.write_ops) = parse_blkio(&t);
                }
            }
        }
        s
    }

    /// The cgroup's memory limit in bytes, if limited.
    pub fn memory_limit(&self) -> Option<u64> {
        match self.dirs.version {
            CgroupVersion::V2 => read_limit(&self.dirs.memory.join("memory.max")),
            CgroupVersion::V1 => read_limit(&self.dirs.memory.join("memory.limit_in_bytes")),
        }
    }

    /// PIDs in the cgroup and its descendants (for GPU attribution).
    pub fn pids(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![self.dirs.memory.clone()];
        while let Some(d) = stack.pop() {
            if let Ok(t) = std::fs::read_to_string(d.join("cgroup.procs")) {
                out.extend(t.lines().filter_map(|l| l.trim().parse::<u32>().ok()));
            }
            if let Ok(rd) = std::fs::read_dir(&d) {
                stack.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A cgroup jumper created for one command, below jumper's own cgroup (v1: one per
/// controller, `cpuacct` required and `memory` when it can be made; v2: one directory). Its
/// counters are the exact totals of every process that ever ran in it, orphans reparented
/// anywhere included. Removed on [`OwnCgroup::remove`] or drop, after moving any process
/// still in it back to jumper's cgroup.
#[derive(Debug)]
pub struct OwnCgroup {
    dirs: CgroupDirs,
    /// `(created directory, the cgroup.procs of its parent)`, per controller.
    made: Vec<(PathBuf, PathBuf)>,
    has_memory: bool,
    removed: bool,
}

/// jumper's own cgroup directory for a v1 controller (or the v2 cgroup with `None`).
fn own_dir(root: &Path, entries: &[(String, String)], controller: Option<&str>) -> Option<PathBuf> {
    let (mount, path) = match controller {
        None => (
            root.to_path_buf(),
            entries.iter().find(|(c, _)| c.is_empty())?.1.clone(),
        ),
        Some(ctl) => (
            v1_mount(root, ctl)?,
            entries
                .iter()
                .find(|(c, _)| c.split(',').any(|x| x == ctl))
                .map(|(_, p)| p.clone())
                .unwrap_or_default(),
        ),
    };
    let dir = mount.join(path.trim_start_matches('/'));
    // Inside a cgroup namespace the path may not exist under the mount: the mount is ours.
    Some(if dir.is_dir() { dir } else { mount })
}

impl OwnCgroup {
    /// Creates cgroup `name` below the cgroup `proc_self_cgroup` (this process's
    /// `/proc/self/cgroup`) names, under the hierarchy at `root` (`/sys/fs/cgroup`). Fails
    /// with the reason when the host does not let this process create one (no permission, no
    /// `cpuacct` controller, no delegation).
    pub fn create(root: &Path, proc_self_cgroup: &str, name: &str) -> Result<OwnCgroup, String> {
        let entries = parse_proc_cgroup(proc_self_cgroup);
        let mkdir = |parent: &Path| -> Result<(PathBuf, PathBuf), String> {
            let dir = parent.join(name);
            std::fs::create_dir(&dir)
                .map_err(|e| format!("cannot create cgroup {}: {e}", dir.display()))?;
            Ok((dir, parent.join("cgroup.procs")))
        };
        let mut made = Vec::new();
        let version = detect_version(root);
        let dirs = match version {
            CgroupVersion::V2 => {
                let parent = own_dir(root, &entries, None)
                    .ok_or_else(|| "no cgroup v2 entry in /proc/self/cgroup".to_string())?;
                let (dir, procs) = mkdir(&parent)?;
                made.push((dir.clone(), procs));
                CgroupDirs {
                    version,
                    cpu: dir.clone(),
                    memory: dir.clone(),
                    io: Some(dir),
                }
            }
            CgroupVersion::V1 => {
                let parent = own_dir(root, &entries, Some("cpuacct"))
                    .ok_or_else(|| "no cpuacct controller mounted".to_string())?;
                let (cpu, procs) = mkdir(&parent)?;
                made.push((cpu.clone(), procs));
                let memory = own_dir(root, &entries, Some("memory"))
                    .and_then(|p| mkdir(&p).ok())
                    .map(|(dir, procs)| {
                        made.push((dir.clone(), procs));
                        dir
                    });
                CgroupDirs {
                    version,
                    io: Some(cpu.clone()),
                    memory: memory.unwrap_or_else(|| cpu.clone()),
                    cpu,
                }
            }
        };
        let has_memory = version == CgroupVersion::V2 || made.len() > 1;
        Ok(OwnCgroup {
            dirs,
            made,
            has_memory,
            removed: false,
        })
    }

    /// The directories, for a [`CgroupReader`].
    pub fn dirs(&self) -> &CgroupDirs {
        &self.dirs
    }

    /// The `cgroup.procs` files a process joins by writing its PID (or `0`: itself) into
    /// each, e.g. from a `pre_exec` hook before the command runs.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.made
            .iter()
            .map(|(d, _)| d.join("cgroup.procs"))
            .collect()
    }

    /// Moves process `pid` into the cgroup (every controller).
    pub fn add(&self, pid: u32) -> std::io::Result<()> {
        for f in self.procs_files() {
            std::fs::write(&f, format!("{pid}\n"))?;
        }
        Ok(())
    }

    /// Which source this is, as the session records it: `cgroup v1` or `cgroup v2`.
    pub fn source(&self) -> &'static str {
        match self.dirs.version {
            CgroupVersion::V1 => "cgroup v1",
            CgroupVersion::V2 => "cgroup v2",
        }
    }

    /// Peak memory of the cgroup in bytes (v1 `memory.max_usage_in_bytes`, v2
    /// `memory.peak`), when the memory controller is there.
    pub fn memory_peak(&self) -> Option<u64> {
        if !self.has_memory {
            return None;
        }
        let file = match self.dirs.version {
            CgroupVersion::V1 => "memory.max_usage_in_bytes",
            CgroupVersion::V2 => "memory.peak",
        };
        std::fs::read_to_string(self.dirs.memory.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Processes in the cgroup now.
    pub fn pids(&self) -> Vec<u32> {
        let mut v: Vec<u32> = std::fs::read_to_string(self.dirs.cpu.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// Moves what is left back to the parent cgroup and removes the directories.
    pub fn remove(&mut self) -> std::io::Result<()> {
        if self.removed {
            return Ok(());
        }
        self.removed = true;
        let mut first_err = None;
        for (dir, parent_procs) in self.made.iter().rev() {
            let left = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
            for pid in left.lines().filter(|l| !l.trim().is_empty()) {
                let _ = std::fs::write(parent_procs, format!("{}\n", pid.trim()));
            }
            if let Err(e) = std::fs::remove_dir(dir) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

impl Drop for OwnCgroup {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(p: &Path, s: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, s).unwrap();
    }

    #[test]
    fn slurm_job_v2_from_own_cgroup() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(&root.join("cgroup.controllers"), "cpu io memory pids\n");
        let job = root.join("system.slice/slurmstepd.scope/job_4242");
        write(
            &job.join("cpu.stat"),
            "usage_usec 2500000\nuser_usec 2000000\n",
        );
        write(&job.join("memory.current"), "3221225472\n");
        write(
            &job.join("memory.stat"),
            "anon 1\ninactive_file 1073741824\n",
        );
        write(&job.join("memory.max"), "8589934592\n");
        write(&job.join("io.stat"), "8:0 rbytes=4096 wbytes=104857600 rios=1 wios=25 dbytes=0 dios=0\n259:0 rbytes=4096 wbytes=0 rios=1 wios=0\n");
        write(&job.join("pids.current"), "7\n");
        write(&job.join("step_0/cgroup.procs"), "100\n101\n");
        let own = "0::/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0\n";
        let dirs = find_slurm_job(root, own, "4242", 1000, None).unwrap();
        assert_eq!(dirs.memory, job);
        let mut r = CgroupReader::new(dirs);
        let s = r.sample();
        assert_eq!(s.cpu_time, 2.5);
        assert_eq!(s.memory, 2 * 1024 * 1024 * 1024);
        assert_eq!(s.io.write_bytes, 100 * 1024 * 1024);
        assert_eq!((s.io.read_ops, s.io.read_bytes), (2, 8192));
        assert_eq!(s.nprocs, 7);
        assert_eq!(r.memory_limit(), Some(8 * 1024 * 1024 * 1024));
        assert_eq!(r.pids(), vec![100, 101]);
        assert!(find_slurm_job(root, own, "999", 1000, None).is_none());
    }

    #[test]
    fn several_slurmd_per_host_and_sluid_job_directories_are_found() {
        // v1, Debian's multiple-slurmd build: /slurm_<node>/..., no blkio job cgroup.
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let mem = root.join("memory/slurm_n2/uid_0/job_42");
        write(&mem.join("memory.usage_in_bytes"), "4096\n");
        write(&mem.join("memory.stat"), "total_inactive_file 0\n");
        write(
            &root.join("cpuacct/slurm_n2/uid_0/job_42/cpuacct.usage"),
            "2000000000\n",
        );
        std::fs::create_dir_all(root.join("blkio")).unwrap();
        // From the process's own path, and from the candidates when it says nothing.
        let own = "5:memory:/slurm_n2/uid_0/job_42/step_0/task_0\n3:cpuacct:/slurm_n2/uid_0/job_42/step_0/task_0\n";
        for (own, node) in [(own, None), ("5:memory:/\n", Some("n2"))] {
            let dirs = find_slurm_job(root, own, "42", 0, node).unwrap();
            assert_eq!(dirs.memory, mem);
            assert_eq!(dirs.io, None, "no blkio job cgroup: I/O unavailable");
            let s = CgroupReader::new(dirs).sample();
            assert_eq!((s.cpu_time, s.memory), (2.0, 4096));
        }
        assert!(find_slurm_job(root, "5:memory:/\n", "42", 0, Some("n1")).is_none());

        // v2: <node>_slurmstepd.scope, by candidate.
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(&root.join("cgroup.controllers"), "cpu io memory pids\n");
        let job = root.join("system.slice/n1_slurmstepd.scope/job_7");
        write(&job.join("cpu.stat"), "usage_usec 1000000\n");
        let dirs = find_slurm_job(root, "0::/\n", "7", 0, Some("n1")).unwrap();
        assert_eq!((dirs.memory.clone(), dirs.io), (job.clone(), Some(job)));
        assert!(find_slurm_job(root, "0::/\n", "7", 0, Some("n2")).is_none());

        // v2, Slurm 26.05: the job directory is named by SLUID, the component above step_*.
        let sluid = root.join("system.slice/n1_slurmstepd.scope/sx3k9q2b7f");
        write(&sluid.join("cpu.stat"), "usage_usec 3000000\n");
        let own = "0::/system.slice/n1_slurmstepd.scope/sx3k9q2b7f/step_0/user/task_0\n";
        let dirs = find_slurm_job(root, own, "8", 0, Some("n1")).unwrap();
        assert_eq!(dirs.cpu, sluid);
        assert_eq!(CgroupReader::new(dirs).sample().cpu_time, 3.0);
    }

    #[test]
    fn slurm_job_v1_jumper_path_and_unlimited() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let mem = root.join("memory/slurm/uid_1000/job_77");
        write(&mem.join("memory.limit_in_bytes"), "8589934592\n");
        write(&mem.join("memory.usage_in_bytes"), "2000\n");
        write(&mem.join("memory.stat"), "total_inactive_file 1000\n");
        let cpu = root.join("cpu,cpuacct/slurm/uid_1000/job_77");
        write(&cpu.join("cpuacct.usage"), "1500000000\n");
        let blk = root.join("blkio/slurm/uid_1000/job_77");
        write(
            &blk.join("blkio.throttle.io_service_bytes_recursive"),
            "8:0 Read 10\n8:0 Write 20\n8:0 Total 30\nTotal 30\n",
        );
        write(
            &blk.join("blkio.throttle.io_serviced_recursive"),
            "8:0 Read 1\n8:0 Write 2\n",
        );
        let dirs = find_slurm_job(root, "4:memory:/\n", "77", 1000, None).unwrap();
        assert_eq!(dirs.version, CgroupVersion::V1);
        let mut r = CgroupReader::new(dirs);
        let s = r.sample();
        assert_eq!(s.cpu_time, 1.5);
        assert_eq!(s.memory, 1000);
        assert_eq!(
            s.io,
            IoCounters {
                read_bytes: 10,
                write_bytes: 20,
                read_ops: 1,
                write_ops: 2
            }
        );
        // JUmPER's test: the limit file says 8589934592 -> 8 GiB.
        assert_eq!(r.memory_limit(), Some(8589934592));
        write(
            &root.join("memory/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        assert_eq!(memory_limit_of(root, "4:memory:/\n"), None);
    }

    #[test]
    fn v2_limit_is_the_smallest_ancestor() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(&root.join("cgroup.controllers"), "memory\n");
        write(&root.join("a/memory.max"), "1000\n");
        write(&root.join("a/b/memory.max"), "max\n");
        assert_eq!(memory_limit_of(root, "0::/a/b\n"), Some(1000));
    }

    #[test]
    fn own_cgroup_v1_below_our_memory_cgroup() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("cpuacct")).unwrap();
        fs::create_dir_all(root.join("memory/api/abc")).unwrap();
        let own = "4:memory:/api/abc\n2:cpuacct:/\n0::/\n";
        let mut g = OwnCgroup::create(root, own, "jumper-1").unwrap();
        assert_eq!(g.source(), "cgroup v1");
        assert_eq!(g.dirs().cpu, root.join("cpuacct/jumper-1"));
        assert_eq!(g.dirs().memory, root.join("memory/api/abc/jumper-1"));
        assert_eq!(
            g.procs_files(),
            vec![
                root.join("cpuacct/jumper-1/cgroup.procs"),
                root.join("memory/api/abc/jumper-1/cgroup.procs")
            ]
        );
        g.add(42).unwrap();
        assert_eq!(g.pids(), vec![42]);
        write(&g.dirs().cpu.join("cpuacct.usage"), "2500000000\n");
        write(
            &g.dirs().memory.join("memory.max_usage_in_bytes"),
            "1048576\n",
        );
        assert_eq!(CgroupReader::new(g.dirs().clone()).sample().cpu_time, 2.5);
        assert_eq!(g.memory_peak(), Some(1 << 20));
        // A plain directory with files cannot be removed (cgroupfs can); what was left in
        // it is moved to the parent first.
        assert!(g.remove().is_err());
        assert_eq!(
            fs::read_to_string(root.join("cpuacct/cgroup.procs")).unwrap(),
            "42\n"
        );
        // Creating the same name twice is refused with the path.
        let e = OwnCgroup::create(root, own, "jumper-1").unwrap_err();
        assert!(e.contains("jumper-1"), "{e}");
    }

    #[test]
    fn own_cgroup_v2_and_none_without_cpuacct() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(&root.join("cgroup.controllers"), "cpu memory\n");
        fs::create_dir_all(root.join("user.slice/me")).unwrap();
        let g = OwnCgroup::create(root, "0::/user.slice/me\n", "j").unwrap();
        assert_eq!(g.source(), "cgroup v2");
        assert_eq!(g.dirs().cpu, root.join("user.slice/me/j"));
        write(&g.dirs().cpu.join("cpu.stat"), "usage_usec 1500000\n");
        write(&g.dirs().memory.join("memory.peak"), "4096\n");
        assert_eq!(CgroupReader::new(g.dirs().clone()).sample().cpu_time, 1.5);
        assert_eq!(g.memory_peak(), Some(4096));
        let t1 = tempfile::tempdir().unwrap();
        let e = OwnCgroup::create(t1.path(), "4:memory:/\n", "j").unwrap_err();
        assert!(e.contains("cpuacct"), "{e}");
    }
}
