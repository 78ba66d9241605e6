//! Jupyter connection files: the one a frontend hands jumper (`-f {connection_file}`), and the
//! one jumper writes for the kernel it wraps.
//!
//! A connection file names the transport, the address, the five channel ports, the HMAC key
//! and its scheme. jumper talks to its child over **ipc** (no TCP ports on shared nodes):
//! [`ChildConnection::create`] writes a file whose `ip` is a path prefix in a private
//! temporary directory, so each channel is the Unix socket `ipc://<prefix>-<port>`. The
//! directory (mode 0700) is what protects those sockets, so the child's file has no key.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::wire::{Signer, WireError};

/// The longest path a Unix socket address holds (`sun_path` is 108 bytes with its NUL).
pub const MAX_IPC_PATH: usize = 107;

/// The only signature scheme jumper speaks.
pub const HMAC_SHA256: &str = "hmac-sha256";

/// How the channels are reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Transport {
    /// TCP: `tcp://<ip>:<port>`.
    Tcp,
    /// Unix domain sockets: `ipc://<ip>-<port>`, where `ip` is a path prefix.
    Ipc,
}

/// One of the five channels of a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// Requests and replies (ROUTER on the kernel side).
    Shell,
    /// Broadcast output and status (PUB/XPUB on the kernel side).
    Iopub,
    /// Input requests from the kernel to a frontend (ROUTER on the kernel side).
    Stdin,
    /// Shell-like requests that must not queue behind executions (ROUTER).
    Control,
    /// Heartbeat echo (REP).
    Heartbeat,
}

impl Channel {
    /// All five channels.
    pub const ALL: [Channel; 5] = [
        Channel::Shell,
        Channel::Iopub,
        Channel::Stdin,
        Channel::Control,
        Channel::Heartbeat,
    ];
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Shell => "shell",
            Channel::Iopub => "iopub",
            Channel::Stdin => "stdin",
            Channel::Control => "control",
            Channel::Heartbeat => "hb",
        })
    }
}

/// Why a connection file cannot be used, or could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The file does not exist.
    #[error("connection file {} does not exist", path.display())]
    Missing {
        /// The file asked for.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read connection file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// The file is not a connection file (bad JSON, a missing or mistyped field, a bad value).
    #[error("connection file {} is malformed: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, in one line (serde_json's description with line and column, or
        /// the field whose value is unusable).
        reason: String,
    },
    /// The file asks for a signature scheme other than `hmac-sha256`.
    #[error(
        "connection file {} asks for signature_scheme {scheme:?}; only \"hmac-sha256\" is supported",
        path.display()
    )]
    UnsupportedScheme {
        /// The file.
        path: PathBuf,
        /// The scheme it names.
        scheme: String,
    },
    /// A connection file could not be written.
    #[error("cannot write connection file {}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// The private directory for a child's connection could not be created.
    #[error("cannot create a private directory for a kernel connection under {}", parent.display())]
    PrivateDir {
        /// Where it was to be created.
        parent: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// A child's ipc socket path would exceed what a Unix socket address holds.
    #[error(
        "ipc socket path {} is {len} bytes, more than the {MAX_IPC_PATH} a Unix socket allows; \
         use a shorter temporary directory",
        path.display()
    )]
    SocketPathTooLong {
        /// The longest socket path.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
    },
}

/// The contents of a connection file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// `tcp` or `ipc`.
    pub transport: Transport,
    /// The address (tcp) or socket path prefix (ipc).
    pub ip: String,
    /// Shell channel port.
    pub shell_port: u16,
    /// IOPub channel port.
    pub iopub_port: u16,
    /// Stdin channel port.
    pub stdin_port: u16,
    /// Control channel port.
    pub control_port: u16,
    /// Heartbeat channel port.
    pub hb_port: u16,
    /// The HMAC key; empty = messages are not signed.
    pub key: String,
    /// Always `hmac-sha256` once read (anything else is refused).
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
    /// The kernel name the frontend started, when it says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kernel_name: String,
}

