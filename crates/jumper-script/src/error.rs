//! The one error type of this crate.

use std::path::PathBuf;

/// Why a script could not be read, written, recorded or run.
///
/// Every variant names the file or the program involved; the OS error, where there is one, is
/// the [`source`](std::error::Error::source), never repeated in the message (print the chain,
/// e.g. anyhow's `{:#}`). A cell whose code fails is *not* an
/// error: it is a [`CellOutcome`](crate::exec::CellOutcome) with status `Failed`. These errors
/// mean that jumper itself could not do its part.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// A file or directory could not be read, created, written, renamed or removed.
    #[error("{path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Nothing says which interpreter runs the script.
    #[error(
        "{path}: cannot tell which interpreter runs this script; pass --interpreter CMD \
         (e.g. --interpreter python3), start the file with a #! line, or name it .py or .sh"
    )]
    NoInterpreter {
        /// The script.
        path: PathBuf,
    },
    /// An interpreter command line that names no program (e.g. `--interpreter ""`).
    #[error("empty interpreter command '{command}'; give a program, e.g. --interpreter python3")]
    EmptyInterpreter {
        /// The command as given.
        command: String,
    },
    /// The interpreter program does not exist (not in `PATH`, or no such file).
    #[error("interpreter '{program}' not found (set it with --interpreter or a #! line)")]
    InterpreterNotFound {
        /// The program as named.
        program: String,
    },
    /// The interpreter program exists but cannot be executed.
    #[error("interpreter '{program}' cannot be executed (set it with --interpreter or a #! line)")]
    NotExecutable {
        /// The program as named.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Starting the interpreter failed for another reason, or a pipe to it could not be made.
    #[error("cannot start interpreter '{program}'")]
    Spawn {
        /// The program as named.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The interpreter ended before it was ready to run cells: it is probably not the kind of
    /// program its name says (e.g. a Python 2 named `python`).
    #[error(
        "interpreter '{program}' {ended} before it was ready to run cells; \
         is it a working {kind}?"
    )]
    NotReady {
        /// The program as named.
        program: String,
        /// How it ended, e.g. `exited with status 1`.
        ended: String,
        /// What jumper expected it to be (`python3`, `bash`).
        kind: String,
    },
    /// The interpreter ended during a cell and a fresh one could not be started.
    #[error("the interpreter {ended} and could not be restarted")]
    Restart {
        /// How the old interpreter ended, e.g. `exited with status 3`.
        ended: String,
        /// Why the new one did not start.
        #[source]
        source: Box<ScriptError>,
    },
    /// Talking to the interpreter failed at the OS level: a pipe could not be written, read
    /// or polled, or the process could not be waited for.
    #[error("lost contact with interpreter '{program}': {action}")]
    Pipe {
        /// The program as named.
        program: String,
        /// What jumper was doing, e.g. `cannot send the cell`.
        action: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The interpreter answered something that is not jumper's protocol.
    #[error("lost contact with interpreter '{program}': {detail}")]
    Protocol {
        /// The program as named.
        program: String,
        /// What went wrong.
        detail: String,
    },
    /// `%end_write_script` with no cell recorded since `%start_write_script`.
    #[error("no recorded cells to save")]
    NoRecordedCells,
}

impl ScriptError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ScriptError::Io {
            path: path.into(),
            source,
        }
    }

    /// Maps the error of starting `program` to the variant a user understands.
    pub(crate) fn spawn(program: &str, source: std::io::Error) -> Self {
        match source.kind() {
            std::io::ErrorKind::NotFound => ScriptError::InterpreterNotFound {
                program: program.to_string(),
            },
            std::io::ErrorKind::PermissionDenied => ScriptError::NotExecutable {
                program: program.to_string(),
                source,
            },
            _ => ScriptError::Spawn {
                program: program.to_string(),
                source,
            },
        }
    }

    pub(crate) fn pipe(program: &str, action: &'static str, source: std::io::Error) -> Self {
        ScriptError::Pipe {
            program: program.to_string(),
            action,
            source,
        }
    }

    pub(crate) fn protocol(program: &str, detail: impl Into<String>) -> Self {
        ScriptError::Protocol {
            program: program.to_string(),
            detail: detail.into(),
        }
    }
}
