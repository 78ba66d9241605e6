//! `jumper kernel install|list|uninstall` on fake kernelspec trees in temp dirs.
//!
//! Every run clears the environment and points HOME (and VIRTUAL_ENV where a venv is meant)
//! at a temp dir, so the real user's kernels are never read or touched. The system
//! directories (/usr/local/share/jupyter, /usr/share/jupyter) are always searched, as in
//! Jupyter, so assertions never assume they are empty.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::{json, Value};

use super::jumper;

const IPYKERNEL: &str = r#"{
 "argv": ["/venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (ipykernel)",
 "language": "python",
 "metadata": {"debugger": true}
}"#;

const JULIA: &str = r#"{"argv": ["julia", "-i", "{connection_file}"],
 "display_name": "Julia 1.10", "language": "julia"}"#;

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A temp tree: `venv/share/jupyter/kernels/python3` (ipykernel, two logos, a kernel.js),
/// `venv/.../broken` (bad JSON), `site/kernels/julia-1.10` and `site2/julia-old` (site
/// directories outside Jupyter's path), `home/` as HOME.
struct Tree {
    t: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let t = tempfile::tempdir().unwrap();
        let py = t.path().join("venv/share/jupyter/kernels/python3");
        write(&py.join("kernel.json"), IPYKERNEL.as_bytes());
        write(&py.join("logo-32x32.png"), b"\x89PNG-32");
        write(&py.join("logo-svg.svg"), b"<svg/>");
        write(&py.join("kernel.js"), b"// js");
        write(
            &t.path()
                .join("venv/share/jupyter/kernels/broken/kernel.json"),
            b"{not json",
        );
        write(
            &t.path().join("site/kernels/julia-1.10/kernel.json"),
            JULIA.as_bytes(),
        );
        write(
            &t.path().join("site/kernels/julia-1.10/logo-64x64.png"),
            b"JL-64",
        );
        write(
            &t.path().join("site2/julia-old/kernel.json"),
            br#"{"argv": ["julia-1.6", "{connection_file}"], "display_name": "Julia 1.6", "language": "julia"}"#,
        );
        fs::create_dir_all(t.path().join("home")).unwrap();
        Self { t }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.t.path().join(rel)
    }

    fn venv(&self) -> PathBuf {
        self.p("venv")
    }

    fn user_kernels(&self) -> PathBuf {
        self.p("home/.local/share/jupyter/kernels")
    }

    /// `jumper` with only HOME set (and the working directory in the tree).
    fn bare(&self) -> Command {
        let mut c = jumper();
        c.env_clear()
            .env("HOME", self.p("home"))
            .current_dir(self.t.path());
        c
    }

    /// `jumper` in the tree's venv (VIRTUAL_ENV set, as `source venv/bin/activate` does).
    fn cmd(&self) -> Command {
        let mut c = self.bare();
        c.env("VIRTUAL_ENV", self.venv());
        c
    }
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// Asserts a refusal: exit `code`, nothing on stdout, exactly one line on stderr; returns it.
fn refused(o: Output, code: i32) -> String {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "nothing on stdout");
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(e.starts_with("jumper: ") && e.ends_with('\n'), "{e}");
    e.trim_end().to_string()
}

fn spec(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("kernel.json")).unwrap()).unwrap()
}

/// The absolute, canonical path of the binary under test (what argv[0] must be).
fn binary() -> String {
    let p = assert_cmd::cargo::cargo_bin("jumper");
    fs::canonicalize(p).unwrap().to_string_lossy().into_owned()
}

