//! Where a session is taken: host name, the SLURM job step's placement, the cgroups, and a
//! fresh session UUID ([`jumper_data::Origin`]).
//!
//! Slurm describes a job step to its tasks through environment variables; jumper reads its own
//! (never another process's) when monitoring starts. The host name comes from
//! `<proc>/sys/kernel/hostname` (what `gethostname()` returns), so tests can inject it.

use std::path::Path;

use jumper_data::Origin;

use crate::cgroup::{parse_proc_cgroup, CgroupDirs};
use crate::MonitorError;

/// A random (version 4) UUID, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, from the operating
/// system's random source.
pub fn session_uuid() -> Result<String, MonitorError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(MonitorError::Random)?;
    Ok(jumper_data::uuid4_text(b))
}

/// The job directory of a cgroup path when it is named by SLUID rather than `job_<id>`: the
/// component right above `step_*` (Slurm 26.05 on cgroup v2).
fn sluid_from_path(path: &str) -> Option<String> {
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let step = comps.iter().position(|c| c.starts_with("step_"))?;
    let job = *comps.get(step.checked_sub(1)?)?;
    (!job.starts_with("job_") && !job.starts_with("uid_") && !job.ends_with(".scope"))
        .then(|| job.to_string())
}

/// The origin of a session started now: `env` looks a variable up (the process's environment
/// in [`crate::Monitor`]), `proc_root` is `/proc`, `slurm` the job cgroup the slurm level reads.
pub fn detect(
    env: &dyn Fn(&str) -> Option<String>,
    proc_root: &Path,
    slurm: Option<&CgroupDirs>,
    session_uuid: String,
) -> Origin {
    let var = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let hostname = jumper_data::host_name(proc_root).unwrap_or_default();
    let own = std::fs::read_to_string(proc_root.join("self/cgroup")).unwrap_or_default();
    let entries = parse_proc_cgroup(&own);
    // The unified path on v2 (controllers ""), the memory controller's on v1.
    let own_cgroup = entries
        .iter()
        .find(|(c, _)| c.is_empty())
        .filter(|(_, p)| p != "/")
        .or_else(|| {
            entries
                .iter()
                .find(|(c, _)| c.split(',').any(|x| x == "memory"))
        })
        .map(|(_, p)| p.clone());
    let slurm_cgroup = slurm.map(|d| d.memory.to_string_lossy().into_owned());
    let sluid = var("SLURM_JOB_SLUID").or_else(|| {
        [own_cgroup.as_deref(), slurm_cgroup.as_deref()]
            .into_iter()
            .flatten()
            .find_map(sluid_from_path)
    });
    Origin {
        session_uuid,
        hostname,
        node: var("SLURMD_NODENAME"),
        job_id: var("SLURM_JOB_ID"),
        sluid,
        step_id: var("SLURM_STEP_ID"),
        task_id: var("SLURM_PROCID"),
        node_list: var("SLURM_JOB_NODELIST").or_else(|| var("SLURM_NODELIST")),
        cluster: var("SLURM_CLUSTER_NAME"),
        slurm_io_cgroup: slurm
            .and_then(|d| d.io.as_ref())
            .map(|p| p.to_string_lossy().into_owned()),
        slurm_cgroup,
        own_cgroup,
        // Set once the command's own cgroup is made (Monitor::isolate_process_level).
        process_cgroup: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::CgroupVersion;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn proc_with(hostname: &str, cgroup: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("sys/kernel")).unwrap();
        std::fs::create_dir_all(d.path().join("self")).unwrap();
        std::fs::write(
            d.path().join("sys/kernel/hostname"),
            format!("{hostname}\n"),
        )
        .unwrap();
        std::fs::write(d.path().join("self/cgroup"), cgroup).unwrap();
        d
    }

    #[test]
    fn slurm_step_on_cgroup_v1_with_several_slurmd() {
        let p = proc_with(
            "host7",
            "12:memory:/slurm_n2/uid_0/job_42/step_1/task_0\n3:cpuacct,cpu:/slurm_n2/uid_0/job_42/step_1/task_0\n",
        );
        let env = env_of(&[
            ("SLURMD_NODENAME", "n2"),
            ("SLURM_JOB_ID", "42"),
            ("SLURM_STEP_ID", "1"),
            ("SLURM_PROCID", "3"),
            ("SLURM_JOB_NODELIST", "n[1-2]"),
            ("SLURM_CLUSTER_NAME", "jt"),
            ("SLURM_JOB_SLUID", " "),
        ]);
        let dirs = CgroupDirs {
            version: CgroupVersion::V1,
            cpu: "/sys/fs/cgroup/cpuacct/slurm_n2/uid_0/job_42".into(),
            memory: "/sys/fs/cgroup/memory/slurm_n2/uid_0/job_42".into(),
            io: None,
        };
        let o = detect(&env, p.path(), Some(&dirs), "u".into());
        assert_eq!(o.hostname, "host7");
        assert_eq!(o.node.as_deref(), Some("n2"));
        assert_eq!(o.node_name(), "n2");
        assert_eq!(o.job_id.as_deref(), Some("42"));
        assert_eq!(o.step_id.as_deref(), Some("1"));
        assert_eq!(o.task_id.as_deref(), Some("3"));
        assert_eq!(o.node_list.as_deref(), Some("n[1-2]"));
        assert_eq!(o.cluster.as_deref(), Some("jt"));
        assert_eq!(
            o.sluid, None,
            "a blank variable and job_<id> paths name no SLUID"
        );
        assert_eq!(
            o.slurm_cgroup.as_deref(),
            Some("/sys/fs/cgroup/memory/slurm_n2/uid_0/job_42")
        );
        assert_eq!(
            o.own_cgroup.as_deref(),
            Some("/slurm_n2/uid_0/job_42/step_1/task_0")
        );
        assert_eq!(o.session_uuid, "u");
    }

    #[test]
    fn sluid_from_a_v2_job_directory_and_no_slurm_outside_a_job() {
        let p = proc_with(
            "n1",
            "0::/system.slice/n1_slurmstepd.scope/sX7KQ2BCD/step_0/user/task_0\n",
        );
        let o = detect(&|_| None, p.path(), None, "u".into());
        assert_eq!(o.sluid.as_deref(), Some("sX7KQ2BCD"));
        assert_eq!(o.node, None);
        assert_eq!(
            o.node_name(),
            "n1",
            "without SLURMD_NODENAME the host names the node"
        );
        assert_eq!(o.job_id, None);
        assert_eq!(o.slurm_cgroup, None);
        let p = proc_with("laptop", "0::/user.slice/user-1000.slice/session-2.scope\n");
        let o = detect(
            &env_of(&[("SLURM_JOB_SLUID", "sABC")]),
            p.path(),
            None,
            "u".into(),
        );
        assert_eq!(o.sluid.as_deref(), Some("sABC"));
        assert_eq!(
            o.own_cgroup.as_deref(),
            Some("/user.slice/user-1000.slice/session-2.scope")
        );
    }

    #[test]
    fn uuid4_has_version_variant_and_is_fresh() {
        let a = session_uuid().unwrap();
        assert_ne!(a, session_uuid().unwrap());
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }
}
