//! The cell recorder behind `%start_write_script [PATH]` and `%end_write_script`.
//!
//! Unlike JUmPER's script writer, the cells run while they are recorded, the file is a
//! percent-format script that `jumper replay` runs as it was run (its first cell restores the
//! monitoring settings in force when recording started), and the header gives real UTC clock
//! times (JUmPER wrote `perf_counter` values as times, and a literal code fragment).
//!
//! ```
//! use jumper_script::recorder::Recorder;
//!
//! # fn main() -> Result<(), jumper_script::ScriptError> {
//! # let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("out/run.py");
//! let mut recorder = Recorder::start(Some(path.clone()), vec!["%perfmonitor_start 0.1".into()]);
//! recorder.record("load", "data = list(range(10))");
//! recorder.record("report", "%perfmonitor_perfreport --level user");
//! let recorded = recorder.finish()?;
//! assert_eq!((recorded.path, recorded.cells), (path.clone(), 2));
//!
//! let script = jumper_script::format::parse(&std::fs::read_to_string(&path).unwrap());
//! assert_eq!(script.cells[0].title, "jumper: restore monitoring settings");
//! assert_eq!(script.cells[2].commands().next(), Some("perfmonitor_perfreport --level user"));
//! # Ok(())
//! # }
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use jumper_data::time::{utc_fields, wallclock_s};

use crate::error::ScriptError;
use crate::format::{ScriptCell, Writer};
use crate::interpreter::{Interpreter, InterpreterKind};

/// Title of the first cell of a recorded script.
pub const RESTORE_TITLE: &str = "jumper: restore monitoring settings";

/// The commands that start and end a recording; they are never recorded.
pub const CONTROL_COMMANDS: [&str; 2] = ["start_write_script", "end_write_script"];

/// Cells recorded since `%start_write_script`, written as a script by [`Recorder::finish`].
#[derive(Debug, Clone)]
pub struct Recorder {
    path: PathBuf,
    default_path: bool,
    restore: Vec<String>,
    interpreter: Interpreter,
    started: f64,
    cells: Vec<(String, String)>,
}

/// A script written by [`Recorder::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Where it was written.
    pub path: PathBuf,
    /// How many recorded cells it holds (the restore cell not counted).
    pub cells: usize,
}

impl Recorder {
    /// Starts recording to `path`, or to [`default_script_path`] (in the working directory).
    /// `restore` are the commands that bring back the monitoring settings in force now, built
    /// by the caller (e.g. `%perfmonitor_start 0.1`, or `%perfmonitor_enable_perfreports
    /// --level user --interval 0.1 --text`); a missing leading `%` is added. Empty when
    /// monitoring is off.
    pub fn start(path: Option<PathBuf>, restore: Vec<String>) -> Recorder {
        let started = wallclock_s();
        let default_path = path.is_none();
        Recorder {
            path: path.unwrap_or_else(|| default_path_at(started, "py")),
            default_path,
            restore,
            interpreter: Interpreter::python3(),
            started,
            cells: Vec::new(),
        }
    }

    /// The interpreter the script's `#!` line names (python3 unless told); a default path
    /// becomes `.sh` for bash.
    pub fn interpreter(mut self, interpreter: &Interpreter) -> Recorder {
        self.interpreter = interpreter.clone();
        if self.default_path && interpreter.kind == InterpreterKind::Bash {
            self.path.set_extension("sh");
        }
        self
    }

    /// Where the script will be written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commands of the restore cell, as given to [`Recorder::start`].
    pub fn restore_commands(&self) -> &[String] {
        &self.restore
    }

    /// The `(title, source)` of each cell recorded so far.
    pub fn cells(&self) -> &[(String, String)] {
        &self.cells
    }

    /// How many cells were recorded so far.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True before the first recorded cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Records a cell that ran, with its title and text as typed. Its
    /// `%start_write_script`/`%end_write_script` lines are left out (a replay must not record
    /// again), and a cell with nothing else is not recorded; returns whether it was.
    pub fn record(&mut self, title: &str, source: &str) -> bool {
        let kept: Vec<&str> = source
            .lines()
            .filter(|line| !is_control_line(line))
            .collect();
        if kept.iter().all(|l| l.trim().is_empty()) {
            return false;
        }
        self.cells.push((title.to_string(), kept.join("\n")));
        true
    }

