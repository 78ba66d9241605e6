//! The hardware a level can use: CPUs and affinity, memory and its limits, GPUs.
//!
//! Read once per monitor, so parse cost does not matter here: where the cgroup hierarchy is
//! mounted and how this process's cgroup paths read under it come from `procfs-core`'s parsers
//! of `self/mountinfo` and `self/cgroup` under the injected `/proc` root. The CPU count and
//! RAM use the same parsers as the system level (`crate::procfs::system`), so the resources
//! and the samples agree by construction (tests compare both with `procfs` and `sysinfo`, see
//! `tests/oracles.rs`). Affinity and `RLIMIT_AS` are system calls about this process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use procfs_core::process::{MountInfo, MountInfos};
use procfs_core::{FromRead, ProcessCGroups};

use serde::Serialize;

use crate::gpu::GpuDevice;
use crate::procfs::system;

/// What the machine offers, and what the monitored process may use of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    /// CPUs in the affinity mask of this process.
    pub num_cpus: usize,
    /// The CPUs of that mask.
    pub cpu_affinity: Vec<usize>,
    /// CPUs of the machine.
    pub num_system_cpus: usize,
    /// Total RAM in bytes.
    pub memory_total: u64,
    /// Available RAM in bytes.
    pub memory_available: u64,
    /// `RLIMIT_AS` soft limit in bytes, if finite.
    pub rlimit_as: Option<u64>,
    /// Memory limit of this process's cgroup, if limited.
    pub cgroup_memory_limit: Option<u64>,
    /// Memory limit of the SLURM job's cgroup, if in a job and limited.
    pub slurm_memory_limit: Option<u64>,
    /// SLURM job id, if any.
    pub slurm_job: Option<String>,
    /// GPUs.
    pub gpus: Vec<GpuDevice>,
}

impl Resources {
    /// Reads the machine through `/proc` and cgroups at the given roots.
    pub fn detect(proc_root: &Path, cgroup_root: &Path, gpus: Vec<GpuDevice>) -> Resources {
        let cpu_affinity = affinity();
        let stat = std::fs::read_to_string(proc_root.join("stat")).unwrap_or_default();
        let num_system_cpus = system::parse_cpu_stat(&stat, 100.0).len().max(1);
        let (memory_total, memory_available) = std::fs::read_to_string(proc_root.join("meminfo"))
            .map(|t| system::parse_meminfo(&t))
            .unwrap_or((0, 0));
        let (cgroup_root, own_cg) = cgroup_view(proc_root, cgroup_root);
        let cgroup_root = cgroup_root.as_path();
        let slurm_job = crate::process::slurm_job();
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let slurm_memory_limit = slurm_job.as_ref().and_then(|job| {
            crate::cgroup::find_slurm_job(
                cgroup_root,
                &own_cg,
                job,
                uid,
                std::env::var("SLURMD_NODENAME").ok().as_deref(),
            )
            .and_then(|d| crate::cgroup::CgroupReader::new(d).memory_limit())
        });
        Resources {
            num_cpus: cpu_affinity.len().max(1),
            cpu_affinity,
            num_system_cpus,
            memory_total,
            memory_available,
            rlimit_as: rlimit_as(),
            cgroup_memory_limit: crate::cgroup::memory_limit_of(cgroup_root, &own_cg),
            slurm_memory_limit,
            slurm_job,
            gpus,
        }
    }

    /// The memory limit of each level in GiB: RAM for user and system; for process the
    /// smallest of RAM, `RLIMIT_AS` and the cgroup limit; for slurm the job's cgroup limit.
    pub fn memory_limits_gib(&self) -> BTreeMap<String, f64> {
        let gib = |b: u64| (b as f64 / jumper_data::GIB * 100.0).round() / 100.0;
        let ram = self.memory_total;
        let process = [Some(ram), self.rlimit_as, self.cgroup_memory_limit]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(ram);
        let mut m = BTreeMap::new();
        m.insert("system".into(), gib(ram));
        m.insert(
            "user".into(),
            gib(ram.min(self.cgroup_memory_limit.unwrap_or(ram))),
        );
        m.insert("process".into(), gib(process));
        if self.slurm_job.is_some() {
            m.insert("slurm".into(), gib(self.slurm_memory_limit.unwrap_or(ram)));
        }
        m
    }

