//! The view's own state (tab, sort, filter, pause, help, level, refresh, scroll) and what
//! each key does to it. Pure: no terminal, no store.

use jumper_core::Level;

use crate::snapshot::{CellRow, Mode, Snapshot};
use jumper_core::tree::ProcessRow;

/// A key, as the view understands it (the display translates its terminal's events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Ctrl-C.
    CtrlC,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
}

/// What a key asks of the loop besides the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: the key is unknown here.
    None,
    /// The state changed: draw again now.
    Redraw,
    /// Forget peaks and trends (the collector's part of `r`), then draw.
    Reset,
    /// Close the view (for run and replay the work goes on).
    Quit,
    /// Close the view and interrupt the work (Ctrl-C).
    Interrupt,
}

/// The two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// The cells table.
    #[default]
    Cells,
    /// The processes table.
    Processes,
}

/// Columns the cells table sorts by (in column order).
pub const CELL_SORTS: [&str; 7] = [
    "cell", "duration", "cpu", "cpu time", "memory", "io", "status",
];
/// Columns the processes table sorts by (in column order).
pub const PROCESS_SORTS: [&str; 6] = ["pid", "cpu", "cpu time", "rss", "io", "age"];

/// Display refresh rates `+`/`-` step through (Hz).
pub const REFRESH_STEPS: [u32; 8] = [1, 2, 5, 10, 15, 20, 25, 30];
/// Lowest and highest refresh rate.
pub const REFRESH_RANGE: (u32, u32) = (1, 30);

/// The view's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewState {
    /// The table shown.
    pub tab: Tab,
    /// Sort column of the cells table (index into [`CELL_SORTS`]).
    pub cell_sort: usize,
    /// Sort column of the processes table (index into [`PROCESS_SORTS`]).
    pub process_sort: usize,
    /// Whether the display is paused (sampling goes on).
    pub paused: bool,
    /// The snapshot shown while paused.
    pub frozen: Option<Box<Snapshot>>,
    /// The filter in force (case-insensitive substring).
    pub filter: Option<String>,
    /// The filter being typed, while `/` is open.
    pub typing: Option<String>,
    /// Whether the help overlay shows.
    pub help: bool,
    /// Position of the selected level in the snapshot's levels.
    pub level: usize,
    /// Display refresh rate in Hz.
    pub refresh_hz: u32,
    /// First table row shown.
    pub scroll: usize,
    /// Table rows that fit (set by the last draw; paging uses it).
    pub page: usize,
    /// The view's mode (what `q` means).
    pub mode: Mode,
    /// Whether colour is used.
    pub color: bool,
}

impl ViewState {
    /// The state at start: cells tab (processes for `watch`), refresh `hz`.
    pub fn new(mode: Mode, hz: u32, color: bool) -> ViewState {
        ViewState {
            tab: if mode == Mode::Watch {
                Tab::Processes
            } else {
                Tab::Cells
            },
            cell_sort: 0,
            process_sort: 1,
            paused: false,
            frozen: None,
            filter: None,
            typing: None,
            help: false,
            level: 0,
            refresh_hz: hz.clamp(REFRESH_RANGE.0, REFRESH_RANGE.1),
            scroll: 0,
            page: 10,
            mode,
            color,
        }
    }

