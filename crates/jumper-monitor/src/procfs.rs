//! A `/proc` reader built for a hot loop: per-process files stay open and are re-read with
//! `pread` into one reused buffer, and the directory is listed again only when the kernel has
//! handed out a new PID since the last scan (the last field of `/proc/loadavg`).

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

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
}

struct PidFiles {
    last: Option<ProcInfo>,
    stat: File,
    io: Option<File>,
    io_failed: bool,
    uid: u32,
    starttime: u64,
}

/// Reader of a `/proc` tree (the real one or a fixture directory).
pub struct ProcFs {
    root: PathBuf,
    ticks_per_s: f64,
    page_size: u64,
    files: HashMap<u32, PidFiles>,
    pids: Vec<u32>,
    last_pid: Option<u64>,
    loadavg: Option<File>,
    buf: Vec<u8>,
    len: usize,
    reads: u64,
    scans: u32,
    scratch: HashMap<PathBuf, File>,
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
        ProcFs {
            root: root.into(),
            ticks_per_s: sysconf(libc::_SC_CLK_TCK, 100) as f64,
            page_size: sysconf(libc::_SC_PAGESIZE, 4096) as u64,
            files: HashMap::new(),
            pids: Vec::new(),
            last_pid: None,
            loadavg: None,
            buf: vec![0; 4096],
            len: 0,
            reads: 0,
            scans: 0,
            scratch: HashMap::new(),
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
        self.reads
    }

    /// Reads a whole proc file from offset 0 into the reused buffer. Proc files are generated
    /// on read, so a short read is the end: one system call per file in the common case.
    fn pread(&mut self, f: &File) -> Option<usize> {
        if self.buf.len() < 4096 {
            self.buf.resize(4096, 0);
        }
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

    /// Reads a whole small file through a kept-open descriptor (e.g. `/proc/stat`), relative
    /// to the root. Returns its text, or an error naming the file.
    pub fn read_file(&mut self, rel: &str) -> Result<String, MonitorError> {
        let path = self.root.join(rel);
        let file = match self.scratch.remove(&path) {
            Some(f) => f,
            None => File::open(&path).map_err(|e| MonitorError::read(&path, e))?,
        };
        let res = self.pread(&file);
        self.scratch.insert(path.clone(), file);
        match res {
            Some(_) => Ok(self.text().to_string()),
            None => Err(MonitorError::read(
                path,
                std::io::Error::other("read failed"),
            )),
        }
    }

    fn new_pids_possible(&mut self) -> bool {
        if self.loadavg.is_none() {
            self.loadavg = File::open(self.root.join("loadavg")).ok();
        }
        let Some(f) = self.loadavg.take() else {
            return true;
        };
        let last = self.pread(&f).and_then(|_| {
            self.text()
                .split_ascii_whitespace()
                .nth(4)?
                .parse::<u64>()
                .ok()
        });
        self.loadavg = Some(f);
        match last {
            Some(l) if Some(l) == self.last_pid => false,
            Some(l) => {
                self.last_pid = Some(l);
                true
            }
            None => true,
        }
    }

    fn list_pids(&mut self) {
        self.pids.clear();
        if let Ok(rd) = std::fs::read_dir(&self.root) {
            for e in rd.flatten() {
                if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
                    self.pids.push(pid);
                }
            }
        }
        self.pids.sort_unstable();
    }

    /// Reads every process's stat into `out` (cleared first). Processes that vanished are
    /// forgotten; new ones are opened once and kept open.
    pub fn scan(&mut self, out: &mut Vec<ProcInfo>) {
        self.scan_where(out, |_, _| true, 1);
    }

    /// Like [`ProcFs::scan`], but re-reads a known process only when `fresh(pid, uid)` says a
    /// level needs its current counters; other processes keep the reading from when they were
    /// first seen (their parent, start time and owner do not change) and are re-read every
    /// `refresh_every` calls. New processes are always read.
    pub fn scan_where(
        &mut self,
        out: &mut Vec<ProcInfo>,
        fresh: impl Fn(u32, u32) -> bool,
        refresh_every: u32,
    ) {
        out.clear();
        self.scans = self.scans.wrapping_add(1);
        let full = refresh_every <= 1 || self.scans % refresh_every == 0;
        if self.new_pids_possible() || full {
            self.list_pids();
            let known: std::collections::HashSet<u32> = self.pids.iter().copied().collect();
            self.files.retain(|pid, _| known.contains(pid));
        }
        let mut gone = Vec::new();
        let pids = std::mem::take(&mut self.pids);
        for &pid in &pids {
            let cached = self.files.get(&pid).and_then(|f| f.last);
            let info = match cached {
                Some(c) if !full && !fresh(pid, c.uid) => Some(c),
                _ => self.stat(pid),
            };
            match info {
                Some(info) => out.push(info),
                None => gone.push(pid),
            }
        }
        self.pids = pids;
        if !gone.is_empty() {
            self.pids.retain(|p| !gone.contains(p));
            for p in gone {
                self.files.remove(&p);
            }
        }
    }

