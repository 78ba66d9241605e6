//! The crate's public API used the way `jumper kernel install` and `jumper kernel run` will
//! use it, on temp-dir trees and in-memory frames (no sockets).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use bytes::Bytes;
use jumper_kernel::connection::{Channel, ChildConnection, ConnectionInfo, Transport};
use jumper_kernel::kernelspec::{Environment, Install, InterruptMode, KernelSearch, PythonPrefix};
use jumper_kernel::wire::{Message, Session};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn install_then_run_resolves_the_wrapped_kernel_and_its_command() {
    let t = tempfile::tempdir().unwrap();
    let venv = t.path().join("venv");
    let py = venv.join("share/jupyter/kernels/python3");
    write(
        &py.join("kernel.json"),
        br#"{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
             "display_name": "Python 3 (ipykernel)", "language": "python",
             "metadata": {"debugger": true}}"#,
    );
    write(&py.join("logo-64x64.png"), b"\x89PNG logo");
    let env = Environment::empty()
        .with("HOME", t.path().join("home"))
        .with("VIRTUAL_ENV", &venv);

    // jumper kernel install --wrap python3
    let catalog = KernelSearch::new(&env, &[], PythonPrefix::Cheap).discover();
    let wrapped = catalog.resolve("python3").unwrap();
    let installed = Install::new(wrapped, "/usr/local/bin/jumper")
        .run(&env)
        .unwrap();
    assert_eq!(
        installed.dir,
        t.path()
            .join("home/.local/share/jupyter/kernels/jumper-python3")
    );

    // Jupyter now lists the jumper kernel; its argv starts `jumper kernel run --wrap python3`.
    let catalog = KernelSearch::new(&env, &[], PythonPrefix::Cheap).discover();
    let ours = catalog.resolve("jumper-python3").unwrap();
    assert_eq!(ours.spec.interrupt_mode, InterruptMode::Message);
    assert_eq!(ours.spec.language, "python");
    assert_eq!(ours.spec.display_name, "Python 3 (ipykernel) (jumper)");
    assert_eq!(
        ours.spec.argv,
        [
            "/usr/local/bin/jumper",
            "kernel",
            "run",
            "--wrap",
            "python3",
            "-f",
            "{connection_file}"
        ]
    );
    assert_eq!(
        fs::read(ours.dir.join("logo-64x64.png")).unwrap(),
        b"\x89PNG logo"
    );
    // Only the tree's kernels: the system directories (/usr/share/jupyter, ...) are always
    // searched and may hold kernels of their own (Debian's r-cran-irkernel puts `ir` there).
    let names: Vec<&str> = catalog
        .wrappable()
        .filter(|k| k.dir.starts_with(t.path()))
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["python3"],
        "jumper's own kernel is not offered for wrapping"
    );

    // jumper kernel run --wrap python3: the child's command on a private ipc connection.
    let child_conn = ChildConnection::create("python3").unwrap();
    let wrapped = catalog.resolve(&ours.spec.argv[4]).unwrap();
    let cmd = wrapped.command(child_conn.file(), None);
    assert_eq!(
        cmd,
        [
            "python".to_string(),
            "-m".into(),
            "ipykernel_launcher".into(),
            "-f".into(),
            child_conn.file().to_string_lossy().into_owned()
        ]
    );
    let on_disk = ConnectionInfo::read(child_conn.file()).unwrap();
    assert_eq!(on_disk.transport, Transport::Ipc);
    assert!(on_disk
        .endpoint(Channel::Shell)
        .starts_with(&format!("ipc://{}", child_conn.dir().display())));
}

#[test]
fn a_request_and_its_reply_cross_the_relay_with_bytes_untouched() {
    let t = tempfile::tempdir().unwrap();
    let frontend_file = t.path().join("kernel-abc.json");
    write(
        &frontend_file,
        br#"{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
             "hb_port": 5005, "ip": "127.0.0.1", "key": "frontend-secret", "transport": "tcp",
             "signature_scheme": "hmac-sha256", "kernel_name": "jumper-python3"}"#,
    );
    let front = ConnectionInfo::read(&frontend_file).unwrap();
    let front_key = front.signer().unwrap();
    let child = ChildConnection::create("python3").unwrap();
    let child_key = child.info().signer().unwrap();

    // The frontend sends an execute_request through a ROUTER (one identity frame).
    let client = Session::new("alice").unwrap().with_protocol_version("5.3");
    let mut req = client
        .message(
            "execute_request",
            &json!({"code": "print('hi')", "silent": false, "store_history": true,
                    "user_expressions": {}, "allow_stdin": true, "stop_on_error": true}),
        )
        .unwrap();
    req.set_identities(vec![Bytes::from_static(b"frontend-1")]);
    let from_frontend = req.encode(&front_key);

    // jumper: verify with the frontend's key, forward to the child with the child's key.
    let got = Message::decode(from_frontend.clone(), &front_key).unwrap();
    #[derive(serde::Deserialize)]
    struct Exec {
        code: String,
        silent: bool,
    }
    let exec: Exec = got.content().unwrap();
    assert_eq!((exec.code.as_str(), exec.silent), ("print('hi')", false));
    let identities = got.identities().to_vec();
    let mut to_child = got.clone();
    to_child.set_identities(vec![]); // a DEALER toward the child adds no identity
    let to_child = to_child.encode(&child_key);
    assert_eq!(
        &to_child[2..],
        &from_frontend[3..],
        "JSON parts forwarded verbatim"
    );
    // The child's connection has no key (its private directory protects it): what goes to it
    // is unsigned, and the frontend's signature is not passed on.
    assert!(!child_key.is_signing());
    assert!(to_child[1].is_empty(), "no signature toward the child");
    assert!(!from_frontend[2].is_empty());

    // The child replies; jumper routes the reply back to the frontend's identity.
    let kernel = Session::new("kernel").unwrap();
    let child_req = Message::decode(to_child, &child_key).unwrap();
    let reply = kernel
        .reply(
            &child_req,
            "execute_reply",
            &json!({"status": "ok", "execution_count": 1, "user_expressions": {}}),
        )
        .unwrap()
        .encode(&child_key);
    let mut back = Message::decode(reply.clone(), &child_key).unwrap();
    back.set_identities(identities);
    let to_frontend = back.encode(&front_key);
    assert_eq!(to_frontend[0], Bytes::from_static(b"frontend-1"));
    assert_eq!(&to_frontend[3..], &reply[2..]);

    // The frontend sees a reply to its own request.
    let seen = Message::decode(to_frontend, &front_key).unwrap();
    assert_eq!(seen.msg_type(), "execute_reply");
    let parent = seen.parent().unwrap().unwrap();
    assert_eq!(parent.msg_id, req.msg_id());
    assert_eq!(parent.username, "alice");
    assert_eq!(parent.version.as_deref(), Some("5.3"));
    let c: Value = seen.content().unwrap();
    assert_eq!(c["execution_count"], 1);
}
