//! The view as a user sees it: every widget drawn into ratatui's test backend at several
//! sizes (the minimum and below included) with known data, and keys driven through the mock
//! display.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use jumper_core::tree::ProcessRow;
use jumper_core::{CellMetrics, CellStatus, Level};
use jumper_live::snapshot::{CellRow, HeaderInfo, LevelView, Mode, RowStatus, Snapshot};
use jumper_live::ui::{MIN_HEIGHT, MIN_WIDTH};
use jumper_live::{Control, Display, Key, MockDisplay, Outcome, Source, Trend, View, ViewState};

fn metrics(cpu: f64, cpu_s: f64, mem: f64, io: f64) -> CellMetrics {
    CellMetrics {
        cpu_util_avg: cpu,
        cpu_util_max: cpu,
        cpu_time_s: cpu_s,
        memory_peak_gib: mem,
        io_read_mib: io,
        io_write_mib: 0.5,
        gpu_util_avg: None,
        gpu_mem_peak_gib: None,
    }
}

fn level(l: Level, cpu: f64) -> LevelView {
    LevelView {
        level: l,
        cpus: 2,
        cpu,
        per_core: if l == Level::System {
            vec![12.0, 98.0]
        } else {
            Vec::new()
        },
        cpu_history: vec![0.0, 50.0, 100.0, cpu],
        memory_gib: 1.5,
        memory_limit_gib: Some(8.0),
        read_bps: 2048.0,
        write_bps: 0.0,
        gpus: Vec::new(),
        cpu_peak: 100.0,
        memory_peak_gib: 1.75,
        cpu_trend: Trend::Rising,
        memory_trend: Trend::Steady,
    }
}

fn cell(i: usize, status: RowStatus, title: &str, dur: f64, m: Option<CellMetrics>) -> CellRow {
    CellRow {
        index: i,
        status,
        title: title.into(),
        duration_s: dur,
        metrics: m,
        tags: if i == 1 {
            vec!["cpu-bound".into()]
        } else {
            Vec::new()
        },
    }
}

fn proc_row(pid: u32, cmd: &str, cpu: f64, rss: u64) -> ProcessRow {
    ProcessRow {
        pid,
        ppid: 1,
        command: cmd.into(),
        cpu_pct: cpu,
        cpu_s: cpu / 10.0,
        rss_bytes: rss,
        read_bps: Some(0.0),
        write_bps: Some(1024.0),
        age_s: 65.0,
    }
}

fn known() -> Snapshot {
    Snapshot {
        header: HeaderInfo {
            target: "python3 train.py".into(),
            pid: Some(4242),
            mode: Mode::Run,
            uptime_s: 125.0,
            wallclock: 3661.0,
            clock: String::new(),
            interval_s: 0.1,
            samples: 1250,
            missed: 0,
            own_cpu_s: 0.5,
            levels: vec![Level::Process, Level::User, Level::System],
            gpus: 0,
            monitoring: true,
        },
        levels: vec![
            level(Level::Process, 52.5),
            level(Level::User, 60.0),
            level(Level::System, 55.0),
        ],
        cells_level: Some(Level::Process),
        cells: vec![
            cell(
                0,
                RowStatus::Done(CellStatus::Ok),
                "import numpy",
                0.5,
                Some(metrics(10.0, 0.1, 0.2, 3.0)),
            ),
            cell(
                1,
                RowStatus::Done(CellStatus::Failed),
                "train()",
                30.0,
                Some(metrics(99.0, 59.4, 1.5, 0.0)),
            ),
            cell(
                2,
                RowStatus::Running,
                "evaluate()",
                2.0,
                Some(metrics(45.0, 1.8, 0.7, 1.0)),
            ),
        ],
        processes: vec![
            proc_row(4242, "python3 train.py", 98.0, 500 << 20),
            proc_row(4250, "python3 -c worker", 5.0, 50 << 20),
            proc_row(4251, "sleep 100", 0.0, 1 << 20),
        ],
        output: vec!["epoch 1 loss 0.5".into(), "epoch 2 loss 0.25".into()],
        output_file: Some("out.log".into()),
        finished: None,
    }
}

