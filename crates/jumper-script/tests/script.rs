#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! jumper-script against real interpreters (bash and python3 are on every CI machine).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jumper_data::CellStatus;
use jumper_script::format::parse;
use jumper_script::recorder::{Recorder, RESTORE_TITLE};
use jumper_script::{
    spawn_executor, spawn_executor_with, CellCode, CellExecutor, CellItem, ChildIo, ExecOptions,
    Interpreter, InterpreterEnd, ScriptError,
};

/// stdout and stderr of an interpreter, both into one append-only file, so their order is the
/// order of the writes. Complete whenever a cell is over (the drivers flush first).
struct Capture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Capture {
    fn new() -> (Capture, ExecOptions) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let io = ChildIo::fd(file);
        let opts = ExecOptions::default()
            .stdin(ChildIo::Null)
            .stdout(io.clone())
            .stderr(io);
        (Capture { _dir: dir, path }, opts)
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.path).unwrap()
    }

    /// The output since the last call.
    fn take(&self) -> String {
        let text = self.text();
        File::create(&self.path).unwrap();
        text
    }
}

fn python(opts: ExecOptions) -> Box<dyn CellExecutor> {
    spawn_executor_with(&Interpreter::python3(), opts).unwrap()
}

fn bash(opts: ExecOptions) -> Box<dyn CellExecutor> {
    spawn_executor_with(&Interpreter::bash(), opts).unwrap()
}

fn run_ok(ex: &mut dyn CellExecutor, code: &str) {
    let outcome = ex.run_cell(code).unwrap();
    assert!(outcome.is_ok(), "{code:?} -> {outcome:?}");
}

/// The parent pid of `pid`, from `/proc/<pid>/stat` (the field after the parenthesised name).
fn ppid(pid: u32) -> u32 {
    try_ppid(pid).unwrap()
}

fn try_ppid(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(1)?.parse().ok()
}

fn open_fds(pid: u32) -> BTreeSet<i32> {
    fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect()
}

/// True when `pid` is no child of ours any more: reaped (no zombie left).
fn reaped(pid: u32) -> bool {
    // SAFETY: waitpid with WNOHANG only queries; a non-child gives ECHILD.
    let rc = unsafe { libc::waitpid(pid as i32, std::ptr::null_mut(), libc::WNOHANG) };
    rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD)
}

fn kill(pid: u32) {
    // SAFETY: sends a signal to a process this test started.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
}

/// Kills `pid` and every process below it.
fn kill_tree(pid: u32) {
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            if let Ok(child) = entry.file_name().to_str().unwrap_or("").parse::<u32>() {
                if !tree.contains(&child) && try_ppid(child) == Some(tree[i]) {
                    tree.push(child);
                }
            }
        }
        i += 1;
    }
    tree.into_iter().for_each(kill);
}

// ---------------------------------------------------------------- state across cells

#[test]
fn python_state_carries_across_cells_in_main() {
    let (out, opts) = Capture::new();
    let mut py = python(opts);
    run_ok(
        py.as_mut(),
        "print(sorted(k for k in globals() if not k.startswith('__')))",
    );
    run_ok(py.as_mut(), "x = 41\ndef bump(v):\n    return v + 1");
    run_ok(py.as_mut(), "import sys");
    run_ok(py.as_mut(), "x = bump(x)");
    run_ok(py.as_mut(), "print(x, __name__, sys.argv)");
    run_ok(
        py.as_mut(),
        "class P: pass\nimport pickle\nprint(type(pickle.loads(pickle.dumps(P()))).__qualname__)",
    );
    // No driver name is visible to user code; pickling a class defined in a cell works.
    assert_eq!(out.take(), "[]\n42 __main__ ['-c']\nP\n");
    py.shutdown().unwrap();
}

#[test]
fn python_gets_the_script_path_like_python_script_does() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("helper_mod.py"), "VALUE = 'from sibling'\n").unwrap();
    let script = dir.path().join("job.py");
    let (out, opts) = Capture::new();
    let mut py = python(opts.script(&script));
    run_ok(
        py.as_mut(),
        "import sys, helper_mod\nprint(__file__ == sys.argv[0], helper_mod.VALUE)",
    );
    assert_eq!(out.take(), "True from sibling\n");
    assert_eq!(
        fs::read_to_string(out.path.clone()).unwrap(),
        "",
        "take() empties the capture"
    );
    drop(py);
}

