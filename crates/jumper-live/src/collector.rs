//! The collector: reads a [`Feed`] into [`Snapshot`]s. It knows nothing of the display.
//!
//! Every number comes from the derivations the reports use: each level's rows are
//! [`PerfFrame::from_samples`] rows (built incrementally: a row depends only on its sample and
//! the one before, so appending the rows of the new samples gives exactly the frame of all of
//! them), and each cell's row is the per-cell summary of [`Report::new`] over that cell, so a
//! finished cell shows what `jumper report` prints for it. Only new samples are copied out
//! of the store, under its read lock; nothing is computed while a lock is held.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use jumper_core::tree::{ProcessRow, Scope, TreeReader};
use jumper_core::{
    CellRecord, Feed, FeedState, Level, LevelSample, PerfFrame, Report, SampleStore,
};

use crate::snapshot::{CellRow, HeaderInfo, LevelView, Mode, RowStatus, Snapshot};
use crate::trend::Trend;

/// Rows kept for a sparkline (the widget shows as many as fit).
pub const HISTORY_ROWS: usize = 240;
/// Bytes of the output file read for the output pane.
const OUTPUT_TAIL_BYTES: u64 = 16 * 1024;

/// How a [`Collector`] reads.
#[derive(Debug, Clone, Default)]
pub struct CollectorOptions {
    /// The view's mode.
    pub mode: Mode,
    /// What the header names as the target.
    pub target: String,
    /// The file the command's output goes to (the output pane shows its tail).
    pub output: Option<PathBuf>,
    /// Seconds between two readings of the process table while it is shown (0: every
    /// snapshot); ten times that while the cells table is shown (for the tab's count).
    pub process_every_s: f64,
    /// `/proc` to read the process table from (`None`: the real one).
    pub proc_root: Option<PathBuf>,
}

struct LevelFrame {
    frame: PerfFrame,
    last: Option<LevelSample>,
    taken: usize,
    /// The peaks shown, kept up as rows arrive (a scan of every row at each frame made the
    /// view's cost grow with the run).
    peaks: Peaks,
    /// After a monitoring restart: the rows of the monitors before are kept, and the new
    /// monitor's counters are moved on by what its first row needs (`Join::Pending` until it
    /// arrives), as the service joins them for the reports.
    join: Join,
}

/// How a new monitor's rows continue the rows of the monitors before it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Join {
    /// No earlier rows: the counters are the monitor's own.
    None,
    /// Earlier rows, and the new monitor's first row not seen yet.
    Pending,
    /// What is added to every counter of the new monitor's rows.
    Offset(jumper_core::RawCounters),
}

/// CPU and memory peaks over the rows `from..upto` of a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Peaks {
    from: usize,
    upto: usize,
    cpu: f64,
    memory: f64,
}

impl Peaks {
    /// The peaks over `rows[from..]`, reusing what was counted when `from` is unchanged.
    fn over(self, rows: &[jumper_core::PerfRow], from: usize) -> Peaks {
        let mut p = if self.from == from && self.upto <= rows.len() {
            self
        } else {
            Peaks {
                from,
                upto: from,
                ..Peaks::default()
            }
        };
        for r in &rows[p.upto.min(rows.len())..] {
            p.cpu = p.cpu.max(r.cpu_util_avg);
            p.memory = p.memory.max(r.memory);
        }
        p.upto = rows.len().max(p.upto);
        p
    }
}

/// Reads a [`Feed`] into [`Snapshot`]s.
pub struct Collector {
    feed: Feed,
    opts: CollectorOptions,
    store: Option<SampleStore>,
    frames: Vec<LevelFrame>,
    /// Finished cells' rows by (level, index): they never change.
    done: HashMap<(Level, usize), CellRow>,
    /// First row (per level) that peaks, trends and sparklines consider (`r` moves it).
    reset_at: HashMap<Level, usize>,
    tree: TreeReader,
    processes: Vec<ProcessRow>,
    processes_at: Option<f64>,
    output: Vec<String>,
    output_len: Option<u64>,
    finished: Option<String>,
    /// The feed's state as last copied (copied again only when its generation moved).
    state: Option<FeedState>,
    /// Whether the processes table is on screen (it is then read more often).
    pub processes_shown: bool,
}

