//! Every level and the GPU path on fixture `/proc`, `/sys/block` and cgroup trees.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jumper_data::{Level, SampleKind};
use jumper_monitor::gpu::{FakeGpu, GpuDevice, GpuDeviceSample, GpuProcess};
use jumper_monitor::{Collector, CollectorConfig};

struct FakeMachine {
    dir: tempfile::TempDir,
}

impl FakeMachine {
    fn new() -> Self {
        let m = FakeMachine {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(m.proc_root().join("self")).unwrap();
        fs::create_dir_all(m.root().join("block/sda")).unwrap();
        fs::create_dir_all(m.root().join("block/loop0")).unwrap();
        fs::create_dir_all(m.root().join("cgroup")).unwrap();
        m.system(100, 50, 0, 0);
        m.w(
            "meminfo",
            "MemTotal: 16777216 kB\nMemFree: 1 kB\nMemAvailable: 12582912 kB\n",
        );
        m.w("self/cgroup", "0::/\n");
        m.loadavg(1);
        m
    }
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn proc_root(&self) -> PathBuf {
        self.root().join("proc")
    }
    fn w(&self, rel: &str, s: &str) {
        let p = self.proc_root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, s).unwrap();
    }
    fn loadavg(&self, last_pid: u32) {
        self.w("loadavg", &format!("0.00 0.00 0.00 1/10 {last_pid}\n"));
    }
    /// Two cores; busy/idle ticks for each; diskstats with sector counts.
    fn system(&self, busy0: u64, idle0: u64, wsect: u64, wios: u64) {
        self.w(
            "stat",
            &format!(
                "cpu  {b} 0 0 {i} 0 0 0 0 0 0\ncpu0 {busy0} 0 0 {idle0} 0 0 0 0 0 0\ncpu1 0 0 0 {t} 0 0 0 0 0 0\n",
                b = busy0,
                i = idle0,
                t = busy0 + idle0
            ),
        );
        self.w(
            "diskstats",
            &format!(
                "   7 0 loop0 99 0 99 0 99 0 99 0 0 0 0\n   8 0 sda 1 0 8 0 {wios} 0 {wsect} 0 0 0 0\n   8 1 sda1 1 0 8 0 {wios} 0 {wsect} 0 0 0 0\n"
            ),
        );
    }
    /// A process with utime/stime ticks, reaped-children ticks, rss pages and I/O.
    fn process(&self, pid: u32, ppid: u32, ticks: u64, child_ticks: u64, rss: u64, wbytes: u64) {
        self.w(
            &format!("{pid}/stat"),
            &format!(
                "{pid} (p{pid}) S {ppid} 1 1 0 -1 0 0 0 0 0 {ticks} 0 {child_ticks} 0 20 0 1 0 {st} 0 {rss} 0\n",
                st = 1000 + pid
            ),
        );
        self.w(
            &format!("{pid}/io"),
            &format!("rchar: 0\nwchar: 0\nsyscr: 2\nsyscw: {}\nread_bytes: 0\nwrite_bytes: {wbytes}\ncancelled_write_bytes: 0\n", wbytes / 4096),
        );
    }
    /// Like the kernel, a dead process's kept-open stat file stops answering.
    fn kill(&self, pid: u32) {
        fs::write(self.proc_root().join(format!("{pid}/stat")), "").unwrap();
        fs::remove_dir_all(self.proc_root().join(pid.to_string())).unwrap();
    }
    fn config(&self, levels: Vec<Level>, root: Option<u32>) -> CollectorConfig {
        CollectorConfig {
            levels,
            root_pid: root,
            uid: unsafe_getuid(),
            slurm_job: None,
            proc_root: self.proc_root(),
            cgroup_root: self.root().join("cgroup"),
            sys_block: self.root().join("block"),
            gpu_interval: Duration::from_millis(5),
            user_io_refresh_ticks: 10,
            adopter: None,
            process_cgroup: None,
        }
    }
}

fn unsafe_getuid() -> u32 {
    fs::metadata(std::env::temp_dir()).map(|_| ()).ok();
    // The fixture files belong to whoever runs the test.
    use std::os::unix::fs::MetadataExt;
    let t = tempfile::tempdir().unwrap();
    fs::metadata(t.path()).unwrap().uid()
}