fn draw(d: &mut MockDisplay, snap: &Snapshot, state: &mut ViewState) {
    d.draw(&mut |f| jumper_live::ui::draw(f, snap, state))
        .unwrap();
}

fn line_with<'a>(lines: &'a [String], needle: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", lines.join("\n")))
}

#[test]
fn header_shows_target_pid_times_rates_and_cost() {
    for (w, h) in [(160, 40), (100, 30), (MIN_WIDTH, MIN_HEIGHT)] {
        let mut d = MockDisplay::new(w, h);
        let mut st = ViewState::new(Mode::Run, 10, false);
        draw(&mut d, &known(), &mut st);
        let lines = d.lines();
        assert!(
            lines[0].starts_with("jumper live · run · python3 train.py"),
            "{w}x{h}: {}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("PID 4242 │ Uptime 2m05s"),
            "{w}x{h}: {}",
            lines[1]
        );
        assert!(lines[2].contains("Samples 1250 │ missed 0"), "{}", lines[2]);
        if w >= 100 {
            assert!(
                lines[1].contains("Time 01:01:01 UTC │ Interval 0.1s │ Display 10Hz"),
                "{}",
                lines[1]
            );
            // 0.5 s of sampler CPU over 125 s: 0.40 % of a core.
            assert!(lines[2].contains("0.40% of a core"), "{}", lines[2]);
        }
        // Parts that do not fit are dropped whole, never cut.
        assert!(lines[1].chars().count() <= w as usize);
        assert!(!lines[1].ends_with('│'));
    }
}

#[test]
fn gauges_show_each_level_with_bar_trend_sparkline_memory_and_io() {
    let mut d = MockDisplay::new(140, 40);
    let mut st = ViewState::new(Mode::Run, 10, false);
    draw(&mut d, &known(), &mut st);
    let lines = d.lines();
    let p = line_with(&lines, "▸process");
    assert!(p.contains("CPU  52.5%↑ █████░░░░░"), "{p}");
    // Sparkline of [0, 50, 100, 52.5]: lowest, middle, full, middle.
    assert!(p.contains("▁▅█▅"), "{p}");
    assert!(p.contains("mem 1.50G/8.00G→"), "{p}");
    assert!(p.contains("io r 2.0K/s w 0B/s"), "{p}");
    assert!(line_with(&lines, " user").contains("CPU  60.0%"));
    // The details line of the selected level.
    assert!(
        line_with(&lines, "peak CPU").contains("process peak CPU 100.0% · peak mem 1.75G · 2 CPUs")
    );
    // `l` selects the next level; at system level the details show the cores.
    st.handle(Key::Char('l'), Some(&known()));
    st.handle(Key::Char('l'), Some(&known()));
    draw(&mut d, &known(), &mut st);
    let lines = d.lines();
    assert!(line_with(&lines, "▸system").contains("CPU  55.0%"));
    assert!(line_with(&lines, "peak CPU").contains("cores 0:12% 1:98%"));
    // Narrow: memory and I/O go before the bar does.
    let mut d = MockDisplay::new(MIN_WIDTH, MIN_HEIGHT);
    let mut st = ViewState::new(Mode::Run, 10, false);
    draw(&mut d, &known(), &mut st);
    let p = line_with(&d.lines(), "▸process").to_string();
    assert!(p.contains("52.5%↑ █████░░░░░"), "{p}");
    assert!(!p.contains("io r"), "{p}");
}