impl Collector {
    /// A collector of `feed`.
    pub fn new(feed: Feed, opts: CollectorOptions) -> Collector {
        let tree = match &opts.proc_root {
            Some(r) => TreeReader::with_root(r.clone()),
            None => TreeReader::new(),
        };
        Collector {
            feed,
            opts,
            store: None,
            frames: Vec::new(),
            done: HashMap::new(),
            reset_at: HashMap::new(),
            tree,
            processes: Vec::new(),
            processes_at: None,
            output: Vec::new(),
            output_len: None,
            finished: None,
            state: None,
            processes_shown: false,
        }
    }

    /// Marks the work as ended (the finished banner shows `why`).
    pub fn finish(&mut self, why: impl Into<String>) {
        self.finished = Some(why.into());
    }

    /// Forgets peaks, trends and sparkline history: they start again from the next row.
    pub fn reset(&mut self) {
        for f in &self.frames {
            self.reset_at.insert(f.frame.level, f.frame.rows.len());
        }
    }

    /// The frame of a level as followed so far (tests compare it with the report's).
    pub fn frame(&self, level: Level) -> Option<&PerfFrame> {
        self.frames
            .iter()
            .find(|f| f.frame.level == level)
            .map(|f| &f.frame)
    }

    /// Reads what is new and returns the snapshot of now; `cells_level` picks the level the
    /// cells table is measured at (the first sampled level when it is not sampled).
    pub fn collect(&mut self, cells_level: Option<Level>) -> Snapshot {
        let generation = self.feed.generation();
        let state = match self.state.take() {
            Some(st) if st.generation == generation => st,
            _ => self.feed.state(),
        };
        self.follow(&state);
        let stats = self.feed.sampler_stats();
        let info = state.info.clone().unwrap_or_default();
        let first = self.frames.first().map(|f| &f.frame);
        let last_time = first.and_then(|f| f.rows.last()).map(|r| r.time);
        let start = info.start_time.unwrap_or(0.0);
        let now_mono = if state.monitoring {
            jumper_core::clock::monotonic_s()
        } else {
            info.stop_time.or(last_time).unwrap_or(start)
        };
        let wallclock = first
            .and_then(|f| f.rows.last())
            .and_then(|r| r.wallclock)
            .unwrap_or(0.0);
        let header = HeaderInfo {
            target: self.opts.target.clone(),
            pid: state.root,
            mode: self.opts.mode,
            uptime_s: if info.start_time.is_some() {
                (now_mono - start).max(0.0)
            } else {
                0.0
            },
            wallclock,
            clock: crate::format::local_clock(wallclock).unwrap_or_default(),
            interval_s: info.interval,
            samples: first.map_or(0, |f| f.rows.len()),
            missed: stats.missed,
            own_cpu_s: stats.own_cpu_s,
            levels: state.levels.clone(),
            gpus: info.num_gpus,
            monitoring: state.monitoring,
        };
        let levels = self
            .frames
            .iter_mut()
            .map(|f| {
                let reset_at = self.reset_at.get(&f.frame.level).copied().unwrap_or(0);
                let from = first_reading(f.frame.rows.len(), reset_at);
                f.peaks = f.peaks.over(&f.frame.rows, from);
                level_view(&f.frame, &info, from, f.peaks)
            })
            .collect();
        let cells_level = cells_level
            .filter(|l| state.levels.contains(l))
            .or_else(|| state.levels.first().copied());
        let cells = match cells_level {
            Some(l) => self.cell_rows(&state, l),
            None => Vec::new(),
        };
        self.read_processes(state.root, info.uid);
        self.read_output();
        self.state = Some(state);
        Snapshot {
            header,
            levels,
            cells_level,
            cells,
            processes: self.processes.clone(),
            output: self.output.clone(),
            output_file: self.opts.output.as_ref().map(|p| p.display().to_string()),
            finished: self.finished.clone(),
        }
    }