    /// Reads one process's stat; `None` if it does not exist (any more).
    pub fn stat(&mut self, pid: u32) -> Option<ProcInfo> {
        if !self.files.contains_key(&pid) {
            let dir = self.root.join(pid.to_string());
            let stat = File::open(dir.join("stat")).ok()?;
            let uid = std::fs::metadata(&dir).map(|m| m.uid()).unwrap_or(u32::MAX);
            self.files.insert(
                pid,
                PidFiles {
                    last: None,
                    stat,
                    io: None,
                    io_failed: false,
                    uid,
                    starttime: 0,
                },
            );
        }
        let files = self.files.remove(&pid)?;
        let ok = self.pread(&files.stat).is_some();
        let parsed = if ok {
            parse_stat(pid, self.text())
        } else {
            None
        };
        let mut info = parsed?;
        let mut files = files;
        if files.starttime != 0 && files.starttime != info.starttime {
            // The PID was reused by a new process: start over with fresh descriptors.
            return self.stat(pid);
        }
        files.starttime = info.starttime;
        info.uid = files.uid;
        files.last = Some(info);
        self.files.insert(pid, files);
        Some(info)
    }

    /// Reads one process's I/O counters; `None` if unreadable (gone, or not permitted).
    pub fn io(&mut self, pid: u32) -> Option<IoCounters> {
        let mut files = self.files.remove(&pid)?;
        if files.io.is_none() && !files.io_failed {
            files.io = File::open(self.root.join(pid.to_string()).join("io")).ok();
            files.io_failed = files.io.is_none();
        }
        let res = match files.io.take() {
            Some(f) => {
                let r = self.pread(&f).map(|_| parse_io(self.text()));
                files.io = Some(f);
                r
            }
            None => None,
        };
        self.files.insert(pid, files);
        res
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
    /// Per-core `[busy, total]` seconds and the summed busy seconds from `/proc/stat`.
    pub fn parse_cpu_stat(text: &str, ticks_per_s: f64) -> Vec<[f64; 2]> {
        let mut cores = Vec::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("cpu") else {
                continue;
            };
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let v: Vec<u64> = rest
                .split_ascii_whitespace()
                .skip(1)
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            let g = |i: usize| v.get(i).copied().unwrap_or(0);
            // user nice system idle iowait irq softirq steal (guest is inside user)
            let idle = g(3) + g(4);
            let total: u64 = (0..8).map(g).sum();
            let busy = total - idle.min(total);
            cores.push([busy as f64 / ticks_per_s, total as f64 / ticks_per_s]);
        }
        cores
    }

    /// `(MemTotal, MemAvailable)` in bytes from `/proc/meminfo`.
    pub fn parse_meminfo(text: &str) -> (u64, u64) {
        let mut total = 0;
        let mut avail = None;
        let mut free = 0;
        let mut cached = 0;
        let mut buffers = 0;
        for line in text.lines() {
            let mut it = line.split_ascii_whitespace();
            let key = it.next().unwrap_or("");
            let kib: u64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            match key {
                "MemTotal:" => total = kib * 1024,
                "MemAvailable:" => avail = Some(kib * 1024),
                "MemFree:" => free = kib * 1024,
                "Cached:" => cached = kib * 1024,
                "Buffers:" => buffers = kib * 1024,
                _ => {}
            }
        }
        (total, avail.unwrap_or(free + cached + buffers))
    }

    /// Storage I/O of whole disks from `/proc/diskstats`: `disks` names the devices to count
    /// (partitions and stacked devices would count the same bytes twice).
    pub fn parse_diskstats(text: &str, disks: &[String]) -> jumper_data::IoCounters {
        let mut io = jumper_data::IoCounters::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            if f.len() < 10 || !disks.iter().any(|d| d == f[2]) {
                continue;
            }
            let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
            io.read_ops += n(3);
            io.read_bytes += n(5) * 512;
            io.write_ops += n(7);
            io.write_bytes += n(9) * 512;
        }
        io
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
        let b = fs.stat(me).unwrap();
        assert!(
            b.cpu_ticks > a.cpu_ticks,
            "pread must see fresh values ({x})"
        );
        let io = fs.io(me).unwrap();
        assert!(io.read_ops > 0);
        let mut all = Vec::new();
        fs.scan(&mut all);
        assert!(all.iter().any(|p| p.pid == me));
        assert!(fs.read_syscalls() > 3);
    }
}
