//! Kernelspecs: the Jupyter kernels jumper can wrap, and jumper's own kernelspecs.
//!
//! A kernelspec is a directory `kernels/<name>/` holding `kernel.json` (argv, display name,
//! language, interrupt mode, env, metadata) and optional `logo-*` files. [`KernelSearch`]
//! lists the `kernels` directories to look in, [`KernelSearch::discover`] reads them into a
//! [`Catalog`] (a broken spec is listed as broken, never fatal), and [`Catalog::resolve`]
//! finds one by name. [`Install`] writes a jumper kernelspec that wraps a found kernel and
//! [`uninstall`] removes one.

mod install;
mod paths;

pub use install::{uninstall, Install, InstallLocation, Installed};
pub use paths::{
    jupyter_data_dirs, python_prefix, user_data_dir, Environment, PythonPrefix, SYSTEM_DATA_DIRS,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The file name of a kernelspec inside its directory.
pub const KERNEL_JSON: &str = "kernel.json";

/// How a frontend interrupts a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum InterruptMode {
    /// SIGINT to the kernel's process group (the default).
    #[default]
    Signal,
    /// An `interrupt_request` on the control channel.
    Message,
}

/// The contents of a `kernel.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KernelSpec {
    /// The command that starts the kernel; `{connection_file}` stands for the file's path.
    pub argv: Vec<String>,
    /// The name frontends show.
    pub display_name: String,
    /// The kernel's language (papermill needs it in the notebook).
    #[serde(default)]
    pub language: String,
    /// How to interrupt it.
    #[serde(default)]
    pub interrupt_mode: InterruptMode,
    /// Extra environment variables for the kernel process.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Free-form metadata (`debugger`, `jumper`, ...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
}

impl KernelSpec {
    /// Parses and checks a `kernel.json`; `path` only names it in errors.
    pub fn parse(json: &[u8], path: &Path) -> Result<Self, KernelSpecError> {
        let malformed = |reason: String| KernelSpecError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let spec: KernelSpec =
            serde_json::from_slice(json).map_err(|e| malformed(e.to_string()))?;
        if spec.argv.is_empty() || spec.argv[0].is_empty() {
            return Err(malformed("\"argv\" is empty".to_string()));
        }
        Ok(spec)
    }

    /// Reads and checks a `kernel.json`.
    pub fn read(path: &Path) -> Result<Self, KernelSpecError> {
        let bytes = fs::read(path).map_err(|source| KernelSpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&bytes, path)
    }

    /// The kernel this spec wraps when it is a jumper kernelspec
    /// (`metadata.jumper.wrapped_kernel`).
    pub fn jumper_wraps(&self) -> Option<&str> {
        self.metadata.get("jumper")?.get("wrapped_kernel")?.as_str()
    }
}

/// A kernelspec found on disk.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FoundKernel {
    /// Its name (the directory name, lowercased as Jupyter does).
    pub name: String,
    /// Its directory (the resource directory with `kernel.json` and logos).
    pub dir: PathBuf,
    /// What its `kernel.json` says.
    pub spec: KernelSpec,
}

impl FoundKernel {
    /// Reads the kernelspec in `dir`, named after the directory.
    pub fn read(dir: &Path) -> Result<Self, KernelSpecError> {
        let spec = KernelSpec::read(&dir.join(KERNEL_JSON))?;
        Ok(Self {
            name: kernel_name_of(dir),
            dir: dir.to_path_buf(),
            spec,
        })
    }

    /// Whether this is a jumper kernelspec (one that wraps another kernel).
    pub fn is_jumper(&self) -> bool {
        self.spec.jumper_wraps().is_some()
    }

    /// The command that starts this kernel on `connection_file`: its argv with
    /// `{connection_file}`, `{resource_dir}` (this kernel's directory) and, when given,
    /// `{prefix}` replaced wherever they occur in an argument, as jupyter_client does. Other
    /// `{...}` stay as written.
    pub fn command(&self, connection_file: &Path, prefix: Option<&Path>) -> Vec<String> {
        let cf = connection_file.to_string_lossy();
        let rd = self.dir.to_string_lossy();
        let px = prefix.map(|p| p.to_string_lossy());
        self.spec
            .argv
            .iter()
            .map(|a| {
                let a = a
                    .replace("{connection_file}", &cf)
                    .replace("{resource_dir}", &rd);
                match &px {
                    Some(px) => a.replace("{prefix}", px),
                    None => a,
                }
            })
            .collect()
    }