    /// Copies the new samples of each level out of the store and appends their rows.
    fn follow(&mut self, state: &FeedState) {
        let Some(store) = self.feed.store() else {
            return;
        };
        let same = self.store.as_ref().is_some_and(|s| s.same_as(&store));
        if !same {
            // A new monitor (a script's %perfmonitor_stop and start): follow its store after
            // the rows of the monitors before, as the service does (the finished cells' rows
            // stay what they were; peaks and sparklines go on). First what the stopped monitor
            // sampled after the last snapshot.
            if let Some(old) = self.store.take() {
                take_new(&mut self.frames, &old);
            }
            for f in &mut self.frames {
                f.last = None;
                f.taken = 0;
                f.join = if f.frame.rows.is_empty() {
                    Join::None
                } else {
                    Join::Pending
                };
            }
            self.store = Some(store.clone());
        }
        let info = state.info.clone().unwrap_or_default();
        for &level in &state.levels {
            if !self.frames.iter().any(|f| f.frame.level == level) {
                self.frames.push(LevelFrame {
                    frame: PerfFrame::from_samples(level, info.cpus_for(level), &[]),
                    last: None,
                    taken: 0,
                    peaks: Peaks::default(),
                    join: Join::None,
                });
            }
        }
        take_new(&mut self.frames, &store);
    }

    fn cell_rows(&mut self, state: &FeedState, level: Level) -> Vec<CellRow> {
        // Borrowed, never copied: the frame grows with the run (a copy per snapshot made the
        // view's cost grow with it).
        let Some(frame) = self
            .frames
            .iter()
            .find(|f| f.frame.level == level)
            .map(|f| &f.frame)
        else {
            return Vec::new();
        };
        let info = state.info.clone().unwrap_or_default();
        let mut rows = Vec::with_capacity(state.cells.len() + 1);
        for (i, c) in state.cells.iter().enumerate() {
            let key = (level, c.cell_index);
            // A finished cell's row is final once the frame holds its end sample.
            let complete = frame.rows.last().is_some_and(|r| r.time >= c.end_time);
            if let Some(r) = self.done.get(&key) {
                rows.push(r.clone());
                continue;
            }
            let row = cell_row(
                frame,
                c,
                state.titles.get(i).map(String::as_str),
                &info,
                &state.thresholds,
                RowStatus::Done(c.status),
            );
            if complete {
                self.done.insert(key, row.clone());
            }
            rows.push(row);
        }
        if let Some(run) = &state.running {
            // The running cell measured up to the latest sample, as if it ended there.
            let end = frame.rows.last().map_or(run.start_time, |r| r.time);
            let now = CellRecord {
                end_time: end.max(run.start_time),
                duration: (end - run.start_time).max(0.0),
                ..run.clone()
            };
            rows.push(cell_row(
                frame,
                &now,
                state.running_title.as_deref(),
                &info,
                &state.thresholds,
                RowStatus::Running,
            ));
        }
        rows
    }

    fn read_processes(&mut self, root: Option<u32>, uid: u32) {
        let now = jumper_core::clock::monotonic_s();
        let every = if self.processes_shown {
            self.opts.process_every_s
        } else {
            self.opts.process_every_s * 10.0
        };
        let due = self.processes_at.is_none_or(|t| now - t >= every);
        if !due {
            return;
        }
        self.processes_at = Some(now);
        let scope = match root {
            Some(pid) if pid != 0 => Scope::Tree(pid),
            _ => Scope::User(uid),
        };
        self.processes = self.tree.read(scope, now);
    }

