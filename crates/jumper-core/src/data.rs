//! Where the service's perf data comes from: nothing yet, a live monitor (running or stopped,
//! possibly restarted), or an imported session.

use std::path::PathBuf;

use jumper_data::{Level, MonitorInfo, PerfFrame};
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
    Live {
        current: Box<Monitor>,
        earlier: Vec<PerfFrame>,
        earlier_info: Option<Box<MonitorInfo>>,
    },
    /// An imported session.
    Imported(Box<Offline>),
}

fn append(into: &mut Vec<PerfFrame>, frame: PerfFrame) {
    match into.iter_mut().find(|f| f.level == frame.level) {
        Some(f) => {
            f.num_gpus = f.num_gpus.max(frame.num_gpus);
            f.rows.extend(frame.rows);
        }
        None => into.push(frame),
    }
}

impl Data {
    /// Installs a freshly started monitor, keeping a stopped one's rows.
    pub(crate) fn start(&mut self, m: Monitor) {
        let old = std::mem::replace(self, Data::Empty);
        let (earlier, earlier_info) = match old {
            Data::Live {
                current,
                mut earlier,
                earlier_info,
            } => {
                for l in current.levels() {
                    if let Some(f) = current.frame(*l) {
                        append(&mut earlier, f);
                    }
                }
                let info = merge_info(earlier_info.map(|b| *b), current.info());
                (earlier, Some(Box::new(info)))
            }
            _ => (Vec::new(), None),
        };
        *self = Data::Live {
            current: Box::new(m),
            earlier,
            earlier_info,
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
            Data::Live { current, .. } => current.levels().to_vec(),
            Data::Imported(o) => o.frames.iter().map(|f| f.level).collect(),
        }
    }

    pub(crate) fn frame(&self, level: Level) -> Option<PerfFrame> {
        match self {
            Data::Empty => None,
            Data::Live {
                current, earlier, ..
            } => {
                let now = current.frame(level);
                match earlier.iter().find(|f| f.level == level) {
                    None => now,
                    Some(e) => {
                        let mut f = e.clone();
                        if let Some(n) = now {
                            f.num_gpus = f.num_gpus.max(n.num_gpus);
                            f.rows.extend(n.rows);
                        }
                        Some(f)
                    }
                }
            }
            Data::Imported(o) => o.frames.iter().find(|f| f.level == level).cloned(),
        }
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
    }
    now
}
