//! Writing and removing jumper kernelspecs (`jumper kernel install` / `uninstall`).

use serde_json::{json, Map};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::paths::{python_prefix, user_data_dir, Environment, PythonPrefix};
use super::{
    is_valid_kernel_name, FoundKernel, InterruptMode, KernelSearch, KernelSpec, KernelSpecError,
    KERNEL_JSON,
};

/// Where a kernelspec is installed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InstallLocation {
    /// The user data directory (`--user`, the default).
    #[default]
    User,
    /// `{sys.prefix}/share/jupyter` of the `python3` on `PATH` (`--sys-prefix`).
    SysPrefix,
    /// `DIR/share/jupyter` (`--prefix DIR`).
    Prefix(PathBuf),
}

impl InstallLocation {
    /// The `kernels` directory this location means.
    pub fn kernels_dir(&self, env: &Environment) -> Result<PathBuf, KernelSpecError> {
        Ok(match self {
            InstallLocation::User => user_data_dir(env)
                .ok_or(KernelSpecError::NoUserDataDir)?
                .join("kernels"),
            InstallLocation::SysPrefix => python_prefix(env, PythonPrefix::Query)
                .ok_or(KernelSpecError::NoSysPrefix)?
                .join("share/jupyter/kernels"),
            InstallLocation::Prefix(p) => p.join("share/jupyter/kernels"),
        })
    }
}

/// What [`Install::run`] wrote.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Installed {
    /// The kernel name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The spec written to `dir/kernel.json`.
    pub spec: KernelSpec,
    /// The logo files copied from the wrapped kernel (their new paths).
    pub logos: Vec<PathBuf>,
}

/// A jumper kernelspec to write: it starts `<jumper> kernel run --wrap NAME -f
/// {connection_file}` for the wrapped kernel `NAME`.
#[derive(Clone, Debug)]
pub struct Install<'a> {
    wrapped: &'a FoundKernel,
    jumper_binary: PathBuf,
    name: Option<String>,
    display_name: Option<String>,
    location: InstallLocation,
    kernel_dirs: Vec<PathBuf>,
    run_args: Vec<String>,
}

impl<'a> Install<'a> {
    /// A kernelspec wrapping `wrapped`, started through `jumper_binary` (an absolute path,
    /// normally `std::env::current_exe()`), named `jumper-<wrapped>`, displayed as
    /// `<wrapped display name> (jumper)`, in the user data directory.
    pub fn new(wrapped: &'a FoundKernel, jumper_binary: impl Into<PathBuf>) -> Self {
        Self {
            wrapped,
            jumper_binary: jumper_binary.into(),
            name: None,
            display_name: None,
            location: InstallLocation::User,
            kernel_dirs: Vec::new(),
            run_args: Vec::new(),
        }
    }

    /// Another kernel name (`--name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Another display name (`--display-name`).
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Another location (`--sys-prefix`, `--prefix DIR`).
    pub fn location(mut self, location: InstallLocation) -> Self {
        self.location = location;
        self
    }