    /// Applies a key. `current` is the snapshot now (pausing freezes it).
    pub fn handle(&mut self, key: Key, current: Option<&Snapshot>) -> Effect {
        if let Some(buf) = self.typing.as_mut() {
            // While the filter is typed, every key goes to it.
            match key {
                Key::Char(c) if !c.is_control() => buf.push(c),
                Key::Backspace => {
                    buf.pop();
                }
                Key::Enter => {
                    let text = self.typing.take().unwrap_or_default();
                    self.filter = (!text.is_empty()).then_some(text);
                    self.scroll = 0;
                }
                Key::Esc => self.typing = None,
                Key::CtrlC => return Effect::Interrupt,
                _ => return Effect::None,
            }
            return Effect::Redraw;
        }
        if self.help {
            // Any key closes the help; q and Ctrl-C still do what they do.
            self.help = false;
            return match key {
                Key::Char('q') | Key::Char('Q') => Effect::Quit,
                Key::CtrlC => Effect::Interrupt,
                _ => Effect::Redraw,
            };
        }
        match key {
            Key::Char('q') | Key::Char('Q') => return Effect::Quit,
            Key::CtrlC => return Effect::Interrupt,
            Key::Char('h') | Key::Char('H') | Key::Char('?') => self.help = true,
            Key::Tab | Key::BackTab => {
                self.tab = match self.tab {
                    Tab::Cells => Tab::Processes,
                    Tab::Processes => Tab::Cells,
                };
                self.scroll = 0;
            }
            Key::Char('s') => self.cycle_sort(1),
            Key::Char('S') => self.cycle_sort(-1),
            Key::Char('p') | Key::Char('P') => {
                self.paused = !self.paused;
                self.frozen = if self.paused {
                    current.cloned().map(Box::new)
                } else {
                    None
                };
            }
            Key::Char('r') | Key::Char('R') => return Effect::Reset,
            Key::Char('/') => self.typing = Some(self.filter.clone().unwrap_or_default()),
            Key::Esc => {
                self.filter = None;
                self.scroll = 0;
            }
            Key::Char('l') | Key::Char('L') => {
                let n = current.map_or(1, |s| s.levels.len().max(1));
                self.level = (self.level + 1) % n;
            }
            Key::Char('+') | Key::Char('=') => self.step_refresh(1),
            Key::Char('-') | Key::Char('_') => self.step_refresh(-1),
            Key::Up => self.scroll = self.scroll.saturating_sub(1),
            Key::Down => self.scroll += 1,
            Key::PageUp => self.scroll = self.scroll.saturating_sub(self.page.max(1)),
            Key::PageDown => self.scroll += self.page.max(1),
            Key::Home => self.scroll = 0,
            Key::End => self.scroll = usize::MAX,
            _ => return Effect::None,
        }
        Effect::Redraw
    }

    fn cycle_sort(&mut self, by: isize) {
        let (sort, n) = match self.tab {
            Tab::Cells => (&mut self.cell_sort, CELL_SORTS.len()),
            Tab::Processes => (&mut self.process_sort, PROCESS_SORTS.len()),
        };
        *sort = (*sort as isize + by).rem_euclid(n as isize) as usize;
    }

    fn step_refresh(&mut self, by: isize) {
        let hz = self.refresh_hz;
        let next = if by > 0 {
            REFRESH_STEPS.iter().copied().find(|&s| s > hz)
        } else {
            REFRESH_STEPS.iter().rev().copied().find(|&s| s < hz)
        };
        self.refresh_hz = next
            .unwrap_or(if by > 0 {
                REFRESH_RANGE.1
            } else {
                REFRESH_RANGE.0
            })
            .clamp(REFRESH_RANGE.0, REFRESH_RANGE.1);
    }

