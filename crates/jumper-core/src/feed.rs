//! What a live frontend reads while the service works on another thread: a [`Feed`].
//!
//! A frontend that blocks in the service (`jumper run` waits for its command, `jumper replay`
//! for each cell) cannot also ask it for data. [`PerfmonitorService::feed`] hands out a
//! handle that the service keeps up to date at each state change (monitoring started or
//! stopped, a cell begun or ended, a new root process): the sample store itself (shared with
//! the sampler, read under its short read lock), the sampler's own counters (atomics), and a
//! copy of the cell history and the monitor info. Reading a feed never waits for the sampler
//! or the service for longer than one copy, and never blocks the sampler for longer than a
//! store read.
//!
//! The numbers are derived by the reader through the same functions the reports use
//! ([`jumper_data::PerfFrame::from_samples`], [`jumper_report::Report::new`]).

use std::sync::{Arc, PoisonError, RwLock};

use jumper_data::{CellRecord, Level, MonitorInfo, SampleStore, Thresholds};
use jumper_monitor::{SamplerStats, StatsHandle};

use crate::PerfmonitorService;

/// The service's state as a live frontend sees it (a copy).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FeedState {
    /// The monitor's info (interval, CPUs, limits, levels, GPUs); `None` before monitoring.
    pub info: Option<MonitorInfo>,
    /// Completed cells, in order.
    pub cells: Vec<CellRecord>,
    /// The completed cells' titles (the text after `# %%` in a script; empty when untitled),
    /// one per entry of `cells`.
    pub titles: Vec<String>,
    /// The cell running now, if any.
    pub running: Option<CellRecord>,
    /// The running cell's title, if it has one.
    pub running_title: Option<String>,
    /// Root of the process level.
    pub root: Option<u32>,
    /// Levels sampled.
    pub levels: Vec<Level>,
    /// The analyzer's thresholds (for the cells' tags).
    pub thresholds: Thresholds,
    /// Whether monitoring runs.
    pub monitoring: bool,
    /// Bumped at every change, so a reader can skip work when nothing changed.
    pub generation: u64,
    /// The service's history epoch `cells` was copied from (see `publish`).
    epoch: u64,
}

#[derive(Default)]
struct Shared {
    store: RwLock<Option<SampleStore>>,
    stats: RwLock<Option<StatsHandle>>,
    state: RwLock<FeedState>,
}

/// A handle to the live state of a [`PerfmonitorService`] for another thread; cloning gives
/// another handle to the same feed.
#[derive(Clone, Default)]
pub struct Feed {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed").finish_non_exhaustive()
    }
}