    fn read_output(&mut self) {
        let Some(path) = &self.opts.output else {
            return;
        };
        let Ok(mut f) = std::fs::File::open(path) else {
            return;
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if self.output_len == Some(len) {
            return;
        }
        self.output_len = Some(len);
        let from = len.saturating_sub(OUTPUT_TAIL_BYTES);
        let mut buf = Vec::new();
        if f.seek(SeekFrom::Start(from)).is_err() || f.read_to_end(&mut buf).is_err() {
            return;
        }
        self.output = tail_lines(&buf, from > 0);
    }
}

/// Copies the samples of each level that `store` took since the last call and appends their
/// rows (a row depends only on its sample and the one before).
fn take_new(frames: &mut [LevelFrame], store: &SampleStore) {
    for f in frames.iter_mut() {
        let new = store.copy_from(f.frame.level, f.taken);
        if new.is_empty() {
            continue;
        }
        f.taken += new.len();
        let level = f.frame.level;
        let cpus = f.frame.num_cpus;
        let next_last = new.last().cloned();
        // The rows of the new samples only, the last one taken before leading them.
        let (samples, from) = match f.last.take() {
            Some(prev) => {
                let mut with_prev = Vec::with_capacity(new.len() + 1);
                with_prev.push(prev);
                with_prev.extend(new);
                (with_prev, 1)
            }
            None => (new, 0),
        };
        let mut rows = PerfFrame::from_samples_from(level, cpus, &samples, from);
        if f.join == Join::Pending {
            let last = f.frame.rows.last().and_then(|r| r.raw);
            let first = rows.rows.first().and_then(|r| r.raw);
            f.join = match (last, first) {
                (Some(a), Some(b)) => {
                    Join::Offset(jumper_core::RawCounters::continuation(a, b, false))
                }
                _ => Join::None,
            };
        }
        if let Join::Offset(o) = f.join {
            for raw in rows.rows.iter_mut().filter_map(|r| r.raw.as_mut()) {
                raw.shift(o);
            }
        }
        f.frame.num_gpus = f.frame.num_gpus.max(rows.num_gpus);
        f.frame.rows.extend(rows.rows);
        f.last = next_last;
    }
}

/// The lines of an output tail as a terminal would show them: a carriage return starts the
/// line again (progress bars), other control characters are dropped, and a line cut by the
/// tail's start is left out.
pub fn tail_lines(bytes: &[u8], cut: bool) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            let l = l.rsplit('\r').find(|p| !p.is_empty()).unwrap_or("");
            l.chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect()
        })
        .collect();
    if cut && !lines.is_empty() {
        lines.remove(0);
    }
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// `title`: the cell's title where it has one (`# %% load data`), else the table shows the
/// first line of its code.
fn cell_row(
    frame: &PerfFrame,
    cell: &CellRecord,
    title: Option<&str>,
    info: &jumper_core::MonitorInfo,
    thresholds: &jumper_core::Thresholds,
    status: RowStatus,
) -> CellRow {
    let summary = Report::new(frame, std::slice::from_ref(cell), info, thresholds)
        .ok()
        .and_then(|r| r.per_cell.into_iter().next());
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .or_else(|| cell.raw_cell.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string();
    CellRow {
        index: cell.cell_index,
        status,
        title,
        duration_s: cell.duration,
        metrics: summary.as_ref().and_then(|s| s.metrics),
        tags: summary
            .map(|s| s.tags.into_iter().map(|t| t.name).collect())
            .unwrap_or_default(),
    }
}

/// The first row a level's gauges consider: the first after a reset (`r`). The first row of
/// a series has no interval before it (its rates are 0): not a reading, unless it is the only
/// row.
fn first_reading(len: usize, reset_at: usize) -> usize {
    if reset_at == 0 && len > 1 {
        1
    } else {
        reset_at.min(len)
    }
}

fn level_view(
    frame: &PerfFrame,
    info: &jumper_core::MonitorInfo,
    from: usize,
    peaks: Peaks,
) -> LevelView {
    let rows = &frame.rows[from.min(frame.rows.len())..];
    let last = rows.last();
    let recent = &rows[rows.len().saturating_sub(HISTORY_ROWS)..];
    let cpu: Vec<f64> = recent.iter().map(|r| r.cpu_util_avg).collect();
    let mem: Vec<f64> = recent.iter().map(|r| r.memory).collect();
    // Trends over about 2 s of rows (at least 3 each side; 2 × 50 < HISTORY_ROWS).
    let window = ((2.0 / info.interval.max(1e-3)).round() as usize).clamp(3, 50);
    let mem_band = mem.last().copied().unwrap_or(0.0) * 0.01 + 1e-3;
    LevelView {
        level: frame.level,
        cpus: frame.num_cpus,
        cpu: last.map_or(0.0, |r| r.cpu_util_avg),
        per_core: match (frame.level, last) {
            (Level::System, Some(r)) => r.cpu_util.clone(),
            _ => Vec::new(),
        },
        memory_gib: last.map_or(0.0, |r| r.memory),
        memory_limit_gib: info.memory_limit(frame.level),
        read_bps: last.map_or(0.0, |r| r.io_read),
        write_bps: last.map_or(0.0, |r| r.io_write),
        gpus: last
            .map(|r| {
                r.gpu_util
                    .iter()
                    .zip(&r.gpu_mem)
                    .map(|(u, m)| (*u, *m))
                    .collect()
            })
            .unwrap_or_default(),
        cpu_peak: peaks.cpu,
        memory_peak_gib: peaks.memory,
        cpu_trend: Trend::of(&cpu, window, 2.0),
        memory_trend: Trend::of(&mem, window, mem_band),
        cpu_history: cpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_core::{CellStatus, Cells, Gpus, PerfmonitorService};

    fn burn(ms: u64) {
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed().as_millis() < u128::from(ms) {
            x = x.wrapping_mul(31).wrapping_add(7);
            std::hint::black_box(x);
        }
    }

    /// A service monitoring this process and the system at 0.02 s.
    fn monitoring() -> PerfmonitorService {
        let mut service = PerfmonitorService::builder()
            .interval(0.02)
            .levels(vec![Level::Process, Level::System])
            .gpu(Gpus::None)
            .build()
            .unwrap();
        service.start_monitoring().unwrap();
        service
    }

    #[test]
    fn cell_rows_equal_the_report_and_the_frame_equals_the_services() {
        let mut service = monitoring();
        let feed = service.feed();
        let mut c = Collector::new(
            feed,
            CollectorOptions {
                target: "test".into(),
                ..Default::default()
            },
        );
        service.begin_cell("burn()", Vec::new()).unwrap();
        burn(150);
        // Mid-cell: the running cell has a row that grows.
        let mid = c.collect(Some(Level::Process));
        assert_eq!(mid.cells.len(), 1);
        assert_eq!(mid.cells[0].status, RowStatus::Running);
        assert!(mid.cells[0].duration_s > 0.0);
        service.end_cell(CellStatus::Ok, None).unwrap();
        // A titled cell (a script's `# %% nap`) shows its title, running and done.
        service
            .begin_titled_cell("nap", "import time\ntime.sleep(0.08)", Vec::new())
            .unwrap();
        assert_eq!(c.collect(Some(Level::Process)).cells[1].title, "nap");
        std::thread::sleep(std::time::Duration::from_millis(80));
        service
            .end_cell(CellStatus::Failed, Some("boom".into()))
            .unwrap();
        let snap = c.collect(Some(Level::Process));
        // `l` measures the cells table at another level: the system report's rows.
        let at_system = c.collect(Some(Level::System));
        service.stop_monitoring().unwrap();
        assert_eq!(at_system.cells_level, Some(Level::System));
        let sys_report = service.report(Cells::All, Level::System).unwrap();
        let got: Vec<_> = at_system.cells.iter().map(|r| r.metrics).collect();
        let want: Vec<_> = sys_report.per_cell.iter().map(|r| r.metrics).collect();
        assert_eq!(got, want);
        let report = service.report(Cells::All, Level::Process).unwrap();
        assert_eq!(snap.cells.len(), 2);
        for (row, want) in snap.cells.iter().zip(&report.per_cell) {
            assert_eq!(row.index, want.cell_index);
            assert_eq!(row.metrics, want.metrics, "cell {}", row.index);
            assert_eq!(row.duration_s, want.duration_s);
        }
        assert_eq!(snap.cells[1].status, RowStatus::Done(CellStatus::Failed));
        assert_eq!(snap.cells[0].title, "burn()");
        assert_eq!(snap.cells[1].title, "nap");
        // The incrementally followed frame is the frame of all samples, up to the last
        // sample the collector saw.
        let full = service.frame(Level::Process).unwrap();
        let mine = c.frame(Level::Process).unwrap();
        assert!(!mine.rows.is_empty());
        assert_eq!(mine.rows[..], full.rows[..mine.rows.len()]);
        assert_eq!(snap.header.target, "test");
        assert!(snap.header.samples >= 2);
        let sys = snap
            .levels
            .iter()
            .find(|l| l.level == Level::System)
            .unwrap();
        assert!(!sys.per_core.is_empty());
        let p = snap
            .levels
            .iter()
            .find(|l| l.level == Level::Process)
            .unwrap();
        assert!(p.memory_gib > 0.0 && p.cpu_peak > 0.0, "{p:?}");
    }

    #[test]
    fn gpus_come_from_the_samples_and_show_in_the_details_line() {
        use jumper_core::gpu::{FakeGpu, GpuDevice, GpuDeviceSample};
        let fake = FakeGpu::new(vec![GpuDevice {
            name: "Fake H200".into(),
            memory_total: 141 << 30,
            uuid: "GPU-fake-0".into(),
        }]);
        fake.set(vec![GpuDeviceSample {
            util: 73.0,
            mem_util: 20.0,
            used_memory: 2 << 30,
            processes: Vec::new(),
        }]);
        let mut service = PerfmonitorService::builder()
            .interval(0.02)
            .levels(vec![Level::System])
            .gpu(Gpus::Backend(Box::new(fake)))
            .build()
            .unwrap();
        service.start_monitoring().unwrap();
        let mut c = Collector::new(service.feed(), CollectorOptions::default());
        // The GPU poller answers within its own interval; wait for a sample that has it.
        let mut snap = c.collect(None);
        for _ in 0..200 {
            if snap
                .levels
                .first()
                .is_some_and(|l| !l.gpus.is_empty() && l.gpus[0].0 > 0.0)
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            snap = c.collect(None);
        }
        service.stop_monitoring().unwrap();
        assert_eq!(snap.header.gpus, 1);
        let sys = &snap.levels[0];
        assert_eq!(sys.gpus, vec![(73.0, 2.0)]);
        let mut d = crate::MockDisplay::new(120, 30);
        let mut st = crate::ViewState::new(Mode::Run, 10, false);
        crate::Display::draw(&mut d, &mut |f| crate::ui::draw(f, &snap, &mut st)).unwrap();
        assert!(d.contains("gpu0 73% 2.00G"), "{}", d.text());
        assert!(d.contains("GPUs 1"), "{}", d.text());
    }

    #[test]
    fn reset_forgets_peaks_and_history() {
        let mut service = PerfmonitorService::builder()
            .interval(0.02)
            .levels(vec![Level::Process])
            .gpu(Gpus::None)
            .build()
            .unwrap();
        service.start_monitoring().unwrap();
        let mut c = Collector::new(service.feed(), CollectorOptions::default());
        burn(120);
        let before = c.collect(None);
        assert!(before.levels[0].cpu_history.len() >= 2);
        c.reset();
        let after = c.collect(None);
        assert!(after.levels[0].cpu_history.len() < before.levels[0].cpu_history.len());
        service.stop_monitoring().unwrap();
    }

    #[test]
    fn output_tail_is_what_a_terminal_shows() {
        assert_eq!(
            tail_lines(b"one\ntwo\r\n50%\r100%\nlast", false),
            vec!["one", "two", "100%", "last"]
        );
        assert_eq!(tail_lines(b"cut line\nwhole\n", true), vec!["whole"]);
        assert_eq!(tail_lines(b"a\x1b[31mred\n", false), vec!["a[31mred"]);
    }

    /// A script that stops and starts monitoring (`%perfmonitor_stop`, `%perfmonitor_start`):
    /// the view follows the new monitor after the rows of the one before, as the service
    /// joins them, so the frame, every cell's row and the peaks equal the reports'.
    #[test]
    fn a_monitoring_restart_continues_the_rows_before_it() {
        let mut service = monitoring();
        let mut c = Collector::new(service.feed(), CollectorOptions::default());
        service.begin_cell("first()", Vec::new()).unwrap();
        burn(120);
        service.end_cell(CellStatus::Ok, None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(40));
        let before = c.collect(Some(Level::Process));
        service.stop_monitoring().unwrap();
        service.start_monitoring().unwrap();
        let after_restart = c.collect(Some(Level::Process));
        assert_eq!(
            after_restart.cells[0], before.cells[0],
            "a finished cell's row stays"
        );
        service.begin_cell("second()", Vec::new()).unwrap();
        burn(80);
        service.end_cell(CellStatus::Ok, None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(40));
        let snap = c.collect(Some(Level::Process));
        service.stop_monitoring().unwrap();
        let report = service.report(Cells::All, Level::Process).unwrap();
        assert_eq!(snap.cells.len(), 2);
        for (row, want) in snap.cells.iter().zip(&report.per_cell) {
            assert!(row.metrics.is_some(), "cell {} has numbers", row.index);
            assert_eq!(row.metrics, want.metrics, "cell {}", row.index);
        }
        let full = service.frame(Level::Process).unwrap();
        let mine = c.frame(Level::Process).unwrap();
        assert!(mine.rows.len() > before.header.samples);
        assert_eq!(mine.rows[..], full.rows[..mine.rows.len()]);
        let p = snap
            .levels
            .iter()
            .find(|l| l.level == Level::Process)
            .unwrap();
        // The peaks go on over both monitors' rows.
        let peak = full.rows[1..mine.rows.len()]
            .iter()
            .map(|r| r.cpu_util_avg)
            .fold(0.0, f64::max);
        assert_eq!(p.cpu_peak, peak);
        assert!(peak > 0.0);
    }

    /// The peaks kept up row by row are the peaks of a scan of every row, as rows arrive, the
    /// first row stops being the only one, and a reset moves the start.
    #[test]
    fn peaks_kept_up_equal_a_scan_of_the_rows() {
        let samples = jumper_data::test_support::synthetic_samples(300, 0.1, 2, 0, 5);
        let all = PerfFrame::from_samples(Level::System, 2, &samples);
        let scan = |rows: &[jumper_core::PerfRow], from: usize| {
            let r = &rows[from.min(rows.len())..];
            (
                r.iter().map(|r| r.cpu_util_avg).fold(0.0, f64::max),
                r.iter().map(|r| r.memory).fold(0.0, f64::max),
            )
        };
        let mut peaks = Peaks::default();
        let mut reset_at = 0;
        for len in [1, 2, 3, 50, 51, 120, 200, 300] {
            if len == 200 {
                reset_at = 150;
            }
            let rows = &all.rows[..len];
            let from = first_reading(len, reset_at);
            peaks = peaks.over(rows, from);
            assert_eq!((peaks.cpu, peaks.memory), scan(rows, from), "{len} rows");
        }
        assert_eq!(first_reading(1, 0), 0, "the only row is a reading");
        assert_eq!(first_reading(2, 0), 1);
    }
}
