//! The sampler: a native thread that samples every level on a fixed cadence with absolute
//! deadlines, and on demand at cell boundaries.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jumper_data::{Level, SampleKind, SampleStore};

use crate::collector::Collector;
use crate::MonitorError;

enum Cmd {
    Sample(SampleKind, Sender<f64>),
    SetRoot(Option<u32>, Sender<()>),
    SetScope(Option<u32>, Option<crate::cgroup::CgroupDirs>, Sender<()>),
    Leftovers(Sender<Vec<u32>>),
    Stop,
}

/// Counters the sampler keeps about itself; shared with readers.
#[derive(Debug, Default)]
struct Stats {
    own_cpu_ns: AtomicU64,
    ticks: AtomicU64,
    missed: AtomicU64,
}

/// Commands for the sampler thread. The thread sleeps with `park_timeout` until its next
/// deadline; a sender queues a command and unparks it. (A channel's `recv_timeout` costs the
/// thread ~7 µs more per wake-up, measured.)
struct Inbox {
    /// `None` once the thread has ended: nothing is queued any more.
    queue: Mutex<Option<VecDeque<Cmd>>>,
}

impl Inbox {
    fn open() -> Self {
        Inbox {
            queue: Mutex::new(Some(VecDeque::new())),
        }
    }

    /// Queues a command; `false` if the thread has ended.
    fn push(&self, cmd: Cmd) -> bool {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        match q.as_mut() {
            Some(q) => {
                q.push_back(cmd);
                true
            }
            None => false,
        }
    }

    fn pop(&self) -> Option<Cmd> {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        q.as_mut().and_then(VecDeque::pop_front)
    }

    /// Ends the inbox: queued commands are dropped, so their waiting senders see an error.
    fn close(&self) {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        *q = None;
    }
}

/// Closes the inbox when the sampler thread ends, however it ends.
struct CloseOnExit(Arc<Inbox>);

impl Drop for CloseOnExit {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// What the sampler knows about its own cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SamplerStats {
    /// CPU seconds the sampler (and GPU poller) threads used.
    pub own_cpu_s: f64,
    /// Regular ticks taken.
    pub ticks: u64,
    /// Ticks skipped because the previous one ran late.
    pub missed: u64,
}

/// A handle to a sampler's own counters, readable from any thread without asking the sampler
/// (a live view reads it while the sampler works); it keeps the final values after a stop.
#[derive(Debug, Clone)]
pub struct StatsHandle(Arc<Stats>);

impl StatsHandle {
    /// The counters now.
    pub fn get(&self) -> SamplerStats {
        SamplerStats {
            own_cpu_s: self.0.own_cpu_ns.load(Ordering::Relaxed) as f64 * 1e-9,
            ticks: self.0.ticks.load(Ordering::Relaxed),
            missed: self.0.missed.load(Ordering::Relaxed),
        }
    }
}

/// A running sampler. Dropping it stops the thread.
pub struct Sampler {
    inbox: Arc<Inbox>,
    handle: Option<JoinHandle<()>>,
    store: SampleStore,
    stats: Arc<Stats>,
    interval: f64,
    levels: Vec<Level>,
}