    /// Writes the script and returns where. Parent directories are created; the file appears
    /// complete or not at all (written to a hidden sibling, then renamed). With no recorded
    /// cell, nothing is written: [`ScriptError::NoRecordedCells`].
    pub fn finish(self) -> Result<Recorded, ScriptError> {
        if self.cells.is_empty() {
            return Err(ScriptError::NoRecordedCells);
        }
        let text = self.render(wallclock_s());
        write_atomically(&self.path, text.as_bytes())?;
        Ok(Recorded {
            path: self.path,
            cells: self.cells.len(),
        })
    }

    /// The script's text, recording ended at `ended` (epoch seconds).
    fn render(&self, ended: f64) -> String {
        let mut out = Writer::default();
        out.line(&shebang(&self.interpreter));
        out.line(&format!(
            "# Monitored script recorded by jumper {} (percent format; run it with `jumper replay FILE`).",
            env!("CARGO_PKG_VERSION")
        ));
        out.line(&format!("# Recording started: {}", utc_text(self.started)));
        out.line(&format!("# Recording ended:   {}", utc_text(ended)));
        out.line(&format!(
            "# Recorded cells: {} (after the first cell, which restores the monitoring settings)",
            self.cells.len()
        ));
        out.line("");
        out.marker(RESTORE_TITLE);
        if self.restore.is_empty() {
            out.line("# Monitoring was off when recording started.");
        }
        for command in &self.restore {
            let command = command.trim();
            if command.starts_with('%') {
                out.line(command);
            } else {
                out.line(&format!("%{command}"));
            }
        }
        for (title, source) in &self.cells {
            out.line("");
            out.marker(title);
            out.body(source);
        }
        out.text
    }
}

/// `jumper_script_YYYYmmdd_HHMMSS.py` with the current UTC time (JUmPER's
/// `notebook_script_…`), relative to the working directory.
pub fn default_script_path() -> PathBuf {
    default_path_at(wallclock_s(), "py")
}

/// True for a cell whose commands are only `%start_write_script`/`%end_write_script` and that
/// has no code: a cell that only starts or ends recording, which is not recorded.
pub fn is_recording_control(source: &str) -> bool {
    let cell = ScriptCell::new("", source, 0);
    let mut commands = cell.commands().peekable();
    commands.peek().is_some()
        && commands.all(|c| CONTROL_COMMANDS.contains(&command_name(c)))
        && !cell.has_code()
}

fn command_name(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or("")
}

fn is_control_line(line: &str) -> bool {
    line.strip_prefix('%')
        .is_some_and(|c| CONTROL_COMMANDS.contains(&command_name(c)))
}

fn default_path_at(epoch_s: f64, extension: &str) -> PathBuf {
    let (y, m, d, hh, mm, ss) = utc_fields(epoch_s as i64);
    PathBuf::from(format!(
        "jumper_script_{y:04}{m:02}{d:02}_{hh:02}{mm:02}{ss:02}.{extension}"
    ))
}

