//! A `/proc` reader built for a hot loop.
//!
//! - Per-process `stat` and `io` files stay open and are re-read with `pread` into one reused
//!   buffer; so do `/proc/stat`, `meminfo` and the other whole-machine files.
//! - The directory is listed again only when the kernel has created a process since the last
//!   look: the fork counter (`processes` in `/proc/stat`, when the caller reads that file
//!   anyway) or the last PID handed out (the last field of `/proc/loadavg`) moved.
//! - Between listings only the processes a caller asks for are re-read ([`ProcFs::stat`]); the
//!   others keep the reading from when they were first seen (parent, owner and start time do
//!   not change). A PID the kernel handed out again is re-read on the listing that finds it:
//!   it lies in the range of PIDs allocated since the previous listing.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jumper_data::IoCounters;

use crate::MonitorError;

/// One process as read from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcInfo {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Owner (real uid of the `/proc/PID` directory).
    pub uid: u32,
    /// State letter (`R`, `S`, `Z`, ...).
    pub state: u8,
    /// `utime + stime` in clock ticks.
    pub cpu_ticks: u64,
    /// `cutime + cstime` in clock ticks: reaped children.
    pub child_ticks: u64,
    /// Start time in clock ticks since boot (tells a reused PID apart).
    pub starttime: u64,
    /// Resident set size in pages.
    pub rss_pages: u64,
    /// A kernel thread (`PF_KTHREAD` in the `flags` field): no user's process.
    pub kernel_thread: bool,
}

impl ProcInfo {
    /// Whether the process is one of `uid`'s, as the user level counts them: owned by `uid`
    /// and not a kernel thread (those are no user's, though they run as root).
    pub fn belongs_to(&self, uid: u32) -> bool {
        self.uid == uid && !self.kernel_thread
    }
}

/// `PF_KTHREAD` in the `flags` field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: i64 = 0x0020_0000;

struct Entry {
    info: ProcInfo,
    stat: File,
    io: Option<File>,
    io_failed: bool,
    /// The [`ProcFs::begin_tick`] generation of the last `stat` read.
    generation: u64,
}

/// Reader of a `/proc` tree (the real one or a fixture directory).
pub struct ProcFs {
    root: PathBuf,
    ticks_per_s: f64,
    page_size: u64,
    entries: HashMap<u32, Entry>,
    listed: bool,
    last_pid: Option<u64>,
    forks: Option<u64>,
    loadavg: Option<File>,
    files: Vec<(PathBuf, File)>,
    rd: Reader,
    generation: u64,
    listings: u64,
    listed_at: Option<Instant>,
    probe: bool,
    probes: u64,
}

/// The reused read buffer and the count of read system calls.
struct Reader {
    buf: Vec<u8>,
    len: usize,
    reads: u64,
}