#[test]
fn bash_state_carries_variables_functions_and_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let (out, opts) = Capture::new();
    let mut sh = bash(opts);
    run_ok(sh.as_mut(), "count=41\ngreet() { echo \"hi $1\"; }");
    run_ok(sh.as_mut(), &format!("cd '{}'", dir.path().display()));
    run_ok(sh.as_mut(), "count=$((count + 1))\nexport EXPORTED=yes");
    run_ok(
        sh.as_mut(),
        "greet \"$count\"; pwd; bash -c 'echo $EXPORTED'; echo \"$0\"",
    );
    assert_eq!(
        out.take(),
        format!(
            "hi 42\n{}\nyes\nbash\n",
            dir.path().canonicalize().unwrap().display()
        )
    );
    sh.shutdown().unwrap();
}

#[test]
fn bash_keeps_leading_spaces_backslashes_and_multiline_constructs() {
    let (out, opts) = Capture::new();
    let mut sh = bash(opts.script("run.sh"));
    run_ok(
        sh.as_mut(),
        "cat <<'EOF'\n  indented \\n kept\nEOF\nfor i in 1 2; do\n  printf '%s;' \"$i\"\ndone\necho\necho \"$0\"",
    );
    assert_eq!(out.take(), "  indented \\n kept\n1;2;\nrun.sh\n");
    // Cells are framed in bytes whatever the shell's locale, so multibyte text keeps them apart.
    run_ok(
        sh.as_mut(),
        "export LC_ALL=C.UTF-8 2>/dev/null || export LC_ALL=C.utf8",
    );
    run_ok(sh.as_mut(), "s='é ✓ ünïcödé'; echo \"$s\"");
    run_ok(sh.as_mut(), "echo \"${#s} chars\"");
    assert_eq!(out.take(), "é ✓ ünïcödé\n11 chars\n");
}

// ---------------------------------------------------------------- failures

#[test]
fn python_exception_fails_the_cell_with_a_clean_traceback() {
    let (out, opts) = Capture::new();
    let mut py = python(opts);
    run_ok(py.as_mut(), "keep = 'kept'");
    let outcome = py.run_cell("def f():\n    return 1 / 0\nf()").unwrap();
    assert_eq!(outcome.status, CellStatus::Failed);
    assert_eq!(
        outcome.error.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert!(outcome.restarted.is_none());
    let text = out.take();
    assert!(
        text.starts_with("Traceback (most recent call last):\n"),
        "{text}"
    );
    assert!(
        text.contains("File \"<cell 2>\", line 3, in <module>"),
        "{text}"
    );
    assert!(
        text.contains("File \"<cell 2>\", line 2, in f\n    return 1 / 0"),
        "{text}"
    );
    assert!(
        text.ends_with("ZeroDivisionError: division by zero\n"),
        "{text}"
    );
    assert!(
        !text.contains("_jumper_driver") && !text.contains("<string>"),
        "{text}"
    );
    // The interpreter and its state survive an exception.
    run_ok(py.as_mut(), "print(keep)");
    assert_eq!(out.take(), "kept\n");

    let outcome = py.run_cell("raise KeyError('k')").unwrap();
    assert_eq!(outcome.error.as_deref(), Some("KeyError: 'k'"));
    let outcome = py.run_cell("raise SystemError").unwrap();
    assert_eq!(outcome.error.as_deref(), Some("SystemError"));
    // Ctrl-C interrupts the cell, not the interpreter, even where jumper itself was started
    // with SIGINT ignored (a shell's background job): the interpreter must not inherit that.
    // SAFETY: setting a disposition; this test binary handles no SIGINT of its own.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    let (out2, opts) = Capture::new();
    let mut started_ignoring = python(opts);
    let outcome = started_ignoring
        .run_cell("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)")
        .unwrap();
    assert_eq!(
        (outcome.error.as_deref(), outcome.restarted),
        (Some("KeyboardInterrupt"), None)
    );
    out2.take();
    let outcome = py
        .run_cell("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)")
        .unwrap();
    assert_eq!(
        (outcome.error.as_deref(), outcome.restarted),
        (Some("KeyboardInterrupt"), None)
    );
    out.take();

    let outcome = py.run_cell("x = (").unwrap();
    assert_eq!(outcome.status, CellStatus::Failed);
    let error = outcome.error.unwrap();
    assert!(error.starts_with("SyntaxError: "), "{error}");
    assert!(error.contains("<cell 7>"), "{error}");
    assert!(out.take().contains("SyntaxError"));
}

#[test]
fn python_tracebacks_can_name_the_script_and_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("job.py");
    // The file as replay reads it: the failing code starts at line 3.
    fs::write(&script, "# %% one\nok = 1\n# %% two\nmissing_name\n").unwrap();
    let name = script.to_str().unwrap();
    let (out, opts) = Capture::new();
    let mut py = python(opts);
    let outcome = py
        .run_code(&CellCode::new("missing_name").named(name).at_line(4))
        .unwrap();
    assert_eq!(
        outcome.error.as_deref(),
        Some("NameError: name 'missing_name' is not defined")
    );
    let text = out.take();
    assert!(
        text.contains(&format!(
            "File \"{name}\", line 4, in <module>\n    missing_name"
        )),
        "{text}"
    );
}

