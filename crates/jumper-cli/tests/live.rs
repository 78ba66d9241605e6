//! The live view as a person uses it: tmux runs `jumper` in a window of a fixed size, the
//! test reads the screen with `capture-pane` and types with `send-keys`. Plus the refusals
//! that need no terminal (no terminal, `-q`, a bad refresh rate, a bad pid).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const JUMPER: &str = env!("CARGO_BIN_EXE_jumper");

/// Whether tmux is here; under CI its absence fails the test with the install command.
fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("install tmux: apt-get install tmux");
        }
        eprintln!("tmux is missing (install tmux: apt-get install tmux); not run here");
    }
    ok
}

/// A tmux server of the test's own (its own socket), killed on drop; the drop also checks
/// that nothing it ran is left.
struct Tmux {
    socket: String,
    socket_path: Option<String>,
    pane_pid: Option<u32>,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, cwd: &Path, shell: &str) -> Tmux {
        Tmux::start_env(name, width, height, cwd, shell, None)
    }

    fn start_env(
        name: &str,
        width: u16,
        height: u16,
        cwd: &Path,
        shell: &str,
        no_color: Option<&str>,
    ) -> Tmux {
        let socket = format!("jumper-test-{}-{name}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg("-c")
            .arg(cwd)
            .arg(shell)
            .env_remove("NO_COLOR")
            .envs(no_color.map(|v| ("NO_COLOR", v)))
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(status.success());
        let mut t = Tmux {
            socket,
            socket_path: None,
            pane_pid: None,
        };
        let pid = t.tmux(&["list-panes", "-F", "#{pane_pid}"]);
        t.pane_pid = pid.trim().parse().ok();
        let path = t.tmux(&["display-message", "-p", "#{socket_path}"]);
        t.socket_path = Some(path.trim().to_string()).filter(|p| !p.is_empty());
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", keys]);
    }

    /// Waits (up to a generous bound: the machine may be busy) for the screen to satisfy
    /// `ok`; returns the screen, or fails with what it showed.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
        // tmux leaves its socket file behind.
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
        if let Some(pid) = self.pane_pid {
            let gone = (0..50).any(|_| {
                std::thread::sleep(Duration::from_millis(50));
                !Path::new(&format!("/proc/{pid}")).exists()
            });
            if !std::thread::panicking() {
                assert!(gone, "the pane's shell {pid} is still running");
            }
        }
    }
}