fn default_scheme() -> String {
    HMAC_SHA256.to_string()
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key is a secret: never in logs.
        f.debug_struct("ConnectionInfo")
            .field("transport", &self.transport)
            .field("ip", &self.ip)
            .field("shell_port", &self.shell_port)
            .field("iopub_port", &self.iopub_port)
            .field("stdin_port", &self.stdin_port)
            .field("control_port", &self.control_port)
            .field("hb_port", &self.hb_port)
            .field("key", &if self.key.is_empty() { "" } else { "<hidden>" })
            .field("signature_scheme", &self.signature_scheme)
            .field("kernel_name", &self.kernel_name)
            .finish()
    }
}

impl ConnectionInfo {
    /// Reads and checks a connection file.
    pub fn read(path: &Path) -> Result<Self, ConnectionError> {
        let text = fs::read(path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                ConnectionError::Missing {
                    path: path.to_path_buf(),
                }
            } else {
                ConnectionError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks connection-file JSON; `path` is only used to name it in errors.
    pub fn parse(json: &[u8], path: &Path) -> Result<Self, ConnectionError> {
        let malformed = |reason: String| ConnectionError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let info: ConnectionInfo =
            serde_json::from_slice(json).map_err(|e| malformed(e.to_string()))?;
        if info.signature_scheme != HMAC_SHA256 {
            return Err(ConnectionError::UnsupportedScheme {
                path: path.to_path_buf(),
                scheme: info.signature_scheme,
            });
        }
        if info.ip.is_empty() {
            return Err(malformed("\"ip\" is empty".to_string()));
        }
        if info.transport == Transport::Tcp {
            for c in Channel::ALL {
                if info.port(c) == 0 {
                    return Err(malformed(format!("{c} port is 0")));
                }
            }
        }
        Ok(info)
    }

    /// The port of one channel.
    pub fn port(&self, channel: Channel) -> u16 {
        match channel {
            Channel::Shell => self.shell_port,
            Channel::Iopub => self.iopub_port,
            Channel::Stdin => self.stdin_port,
            Channel::Control => self.control_port,
            Channel::Heartbeat => self.hb_port,
        }
    }

    /// The ZeroMQ endpoint of one channel: `tcp://ip:port` or `ipc://ip-port`.
    pub fn endpoint(&self, channel: Channel) -> String {
        let port = self.port(channel);
        match self.transport {
            Transport::Tcp => format!("tcp://{}:{port}", self.ip),
            Transport::Ipc => format!("ipc://{}-{port}", self.ip),
        }
    }

    /// The signer for this connection's key.
    pub fn signer(&self) -> Result<Signer, WireError> {
        Signer::new(self.key.as_bytes())
    }

    /// The file's JSON, as jupyter_client writes it.
    pub fn to_json(&self) -> String {
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the file; a new file is readable by its owner only (it holds the key).
    pub fn write(&self, path: &Path) -> Result<(), ConnectionError> {
        let err = |source| ConnectionError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(err)?;
        f.write_all(self.to_json().as_bytes()).map_err(err)?;
        f.sync_all().map_err(err)
    }
}

/// The connection to a child kernel over ipc: a private directory (mode 0700) holding the
/// connection file and, once the child binds, its sockets. Dropping it removes the directory.
#[derive(Debug)]
pub struct ChildConnection {
    dir: tempfile::TempDir,
    file: PathBuf,
    info: ConnectionInfo,
}

impl ChildConnection {
    /// Creates the private directory under the system temporary directory and writes
    /// `kernel.json` there: transport `ipc`, `ip` = `<dir>/kernel`, ports 1 to 5, and an
    /// empty key. Only the owner can reach sockets in a 0700 directory, and the owner can read
    /// the frontend's connection file and its key anyway: a key here would protect nothing and
    /// cost two HMACs of every message (the child's signature, the relay's check; measured in
    /// BENCHMARKS.md), so the relay signs once, toward the frontend, as a kernel does.
    /// When `TMPDIR` is too long for socket paths (some batch systems set deep per-job
    /// directories), `/tmp` is used instead.
    pub fn create(kernel_name: &str) -> Result<Self, ConnectionError> {
        let tmp = std::env::temp_dir();
        // The directory name adds "/jumper-kernel-XXXXXX" and the socket "/kernel-5".
        let needed = tmp.as_os_str().len() + "/jumper-kernel-XXXXXX/kernel-5".len();
        let parent = if needed <= MAX_IPC_PATH {
            tmp
        } else {
            PathBuf::from("/tmp")
        };
        Self::create_in(&parent, kernel_name)
    }

    /// As [`ChildConnection::create`], under `parent` instead of the system temporary
    /// directory. Keep `parent` short: a Unix socket path is limited to about 107 bytes.
    pub fn create_in(parent: &Path, kernel_name: &str) -> Result<Self, ConnectionError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("jumper-kernel-");
        // Only the owner may reach the child's sockets and read its key.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o700));
        }
        let dir = builder
            .tempdir_in(parent)
            .map_err(|source| ConnectionError::PrivateDir {
                parent: parent.to_path_buf(),
                source,
            })?;
        let prefix = dir.path().join("kernel");
        let longest = prefix.as_os_str().len() + "-5".len();
        if longest > MAX_IPC_PATH {
            return Err(ConnectionError::SocketPathTooLong {
                path: PathBuf::from(format!("{}-5", prefix.display())),
                len: longest,
            });
        }
        let info = ConnectionInfo {
            transport: Transport::Ipc,
            ip: prefix.to_string_lossy().into_owned(),
            shell_port: 1,
            iopub_port: 2,
            stdin_port: 3,
            control_port: 4,
            hb_port: 5,
            key: String::new(),
            signature_scheme: HMAC_SHA256.to_string(),
            kernel_name: kernel_name.to_string(),
        };
        let file = dir.path().join("kernel.json");
        info.write(&file)?;
        Ok(Self { dir, file, info })
    }

    /// The connection file to pass to the child (its `{connection_file}`).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The private directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the file says.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRONTEND: &str = r#"{
      "shell_port": 50001, "iopub_port": 50002, "stdin_port": 50003,
      "control_port": 50004, "hb_port": 50005, "ip": "127.0.0.1",
      "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84", "transport": "tcp",
      "signature_scheme": "hmac-sha256", "kernel_name": "jumper-python3",
      "jupyter_session": "/home/u/nb.ipynb"
    }"#;