    /// The name of the sort column of the table shown.
    pub fn sort_name(&self) -> &'static str {
        match self.tab {
            Tab::Cells => CELL_SORTS[self.cell_sort % CELL_SORTS.len()],
            Tab::Processes => PROCESS_SORTS[self.process_sort % PROCESS_SORTS.len()],
        }
    }

    /// The level picked with `l` among the snapshot's levels.
    pub fn selected_level(&self, snap: &Snapshot) -> Option<Level> {
        snap.levels
            .get(self.level % snap.levels.len().max(1))
            .map(|l| l.level)
    }

    fn matches(&self, text: &str) -> bool {
        match &self.filter {
            None => true,
            Some(f) => text.to_lowercase().contains(&f.to_lowercase()),
        }
    }

    /// The cells rows after the filter, in sort order.
    pub fn cell_rows<'a>(&self, snap: &'a Snapshot) -> Vec<&'a CellRow> {
        let mut rows: Vec<&CellRow> = snap
            .cells
            .iter()
            .filter(|c| {
                self.filter.is_none()
                    || self.matches(&format!(
                        "{} {} {} {}",
                        c.index,
                        c.status.as_str(),
                        c.title,
                        c.tags.join(" ")
                    ))
            })
            .collect();
        let m = |c: &CellRow, f: fn(&jumper_core::CellMetrics) -> f64| {
            c.metrics.as_ref().map_or(0.0, f)
        };
        let key = |c: &CellRow| -> f64 {
            match self.cell_sort % CELL_SORTS.len() {
                1 => c.duration_s,
                2 => m(c, |x| x.cpu_util_avg),
                3 => m(c, |x| x.cpu_time_s),
                4 => m(c, |x| x.memory_peak_gib),
                5 => m(c, |x| x.io_read_mib + x.io_write_mib),
                6 => match c.status.as_str() {
                    "running" => 2.0,
                    "failed" => 1.0,
                    _ => 0.0,
                },
                _ => 0.0,
            }
        };
        if self.cell_sort.is_multiple_of(CELL_SORTS.len()) {
            rows.sort_by_key(|c| c.index);
        } else {
            rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.index.cmp(&b.index)));
        }
        rows
    }

    /// The process rows after the filter, in sort order.
    pub fn process_rows<'a>(&self, snap: &'a Snapshot) -> Vec<&'a ProcessRow> {
        let mut rows: Vec<&ProcessRow> = snap
            .processes
            .iter()
            .filter(|p| self.filter.is_none() || self.matches(&format!("{} {}", p.pid, p.command)))
            .collect();
        let key = |p: &ProcessRow| -> f64 {
            match self.process_sort % PROCESS_SORTS.len() {
                1 => p.cpu_pct,
                2 => p.cpu_s,
                3 => p.rss_bytes as f64,
                4 => p.read_bps.unwrap_or(0.0) + p.write_bps.unwrap_or(0.0),
                5 => p.age_s,
                _ => 0.0,
            }
        };
        if self.process_sort.is_multiple_of(PROCESS_SORTS.len()) {
            rows.sort_by_key(|p| p.pid);
        } else {
            rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.pid.cmp(&b.pid)));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_steps_stay_in_range() {
        let mut s = ViewState::new(Mode::Run, 10, false);
        s.handle(Key::Char('+'), None);
        assert_eq!(s.refresh_hz, 15);
        for _ in 0..20 {
            s.handle(Key::Char('+'), None);
        }
        assert_eq!(s.refresh_hz, 30);
        for _ in 0..20 {
            s.handle(Key::Char('-'), None);
        }
        assert_eq!(s.refresh_hz, 1);
        s.handle(Key::Char('='), None);
        assert_eq!(s.refresh_hz, 2);
        let mut odd = ViewState::new(Mode::Run, 12, false);
        odd.handle(Key::Char('-'), None);
        assert_eq!(odd.refresh_hz, 10);
    }

    #[test]
    fn typing_takes_every_key_and_esc_cancels() {
        let mut s = ViewState::new(Mode::Run, 10, false);
        s.filter = Some("old".into());
        s.handle(Key::Char('/'), None);
        assert_eq!(s.typing.as_deref(), Some("old"));
        for k in [
            Key::Backspace,
            Key::Char('q'),
            Key::Char('h'),
            Key::Char('s'),
        ] {
            assert_eq!(s.handle(k, None), Effect::Redraw);
        }
        assert_eq!(s.typing.as_deref(), Some("olqhs"));
        assert!(!s.help && s.cell_sort == 0);
        s.handle(Key::Esc, None);
        assert_eq!(s.filter.as_deref(), Some("old"));
        s.handle(Key::Char('/'), None);
        for _ in 0..3 {
            s.handle(Key::Backspace, None);
        }
        s.handle(Key::Enter, None);
        assert_eq!(s.filter, None, "Enter on an empty buffer clears the filter");
    }
}