fn sample(c: &mut Collector, kind: SampleKind) -> Vec<(Level, jumper_data::LevelSample)> {
    c.collect(kind)
}

fn level(v: &[(Level, jumper_data::LevelSample)], l: Level) -> jumper_data::LevelSample {
    v.iter().find(|(x, _)| *x == l).unwrap().1.clone()
}

#[test]
fn process_tree_keeps_cpu_of_reaped_and_orphaned_children() {
    let m = FakeMachine::new();
    m.process(1, 0, 500, 0, 10, 0); // init, not ours
    m.process(100, 1, 100, 0, 256, 0); // root: 1 s
    m.process(101, 100, 50, 0, 256, 4096 * 10); // child: 0.5 s, 40 KiB written
    m.process(102, 101, 30, 0, 256, 0); // grandchild
    m.loadavg(102);
    let mut c = Collector::new(m.config(vec![Level::Process], Some(100)), None).unwrap();
    let s = level(&sample(&mut c, SampleKind::CellStart), Level::Process);
    assert_eq!(s.nprocs, 3);
    assert!((s.cpu_time - 1.8).abs() < 1e-9, "{}", s.cpu_time);
    assert_eq!(s.io.write_bytes, 40960);
    assert_eq!(s.memory, 3 * 256 * c_page());

    // 101 exits and is reaped by the root: its 0.6 s (own 0.5 + reaped grandchild? no: the
    // grandchild is orphaned first) ... step 1: the grandchild 102 is orphaned to init and
    // reaped there: its last 0.3 s must not be lost.
    m.process(102, 1, 40, 0, 256, 0);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!(s.nprocs, 3, "a daemonised descendant stays in the tree");
    assert!((s.cpu_time - 1.9).abs() < 1e-9, "{}", s.cpu_time);
    m.kill(102);
    m.loadavg(103);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert!(
        (s.cpu_time - 1.9).abs() < 1e-9,
        "orphan reaped by init kept: {}",
        s.cpu_time
    );
    // Step 2: 101 is reaped by the root, whose cutime and I/O absorb it.
    m.kill(101);
    m.process(100, 1, 100, 50, 256, 4096 * 10);
    let s = level(&sample(&mut c, SampleKind::CellEnd), Level::Process);
    assert_eq!(s.nprocs, 1);
    assert!(
        (s.cpu_time - 1.9).abs() < 1e-9,
        "reaped child counted once: {}",
        s.cpu_time
    );
    assert_eq!(s.io.write_bytes, 40960);
    // A child that lived between two samples and was reaped is never seen, yet counted.
    m.process(100, 1, 100, 70, 256, 4096 * 20);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert!((s.cpu_time - 2.1).abs() < 1e-9, "{}", s.cpu_time);
    assert_eq!(s.io.write_bytes, 4096 * 20);
}

/// A subreaper (pid 50, standing for jumper) adopts an orphan that was never seen alive and
/// one that was: both are counted once with their zombie's final counters, never again while
/// the zombie is still listed, and not after it is gone; the adopter itself never counts.
#[test]
fn adopted_orphans_are_counted_once_from_their_zombies() {
    let m = FakeMachine::new();
    m.process(1, 0, 500, 0, 10, 0);
    m.process(50, 1, 900, 700, 10, 0); // the adopter: its own and reaped CPU are not ours
    m.process(100, 50, 100, 0, 256, 0); // root: 1 s
    m.process(101, 50, 30, 0, 256, 4096); // an orphan already adopted: 0.3 s, 4 KiB
    m.loadavg(101);
    let mut cfg = m.config(vec![Level::Process], Some(100));
    cfg.adopter = Some(50);
    let mut c = Collector::new(cfg, None).unwrap();
    let s = level(&sample(&mut c, SampleKind::CellStart), Level::Process);
    assert_eq!(s.nprocs, 2);
    assert!((s.cpu_time - 1.3).abs() < 1e-9, "{}", s.cpu_time);
    // 101 runs on and exits: a zombie with 0.5 s and 8 KiB, folded in once.
    let zombie = |pid: u32, ticks: u64| {
        m.w(
            &format!("{pid}/stat"),
            &format!(
                "{pid} (p{pid}) Z 50 1 1 0 -1 0 0 0 0 0 {ticks} 0 0 0 20 0 1 0 {st} 0 0 0\n",
                st = 1000 + pid
            ),
        );
    };
    zombie(101, 50);
    m.w(
        "101/io",
        "syscr: 2\nsyscw: 2\nread_bytes: 0\nwrite_bytes: 8192\n",
    );
    // 102: forked, orphaned and exited between two ticks (0.2 s), seen only as a zombie.
    m.process(102, 50, 20, 0, 0, 0);
    zombie(102, 20);
    m.loadavg(102);
    for _ in 0..3 {
        let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
        assert!((s.cpu_time - 1.7).abs() < 1e-9, "{}", s.cpu_time);
        assert_eq!(s.io.write_bytes, 8192);
        assert_eq!(s.nprocs, 1, "zombies folded, only the root is a member");
    }
    m.kill(101);
    m.kill(102);
    m.loadavg(103);
    let s = level(&sample(&mut c, SampleKind::CellEnd), Level::Process);
    assert!((s.cpu_time - 1.7).abs() < 1e-9, "{}", s.cpu_time);
    assert!(c.leftovers().is_empty());
}