impl Sampler {
    /// Starts sampling into `store` every `interval` seconds. The first sample is taken at
    /// once, and the regular ticks follow `interval` apart from its end (it reads every
    /// process; its cost is start-up, never a missed tick). The sampler never changes the
    /// priority or scheduling of any process.
    pub fn start(
        mut collector: Collector,
        interval: f64,
        store: SampleStore,
    ) -> Result<Sampler, MonitorError> {
        crate::process::check_interval(interval)?;
        let levels = collector.levels().to_vec();
        let inbox = Arc::new(Inbox::open());
        let thread_inbox = inbox.clone();
        let stats = Arc::new(Stats::default());
        let st = stats.clone();
        let out = store.clone();
        let period = Duration::from_secs_f64(interval);
        let handle = std::thread::Builder::new()
            .name("jumper-sampler".into())
            .spawn(move || {
                let inbox = CloseOnExit(thread_inbox);
                let mut start = Instant::now();
                let mut k: u64 = 0; // index of the next regular tick
                                    // The monitor's own CPU time, read once per sample (after it): the next
                                    // sample subtracts it from levels that contain this process. What that
                                    // misses, the wake-up before a sample, is far below a clock tick.
                let mut own = 0.0;
                let mut take = |c: &mut Collector, kind: SampleKind| -> f64 {
                    c.set_own_cpu(own);
                    let samples = c.collect(kind);
                    let t = samples.first().map_or(0.0, |(_, s)| s.time);
                    out.push_tick(samples);
                    own = jumper_data::time::thread_cpu_s() + c.gpu_cpu_s();
                    st.own_cpu_ns.store((own * 1e9) as u64, Ordering::Relaxed);
                    t
                };
                loop {
                    match inbox.0.pop() {
                        Some(Cmd::Sample(kind, reply)) => {
                            let t = take(&mut collector, kind);
                            let _ = reply.send(t);
                            continue;
                        }
                        Some(Cmd::SetRoot(pid, reply)) => {
                            collector.set_root(pid);
                            let _ = reply.send(());
                            continue;
                        }
                        Some(Cmd::SetScope(adopter, cgroup, reply)) => {
                            collector.set_scope(adopter, cgroup);
                            let _ = reply.send(());
                            continue;
                        }
                        Some(Cmd::Leftovers(reply)) => {
                            let _ = reply.send(collector.leftovers());
                            continue;
                        }
                        Some(Cmd::Stop) => break,
                        None => {}
                    }
                    let deadline = start + period.mul_f64(k as f64);
                    let now = Instant::now();
                    if now < deadline {
                        // Woken early by a command (or spuriously): look again.
                        std::thread::park_timeout(deadline - now);
                        continue;
                    }
                    take(&mut collector, SampleKind::Tick);
                    st.ticks.fetch_add(1, Ordering::Relaxed);
                    if k == 0 {
                        // The first sample finds every process (a full read of /proc, tens
                        // of milliseconds on a busy machine): the cadence starts once it is
                        // in, so start-up is not counted as missed ticks.
                        start = Instant::now();
                        k = 1;
                        continue;
                    }
                    // Absolute deadlines: a late tick does not shift the cadence; ticks
                    // that can no longer be met are counted as missed.
                    let elapsed = start.elapsed().as_secs_f64();
                    let due = (elapsed / interval).floor() as u64 + 1;
                    let next = (k + 1).max(due);
                    st.missed.fetch_add(next - k - 1, Ordering::Relaxed);
                    k = next;
                }
            })
            .map_err(MonitorError::Spawn)?;
        Ok(Sampler {
            inbox,
            handle: Some(handle),
            store,
            stats,
            interval,
            levels,
        })
    }

    fn send(&self, cmd: Cmd) -> Result<(), MonitorError> {
        if !self.inbox.push(cmd) {
            return Err(MonitorError::Stopped);
        }
        if let Some(h) = &self.handle {
            h.thread().unpark();
        }
        Ok(())
    }

    /// Takes a sample now (e.g. at a cell boundary) and returns its monotonic time once it is
    /// in the store.
    pub fn sample_now(&self, kind: SampleKind) -> Result<f64, MonitorError> {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::Sample(kind, tx))?;
        rx.recv().map_err(|_| MonitorError::Stopped)
    }

    /// Queues a sample (e.g. at a cell boundary) without waiting for it: the sampler thread
    /// takes it at once, in order with every later command and sample.
    pub fn request_sample(&self, kind: SampleKind) -> Result<(), MonitorError> {
        // Nobody waits for the time: the thread's send into the dropped receiver is ignored.
        let (tx, _) = mpsc::channel();
        self.send(Cmd::Sample(kind, tx))
    }

    /// Changes the root process of the process level.
    pub fn set_root(&self, pid: Option<u32>) -> Result<(), MonitorError> {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::SetRoot(pid, tx))?;
        rx.recv().map_err(|_| MonitorError::Stopped)
    }

    /// Sets who adopts the tree's orphans and the command's cgroup (see
    /// [`Collector::set_scope`]).
    pub fn set_scope(
        &self,
        adopter: Option<u32>,
        cgroup: Option<crate::cgroup::CgroupDirs>,
    ) -> Result<(), MonitorError> {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::SetScope(adopter, cgroup, tx))?;
        rx.recv().map_err(|_| MonitorError::Stopped)
    }

    /// PIDs of the process level alive at the last sample, the root excluded.
    pub fn leftovers(&self) -> Result<Vec<u32>, MonitorError> {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::Leftovers(tx))?;
        rx.recv().map_err(|_| MonitorError::Stopped)
    }

    /// The store the sampler writes.
    pub fn store(&self) -> &SampleStore {
        &self.store
    }

    /// The requested interval in seconds.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// The levels sampled.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The sampler's own cost so far.
    pub fn stats(&self) -> SamplerStats {
        self.stats_handle().get()
    }

    /// A handle to the sampler's own counters for another thread.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(self.stats.clone())
    }

    /// Stops the thread and returns its final statistics.
    pub fn stop(mut self) -> SamplerStats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        let _ = self.send(Cmd::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.shutdown();
    }
}
