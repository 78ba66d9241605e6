//! Where the service's perf data comes from: nothing yet, a live monitor (running or stopped,
//! possibly restarted), the saved state of an earlier process of this session (resumed after a
//! kernel restart), or an imported session.
//!
//! Frames of successive monitor runs are joined end to end. Their cumulative counters are
//! made continuous at each join, so a report whose window spans the join counts each run's
//! own work: where a counter fell (its processes are gone: a new process tree after a kernel
//! restart, or processes that exited between user-level samples) the next run continues from
//! the last value, as a monitoring system treats a counter reset.

use std::path::PathBuf;

use jumper_data::{Level, MonitorInfo, PerfFrame, RawCounters};
use jumper_monitor::Monitor;

/// An imported session's data: reports, plots, history and exports work on it as on live data.
#[derive(Debug, Clone, PartialEq)]
pub struct Offline {
    /// One frame per level found in the session.
    pub frames: Vec<PerfFrame>,
    /// The monitor section of its manifest.
    pub info: MonitorInfo,
    /// The directory or zip it came from.
    pub source: PathBuf,
    /// Who wrote it, e.g. `JUmPER 0.4.1`.
    pub writer: String,
}

/// The service's data source.
pub(crate) enum Data {
    /// Neither monitoring nor an import happened yet.
    Empty,
    /// A monitor; rows of earlier (stopped) monitors of this session come first.
    /// `restart_join`: the join between `earlier` and `current` is a restart of the monitored
    /// process (a resumed session whose root process is another one), so the process level's
    /// counters start anew there.
    Live {
        current: Box<Monitor>,
        earlier: Vec<PerfFrame>,
        earlier_info: Option<Box<MonitorInfo>>,
        restart_join: bool,
    },
    /// An imported session.
    Imported(Box<Offline>),
    /// The data of an earlier process of this session, resumed from its saved state; the next
    /// monitor start appends to it.
    Resumed {
        earlier: Vec<PerfFrame>,
        info: Box<MonitorInfo>,
    },
}

/// Appends `next`'s rows to `into`, making the raw counters continuous at the join. A counter
/// that fell (or every counter, with `reset`) continues from `into`'s last value.
pub(crate) fn join(into: &mut PerfFrame, mut next: PerfFrame, reset: bool) {
    into.num_gpus = into.num_gpus.max(next.num_gpus);
    let last = into.rows.last().and_then(|r| r.raw);
    let first = next.rows.first().and_then(|r| r.raw);
    if let (Some(a), Some(b)) = (last, first) {
        let o = RawCounters::continuation(a, b, reset);
        if o != RawCounters::default() {
            for raw in next.rows.iter_mut().filter_map(|r| r.raw.as_mut()) {
                raw.shift(o);
            }
        }
    }
    into.rows.extend(next.rows);
}

fn append(into: &mut Vec<PerfFrame>, frame: PerfFrame, reset: bool) {
    match into.iter_mut().find(|f| f.level == frame.level) {
        Some(f) => join(f, frame, reset),
        None => into.push(frame),
    }
}

impl Data {
    /// Installs a freshly started monitor, keeping a stopped one's rows (or a resumed
    /// session's).
    pub(crate) fn start(&mut self, m: Monitor) {
        let old = std::mem::replace(self, Data::Empty);
        let (earlier, earlier_info, restart_join) = match old {
            Data::Live {
                current,
                mut earlier,
                earlier_info,
                restart_join,
            } => {
                for l in current.levels() {
                    if let Some(f) = current.frame(*l) {
                        append(&mut earlier, f, restart_join && *l == Level::Process);
                    }
                }
                let info = merge_info(earlier_info.map(|b| *b), current.info());
                (earlier, Some(Box::new(info)), false)
            }
            // A new root process (the kernel's new child) counts from zero again.
            Data::Resumed { earlier, info } => {
                let restart = info.pid != m.info().pid;
                (earlier, Some(info), restart)
            }
            _ => (Vec::new(), None, false),
        };
        *self = Data::Live {
            current: Box::new(m),
            earlier,
            earlier_info,
            restart_join,
        };
    }

    pub(crate) fn live(&self) -> Option<&Monitor> {
        match self {
            Data::Live { current, .. } => Some(current),
            _ => None,
        }
    }

    pub(crate) fn live_mut(&mut self) -> Option<&mut Monitor> {
        match self {
            Data::Live { current, .. } => Some(current),
            _ => None,
        }
    }

    pub(crate) fn levels(&self) -> Vec<Level> {
        match self {
            Data::Empty => Vec::new(),
            Data::Live {
                current, earlier, ..
            } => {
                let mut v = current.levels().to_vec();
                for f in earlier {
                    if !v.contains(&f.level) {
                        v.push(f.level);
                    }
                }
                v
            }
            Data::Imported(o) => o.frames.iter().map(|f| f.level).collect(),
            Data::Resumed { earlier, .. } => earlier.iter().map(|f| f.level).collect(),
        }
    }