fn c_page() -> u64 {
    jumper_monitor::procfs::ProcFs::new().page_size()
}

#[test]
fn user_and_system_levels() {
    let m = FakeMachine::new();
    m.process(200, 1, 100, 0, 100, 0);
    m.process(201, 1, 300, 0, 100, 8192);
    m.loadavg(201);
    let mut c = Collector::new(m.config(vec![Level::User, Level::System], None), None).unwrap();
    assert_eq!(c.disks(), ["sda".to_string()]);
    let v = sample(&mut c, SampleKind::Tick);
    let u = level(&v, Level::User);
    assert_eq!(u.nprocs, 2);
    assert!((u.cpu_time - 4.0).abs() < 1e-9);
    assert_eq!(u.io.write_bytes, 8192);
    let s = level(&v, Level::System);
    assert_eq!(s.cpu_cores.len(), 2);
    assert!((s.cpu_time - 1.0).abs() < 1e-9);
    assert_eq!(s.memory, 4 * 1024 * 1024 * 1024);
    assert_eq!(s.io.write_bytes, 0);
    // One second later: core 0 fully busy, 100 MiB written to sda (partitions not counted twice).
    m.system(200, 50, 204800, 25);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::System);
    assert!((s.cpu_cores[0][0] - 2.0).abs() < 1e-9);
    assert_eq!(s.io.write_bytes, 100 * 1024 * 1024);
    assert_eq!(s.io.write_ops, 25);
    // A user process exits, reaped by a process outside the user set: kept as departed.
    m.kill(201);
    let u = level(&sample(&mut c, SampleKind::Tick), Level::User);
    assert_eq!(u.nprocs, 1);
    assert!((u.cpu_time - 4.0).abs() < 1e-9, "{}", u.cpu_time);
    assert_eq!(u.io.write_bytes, 8192);
}

#[test]
fn kernel_threads_are_no_users_processes() {
    let m = FakeMachine::new();
    m.process(200, 1, 100, 0, 100, 4096);
    // kthreadd and a kworker as the kernel shows them: PF_KTHREAD (0x00200000) in flags.
    for (pid, ppid, ticks) in [(2u32, 0u32, 7u64), (300, 2, 500)] {
        m.w(
            &format!("{pid}/stat"),
            &format!(
                "{pid} (kworker/0:1-events) I {ppid} 0 0 0 -1 {flags} 0 0 0 0 {ticks} 0 0 0 20 0 1 0 {st} 0 0 0\n",
                flags = 0x0420_8060u32,
                st = 10 + pid
            ),
        );
        m.w(&format!("{pid}/io"), "read_bytes: 0\nwrite_bytes: 65536\n");
    }
    m.loadavg(300);
    let mut c = Collector::new(m.config(vec![Level::User], None), None).unwrap();
    for kind in [SampleKind::CellStart, SampleKind::Tick] {
        let u = level(&sample(&mut c, kind), Level::User);
        assert_eq!(u.nprocs, 1, "{kind:?}");
        assert!((u.cpu_time - 1.0).abs() < 1e-9, "{kind:?}: {}", u.cpu_time);
        assert_eq!(u.io.write_bytes, 4096, "{kind:?}");
    }
    // The live view's process table of the user's processes agrees.
    let mut t = jumper_monitor::tree::TreeReader::with_root(m.proc_root());
    let rows = t.read(jumper_monitor::tree::Scope::User(unsafe_getuid()), 1.0);
    assert_eq!(rows.iter().map(|r| r.pid).collect::<Vec<_>>(), [200]);
}