#[test]
fn install_defaults_wrap_python3_for_the_user_with_logos_and_an_absolute_argv() {
    let tr = Tree::new();
    let o = ok(run(tr.cmd(), &["kernel", "install"]));
    let dir = tr.user_kernels().join("jumper-python3");
    assert_eq!(
        stdout(&o),
        format!(
            "Installed kernel \"jumper-python3\" (wraps \"python3\") in {}; \
             pick \"Python 3 (ipykernel) (jumper)\" in JupyterLab\n",
            dir.display()
        )
    );
    assert_eq!(stderr(&o), "", "the user directory is on Jupyter's path");
    assert_eq!(
        spec(&dir),
        json!({
            "argv": [binary(), "kernel", "run", "--wrap", "python3", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel) (jumper)",
            "language": "python",
            "interrupt_mode": "message",
            "metadata": {"debugger": true, "jumper": {"wrapped_kernel": "python3"}}
        })
    );
    assert!(Path::new(&binary()).is_absolute());
    let src = tr.venv().join("share/jupyter/kernels/python3");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["kernel.json", "logo-32x32.png", "logo-svg.svg"]);
    for logo in ["logo-32x32.png", "logo-svg.svg"] {
        assert_eq!(
            fs::read(dir.join(logo)).unwrap(),
            fs::read(src.join(logo)).unwrap()
        );
    }
    // Installing again replaces jumper's own kernelspec.
    ok(run(tr.cmd(), &["kernel", "install", "--user"]));
    assert_eq!(spec(&dir)["language"], "python");
}

#[test]
fn name_and_display_name() {
    let tr = Tree::new();
    let o = ok(run(
        tr.cmd(),
        &[
            "kernel",
            "install",
            "--name",
            "My-Py",
            "--display-name",
            "Measured Python",
        ],
    ));
    let dir = tr.user_kernels().join("my-py");
    assert!(
        stdout(&o).contains(&format!(
            "\"my-py\" (wraps \"python3\") in {}; pick \"Measured Python\"",
            dir.display()
        )),
        "{}",
        stdout(&o)
    );
    let v = spec(&dir);
    assert_eq!(v["display_name"], "Measured Python");
    assert_eq!(v["metadata"]["jumper"]["wrapped_kernel"], "python3");
    assert!(!tr.user_kernels().join("jumper-python3").exists());
}

#[test]
fn prefix_is_made_absolute_and_named_when_jupyter_would_not_look_there() {
    let tr = Tree::new();
    // A relative prefix, from the tree as working directory.
    let o = ok(run(tr.cmd(), &["kernel", "install", "--prefix", "opt/k"]));
    let dir = tr.p("opt/k/share/jupyter/kernels/jumper-python3");
    assert!(dir.join("kernel.json").is_file());
    assert!(stdout(&o).contains(&format!(" in {}; ", dir.display())));
    assert_eq!(
        stderr(&o),
        format!(
            "jumper: note: {} is not on Jupyter's data path; add it to JUPYTER_PATH for \
             Jupyter to find this kernel\n",
            tr.p("opt/k/share/jupyter").display()
        )
    );
    // On JUPYTER_PATH: no note, and the kernel is listed.
    let mut c = tr.cmd();
    c.env("JUPYTER_PATH", tr.p("opt/k/share/jupyter"));
    let o = ok(run(c, &["kernel", "install", "--prefix", "opt/k"]));
    assert_eq!(stderr(&o), "");
    // uninstall --prefix finds it there.
    let o = ok(run(
        tr.cmd(),
        &["kernel", "uninstall", "jumper-python3", "--prefix", "opt/k"],
    ));
    assert_eq!(
        stdout(&o),
        format!(
            "Removed jumper kernel \"jumper-python3\" from {}\n",
            dir.display()
        )
    );
    assert!(!dir.exists());
}