    pub(crate) fn frame(&self, level: Level) -> Option<PerfFrame> {
        match self {
            Data::Empty => None,
            Data::Live {
                current,
                earlier,
                restart_join,
                ..
            } => {
                let now = current.frame(level);
                match earlier.iter().find(|f| f.level == level) {
                    None => now,
                    Some(e) => {
                        let mut f = e.clone();
                        if let Some(n) = now {
                            join(&mut f, n, *restart_join && level == Level::Process);
                        }
                        Some(f)
                    }
                }
            }
            Data::Imported(o) => o.frames.iter().find(|f| f.level == level).cloned(),
            Data::Resumed { earlier, .. } => earlier.iter().find(|f| f.level == level).cloned(),
        }
    }

    /// The level's table from row `from` on. A monitor without earlier runs derives only
    /// those rows; otherwise the whole table is built and cut.
    pub(crate) fn frame_from(&self, level: Level, from: usize) -> Option<PerfFrame> {
        if let Data::Live {
            current, earlier, ..
        } = self
        {
            if earlier.is_empty() {
                return current.frame_from(level, from);
            }
        }
        let mut f = self.frame(level)?;
        f.rows.drain(..from.min(f.rows.len()));
        Some(f)
    }

    pub(crate) fn info(&self) -> Option<MonitorInfo> {
        match self {
            Data::Empty => None,
            Data::Live {
                current,
                earlier_info,
                ..
            } => Some(match earlier_info {
                Some(e) => merge_info(Some((**e).clone()), current.info()),
                None => current.info(),
            }),
            Data::Imported(o) => Some(o.info.clone()),
            Data::Resumed { info, .. } => Some((**info).clone()),
        }
    }
}

/// Info of a session with several monitor runs: the latest run's settings, the first run's
/// start, and the sampler's costs summed.
fn merge_info(earlier: Option<MonitorInfo>, mut now: MonitorInfo) -> MonitorInfo {
    if let Some(e) = earlier {
        now.start_time = e.start_time.or(now.start_time);
        now.wallclock_start_time = e.wallclock_start_time.or(now.wallclock_start_time);
        now.own_cpu_s += e.own_cpu_s;
        now.missed_ticks += e.missed_ticks;
        now.ticks += e.ticks;
        // One session, one UUID, however often monitoring restarts.
        if let (Some(first), Some(o)) = (e.origin, now.origin.as_mut()) {
            o.session_uuid = first.session_uuid;
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_session_keeps_its_uuid() {
        let with = |uuid: &str, host: &str| MonitorInfo {
            origin: Some(jumper_data::Origin {
                session_uuid: uuid.into(),
                hostname: host.into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let merged = merge_info(Some(with("first", "a")), with("second", "b"));
        let o = merged.origin.unwrap();
        assert_eq!(
            (o.session_uuid.as_str(), o.hostname.as_str()),
            ("first", "b")
        );
    }

    fn frame(rows: &[(f64, f64)]) -> PerfFrame {
        PerfFrame {
            level: Level::Process,
            num_cpus: 1,
            num_gpus: 0,
            rows: rows
                .iter()
                .map(|&(time, cpu)| jumper_data::PerfRow {
                    time,
                    raw: Some(RawCounters {
                        cpu_time: cpu,
                        io_read_bytes: cpu * 10.0,
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect(),
        }
    }

    fn cpu(f: &PerfFrame) -> Vec<f64> {
        f.rows.iter().map(|r| r.raw.unwrap().cpu_time).collect()
    }

    #[test]
    fn joins_keep_continuous_counters_and_continue_reset_ones() {
        // The same process again: its counter went on; nothing changes.
        let mut a = frame(&[(1.0, 1.0), (2.0, 2.0)]);
        join(&mut a, frame(&[(3.0, 2.5), (4.0, 3.0)]), false);
        assert_eq!(cpu(&a), [1.0, 2.0, 2.5, 3.0]);
        // A counter that fell (its processes are gone) continues from the last value.
        let mut a = frame(&[(1.0, 1.0), (2.0, 2.0)]);
        join(&mut a, frame(&[(3.0, 0.5), (4.0, 1.5)]), false);
        assert_eq!(cpu(&a), [1.0, 2.0, 2.5, 3.5]);
        // A new root process: every counter starts anew, even one that happens to be higher.
        let mut a = frame(&[(1.0, 1.0), (2.0, 2.0)]);
        join(&mut a, frame(&[(3.0, 4.0), (4.0, 5.0)]), true);
        assert_eq!(cpu(&a), [1.0, 2.0, 6.0, 7.0]);
        assert_eq!(a.rows[3].raw.unwrap().io_read_bytes, 70.0);
        // A report window spanning the join counts both runs' work: 2 + 1 s.
        let w = jumper_data::Window {
            start: 1.0,
            end: 4.0,
        };
        let mut a = frame(&[(1.0, 0.0), (2.0, 2.0)]);
        join(&mut a, frame(&[(3.0, 0.0), (4.0, 1.0)]), true);
        assert_eq!(a.window_stats(w, 1.0).cpu_time_s, 3.0);
    }
}
