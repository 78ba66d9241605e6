//! One row per process of a level, with rates over the time since the previous reading: what
//! a live view's process table shows (the levels' totals come from the sampler; this reader
//! is for the table only and runs on the caller's thread, never on the sampler's).
//!
//! CPU % is of one core (as `top` shows it: 200 % is two busy cores); I/O rates are storage
//! bytes per second from `/proc/PID/io` (absent where the file is not readable, e.g. another
//! user's process). A process seen for the first time has no rates yet (0).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::procfs::{ProcFs, ProcInfo};

/// Which processes a [`TreeReader`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A process and all its descendants.
    Tree(u32),
    /// Every process of a user.
    User(u32),
    /// Every process of the machine.
    All,
}

/// One process as the table shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessRow {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Command line (or `comm` when it has none, e.g. a kernel thread or a zombie).
    pub command: String,
    /// CPU utilisation in percent of one core since the previous reading.
    pub cpu_pct: f64,
    /// CPU seconds the process used so far (its reaped children included).
    pub cpu_s: f64,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
    /// Storage bytes read per second since the previous reading (`None`: not readable).
    pub read_bps: Option<f64>,
    /// Storage bytes written per second since the previous reading.
    pub write_bps: Option<f64>,
    /// Seconds since the process started.
    pub age_s: f64,
}

struct Prev {
    starttime: u64,
    time: f64,
    ticks: u64,
    io: Option<(u64, u64)>,
}

/// Reads the processes of a [`Scope`] with rates between calls.
pub struct TreeReader {
    procfs: ProcFs,
    root: PathBuf,
    prev: HashMap<u32, Prev>,
    names: HashMap<(u32, u64), String>,
    buf: Vec<ProcInfo>,
}

impl TreeReader {
    /// A reader of the real `/proc`.
    pub fn new() -> Self {
        Self::with_root("/proc")
    }

    /// A reader of a `/proc`-shaped tree at `root` (tests use fixture directories).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        TreeReader {
            procfs: ProcFs::with_root(root.clone()),
            root,
            prev: HashMap::new(),
            names: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// Whether `pid` exists and is not a zombie.
    pub fn alive(&mut self, pid: u32) -> bool {
        self.procfs.begin_tick();
        self.procfs.stat(pid).is_some_and(|p| p.state != b'Z')
    }