    /// A human-readable summary, in JUmPER's `perfmonitor_resources` shape plus limits.
    pub fn to_text(&self) -> String {
        let gib = |b: u64| b as f64 / jumper_data::GIB;
        let mut s = String::new();
        s.push_str(&format!("CPUs: {}\n", self.num_cpus));
        s.push_str(&format!("  CPU affinity: {:?}\n", self.cpu_affinity));
        s.push_str(&format!(
            "  CPUs in the machine: {}\n",
            self.num_system_cpus
        ));
        s.push_str(&format!(
            "Memory: {:.2} GiB ({:.2} GiB available)\n",
            gib(self.memory_total),
            gib(self.memory_available)
        ));
        let lim = |o: Option<u64>| o.map_or("none".to_string(), |b| format!("{:.2} GiB", gib(b)));
        s.push_str(&format!("  RLIMIT_AS: {}\n", lim(self.rlimit_as)));
        s.push_str(&format!(
            "  cgroup memory limit: {}\n",
            lim(self.cgroup_memory_limit)
        ));
        if let Some(job) = &self.slurm_job {
            s.push_str(&format!(
                "  SLURM job {job} memory limit: {}\n",
                lim(self.slurm_memory_limit)
            ));
        }
        s.push_str(&format!("GPUs: {}\n", self.gpus.len()));
        for g in &self.gpus {
            s.push_str(&format!("  {}, {:.2} GiB\n", g.name, gib(g.memory_total)));
        }
        s
    }
}

/// The cgroup hierarchy to read and this process's `/proc/PID/cgroup` as paths under it.
///
/// `cgroup_root` is used when it holds a hierarchy (v2 `cgroup.controllers`, or a v1 `memory`
/// or `cpuacct` directory); otherwise the mounts in `self/mountinfo` say where cgroups live
/// (a v1 `memory` controller's parent directory, else the `cgroup2` mount). A cgroup path that
/// starts with its mount's root (a container without a cgroup namespace: the mount shows only
/// `/docker/ID`, while `self/cgroup` says `/docker/ID/...`) is made relative to that mount, so
/// the limit of the container's own cgroup is found. Unreadable or malformed files leave
/// things as they are (no mounts, the file's text as it stands).
fn cgroup_view(proc_root: &Path, cgroup_root: &Path) -> (PathBuf, String) {
    let own_cg = std::fs::read_to_string(proc_root.join("self/cgroup")).unwrap_or_default();
    let mounts: Vec<MountInfo> = MountInfos::from_file(proc_root.join("self/mountinfo"))
        .map(|m| {
            m.into_iter()
                .filter(|m| m.fs_type == "cgroup" || m.fs_type == "cgroup2")
                .collect()
        })
        .unwrap_or_default();
    let is_hierarchy = |d: &Path| {
        d.join("cgroup.controllers").is_file()
            || ["memory", "cpuacct", "cpu,cpuacct", "cpuacct,cpu"]
                .iter()
                .any(|c| d.join(c).is_dir())
    };
    let v1_memory = mounts
        .iter()
        .find(|m| m.fs_type == "cgroup" && m.super_options.contains_key("memory"));
    let root = if is_hierarchy(cgroup_root) {
        cgroup_root.to_path_buf()
    } else {
        v1_memory
            .and_then(|m| m.mount_point.parent())
            .map(Path::to_path_buf)
            .filter(|d| is_hierarchy(d))
            .or_else(|| {
                mounts
                    .iter()
                    .find(|m| m.fs_type == "cgroup2")
                    .map(|m| m.mount_point.clone())
                    .filter(|d| is_hierarchy(d))
            })
            .unwrap_or_else(|| cgroup_root.to_path_buf())
    };
    let Ok(groups) = ProcessCGroups::from_read(own_cg.as_bytes()) else {
        return (root, own_cg);
    };
    let mut text = String::new();
    for g in &groups {
        // The mount this entry's hierarchy is read through, if it is one under `root`.
        let mount = mounts.iter().find(|m| {
            let v2 = g.controllers.is_empty();
            let under_root = if v2 {
                m.mount_point == root
            } else {
                m.mount_point.parent() == Some(root.as_path())
            };
            under_root
                && if v2 {
                    m.fs_type == "cgroup2"
                } else {
                    m.fs_type == "cgroup"
                        && g.controllers
                            .iter()
                            .all(|c| m.super_options.contains_key(c))
                }
        });
        let path = match mount {
            Some(m) if m.root != "/" => relative_to_mount(&g.pathname, &m.root),
            _ => g.pathname.clone(),
        };
        text.push_str(&format!(
            "{}:{}:{}\n",
            g.hierarchy,
            g.controllers.join(","),
            path
        ));
    }
    (root, text)
}

