//! The display loop: its own thread, its own cadence, independent of the sampler.
//!
//! The sampler never waits for the view: the view reads snapshots (copies made under the
//! store's short read lock), and draws with no lock held. A frozen terminal only delays the
//! view's own next frame. Keys are read between frames; a key that changes the state redraws
//! at once (so `[PAUSED]`, the help or the filter prompt show even while paused, unlike
//! CPython's view).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jumper_core::Level;

use crate::collector::Collector;
use crate::display::{Display, Input};
use crate::snapshot::Snapshot;
use crate::state::{Effect, ViewState};
use crate::LiveError;

/// Where snapshots come from: the [`Collector`], or a scripted source in tests.
pub trait Source {
    /// The snapshot of now; the cells table measured at `cells_level`.
    fn snapshot(&mut self, cells_level: Option<Level>) -> Snapshot;
    /// Forget peaks and trends (`r`).
    fn reset(&mut self);
    /// Which table is on screen (a source may read what it shows more often). The default
    /// does nothing.
    fn showing(&mut self, _tab: crate::state::Tab) {}
    /// The work has ended (`why` goes in the banner).
    fn finish(&mut self, why: &str);
}

impl Source for Collector {
    fn snapshot(&mut self, cells_level: Option<Level>) -> Snapshot {
        self.collect(cells_level)
    }
    fn reset(&mut self) {
        Collector::reset(self);
    }
    fn finish(&mut self, why: &str) {
        Collector::finish(self, why);
    }
    fn showing(&mut self, tab: crate::state::Tab) {
        self.processes_shown = tab == crate::state::Tab::Processes;
    }
}

/// How the view ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `q`: the view closed; for run and replay the work goes on.
    Quit,
    /// Ctrl-C: the view closed and the work is to be interrupted.
    Interrupt,
}

#[derive(Default)]
struct ControlInner {
    finished: Mutex<Option<String>>,
    closed: AtomicBool,
    stop: AtomicBool,
}

/// Shared between the frontend's thread and the view's: the frontend says when the work has
/// ended; the view says when it has closed.
#[derive(Clone, Default)]
pub struct Control {
    inner: Arc<ControlInner>,
}

impl Control {
    /// A fresh control.
    pub fn new() -> Control {
        Control::default()
    }

    /// The work has ended: the view shows the finished banner and stays until `q`.
    pub fn finish(&self, why: impl Into<String>) {
        *self
            .inner
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(why.into());
    }

    /// What ended the work, once it has.
    pub fn finished(&self) -> Option<String> {
        self.inner
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks the view to close at its next turn (the frontend gave up, e.g. the command could
    /// not start).
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::Release);
    }

    /// Whether the view has closed.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Marks the view as closed.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
    }
}

/// The view: a display, a source and the view's state.
pub struct View<D: Display, S: Source> {
    /// Where frames go.
    pub display: D,
    /// Where snapshots come from.
    pub source: S,
    /// The view's state.
    pub state: ViewState,
    control: Control,
    current: Option<Snapshot>,
    next_draw: Instant,
    finished_seen: bool,
}

impl<D: Display, S: Source> View<D, S> {
    /// A view drawing `source` on `display`.
    pub fn new(display: D, source: S, mut state: ViewState, control: Control) -> Self {
        state.color = state.color && display.colors();
        View {
            display,
            source,
            state,
            control,
            current: None,
            next_draw: Instant::now(),
            finished_seen: false,
        }
    }

    /// The snapshot last drawn (the frozen one while paused).
    pub fn shown(&self) -> Option<&Snapshot> {
        self.state.frozen.as_deref().or(self.current.as_ref())
    }

    /// One turn of the loop: waits for a key until the next frame is due, applies it, and
    /// draws when a frame is due or the state changed. `Some` when the view is to close.
    pub fn step(&mut self) -> Result<Option<Outcome>, LiveError> {
        if self.control.inner.stop.load(Ordering::Acquire) {
            return Ok(Some(self.close(Outcome::Quit)));
        }
        // Short waits, so a stop request is seen soon even at 1 Hz.
        let wait = self
            .next_draw
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(100));
        let mut redraw = false;
        match self.display.poll(wait)? {
            Some(Input::Key(k)) => match self.state.handle(k, self.current.as_ref()) {
                Effect::Quit => return Ok(Some(self.close(Outcome::Quit))),
                Effect::Interrupt => return Ok(Some(self.close(Outcome::Interrupt))),
                Effect::Reset => {
                    self.source.reset();
                    self.refresh();
                    redraw = true;
                }
                Effect::Redraw => redraw = true,
                Effect::None => {}
            },
            Some(Input::Resize) => redraw = true,
            None => {}
        }
        if !self.finished_seen {
            if let Some(why) = self.control.finished() {
                self.source.finish(&why);
                self.finished_seen = true;
                // The banner shows at once, paused or not.
                self.refresh();
                if let Some(f) = self.state.frozen.as_mut() {
                    f.finished = Some(why);
                }
                redraw = true;
            }
        }
        let due = Instant::now() >= self.next_draw;
        if due {
            if !self.state.paused {
                self.refresh();
            }
            self.next_draw =
                Instant::now() + Duration::from_secs_f64(1.0 / f64::from(self.state.refresh_hz));
            redraw = true;
        }
        if redraw {
            self.draw()?;
        }
        Ok(None)
    }

    /// Runs until `q` or Ctrl-C.
    pub fn run(&mut self) -> Result<Outcome, LiveError> {
        loop {
            if let Some(o) = self.step()? {
                return Ok(o);
            }
        }
    }

    fn refresh(&mut self) {
        self.source.showing(self.state.tab);
        let level = self
            .current
            .as_ref()
            .and_then(|s| self.state.selected_level(s));
        self.current = Some(self.source.snapshot(level));
    }

    fn draw(&mut self) -> Result<(), LiveError> {
        let View {
            display,
            state,
            current,
            ..
        } = self;
        let frozen = state.frozen.take();
        let snap = frozen.as_deref().or(current.as_ref());
        let result = match snap {
            Some(s) => display.draw(&mut |f| crate::ui::draw(f, s, state)),
            None => Ok(()),
        };
        state.frozen = frozen;
        result
    }

    fn close(&mut self, o: Outcome) -> Outcome {
        self.control.close();
        o
    }
}