#[test]
fn bash_failure_is_the_last_status_and_the_shell_survives() {
    let (out, opts) = Capture::new();
    let mut sh = bash(opts);
    let pid = sh.root_pid().unwrap();
    run_ok(sh.as_mut(), "v=1; false; true");
    let outcome = sh.run_cell("echo before; (exit 3)").unwrap();
    assert_eq!(
        (outcome.status, outcome.error.as_deref()),
        (CellStatus::Failed, Some("exit status 3"))
    );
    let outcome = sh.run_cell("no_such_command_xyz").unwrap();
    assert_eq!(outcome.error.as_deref(), Some("exit status 127"));
    let outcome = sh.run_cell("if then").unwrap();
    assert_eq!(outcome.error.as_deref(), Some("exit status 2"));
    run_ok(sh.as_mut(), "echo \"v=$v\"");
    assert_eq!(sh.root_pid(), Some(pid));
    let text = out.take();
    assert!(text.starts_with("before\n"), "{text}");
    assert!(
        text.contains("no_such_command_xyz: command not found"),
        "{text}"
    );
    assert!(text.ends_with("v=1\n"), "{text}");
    let outcome = sh.run_cell("echo a\0b").unwrap();
    assert_eq!(
        outcome.error.as_deref(),
        Some("the cell contains a NUL byte, which bash cannot run")
    );
}

// ---------------------------------------------------------------- output

#[test]
fn output_order_is_the_order_of_writes_across_streams_and_processes() {
    let (out, opts) = Capture::new();
    let mut py = python(opts.clone());
    run_ok(
        py.as_mut(),
        "import sys, subprocess\nprint('a')\nprint('b', file=sys.stderr)\n\
         subprocess.run(['echo', 'c'])\nsys.stdout.write('d')\nsys.stderr.write('e\\n')",
    );
    run_ok(py.as_mut(), "print('é ✓')");
    assert_eq!(out.take(), "a\nb\nc\nde\né ✓\n");
    drop(py);

    let mut sh = bash(opts);
    run_ok(
        sh.as_mut(),
        "echo a; echo b >&2; python3 -c 'print(\"c\")'; printf d; echo e >&2",
    );
    assert_eq!(out.take(), "a\nb\nc\nde\n");
}

/// Output arrives while the cell still runs: the test reads the first line before it lets the
/// cell finish (through the interpreter's stdin, which a cell may read).
#[test]
fn output_streams_while_the_cell_runs_and_stdin_reaches_the_cell() {
    for (interpreter, code) in [
        (
            Interpreter::python3(),
            "print('first')\nline = input()\nprint('got', line)",
        ),
        (
            Interpreter::bash(),
            "echo first\nread -r line\necho \"got $line\"",
        ),
    ] {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let (stdin_ours, stdin_theirs) = UnixStream::pair().unwrap();
        ours.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let opts = ExecOptions::default()
            .stdout(ChildIo::fd(theirs))
            .stdin(ChildIo::fd(stdin_theirs));
        let mut ex = spawn_executor_with(&interpreter, opts).unwrap();
        let cell = std::thread::spawn(move || {
            let outcome = ex.run_cell(code).unwrap();
            (ex, outcome)
        });
        let mut reader = BufReader::new(ours);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "first\n", "{interpreter}");
        // The cell is blocked on its stdin until now.
        assert!(!cell.is_finished(), "{interpreter}");
        (&stdin_ours).write_all(b"hello\n").unwrap();
        let (mut ex, outcome) = cell.join().unwrap();
        assert!(outcome.is_ok(), "{outcome:?}");
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "got hello\n", "{interpreter}");
        ex.shutdown().unwrap();
    }
}

