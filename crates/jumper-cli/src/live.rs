//! `--live` of `jumper run` and `jumper replay`, and `jumper watch`: the live terminal view
//! (jumper-live) on its own thread while the work goes on in this one.

// The doc comments of the clap types below are `--help` text, where `<time>` is meant
// literally, not HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::Args;
use jumper_live::{CollectorOptions, Control, Mode, Outcome};

use crate::exit;

/// The options of a live view.
#[derive(Debug, Args)]
pub(crate) struct LiveArgs {
    /// Show the live terminal view while the work runs (needs a terminal; not with -q).
    #[arg(long)]
    pub(crate) live: bool,
    /// Display refresh rate of the live view in Hz (1-30; `+`/`-` change it in the view).
    #[arg(long, value_name = "HZ", default_value = "10", value_parser = parse_refresh, requires = "live")]
    pub(crate) refresh: u32,
    /// With --live: write the command's output (stdout and stderr) to this file (default:
    /// jumper-output-<time>.log here); the view shows its last lines.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub(crate) output: Option<PathBuf>,
}

/// A refresh rate in Hz, 1 to 30.
pub(crate) fn parse_refresh(s: &str) -> Result<u32, String> {
    let (lo, hi) = jumper_live::state::REFRESH_RANGE;
    match s.trim().parse::<u32>() {
        Ok(hz) if (lo..=hi).contains(&hz) => Ok(hz),
        _ => Err(format!(
            "refresh rate must be a whole number of Hz from {lo} to {hi}"
        )),
    }
}

/// Refuses a live view without a terminal: one line naming `what` needs it, exit status 2.
pub(crate) fn require_terminal(what: &str) -> Result<(), i32> {
    jumper_live::check_terminal().map_err(|e| {
        let which = match e {
            jumper_live::LiveError::NoTerminal(which) => which,
            _ => "output",
        };
        eprintln!("jumper: {what} needs a terminal (standard {which} is not one)");
        exit::USAGE
    })
}

/// The output file: the one asked for, else `jumper-output-<UTC time>.log` here.
pub(crate) fn output_file(asked: Option<PathBuf>) -> PathBuf {
    asked.unwrap_or_else(|| {
        PathBuf::from(format!(
            "jumper-output-{}.log",
            jumper_core::clock::utc_stamp()
        ))
    })
}

/// After the view closed with the work still going: a line `q` on the (now normal) terminal
/// interrupts it too, as Ctrl-C does (SIGINT to `feed`'s root process, while a cell runs).
pub(crate) fn second_q_interrupts(feed: jumper_core::Feed) {
    let _ = std::thread::Builder::new()
        .name("jumper-second-q".into())
        .spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                let st = feed.state();
                let running = st.running.is_some();
                if line.trim() == "q" && running {
                    if let Some(pid) = st.root.filter(|p| *p != 0) {
                        eprintln!("jumper: interrupting pid {pid}");
                        jumper_core::run::note_interrupt();
                        jumper_core::run::interrupt(pid);
                    }
                }
                if !running {
                    return;
                }
                line.clear();
            }
        });
}

/// A view running on its own thread.
pub(crate) struct Live {
    handle: std::thread::JoinHandle<Result<Outcome, jumper_live::LiveError>>,
    control: Control,
}

/// What the view is told about the work.
pub(crate) struct Target {
    pub(crate) mode: Mode,
    pub(crate) name: String,
    pub(crate) output: Option<PathBuf>,
}

impl Live {
    /// Starts the view on `feed`. `on_close` runs once the terminal is restored.
    pub(crate) fn start(
        feed: jumper_core::Feed,
        target: Target,
        refresh_hz: u32,
        on_close: impl FnOnce(Outcome) + Send + 'static,
    ) -> Result<Live, i32> {
        let control = Control::new();
        let opts = CollectorOptions {
            mode: target.mode,
            target: target.name,
            output: target.output,
            // The process table: twice a second is enough to read, and cheap.
            process_every_s: 0.5,
            proc_root: None,
        };
        match jumper_live::spawn(opts, feed, refresh_hz, control.clone(), on_close) {
            Ok(handle) => Ok(Live { handle, control }),
            Err(e) => {
                eprintln!("jumper: {e}");
                Err(exit::JUMPER_FAILED)
            }
        }
    }

    /// The work has ended: the view shows the finished banner until `q`.
    pub(crate) fn finish(&self, why: impl Into<String>) {
        self.control.finish(why);
    }

    /// Whether the view has closed (`q`).
    pub(crate) fn is_closed(&self) -> bool {
        self.control.is_closed()
    }

    /// Closes the view now.
    pub(crate) fn stop(&self) {
        self.control.stop();
    }

    /// Closes the view when jumper gets SIGTERM or SIGHUP (passed on to the command while it
    /// ran): with the command ended, the finished banner must not outlive a `kill`.
    pub(crate) fn stop_on_forwarded_signal(&self) {
        let control = self.control.clone();
        let _ = std::thread::Builder::new()
            .name("jumper-live-signals".into())
            .spawn(move || {
                while !control.is_closed() {
                    if jumper_core::run::forwarded_signal().is_some() {
                        control.stop();
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
    }

    /// Waits for the view to close; how it ended, or `None` after an error (printed).
    pub(crate) fn wait(self) -> Option<Outcome> {
        match self.handle.join() {
            Ok(Ok(o)) => Some(o),
            Ok(Err(e)) => {
                eprintln!("jumper: live view: {e}");
                None
            }
            Err(_) => {
                eprintln!("jumper: live view: its thread failed");
                None
            }
        }
    }
}
