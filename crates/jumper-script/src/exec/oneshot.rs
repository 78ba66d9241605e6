//! One process per cell, the code on its standard input.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::sys;
use super::{CellCode, CellExecutor, CellOutcome, ExecOptions, InterpreterEnd};
use crate::error::ScriptError;
use crate::interpreter::Interpreter;

/// The executor for [`InterpreterKind::Stdin`](crate::InterpreterKind::Stdin).
pub(crate) struct OneShot {
    interpreter: Interpreter,
    options: ExecOptions,
}

impl OneShot {
    /// Checks now that the program exists and is executable, so a typo is reported before the
    /// first cell rather than at it.
    pub(crate) fn new(
        interpreter: Interpreter,
        options: ExecOptions,
    ) -> Result<OneShot, ScriptError> {
        find_program(&interpreter.program)?;
        Ok(OneShot {
            interpreter,
            options,
        })
    }
}

impl CellExecutor for OneShot {
    fn root_pid(&self) -> Option<u32> {
        None
    }

    fn run_code(&mut self, cell: &CellCode<'_>) -> Result<CellOutcome, ScriptError> {
        let program = &self.interpreter.program;
        let spawn_err = |e| ScriptError::Spawn {
            program: program.clone(),
            source: e,
        };
        let mut command = Command::new(program);
        command
            .args(&self.interpreter.args)
            .stdin(Stdio::piped())
            .stdout(self.options.stdout.to_stdio().map_err(spawn_err)?)
            .stderr(self.options.stderr.to_stdio().map_err(spawn_err)?);
        if let Some(dir) = self.options.working_dir()? {
            command.current_dir(dir);
        }
        sys::isolate(&mut command, None);
        let mut child = command
            .spawn()
            .map_err(|e| ScriptError::spawn(program, e))?;
        self.options.spawned(child.id());
        if let Some(mut stdin) = child.stdin.take() {
            let mut code = cell.code.to_string();
            if !code.ends_with('\n') {
                code.push('\n');
            }
            // A program may exit without reading all of its input: not jumper's failure.
            match stdin.write_all(code.as_bytes()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ScriptError::pipe(
                        program,
                        "cannot send the cell on stdin",
                        e,
                    ));
                }
                _ => {}
            }
        }
        let status = child
            .wait()
            .map_err(|e| ScriptError::pipe(program, "cannot wait for it", e))?;
        Ok(match InterpreterEnd::of(status) {
            InterpreterEnd::Exited(0) => CellOutcome::ok(),
            InterpreterEnd::Exited(code) => CellOutcome::failed(format!("exit status {code}")),
            InterpreterEnd::Signaled(signal) => {
                CellOutcome::failed(format!("killed by {}", sys::signal_name(signal)))
            }
        })
    }

    fn shutdown(&mut self) -> Result<(), ScriptError> {
        Ok(())
    }

    fn interpreter(&self) -> &Interpreter {
        &self.interpreter
    }
}

/// The file `program` names, as `exec` would find it: a path as given, or the first
/// executable file of that name in `PATH`.
pub(crate) fn find_program(program: &str) -> Result<PathBuf, ScriptError> {
    let not_found = || ScriptError::InterpreterNotFound {
        program: program.to_string(),
    };
    if program.contains('/') {
        let path = Path::new(program);
        let meta = path
            .metadata()
            .map_err(|e| ScriptError::spawn(program, e))?;
        if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
            return Ok(path.to_path_buf());
        }
        return Err(ScriptError::NotExecutable {
            program: program.to_string(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        });
    }
    let path = std::env::var_os("PATH").ok_or_else(not_found)?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_like_exec_does() {
        assert!(find_program("sh").unwrap().ends_with("sh"));
        let err = find_program("no-such-interpreter-x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "interpreter 'no-such-interpreter-x' not found (set it with --interpreter or a #! line)"
        );
        let err = find_program("/no/such/dir/sh").unwrap_err();
        assert!(
            matches!(err, ScriptError::InterpreterNotFound { .. }),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let err = find_program(plain.to_str().unwrap()).unwrap_err();
        assert!(err.to_string().contains("cannot be executed"), "{err}");
    }
}