#[test]
fn cells_table_shows_rows_and_drops_columns_by_width() {
    let mut d = MockDisplay::new(140, 40);
    let mut st = ViewState::new(Mode::Run, 10, false);
    draw(&mut d, &known(), &mut st);
    let lines = d.lines();
    let head = line_with(&lines, "status");
    for c in [
        "cell▼",
        "time",
        "cpu%",
        "cpu s",
        "peak mem",
        "io r/w MiB",
        "tags",
        "code",
    ] {
        assert!(head.contains(c), "{c} missing: {head}");
    }
    let failed = line_with(&lines, "train()");
    assert!(failed.contains("failed"), "{failed}");
    assert!(
        failed.contains("30.0s") && failed.contains("99.0") && failed.contains("59.40"),
        "{failed}"
    );
    assert!(
        failed.contains("1.50G") && failed.contains("cpu-bound"),
        "{failed}"
    );
    assert!(line_with(&lines, "evaluate()").contains("running"));
    assert!(line_with(&lines, "import numpy").contains("3.0/0.5"));
    assert!(line_with(&lines, "Cells (3)").contains("Processes (3)"));
    // At 80 columns the tags and I/O go; at the minimum the CPU time stays, memory goes.
    let mut d = MockDisplay::new(80, 30);
    draw(&mut d, &known(), &mut st);
    let head = line_with(&d.lines(), "status").to_string();
    assert!(
        head.contains("peak mem") && !head.contains("tags") && !head.contains("io r/w"),
        "{head}"
    );
    let mut d = MockDisplay::new(MIN_WIDTH, MIN_HEIGHT);
    draw(&mut d, &known(), &mut st);
    let lines = d.lines();
    let head = line_with(&lines, "status");
    assert!(
        head.contains("cpu s") && !head.contains("peak mem"),
        "{head}"
    );
    assert!(line_with(&lines, "train()").contains("failed"));
}

#[test]
fn processes_table_shows_the_tree() {
    let mut d = MockDisplay::new(120, 40);
    let mut st = ViewState::new(Mode::Run, 10, false);
    st.handle(Key::Tab, None);
    draw(&mut d, &known(), &mut st);
    let lines = d.lines();
    let head = line_with(&lines, "command");
    for c in ["pid", "cpu%▼", "cpu s", "rss", "io r/w", "age"] {
        assert!(head.contains(c), "{c}: {head}");
    }
    let p = line_with(&lines, "98.0");
    assert!(
        p.contains("python3 train.py")
            && p.contains("4242")
            && p.contains("98.0")
            && p.contains("500.0M")
            && p.contains("1m05s"),
        "{p}"
    );
    assert!(p.contains("0B 1.0K/s"), "{p}");
    // Sorted by CPU: the busiest first.
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
    assert!(at("train.py") < at("worker") && at("worker") < at("sleep 100"));
    let mut d = MockDisplay::new(MIN_WIDTH, MIN_HEIGHT);
    draw(&mut d, &known(), &mut st);
    let head = line_with(&d.lines(), "command").to_string();
    assert!(
        !head.contains("age") && !head.contains("io r/w") && head.contains("rss"),
        "{head}"
    );
}

#[test]
fn output_pane_footer_banner_and_help() {
    let mut d = MockDisplay::new(100, 40);
    let mut st = ViewState::new(Mode::Run, 10, false);
    let mut snap = known();
    draw(&mut d, &snap, &mut st);
    let lines = d.lines();
    assert!(line_with(&lines, "output (all of it in out.log)").starts_with("─ output"));
    assert!(lines.iter().any(|l| l == "epoch 2 loss 0.25"));
    assert!(line_with(&lines, "q quit").contains("tab table"));
    assert!(line_with(&lines, "Sort: cell").contains("Table: cells"));
    assert!(!d.contains("FINISHED"));
    snap.finished = Some("exit 0".into());
    draw(&mut d, &snap, &mut st);
    assert!(d.contains("✓ FINISHED (exit 0) - final numbers below - press q to quit"));
    assert!(d.contains("[FINISHED - press q to quit]"));
    st.handle(Key::Char('?'), Some(&snap));
    draw(&mut d, &snap, &mut st);
    assert!(d.contains("Interactive commands") && d.contains("reset peaks and trends"));
    // Any key closes the help.
    assert_eq!(
        st.handle(Key::Char('x'), Some(&snap)),
        jumper_live::Effect::Redraw
    );
    draw(&mut d, &snap, &mut st);
    assert!(!d.contains("Interactive commands"));
}