impl Reader {
    /// Reads a whole proc file from offset 0 into the reused buffer. Proc files are generated
    /// on read, so a short read is the end: one system call per file in the common case.
    fn pread(&mut self, f: &File) -> Option<usize> {
        let mut n = 0;
        loop {
            self.reads += 1;
            match f.read_at(&mut self.buf[n..], n as u64) {
                Ok(k) => {
                    n += k;
                    if k == 0 || n < self.buf.len() {
                        break;
                    }
                    let grown = self.buf.len() * 2;
                    self.buf.resize(grown, 0);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        }
        self.len = n;
        Some(n)
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// At most this many new PIDs are probed one by one; more list the directory.
pub const PROBE_MAX: u64 = 32;

/// The directory is listed at least this often while processes are being created, so that
/// processes that ended without being read again (no level needed them) are forgotten.
pub const FULL_LISTING_EVERY: Duration = Duration::from_secs(10);

/// `exit_signal` (field 38) of a `/proc/PID/stat` line: -1 for a thread that is not its
/// process's leader.
fn exit_signal(text: &str) -> Option<i64> {
    let rest = &text[text.rfind(')')? + 1..];
    // After the state (field 3) comes field 4; field 38 is the 35th after the state.
    rest.split_ascii_whitespace().nth(35)?.parse().ok()
}

/// Parses the fields of `/proc/PID/stat` that jumper uses. `None` if the line is malformed.
pub fn parse_stat(pid: u32, text: &str) -> Option<ProcInfo> {
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let mut f = rest.split_ascii_whitespace();
    let state = f.next()?.bytes().next()?;
    let mut nums = f.map(|x| x.parse::<i64>().unwrap_or(0));
    // After state: ppid(4) pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime(14) stime cutime cstime priority nice num_threads itrealvalue starttime(22)
    // vsize rss(24)
    let v: Vec<i64> = nums.by_ref().take(21).collect();
    if v.len() < 21 {
        return None;
    }
    let u = |x: i64| x.max(0) as u64;
    Some(ProcInfo {
        pid,
        ppid: v[0].clamp(0, u32::MAX as i64) as u32,
        uid: 0,
        state,
        cpu_ticks: u(v[10]) + u(v[11]),
        child_ticks: u(v[12]) + u(v[13]),
        starttime: u(v[18]),
        rss_pages: u(v[20]),
        kernel_thread: v[5] & PF_KTHREAD != 0,
    })
}

/// Parses `/proc/PID/io` (or a cgroup-free equivalent) into counters.
pub fn parse_io(text: &str) -> IoCounters {
    let mut io = IoCounters::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v: u64 = v.trim().parse().unwrap_or(0);
        match k {
            "read_bytes" => io.read_bytes = v,
            "write_bytes" => io.write_bytes = v,
            "syscr" => io.read_ops = v,
            "syscw" => io.write_ops = v,
            _ => {}
        }
    }
    io
}

fn sysconf(name: libc::c_int, fallback: i64) -> i64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let v = unsafe { libc::sysconf(name) };
    if v > 0 {
        v
    } else {
        fallback
    }
}

impl ProcFs {
    /// A reader of the real `/proc`.
    pub fn new() -> Self {
        Self::with_root("/proc")
    }

    /// A reader of a `/proc`-shaped tree at `root` (tests use fixture directories).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        // PIDs from loadavg are this process's namespace's: probing them needs its /proc.
        let probe = std::fs::read_link(root.join("self"))
            .ok()
            .and_then(|l| l.to_str()?.parse::<u32>().ok())
            == Some(std::process::id());
        ProcFs {
            root,
            ticks_per_s: sysconf(libc::_SC_CLK_TCK, 100) as f64,
            page_size: sysconf(libc::_SC_PAGESIZE, 4096) as u64,
            entries: HashMap::new(),
            listed: false,
            last_pid: None,
            forks: None,
            loadavg: None,
            files: Vec::new(),
            rd: Reader {
                buf: vec![0; 4096],
                len: 0,
                reads: 0,
            },
            generation: 0,
            listings: 0,
            listed_at: None,
            probe,
            probes: 0,
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Clock ticks per second (`USER_HZ`).
    pub fn ticks_per_s(&self) -> f64 {
        self.ticks_per_s
    }

    /// Page size in bytes.
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// Read system calls this reader has made (subtracted from the process level when the
    /// monitor watches its own process).
    pub fn read_syscalls(&self) -> u64 {
        self.rd.reads
    }

    /// How often the directory has been listed (a benchmark and test aid).
    pub fn listings(&self) -> u64 {
        self.listings
    }

    /// Starts a new sample: [`ProcFs::stat`] re-reads each process at most once until the
    /// next call.
    pub fn begin_tick(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    /// Reads a whole small file (e.g. `stat` for `/proc/stat`), relative to the root, through
    /// a descriptor kept open for the next call. Returns its text, or an error naming the file.
    pub fn read_file(&mut self, rel: &str) -> Result<&str, MonitorError> {
        self.read_kept(Path::new(rel))
    }

    /// Like [`ProcFs::read_file`] for a file outside the root (an absolute path, e.g. a
    /// disk's `/sys/block/DEV/stat`).
    pub fn read_path(&mut self, path: &Path) -> Result<&str, MonitorError> {
        self.read_kept(path)
    }

    fn read_kept(&mut self, key: &Path) -> Result<&str, MonitorError> {
        let i = match self
            .files
            .iter()
            .position(|(k, _)| k.as_os_str() == key.as_os_str())
        {
            Some(i) => i,
            None => {
                let path = self.root.join(key);
                let f = File::open(&path).map_err(|e| MonitorError::read(&path, e))?;
                self.files.push((key.to_path_buf(), f));
                self.files.len() - 1
            }
        };
        let (k, f) = self.files.swap_remove(i);
        let res = self.rd.pread(&f);
        self.files.push((k, f));
        match res {
            Some(_) => Ok(self.rd.text()),
            None => Err(MonitorError::read(
                self.root.join(key),
                std::io::Error::other("read failed"),
            )),
        }
    }

    /// The last PID the kernel handed out (`/proc/loadavg`), if readable.
    fn read_last_pid(&mut self) -> Option<u64> {
        if self.loadavg.is_none() {
            self.loadavg = File::open(self.root.join("loadavg")).ok();
        }
        let f = self.loadavg.take()?;
        let last = self.rd.pread(&f).and_then(|_| {
            self.rd
                .text()
                .split_ascii_whitespace()
                .nth(4)?
                .parse::<u64>()
                .ok()
        });
        self.loadavg = Some(f);
        last
    }

    /// Looks for processes created since the last call, if the kernel may have created any:
    /// `forks` is its fork counter when the caller has it (`processes` in `/proc/stat`),
    /// which saves a read per call; without it the last PID in `/proc/loadavg` decides.
    ///
    /// A handful of new PIDs is probed one by one (`/proc/PID/stat` of each; a thread's own
    /// entry, `exit_signal` -1, is skipped); more, a wrapped PID counter, or
    /// [`FULL_LISTING_EVERY`] since the last listing lists the directory again (a listing
    /// costs ~170 µs on a machine with 70 processes, a probe ~5 µs). Probing needs the root to
    /// be this process's own `/proc` (its `self` names this process). Returns whether anything
    /// new may have been found.
    pub fn poll_new(&mut self, forks: Option<u64>) -> bool {
        if self.listed {
            if let Some(f) = forks {
                if self.forks == Some(f) {
                    return false;
                }
                self.forks = Some(f);
            }
        } else {
            self.forks = forks;
        }
        let last = self.read_last_pid();
        if self.listed && last.is_some() && last == self.last_pid {
            return false;
        }
        // PIDs allocated since the previous look: (previous, last], cyclically. Unknown
        // (no loadavg, or the first listing): every known process is re-read.
        let fresh = match (self.last_pid, last) {
            (Some(p), Some(l)) => Some((p, l)),
            _ => None,
        };
        self.last_pid = last;
        let due = self
            .listed_at
            .is_none_or(|t| t.elapsed() >= FULL_LISTING_EVERY);
        match fresh {
            Some((p, l)) if self.probe && !due && p < l && l - p <= PROBE_MAX => {
                self.probes += 1;
                for pid in p + 1..=l {
                    self.probe(pid as u32);
                }
            }
            _ => self.list(fresh),
        }
        true
    }

    /// Reads a PID handed out since the last look, if it is a process (not a thread).
    fn probe(&mut self, pid: u32) {
        if self.entries.contains_key(&pid) {
            // Known: the PID was reused (stat sees the new start time and starts over).
            self.stat(pid);
            return;
        }
        // A thread's own entry is not kept: its process is (or will be) found under its PID.
        self.read_new(pid, true);
    }

    /// How often new PIDs were probed instead of listing the directory.
    pub fn probes(&self) -> u64 {
        self.probes
    }

    fn list(&mut self, fresh: Option<(u64, u64)>) {
        self.listed = true;
        self.listed_at = Some(Instant::now());
        self.listings += 1;
        let mut pids = Vec::with_capacity(self.entries.len() + 8);
        if let Ok(rd) = std::fs::read_dir(&self.root) {
            for e in rd.flatten() {
                let name = e.file_name();
                let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                    continue;
                };
                pids.push(pid);
            }
        }
        let new_range = |pid: u32| match fresh {
            None => true,
            Some((prev, last)) => {
                let pid = pid as u64;
                if prev <= last {
                    pid > prev && pid <= last
                } else {
                    pid > prev || pid <= last
                }
            }
        };
        let listed: std::collections::HashSet<u32> = pids.iter().copied().collect();
        self.entries.retain(|pid, _| listed.contains(pid));
        for pid in pids {
            match self.entries.get(&pid) {
                Some(e) if e.generation == self.generation || !new_range(pid) => {}
                _ => {
                    self.stat(pid);
                }
            }
        }
    }

    fn open(&self, pid: u32) -> Option<Entry> {
        let dir = self.root.join(pid.to_string());
        let stat = File::open(dir.join("stat")).ok()?;
        // The file has the owner of its directory (the process's effective user).
        let uid = stat.metadata().map(|m| m.uid()).unwrap_or(u32::MAX);
        Some(Entry {
            info: ProcInfo {
                uid,
                ..ProcInfo::default()
            },
            stat,
            io: None,
            io_failed: false,
            generation: self.generation.wrapping_sub(1),
        })
    }

    /// Reads one process's stat (at most once per [`ProcFs::begin_tick`]; later calls in the
    /// same tick return that reading). `None` if it does not exist (any more); it is then
    /// forgotten.
    pub fn stat(&mut self, pid: u32) -> Option<ProcInfo> {
        let generation = self.generation;
        if let Some(e) = self.entries.get_mut(&pid) {
            if e.generation == generation {
                return Some(e.info);
            }
            let parsed = self
                .rd
                .pread(&e.stat)
                .and_then(|_| parse_stat(pid, self.rd.text()));
            match parsed {
                Some(mut info) if e.info.starttime == 0 || e.info.starttime == info.starttime => {
                    info.uid = e.info.uid;
                    e.info = info;
                    e.generation = generation;
                    return Some(info);
                }
                // The PID was handed out again: a new process, read afresh below.
                Some(_) => {}
                None => {
                    self.entries.remove(&pid);
                    return None;
                }
            }
            self.entries.remove(&pid);
        }
        self.read_new(pid, false)
    }

    /// Opens and reads a process that is not known (yet, or any more under this PID) and
    /// keeps it; with `only_processes`, a thread's own entry (`exit_signal` -1) is not kept.
    fn read_new(&mut self, pid: u32, only_processes: bool) -> Option<ProcInfo> {
        let mut entry = self.open(pid)?;
        let mut info = self
            .rd
            .pread(&entry.stat)
            .and_then(|_| parse_stat(pid, self.rd.text()))?;
        if only_processes && exit_signal(self.rd.text()) == Some(-1) {
            return None;
        }
        info.uid = entry.info.uid;
        entry.info = info;
        entry.generation = self.generation;
        self.entries.insert(pid, entry);
        Some(info)
    }

    /// The last reading of a known process, without reading.
    pub fn get(&self, pid: u32) -> Option<&ProcInfo> {
        self.entries.get(&pid).map(|e| &e.info)
    }

    /// Every known process as last read (unordered).
    pub fn processes(&self) -> impl Iterator<Item = &ProcInfo> + '_ {
        self.entries.values().map(|e| &e.info)
    }

    /// How many processes were alive at the last listing (minus those found gone since).
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// Lists the directory and reads every process now; `out` gets them all (sorted by PID).
    pub fn scan(&mut self, out: &mut Vec<ProcInfo>) {
        self.begin_tick();
        self.list(None);
        out.clear();
        out.extend(self.processes().copied());
        out.sort_unstable_by_key(|p| p.pid);
    }

    /// Reads one process's I/O counters; `None` if unreadable (gone, or not permitted).
    pub fn io(&mut self, pid: u32) -> Option<IoCounters> {
        let entry = self.entries.get_mut(&pid)?;
        if entry.io.is_none() && !entry.io_failed {
            entry.io = File::open(self.root.join(pid.to_string()).join("io")).ok();
            entry.io_failed = entry.io.is_none();
        }
        let f = entry.io.as_ref()?;
        self.rd.pread(f).map(|_| parse_io(self.rd.text()))
    }

    /// Converts clock ticks to seconds.
    pub fn ticks_to_s(&self, ticks: u64) -> f64 {
        ticks as f64 / self.ticks_per_s
    }
}

impl Default for ProcFs {
    fn default() -> Self {
        Self::new()
    }
}

/// CPU time and memory of the whole machine from `/proc/stat` and `/proc/meminfo`.
pub mod system {
    /// Per-core `[busy, total]` seconds from `/proc/stat`.
    pub fn parse_cpu_stat(text: &str, ticks_per_s: f64) -> Vec<[f64; 2]> {
        let mut cores = Vec::new();
        parse_proc_stat(text, ticks_per_s, &mut cores);
        cores
    }

    /// Per-core `[busy, total]` seconds into `cores` (cleared first), and the fork counter
    /// (the `processes` line: processes and threads created since boot), from one pass over
    /// `/proc/stat`.
    pub fn parse_proc_stat(text: &str, ticks_per_s: f64, cores: &mut Vec<[f64; 2]>) -> Option<u64> {
        cores.clear();
        let mut forks = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("cpu") {
                if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                    continue;
                }
                // user nice system idle iowait irq softirq steal (guest is inside user)
                let mut v = [0u64; 8];
                for (slot, x) in v.iter_mut().zip(rest.split_ascii_whitespace().skip(1)) {
                    *slot = x.parse().unwrap_or(0);
                }
                let idle = v[3] + v[4];
                let total: u64 = v.iter().sum();
                let busy = total - idle.min(total);
                cores.push([busy as f64 / ticks_per_s, total as f64 / ticks_per_s]);
            } else if let Some(rest) = line.strip_prefix("processes ") {
                forks = rest.trim().parse().ok();
            }
        }
        forks
    }

