use super::*;
use std::path::Path;
use tempfile::TempDir;

pub(crate) fn write_spec(dir: &Path, json: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(KERNEL_JSON), json).unwrap();
}

const IPYKERNEL: &str = r#"{
 "argv": ["/usr/bin/python3", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (ipykernel)",
 "language": "python",
 "metadata": {"debugger": true},
 "kernel_protocol_version": "5.5"
}"#;

const IRKERNEL: &str = r#"{"argv": ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"],
 "display_name": "R", "language": "R", "env": {"R_LIBS_USER": "/opt/r"}}"#;

/// A Jupyter tree in a temp dir:
/// `sys/share/jupyter/kernels/` holds an ipykernel spec with three logos and a kernel.js, an
/// IRkernel spec with one logo, two broken specs and a directory that is not a kernel;
/// `user/kernels/python3` shadows the system python3; `site/kernels/julia-1.10` is a site dir.
pub(crate) fn fake_tree() -> TempDir {
    let t = tempfile::tempdir().unwrap();
    let sys = t.path().join("sys/share/jupyter/kernels");
    let py = sys.join("python3");
    write_spec(&py, IPYKERNEL);
    fs::write(py.join("logo-32x32.png"), b"\x89PNG-32").unwrap();
    fs::write(py.join("logo-64x64.png"), b"\x89PNG-64").unwrap();
    fs::write(py.join("logo-svg.svg"), b"<svg/>").unwrap();
    fs::write(py.join("kernel.js"), b"// js").unwrap();
    let ir = sys.join("ir");
    write_spec(&ir, IRKERNEL);
    fs::write(ir.join("logo-64x64.png"), b"IR-64").unwrap();
    write_spec(&sys.join("broken"), "{not json");
    write_spec(
        &sys.join("noargv"),
        r#"{"argv": [], "display_name": "No argv"}"#,
    );
    fs::create_dir_all(sys.join("notakernel")).unwrap();
    fs::write(sys.join("notakernel/readme.txt"), b"hi").unwrap();
    write_spec(
        &t.path().join("user/kernels/python3"),
        r#"{"argv": ["python3", "-m", "ipykernel", "-f", "{connection_file}"],
            "display_name": "User Python", "language": "python"}"#,
    );
    write_spec(
        &t.path().join("site/kernels/julia-1.10"),
        r#"{"argv": ["julia", "-i", "{connection_file}"], "display_name": "Julia 1.10",
            "language": "julia", "interrupt_mode": "message"}"#,
    );
    t
}

fn names(c: &Catalog) -> Vec<&str> {
    c.kernels.iter().map(|k| k.name.as_str()).collect()
}

#[test]
fn discovers_specs_and_lists_broken_ones() {
    let t = fake_tree();
    let c = KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
    assert_eq!(names(&c), ["ir", "python3"]);
    let py = c.resolve("python3").unwrap();
    assert_eq!(py.spec.argv[3], "ipykernel_launcher");
    assert_eq!(py.spec.display_name, "Python 3 (ipykernel)");
    assert_eq!(py.spec.language, "python");
    assert_eq!(py.spec.interrupt_mode, InterruptMode::Signal);
    assert_eq!(py.spec.metadata["debugger"], true);
    assert!(!py.is_jumper());
    let logos: Vec<String> = py
        .logos()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(logos, ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]);
    let ir = c.resolve("ir").unwrap();
    assert_eq!(ir.spec.env["R_LIBS_USER"], "/opt/r");
    assert_eq!(ir.spec.language, "R");
    let broken: Vec<(&str, &str)> = c
        .broken
        .iter()
        .map(|b| (b.name.as_str(), b.reason.as_str()))
        .collect();
    assert_eq!(broken.len(), 2);
    assert_eq!(broken[0].0, "broken");
    assert!(
        broken[0]
            .1
            .ends_with("broken/kernel.json is malformed: key must be a string at line 1 column 2"),
        "{}",
        broken[0].1
    );
    assert_eq!(broken[1].0, "noargv");
    assert!(broken[1]
        .1
        .ends_with("noargv/kernel.json is malformed: \"argv\" is empty"));
}

#[test]
fn first_directory_wins_and_names_are_case_insensitive() {
    let t = fake_tree();
    let c = KernelSearch::from_dirs(vec![
        t.path().join("user/kernels"),
        t.path().join("sys/share/jupyter/kernels"),
    ])
    .discover();
    assert_eq!(
        c.resolve("python3").unwrap().spec.display_name,
        "User Python"
    );
    assert_eq!(c.resolve("Python3").unwrap().name, "python3");
    assert_eq!(c.kernels.iter().filter(|k| k.name == "python3").count(), 1);
}

#[test]
fn unknown_and_broken_names_are_clear_errors() {
    let t = fake_tree();
    let c = KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
    let e = c.resolve("julia").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no kernel named \"julia\"; available: ir, python3"
    );
    let e = c.resolve("broken").unwrap_err();
    assert!(matches!(e, KernelSpecError::Broken { .. }));
    assert!(e.to_string().starts_with("kernel \"broken\" in "), "{e}");
    assert!(e.to_string().contains(": kernelspec "), "{e}");
    let empty = KernelSearch::from_dirs(vec![t.path().join("nowhere")]).discover();
    assert_eq!(
        empty.resolve("python3").unwrap_err().to_string(),
        "no kernel named \"python3\"; no kernels are installed"
    );
}