#[test]
fn below_the_minimum_says_what_is_needed() {
    for (w, h) in [
        (MIN_WIDTH - 1, MIN_HEIGHT),
        (MIN_WIDTH, MIN_HEIGHT - 1),
        (30, 5),
    ] {
        let mut d = MockDisplay::new(w, h);
        let mut st = ViewState::new(Mode::Run, 10, false);
        draw(&mut d, &known(), &mut st);
        let text: String = d
            .lines()
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&format!(
                "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {w}×{h})"
            )),
            "{w}x{h}: {text}"
        );
        assert!(!d.contains("Cells ("));
    }
    // At the minimum the whole view is drawn.
    let mut d = MockDisplay::new(MIN_WIDTH, MIN_HEIGHT);
    let mut st = ViewState::new(Mode::Run, 10, false);
    draw(&mut d, &known(), &mut st);
    assert!(d.contains("Cells (3)") && d.contains("q quit") && !d.contains("too small"));
}

/// A source whose store grows by one process row per snapshot.
struct Growing {
    base: Snapshot,
    taken: usize,
    resets: usize,
    finished: Option<String>,
}

impl Source for Growing {
    fn snapshot(&mut self, _: Option<Level>) -> Snapshot {
        self.taken += 1;
        let mut s = self.base.clone();
        s.header.samples = self.taken;
        s.finished = self.finished.clone();
        s
    }
    fn reset(&mut self) {
        self.resets += 1;
    }
    fn finish(&mut self, why: &str) {
        self.finished = Some(why.into());
    }
}

fn view(w: u16, h: u16) -> View<MockDisplay, Growing> {
    let src = Growing {
        base: known(),
        taken: 0,
        resets: 0,
        finished: None,
    };
    // 30 Hz so every step in a loop of a few is a frame.
    View::new(
        MockDisplay::new(w, h),
        src,
        ViewState::new(Mode::Run, 30, false),
        Control::new(),
    )
}

fn run_keys(v: &mut View<MockDisplay, Growing>, keys: &[Key]) -> Option<Outcome> {
    v.display.keys(keys.iter().copied());
    while v.display.pending() > 0 {
        if let Some(o) = v.step().unwrap() {
            return Some(o);
        }
    }
    None
}