    /// Directories outside Jupyter's data path where `kernel run` must look for the wrapped
    /// kernel (the `--kernel-dirs` it was found through): each becomes `--kernel-dirs DIR` in
    /// the argv, before `-f`. They must be absolute, as the kernel starts in any directory.
    pub fn kernel_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.kernel_dirs = dirs;
        self
    }

    /// More options of `kernel run` for every start of this kernel (`--metrics ADDR`, say):
    /// they go into the argv after the `--kernel-dirs`, before `-f`.
    pub fn run_args(mut self, args: Vec<String>) -> Self {
        self.run_args = args;
        self
    }

    /// The kernelspec this install writes, without writing anything.
    pub fn spec(&self) -> Result<KernelSpec, KernelSpecError> {
        if !self.jumper_binary.is_absolute() {
            return Err(KernelSpecError::RelativeBinary {
                path: self.jumper_binary.clone(),
            });
        }
        if let Some(wraps) = self.wrapped.spec.jumper_wraps() {
            return Err(KernelSpecError::WrapsJumper {
                name: self.wrapped.name.clone(),
                wraps: wraps.to_string(),
            });
        }
        if let Some(dir) = self.kernel_dirs.iter().find(|d| !d.is_absolute()) {
            return Err(KernelSpecError::RelativeKernelDir { path: dir.clone() });
        }
        let w = &self.wrapped;
        let mut metadata = Map::new();
        // The relay passes debug messages through, so the wrapped kernel's debugger works.
        if let Some(d) = w.spec.metadata.get("debugger") {
            metadata.insert("debugger".into(), d.clone());
        }
        metadata.insert("jumper".into(), json!({ "wrapped_kernel": w.name }));
        let mut argv = vec![
            self.jumper_binary.to_string_lossy().into_owned(),
            "kernel".into(),
            "run".into(),
            "--wrap".into(),
            w.name.clone(),
        ];
        for dir in &self.kernel_dirs {
            argv.push("--kernel-dirs".into());
            argv.push(dir.to_string_lossy().into_owned());
        }
        argv.extend(self.run_args.iter().cloned());
        argv.extend(["-f".into(), "{connection_file}".into()]);
        Ok(KernelSpec {
            argv,
            display_name: self
                .display_name
                .clone()
                .unwrap_or_else(|| format!("{} (jumper)", w.spec.display_name)),
            language: w.spec.language.clone(),
            interrupt_mode: InterruptMode::Message,
            env: Default::default(),
            metadata,
        })
    }

    /// The kernel name this install uses (lowercased, as Jupyter stores names).
    pub fn kernel_name(&self) -> Result<String, KernelSpecError> {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| format!("jumper-{}", self.wrapped.name));
        if !is_valid_kernel_name(&name) {
            return Err(KernelSpecError::InvalidName { name });
        }
        let name = name.to_lowercase();
        // `kernel run --wrap NAME` would then find the jumper kernel itself, or nothing.
        if name == self.wrapped.name {
            return Err(KernelSpecError::HidesWrapped { name });
        }
        Ok(name)
    }

    /// Writes `kernel.json` and the wrapped kernel's logos into `<location>/kernels/<name>/`,
    /// replacing an earlier jumper kernelspec of that name but never anyone else's.
    pub fn run(&self, env: &Environment) -> Result<Installed, KernelSpecError> {
        let spec = self.spec()?;
        let name = self.kernel_name()?;
        let dir = self.location.kernels_dir(env)?.join(&name);
        let json_path = dir.join(KERNEL_JSON);
        if json_path.exists() {
            let ours = KernelSpec::read(&json_path)
                .ok()
                .is_some_and(|s| s.jumper_wraps().is_some());
            if !ours {
                return Err(KernelSpecError::WouldReplace { path: json_path });
            }
        }
        let werr = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KernelSpecError::Write { path, source }
        };
        fs::create_dir_all(&dir).map_err(werr(&dir))?;
        // Logos of a kernel this name wrapped before must not linger.
        for old in fs::read_dir(&dir).map_err(werr(&dir))?.flatten() {
            if old.file_name().to_string_lossy().starts_with("logo-") {
                fs::remove_file(old.path()).map_err(werr(&old.path()))?;
            }
        }
        let mut logos = Vec::new();
        for logo in self.wrapped.logos() {
            let Some(file) = logo.file_name() else {
                continue;
            };
            let to = dir.join(file);
            fs::copy(&logo, &to).map_err(werr(&to))?;
            logos.push(to);
        }
        write_atomically(&json_path, &spec_json(&spec)).map_err(werr(&json_path))?;
        Ok(Installed {
            name,
            dir,
            spec,
            logos,
        })
    }
}