#[test]
fn search_order_explicit_then_env_then_jupyter() {
    let env = Environment::empty()
        .with("HOME", "/home/u")
        .with("JUMPER_KERNEL_PATH", "/site1:/site2/kernels");
    let s = KernelSearch::new(&env, &[PathBuf::from("/cli")], PythonPrefix::Skip);
    let want: Vec<PathBuf> = [
        "/cli/kernels",
        "/cli",
        "/site1/kernels",
        "/site1",
        "/site2/kernels/kernels",
        "/site2/kernels",
        "/home/u/.local/share/jupyter/kernels",
        "/usr/local/share/jupyter/kernels",
        "/usr/share/jupyter/kernels",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(s.dirs(), want);
}

#[test]
fn extra_dirs_may_be_kernels_dirs_or_data_dirs() {
    let t = fake_tree();
    let env = Environment::empty()
        .with("HOME", t.path().join("nohome"))
        .with("JUMPER_KERNEL_PATH", t.path().join("site/kernels"));
    // The caller names a share/jupyter dir; the site names a kernels dir.
    let c = KernelSearch::new(
        &env,
        &[t.path().join("sys/share/jupyter")],
        PythonPrefix::Skip,
    )
    .discover();
    let got = names(&c);
    assert!(got.contains(&"julia-1.10"), "{got:?}");
    assert!(got.contains(&"python3") && got.contains(&"ir"), "{got:?}");
    let j = c.resolve("julia-1.10").unwrap();
    assert_eq!(j.spec.interrupt_mode, InterruptMode::Message);
    assert_eq!(j.dir, t.path().join("site/kernels/julia-1.10"));
}

#[test]
fn jupyter_path_and_user_dir_are_searched() {
    let t = fake_tree();
    let env = Environment::empty()
        .with("JUPYTER_PATH", t.path().join("sys/share/jupyter"))
        .with("JUPYTER_DATA_DIR", t.path().join("user"));
    let c = KernelSearch::new(&env, &[], PythonPrefix::Skip).discover();
    // JUPYTER_PATH comes before the user directory.
    assert_eq!(
        c.resolve("python3").unwrap().spec.display_name,
        "Python 3 (ipykernel)"
    );
    assert_eq!(
        c.searched[..2],
        [
            t.path().join("sys/share/jupyter/kernels"),
            t.path().join("user/kernels")
        ]
    );
}

#[test]
fn spec_parse_errors_name_the_field() {
    let p = Path::new("/k/kernel.json");
    let cases = [
        (r#"{"argv": ["x"]}"#, "missing field `display_name`"),
        (
            r#"{"argv": "x", "display_name": "X"}"#,
            "invalid type: string \"x\"",
        ),
        (
            r#"{"argv": ["x"], "display_name": "X", "interrupt_mode": "magic"}"#,
            "unknown variant `magic`",
        ),
        (
            r#"{"argv": [""], "display_name": "X"}"#,
            "\"argv\" is empty",
        ),
    ];
    for (json, want) in cases {
        let e = KernelSpec::parse(json.as_bytes(), p).unwrap_err();
        let s = e.to_string();
        assert!(
            s.starts_with("kernelspec /k/kernel.json is malformed: "),
            "{s}"
        );
        assert!(s.contains(want), "{s} should say {want}");
    }
}

#[test]
fn unreadable_spec_is_broken_not_fatal() {
    let t = fake_tree();
    let f = t.path().join("sys/share/jupyter/kernels/ir/kernel.json");
    fs::remove_file(&f).unwrap();
    // A regular file that cannot be read, even by root: reading page 0 of our own memory is EIO.
    std::os::unix::fs::symlink("/proc/self/mem", &f).unwrap();
    assert!(fs::read(&f).is_err());
    let c = KernelSearch::from_dirs(vec![t.path().join("sys/share/jupyter/kernels")]).discover();
    assert_eq!(names(&c), ["python3"]);
    let b = c.broken.iter().find(|b| b.name == "ir").unwrap();
    assert!(
        b.reason.starts_with("cannot read kernelspec "),
        "{}",
        b.reason
    );
    assert!(
        b.reason.contains("ir/kernel.json: "),
        "the OS reason follows: {}",
        b.reason
    );
}

#[test]
fn valid_kernel_names() {
    for ok in ["python3", "jumper-python3", "julia-1.10", "R_4", "IR"] {
        assert!(is_valid_kernel_name(ok), "{ok}");
    }
    for bad in ["", "a b", "a/b", "ü", "x:y"] {
        assert!(!is_valid_kernel_name(bad), "{bad}");
    }
}

#[test]
fn command_substitutes_like_jupyter_client() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("k");
    write_spec(
        &dir,
        r#"{"argv": ["{prefix}/bin/k", "--conn={connection_file}", "{resource_dir}/x.js", "{other}"],
            "display_name": "K"}"#,
    );
    let k = FoundKernel::read(&dir).unwrap();
    let cf = Path::new("/tmp/jk/kernel.json");
    assert_eq!(
        k.command(cf, Some(Path::new("/opt/py"))),
        [
            "/opt/py/bin/k".to_string(),
            "--conn=/tmp/jk/kernel.json".to_string(),
            format!("{}/x.js", dir.display()),
            "{other}".to_string(),
        ]
    );
    assert_eq!(k.command(cf, None)[0], "{prefix}/bin/k");
}
