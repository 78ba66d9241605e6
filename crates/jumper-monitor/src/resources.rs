//! The hardware a level can use: CPUs and affinity, memory and its limits, GPUs.

use std::collections::BTreeMap;
use std::path::Path;

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
        let own_cg = std::fs::read_to_string(proc_root.join("self/cgroup")).unwrap_or_default();
        let slurm_job = crate::process::slurm_job();
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let slurm_memory_limit = slurm_job.as_ref().and_then(|job| {
            crate::cgroup::find_slurm_job(cgroup_root, &own_cg, job, uid)
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
}