    /// `(MemTotal, MemAvailable)` in bytes from `/proc/meminfo` (kernels before 3.14 have no
    /// `MemAvailable`: free + cached + buffers then).
    pub fn parse_meminfo(text: &str) -> (u64, u64) {
        let mut total = None;
        let mut avail = None;
        let mut free = 0;
        let mut cached = 0;
        let mut buffers = 0;
        for line in text.lines() {
            let Some((key, rest)) = line.split_once(':') else {
                continue;
            };
            let bytes = || {
                rest.split_ascii_whitespace()
                    .next()
                    .and_then(|x| x.parse::<u64>().ok())
                    .unwrap_or(0)
                    * 1024
            };
            match key {
                "MemTotal" => total = Some(bytes()),
                "MemAvailable" => avail = Some(bytes()),
                "MemFree" => free = bytes(),
                "Cached" => cached = bytes(),
                "Buffers" => buffers = bytes(),
                _ => {}
            }
            if let (Some(t), Some(a)) = (total, avail) {
                // Both come first in every kernel's layout: the rest is not needed.
                return (t, a);
            }
        }
        (total.unwrap_or(0), avail.unwrap_or(free + cached + buffers))
    }

    /// Storage I/O of whole disks from `/proc/diskstats`: `disks` names the devices to count
    /// (partitions and stacked devices would count the same bytes twice).
    pub fn parse_diskstats(text: &str, disks: &[String]) -> jumper_data::IoCounters {
        let mut io = jumper_data::IoCounters::default();
        for line in text.lines() {
            let mut f = line.split_ascii_whitespace();
            // major minor name reads merged sectors ms writes merged sectors ...
            let Some(name) = f.nth(2) else {
                continue;
            };
            if !disks.iter().any(|d| d == name) {
                continue;
            }
            if let Some(d) = parse_block_stat(&mut f) {
                io.add(&d);
            }
        }
        io
    }