    /// Its logo files (`logo-32x32.png`, `logo-64x64.png`, `logo-svg.svg`, ...), sorted.
    pub fn logos(&self) -> Vec<PathBuf> {
        let mut logos: Vec<PathBuf> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("logo-"))
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        logos.sort();
        logos
    }
}

fn kernel_name_of(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// A kernel directory whose `kernel.json` cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokenKernel {
    /// Its name (the directory name, lowercased).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// What is wrong, in one line.
    pub reason: String,
}

/// Why a kernelspec cannot be read, found, written or removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KernelSpecError {
    /// A `kernel.json` cannot be read.
    #[error("cannot read kernelspec {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// A `kernel.json` is not a usable kernelspec.
    #[error("kernelspec {} is malformed: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong (serde_json's description with line and column, or the bad field).
        reason: String,
    },
    /// No kernel has this name.
    #[error("no kernel named {name:?}; {}", available_text(available))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names that exist, sorted.
        available: Vec<String>,
    },
    /// The kernel of this name exists but its spec is broken.
    #[error("kernel {name:?} in {} is broken: {reason}", dir.display())]
    Broken {
        /// The name asked for.
        name: String,
        /// Its directory.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A kernel name has characters Jupyter does not allow (only ASCII letters, digits,
    /// `.`, `_`, `-`).
    #[error("invalid kernel name {name:?}: use only ASCII letters, digits, '.', '_' and '-'")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// The jumper binary path given for a kernelspec's argv is not absolute.
    #[error("the jumper binary path {} is not absolute", path.display())]
    RelativeBinary {
        /// The path.
        path: PathBuf,
    },
    /// A `--kernel-dirs` directory for a kernelspec's argv is not absolute.
    #[error("the kernel directory {} is not absolute", path.display())]
    RelativeKernelDir {
        /// The directory.
        path: PathBuf,
    },
    /// Asked to wrap a kernel that is itself a jumper kernel.
    #[error(
        "kernel {name:?} is already a jumper kernel (it wraps {wraps:?}); wrap {wraps:?} instead"
    )]
    WrapsJumper {
        /// The jumper kernel's name.
        name: String,
        /// What it wraps.
        wraps: String,
    },
    /// A jumper kernel would get the name of the kernel it wraps.
    #[error(
        "a jumper kernel named {name:?} would hide the kernel it wraps; choose another --name"
    )]
    HidesWrapped {
        /// The name.
        name: String,
    },
    /// Installing would overwrite a kernelspec that is not jumper's.
    #[error("{} holds a kernelspec that is not jumper's; choose another --name", path.display())]
    WouldReplace {
        /// Its `kernel.json`.
        path: PathBuf,
    },
    /// No user data directory (neither `JUPYTER_DATA_DIR`, `XDG_DATA_HOME` nor `HOME` is set).
    #[error("no user data directory: set HOME or JUPYTER_DATA_DIR")]
    NoUserDataDir,
    /// No Python prefix for `--sys-prefix`.
    #[error("no Python prefix for --sys-prefix: no python3 found on PATH")]
    NoSysPrefix,
    /// A kernelspec could not be written or removed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// No jumper kernel of this name is installed.
    #[error(
        "no jumper kernel named {name:?} is installed (searched {})",
        dirs_text(searched)
    )]
    NotInstalled {
        /// The name.
        name: String,
        /// The `kernels` directories searched.
        searched: Vec<PathBuf>,
    },
    /// Asked to remove a kernelspec that is not jumper's.
    #[error("{} is not a jumper kernel; remove it with `jupyter kernelspec remove`", dir.display())]
    NotJumper {
        /// Its directory.
        dir: PathBuf,
    },
}

fn available_text(available: &[String]) -> String {
    if available.is_empty() {
        "no kernels are installed".to_string()
    } else {
        format!("available: {}", available.join(", "))
    }
}