/// `path` (from `self/cgroup`) under a mount whose root is `mount_root`: the rest after the
/// mount root, or `path` unchanged when it does not lie under it.
fn relative_to_mount(path: &str, mount_root: &str) -> String {
    let root = mount_root.trim_end_matches('/');
    match path.strip_prefix(root) {
        Some("") => "/".to_string(),
        Some(rest) if rest.starts_with('/') => rest.to_string(),
        _ => path.to_string(),
    }
}

fn affinity() -> Vec<usize> {
    // SAFETY: the set is zero-initialised and sized for sched_getaffinity.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            return (0..libc::CPU_SETSIZE as usize)
                .filter(|&i| libc::CPU_ISSET(i, &set))
                .collect();
        }
    }
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    (0..n).collect()
}

fn rlimit_as() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) };
    (rc == 0 && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_this_machine_and_fixture_limits() {
        let r = Resources::detect(Path::new("/proc"), Path::new("/sys/fs/cgroup"), vec![]);
        assert!(r.num_cpus >= 1 && r.num_cpus <= r.num_system_cpus);
        assert!(r.memory_total > 0);
        let lim = r.memory_limits_gib();
        assert!(lim["system"] > 0.0);
        assert!(lim["process"] <= lim["system"]);
        assert!(r.to_text().starts_with("CPUs: "));

        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("self")).unwrap();
        std::fs::write(
            t.path().join("stat"),
            "cpu 1 1 1 1\ncpu0 1 1 1 1\ncpu1 1 1 1 1\ncpu2 1 1 1 1\n",
        )
        .unwrap();
        std::fs::write(
            t.path().join("meminfo"),
            "MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n",
        )
        .unwrap();
        std::fs::write(t.path().join("self/cgroup"), "0::/job\n").unwrap();
        let cg = tempfile::tempdir().unwrap();
        std::fs::write(cg.path().join("cgroup.controllers"), "memory").unwrap();
        std::fs::create_dir_all(cg.path().join("job")).unwrap();
        std::fs::write(cg.path().join("job/memory.max"), "2147483648\n").unwrap();
        let r = Resources::detect(
            t.path(),
            cg.path(),
            vec![GpuDevice {
                name: "Fake".into(),
                memory_total: 1 << 34,
                uuid: String::new(),
            }],
        );
        assert_eq!(r.num_system_cpus, 3);
        assert_eq!(r.memory_total, 8 << 30);
        assert_eq!(r.cgroup_memory_limit, Some(2 << 30));
        let lim = r.memory_limits_gib();
        assert_eq!(lim["system"], 8.0);
        assert_eq!(lim["process"], 2.0);
        assert!(r.to_text().contains("Fake, 16.00 GiB"));
    }

    fn mountinfo_line(root: &str, point: &Path, fs: &str, opts: &str) -> String {
        format!(
            "36 25 0:30 {root} {} rw,nosuid,nodev,noexec,relatime shared:9 - {fs} {fs} {opts}\n",
            point.display()
        )
    }

    fn fake_proc(cgroup: &str, mountinfo: &str) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("self")).unwrap();
        std::fs::write(t.path().join("self/cgroup"), cgroup).unwrap();
        std::fs::write(t.path().join("self/mountinfo"), mountinfo).unwrap();
        t
    }

    #[test]
    fn a_container_without_cgroup_namespace_finds_its_own_cgroup() {
        // The mount shows the container's cgroup /docker/abc as its root; self/cgroup names the
        // full path. The limit of the sub-cgroup we are in (512 MiB) is the one that binds, not
        // the container's 2 GiB that a walk up from a missing directory would find.
        let cg = tempfile::tempdir().unwrap();
        std::fs::write(cg.path().join("cgroup.controllers"), "memory").unwrap();
        std::fs::write(cg.path().join("memory.max"), "2147483648\n").unwrap();
        std::fs::create_dir_all(cg.path().join("sub")).unwrap();
        std::fs::write(cg.path().join("sub/memory.max"), "536870912\n").unwrap();
        let mi = mountinfo_line("/docker/abc", cg.path(), "cgroup2", "rw,nsdelegate");
        let proc = fake_proc("0::/docker/abc/sub\n", &mi);
        let (root, text) = cgroup_view(proc.path(), cg.path());
        assert_eq!(root, cg.path());
        assert_eq!(text, "0::/sub\n");
        let r = Resources::detect(proc.path(), cg.path(), vec![]);
        assert_eq!(r.cgroup_memory_limit, Some(512 << 20));

        // Without the mount's root the path is taken as it stands: the walk up from the
        // missing /docker/abc/sub reaches only the 2 GiB of the mount's top.
        let proc = fake_proc("0::/docker/abc/sub\n", "");
        let r = Resources::detect(proc.path(), cg.path(), vec![]);
        assert_eq!(r.cgroup_memory_limit, Some(2 << 30));
    }

    #[test]
    fn cgroups_mounted_elsewhere_are_found_through_mountinfo() {
        let nowhere = Path::new("/nonexistent/jumper-test/cgroup");
        // v2 at an unusual place.
        let cg = tempfile::tempdir().unwrap();
        std::fs::write(cg.path().join("cgroup.controllers"), "memory").unwrap();
        std::fs::create_dir_all(cg.path().join("job")).unwrap();
        std::fs::write(cg.path().join("job/memory.max"), "1073741824\n").unwrap();
        let mi = mountinfo_line("/", cg.path(), "cgroup2", "rw");
        let proc = fake_proc("0::/job\n", &mi);
        assert_eq!(cgroup_view(proc.path(), nowhere).0, cg.path());
        let r = Resources::detect(proc.path(), nowhere, vec![]);
        assert_eq!(r.cgroup_memory_limit, Some(1 << 30));

        // v1: the memory controller's mount names the hierarchy's parent directory.
        let v1 = tempfile::tempdir().unwrap();
        let mem = v1.path().join("memory");
        std::fs::create_dir_all(mem.join("job")).unwrap();
        std::fs::write(mem.join("job/memory.limit_in_bytes"), "3221225472\n").unwrap();
        let mi = mountinfo_line(
            "/",
            &v1.path().join("cpu,cpuacct"),
            "cgroup",
            "rw,cpu,cpuacct",
        ) + &mountinfo_line("/", &mem, "cgroup", "rw,memory");
        let proc = fake_proc("5:memory:/job\n4:cpu,cpuacct:/job\n", &mi);
        assert_eq!(cgroup_view(proc.path(), nowhere).0, v1.path());
        let r = Resources::detect(proc.path(), nowhere, vec![]);
        assert_eq!(r.cgroup_memory_limit, Some(3 << 30));

        // No mountinfo and no hierarchy at the root: no limit, and nothing breaks.
        let proc = fake_proc("0::/job\n", "garbage line\n");
        let (root, text) = cgroup_view(proc.path(), nowhere);
        assert_eq!((root.as_path(), text.as_str()), (nowhere, "0::/job\n"));
        assert_eq!(
            Resources::detect(proc.path(), nowhere, vec![]).cgroup_memory_limit,
            None
        );
    }

    #[test]
    fn paths_are_made_relative_to_the_mount_root_only_when_under_it() {
        assert_eq!(relative_to_mount("/docker/abc/sub", "/docker/abc"), "/sub");
        assert_eq!(relative_to_mount("/docker/abc", "/docker/abc/"), "/");
        assert_eq!(
            relative_to_mount("/docker/abcd", "/docker/abc"),
            "/docker/abcd"
        );
        assert_eq!(relative_to_mount("/other", "/docker/abc"), "/other");
    }
}