    /// One disk's counters from its `/sys/block/DEV/stat` (the fields of a `diskstats` line
    /// after the name); `None` if it has fewer than seven fields.
    pub fn parse_block_stat<'a>(
        fields: &mut impl Iterator<Item = &'a str>,
    ) -> Option<jumper_data::IoCounters> {
        // reads merged sectors ms writes merged sectors
        let mut v = [0u64; 7];
        let mut n = 0;
        for (slot, x) in v.iter_mut().zip(fields) {
            *slot = x.parse().unwrap_or(0);
            n += 1;
        }
        (n == 7).then(|| jumper_data::IoCounters {
            read_ops: v[0],
            read_bytes: v[2] * 512,
            write_ops: v[4],
            write_bytes: v[6] * 512,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_comm() {
        let line = "1234 (my (weird) prog) S 1 1234 1234 0 -1 4194304 100 0 0 0 \
                    250 50 30 20 20 0 3 0 98765 1000000 2560 18446744073709551615";
        let p = parse_stat(1234, line).unwrap();
        assert_eq!(p.ppid, 1);
        assert_eq!(p.state, b'S');
        assert_eq!(p.cpu_ticks, 300);
        assert_eq!(p.child_ticks, 50);
        assert_eq!(p.starttime, 98765);
        assert_eq!(p.rss_pages, 2560);
        assert!(parse_stat(1, "garbage").is_none());
        assert!(parse_stat(1, "1 (x) S 1 2").is_none());
    }

    #[test]
    fn parses_system_files() {
        let stat = "cpu  10 0 10 80 0 0 0 0 0 0\ncpu0 5 0 5 40 0 0 0 0 0 0\ncpu1 5 0 5 30 10 0 0 0 0 0\nintr 1\n";
        let c = system::parse_cpu_stat(stat, 100.0);
        assert_eq!(c, vec![[0.1, 0.5], [0.1, 0.5]]);
        let mut cores = Vec::new();
        let forks = system::parse_proc_stat(&format!("{stat}processes 4711\n"), 100.0, &mut cores);
        assert_eq!((forks, cores.len()), (Some(4711), 2));
        assert_eq!(system::parse_proc_stat(stat, 100.0, &mut cores), None);
        let (t, a) =
            system::parse_meminfo("MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 600 kB\n");
        assert_eq!((t, a), (1_024_000, 614_400));
        let ds = "   8       0 sda 10 0 80 0 20 0 160 0 0 0 0\n   8       1 sda1 10 0 80 0 20 0 160 0 0 0 0\n";
        let io = system::parse_diskstats(ds, &["sda".to_string()]);
        assert_eq!(
            (io.read_ops, io.read_bytes, io.write_ops, io.write_bytes),
            (10, 40960, 20, 81920)
        );
    }

    #[test]
    fn reads_own_process_through_kept_open_files() {
        let mut fs = ProcFs::new();
        let me = std::process::id();
        let a = fs.stat(me).unwrap();
        assert_eq!(a.pid, me);
        assert!(a.rss_pages > 0);
        let mut x = 0u64;
        let t = std::time::Instant::now();
        while t.elapsed().as_millis() < 60 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        // Within one tick a process is read once.
        let reads = fs.read_syscalls();
        assert_eq!(fs.stat(me).unwrap(), a);
        assert_eq!(fs.read_syscalls(), reads);
        fs.begin_tick();
        let b = fs.stat(me).unwrap();
        assert!(
            b.cpu_ticks > a.cpu_ticks,
            "pread must see fresh values ({x})"
        );
        let io = fs.io(me).unwrap();
        assert!(io.read_ops > 0);

        // New PIDs: a thread of ours and a child process. Whether they are probed or the
        // directory is listed (a busy machine may hand out many PIDs meanwhile), the child is
        // found and the thread is not taken for a process.
        assert!(fs.poll_new(None), "the first look lists");
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            tx.send(unsafe { libc::gettid() } as u32).unwrap();
            stop_rx.recv().ok();
        });
        let tid = rx.recv().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        fs.begin_tick();
        assert!(fs.poll_new(None));
        assert!(fs.get(child.id()).is_some_and(|p| p.ppid == me));
        assert!(fs.get(tid).is_none(), "thread {tid} read as a process");
        child.kill().unwrap();
        child.wait().unwrap();
        stop_tx.send(()).unwrap();
        t.join().unwrap();
        let mut all = Vec::new();
        fs.scan(&mut all);
        assert!(all.iter().any(|p| p.pid == me));
        assert!(fs.read_syscalls() > 3);
    }
}