fn dirs_text(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether Jupyter accepts `name` as a kernel name.
pub fn is_valid_kernel_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The `kernels` directories to search, highest priority first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelSearch {
    dirs: Vec<PathBuf>,
}

impl KernelSearch {
    /// Directories given by the caller (`--kernel-dirs`), then `JUMPER_KERNEL_PATH` entries,
    /// then `kernels` under each of Jupyter's data directories ([`jupyter_data_dirs`]). An
    /// explicit directory may be a `kernels` directory itself or a data directory above one
    /// (`share/jupyter`): both `DIR` and `DIR/kernels` are searched. When two directories hold
    /// the same name, the first wins, as in Jupyter.
    pub fn new(env: &Environment, extra_dirs: &[PathBuf], python: PythonPrefix) -> Self {
        let explicit = extra_dirs
            .iter()
            .cloned()
            .chain(env.list("JUMPER_KERNEL_PATH"))
            .flat_map(|d| [d.join("kernels"), d]);
        let data = jupyter_data_dirs(env, python)
            .into_iter()
            .map(|d| d.join("kernels"));
        Self {
            dirs: paths::dedup(explicit.chain(data).collect()),
        }
    }

    /// Exactly these `kernels` directories, in this order.
    pub fn from_dirs(dirs: Vec<PathBuf>) -> Self {
        Self {
            dirs: paths::dedup(dirs),
        }
    }

    /// The directories, highest priority first.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Reads every kernelspec in the directories. Directories that do not exist or cannot be
    /// listed are skipped; a subdirectory without `kernel.json` is not a kernel; a
    /// `kernel.json` that cannot be used is listed in [`Catalog::broken`].
    pub fn discover(&self) -> Catalog {
        let mut seen = HashSet::new();
        let mut kernels = Vec::new();
        let mut broken = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join(KERNEL_JSON).is_file())
                .collect();
            subdirs.sort();
            for sub in subdirs {
                let name = kernel_name_of(&sub);
                if !seen.insert(name.clone()) {
                    continue; // shadowed by a higher-priority directory
                }
                match FoundKernel::read(&sub) {
                    Ok(k) => kernels.push(k),
                    Err(e) => broken.push(BrokenKernel {
                        name,
                        dir: sub,
                        reason: error_line(&e),
                    }),
                }
            }
        }
        kernels.sort_by(|a, b| a.name.cmp(&b.name));
        broken.sort_by(|a, b| a.name.cmp(&b.name));
        Catalog {
            kernels,
            broken,
            searched: self.dirs.clone(),
        }
    }
}

/// An error and its sources in one line.
fn error_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

/// The kernelspecs found by [`KernelSearch::discover`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Catalog {
    /// Usable kernels, sorted by name (jumper's own included: see [`FoundKernel::is_jumper`]).
    pub kernels: Vec<FoundKernel>,
    /// Kernel directories whose spec cannot be used, sorted by name.
    pub broken: Vec<BrokenKernel>,
    /// The `kernels` directories searched, highest priority first.
    pub searched: Vec<PathBuf>,
}

impl Catalog {
    /// The kernel called `name` (case-insensitive, as Jupyter names are lowercased).
    pub fn resolve(&self, name: &str) -> Result<&FoundKernel, KernelSpecError> {
        let key = name.to_lowercase();
        if let Some(k) = self.kernels.iter().find(|k| k.name == key) {
            return Ok(k);
        }
        if let Some(b) = self.broken.iter().find(|b| b.name == key) {
            return Err(KernelSpecError::Broken {
                name: name.to_string(),
                dir: b.dir.clone(),
                reason: b.reason.clone(),
            });
        }
        Err(KernelSpecError::Unknown {
            name: name.to_string(),
            available: self.kernels.iter().map(|k| k.name.clone()).collect(),
        })
    }

    /// The kernels jumper can wrap: all usable ones except jumper's own.
    pub fn wrappable(&self) -> impl Iterator<Item = &FoundKernel> {
        self.kernels.iter().filter(|k| !k.is_jumper())
    }
}

#[cfg(test)]
pub(crate) mod tests;
