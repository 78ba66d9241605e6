//! One long-lived Python or bash interpreter fed over private pipes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::{Child, Command};

use super::sys::{self, RESULT_FD};
use super::{
    restart_message, CellCode, CellExecutor, CellOutcome, ExecOptions, InterpreterEnd, Restart,
};
use crate::error::ScriptError;
use crate::interpreter::{Interpreter, InterpreterKind};

const PYTHON_DRIVER: &str = include_str!("driver.py");
const BASH_DRIVER: &str = include_str!("driver.bash");

/// The executor for [`InterpreterKind::Python`] and [`InterpreterKind::Bash`].
pub(crate) struct Persistent {
    interpreter: Interpreter,
    options: ExecOptions,
    live: Option<Live>,
    /// False only in tests of the fallback for kernels without pidfd.
    use_pidfd: bool,
}

/// A running interpreter and jumper's ends of its pipes.
struct Live {
    child: Child,
    /// Readable when the interpreter exits.
    pidfd: Option<OwnedFd>,
    /// Where cells go (the interpreter's fd 3); `None` once closed.
    code: Option<File>,
    /// Where results come from (the interpreter's fd 4).
    results: Results,
}

/// A message of the driver on the result pipe.
#[derive(Debug, PartialEq, Eq)]
enum Message {
    Ready,
    Ok,
    Err(String),
    Status(i32),
}

/// How waiting for a message ended.
enum Next {
    Message(Message),
    /// End of file on the result pipe, or the interpreter exited without a message.
    Gone,
}

impl Persistent {
    pub(crate) fn start(
        interpreter: Interpreter,
        options: ExecOptions,
        use_pidfd: bool,
    ) -> Result<Persistent, ScriptError> {
        let mut executor = Persistent {
            interpreter,
            options,
            live: None,
            use_pidfd,
        };
        executor.live = Some(executor.launch()?);
        Ok(executor)
    }

    fn program(&self) -> &str {
        &self.interpreter.program
    }

    /// Starts an interpreter and waits until its driver says it is ready.
    fn launch(&self) -> Result<Live, ScriptError> {
        let program = self.program();
        let spawn_err = |e| ScriptError::Spawn {
            program: program.to_string(),
            source: e,
        };
        let (code_read, code_write) = sys::pipe().map_err(spawn_err)?;
        let (result_read, result_write) = sys::pipe().map_err(spawn_err)?;
        // The child's ends must not sit on 3 or 4 themselves, or the dup2s could clobber them.
        let code_read = sys::at_least(code_read, RESULT_FD + 1).map_err(spawn_err)?;
        let result_write = sys::at_least(result_write, RESULT_FD + 1).map_err(spawn_err)?;

        let mut command = Command::new(program);
        let script = self
            .options
            .script
            .as_ref()
            .map(|p| p.as_os_str().to_os_string());
        match self.interpreter.kind {
            InterpreterKind::Bash => {
                // bash takes long options only before the short ones.
                command.args(["--norc", "--noprofile"]);
                command.args(&self.interpreter.args);
                command.args(["-c", BASH_DRIVER]);
                command.arg(script.unwrap_or_else(|| "bash".into()));
            }
            _ => {
                command.args(&self.interpreter.args);
                command.args(["-u", "-c", PYTHON_DRIVER]);
                command.args(script);
            }
        }
        command
            .stdin(self.options.stdin.to_stdio().map_err(spawn_err)?)
            .stdout(self.options.stdout.to_stdio().map_err(spawn_err)?)
            .stderr(self.options.stderr.to_stdio().map_err(spawn_err)?);
        if let Some(dir) = self.options.working_dir()? {
            command.current_dir(dir);
        }
        sys::isolate(
            &mut command,
            Some((code_read.as_raw_fd(), result_write.as_raw_fd())),
        );
        let child = command
            .spawn()
            .map_err(|e| ScriptError::spawn(program, e))?;
        drop(command);
        drop(code_read);
        drop(result_write);

        let pidfd = if self.use_pidfd {
            sys::pidfd_open(child.id())
        } else {
            None
        };
        let mut live = Live {
            child,
            pidfd,
            code: Some(File::from(code_write)),
            results: Results::new(result_read),
        };
        match live.next(program) {
            Ok(Next::Message(Message::Ready)) => {}
            Ok(Next::Gone) => {
                let ended = live.reap(program)?;
                return Err(ScriptError::NotReady {
                    program: program.to_string(),
                    ended: ended.to_string(),
                    kind: self.interpreter.kind.describe().to_string(),
                });
            }
            Ok(Next::Message(other)) => {
                live.kill_and_reap();
                return Err(ScriptError::protocol(
                    program,
                    format!("expected 'ready', got {other:?}"),
                ));
            }
            Err(e) => {
                live.kill_and_reap();
                return Err(e);
            }
        }
        self.options.spawned(live.child.id());
        Ok(live)
    }

