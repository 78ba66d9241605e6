//! The slurm level's cgroup v2 paths on a real unified hierarchy, not a fixture tree: the
//! machine's own `/sys/fs/cgroup` where it is v2, else a cgroup2 mount of our own (a v1 or
//! hybrid machine can mount the unified hierarchy beside its v1 controllers; `cpu.stat` is in
//! every v2 cgroup, so CPU is checked everywhere, memory only where the memory controller is
//! enabled). Slurm's layouts are made as real cgroups under a directory of this test's own,
//! a process burns known CPU inside the job's task cgroup, and jumper finds the job and reads
//! it: `<node>_slurmstepd.scope/job_<id>` (several slurmd per host) and a job directory named
//! by SLUID (Slurm 26.05), found from the process's own `/proc/PID/cgroup`.
//!
//! Needs root (cgroups are made and a cgroup2 hierarchy may be mounted): skipped with a note
//! otherwise, and a failure under CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use jumper_monitor::cgroup::{find_slurm_job, CgroupReader, CgroupVersion};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A unified hierarchy and a directory of this test's own in it; everything is removed (and
/// our own mount unmounted) on drop.
struct V2 {
    mount: PathBuf,
    own_mount: Option<tempfile::TempDir>,
    base: PathBuf,
    made: Vec<PathBuf>,
}

impl V2 {
    fn open() -> Result<V2, String> {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root".into());
        }
        let sys = Path::new("/sys/fs/cgroup");
        let (mount, own_mount) = if sys.join("cgroup.controllers").exists() {
            (sys.to_path_buf(), None)
        } else {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let target = CString::new(dir.path().as_os_str().as_encoded_bytes()).unwrap();
            let (src, fstype) = (
                CString::new("none").unwrap(),
                CString::new("cgroup2").unwrap(),
            );
            // SAFETY: valid NUL-terminated strings; no data argument.
            let rc = unsafe {
                libc::mount(
                    src.as_ptr(),
                    target.as_ptr(),
                    fstype.as_ptr(),
                    0,
                    std::ptr::null(),
                )
            };
            if rc != 0 {
                return Err(format!(
                    "cannot mount cgroup2: {}",
                    std::io::Error::last_os_error()
                ));
            }
            (dir.path().to_path_buf(), Some(dir))
        };
        let base = mount.join(format!("jumper-test-{}", std::process::id()));
        let mut v = V2 {
            mount,
            own_mount,
            base: base.clone(),
            made: Vec::new(),
        };
        v.mkdir(&base);
        Ok(v)
    }

    fn mkdir(&mut self, dir: &Path) {
        if !dir.exists() {
            std::fs::create_dir(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
            self.made.push(dir.to_path_buf());
        }
    }

    /// Makes `rel` (and every cgroup above it) under the test's directory.
    fn cgroup(&mut self, rel: &str) -> PathBuf {
        let mut p = self.base.clone();
        for c in rel.split('/') {
            p.push(c);
            self.mkdir(&p.clone());
        }
        p
    }

    /// The test directory's path as `/proc/PID/cgroup` shows it (from the hierarchy's root).
    fn rel(&self) -> String {
        self.base
            .strip_prefix(&self.mount)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for V2 {
    fn drop(&mut self) {
        for d in self.made.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        if let Some(dir) = &self.own_mount {
            let target = CString::new(dir.path().as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            unsafe { libc::umount(target.as_ptr()) };
        }
    }
}

/// `sh` that moves itself into `cgroup` and then runs `cmd` there.
fn spawn_in(cgroup: &Path, cmd: &str) -> Child {
    Command::new("sh")
        .args([
            "-c",
            &format!("echo $$ > \"$0\"/cgroup.procs && exec {cmd}"),
            &cgroup.to_string_lossy(),
        ])
        .spawn()
        .unwrap()
}

/// Waits for `child` and returns its CPU seconds with its reaped descendants (`wait4`).
fn reap_with_rusage(child: Child) -> f64 {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes the status and the rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(rc, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

const BURN: &str =
    "python3 -c 'import time\nt=time.process_time()\nwhile time.process_time()-t<0.4: pass'";

#[test]
fn slurm_jobs_are_found_and_read_on_a_real_cgroup_v2_hierarchy() {
    let mut v2 = match V2::open() {
        Ok(v) => v,
        Err(why) if in_ci() => panic!("the cgroup v2 test must run under CI: {why}"),
        Err(why) => {
            eprintln!("skipped: {why} (run as root to check cgroup v2 on this machine)");
            return;
        }
    };
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };

    // Several slurmd per host: system.slice/<node>_slurmstepd.scope/job_<id>/step_0/user/task_0.
    let task = v2.cgroup("system.slice/node7_slurmstepd.scope/job_4242/step_0/user/task_0");
    let truth = reap_with_rusage(spawn_in(&task, BURN));
    assert!(truth >= 0.4, "{truth}");
    let dirs = find_slurm_job(&v2.base, "", "4242", uid, Some("node7"))
        .expect("the job cgroup under <node>_slurmstepd.scope");
    assert_eq!(dirs.version, CgroupVersion::V2);
    assert_eq!(
        dirs.cpu,
        v2.base.join("system.slice/node7_slurmstepd.scope/job_4242")
    );
    let s = CgroupReader::new(dirs.clone()).sample();
    // The cgroup holds everything after the move (the interpreter's start-up and the burn);
    // wait4 also counts the few milliseconds of `sh` before it.
    assert!(
        s.cpu_time <= truth + 0.005 && s.cpu_time >= 0.95 * truth - 0.02,
        "job cgroup {} s, wait4 {truth} s",
        s.cpu_time
    );
    if dirs.memory.join("memory.current").exists() {
        assert!(s.memory > 0, "memory of a job cgroup that ran a process");
    }

    // A job directory named by SLUID, found from a process's own /proc/PID/cgroup.
    let task = v2.cgroup("system.slice/slurmstepd.scope/s0123456789abc/step_1/user/task_0");
    let mut sleeper = spawn_in(&task, "sleep 30");
    let own = loop {
        let text = std::fs::read_to_string(format!("/proc/{}/cgroup", sleeper.id())).unwrap();
        if text.contains("task_0") {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(
        own.contains(&format!(
            "/{}/system.slice/slurmstepd.scope/s0123456789abc/step_1/user/task_0",
            v2.rel()
        )),
        "{own}"
    );
    let found = find_slurm_job(&v2.mount, &own, "4243", uid, None);
    let mut reader = CgroupReader::new(found.clone().expect("the SLUID-named job cgroup"));
    assert_eq!(
        found.unwrap().cpu,
        v2.base.join("system.slice/slurmstepd.scope/s0123456789abc")
    );
    assert!(reader.pids().contains(&sleeper.id()), "{:?}", reader.pids());
    let _ = reader.sample();
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
}
