//! Where Jupyter keeps kernelspecs, as jupyter_core computes it, from an explicit
//! [`Environment`] so tests never touch the process environment.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variables that decide where kernels are found.
const VARS: &[&str] = &[
    "HOME",
    "PATH",
    "JUPYTER_PATH",
    "JUPYTER_DATA_DIR",
    "JUPYTER_PREFER_ENV_PATH",
    "XDG_DATA_HOME",
    "JUMPER_KERNEL_PATH",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
];

/// How long asking `python3` for its `sys.prefix` may take before it is given up.
const PYTHON_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A snapshot of the environment variables that decide kernel search paths.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    vars: HashMap<String, OsString>,
}

impl Environment {
    /// The variables of this process.
    pub fn from_process() -> Self {
        let vars = VARS
            .iter()
            .filter_map(|k| std::env::var_os(k).map(|v| (k.to_string(), v)))
            .collect();
        Self { vars }
    }

    /// No variables at all (only the system directories are searched).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The same environment with `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_string(), value.into());
        self
    }

    /// A variable's value; unset and empty are the same.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(name)
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
    }

    /// A colon-separated list variable, empty entries dropped.
    pub fn list(&self, name: &str) -> Vec<PathBuf> {
        self.get(name)
            .map(|v| {
                std::env::split_paths(v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn truthy(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            !matches!(
                v.to_string_lossy().to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off" | "n"
            )
        })
    }
}

/// How to find the `sys.prefix` of the `python3` on `PATH` (whose `share/jupyter` holds the
/// kernels pip installed there, such as ipykernel's `python3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PythonPrefix {
    /// Do not look.
    Skip,
    /// Only what costs no process: `VIRTUAL_ENV`, `CONDA_PREFIX`, or a `python3` on `PATH`
    /// that sits in a `bin` directory (a venv or an installation, not a pyenv shim).
    #[default]
    Cheap,
    /// As `Cheap`, and when that finds nothing run `python3 -c 'import sys; print(sys.prefix)'`
    /// (about 0.16 s through a pyenv shim; given up after 10 s).
    Query,
}

/// The `python3` prefix, found as `how` allows.
pub fn python_prefix(env: &Environment, how: PythonPrefix) -> Option<PathBuf> {
    if how == PythonPrefix::Skip {
        return None;
    }
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(p) = env.get(var) {
            return Some(PathBuf::from(p));
        }
    }
    let exe = env
        .list("PATH")
        .into_iter()
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())?;
    let bin = exe.parent()?;
    if bin.file_name() == Some(OsStr::new("bin")) {
        if let Some(prefix) = bin.parent() {
            return Some(prefix.to_path_buf());
        }
    }
    if how == PythonPrefix::Query {
        return query_python(&exe, env);
    }
    None
}