fn order(v: &View<MockDisplay, Growing>, names: &[&str]) -> Vec<usize> {
    let lines = v.display.lines();
    names
        .iter()
        .map(|n| {
            lines
                .iter()
                .position(|l| l.contains(n))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

#[test]
fn sort_keys_change_the_order() {
    let mut v = view(140, 40);
    run_keys(&mut v, &[Key::Char('r')]);
    let cells = ["import numpy", "train()", "evaluate()"];
    let o = order(&v, &cells);
    assert!(o[0] < o[1] && o[1] < o[2], "by index: {o:?}");
    // s: by duration, descending: train (30 s), evaluate (2 s), import (0.5 s).
    run_keys(&mut v, &[Key::Char('s')]);
    assert!(v.display.contains("Sort: duration") && v.display.contains("time▼"));
    let o = order(&v, &cells);
    assert!(o[1] < o[2] && o[2] < o[0], "by duration: {o:?}");
    // S goes back to the index order.
    run_keys(&mut v, &[Key::Char('S')]);
    let o = order(&v, &cells);
    assert!(o[0] < o[1] && o[1] < o[2], "{o:?}");
    // Processes: s from cpu goes to cpu time, S twice to pid.
    run_keys(&mut v, &[Key::Tab, Key::Char('S')]);
    assert!(v.display.contains("Sort: pid"));
    let o = order(&v, &["4242", "4250", "4251"]);
    assert!(o[0] < o[1] && o[1] < o[2], "{o:?}");
    assert_eq!(v.source.resets, 1, "r reset peaks and trends once");
}

#[test]
fn pause_freezes_the_screen_while_the_store_grows() {
    let mut v = view(100, 30);
    run_keys(&mut v, &[Key::Char('x')]);
    let before = v.source.taken;
    run_keys(&mut v, &[Key::Char('p')]);
    let shown = v.shown().unwrap().header.samples;
    assert!(v.display.contains("[PAUSED]"), "the pause shows at once");
    // Frames are due, the source grows, the screen does not move.
    for _ in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(40));
        v.source.taken += 1; // the store grows
        v.step().unwrap();
    }
    assert_eq!(v.shown().unwrap().header.samples, shown);
    assert!(v.display.contains(&format!("Samples {shown} ")));
    // Keys still work while paused: sort and filter apply to the frozen data.
    run_keys(
        &mut v,
        &[Key::Char('/'), Key::Char('t'), Key::Char('r'), Key::Enter],
    );
    assert!(v.display.contains("[Filter: tr (Esc clears)]"));
    assert!(v.display.contains("train()") && !v.display.contains("import numpy"));
    run_keys(&mut v, &[Key::Char('p')]);
    assert!(!v.display.contains("[PAUSED]"));
    std::thread::sleep(std::time::Duration::from_millis(40));
    v.step().unwrap();
    assert!(v.source.taken > before + 5);
    assert!(v.shown().unwrap().header.samples > shown);
}

#[test]
fn filter_narrows_rows_and_esc_clears_it() {
    let mut v = view(100, 30);
    run_keys(&mut v, &[Key::Char('/'), Key::Char('E'), Key::Char('v')]);
    assert!(
        v.display.contains("Filter: Ev_"),
        "the prompt shows while typing"
    );
    run_keys(&mut v, &[Key::Enter]);
    assert!(v.display.contains("evaluate()"));
    assert!(!v.display.contains("train()") && !v.display.contains("import numpy"));
    // Status words match too.
    run_keys(
        &mut v,
        &[
            Key::Char('/'),
            Key::Backspace,
            Key::Backspace,
            Key::Char('f'),
            Key::Char('a'),
            Key::Char('i'),
            Key::Char('l'),
            Key::Enter,
        ],
    );
    assert!(v.display.contains("train()") && !v.display.contains("evaluate()"));
    run_keys(&mut v, &[Key::Esc]);
    assert!(v.display.contains("train()") && v.display.contains("evaluate()"));
    // In the processes table the filter matches commands.
    run_keys(
        &mut v,
        &[
            Key::Tab,
            Key::Char('/'),
            Key::Char('s'),
            Key::Char('l'),
            Key::Enter,
        ],
    );
    assert!(v.display.contains("sleep 100") && !v.display.contains("worker"));
}

#[test]
fn help_toggles_and_quit_semantics() {
    let mut v = view(100, 30);
    assert_eq!(run_keys(&mut v, &[Key::Char('h')]), None);
    assert!(v.display.contains("Interactive commands"));
    assert_eq!(run_keys(&mut v, &[Key::Char('h')]), None);
    assert!(!v.display.contains("Interactive commands"));
    // q while the help shows closes the help and quits (as CPython's view).
    let control = Control::new();
    let mut v2 = View::new(
        MockDisplay::new(100, 30),
        Growing {
            base: known(),
            taken: 0,
            resets: 0,
            finished: None,
        },
        ViewState::new(Mode::Run, 30, false),
        control.clone(),
    );
    assert!(!control.is_closed());
    assert_eq!(
        run_keys(&mut v2, &[Key::Char('?'), Key::Char('q')]),
        Some(Outcome::Quit)
    );
    assert!(control.is_closed());
    // Ctrl-C interrupts, even while typing a filter.
    let mut v3 = view(100, 30);
    assert_eq!(
        run_keys(&mut v3, &[Key::Char('/'), Key::CtrlC]),
        Some(Outcome::Interrupt)
    );
}

#[test]
fn finished_keeps_the_view_until_q() {
    let control = Control::new();
    let mut v = View::new(
        MockDisplay::new(100, 30),
        Growing {
            base: known(),
            taken: 0,
            resets: 0,
            finished: None,
        },
        ViewState::new(Mode::Replay, 30, false),
        control.clone(),
    );
    run_keys(&mut v, &[Key::Char('x')]);
    control.finish("3 cells, 1 failed");
    v.step().unwrap();
    assert!(v.display.contains("✓ FINISHED (3 cells, 1 failed)"));
    // Sorting still works after the end; only q ends the view.
    assert_eq!(
        run_keys(&mut v, &[Key::Char('s'), Key::Char('p'), Key::Char('p')]),
        None
    );
    assert!(v.display.contains("Sort: duration") && v.display.contains("FINISHED"));
    assert_eq!(run_keys(&mut v, &[Key::Char('q')]), Some(Outcome::Quit));
}

#[test]
fn resizing_redraws_at_once_and_scrolling_pages() {
    let mut v = view(100, 30);
    let mut many = known();
    many.cells = (0..100)
        .map(|i| {
            cell(
                i,
                RowStatus::Done(CellStatus::Ok),
                &format!("step {i:03}"),
                1.0,
                None,
            )
        })
        .collect();
    v.source.base = many;
    run_keys(&mut v, &[Key::Char('x')]);
    assert!(v.display.contains("step 000"));
    let draws = v.display.draws;
    v.display.resize(50, 10);
    v.step().unwrap();
    assert!(v.display.draws > draws);
    assert!(v.display.contains("terminal too small"));
    v.display.resize(100, 30);
    v.step().unwrap();
    run_keys(&mut v, &[Key::End]);
    assert!(v.display.contains("step 099") && !v.display.contains("step 000"));
    run_keys(&mut v, &[Key::Home]);
    assert!(v.display.contains("step 000"));
    run_keys(&mut v, &[Key::PageDown]);
    assert!(!v.display.contains("step 000"));
    let page = v.state.page;
    assert!(
        v.display.contains(&format!("step {page:03}")),
        "page {page}"
    );
    run_keys(&mut v, &[Key::Down, Key::Up, Key::PageUp]);
    assert!(v.display.contains("step 000"));
}

#[test]
fn refresh_keys_show_in_the_header() {
    let mut v = view(120, 30);
    run_keys(&mut v, &[Key::Char('-')]);
    assert!(v.display.contains("Display 25Hz"));
    run_keys(&mut v, &[Key::Char('+'), Key::Char('+')]);
    assert!(v.display.contains("Display 30Hz"), "30 Hz is the most");
}

/// A terminal that hangs in the middle of a frame until released.
struct FrozenTerminal {
    entered: std::sync::Arc<std::sync::atomic::AtomicBool>,
    release: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl Display for FrozenTerminal {
    fn draw(
        &mut self,
        _render: &mut dyn FnMut(&mut ratatui::Frame),
    ) -> Result<(), jumper_live::LiveError> {
        self.entered
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (lock, cv) = &*self.release;
        let mut go = lock.lock().unwrap();
        while !*go {
            go = cv.wait(go).unwrap();
        }
        Ok(())
    }
    fn poll(
        &mut self,
        _: std::time::Duration,
    ) -> Result<Option<jumper_live::Input>, jumper_live::LiveError> {
        Ok(None)
    }
    fn colors(&self) -> bool {
        false
    }
}

#[test]
fn a_frozen_terminal_never_stops_the_sampler() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Condvar, Mutex};
    let mut service = jumper_core::PerfmonitorService::builder()
        .interval(0.02)
        .levels(vec![Level::Process, Level::System])
        .gpu(jumper_core::Gpus::None)
        .build()
        .unwrap();
    service.start_monitoring().unwrap();
    let feed = service.feed();
    let entered = Arc::new(AtomicBool::new(false));
    let release = Arc::new((Mutex::new(false), Condvar::new()));
    let control = Control::new();
    let view = {
        let (feed, entered, release, control) = (
            feed.clone(),
            entered.clone(),
            release.clone(),
            control.clone(),
        );
        std::thread::spawn(move || {
            let display = FrozenTerminal { entered, release };
            let collector = jumper_live::Collector::new(feed, Default::default());
            let mut v = View::new(
                display,
                collector,
                ViewState::new(Mode::Run, 30, false),
                control,
            );
            v.run()
        })
    };
    while !entered.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    // The view is stuck in a frame; the sampler goes on filling the store.
    let store = feed.store().unwrap();
    let before = store.len(Level::Process);
    let ticks = feed.sampler_stats().ticks;
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(
        store.len(Level::Process) >= before + 3,
        "{} samples after {before}",
        store.len(Level::Process)
    );
    assert!(feed.sampler_stats().ticks >= ticks + 3);
    let (lock, cv) = &*release;
    *lock.lock().unwrap() = true;
    cv.notify_all();
    control.stop();
    assert_eq!(view.join().unwrap().unwrap(), Outcome::Quit);
    service.stop_monitoring().unwrap();
}
