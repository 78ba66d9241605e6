//! `jumper kernel install|list|uninstall|run`: jumper's Jupyter kernelspecs and the kernel.
//!
//! A jumper kernelspec starts `jumper kernel run --wrap NAME -f {connection_file}`, which
//! relays the frontend to the wrapped kernel `NAME` and measures it. These commands find the
//! kernels that can be wrapped and write or remove jumper's kernelspecs; the work is in
//! `jumper_kernel::kernelspec`.

// The doc comments of the clap types below are `--help` text, where `<NAME>` and `[dirs]` are
// meant literally, not HTML or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use jumper_kernel::kernelspec::{
    jupyter_data_dirs, uninstall, Catalog, Environment, Install, InstallLocation, KernelSearch,
    KernelSpecError, PythonPrefix,
};
use serde_json::json;

use crate::{exit, print_stdout};

/// How the commands find `python3`'s `sys.prefix` (its `share/jupyter` holds pip-installed
/// kernels): without running it when a venv, conda env or `bin` directory says it, else by
/// asking it (about 0.16 s through a pyenv shim), as `--sys-prefix` must.
const PYTHON: PythonPrefix = PythonPrefix::Query;

/// `jumper kernel ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum KernelCommand {
    /// Install a jumper kernelspec that wraps an existing kernel (default: python3), so
    /// JupyterLab, VS Code, nbclient and papermill offer "<kernel> (jumper)".
    ///
    /// Writes <prefix>/share/jupyter/kernels/<NAME>/kernel.json (and the wrapped kernel's
    /// logos) whose argv is this jumper binary's absolute path followed by
    /// `kernel run --wrap <KERNEL> -f {connection_file}`. Installing again over a jumper
    /// kernelspec replaces it; another program's kernelspec is never overwritten.
    Install(InstallArgs),
    /// List the kernels jumper can wrap, jumper's own kernels and broken kernelspecs.
    ///
    /// Searches --kernel-dirs, then JUMPER_KERNEL_PATH (colon-separated), then Jupyter's data
    /// path (JUPYTER_PATH, the user data directory, python3's sys.prefix, /usr/local/share
    /// and /usr/share); the first kernel of a name wins, as in Jupyter.
    List(ListArgs),
    /// Remove a jumper kernelspec (the first of that name on the search path). Kernelspecs
    /// that are not jumper's are refused: remove those with `jupyter kernelspec remove`.
    Uninstall(UninstallArgs),
    /// Run the kernel (what an installed kernelspec starts): relay the frontend behind
    /// CONNECTION_FILE to the wrapped kernel, monitor it from outside and run jumper's
    /// commands. Bad input (a missing connection file, an unknown kernel) exits 2.
    Run(RunArgs),
}

/// Options of `jumper kernel run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The kernel to wrap (a kernelspec name, as `jumper kernel list` shows).
    #[arg(long, value_name = "KERNEL", default_value = "python3")]
    wrap: String,
    /// The connection file the frontend wrote.
    #[arg(short = 'f', long = "connection-file", value_name = "CONNECTION_FILE")]
    connection_file: PathBuf,
    #[command(flatten)]
    dirs: KernelDirs,
    #[command(flatten)]
    metrics: crate::serve::MetricsArgs,
}

/// Extra places to look for kernels (shared by the `kernel` commands).
#[derive(Debug, Args)]
pub(crate) struct KernelDirs {
    /// Also look for kernels in DIR (a `kernels` directory or a `share/jupyter` directory
    /// above one), before JUMPER_KERNEL_PATH and Jupyter's own paths. Repeatable.
    #[arg(long = "kernel-dirs", value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
}

impl KernelDirs {
    /// The search path: these directories (made absolute), `JUMPER_KERNEL_PATH`, Jupyter's.
    pub(crate) fn search(&self, env: &Environment, extra_first: &[PathBuf]) -> KernelSearch {
        let dirs: Vec<PathBuf> = extra_first
            .iter()
            .chain(&self.dirs)
            .map(|d| absolute(d))
            .collect();
        KernelSearch::new(env, &dirs, PYTHON)
    }
}

/// Options of `jumper kernel install`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("location").args(["user", "sys_prefix", "prefix"])))]
pub(crate) struct InstallArgs {
    /// The kernel to wrap (a name from `jumper kernel list`).
    #[arg(long, value_name = "KERNEL", default_value = "python3")]
    wrap: String,
    /// The new kernel's name [default: jumper-<KERNEL>].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The name shown in JupyterLab's launcher and kernel picker
    /// [default: "<KERNEL's display name> (jumper)"].
    #[arg(long, value_name = "TEXT")]
    display_name: Option<String>,
    /// Install for this user, in Jupyter's user data directory (the default).
    #[arg(long)]
    user: bool,
    /// Install into the sys.prefix of the python3 on PATH (the active venv or conda env).
    #[arg(long)]
    sys_prefix: bool,
    /// Install into DIR/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
    #[command(flatten)]
    kernel_dirs: KernelDirs,
    /// Every start of the kernel serves the notebook's latest values on --metrics (use port 0
    /// so that several notebooks can run: each picks a free port and, with --metrics-sd-dir,
    /// writes a target file for Prometheus).
    #[command(flatten)]
    metrics: crate::serve::MetricsArgs,
}

