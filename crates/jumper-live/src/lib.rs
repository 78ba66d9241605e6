//! # jumper-live: the live terminal view
//!
//! A frontend of jumper (beside the CLI's reports and the Jupyter kernel): it shows a run, a
//! replay or any process tree while it works — header, level gauges with sparklines and trend
//! arrows, a cells table and a processes table, the command's output, a footer, a help
//! overlay, and a finished banner that keeps the final numbers until `q`.
//!
//! Where it sits: it talks to `jumper-core` only. The [`Collector`] reads a
//! [`jumper_core::Feed`] (the store, the sampler's counters, the cell history) into plain
//! [`Snapshot`]s through the derivations the reports use, so a finished cell's row is what
//! `jumper report` prints for it. The [`View`] loop runs on its own thread at its own rate
//! (1-30 Hz) and never holds a lock the sampler needs while it draws. Frames go to a
//! [`Display`]: the real terminal ([`TerminalDisplay`], crossterm) or [`MockDisplay`] for
//! tests (ratatui's test backend and a key queue).
//!
//! ```
//! use jumper_live::{MockDisplay, Snapshot, ViewState, Mode, Key};
//!
//! let mut d = MockDisplay::new(80, 24);
//! let mut state = ViewState::new(Mode::Run, 10, false);
//! let snap = Snapshot::default();
//! jumper_live::Display::draw(&mut d, &mut |f| jumper_live::ui::draw(f, &snap, &mut state))?;
//! assert!(d.contains("jumper live"));
//! state.handle(Key::Char('h'), Some(&snap));
//! jumper_live::Display::draw(&mut d, &mut |f| jumper_live::ui::draw(f, &snap, &mut state))?;
//! assert!(d.contains("Interactive commands"));
//! # Ok::<(), jumper_live::LiveError>(())
//! ```

mod app;
pub mod collector;
pub mod display;
mod error;
pub mod format;
pub mod snapshot;
pub mod state;
pub mod theme;
pub mod trend;
pub mod ui;
pub mod widgets;

pub use app::{Control, Outcome, Source, View};
pub use collector::{Collector, CollectorOptions};
pub use display::{check_terminal, Display, Input, MockDisplay, TerminalDisplay};
pub use error::LiveError;
pub use snapshot::{CellRow, HeaderInfo, LevelView, Mode, RowStatus, Snapshot};
pub use state::{Effect, Key, Tab, ViewState};
pub use trend::Trend;

/// Lowers the calling thread's priority by 10 nice levels (on Linux a thread has a niceness of
/// its own): on a busy machine the view's frames wait, the sampler's ticks do not. Raising
/// niceness needs no privilege; a failure leaves the priority as it was.
fn yield_to_the_sampler() {
    // SAFETY: gettid, getpriority and setpriority only read and set the scheduling priority
    // of this thread; errno is this thread's.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if *libc::__errno_location() == 0 {
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, (now + 10).min(19));
        }
    }
}

/// Runs the view on its own thread on the real terminal. When it closes, the terminal is
/// restored first and then `on_close` runs on that thread with how it ended (also after an
/// error, as [`Outcome::Quit`]); the thread returns the outcome.
pub fn spawn(
    opts: CollectorOptions,
    feed: jumper_core::Feed,
    refresh_hz: u32,
    control: Control,
    on_close: impl FnOnce(Outcome) + Send + 'static,
) -> Result<std::thread::JoinHandle<Result<Outcome, LiveError>>, LiveError> {
    check_terminal()?;
    let mode = opts.mode;
    std::thread::Builder::new()
        .name("jumper-live".into())
        .spawn(move || {
            yield_to_the_sampler();
            let out = match TerminalDisplay::new() {
                Ok(display) => {
                    let collector = Collector::new(feed, opts);
                    let state = ViewState::new(mode, refresh_hz, true);
                    let mut view = View::new(display, collector, state, control.clone());
                    let out = view.run();
                    // Also when the view closed another way (a SIGHUP passed on by the
                    // window's close can stop it first): a hung-up terminal is a hung-up one.
                    if matches!(out, Err(LiveError::HungUp)) || display::terminal_hung_up() {
                        // Before the display is dropped: ratatui's drop reports a failed
                        // write with eprintln!, which panics on a hung-up terminal.
                        display::detach_standard_streams();
                    }
                    // Drops the display: the terminal is back before anything is printed.
                    drop(view);
                    out
                }
                Err(e) => Err(e),
            };
            control.close();
            on_close(*out.as_ref().unwrap_or(&Outcome::Quit));
            out
        })
        .map_err(|_| LiveError::Thread("could not be started"))
}