/// Runs `exe` for its `sys.prefix`, killing it if it takes too long.
fn query_python(exe: &Path, env: &Environment) -> Option<PathBuf> {
    let mut cmd = Command::new(exe);
    cmd.args(["-c", "import sys; print(sys.prefix)"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(path) = env.get("PATH") {
        cmd.env("PATH", path);
    }
    let mut child = cmd.spawn().ok()?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < PYTHON_QUERY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let prefix = out.trim();
    (status.success() && !prefix.is_empty()).then(|| PathBuf::from(prefix))
}

/// Jupyter's per-user data directory: `JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`,
/// else `~/.local/share/jupyter`.
pub fn user_data_dir(env: &Environment) -> Option<PathBuf> {
    if let Some(d) = env.get("JUPYTER_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(x) = env.get("XDG_DATA_HOME") {
        return Some(PathBuf::from(x).join("jupyter"));
    }
    env.get("HOME")
        .map(|h| PathBuf::from(h).join(".local/share/jupyter"))
}

/// The system-wide data directories, lowest priority last.
pub const SYSTEM_DATA_DIRS: [&str; 2] = ["/usr/local/share/jupyter", "/usr/share/jupyter"];

/// Jupyter's data path in priority order, as jupyter_core's `jupyter_path()`: `JUPYTER_PATH`
/// entries, the user data directory, `{sys.prefix}/share/jupyter` (before the user directory
/// when `JUPYTER_PREFER_ENV_PATH` is set), then [`SYSTEM_DATA_DIRS`]. Duplicates are dropped.
pub fn jupyter_data_dirs(env: &Environment, python: PythonPrefix) -> Vec<PathBuf> {
    let mut dirs = env.list("JUPYTER_PATH");
    let user = user_data_dir(env);
    let prefix = python_prefix(env, python).map(|p| p.join("share/jupyter"));
    if env.truthy("JUPYTER_PREFER_ENV_PATH") {
        dirs.extend(prefix);
        dirs.extend(user);
    } else {
        dirs.extend(user);
        dirs.extend(prefix);
    }
    dirs.extend(SYSTEM_DATA_DIRS.iter().map(PathBuf::from));
    dedup(dirs)
}

pub(crate) fn dedup(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    dirs.into_iter()
        .filter(|d| seen.insert(d.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_dir_precedence() {
        let e = Environment::empty().with("HOME", "/home/u");
        assert_eq!(
            user_data_dir(&e),
            Some(PathBuf::from("/home/u/.local/share/jupyter"))
        );
        let e = e.with("XDG_DATA_HOME", "/xdg");
        assert_eq!(user_data_dir(&e), Some(PathBuf::from("/xdg/jupyter")));
        let e = e.with("JUPYTER_DATA_DIR", "/jd");
        assert_eq!(user_data_dir(&e), Some(PathBuf::from("/jd")));
        let e = Environment::empty().with("HOME", "");
        assert_eq!(user_data_dir(&e), None, "empty HOME is unset");
    }

    #[test]
    fn data_dirs_in_jupyter_order() {
        let e = Environment::empty()
            .with("HOME", "/home/u")
            .with("JUPYTER_PATH", "/a::/b")
            .with("VIRTUAL_ENV", "/venv");
        let want: Vec<PathBuf> = [
            "/a",
            "/b",
            "/home/u/.local/share/jupyter",
            "/venv/share/jupyter",
            "/usr/local/share/jupyter",
            "/usr/share/jupyter",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(jupyter_data_dirs(&e, PythonPrefix::Cheap), want);
        let e = e.with("JUPYTER_PREFER_ENV_PATH", "1");
        let got = jupyter_data_dirs(&e, PythonPrefix::Cheap);
        assert_eq!(got[2], PathBuf::from("/venv/share/jupyter"));
        assert_eq!(got[3], PathBuf::from("/home/u/.local/share/jupyter"));
        let e = e.with("JUPYTER_PREFER_ENV_PATH", "false");
        assert_eq!(jupyter_data_dirs(&e, PythonPrefix::Cheap), want);
        // Skip: no prefix at all.
        let got = jupyter_data_dirs(&e, PythonPrefix::Skip);
        assert!(!got.contains(&PathBuf::from("/venv/share/jupyter")));
    }

    #[test]
    fn duplicates_are_dropped() {
        let e = Environment::empty().with("JUPYTER_PATH", "/usr/share/jupyter:/x:/x");
        assert_eq!(
            jupyter_data_dirs(&e, PythonPrefix::Skip),
            ["/usr/share/jupyter", "/x", "/usr/local/share/jupyter"]
                .iter()
                .map(PathBuf::from)
                .collect::<Vec<_>>()
        );
    }

    fn fake_python(dir: &Path, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).unwrap();
        let exe = dir.join("python3");
        std::fs::write(&exe, script).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        exe
    }

    #[test]
    fn python_prefix_from_a_bin_dir_without_running_it() {
        let t = tempfile::tempdir().unwrap();
        // A python3 that would fail if run: Cheap must not run it.
        fake_python(&t.path().join("env/bin"), "#!/bin/sh\nexit 3\n");
        let path =
            std::env::join_paths([t.path().join("empty"), t.path().join("env/bin")]).unwrap();
        let e = Environment::empty().with("PATH", path);
        assert_eq!(
            python_prefix(&e, PythonPrefix::Cheap),
            Some(t.path().join("env"))
        );
        assert_eq!(python_prefix(&e, PythonPrefix::Skip), None);
        // VIRTUAL_ENV wins over PATH.
        let e = e.with("VIRTUAL_ENV", "/v");
        assert_eq!(
            python_prefix(&e, PythonPrefix::Cheap),
            Some(PathBuf::from("/v"))
        );
    }

    #[test]
    fn python_prefix_of_a_shim_needs_a_query() {
        let t = tempfile::tempdir().unwrap();
        let want = t.path().join("versions/3.11");
        fake_python(
            &t.path().join("shims"),
            &format!("#!/bin/sh\necho '{}'\n", want.display()),
        );
        let e = Environment::empty().with("PATH", t.path().join("shims"));
        assert_eq!(python_prefix(&e, PythonPrefix::Cheap), None);
        assert_eq!(python_prefix(&e, PythonPrefix::Query), Some(want));
    }

    #[test]
    fn a_failing_python_gives_no_prefix() {
        let t = tempfile::tempdir().unwrap();
        fake_python(&t.path().join("shims"), "#!/bin/sh\necho /x\nexit 1\n");
        let e = Environment::empty().with("PATH", t.path().join("shims"));
        assert_eq!(python_prefix(&e, PythonPrefix::Query), None);
        let e = Environment::empty().with("PATH", t.path().join("nothing-here"));
        assert_eq!(python_prefix(&e, PythonPrefix::Query), None);
    }
}