#[test]
fn slurm_level_reads_the_job_cgroup() {
    let m = FakeMachine::new();
    let cg = m.root().join("cgroup");
    fs::write(cg.join("cgroup.controllers"), "cpu io memory pids\n").unwrap();
    let job = cg.join("system.slice/slurmstepd.scope/job_12345");
    fs::create_dir_all(job.join("step_0")).unwrap();
    fs::write(job.join("cpu.stat"), "usage_usec 3000000\n").unwrap();
    fs::write(job.join("memory.current"), "1073741824\n").unwrap();
    fs::write(job.join("memory.stat"), "inactive_file 0\n").unwrap();
    fs::write(job.join("memory.max"), "8589934592\n").unwrap();
    fs::write(
        job.join("io.stat"),
        "8:0 rbytes=0 wbytes=4096 rios=0 wios=1\n",
    )
    .unwrap();
    fs::write(job.join("step_0/cgroup.procs"), "300\n").unwrap();
    m.w(
        "self/cgroup",
        "0::/system.slice/slurmstepd.scope/job_12345/step_0\n",
    );
    let mut cfg = m.config(vec![Level::Slurm], None);
    cfg.slurm_job = Some("12345".into());
    let gpu = FakeGpu::new(vec![GpuDevice {
        name: "Fake A100".into(),
        memory_total: 40 << 30,
        uuid: String::new(),
    }]);
    gpu.set(vec![GpuDeviceSample {
        util: 80.0,
        mem_util: 40.0,
        used_memory: 6 << 30,
        processes: vec![
            GpuProcess {
                pid: 300,
                used_memory: 4 << 30,
            },
            GpuProcess {
                pid: 999,
                used_memory: 2 << 30,
            },
        ],
    }]);
    let mut c = Collector::new(cfg, Some(Box::new(gpu))).unwrap();
    assert_eq!(c.levels(), [Level::Slurm]);
    assert_eq!(c.slurm_memory_limit(), Some(8 << 30));
    std::thread::sleep(Duration::from_millis(30));
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Slurm);
    assert_eq!(s.cpu_time, 3.0);
    assert_eq!(s.memory, 1 << 30);
    assert_eq!(s.io.write_bytes, 4096);
    assert_eq!(s.gpus.len(), 1);
    assert_eq!(s.gpus[0].mem_bytes, 4 << 30, "only the job's GPU process");
    assert_eq!(
        s.gpus[0].util, 40.0,
        "half the device's compute processes are the job's"
    );

    // Outside a job the level is dropped with a note, not an error.
    let cfg = m.config(vec![Level::Slurm, Level::System], None);
    let c = Collector::new(cfg, None).unwrap();
    assert_eq!(c.levels(), [Level::System]);
    assert!(c.notes()[0].contains("SLURM_JOB_ID"));
}