// ---------------------------------------------------------------- the interpreter ends

const RESTARTED: &str = "it was restarted and variables from earlier cells are lost";

#[test]
fn python_sys_exit_restarts_a_fresh_interpreter() {
    let spawned = Arc::new(Mutex::new(Vec::new()));
    let seen = spawned.clone();
    let (out, opts) = Capture::new();
    let mut py = python(opts.on_spawn(move |pid| seen.lock().unwrap().push(pid)));
    let first = py.root_pid().unwrap();
    assert_eq!(*spawned.lock().unwrap(), [first]);
    run_ok(py.as_mut(), "x = 1\nimport sys");

    let outcome = py.run_cell("print('bye')\nsys.exit(3)").unwrap();
    assert_eq!(outcome.status, CellStatus::Failed);
    assert_eq!(
        outcome.error.as_deref(),
        Some(format!("the interpreter exited with status 3; {RESTARTED}").as_str())
    );
    let restart = outcome.restarted.unwrap();
    assert_eq!(restart.ended, InterpreterEnd::Exited(3));
    assert_eq!(restart.old_pid, first);
    assert_ne!(restart.pid, first);
    assert_eq!(py.root_pid(), Some(restart.pid));
    assert_eq!(*spawned.lock().unwrap(), [first, restart.pid]);
    assert!(reaped(first));

    // The next cell runs in the new interpreter, where x is gone.
    let outcome = py.run_cell("print(x)").unwrap();
    assert_eq!(
        outcome.error.as_deref(),
        Some("NameError: name 'x' is not defined")
    );
    run_ok(py.as_mut(), "import os\nprint('alive', os.getpid())");
    let text = out.take();
    assert!(text.starts_with("bye\n"), "{text}");
    assert!(
        text.ends_with(&format!("alive {}\n", restart.pid)),
        "{text}"
    );

    // os._exit skips every cleanup; a signal kills outright.
    let outcome = py.run_cell("os._exit(4)").unwrap();
    assert_eq!(outcome.restarted.unwrap().ended, InterpreterEnd::Exited(4));
    let outcome = py
        .run_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        .unwrap();
    assert_eq!(
        outcome.error.as_deref(),
        Some(format!("the interpreter was killed by SIGKILL; {RESTARTED}").as_str())
    );
    // sys.exit() with no status is still the end of the interpreter, reported as such.
    let outcome = py.run_cell("raise SystemExit").unwrap();
    assert_eq!(outcome.restarted.unwrap().ended, InterpreterEnd::Exited(0));
    assert_eq!(spawned.lock().unwrap().len(), 5);
    run_ok(py.as_mut(), "pass");
}

#[test]
fn bash_exit_restarts_a_fresh_shell() {
    let (out, opts) = Capture::new();
    let mut sh = bash(opts);
    let first = sh.root_pid().unwrap();
    run_ok(sh.as_mut(), "v=kept");
    let outcome = sh.run_cell("exit 3").unwrap();
    assert_eq!(
        outcome.error.as_deref(),
        Some(format!("the interpreter exited with status 3; {RESTARTED}").as_str())
    );
    let restart = outcome.restarted.unwrap();
    assert_eq!(
        (restart.old_pid, restart.ended),
        (first, InterpreterEnd::Exited(3))
    );
    assert!(reaped(first));
    run_ok(sh.as_mut(), "echo \"${v:-gone} $$\"");
    assert_eq!(out.take(), format!("gone {}\n", restart.pid));
}

/// An interpreter that exits while a process it started lives on (and would hold inherited
/// pipes) is still noticed.
#[test]
fn exit_is_noticed_while_a_background_child_lives_on() {
    let (out, opts) = Capture::new();
    let mut sh = bash(opts);
    run_ok(sh.as_mut(), "( sleep 30; true ) &\necho $!");
    let subshell: u32 = out.take().trim().parse().unwrap();
    let outcome = sh.run_cell("exit 5").unwrap();
    assert_eq!(outcome.restarted.unwrap().ended, InterpreterEnd::Exited(5));
    kill_tree(subshell);
}

