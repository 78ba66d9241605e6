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
    /// I/O controller directory (v1: blkio).
    pub io: PathBuf,
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

fn cut_at_job(path: &str, job: &str) -> Option<String> {
    let comp = format!("job_{job}");
    let mut out = String::new();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        out.push('/');
        out.push_str(c);
        if c == comp {
            return Some(out);
        }
    }
    None
}

/// Finds the cgroup of SLURM job `job` from the monitored process's `/proc/PID/cgroup`, or
/// from the paths slurmd uses (JUmPER's candidates). Never reads other processes'
/// environments.
pub fn find_slurm_job(root: &Path, proc_cgroup: &str, job: &str, uid: u32) -> Option<CgroupDirs> {
    let entries = parse_proc_cgroup(proc_cgroup);
    match detect_version(root) {
        CgroupVersion::V2 => {
            let from_self = entries
                .iter()
                .find(|(c, _)| c.is_empty())
                .and_then(|(_, p)| cut_at_job(p, job))
                .map(|p| root.join(p.trim_start_matches('/')));
            let candidates = [
                format!("system.slice/slurmstepd.scope/job_{job}"),
                format!("system.slice/slurm.service/job_{job}"),
                format!("slurm/uid_{uid}/job_{job}"),
            ];
            let dir = from_self
                .filter(|d| d.is_dir())
                .or_else(|| candidates.iter().map(|c| root.join(c)).find(|d| d.is_dir()))?;
            Some(CgroupDirs {
                version: CgroupVersion::V2,
                cpu: dir.clone(),
                memory: dir.clone(),
                io: dir,
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
                from_self
                    .filter(|d| d.is_dir())
                    .or_else(|| Some(mount.join(format!("slurm/uid_{uid}/job_{job}"))))
                    .filter(|d| d.is_dir())
            };
            let memory = dir_for("memory")?;
            Some(CgroupDirs {
                version: CgroupVersion::V1,
                cpu: dir_for("cpuacct").unwrap_or_else(|| memory.clone()),
                io: dir_for("blkio").unwrap_or_else(|| memory.clone()),
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
                if let Some(t) = self.read(d.io.join("io.stat")) {
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
                let bytes = self
                    .read(d.io.join("blkio.throttle.io_service_bytes_recursive"))
                    .or_else(|| self.read(d.io.join("blkio.throttle.io_service_bytes")));
                let ops = self
                    .read(d.io.join("blkio.throttle.io_serviced_recursive"))
                    .or_else(|| self.read(d.io.join("blkio.throttle.io_serviced")));
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
        let dirs = find_slurm_job(root, own, "4242", 1000).unwrap();
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
        assert!(find_slurm_job(root, own, "999", 1000).is_none());
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
        let dirs = find_slurm_job(root, "4:memory:/\n", "77", 1000).unwrap();
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
}