#[test]
fn gpu_readings_reach_system_and_process_levels() {
    let m = FakeMachine::new();
    m.process(100, 1, 0, 0, 1, 0);
    m.loadavg(100);
    let gpu = FakeGpu::new(vec![
        GpuDevice {
            name: "G0".into(),
            memory_total: 16 << 30,
            uuid: String::new(),
        },
        GpuDevice {
            name: "G1".into(),
            memory_total: 16 << 30,
            uuid: String::new(),
        },
    ]);
    gpu.set(vec![
        GpuDeviceSample {
            util: 90.0,
            mem_util: 30.0,
            used_memory: 3 << 30,
            processes: vec![GpuProcess {
                pid: 100,
                used_memory: 3 << 30,
            }],
        },
        GpuDeviceSample {
            util: 10.0,
            mem_util: 5.0,
            used_memory: 1 << 30,
            processes: vec![],
        },
    ]);
    let mut c = Collector::new(
        m.config(vec![Level::Process, Level::System], Some(100)),
        Some(Box::new(gpu)),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    let v = sample(&mut c, SampleKind::Tick);
    let sys = level(&v, Level::System);
    assert_eq!(
        sys.gpus.iter().map(|g| g.util).collect::<Vec<_>>(),
        [90.0, 10.0]
    );
    assert_eq!(sys.gpus[0].band, 30.0);
    let p = level(&v, Level::Process);
    assert_eq!(p.gpus[0].mem_bytes, 3 << 30);
    assert_eq!(p.gpus[0].util, 90.0);
    assert_eq!(p.gpus[1].mem_bytes, 0);
    assert_eq!(p.gpus[1].util, 0.0);
}

#[test]
fn missing_proc_is_a_clear_error() {
    let m = FakeMachine::new();
    let mut cfg = m.config(vec![Level::System], None);
    cfg.proc_root = m.root().join("nope");
    let err = Collector::new(cfg, None).err().unwrap().to_string();
    assert!(
        err.starts_with("cannot read ") && err.contains("nope/stat"),
        "{err}"
    );
}

/// `/proc/stat` with the kernel's fork counter (`processes`).
fn stat_with_forks(m: &FakeMachine, forks: u64) {
    m.w(
        "stat",
        &format!(
            "cpu  100 0 0 50 0 0 0 0 0 0\ncpu0 100 0 0 50 0 0 0 0 0 0\ncpu1 0 0 0 150 0 0 0 0 0 0\nintr 0\nprocesses {forks}\n"
        ),
    );
}

#[test]
fn the_process_list_is_read_again_only_after_forks() {
    let m = FakeMachine::new();
    m.process(1, 0, 500, 0, 10, 0); // not ours
    m.process(100, 1, 100, 0, 256, 0); // root
    m.loadavg(100);
    stat_with_forks(&m, 1000);
    let levels = vec![Level::Process, Level::User, Level::System];
    let mut c = Collector::new(m.config(levels, Some(100)), None).unwrap();
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!((s.nprocs, c.listings()), (1, 1));

    // Steady state: no fork, no listing; a tick reads /proc/stat, meminfo, diskstats and
    // the members' stat (process 1 is the user's here too: the fixture belongs to us) plus
    // the root's io.
    let reads = c.read_syscalls();
    sample(&mut c, SampleKind::Tick);
    assert_eq!(c.listings(), 1);
    assert_eq!(c.read_syscalls() - reads, 3 + 2 + 1);

    // A child appears without the fork counter moving: not looked for (the kernel always
    // counts a fork, so this only shows that nothing else triggers a listing).
    m.process(101, 100, 30, 0, 256, 0);
    m.loadavg(101);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!((s.nprocs, c.listings()), (1, 1));
    // The counter moves: the list is read, the child joins the tree.
    stat_with_forks(&m, 1001);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!((s.nprocs, c.listings()), (2, 2));
    assert!((s.cpu_time - 1.3).abs() < 1e-9, "{}", s.cpu_time);
}

#[test]
fn a_reused_pid_is_a_new_process() {
    let m = FakeMachine::new();
    m.process(1, 0, 500, 0, 10, 0);
    m.process(100, 1, 100, 0, 256, 0); // root
    m.process(101, 100, 50, 0, 256, 0); // child, 0.5 s
    m.process(120, 1, 10, 0, 256, 0); // unrelated
    m.loadavg(150);
    let mut c = Collector::new(m.config(vec![Level::Process], Some(100)), None).unwrap();
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!(s.nprocs, 2);
    assert!((s.cpu_time - 1.5).abs() < 1e-9, "{}", s.cpu_time);
    // Before the next sample the PID counter wraps around: 101 exits and is reaped by the
    // root (whose cutime takes its 0.5 s), and its PID goes to an unrelated process; 120
    // exits and its PID goes to a new child of the root. Both new processes have other start
    // times.
    m.process(100, 1, 100, 50, 256, 0);
    m.w(
        "101/stat",
        "101 (stranger) S 1 1 1 0 -1 0 0 0 0 0 900 0 0 0 20 0 1 0 99999 0 7 0
",
    );
    m.w(
        "120/stat",
        "120 (newchild) S 100 1 1 0 -1 0 0 0 0 0 20 0 0 0 20 0 1 0 99998 0 7 0
",
    );
    m.loadavg(125);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!(
        s.nprocs, 2,
        "the root and its new child; the stranger with the old child's PID is not ours"
    );
    assert!(
        (s.cpu_time - 1.7).abs() < 1e-9,
        "root 1 s + the reaped child's 0.5 s + the new child's 0.2 s: {}",
        s.cpu_time
    );
}

#[test]
fn few_disks_are_read_from_their_own_stat_files() {
    let m = FakeMachine::new();
    // Same counters as diskstats' sda line would give: 25 writes, 204800 sectors.
    fs::write(
        m.root().join("block/sda/stat"),
        "1 0 8 0 25 0 204800 0 0 0 0 0 0 0 0 0 0\n",
    )
    .unwrap();
    let mut c = Collector::new(m.config(vec![Level::System], None), None).unwrap();
    assert!(c.reads_disk_files());
    let s = level(&sample(&mut c, SampleKind::Tick), Level::System);
    assert_eq!(s.io.write_bytes, 100 * 1024 * 1024);
    assert_eq!(
        (s.io.write_ops, s.io.read_ops, s.io.read_bytes),
        (25, 1, 4096)
    );
    // A stat file that does not parse: /proc/diskstats instead.
    fs::write(m.root().join("block/sda/stat"), "garbage\n").unwrap();
    let c = Collector::new(m.config(vec![Level::System], None), None).unwrap();
    assert!(!c.reads_disk_files());
}

/// A `/proc/TID/stat` of a thread (not its process's leader): the kernel shows the whole
/// process under the thread's id, with `exit_signal` -1.
fn thread_stat(tid: u32, ppid: u32, ticks: u64) -> String {
    let mut f: Vec<String> = vec![ppid.to_string()];
    f.extend(["1", "1", "0", "-1", "0", "0", "0", "0", "0"].map(String::from));
    f.push(ticks.to_string()); // utime
    f.extend(["0", "0", "0", "20", "0", "2", "0", "1100", "0", "256"].map(String::from));
    f.extend(std::iter::repeat_n("0".to_string(), 13)); // rsslim .. cnswap
    f.push("-1".into()); // exit_signal
    format!("{tid} (worker) S {}\n", f.join(" "))
}

#[test]
fn new_pids_are_probed_and_threads_skipped() {
    let m = FakeMachine::new();
    // Probing needs `self` to name this process, as in the real /proc.
    fs::remove_dir_all(m.proc_root().join("self")).unwrap();
    let me = std::process::id().to_string();
    fs::create_dir_all(m.proc_root().join(&me)).unwrap();
    std::os::unix::fs::symlink(&me, m.proc_root().join("self")).unwrap();
    m.process(1, 0, 500, 0, 10, 0);
    m.process(100, 1, 100, 0, 256, 0); // root
    m.loadavg(100);
    stat_with_forks(&m, 1000);
    let levels = vec![Level::Process, Level::System];
    let mut c = Collector::new(m.config(levels, Some(100)), None).unwrap();
    sample(&mut c, SampleKind::Tick);
    assert_eq!((c.listings(), c.probes()), (1, 0));

    // The root starts a child process (101), which starts a thread (TID 102): the kernel
    // shows the thread as the whole child, a "process" whose parent is the root.
    m.process(101, 100, 30, 0, 256, 0);
    m.w("102/stat", &thread_stat(102, 100, 30));
    m.loadavg(102);
    stat_with_forks(&m, 1002);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!((c.listings(), c.probes()), (1, 1), "probed, not listed");
    assert_eq!(
        s.nprocs, 2,
        "root and child; the child's thread is no process"
    );
    assert!((s.cpu_time - 1.3).abs() < 1e-9, "{}", s.cpu_time);

    // Many new PIDs at once: the directory is listed instead (and a listing of the real
    // /proc never shows a thread's id, so the fixture's goes).
    fs::remove_dir_all(m.proc_root().join("102")).unwrap();
    m.process(150, 100, 10, 0, 256, 0);
    m.loadavg(102 + 40);
    stat_with_forks(&m, 1050);
    let s = level(&sample(&mut c, SampleKind::Tick), Level::Process);
    assert_eq!((c.listings(), c.probes()), (2, 1));
    assert_eq!(s.nprocs, 3);
}
