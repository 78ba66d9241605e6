//! `%list_kernels [DIR ...]` and `%wrap_kernel NAME [--save NEW]`: their texts in JUmPER's
//! format (reference §10) and the steps the relay takes, built on [`crate::kernelspec`].
//!
//! Differences from JUmPER, on purpose: jumper's own kernelspecs are not listed (wrapping one
//! would wrap jumper in jumper); a directory that does not exist, and a kernelspec that cannot
//! be used, are reported to the user (JUmPER only logged them); `--save NEW` installs a jumper
//! kernelspec (`kernel run --wrap NAME`) displayed as `NEW (jumper)`.

use std::path::{Path, PathBuf};

use crate::kernelspec::{
    Catalog, Environment, FoundKernel, Install, InstallLocation, Installed, KernelSpecError,
};

use super::NotebookError;

const RULE: &str = "--------------------------------------------------";

/// Expands `$VAR`, `${VAR}` (unknown variables stay as written, as Python's
/// `os.path.expandvars`) and then a leading `~` or `~/` to `HOME` (as `os.path.expanduser`).
pub fn expand_dir(raw: &str, var: impl Fn(&str) -> Option<String>) -> PathBuf {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (!name.is_empty()).then(|| var(name)).flatten() {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[i..i + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    if out == "~" || out.starts_with("~/") {
        if let Some(home) = var("HOME") {
            out = format!("{home}{}", &out[1..]);
        }
    }
    PathBuf::from(out)
}

/// The directories `%list_kernels DIR ...` adds to the search, and what it says about the
/// others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddedDirs {
    /// Expanded directories that exist and were not searched yet, in the order given.
    pub added: Vec<PathBuf>,
    /// One line for each directory ignored because it is not a directory.
    pub notes: Vec<String>,
}

/// Which of `raw` (as typed; expanded with `var`) to add to the `searched` directories: those
/// that are directories and not searched yet, each once.
pub fn add_dirs(
    raw: &[String],
    searched: &[PathBuf],
    var: impl Fn(&str) -> Option<String>,
) -> AddedDirs {
    let mut out = AddedDirs::default();
    for r in raw {
        let p = expand_dir(r, &var);
        if !p.is_dir() {
            out.notes.push(format!(
                "%list_kernels: ignoring '{r}': {} is not a directory",
                p.display()
            ));
            continue;
        }
        if searched.contains(&p) || out.added.contains(&p) {
            continue;
        }
        out.added.push(p);
    }
    out
}

/// The text of `%list_kernels`, in JUmPER's format: `Available Jupyter Kernels:`, 50 dashes,
/// `  <name>: <display_name> (<language>)` for each kernel jumper can wrap (sorted by name;
/// jumper's own left out), then, when there are any, the directories this call added, and
/// the kernel wrapped now.
pub fn list_kernels_text(catalog: &Catalog, added: &[PathBuf], wrapped: Option<&str>) -> String {
    let mut out = format!("Available Jupyter Kernels:\n{RULE}\n");
    for k in catalog.wrappable() {
        let lang = if k.spec.language.is_empty() {
            "unknown"
        } else {
            &k.spec.language
        };
        out.push_str(&format!("  {}: {} ({lang})\n", k.name, k.spec.display_name));
    }
    if !added.is_empty() {
        out.push_str(&format!("\n{RULE}\nAdded kernel search paths:\n"));
        for p in added {
            out.push_str(&format!("  {}\n", p.display()));
        }
    }
    if let Some(w) = wrapped {
        out.push_str(&format!("\n{RULE}\nCurrently wrapped kernel: {w}\n"));
    }
    out
}

/// One line for each kernelspec that was found but cannot be used (for stderr).
pub fn broken_notes(catalog: &Catalog) -> Vec<String> {
    catalog
        .broken
        .iter()
        .map(|b| {
            format!(
                "kernel '{}' in {} cannot be used: {}",
                b.name,
                b.dir.display(),
                b.reason
            )
        })
        .collect()
}

/// JUmPER's message for a kernel name that is not there.
pub fn not_found_message(name: &str) -> String {
    format!("Kernel '{name}' not found. Use %list_kernels to see available kernels.")
}

/// The kernel `%wrap_kernel NAME` means, or the one line to show instead: not found (JUmPER's
/// message), broken (why), or a jumper kernel itself.
pub fn resolve_wrap<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a FoundKernel, String> {
    match catalog.resolve(name) {
        Ok(k) => match k.spec.jumper_wraps() {
            Some(inner) => Err(format!(
                "Kernel '{name}' is a jumper kernel itself; wrap the kernel it wraps ('{inner}') instead."
            )),
            None => Ok(k),
        },
        Err(KernelSpecError::Unknown { .. }) => Err(not_found_message(name)),
        Err(e) => Err(format!("Kernel '{name}' cannot be used: {e}")),
    }
}

/// Installs the kernelspec of `%wrap_kernel NAME --save NEW`: a jumper kernel `NEW` that wraps
/// `wrapped`, started through `jumper_binary` (absolute), displayed as `NEW (jumper)`, at
/// `location` (the user's data directory in the relay).
pub fn save_kernelspec(
    wrapped: &FoundKernel,
    new_name: &str,
    jumper_binary: &Path,
    location: InstallLocation,
    env: &Environment,
) -> Result<Installed, NotebookError> {
    Ok(Install::new(wrapped, jumper_binary)
        .name(new_name)
        .display_name(format!("{new_name} (jumper)"))
        .location(location)
        .run(env)?)
}

/// What `%wrap_kernel` prints when the kernel runs: JUmPER's lines, then what `--save` did
/// (`saved`: the install's result, when `--save` was given).
pub fn wrapped_message(name: &str, saved: Option<&Result<Installed, NotebookError>>) -> String {
    let mut out = format!(
        "Successfully wrapped kernel: {name}\n\
         Hint: Refresh the page (without restarting the kernel) to enable syntax highlighting for the wrapped language.\n"
    );
    match saved {
        None => out.push_str(&format!(
            "Tip: Use '%wrap_kernel {name} --save <name>' to create a permanent kernel that auto-wraps on startup.\n"
        )),
        Some(Ok(i)) => out.push_str(&format!(
            "Created permanent kernel '{}' that auto-wraps '{name}'.\nIts kernelspec is in {}.\n",
            i.name,
            i.dir.display()
        )),
        Some(Err(e)) => out.push_str(&format!(
            "Warning: Failed to create permanent kernel spec: {e}\n"
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernelspec::KernelSearch;
    use std::fs;

    fn spec(dir: &Path, json: &str) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("kernel.json"), json).unwrap();
    }

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let k = t.path().join("kernels");
        spec(
            &k.join("python3"),
            r#"{"argv": ["python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)", "language": "python"}"#,
        );
        spec(
            &k.join("ir"),
            r#"{"argv": ["R", "-e", "IRkernel::main()", "--args", "{connection_file}"],
                "display_name": "R", "language": "R"}"#,
        );
        spec(
            &k.join("nolang"),
            r#"{"argv": ["x", "{connection_file}"], "display_name": "No language"}"#,
        );
        spec(
            &k.join("jumper-python3"),
            r#"{"argv": ["/usr/bin/jumper", "kernel", "run", "--wrap", "python3", "-f", "{connection_file}"],
                "display_name": "Python 3 (jumper)", "language": "python",
                "metadata": {"jumper": {"wrapped_kernel": "python3"}}}"#,
        );
        spec(&k.join("broken"), "{not json");
        t
    }

    fn catalog(t: &tempfile::TempDir) -> Catalog {
        KernelSearch::from_dirs(vec![t.path().join("kernels")]).discover()
    }

    #[test]
    fn the_list_has_jumpers_format_without_jumpers_own_kernels() {
        let t = tree();
        let c = catalog(&t);
        let dashes = "-".repeat(50);
        assert_eq!(
            list_kernels_text(&c, &[], None),
            format!(
                "Available Jupyter Kernels:\n{dashes}\n  ir: R (R)\n  nolang: No language (unknown)\n  python3: Python 3 (ipykernel) (python)\n"
            )
        );
        let text = list_kernels_text(&c, &[PathBuf::from("/opt/k")], Some("ir"));
        assert!(text.ends_with(&format!(
            "\n{dashes}\nAdded kernel search paths:\n  /opt/k\n\n{dashes}\nCurrently wrapped kernel: ir\n"
        )), "{text}");
        let notes = broken_notes(&c);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("kernel 'broken' in "), "{notes:?}");
    }

    #[test]
    fn search_dirs_expand_and_skip_missing_and_repeated() {
        let t = tree();
        let home = t.path().to_string_lossy().into_owned();
        let var = |n: &str| match n {
            "HOME" => Some(home.clone()),
            "SITE" => Some(format!("{home}/kernels")),
            _ => None,
        };
        assert_eq!(expand_dir("~/kernels", var), t.path().join("kernels"));
        assert_eq!(expand_dir("~", var), t.path());
        assert_eq!(expand_dir("${SITE}/x", var), t.path().join("kernels/x"));
        assert_eq!(expand_dir("$SITE", var), t.path().join("kernels"));
        assert_eq!(expand_dir("$NOPE/a~b", var), PathBuf::from("$NOPE/a~b"));
        assert_eq!(expand_dir("${broken", var), PathBuf::from("${broken"));
        assert_eq!(expand_dir("~user/x", var), PathBuf::from("~user/x"));
        assert_eq!(expand_dir("a$", var), PathBuf::from("a$"));
        let other = t.path().join("other dir ä");
        fs::create_dir(&other).unwrap();
        let raw: Vec<String> = vec![
            "~/kernels".into(),
            "$SITE".into(),
            other.to_string_lossy().into_owned(),
            "/does/not/exist".into(),
        ];
        let a = add_dirs(&raw, &[], var);
        assert_eq!(a.added, [t.path().join("kernels"), other.clone()]);
        assert_eq!(a.notes.len(), 1);
        assert!(a.notes[0].contains("'/does/not/exist'"), "{:?}", a.notes);
        // Already searched: not added again.
        let a = add_dirs(&raw[..1], &[t.path().join("kernels")], var);
        assert!(a.added.is_empty() && a.notes.is_empty());
    }

    #[test]
    fn wrap_resolves_names_and_explains_failures() {
        let t = tree();
        let c = catalog(&t);
        assert_eq!(resolve_wrap(&c, "ir").unwrap().name, "ir");
        assert_eq!(resolve_wrap(&c, "Python3").unwrap().name, "python3");
        assert_eq!(
            resolve_wrap(&c, "julia").unwrap_err(),
            "Kernel 'julia' not found. Use %list_kernels to see available kernels."
        );
        let e = resolve_wrap(&c, "jumper-python3").unwrap_err();
        assert!(
            e.contains("jumper kernel itself") && e.contains("'python3'"),
            "{e}"
        );
        let e = resolve_wrap(&c, "broken").unwrap_err();
        assert!(e.starts_with("Kernel 'broken' cannot be used: "), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn save_installs_a_jumper_kernelspec_and_the_messages_say_so() {
        let t = tree();
        let c = catalog(&t);
        let ir = resolve_wrap(&c, "ir").unwrap();
        let prefix = t.path().join("prefix");
        let res = save_kernelspec(
            ir,
            "my-r",
            Path::new("/usr/local/bin/jumper"),
            InstallLocation::Prefix(prefix.clone()),
            &Environment::empty(),
        );
        let installed = res.as_ref().unwrap();
        assert_eq!(installed.dir, prefix.join("share/jupyter/kernels/my-r"));
        assert_eq!(installed.spec.display_name, "my-r (jumper)");
        assert_eq!(installed.spec.language, "R");
        assert_eq!(installed.spec.jumper_wraps(), Some("ir"));
        assert!(installed.dir.join("kernel.json").is_file());
        let msg = wrapped_message("ir", Some(&res));
        assert!(
            msg.starts_with("Successfully wrapped kernel: ir\n"),
            "{msg}"
        );
        assert!(
            msg.contains("Created permanent kernel 'my-r' that auto-wraps 'ir'."),
            "{msg}"
        );
        let msg = wrapped_message("ir", None);
        assert!(msg.ends_with(
            "Tip: Use '%wrap_kernel ir --save <name>' to create a permanent kernel that auto-wraps on startup.\n"
        ));
        // A bad new name fails with one line, and the wrap itself still succeeded.
        let bad = save_kernelspec(
            ir,
            "bad name!",
            Path::new("/usr/local/bin/jumper"),
            InstallLocation::Prefix(prefix),
            &Environment::empty(),
        );
        assert!(bad.is_err());
        let msg = wrapped_message("ir", Some(&bad));
        assert!(
            msg.contains("Warning: Failed to create permanent kernel spec: invalid kernel name"),
            "{msg}"
        );
    }
}