#[test]
fn shebang_arguments_reach_the_interpreter() {
    let (out, opts) = Capture::new();
    // `bash -e`: a failing command ends the shell, as running the script with it would.
    let mut sh = spawn_executor_with(
        &Interpreter::from_shebang("#!/bin/bash -e").unwrap(),
        opts.clone(),
    )
    .unwrap();
    let outcome = sh.run_cell("false\necho not reached").unwrap();
    assert_eq!(outcome.restarted.unwrap().ended, InterpreterEnd::Exited(1));
    // `python3 -O` drops asserts.
    let mut py =
        spawn_executor_with(&Interpreter::from_command("python3 -O").unwrap(), opts).unwrap();
    run_ok(py.as_mut(), "assert False\nprint('optimised', __debug__)");
    assert_eq!(out.take(), "optimised False\n");
}

// ---------------------------------------------------------------- processes and descriptors

#[test]
fn root_pid_is_the_interpreter_and_cell_children_are_its_descendants() {
    let (out, opts) = Capture::new();
    let mut py = python(opts.clone());
    let root = py.root_pid().unwrap();
    run_ok(
        py.as_mut(),
        "import os, subprocess\nprint(os.getpid())\np = subprocess.Popen(['sleep', '30'], close_fds=False)\nprint(p.pid)",
    );
    let text = out.take();
    let pids: Vec<u32> = text.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids[0], root);
    assert_eq!(ppid(pids[1]), root);
    // Only the standard streams reach the child, not jumper's pipes (even with close_fds=False).
    assert_eq!(open_fds(pids[1]), BTreeSet::from([0, 1, 2]));
    kill(pids[1]);
    run_ok(py.as_mut(), "p.wait()");

    let mut sh = bash(opts);
    let root = sh.root_pid().unwrap();
    run_ok(sh.as_mut(), "echo $$; sleep 30 & echo $!");
    let pids: Vec<u32> = out.take().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids[0], root);
    assert_eq!(ppid(pids[1]), root);
    // `$!` is known at fork; look once the forked shell has become `sleep`.
    let comm = format!("/proc/{}/comm", pids[1]);
    for _ in 0..1000 {
        if fs::read_to_string(&comm).unwrap() == "sleep\n" {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(fs::read_to_string(&comm).unwrap(), "sleep\n");
    assert_eq!(open_fds(pids[1]), BTreeSet::from([0, 1, 2]));
    kill(pids[1]);
}

#[test]
fn interpreters_inherit_no_descriptor_but_their_two_pipes() {
    // A descriptor this process holds without close-on-exec (as a careless library would).
    let file = tempfile::tempfile().unwrap();
    // SAFETY: F_DUPFD creates a descriptor numbered 50 or above without FD_CLOEXEC; closed
    // below.
    let leaked = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_DUPFD, 50) };
    assert!(leaked >= 50);
    let (_out, opts) = Capture::new();
    for mut ex in [python(opts.clone()), bash(opts.clone())] {
        let pid = ex.root_pid().unwrap();
        assert_eq!(
            open_fds(pid),
            BTreeSet::from([0, 1, 2, 3, 4]),
            "{}",
            ex.interpreter()
        );
        ex.shutdown().unwrap();
    }
    // SAFETY: closes the descriptor dup'ed above.
    unsafe { libc::close(leaked) };
}

#[test]
fn shutdown_and_drop_end_and_reap_the_interpreter() {
    let (out, opts) = Capture::new();
    let mut py = python(opts.clone());
    let pid = py.root_pid().unwrap();
    run_ok(
        py.as_mut(),
        "import atexit\natexit.register(lambda: print('atexit ran'))",
    );
    py.shutdown().unwrap();
    assert_eq!(py.root_pid(), None);
    assert!(reaped(pid));
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    assert_eq!(out.take(), "atexit ran\n");
    py.shutdown().unwrap();

    // A thread that never ends would keep Python alive: it is killed after the grace period.
    let mut py = python(opts.clone().shutdown_grace(Duration::from_millis(200)));
    let pid = py.root_pid().unwrap();
    run_ok(
        py.as_mut(),
        "import threading, time\nthreading.Thread(target=time.sleep, args=(1000,)).start()",
    );
    py.shutdown().unwrap();
    assert!(reaped(pid));

    // Dropping does the same; bash runs its EXIT trap.
    let sh = bash(opts);
    let pid = sh.root_pid().unwrap();
    let mut sh = sh;
    run_ok(sh.as_mut(), "trap 'echo trap ran' EXIT");
    drop(sh);
    assert!(reaped(pid));
    assert_eq!(out.take(), "trap ran\n");
}