fn utc_text(epoch_s: f64) -> String {
    let (y, m, d, hh, mm, ss) = utc_fields(epoch_s as i64);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// `#!/usr/bin/env python3`, `#!/bin/bash -e`, `#!/usr/bin/env -S python3 -X dev`.
fn shebang(interpreter: &Interpreter) -> String {
    let args = interpreter.args.join(" ");
    match (interpreter.program.starts_with('/'), args.is_empty()) {
        (true, true) => format!("#!{}", interpreter.program),
        (true, false) => format!("#!{} {args}", interpreter.program),
        (false, true) => format!("#!/usr/bin/env {}", interpreter.program),
        (false, false) => format!("#!/usr/bin/env -S {} {args}", interpreter.program),
    }
}

/// Creates the parent directories, then writes `bytes` atomically (a hidden sibling renamed
/// over `path`; nothing half-written remains on failure).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ScriptError> {
    if path.file_name().is_none() {
        return Err(ScriptError::io(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        ));
    }
    let parent = jumper_data::fsio::parent_dir(path);
    fs::create_dir_all(parent).map_err(|e| ScriptError::io(parent, e))?;
    jumper_data::fsio::write_atomic(path, bytes).map_err(|e| ScriptError::io(e.path, e.source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{parse, CellItem};

    #[test]
    fn rendered_text_is_exact() {
        let mut r = Recorder::start(Some("x.py".into()), vec!["perfmonitor_start 0.1".into()]);
        r.started = 1_795_248_461.0;
        assert!(r.record("Cell 23", "y = 6 * 7\nprint(y)\n\n"));
        assert!(r.record("Cell 24", "%perfmonitor_perfreport --level user --text"));
        let text = r.render(1_795_248_521.5);
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            text,
            format!(
                "#!/usr/bin/env python3\n\
                 # Monitored script recorded by jumper {version} (percent format; run it with `jumper replay FILE`).\n\
                 # Recording started: 2026-11-21 08:07:41 UTC\n\
                 # Recording ended:   2026-11-21 08:08:41 UTC\n\
                 # Recorded cells: 2 (after the first cell, which restores the monitoring settings)\n\
                 \n\
                 # %% jumper: restore monitoring settings\n\
                 %perfmonitor_start 0.1\n\
                 \n\
                 # %% Cell 23\n\
                 y = 6 * 7\n\
                 print(y)\n\
                 \n\
                 # %% Cell 24\n\
                 %perfmonitor_perfreport --level user --text\n"
            )
        );
        let back = parse(&text);
        assert_eq!(back.cells.len(), 3);
        assert_eq!(
            back.cells[1].items[0],
            CellItem::Code {
                line: 11,
                text: "y = 6 * 7\nprint(y)".into()
            }
        );
        assert!(back
            .header
            .starts_with("# Monitored script recorded by jumper"));
    }

    #[test]
    fn control_cells_and_lines() {
        assert!(is_recording_control("%start_write_script out.py"));
        assert!(is_recording_control("# stop\n%end_write_script\n"));
        assert!(!is_recording_control("%end_write_script\nx = 1"));
        assert!(!is_recording_control(
            "%perfmonitor_start\n%end_write_script"
        ));
        assert!(!is_recording_control("x = 1"));
        assert!(!is_recording_control(""));

        let mut r = Recorder::start(None, vec![]);
        assert!(!r.record("c", "%start_write_script\n\n"));
        assert!(r.record("c", "%end_write_script\nx = 1"));
        assert_eq!(r.cells, [("c".to_string(), "x = 1".to_string())]);
    }

    #[test]
    fn shebangs_and_default_paths() {
        assert_eq!(shebang(&Interpreter::python3()), "#!/usr/bin/env python3");
        let bash_e = Interpreter::from_shebang("#!/bin/bash -e").unwrap();
        assert_eq!(shebang(&bash_e), "#!/bin/bash -e");
        let dev = Interpreter::from_command("python3 -X dev").unwrap();
        assert_eq!(shebang(&dev), "#!/usr/bin/env -S python3 -X dev");
        // Each shebang names the interpreter it came from.
        for i in [Interpreter::python3(), bash_e, dev] {
            assert_eq!(Interpreter::from_shebang(&shebang(&i)), Some(i));
        }
        assert_eq!(
            default_path_at(1_795_248_461.9, "py"),
            PathBuf::from("jumper_script_20261121_080741.py")
        );
        let r = Recorder::start(None, vec![]).interpreter(&Interpreter::bash());
        assert_eq!(r.path().extension().and_then(|e| e.to_str()), Some("sh"));
        let r = Recorder::start(Some("keep.txt".into()), vec![]).interpreter(&Interpreter::bash());
        assert_eq!(r.path(), Path::new("keep.txt"));
    }
}