    /// Replaces an interpreter that ended with a fresh one; the cell fails with `error`.
    fn restart(
        &mut self,
        ended: InterpreterEnd,
        old_pid: u32,
        error: String,
    ) -> Result<CellOutcome, ScriptError> {
        match self.launch() {
            Ok(live) => {
                let pid = live.child.id();
                self.live = Some(live);
                Ok(CellOutcome {
                    restarted: Some(Restart {
                        ended,
                        old_pid,
                        pid,
                    }),
                    ..CellOutcome::failed(error)
                })
            }
            Err(source) => Err(ScriptError::Restart {
                ended: ended.to_string(),
                source: Box::new(source),
            }),
        }
    }

    fn frame(&self, cell: &CellCode<'_>) -> Result<Vec<u8>, CellOutcome> {
        match self.interpreter.kind {
            InterpreterKind::Bash => {
                if cell.code.contains('\0') {
                    return Err(CellOutcome::failed(
                        "the cell contains a NUL byte, which bash cannot run",
                    ));
                }
                // bash drops NUL bytes from what `read` returns.
                let mut frame = format!("{}\n", cell.code.len()).into_bytes();
                frame.extend_from_slice(cell.code.as_bytes());
                Ok(frame)
            }
            _ => {
                let name = cell.name.unwrap_or("");
                let mut frame = format!(
                    "cell {} {} {}\n",
                    cell.code.len(),
                    cell.first_line.max(1),
                    name.len()
                )
                .into_bytes();
                frame.extend_from_slice(name.as_bytes());
                frame.extend_from_slice(cell.code.as_bytes());
                Ok(frame)
            }
        }
    }
}

impl CellExecutor for Persistent {
    fn root_pid(&self) -> Option<u32> {
        self.live.as_ref().map(|live| live.child.id())
    }