#[test]
fn big_cells_cross_the_pipe_buffer() {
    let (out, opts) = Capture::new();
    let code: String = (0..20_000).map(|i| format!("v{i} = {i}\n")).collect();
    assert!(code.len() > 200_000);
    let mut py = python(opts.clone());
    run_ok(py.as_mut(), &code);
    run_ok(py.as_mut(), "print(v19999 + v1)");
    let code: String = (0..5_000).map(|i| format!("v{i}={i}\n")).collect();
    let mut sh = bash(opts);
    run_ok(sh.as_mut(), &code);
    run_ok(sh.as_mut(), "echo $((v4999 + v1))");
    assert_eq!(out.take(), "20000\n5000\n");
}

// ---------------------------------------------------------------- other programs, errors

#[test]
fn stdin_programs_run_one_process_per_cell() {
    let spawned = Arc::new(Mutex::new(Vec::new()));
    let seen = spawned.clone();
    let (out, opts) = Capture::new();
    let sh = Interpreter::new("sh", vec![]);
    assert!(!sh.kind.keeps_state());
    let mut ex = spawn_executor_with(
        &sh,
        opts.on_spawn(move |pid| seen.lock().unwrap().push(pid)),
    )
    .unwrap();
    assert_eq!(ex.root_pid(), None);
    run_ok(ex.as_mut(), "x=1; echo \"x=$x pid=$$\"");
    run_ok(ex.as_mut(), "echo \"x=${x:-unset} pid=$$\"");
    let outcome = ex.run_cell("exit 4").unwrap();
    assert_eq!(
        (outcome.error.as_deref(), outcome.restarted),
        (Some("exit status 4"), None)
    );
    let outcome = ex.run_cell("kill -9 $$").unwrap();
    assert_eq!(outcome.error.as_deref(), Some("killed by SIGKILL"));
    let pids = spawned.lock().unwrap().clone();
    assert_eq!(pids.len(), 4);
    assert_eq!(
        out.take(),
        format!("x=1 pid={}\nx=unset pid={}\n", pids[0], pids[1])
    );
    assert!(pids.iter().all(|&p| reaped(p)));
    assert_eq!(ex.root_pid(), None);
}

/// An error and its causes on one line, as the CLI prints them (anyhow's `{:#}`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        line = format!("{line}: {c}");
        cause = c.source();
    }
    line
}

#[test]
fn missing_or_broken_interpreters_are_named() {
    for program in ["python9", "bash9", "no-such-reader"] {
        let err = spawn_executor(&Interpreter::new(program, vec![]))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            format!("interpreter '{program}' not found (set it with --interpreter or a #! line)")
        );
    }
    let dir = tempfile::tempdir().unwrap();
    // Exists, not executable.
    let plain = dir.path().join("python3");
    fs::write(&plain, "").unwrap();
    let err = spawn_executor(&Interpreter::new(plain.to_str().unwrap(), vec![]))
        .err()
        .unwrap();
    assert!(matches!(err, ScriptError::NotExecutable { .. }), "{err}");
    // The OS error is said once, by the chain.
    let line = chain(&err);
    assert!(
        line.starts_with(&format!(
            "interpreter '{}' cannot be executed (set it with --interpreter or a #! line): ",
            plain.display()
        )),
        "{line}"
    );
    assert_eq!(
        line.to_lowercase().matches("permission denied").count(),
        1,
        "{line}"
    );
    // A missing working directory is named as such, not as a missing interpreter.
    let gone = dir.path().join("gone");
    let err = spawn_executor_with(&Interpreter::bash(), ExecOptions::default().cwd(&gone))
        .err()
        .unwrap();
    assert_eq!(err.to_string(), gone.display().to_string());
    assert_eq!(
        chain(&err),
        format!("{}: No such file or directory (os error 2)", gone.display())
    );
    // Executable, but not a Python: it ends before the driver is ready.
    let fake = dir.path().join("python-fake");
    fs::write(&fake, "#!/bin/sh\nexit 9\n").unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let err = spawn_executor(&Interpreter::new(fake.to_str().unwrap(), vec![]))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "interpreter '{}' exited with status 9 before it was ready to run cells; is it a working python3?",
            fake.display()
        )
    );
}