/// Options of `jumper kernel list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print JSON: {"kernels": [{name, display_name, language, dir, jumper, wraps}],
    /// "broken": [{name, dir, reason}], "searched": [dirs]}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    kernel_dirs: KernelDirs,
}

/// Options of `jumper kernel uninstall`.
#[derive(Debug, Args)]
pub(crate) struct UninstallArgs {
    /// The jumper kernel to remove (e.g. jumper-python3).
    name: String,
    /// Look first in DIR/share/jupyter/kernels (where `install --prefix DIR` wrote it).
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
    #[command(flatten)]
    kernel_dirs: KernelDirs,
}

/// Runs a `kernel` command; returns the exit status.
pub(crate) fn kernel(command: KernelCommand) -> i32 {
    let env = Environment::from_process();
    let r = match command {
        KernelCommand::Run(a) => return run(a),
        KernelCommand::Install(a) => install(a, &env),
        KernelCommand::List(a) => list(a, &env),
        KernelCommand::Uninstall(a) => remove(a, &env),
    };
    match r {
        Ok(()) => 0,
        Err(Failure { code, error }) => {
            eprintln!("jumper: {}", crate::one_line(&error));
            code
        }
    }
}

/// A failed command: its exit status and its message.
struct Failure {
    code: i32,
    error: anyhow::Error,
}

impl From<KernelSpecError> for Failure {
    fn from(e: KernelSpecError) -> Self {
        let code = match e {
            // The file system refused, or jumper handed itself a bad path.
            KernelSpecError::Write { .. }
            | KernelSpecError::RelativeBinary { .. }
            | KernelSpecError::RelativeKernelDir { .. } => exit::JUMPER_FAILED,
            // Unknown, broken or jumper kernels, bad names, a name taken by someone else's
            // kernelspec, no HOME or python3 for the location asked for.
            _ => exit::USAGE,
        };
        Self {
            code,
            error: e.into(),
        }
    }
}

impl Failure {
    fn jumper(error: anyhow::Error) -> Self {
        Self {
            code: exit::JUMPER_FAILED,
            error,
        }
    }
}

fn install(a: InstallArgs, env: &Environment) -> Result<(), Failure> {
    // A bad address or target directory is refused now, not at each start of the kernel.
    if let Err(e) = a.metrics.validate() {
        return Err(Failure {
            code: exit::USAGE,
            error: anyhow::anyhow!(e),
        });
    }
    let catalog = a.kernel_dirs.search(env, &[]).discover();
    let wrapped = resolve_wrappable(&catalog, &a.wrap)?;
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| {
            Failure::jumper(anyhow::Error::new(e).context("cannot find this jumper binary's path"))
        })?;
    let location = match (a.prefix, a.sys_prefix) {
        (Some(p), _) => InstallLocation::Prefix(absolute(&p)),
        (None, true) => InstallLocation::SysPrefix,
        (None, false) => InstallLocation::User,
    };
    // A kernel found outside Jupyter's own path (through --kernel-dirs or JUMPER_KERNEL_PATH)
    // must be found again by `kernel run`, whose environment may lack JUMPER_KERNEL_PATH.
    let jupyter: Vec<PathBuf> = jupyter_data_dirs(env, PYTHON)
        .into_iter()
        .map(|d| d.join("kernels"))
        .collect();
    let found_in = wrapped.dir.parent().map(absolute);
    let kernel_dirs: Vec<PathBuf> = found_in
        .filter(|d| !jupyter.contains(d))
        .into_iter()
        .collect();
    let mut install = Install::new(wrapped, binary)
        .location(location)
        .kernel_dirs(kernel_dirs)
        .run_args(a.metrics.to_args());
    if let Some(n) = a.name {
        install = install.name(n);
    }
    if let Some(d) = a.display_name {
        install = install.display_name(d);
    }
    let installed = install.run(env)?;
    let kernels_dir = installed.dir.parent().map(Path::to_path_buf);
    if let Some(k) = kernels_dir.filter(|d| !jupyter.contains(d)) {
        let data = k.parent().unwrap_or(&k);
        eprintln!(
            "jumper: note: {} is not on Jupyter's data path; add it to JUPYTER_PATH for \
             Jupyter to find this kernel",
            data.display()
        );
    }
    print_stdout(&format!(
        "Installed kernel {:?} (wraps {:?}) in {}; pick {:?} in JupyterLab\n",
        installed.name,
        wrapped.name,
        installed.dir.display(),
        installed.spec.display_name
    ))
    .map_err(Failure::jumper)
}