    fn run_code(&mut self, cell: &CellCode<'_>) -> Result<CellOutcome, ScriptError> {
        let frame = match self.frame(cell) {
            Ok(frame) => frame,
            Err(outcome) => return Ok(outcome),
        };
        let mut live = match self.live.take() {
            Some(live) => live,
            None => self.launch()?,
        };
        let program = self.interpreter.program.clone();
        let old_pid = live.child.id();

        // Killed from outside since the last cell: restart, and do not pretend this cell ran.
        if let Ok(Some(status)) = live.child.try_wait() {
            let ended = InterpreterEnd::of(status);
            let error = format!(
                "the interpreter {ended} before this cell; it was restarted and variables from \
                 earlier cells are lost; the cell did not run"
            );
            return self.restart(ended, old_pid, error);
        }

        let sent = match live.code.as_mut() {
            Some(code) => code.write_all(&frame),
            None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        };
        let next = match sent {
            Ok(()) => live.next(&program),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Next::Gone),
            Err(e) => Err(ScriptError::pipe(&program, "cannot send the cell", e)),
        };
        let outcome = match next {
            Ok(Next::Message(Message::Ok)) | Ok(Next::Message(Message::Status(0))) => {
                CellOutcome::ok()
            }
            Ok(Next::Message(Message::Err(error))) => CellOutcome::failed(error),
            Ok(Next::Message(Message::Status(status))) => {
                CellOutcome::failed(format!("exit status {status}"))
            }
            Ok(Next::Gone) => {
                let ended = live.reap(&program)?;
                return self.restart(ended, old_pid, restart_message(ended));
            }
            Ok(Next::Message(Message::Ready)) => {
                live.kill_and_reap();
                return Err(ScriptError::protocol(&program, "unexpected 'ready'"));
            }
            Err(e) => {
                live.kill_and_reap();
                return Err(e);
            }
        };
        self.live = Some(live);
        Ok(outcome)
    }

    fn shutdown(&mut self) -> Result<(), ScriptError> {
        let Some(mut live) = self.live.take() else {
            return Ok(());
        };
        // End of file on its code pipe tells the driver to return: the interpreter ends as a
        // script does (atexit handlers, EXIT traps).
        drop(live.code.take());
        let grace = Some(self.options.shutdown_grace);
        let exited = match &live.pidfd {
            Some(pidfd) => sys::wait_readable(&[pidfd.as_fd()], grace)
                .map(|ready| ready[0])
                .unwrap_or(false),
            None => live.results.wait_eof(grace),
        };
        if !exited {
            sys::kill(live.child.id());
        }
        live.reap(&self.interpreter.program).map(|_| ())
    }

    fn interpreter(&self) -> &Interpreter {
        &self.interpreter
    }
}

impl Drop for Persistent {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl Live {
    /// Waits for the next message, or for the interpreter to go.
    fn next(&mut self, program: &str) -> Result<Next, ScriptError> {
        loop {
            if let Some(message) = self.results.parse(program)? {
                return Ok(Next::Message(message));
            }
            let mut fds = vec![self.results.file.as_fd()];
            if let Some(pidfd) = &self.pidfd {
                fds.push(pidfd.as_fd());
            }
            let ready = sys::wait_readable(&fds, None)
                .map_err(|e| ScriptError::pipe(program, "cannot poll its pipes", e))?;
            if ready[0] {
                match self.results.fill() {
                    Ok(0) => return Ok(Next::Gone),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(ScriptError::pipe(program, "cannot read the result pipe", e))
                    }
                }
            } else if ready.get(1) == Some(&true) {
                // Exited, and a process it started keeps the pipe open.
                return Ok(Next::Gone);
            }
        }
    }

    /// Waits for the interpreter to exit (it is exiting, or has) and tells how it ended.
    fn reap(&mut self, program: &str) -> Result<InterpreterEnd, ScriptError> {
        self.code = None;
        self.child
            .wait()
            .map(InterpreterEnd::of)
            .map_err(|e| ScriptError::pipe(program, "cannot wait for it", e))
    }

    fn kill_and_reap(&mut self) {
        sys::kill(self.child.id());
        self.code = None;
        let _ = self.child.wait();
    }
}

/// The read end of the result pipe and what was read from it but not parsed yet.
struct Results {
    file: File,
    buf: Vec<u8>,
}

impl Results {
    fn new(fd: OwnedFd) -> Results {
        Results {
            file: File::from(fd),
            buf: Vec::new(),
        }
    }