impl Feed {
    /// A feed of fixed data, no service behind it: `store` and `state` as given (a view of
    /// recorded samples, tests, benchmarks).
    pub fn fixed(store: SampleStore, state: FeedState) -> Feed {
        let feed = Feed::default();
        *feed
            .shared
            .store
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(store);
        *feed
            .shared
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner) = state;
        feed
    }

    /// A copy of the service's state now.
    pub fn state(&self) -> FeedState {
        self.shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The monitor's info now, without copying the rest of the state (the cells): what a
    /// metrics scrape needs.
    pub fn info(&self) -> Option<MonitorInfo> {
        self.shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .info
            .clone()
    }

    /// The generation of the state (cheap: no copy).
    pub fn generation(&self) -> u64 {
        self.shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }

    /// The sample store of the current monitor, shared with its sampler.
    pub fn store(&self) -> Option<SampleStore> {
        self.shared
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The sampler's own counters now (the last values after a stop).
    pub fn sampler_stats(&self) -> SamplerStats {
        self.shared
            .stats
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(StatsHandle::get)
            .unwrap_or_default()
    }

    /// Copies what the service holds now into the feed.
    pub(crate) fn publish(&self, service: &PerfmonitorService) {
        let monitor = service.monitor();
        if let Some(m) = monitor {
            let mut store = self
                .shared
                .store
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            *store = Some(m.store().clone());
            if let Some(h) = m.stats_handle() {
                *self
                    .shared
                    .stats
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(h);
            }
        }
        let mut st = self
            .shared
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        st.info = monitor.map(jumper_monitor::Monitor::info);
        // Completed cells are only ever appended to, until the service replaces its history
        // as a whole (a new epoch): then copy everything, else only the new cells, so
        // publishing stays cheap in a notebook of thousands of cells.
        let (cells, titles) = (service.history().cells(), service.titles_ref());
        let epoch = service.history_epoch();
        if st.epoch != epoch || st.cells.len() > cells.len() || st.titles.len() > titles.len() {
            st.cells.clear();
            st.titles.clear();
            st.epoch = epoch;
        }
        let (nc, nt) = (st.cells.len(), st.titles.len());
        st.cells.extend_from_slice(&cells[nc..]);
        st.titles.extend_from_slice(&titles[nt..]);
        st.running = service.history().running().cloned();
        st.running_title = service.running_title_ref().map(str::to_string);
        st.root = service.root();
        st.levels = monitor.map(|m| m.levels().to_vec()).unwrap_or_default();
        st.thresholds = service.settings().thresholds;
        st.monitoring = service.is_monitoring();
        st.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_data::CellStatus;

    #[test]
    fn follows_cells_and_samples_from_another_thread() {
        let mut service = PerfmonitorService::builder()
            .interval(0.02)
            .levels(vec![Level::Process])
            .gpu(jumper_monitor::Gpus::None)
            .build()
            .unwrap();
        let feed = service.feed();
        assert!(feed.store().is_none() && feed.state().info.is_none());
        service.start_monitoring().unwrap();
        let g0 = feed.generation();
        service.begin_cell("work", Vec::new()).unwrap();
        let reader = {
            let feed = feed.clone();
            std::thread::spawn(move || {
                let st = feed.state();
                (
                    st.running.map(|c| c.cell_index),
                    feed.store().map(|s| s.len(Level::Process)),
                )
            })
        };
        let (running, samples) = reader.join().unwrap();
        assert_eq!(running, Some(0));
        assert!(
            samples.unwrap() >= 1,
            "the cell's start sample is in the store"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        let rec = service.end_cell(CellStatus::Ok, None).unwrap();
        let st = feed.state();
        assert!(st.generation > g0);
        assert_eq!(st.cells, vec![rec]);
        assert!(st.running.is_none() && st.monitoring);
        assert!(feed.sampler_stats().ticks >= 1);
        service.stop_monitoring().unwrap();
        assert!(!feed.state().monitoring);
        let after = feed.sampler_stats().ticks;
        assert!(after >= 1, "the counters stay readable after the stop");
    }

    /// The feed copies only new cells, and everything again when the history is replaced.
    #[test]
    fn cells_follow_appends_and_replacements() {
        let mut service = PerfmonitorService::builder()
            .gpu(jumper_monitor::Gpus::None)
            .build()
            .unwrap();
        let feed = service.feed();
        for i in 0..3 {
            service.begin_cell(&format!("x = {i}"), Vec::new()).unwrap();
            service.end_cell(CellStatus::Ok, None).unwrap();
        }
        assert_eq!(feed.state().cells, service.history().cells());
        // An imported JUmPER session replaces the cells (its own numbering and code).
        let session = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/jumper-py-0.4.1/session");
        service.import_session(&session).unwrap();
        let st = feed.state();
        assert_ne!(st.cells[0].raw_cell, "x = 0");
        assert_eq!(st.cells, service.history().cells());
        assert_eq!(st.titles.len(), st.cells.len());
        service.begin_cell("after the import", Vec::new()).unwrap();
        service.end_cell(CellStatus::Ok, None).unwrap();
        let st = feed.state();
        assert_eq!(st.cells, service.history().cells());
        assert_eq!(st.cells.last().unwrap().raw_cell, "after the import");
        assert_eq!(st.titles.len(), st.cells.len());
        assert!(feed.info().is_none(), "no monitor ran");
    }
}
