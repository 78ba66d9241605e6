//! # jumper-script: monitored scripts
//!
//! A monitored script is a text file in the percent format of Jupytext, VS Code and Spyder
//! (DESIGN §5): `# %%` lines start cells, `%` lines in column 0 are jumper commands, everything
//! else is code. This crate
//!
//! - parses and writes that format ([`mod@format`]): [`parse`] reads any text, [`Script::to_text`]
//!   writes it back so that it parses to the same cells;
//! - chooses the interpreter ([`Interpreter::choose`]): `--interpreter`, else the `#!` line,
//!   else the extension;
//! - runs cell code ([`exec`]): one persistent python3 or bash interpreter whose state carries
//!   from cell to cell, fed over private pipes, or one process per cell for any other program
//!   that reads code on stdin; an interpreter that a cell ends is restarted (see [`exec`]);
//! - records cells as they run ([`recorder`]) for `%start_write_script`/`%end_write_script`,
//!   in this same format, starting with a cell that restores the monitoring settings.
//!
//! ## Where it sits
//!
//! ```text
//! jumper-data ─► jumper-script ─► jumper-core (`jumper replay`: commands to the service,
//!  (CellStatus,                   code to a CellExecutor; the recorder behind
//!   clocks)                       %start_write_script) ─► CLI
//! ```
//!
//! It knows nothing of monitoring: jumper-core sends a cell's commands to its service, its code
//! to a [`CellExecutor`], and points the process level at [`CellExecutor::root_pid`].
//!
//! ## Differences from JUmPER's script writer (fixed bugs)
//!
//! JUmPER 0.4.1 skipped executing the cells it recorded, wrote `perf_counter` values as clock
//! times, put a literal `if self._start_time else ""` in its header, and generated Python that
//! breaks on non-JUmPER magics. Here the recorded cells run, the header has real UTC times, and
//! the output is the percent format, whose commands `jumper replay` sends to the service.

pub mod error;
pub mod exec;
pub mod format;
pub mod interpreter;
pub mod recorder;

pub use error::ScriptError;
pub use exec::{
    spawn_executor, spawn_executor_with, CellCode, CellExecutor, CellOutcome, ChildIo, ExecOptions,
    InterpreterEnd, Restart,
};
pub use format::{parse, CellItem, Script, ScriptCell};
pub use interpreter::{Interpreter, InterpreterKind};
pub use recorder::{is_recording_control, Recorded, Recorder};