/// The kernel `name` if jumper can wrap it; an unknown name lists the wrappable ones.
fn resolve_wrappable<'c>(
    catalog: &'c Catalog,
    name: &str,
) -> Result<&'c jumper_kernel::kernelspec::FoundKernel, Failure> {
    match catalog.resolve(name) {
        Ok(k) => Ok(k),
        Err(KernelSpecError::Unknown { name, .. }) => Err(KernelSpecError::Unknown {
            name,
            available: catalog.wrappable().map(|k| k.name.clone()).collect(),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

fn list(a: ListArgs, env: &Environment) -> Result<(), Failure> {
    let catalog = a.kernel_dirs.search(env, &[]).discover();
    let text = if a.json {
        list_json(&catalog)
    } else {
        list_text(&catalog)
    };
    print_stdout(&text).map_err(Failure::jumper)
}

fn list_json(c: &Catalog) -> String {
    let kernels: Vec<_> = c
        .kernels
        .iter()
        .map(|k| {
            json!({
                "name": k.name,
                "display_name": k.spec.display_name,
                "language": k.spec.language,
                "dir": k.dir.to_string_lossy(),
                "jumper": k.is_jumper(),
                "wraps": k.spec.jumper_wraps(),
            })
        })
        .collect();
    let broken: Vec<_> = c
        .broken
        .iter()
        .map(|b| json!({"name": b.name, "dir": b.dir.to_string_lossy(), "reason": b.reason}))
        .collect();
    let searched: Vec<_> = c.searched.iter().map(|d| d.to_string_lossy()).collect();
    format!(
        "{}\n",
        json!({"kernels": kernels, "broken": broken, "searched": searched})
    )
}

fn list_text(c: &Catalog) -> String {
    let row = |k: &jumper_kernel::kernelspec::FoundKernel| {
        [
            k.name.clone(),
            k.spec.display_name.clone(),
            k.spec.language.clone(),
            k.dir.display().to_string(),
        ]
    };
    let wrappable: Vec<[String; 4]> = c.wrappable().map(row).collect();
    let ours: Vec<[String; 4]> = c
        .kernels
        .iter()
        .filter(|k| k.is_jumper())
        .map(|k| {
            let mut r = row(k);
            r[3] = format!(
                "{}  (wraps {})",
                r[3],
                k.spec.jumper_wraps().unwrap_or_default()
            );
            r
        })
        .collect();
    let header = [
        "NAME".to_string(),
        "DISPLAY NAME".into(),
        "LANGUAGE".into(),
        "DIRECTORY".into(),
    ];
    let mut widths = [0usize; 3];
    for r in std::iter::once(&header).chain(&wrappable).chain(&ours) {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |r: &[String; 4]| {
        let mut s = String::from("  ");
        for (w, cell) in widths.iter().zip(r) {
            s.push_str(cell);
            s.push_str(&" ".repeat(w - cell.chars().count() + 2));
        }
        s.push_str(&r[3]);
        s.push('\n');
        s
    };
    let mut out = String::new();
    if wrappable.is_empty() {
        out.push_str("No kernels jumper can wrap were found.\n");
    } else {
        out.push_str("Kernels jumper can wrap (jumper kernel install --wrap NAME):\n");
        out.push_str(&line(&header));
        wrappable.iter().for_each(|r| out.push_str(&line(r)));
    }
    if !ours.is_empty() {
        out.push_str("jumper kernels (not wrappable):\n");
        ours.iter().for_each(|r| out.push_str(&line(r)));
    }
    if !c.broken.is_empty() {
        out.push_str("Broken kernelspecs (not usable):\n");
        for b in &c.broken {
            out.push_str(&format!("  {}: {}\n", b.name, b.reason));
        }
    }
    let searched: Vec<String> = c.searched.iter().map(|d| d.display().to_string()).collect();
    out.push_str(&format!("Searched: {}\n", searched.join(", ")));
    out
}

fn remove(a: UninstallArgs, env: &Environment) -> Result<(), Failure> {
    let first: Vec<PathBuf> = a.prefix.iter().map(|p| p.join("share/jupyter")).collect();
    let search = a.kernel_dirs.search(env, &first);
    let dir = uninstall(&a.name, &search)?;
    print_stdout(&format!(
        "Removed jumper kernel {:?} from {}\n",
        a.name.to_lowercase(),
        dir.display()
    ))
    .map_err(Failure::jumper)
}

/// `p` made absolute against the working directory (kernelspecs are used from anywhere);
/// as given when there is no working directory.
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `jumper kernel run`: errors before the frontend's sockets are up end the process with one
/// line (exit 2 for bad input, 125 when jumper fails); later ones are shown in the notebook.
fn run(a: RunArgs) -> i32 {
    let dirs: Vec<PathBuf> = a.dirs.dirs.iter().map(|d| absolute(d)).collect();
    let opts =
        jumper_kernel::relay::KernelOptions::new(&a.connection_file, &a.wrap).kernel_dirs(dirs);
    let metrics = match a.metrics.check() {
        Ok(m) => m,
        Err(code) => return code,
    };
    // The endpoint lives as long as this process: a wrapped kernel that died and was started
    // again keeps it; a restart from the frontend starts a new jumper with a new endpoint (a
    // new port for port 0) and its own target file.
    match jumper_kernel::relay::run_with(&opts, |service| {
        metrics
            .serve(service)
            .map_err(|e| jumper_core::one_line(&e))
    }) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("jumper: {e}");
            if e.is_usage() {
                exit::USAGE
            } else {
                exit::JUMPER_FAILED
            }
        }
    }
}