fn spec_json(spec: &KernelSpec) -> Vec<u8> {
    // A struct of strings and JSON values always serialises.
    let mut v = serde_json::to_vec_pretty(spec).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Writes through a temporary file in the same directory and renames it into place, so a
/// frontend listing kernels never reads half a file. The file gets the mode of any new file
/// (0666 less the umask), as `jupyter kernelspec install` gives it: a `--sys-prefix` kernel
/// must be readable by everyone who uses that environment (a temporary file alone is 0600).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes the jumper kernel `name`: the first `kernels/<name>` in `search` order, which is
/// the one Jupyter uses. Refuses a kernelspec that is not jumper's. Returns its directory.
pub fn uninstall(name: &str, search: &KernelSearch) -> Result<PathBuf, KernelSpecError> {
    let key = name.to_lowercase();
    if !is_valid_kernel_name(&key) {
        return Err(KernelSpecError::InvalidName {
            name: name.to_string(),
        });
    }
    let Some(dir) = search
        .dirs()
        .iter()
        .map(|d| d.join(&key))
        .find(|d| d.join(KERNEL_JSON).is_file())
    else {
        return Err(KernelSpecError::NotInstalled {
            name: name.to_string(),
            searched: search.dirs().to_vec(),
        });
    };
    let ours = KernelSpec::read(&dir.join(KERNEL_JSON))
        .ok()
        .is_some_and(|s| s.jumper_wraps().is_some());
    if !ours {
        return Err(KernelSpecError::NotJumper { dir });
    }
    fs::remove_dir_all(&dir).map_err(|source| KernelSpecError::Write {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernelspec::tests::fake_tree;
    use crate::kernelspec::KernelSearch;
    use serde_json::Value;

    fn bin() -> PathBuf {
        PathBuf::from("/opt/jumper/bin/jumper")
    }

    #[test]
    fn installs_the_contract_spec_with_logos() {
        let t = fake_tree();
        let env = Environment::empty().with("HOME", t.path().join("home"));
        let cat =
            KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
        let py = cat.resolve("python3").unwrap();
        let got = Install::new(py, bin()).run(&env).unwrap();
        let dir = t
            .path()
            .join("home/.local/share/jupyter/kernels/jumper-python3");
        assert_eq!(got.name, "jumper-python3");
        assert_eq!(got.dir, dir);
        let v: Value = serde_json::from_slice(&fs::read(dir.join("kernel.json")).unwrap()).unwrap();
        assert_eq!(
            v,
            json!({
                "argv": ["/opt/jumper/bin/jumper", "kernel", "run", "--wrap", "python3",
                         "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel) (jumper)",
                "language": "python",
                "interrupt_mode": "message",
                "metadata": {"debugger": true, "jumper": {"wrapped_kernel": "python3"}}
            })
        );
        for logo in ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"] {
            assert_eq!(
                fs::read(dir.join(logo)).unwrap(),
                fs::read(py.dir.join(logo)).unwrap(),
                "{logo} copied byte for byte"
            );
        }
        assert_eq!(got.logos.len(), 3);
        assert!(!dir.join("kernel.js").exists(), "only logos are copied");
        #[cfg(unix)]
        {
            // kernel.json has the mode of any new file (a shared environment's users read it),
            // not a temporary file's 0600.
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.join("plain");
            fs::write(&plain, b"x").unwrap();
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.join("kernel.json")), mode(&plain));
            assert_ne!(
                mode(&plain) & 0o044,
                0,
                "the test runs under a umask that lets others read"
            );
            fs::remove_file(&plain).unwrap();
        }
        // The installed kernel is found, is jumper's, and is not offered for wrapping.
        let cat = KernelSearch::new(&env, &[], PythonPrefix::Skip).discover();
        let k = cat.resolve("jumper-python3").unwrap();
        assert!(k.is_jumper());
        assert_eq!(k.spec, got.spec);
        assert!(cat.wrappable().all(|k| k.name != "jumper-python3"));
    }

    #[test]
    fn name_display_name_and_prefix() {
        let t = fake_tree();
        let cat =
            KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
        let py = cat.resolve("python3").unwrap();
        let prefix = t.path().join("pfx");
        let got = Install::new(py, bin())
            .name("My-Py")
            .display_name("Measured Python")
            .location(InstallLocation::Prefix(prefix.clone()))
            .run(&Environment::empty())
            .unwrap();
        assert_eq!(got.name, "my-py");
        assert_eq!(got.dir, prefix.join("share/jupyter/kernels/my-py"));
        assert_eq!(got.spec.display_name, "Measured Python");
        let back = KernelSpec::read(&got.dir.join("kernel.json")).unwrap();
        assert_eq!(back, got.spec);
    }

    #[test]
    fn sys_prefix_uses_the_python_prefix() {
        let t = fake_tree();
        let cat =
            KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
        let py = cat.resolve("python3").unwrap();
        let env = Environment::empty().with("VIRTUAL_ENV", t.path().join("venv"));
        let got = Install::new(py, bin())
            .location(InstallLocation::SysPrefix)
            .run(&env)
            .unwrap();
        assert_eq!(
            got.dir,
            t.path().join("venv/share/jupyter/kernels/jumper-python3")
        );
        let e = Install::new(py, bin())
            .location(InstallLocation::SysPrefix)
            .run(&Environment::empty())
            .unwrap_err();
        assert!(matches!(e, KernelSpecError::NoSysPrefix), "{e}");
        let e = Install::new(py, bin())
            .run(&Environment::empty())
            .unwrap_err();
        assert!(matches!(e, KernelSpecError::NoUserDataDir), "{e}");
    }

    #[test]
    fn reinstall_replaces_ours_and_stale_logos() {
        let t = fake_tree();
        let cat =
            KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
        let prefix = InstallLocation::Prefix(t.path().join("p"));
        let env = Environment::empty();
        Install::new(cat.resolve("python3").unwrap(), bin())
            .name("m")
            .location(prefix.clone())
            .run(&env)
            .unwrap();
        let got = Install::new(cat.resolve("ir").unwrap(), bin())
            .name("m")
            .location(prefix)
            .run(&env)
            .unwrap();
        assert_eq!(got.spec.language, "R");
        assert_eq!(got.spec.jumper_wraps(), Some("ir"));
        // IR has only a 64x64 logo: python's other logos are gone.
        let mut files: Vec<String> = fs::read_dir(&got.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["kernel.json", "logo-64x64.png"]);
        assert_eq!(
            fs::read(got.dir.join("logo-64x64.png")).unwrap(),
            b"IR-64".to_vec()
        );
    }

    #[test]
    fn refuses_to_overwrite_a_foreign_spec() {
        let t = fake_tree();
        let kernels = t.path().join("sys/share/jupyter/kernels");
        let cat = KernelSearch::from_dirs(vec![kernels.clone()]).discover();
        let e = Install::new(cat.resolve("python3").unwrap(), bin())
            .name("ir")
            .location(InstallLocation::Prefix(t.path().join("sys")))
            .run(&Environment::empty())
            .unwrap_err();
        assert!(
            matches!(&e, KernelSpecError::WouldReplace { path } if *path == kernels.join("ir/kernel.json")),
            "{e}"
        );
        // The foreign spec is untouched.
        assert_eq!(
            KernelSpec::read(&kernels.join("ir/kernel.json"))
                .unwrap()
                .language,
            "R"
        );
    }

    #[test]
    fn kernel_dirs_go_into_the_argv_before_the_connection_file() {
        let t = fake_tree();
        let cat = KernelSearch::from_dirs(vec![t.path().join("site/kernels")]).discover();
        let julia = cat.resolve("julia-1.10").unwrap();
        let site = t.path().join("site/kernels");
        let got = Install::new(julia, bin())
            .kernel_dirs(vec![site.clone(), PathBuf::from("/other")])
            .location(InstallLocation::Prefix(t.path().join("p")))
            .run(&Environment::empty())
            .unwrap();
        let site = site.to_string_lossy().into_owned();
        assert_eq!(
            got.spec.argv,
            [
                "/opt/jumper/bin/jumper",
                "kernel",
                "run",
                "--wrap",
                "julia-1.10",
                "--kernel-dirs",
                site.as_str(),
                "--kernel-dirs",
                "/other",
                "-f",
                "{connection_file}"
            ]
        );
        let e = Install::new(julia, bin())
            .kernel_dirs(vec![PathBuf::from("site/kernels")])
            .spec()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the kernel directory site/kernels is not absolute"
        );
    }

    #[test]
    fn run_args_go_into_the_argv_after_the_kernel_dirs() {
        let t = fake_tree();
        let cat = KernelSearch::from_dirs(vec![t.path().join("site/kernels")]).discover();
        let julia = cat.resolve("julia-1.10").unwrap();
        let spec = Install::new(julia, bin())
            .kernel_dirs(vec![PathBuf::from("/other")])
            .run_args(vec!["--metrics".into(), "127.0.0.1:0".into()])
            .spec()
            .unwrap();
        assert_eq!(
            spec.argv[5..],
            [
                "--kernel-dirs",
                "/other",
                "--metrics",
                "127.0.0.1:0",
                "-f",
                "{connection_file}"
            ]
        );
    }

    #[test]
    fn bad_requests() {
        let t = fake_tree();
        let cat =
            KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
        let py = cat.resolve("python3").unwrap();
        let env = Environment::empty();
        let loc = InstallLocation::Prefix(t.path().join("p"));
        let e = Install::new(py, "jumper")
            .location(loc.clone())
            .run(&env)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the jumper binary path jumper is not absolute"
        );
        let e = Install::new(py, bin())
            .name("bad name/..")
            .location(loc.clone())
            .run(&env)
            .unwrap_err();
        assert!(matches!(e, KernelSpecError::InvalidName { .. }), "{e}");
        // A jumper kernel cannot be wrapped again.
        let j = Install::new(py, bin())
            .location(loc.clone())
            .run(&env)
            .unwrap();
        let jk = FoundKernel::read(&j.dir).unwrap();
        let e = Install::new(&jk, bin())
            .location(loc)
            .run(&env)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "kernel \"jumper-python3\" is already a jumper kernel (it wraps \"python3\"); \
             wrap \"python3\" instead"
        );
        assert!(!t
            .path()
            .join("p")
            .join("share/jupyter/kernels/jumper-jumper-python3")
            .exists());
        // A jumper kernel named like the kernel it wraps would hide it from `kernel run`.
        let e = Install::new(py, bin())
            .name("Python3")
            .location(InstallLocation::Prefix(t.path().join("p")))
            .run(&env)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "a jumper kernel named \"python3\" would hide the kernel it wraps; choose another --name"
        );
        assert!(!t.path().join("p/share/jupyter/kernels/python3").exists());
    }

    #[test]
    fn uninstall_removes_only_jumper_kernels() {
        let t = fake_tree();
        let sys = t.path().join("sys/share/jupyter/kernels");
        let user = t.path().join("u/kernels");
        let cat = KernelSearch::from_dirs(vec![sys.clone()]).discover();
        let env = Environment::empty().with("JUPYTER_DATA_DIR", t.path().join("u"));
        let got = Install::new(cat.resolve("python3").unwrap(), bin())
            .run(&env)
            .unwrap();
        let search = KernelSearch::from_dirs(vec![user.clone(), sys.clone()]);
        let e = uninstall("python3", &search).unwrap_err();
        assert!(matches!(&e, KernelSpecError::NotJumper { dir } if *dir == sys.join("python3")));
        assert!(sys.join("python3/kernel.json").exists());
        assert_eq!(uninstall("Jumper-Python3", &search).unwrap(), got.dir);
        assert!(!got.dir.exists());
        let e = uninstall("jumper-python3", &search).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "no jumper kernel named \"jumper-python3\" is installed (searched {}, {})",
                user.display(),
                sys.display()
            )
        );
        assert!(matches!(
            uninstall("../x", &search),
            Err(KernelSpecError::InvalidName { .. })
        ));
    }
}