/// The number after `label` on the first line holding it.
fn number_after(screen: &str, label: &str) -> Option<f64> {
    let line = screen.lines().find(|l| l.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    let num: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    num.parse().ok()
}

#[test]
fn run_live_shows_pid_cpu_help_then_leaves_a_normal_terminal_and_the_report() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Burns 2 CPU seconds, says its pid, prints a line we look for in the output file.
    let prog = "import os,time\nopen('pid','w').write(str(os.getpid()))\nprint('hello from the command', flush=True)\nt=time.process_time()\nwhile time.process_time()-t<2.0: pass\nprint('burned')";
    let shell = format!(
        "{JUMPER} run --live --interval 0.1 --output out.log -- python3 -c \"{prog}\"; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("run", 120, 40, dir.path(), &shell);
    // The command's line in the output pane (the title line names the command too).
    let screen = t.wait_for("the header and the command's output", |s| {
        s.contains("jumper live · run") && s.lines().any(|l| l.trim() == "hello from the command")
    });
    let pid: u32 = std::fs::read_to_string(dir.path().join("pid"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        screen.contains(&format!("PID {pid} │")),
        "the header shows the command's pid {pid}:\n{screen}"
    );
    // The process level's CPU figure while the command burns one of the CPUs: the process
    // gauge shows a percentage of all CPUs (near 50 % of 2 on an idle machine).
    // Past the first rows: the one right after the cell's start sample can be milliseconds
    // long, and tick-quantised CPU time makes such a row read anything from 0 to 100 %.
    let busy = t.wait_for("a busy process gauge", |s| {
        number_after(s, "Samples ").is_some_and(|n| n >= 8.0)
            && number_after(s, "▸process CPU").is_some_and(|v| v > 5.0)
    });
    let cpu = number_after(&busy, "▸process CPU").unwrap();
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    assert!(
        cpu <= 100.0 / ncpu * 1.25 + 5.0,
        "one busy thread is about 1/{ncpu} of the CPUs, not {cpu}%:\n{busy}"
    );
    t.keys("h");
    t.wait_for("the help", |s| s.contains("Interactive commands"));
    t.keys("x");
    t.wait_for("the help to close", |s| !s.contains("Interactive commands"));
    let done = t.wait_for("the finished banner", |s| {
        s.contains("FINISHED (exit status 0)")
    });
    assert!(done.contains(" ok "), "the cell is done:\n{done}");
    t.keys("q");
    let after = t.wait_for("the shell after jumper", |s| s.contains("EXIT=0"));
    assert!(
        after.contains("JUmPER Performance Report"),
        "the usual report follows the view:\n{after}"
    );
    assert!(
        !after.contains("jumper live"),
        "the view's screen is gone (alternate screen left):\n{after}"
    );
    assert!(after.contains("jumper: output of the command ("));
    let out = std::fs::read_to_string(dir.path().join("out.log")).unwrap();
    assert_eq!(out, "hello from the command\nburned\n");
}

#[test]
fn live_is_refused_without_a_terminal_with_q_and_with_a_bad_rate() {
    let run = |args: &[&str]| {
        let o = Command::new(JUMPER)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["run", "--live", "--", "true"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err.trim(),
        "jumper: --live needs a terminal (standard input is not one)"
    );
    let (code, err) = run(&["run", "--live", "-q", "--", "true"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--quiet") && err.contains("--live"), "{err}");
    for bad in ["0", "31", "fast"] {
        let (code, err) = run(&["run", "--live", "--refresh", bad, "--", "true"]);
        assert_eq!(code, Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("refresh rate must be a whole number of Hz from 1 to 30"),
            "{err}"
        );
    }
    let (code, err) = run(&["run", "--refresh", "10", "--", "true"]);
    assert_eq!(code, Some(2), "--refresh needs --live: {err}");
}

#[test]
fn watch_follows_a_tree_it_did_not_start_until_its_root_exits() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The test's own child (not jumper's): a shell with a sleeping grandchild.
    let mut root = Command::new("sh")
        .args(["-c", "sleep 300 & wait"])
        .spawn()
        .unwrap();
    let pid = root.id();
    let shell = format!("{JUMPER} watch --pid {pid} --interval 0.2; echo EXIT=$?; sleep 120");
    let t = Tmux::start("watch", 120, 40, dir.path(), &shell);
    let screen = t.wait_for("the tree in the processes table", |s| {
        s.contains("sleep 300") && s.contains(&format!("PID {pid} │"))
    });
    assert!(screen.contains("jumper live · watch · pid"), "{screen}");
    assert!(
        screen.contains("▸process") && screen.contains(" system"),
        "{screen}"
    );
    // The grandchild's pid, to end it after the root (it is orphaned then).
    let grandchild: u32 = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    root.kill().unwrap();
    root.wait().unwrap();
    t.wait_for("the finished banner", |s| {
        s.contains(&format!("FINISHED (pid {pid} exited)"))
    });
    t.keys("q");
    let after = t.wait_for("the shell after jumper", |s| s.contains("EXIT=0"));
    assert!(
        after.contains(&format!("jumper: process {pid} exited")),
        "{after}"
    );
    assert!(after.contains("JUmPER Performance Report"), "{after}");
    // The orphaned grandchild: ended here (init reaps it), and checked gone.
    let _ = Command::new("kill").arg(grandchild.to_string()).status();
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        !Path::new(&format!("/proc/{grandchild}")).exists()
    });
    assert!(gone, "sleep {grandchild} is left running");
}

#[test]
fn watch_without_a_target_shows_user_and_system() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shell = format!(
        "{JUMPER} watch --interval 0.2 --levels system --out sess --json r.json; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("watchall", 100, 30, dir.path(), &shell);
    // --levels system, and the report's user level after it.
    let screen = t.wait_for("the system and user gauges", |s| {
        s.contains("▸system") && s.contains(" user ") && s.contains("Samples ")
    });
    assert!(
        screen.contains("watch · user and system") && !screen.contains("process CPU"),
        "{screen}"
    );
    t.keys("q");
    let after = t.wait_for("the shell after jumper", |s| s.contains("EXIT=0"));
    assert!(after.contains("JUmPER Performance Report"), "{after}");
    // What it was asked to write: the session and the report, at the user level (the report
    // level is sampled even where --levels leaves it out).
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sess/manifest.json")).unwrap(),
    )
    .unwrap();
    let levels = manifest["monitor"]["levels"].to_string();
    assert!(
        levels.contains("system") && levels.contains("user") && !levels.contains("process"),
        "{levels}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["level"], "user");
    assert!(report["samples"].as_u64().unwrap() >= 2);
}

#[test]
fn watch_refuses_a_pid_that_is_not_there_and_a_missing_terminal() {
    let run = |args: &[&str]| {
        let o = Command::new(JUMPER)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // A pid above the kernel's limit cannot exist.
    let (code, err) = run(&["watch", "--pid", "99999999"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim(),
        "jumper: no process with pid 99999999 (it has exited or never existed)"
    );
    let (code, err) = run(&["watch", "--levels", "process,user"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim(),
        "jumper: the process level needs --pid (the tree to follow)"
    );
    let (code, err) = run(&["watch", "--pid", "notanumber"]);
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, err) = run(&["watch", "--pid", &std::process::id().to_string()]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim(),
        "jumper: jumper watch needs a terminal (standard input is not one)"
    );
}

#[test]
fn replay_live_fills_the_cells_table_as_cells_finish_and_matches_the_report() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.py"),
        "# %% setup\nimport time\nprint('cell one')\n\
         # %% burn\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\nprint('burned')\n\
         # %% fail\n1 / 0\n\
         # %% last\nwhile not __import__('os').path.exists('go'): time.sleep(0.05)\nprint('the end')\n",
    )
    .unwrap();
    let shell = format!(
        "{JUMPER} replay --live --interval 0.1 --output r.log --json r.json s.py; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("replay", 120, 40, dir.path(), &shell);
    // The last cell waits for a file: the first three are done, the fourth runs.
    let mid = t.wait_for("three finished cells and a running one", |s| {
        s.contains(" running ")
            && s.contains(" failed ")
            && s.lines().filter(|l| l.contains(" ok ")).count() >= 2
    });
    assert!(mid.contains("jumper live · replay · s.py"), "{mid}");
    assert!(!mid.contains("FINISHED"), "{mid}");
    std::fs::write(dir.path().join("go"), "").unwrap();
    let done = t.wait_for("the finished banner", |s| {
        s.contains("FINISHED (4 cells, 1 failed)")
    });
    t.keys("q");
    let after = t.wait_for("the shell after jumper", |s| s.contains("EXIT=1"));
    assert!(after.contains("JUmPER Performance Report"), "{after}");
    // Each finished row on screen is the report's row for that cell.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    for cell in v["per_cell"].as_array().unwrap() {
        let i = cell["cell"].as_u64().unwrap();
        let row = done
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{i} ")))
            .unwrap_or_else(|| panic!("no row for cell {i}:\n{done}"));
        let cpu = format!("{:.1}", cell["cpu_util_avg"].as_f64().unwrap());
        let cpu_s = format!("{:.2}", cell["cpu_time_s"].as_f64().unwrap());
        assert!(
            row.contains(&cpu) && row.contains(&cpu_s),
            "cell {i}: {row} vs {cell}"
        );
    }
    let out = std::fs::read_to_string(dir.path().join("r.log")).unwrap();
    assert!(out.starts_with("cell one\nburned\n"), "{out}");
    assert!(
        out.contains("ZeroDivisionError") && out.ends_with("the end\n"),
        "{out}"
    );
}

#[test]
fn q_leaves_the_command_running_and_ctrl_c_in_the_view_interrupts_it() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // q: the view closes at once, the command goes on to its end, the report follows.
    let shell = format!(
        "{JUMPER} run --live --interval 0.1 --output o.log -- sh -c 'while [ ! -e go ]; do sleep 0.05; done; echo fin'; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("quit", 100, 30, dir.path(), &shell);
    t.wait_for("the view", |s| s.contains("jumper live · run"));
    t.keys("q");
    let closed = t.wait_for("the line saying the command goes on", |s| {
        s.contains("jumper: view closed; the command goes on (pid ")
    });
    assert!(
        !closed.contains("EXIT="),
        "jumper waits for the command:\n{closed}"
    );
    std::fs::write(dir.path().join("go"), "").unwrap();
    let after = t.wait_for("the command's end", |s| s.contains("EXIT=0"));
    assert!(after.contains("JUmPER Performance Report"), "{after}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("o.log")).unwrap(),
        "fin\n"
    );
    drop(t);
    // A second q (and Enter, on the normal terminal) interrupts the command.
    let shell = format!(
        "{JUMPER} run --live --interval 0.1 --output o3.log -- sleep 300; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("secondq", 100, 30, dir.path(), &shell);
    t.wait_for("the view", |s| s.contains("jumper live · run"));
    t.keys("q");
    t.wait_for("the view to close", |s| s.contains("jumper: view closed"));
    t.keys("q");
    t.keys("Enter");
    let after = t.wait_for("the interrupted command", |s| s.contains("EXIT=130"));
    assert!(after.contains("jumper: interrupting pid "), "{after}");
    drop(t);
    // Ctrl-C in the view: SIGINT to the command, whose status says so (128 + 2).
    let shell = format!(
        "{JUMPER} run --live --interval 0.1 --output o2.log -- sleep 300; echo EXIT=$?; sleep 120"
    );
    let t = Tmux::start("interrupt", 100, 30, dir.path(), &shell);
    t.wait_for("the view", |s| s.contains("jumper live · run"));
    t.keys("C-c");
    let after = t.wait_for("the interrupted command", |s| s.contains("EXIT=130"));
    assert!(
        after.contains("jumper: interrupting the command (pid "),
        "{after}"
    );
    assert!(after.contains("JUmPER Performance Report"), "{after}");
}

/// Whether a `capture-pane -e` screen sets any colour (SGR 30-38, 40-48, 90-97, 100-107).
fn has_colour(screen: &str) -> bool {
    screen.split("\x1b[").skip(1).any(|seq| {
        let Some(end) = seq.find('m') else {
            return false;
        };
        seq[..end].split(';').any(|p| {
            matches!(
                p.parse::<u32>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        })
    })
}

#[test]
fn colour_only_without_no_color() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shell = format!("{JUMPER} watch --interval 0.2; sleep 120");
    for (no_color, want) in [(None, true), (Some("1"), false)] {
        let t = Tmux::start_env("colour", 100, 30, dir.path(), &shell, no_color);
        t.wait_for("the view", |s| {
            s.contains("▸user") && s.contains("Samples ")
        });
        let styled = t.tmux(&["capture-pane", "-e", "-p"]);
        assert!(
            styled.contains("\x1b["),
            "bold and reverse stay: {styled:?}"
        );
        assert_eq!(
            has_colour(&styled),
            want,
            "NO_COLOR={no_color:?}: {styled:?}"
        );
        t.keys("q");
    }
}

/// A view in tmux session `name` on `jumper run --live` of `echo hi` (writing `sess` and
/// `out.log` in the returned directory), between the shell words `before` and `after`,
/// once it shows its finished banner.
fn finished_echo_hi(name: &str, before: &str, after: &str) -> (tempfile::TempDir, Tmux) {
    let dir = tempfile::tempdir().unwrap();
    let shell = format!(
        "{before}{JUMPER} run --live --interval 0.1 --out sess --output out.log -- sh -c 'echo hi'{after}"
    );
    let t = Tmux::start(name, 100, 30, dir.path(), &shell);
    t.wait_for("the finished banner", |s| {
        s.contains("FINISHED (exit status 0)")
    });
    (dir, t)
}

#[test]
fn a_terminal_that_hangs_up_ends_the_view_and_the_session_is_still_written() {
    // The window is closed while the finished banner waits for q: jumper must notice that
    // its terminal is gone (a frozen screen writes nothing that could fail), end, and still
    // write what it was asked to write.
    if !have_tmux() {
        return;
    }
    let (dir, t) = finished_echo_hi("hangup", "exec ", "");
    let jumper_pid = t.pane_pid.expect("the pane's pid is jumper's (exec)");
    let _ = Command::new("tmux")
        .args(["-L", &t.socket, "kill-server"])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{jumper_pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = Path::new(&format!("/proc/{jumper_pid}")).exists();
    if alive {
        // Do not leave it behind when the assertion fails.
        let _ = Command::new("kill").arg(jumper_pid.to_string()).status();
    }
    assert!(
        !alive,
        "jumper {jumper_pid} still runs after its terminal hung up"
    );
    assert!(
        dir.path().join("sess/manifest.json").is_file(),
        "the session was written after the hang-up"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.log")).unwrap(),
        "hi\n"
    );
}

#[test]
fn sigterm_to_jumper_closes_the_finished_view_and_the_session_is_written() {
    // While the command ran, SIGTERM would have gone on to it; once it has ended, a `kill` of
    // jumper must not leave the finished banner waiting for q forever.
    if !have_tmux() {
        return;
    }
    let (dir, t) = finished_echo_hi("sigterm", "", "; echo EXIT=$?; sleep 120");
    let shell_pid = t.pane_pid.expect("the pane's shell");
    let jumper_pid =
        std::fs::read_to_string(format!("/proc/{shell_pid}/task/{shell_pid}/children"))
            .unwrap()
            .split_whitespace()
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .expect("jumper is the shell's child");
    let status = Command::new("kill")
        .args(["-TERM", &jumper_pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let after = t.wait_for("the shell after jumper", |s| s.contains("EXIT="));
    assert!(after.contains("EXIT=0"), "the command's status:\n{after}");
    assert!(
        dir.path().join("sess/manifest.json").is_file(),
        "the session was written"
    );
}