    /// The processes of `scope` now, sorted by PID; `time` is the caller's monotonic clock in
    /// seconds (rates are over the time since the previous call).
    pub fn read(&mut self, scope: Scope, time: f64) -> Vec<ProcessRow> {
        let mut all = std::mem::take(&mut self.buf);
        self.procfs.scan(&mut all);
        let uptime = self
            .procfs
            .read_file("uptime")
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok());
        let chosen: Vec<ProcInfo> = match scope {
            Scope::All => all.clone(),
            // As the user level counts them.
            Scope::User(uid) => all.iter().filter(|p| p.belongs_to(uid)).copied().collect(),
            Scope::Tree(root) => descendants(&all, root),
        };
        let page = self.procfs.page_size();
        let mut rows = Vec::with_capacity(chosen.len());
        let mut seen = HashMap::with_capacity(chosen.len());
        for p in &chosen {
            let ticks = p.cpu_ticks + p.child_ticks;
            let io = self
                .procfs
                .io(p.pid)
                .map(|io| (io.read_bytes, io.write_bytes));
            let prev = self
                .prev
                .get(&p.pid)
                .filter(|q| q.starttime == p.starttime && time > q.time);
            let (cpu_pct, read_bps, write_bps) = match prev {
                Some(q) => {
                    let dt = time - q.time;
                    let cpu = self.procfs.ticks_to_s(ticks.saturating_sub(q.ticks)) / dt * 100.0;
                    let rate = |now: u64, before: u64| now.saturating_sub(before) as f64 / dt;
                    match (io, q.io) {
                        (Some(a), Some(b)) => (cpu, Some(rate(a.0, b.0)), Some(rate(a.1, b.1))),
                        _ => (cpu, None, None),
                    }
                }
                None => (0.0, io.map(|_| 0.0), io.map(|_| 0.0)),
            };
            let age_s = uptime.map_or(0.0, |u| (u - self.procfs.ticks_to_s(p.starttime)).max(0.0));
            // A process younger than a second may not have exec'd yet (it still bears its
            // parent's command line): its name is read again until it is older.
            let command = self.name(p.pid, p.starttime, age_s >= 1.0);
            rows.push(ProcessRow {
                pid: p.pid,
                ppid: p.ppid,
                command,
                cpu_pct,
                cpu_s: self.procfs.ticks_to_s(ticks),
                rss_bytes: p.rss_pages * page,
                read_bps,
                write_bps,
                age_s,
            });
            seen.insert(
                p.pid,
                Prev {
                    starttime: p.starttime,
                    time,
                    ticks,
                    io,
                },
            );
        }
        self.prev = seen;
        self.names
            .retain(|(pid, start), _| self.prev.get(pid).is_some_and(|q| q.starttime == *start));
        self.buf = all;
        rows
    }

    /// The command line of a process, read once per (pid, start time).
    fn name(&mut self, pid: u32, starttime: u64, keep: bool) -> String {
        if let Some(n) = self.names.get(&(pid, starttime)) {
            return n.clone();
        }
        let dir = self.root.join(pid.to_string());
        let mut command = std::fs::read(dir.join("cmdline"))
            .map(|raw| {
                raw.split(|&b| b == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        if command.is_empty() {
            command = std::fs::read_to_string(dir.join("comm"))
                .map(|c| format!("[{}]", c.trim()))
                .unwrap_or_default();
        }
        // One line in a table: a command's own newlines (python3 -c '...') become spaces.
        let command = command.replace(|c: char| c.is_control(), " ");
        if keep {
            self.names.insert((pid, starttime), command.clone());
        }
        command
    }
}

impl Default for TreeReader {
    fn default() -> Self {
        Self::new()
    }
}

/// `root` and its descendants among `all` (sorted by PID).
fn descendants(all: &[ProcInfo], root: u32) -> Vec<ProcInfo> {
    let mut children: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut at = None;
    for (i, p) in all.iter().enumerate() {
        children.entry(p.ppid).or_default().push(i);
        if p.pid == root {
            at = Some(i);
        }
    }
    let mut out = Vec::new();
    let mut stack: Vec<usize> = at.into_iter().collect();
    while let Some(i) = stack.pop() {
        out.push(all[i]);
        if let Some(c) = children.get(&all[i].pid) {
            stack.extend(c.iter().copied());
        }
    }
    out.sort_unstable_by_key(|p| p.pid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_tree_of_a_child_and_measures_its_cpu() {
        // A child that burns CPU, with a grandchild that sleeps.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "sleep 5 & i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; kill $!",
            ])
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut r = TreeReader::new();
        let t0 = jumper_data::time::monotonic_s();
        let first = r.read(Scope::Tree(pid), t0);
        assert_eq!(first.first().map(|p| p.pid), Some(pid));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let t1 = jumper_data::time::monotonic_s();
        let rows = r.read(Scope::Tree(pid), t1);
        let me = rows.iter().find(|p| p.pid == pid).unwrap();
        assert!(me.command.starts_with("sh -c"), "{}", me.command);
        assert!(
            rows.iter()
                .any(|p| p.ppid == pid && p.command.starts_with("sleep")),
            "{rows:?}"
        );
        // Ground truth: the child's own stat, read right after.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let info = crate::procfs::parse_stat(pid, &stat).unwrap();
        let tps = r.procfs.ticks_per_s();
        assert!(me.cpu_s <= (info.cpu_ticks + info.child_ticks) as f64 / tps + 1e-9);
        assert!(me.cpu_pct > 5.0, "a busy loop shows as busy: {me:?}");
        assert!(me.cpu_pct <= 100.0 * 1.5, "{me:?}");
        assert!(me.rss_bytes > 0 && me.age_s > 0.2, "{me:?}");
        assert!(r.alive(pid));
        let _ = child.kill();
        let _ = child.wait();
        assert!(!r.alive(pid));
        assert!(r.read(Scope::Tree(pid), t1 + 1.0).is_empty());
    }

    #[test]
    fn user_scope_holds_this_process_and_all_scope_holds_more() {
        let mut r = TreeReader::new();
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let mine = r.read(Scope::User(uid), 1.0);
        assert!(mine.iter().any(|p| p.pid == std::process::id()));
        let all = r.read(Scope::All, 2.0);
        assert!(all.len() >= mine.len());
        assert!(all.iter().any(|p| p.pid == 1));
    }
}