// ---------------------------------------------------------------- recorder and format

#[test]
fn recorded_script_parses_back_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/recorded.py");
    let mut rec = Recorder::start(
        Some(path.clone()),
        vec!["%perfmonitor_enable_perfreports --level user --interval 0.1 --text".into()],
    );
    assert!(!rec.record("start", "%start_write_script deep/er/recorded.py"));
    assert!(rec.record("Cell 2", "total = sum(range(10))\n\n"));
    assert!(rec.record(
        "Cell 3",
        "%perfmonitor_perfreport --level user\nprint(total)\r\n"
    ));
    assert!(rec.record("Cell 4", "# %% a marker inside a cell\nprint('done')"));
    let recorded = rec.finish().unwrap();
    assert_eq!(
        (recorded.path.as_path(), recorded.cells),
        (path.as_path(), 3)
    );
    // Nothing else was left beside it.
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["recorded.py"]);

    let text = fs::read_to_string(&path).unwrap();
    let script = parse(&text);
    assert_eq!(script.shebang.as_deref(), Some("#!/usr/bin/env python3"));
    assert!(script.header.contains("Recording started: 20"), "{text}");
    assert!(!script.header.contains("if self"), "{text}");
    let titles: Vec<&str> = script.cells.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, [RESTORE_TITLE, "Cell 2", "Cell 3", "Cell 4"]);
    assert_eq!(
        script.cells[0].commands().collect::<Vec<_>>(),
        ["perfmonitor_enable_perfreports --level user --interval 0.1 --text"]
    );
    assert!(!script.cells[0].has_code());
    assert_eq!(script.cells[1].source, "total = sum(range(10))");
    assert!(
        matches!(&script.cells[2].items[..], [CellItem::Command { .. }, CellItem::Code { text, .. }] if text == "print(total)")
    );
    assert_eq!(
        script.cells[3].source,
        "# # %% a marker inside a cell\nprint('done')"
    );

    // Replaying the code of the recorded cells reproduces the run.
    let (out, opts) = Capture::new();
    let interpreter = Interpreter::choose(&path, &script, None).unwrap();
    let mut py = spawn_executor_with(&interpreter, opts).unwrap();
    for cell in &script.cells {
        for item in &cell.items {
            if item.runs_code() {
                let name = path.to_str().unwrap();
                let code = CellCode::new(item.text()).named(name).at_line(item.line());
                assert!(py.run_code(&code).unwrap().is_ok());
            }
        }
    }
    assert_eq!(out.take(), "45\ndone\n");
}

#[test]
fn a_recording_without_cells_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/none.py");
    let mut rec = Recorder::start(Some(path.clone()), vec![]);
    rec.record("end", "%end_write_script");
    let err = rec.finish().unwrap_err();
    assert_eq!(err.to_string(), "no recorded cells to save");
    assert!(!dir.path().join("sub").exists());
}

#[test]
fn recorder_reports_unwritable_targets_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, "").unwrap();
    let mut rec = Recorder::start(Some(blocker.join("x.py")), vec![]);
    rec.record("c", "x = 1");
    let err = rec.finish().unwrap_err();
    // The path, then the OS error once (the source, not repeated in the message).
    assert_eq!(err.to_string(), blocker.display().to_string());
    let line = chain(&err);
    assert!(
        line.starts_with(&format!("{}: ", blocker.display())),
        "{line}"
    );
    assert_eq!(
        line.matches(&blocker.display().to_string()).count(),
        1,
        "{line}"
    );
}

#[test]
fn jumper_py_recorded_script_is_one_python_cell() {
    // JUmPER 0.4.1 wrote plain Python: no markers, so the whole file is one cell, run by the
    // interpreter of its #! line.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/jumper-py-0.4.1/recorded_script.py");
    let mut text = String::new();
    File::open(&fixture)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let script = parse(&text);
    assert_eq!(script.cells.len(), 1);
    assert!(!script.cells[0].marker);
    assert_eq!(script.cells[0].line, 2);
    assert!(script.cells[0].commands().next().is_none());
    assert_eq!(
        Interpreter::choose(&fixture, &script, None).unwrap(),
        Interpreter::python3()
    );
}