    fn p() -> &'static Path {
        Path::new("/run/user/1000/jupyter/kernel-1.json")
    }

    #[test]
    fn parses_a_frontend_file() {
        let c = ConnectionInfo::parse(FRONTEND.as_bytes(), p()).unwrap();
        assert_eq!(c.transport, Transport::Tcp);
        assert_eq!(c.ip, "127.0.0.1");
        assert_eq!(
            Channel::ALL.map(|ch| c.port(ch)),
            [50001, 50002, 50003, 50004, 50005]
        );
        assert_eq!(c.key, "a0436f6c-1916-498b-8eb9-e81ab9368e84");
        assert_eq!(c.kernel_name, "jumper-python3");
        assert_eq!(c.endpoint(Channel::Iopub), "tcp://127.0.0.1:50002");
        assert_eq!(c.endpoint(Channel::Heartbeat), "tcp://127.0.0.1:50005");
        assert!(c.signer().unwrap().is_signing());
        assert!(
            !format!("{c:?}").contains("a0436f6c"),
            "Debug hides the key"
        );
    }

    #[test]
    fn ipc_endpoints_and_defaults() {
        let j = r#"{"transport":"ipc","ip":"/tmp/x/kernel","shell_port":1,"iopub_port":2,
                    "stdin_port":3,"control_port":4,"hb_port":5,"key":""}"#;
        let c = ConnectionInfo::parse(j.as_bytes(), p()).unwrap();
        assert_eq!(c.endpoint(Channel::Shell), "ipc:///tmp/x/kernel-1");
        assert_eq!(c.endpoint(Channel::Control), "ipc:///tmp/x/kernel-4");
        assert_eq!(c.signature_scheme, HMAC_SHA256);
        assert_eq!(c.kernel_name, "");
        assert!(!c.signer().unwrap().is_signing(), "empty key = no signing");
    }

    #[test]
    fn other_signature_schemes_are_refused() {
        let j = FRONTEND.replace("hmac-sha256", "hmac-md5");
        let e = ConnectionInfo::parse(j.as_bytes(), p()).unwrap_err();
        assert!(
            matches!(&e, ConnectionError::UnsupportedScheme { scheme, .. } if scheme == "hmac-md5")
        );
        assert_eq!(
            e.to_string(),
            "connection file /run/user/1000/jupyter/kernel-1.json asks for signature_scheme \
             \"hmac-md5\"; only \"hmac-sha256\" is supported"
        );
    }

    #[test]
    fn malformed_files_name_path_and_problem() {
        let cases = [
            ("{not json", "key must be a string"),
            (
                &FRONTEND.replace("\"hb_port\": 50005,", "")[..],
                "missing field `hb_port`",
            ),
            (
                &FRONTEND.replace("\"tcp\"", "\"udp\"")[..],
                "unknown variant `udp`",
            ),
            (
                &FRONTEND.replace("50001", "70000")[..],
                "invalid value: integer `70000`",
            ),
            (&FRONTEND.replace("50003", "0")[..], "stdin port is 0"),
            (
                &FRONTEND.replace("\"127.0.0.1\"", "\"\"")[..],
                "\"ip\" is empty",
            ),
        ];
        for (json, want) in cases {
            let e = ConnectionInfo::parse(json.as_bytes(), p()).unwrap_err();
            let s = e.to_string();
            assert!(
                s.starts_with(
                    "connection file /run/user/1000/jupyter/kernel-1.json is malformed: "
                ),
                "{s}"
            );
            assert!(s.contains(want), "{s} should say {want}");
        }
    }

    #[test]
    fn missing_and_unreadable_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let e = ConnectionInfo::read(&missing).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("connection file {} does not exist", missing.display())
        );
        // A directory is not a readable file.
        let e = ConnectionInfo::read(dir.path()).unwrap_err();
        assert!(matches!(e, ConnectionError::Read { .. }), "{e:?}");
    }

    #[test]
    fn write_then_read_round_trips_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        let c = ConnectionInfo::parse(FRONTEND.as_bytes(), p()).unwrap();
        let f = dir.path().join("k.json");
        c.write(&f).unwrap();
        assert_eq!(ConnectionInfo::read(&f).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn child_connection_is_private_ipc_without_a_key() {
        let a = ChildConnection::create("python3").unwrap();
        let b = ChildConnection::create("python3").unwrap();
        let info = ConnectionInfo::read(a.file()).unwrap();
        assert_eq!(&info, a.info());
        assert_eq!(info.transport, Transport::Ipc);
        assert_eq!(info.kernel_name, "python3");
        assert_eq!(info.key, "", "the private directory is the protection");
        assert!(!info.signer().unwrap().is_signing());
        assert_ne!(a.dir(), b.dir());
        let prefix = a.dir().join("kernel");
        assert_eq!(info.ip, prefix.to_string_lossy());
        assert_eq!(
            info.endpoint(Channel::Stdin),
            format!("ipc://{}-3", prefix.display())
        );
        // Five distinct endpoints.
        let eps: std::collections::HashSet<String> =
            Channel::ALL.iter().map(|c| info.endpoint(*c)).collect();
        assert_eq!(eps.len(), 5);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(a.dir()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let dir = a.dir().to_path_buf();
        drop(a);
        assert!(!dir.exists(), "dropping removes the private directory");
    }

    #[test]
    fn too_long_socket_paths_are_refused_and_leave_nothing() {
        let base = tempfile::tempdir().unwrap();
        let deep = base.path().join("d".repeat(100));
        fs::create_dir(&deep).unwrap();
        let e = ChildConnection::create_in(&deep, "x").unwrap_err();
        match &e {
            ConnectionError::SocketPathTooLong { path, len } => {
                assert_eq!(*len, path.as_os_str().len());
                assert!(*len > MAX_IPC_PATH);
                assert!(path.to_string_lossy().ends_with("/kernel-5"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            fs::read_dir(&deep).unwrap().count(),
            0,
            "the private dir is removed"
        );
    }

    #[test]
    fn create_in_an_unwritable_place_names_it() {
        let e = ChildConnection::create_in(Path::new("/proc/no-such-dir"), "x").unwrap_err();
        assert!(
            e.to_string()
                == "cannot create a private directory for a kernel connection under /proc/no-such-dir",
            "{e}"
        );
    }
}