    /// Reads what is available; `Ok(0)` at end of file.
    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 4096];
        let n = self.file.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Takes one complete message off the buffer: a line `KIND N`, then N bytes of payload for
    /// `ready`, `ok` and `err`; for `status`, N is the status itself.
    fn parse(&mut self, program: &str) -> Result<Option<Message>, ScriptError> {
        let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let header = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let bad = || ScriptError::protocol(program, format!("unexpected message '{header}'"));
        let (kind, number) = header.split_once(' ').ok_or_else(bad)?;
        let number: i64 = number.trim().parse().map_err(|_| bad())?;
        if kind == "status" {
            self.buf.drain(..=end);
            return Ok(Some(Message::Status(number as i32)));
        }
        let size = usize::try_from(number).map_err(|_| bad())?;
        if self.buf.len() < end + 1 + size {
            return Ok(None);
        }
        let payload = String::from_utf8_lossy(&self.buf[end + 1..end + 1 + size]).into_owned();
        let message = match kind {
            "ready" => Message::Ready,
            "ok" => Message::Ok,
            "err" => Message::Err(payload),
            _ => return Err(bad()),
        };
        self.buf.drain(..end + 1 + size);
        Ok(Some(message))
    }

    /// Without a pidfd: reads and drops until end of file or until `grace` passes; true at end
    /// of file.
    fn wait_eof(&mut self, grace: Option<std::time::Duration>) -> bool {
        let deadline = grace.map(|g| std::time::Instant::now() + g);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            match sys::wait_readable(&[self.file.as_fd()], left) {
                Ok(ready) if ready[0] => {}
                _ => return false,
            }
            self.buf.clear();
            match self.fill() {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::ChildIo;

    fn quiet() -> ExecOptions {
        ExecOptions::default()
            .stdout(ChildIo::Null)
            .stderr(ChildIo::Null)
            .stdin(ChildIo::Null)
    }

    #[test]
    fn messages_parse_across_partial_reads() {
        let (r, w) = sys::pipe().unwrap();
        let mut results = Results::new(r);
        let mut w = File::from(w);
        w.write_all(b"ready 0\nerr 1").unwrap();
        results.fill().unwrap();
        assert_eq!(results.parse("p").unwrap(), Some(Message::Ready));
        assert_eq!(results.parse("p").unwrap(), None);
        w.write_all(b"6\nKeyError: 'x'\xff\xfe\xfdstatus 3\nstatus -1\n")
            .unwrap();
        results.fill().unwrap();
        assert_eq!(
            results.parse("p").unwrap(),
            Some(Message::Err("KeyError: 'x'\u{fffd}\u{fffd}\u{fffd}".into()))
        );
        assert_eq!(results.parse("p").unwrap(), Some(Message::Status(3)));
        assert_eq!(results.parse("p").unwrap(), Some(Message::Status(-1)));
        assert_eq!(results.parse("p").unwrap(), None);
        w.write_all(b"hello world\n").unwrap();
        results.fill().unwrap();
        let err = results.parse("python3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "lost contact with interpreter 'python3': unexpected message 'hello world'"
        );
    }

    /// Kernels without pidfd: results and shutdown still work on end of file alone.
    #[test]
    fn works_without_pidfd() {
        for interpreter in [Interpreter::python3(), Interpreter::bash()] {
            let mut ex = Persistent::start(interpreter.clone(), quiet(), false).unwrap();
            assert!(ex.live.as_ref().unwrap().pidfd.is_none());
            let (set, exit) = if interpreter.kind == InterpreterKind::Bash {
                ("v=5", "exit 7")
            } else {
                ("v = 5", "import sys\nsys.exit(7)")
            };
            assert!(ex.run_cell(set).unwrap().is_ok());
            let old = ex.root_pid().unwrap();
            let out = ex.run_cell(exit).unwrap();
            let restart = out.restarted.unwrap();
            assert_eq!(
                (restart.old_pid, restart.ended),
                (old, InterpreterEnd::Exited(7))
            );
            assert_eq!(ex.root_pid(), Some(restart.pid));
            ex.shutdown().unwrap();
            assert_eq!(ex.root_pid(), None);
            // Reaped: the pid is no longer our child.
            // SAFETY: waitpid with WNOHANG only queries.
            let rc =
                unsafe { libc::waitpid(restart.pid as i32, std::ptr::null_mut(), libc::WNOHANG) };
            assert_eq!(rc, -1);
        }
    }
}