fn fake_python(dir: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let exe = dir.join("python3");
    write(&exe, script.as_bytes());
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn sys_prefix_is_the_venv_or_the_prefix_python3_reports() {
    let tr = Tree::new();
    // VIRTUAL_ENV: the venv itself.
    let o = ok(run(tr.cmd(), &["kernel", "install", "--sys-prefix"]));
    let dir = tr.venv().join("share/jupyter/kernels/jumper-python3");
    assert!(dir.join("kernel.json").is_file(), "{}", stdout(&o));
    assert_eq!(stderr(&o), "", "the venv's share/jupyter is on the path");

    // A python3 on PATH that is a shim (not in a bin directory): asked for sys.prefix.
    let pyenv = tr.p("pyenv/versions/3.11");
    fake_python(
        &tr.p("pyenv/shims"),
        &format!("#!/bin/sh\necho '{}'\n", pyenv.display()),
    );
    let mut c = tr.bare();
    c.env("PATH", tr.p("pyenv/shims"));
    let o = ok(run(
        c,
        &[
            "kernel",
            "install",
            "--sys-prefix",
            "--kernel-dirs",
            "venv/share/jupyter",
        ],
    ));
    let dir = pyenv.join("share/jupyter/kernels/jumper-python3");
    assert!(dir.join("kernel.json").is_file(), "{}", stdout(&o));

    // No python3 at all.
    let e = refused(
        run(
            tr.bare(),
            &[
                "kernel",
                "install",
                "--sys-prefix",
                "--kernel-dirs",
                "venv/share/jupyter",
            ],
        ),
        2,
    );
    assert_eq!(
        e,
        "jumper: no Python prefix for --sys-prefix: no python3 found on PATH"
    );
}

#[test]
fn list_shows_wrappable_jumper_and_broken_kernels_from_every_source() {
    let tr = Tree::new();
    ok(run(tr.cmd(), &["kernel", "install"]));
    let mut c = tr.cmd();
    c.env(
        "JUMPER_KERNEL_PATH",
        format!("{}:{}", tr.p("site2").display(), tr.p("nowhere").display()),
    );
    let o = ok(run(c, &["kernel", "list", "--kernel-dirs", "site"]));
    let t = stdout(&o);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "Kernels jumper can wrap (jumper kernel install --wrap NAME):"
    );
    let row = |name: &str| {
        let found: Vec<Vec<&str>> = lines
            .iter()
            .filter(|l| l.split_whitespace().next() == Some(name))
            .map(|l| {
                l.split("  ")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .collect();
        assert_eq!(found.len(), 1, "{name} once in\n{t}");
        found[0].clone()
    };
    let py_dir = tr.venv().join("share/jupyter/kernels/python3");
    assert_eq!(
        row("python3"),
        [
            "python3",
            "Python 3 (ipykernel)",
            "python",
            &py_dir.display().to_string()
        ]
    );
    let jl = tr.p("site/kernels/julia-1.10").display().to_string();
    assert_eq!(
        row("julia-1.10"),
        ["julia-1.10", "Julia 1.10", "julia", &jl]
    );
    let old = tr.p("site2/julia-old").display().to_string();
    assert_eq!(row("julia-old"), ["julia-old", "Julia 1.6", "julia", &old]);
    let ours = tr.user_kernels().join("jumper-python3");
    assert_eq!(
        row("jumper-python3"),
        [
            "jumper-python3",
            "Python 3 (ipykernel) (jumper)",
            "python",
            &ours.display().to_string(),
            "(wraps python3)"
        ]
    );
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in\n{t}"));
    assert!(pos("jumper kernels (not wrappable):") > pos("julia-old"));
    assert!(pos("jumper-python3 ") > pos("jumper kernels (not wrappable):"));
    assert!(pos("Broken kernelspecs (not usable):") > pos("jumper-python3 "));
    assert!(
        t.contains(&format!(
            "  broken: kernelspec {} is malformed: key must be a string at line 1 column 2\n",
            tr.venv()
                .join("share/jupyter/kernels/broken/kernel.json")
                .display()
        )),
        "{t}"
    );
    assert!(
        lines.last().unwrap().starts_with(&format!(
            "Searched: {}, {}, {}, {},",
            tr.p("site/kernels").display(),
            tr.p("site").display(),
            tr.p("site2/kernels").display(),
            tr.p("site2").display()
        )),
        "{t}"
    );

    // --json: the same facts, typed.
    let mut c = tr.cmd();
    c.env("JUMPER_KERNEL_PATH", tr.p("site2"));
    let o = ok(run(
        c,
        &["kernel", "list", "--json", "--kernel-dirs", "site"],
    ));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let k = |name: &str| {
        v["kernels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
            .clone()
    };
    assert_eq!(
        k("python3"),
        json!({"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python",
               "dir": py_dir.to_string_lossy(), "jumper": false, "wraps": null})
    );
    assert_eq!(k("jumper-python3")["jumper"], true);
    assert_eq!(k("jumper-python3")["wraps"], "python3");
    assert_eq!(k("julia-old")["dir"], old.as_str());
    assert_eq!(v["broken"][0]["name"], "broken");
    assert!(v["broken"][0]["reason"]
        .as_str()
        .unwrap()
        .ends_with("is malformed: key must be a string at line 1 column 2"));
    assert_eq!(
        v["searched"][0],
        tr.p("site/kernels").to_string_lossy().as_ref()
    );

    // Without the extra directories the site kernels are not found.
    let t = stdout(&ok(run(tr.cmd(), &["kernel", "list"])));
    assert!(!t.contains("julia"), "{t}");
    assert!(t.contains("python3"), "{t}");
}

#[test]
fn a_kernel_found_through_kernel_dirs_or_the_env_keeps_its_dir_in_the_argv() {
    let tr = Tree::new();
    // Not found without the site directory: exit 2.
    let e = refused(
        run(tr.cmd(), &["kernel", "install", "--wrap", "julia-1.10"]),
        2,
    );
    assert!(
        e.starts_with("jumper: no kernel named \"julia-1.10\"; available: "),
        "{e}"
    );
    // --kernel-dirs, relative: the argv carries the absolute kernels directory.
    ok(run(
        tr.cmd(),
        &[
            "kernel",
            "install",
            "--wrap",
            "julia-1.10",
            "--kernel-dirs",
            "site",
        ],
    ));
    let dir = tr.user_kernels().join("jumper-julia-1.10");
    let v = spec(&dir);
    assert_eq!(
        v["argv"],
        json!([
            binary(),
            "kernel",
            "run",
            "--wrap",
            "julia-1.10",
            "--kernel-dirs",
            tr.p("site/kernels").to_string_lossy(),
            "-f",
            "{connection_file}"
        ])
    );
    assert_eq!(v["language"], "julia");
    assert_eq!(v["display_name"], "Julia 1.10 (jumper)");
    assert_eq!(fs::read(dir.join("logo-64x64.png")).unwrap(), b"JL-64");
    // JUMPER_KERNEL_PATH: the same, since the frontend's environment may lack the variable.
    let mut c = tr.cmd();
    c.env("JUMPER_KERNEL_PATH", tr.p("site2"));
    ok(run(c, &["kernel", "install", "--wrap", "julia-old"]));
    let v = spec(&tr.user_kernels().join("jumper-julia-old"));
    let argv: Vec<&str> = v["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let site2 = tr.p("site2").to_string_lossy().into_owned();
    assert_eq!(
        argv[5..],
        ["--kernel-dirs", site2.as_str(), "-f", "{connection_file}"]
    );
    // A kernel on Jupyter's own path needs none, even when --kernel-dirs is given.
    ok(run(
        tr.cmd(),
        &["kernel", "install", "--kernel-dirs", "site", "--name", "p"],
    ));
    assert_eq!(
        spec(&tr.user_kernels().join("p"))["argv"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[test]
fn uninstall_removes_only_jumper_kernels() {
    let tr = Tree::new();
    ok(run(tr.cmd(), &["kernel", "install"]));
    let dir = tr.user_kernels().join("jumper-python3");
    let e = refused(run(tr.cmd(), &["kernel", "uninstall", "python3"]), 2);
    let py = tr.venv().join("share/jupyter/kernels/python3");
    assert_eq!(
        e,
        format!(
            "jumper: {} is not a jumper kernel; remove it with `jupyter kernelspec remove`",
            py.display()
        )
    );
    assert!(py.join("kernel.json").is_file(), "left alone");
    let o = ok(run(tr.cmd(), &["kernel", "uninstall", "Jumper-Python3"]));
    assert_eq!(
        stdout(&o),
        format!(
            "Removed jumper kernel \"jumper-python3\" from {}\n",
            dir.display()
        )
    );
    assert!(!dir.exists());
    let e = refused(run(tr.cmd(), &["kernel", "uninstall", "jumper-python3"]), 2);
    assert!(
        e.starts_with(&format!(
            "jumper: no jumper kernel named \"jumper-python3\" is installed (searched {}, ",
            tr.user_kernels().display()
        )),
        "{e}"
    );
    let e = refused(run(tr.cmd(), &["kernel", "uninstall", "../x"]), 2);
    assert!(e.starts_with("jumper: invalid kernel name \"../x\""), "{e}");
}

#[test]
fn bad_input_is_one_line_and_the_right_exit_code() {
    let tr = Tree::new();
    ok(run(tr.cmd(), &["kernel", "install"]));

    // Unknown kernel: named, with the wrappable ones (jumper's own are not offered).
    let e = refused(run(tr.cmd(), &["kernel", "install", "--wrap", "nope"]), 2);
    let avail = e
        .strip_prefix("jumper: no kernel named \"nope\"; available: ")
        .unwrap_or_else(|| panic!("{e}"));
    let avail: Vec<&str> = avail.split(", ").collect();
    assert!(avail.contains(&"python3"), "{e}");
    assert!(!avail.contains(&"jumper-python3"), "{e}");
    assert!(!avail.contains(&"broken"), "{e}");

    // Wrapping a jumper kernel.
    let e = refused(
        run(tr.cmd(), &["kernel", "install", "--wrap", "jumper-python3"]),
        2,
    );
    assert_eq!(
        e,
        "jumper: kernel \"jumper-python3\" is already a jumper kernel (it wraps \"python3\"); \
         wrap \"python3\" instead"
    );
    assert!(!tr.user_kernels().join("jumper-jumper-python3").exists());

    // A broken kernelspec, with its reason.
    let e = refused(run(tr.cmd(), &["kernel", "install", "--wrap", "broken"]), 2);
    assert!(e.starts_with("jumper: kernel \"broken\" in "), "{e}");
    assert!(
        e.ends_with("is malformed: key must be a string at line 1 column 2"),
        "{e}"
    );

    // Bad names, and a name taken by a kernelspec that is not jumper's.
    let e = refused(run(tr.cmd(), &["kernel", "install", "--name", "a b"]), 2);
    assert!(e.starts_with("jumper: invalid kernel name \"a b\""), "{e}");
    let e = refused(
        run(tr.cmd(), &["kernel", "install", "--name", "python3"]),
        2,
    );
    assert_eq!(
        e,
        "jumper: a jumper kernel named \"python3\" would hide the kernel it wraps; \
         choose another --name"
    );
    let e = refused(
        run(
            tr.cmd(),
            &["kernel", "install", "--name", "broken", "--sys-prefix"],
        ),
        2,
    );
    let taken = tr.venv().join("share/jupyter/kernels/broken/kernel.json");
    assert_eq!(
        e,
        format!(
            "jumper: {} holds a kernelspec that is not jumper's; choose another --name",
            taken.display()
        )
    );
    assert_eq!(fs::read(&taken).unwrap(), b"{not json", "left alone");

    // Two locations at once.
    let e = refused(
        run(tr.cmd(), &["kernel", "install", "--user", "--prefix", "x"]),
        2,
    );
    assert!(
        e.contains("'--user' cannot be used with '--prefix <DIR>'"),
        "{e}"
    );

    // No HOME for --user.
    let mut c = jumper();
    c.env_clear().env("VIRTUAL_ENV", tr.venv());
    let e = refused(run(c, &["kernel", "install"]), 2);
    assert_eq!(
        e,
        "jumper: no user data directory: set HOME or JUPYTER_DATA_DIR"
    );

    // An unwritable prefix (a regular file: refused even to root): jumper failed, with the path.
    write(&tr.p("file"), b"x");
    let e = refused(
        run(tr.cmd(), &["kernel", "install", "--prefix", "file"]),
        125,
    );
    assert_eq!(
        e,
        format!(
            "jumper: cannot write {}: Not a directory (os error 20)",
            tr.p("file/share/jupyter/kernels/jumper-python3").display()
        )
    );
}

#[test]
fn run_refuses_bad_connection_files_and_unknown_kernels_in_one_line() {
    let tree = Tree::new();
    // Missing connection file.
    let e = refused(
        run(
            tree.cmd(),
            &["kernel", "run", "--wrap", "python3", "-f", "nope.json"],
        ),
        2,
    );
    assert!(e.contains("nope.json"), "{e}");
    // Malformed.
    write(&tree.p("bad.json"), b"{\"transport\": ");
    let e = refused(
        run(
            tree.cmd(),
            &["kernel", "run", "--wrap", "python3", "-f", "bad.json"],
        ),
        2,
    );
    assert!(e.contains("bad.json"), "{e}");
    // An unsupported signature scheme.
    let conn = json!({"transport": "tcp", "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2,
        "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "k",
        "signature_scheme": "hmac-md5"});
    write(&tree.p("md5.json"), conn.to_string().as_bytes());
    let e = refused(
        run(
            tree.cmd(),
            &["kernel", "run", "--wrap", "python3", "-f", "md5.json"],
        ),
        2,
    );
    assert!(e.contains("hmac-md5"), "{e}");
    // An unknown kernel names the ones there are.
    let mut good = conn.clone();
    good["signature_scheme"] = json!("hmac-sha256");
    write(&tree.p("conn.json"), good.to_string().as_bytes());
    let e = refused(
        run(
            tree.cmd(),
            &["kernel", "run", "--wrap", "nosuch", "-f", "conn.json"],
        ),
        2,
    );
    assert!(e.contains("nosuch") && e.contains("python3"), "{e}");
}

#[test]
fn metrics_flags_go_into_the_kernelspec_and_are_checked_first() {
    let tr = Tree::new();
    fs::create_dir_all(tr.p("sd")).unwrap();
    // The working directory is the tree: a relative target directory is made absolute.
    ok(run(
        tr.cmd(),
        &[
            "kernel",
            "install",
            "--metrics",
            "127.0.0.1:0",
            "--metrics-sd-dir",
            "sd",
        ],
    ));
    let sd = fs::canonicalize(tr.p("sd")).unwrap();
    let argv = spec(&tr.user_kernels().join("jumper-python3"))["argv"].clone();
    assert_eq!(
        argv,
        json!([
            binary(),
            "kernel",
            "run",
            "--wrap",
            "python3",
            "--metrics",
            "127.0.0.1:0",
            "--metrics-sd-dir",
            sd.to_string_lossy(),
            "-f",
            "{connection_file}"
        ])
    );
    // Bad flags: one line, exit 2, nothing installed.
    let e = refused(
        run(
            tr.cmd(),
            &["kernel", "install", "--name", "m2", "--metrics", "nope"],
        ),
        2,
    );
    assert!(
        e.starts_with("jumper: --metrics: bad address 'nope'"),
        "{e}"
    );
    let e = refused(
        run(
            tr.cmd(),
            &[
                "kernel",
                "install",
                "--name",
                "m2",
                "--metrics",
                "0",
                "--metrics-sd-dir",
                "missing",
            ],
        ),
        2,
    );
    assert_eq!(e, "jumper: --metrics-sd-dir: 'missing' is not a directory");
    assert!(!tr.user_kernels().join("m2").exists());

    // `kernel run` whose address is taken: one line, exit 125, before any kernel starts.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let conn = json!({"transport": "tcp", "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2,
        "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "k",
        "signature_scheme": "hmac-sha256"});
    write(&tr.p("conn.json"), conn.to_string().as_bytes());
    let run_with_metrics = |metrics: &str, code: i32| {
        let args = [
            "kernel",
            "run",
            "--wrap",
            "python3",
            "-f",
            "conn.json",
            "--metrics",
            metrics,
        ];
        refused(run(tr.cmd(), &args), code)
    };
    let e = run_with_metrics(&addr, 125);
    assert!(e.contains(&addr), "{e}");
    let e = run_with_metrics("x:y", 2);
    assert!(e.starts_with("jumper: --metrics: "), "{e}");
}
