//! jumper's Jupyter kernel: `jumper kernel run` wraps any Jupyter kernel and monitors it from
//! outside.
//!
//! jumper's kernel is a **transparent relay**: a frontend (JupyterLab, nbclient, papermill,
//! VS Code) talks to jumper as to any kernel, and jumper forwards every channel frame for
//! frame to the kernel it wraps (ipykernel, IRkernel, Julia, ...), which it starts as a child
//! and measures from outside. [`relay::run`] is the kernel; the modules below are its parts:
//!
//! - [`relay`]: the sockets, the child process (own process group, parent-death signal),
//!   cells recorded by jumper-core's service, jumper's lines run around the code, reports
//!   published before the cell's `idle`, interrupts, restarts that keep the session.
//! - [`wire`]: one Jupyter message as ZeroMQ frames. Decoding verifies the HMAC with the
//!   incoming side's key and keeps every JSON part as its original bytes; encoding re-signs
//!   with the outgoing side's key, so forwarded JSON is never re-serialised. [`wire::Session`]
//!   builds jumper's own replies and output.
//! - [`connection`]: the connection file the frontend hands jumper, and the private **ipc**
//!   connection jumper writes for its child (fresh key, no TCP ports on shared nodes).
//! - [`kernelspec`]: the kernels jumper can wrap (Jupyter's data paths, `--kernel-dirs`,
//!   `JUMPER_KERNEL_PATH`), and installing / removing jumper's own kernelspecs.
//! - [`random`]: ids, keys and header dates.
//! - [`notebook`]: what the relay decides, as pure functions: which lines of a cell are
//!   jumper's ([`notebook::cell`]), jumper-core's outputs as MIME bundles
//!   ([`notebook::bundle`]), data loaded into the user's kernel ([`notebook::dataframe`]),
//!   completions ([`notebook::complete`]), `%list_kernels` and `%wrap_kernel`
//!   ([`notebook::kernels`]).
//!
//! Where it sits: readers (jumper-monitor) → data (jumper-data) → report / viz / session /
//! script → service (jumper-core) → frontends (CLI, **kernel**). The kernel drives jumper-core's
//! service (and writes data with jumper-data's CSV writers); nothing below the frontends may
//! depend on it.
//!
//! ```
//! use jumper_kernel::wire::{Message, Session, Signer};
//!
//! let frontend = Signer::new(b"frontend-key")?;
//! let child = Signer::new(b"child-key")?;
//! // A request as a frontend sends it...
//! let req = Session::new("user")?.message("kernel_info_request", &serde_json::json!({}))?;
//! let frames = req.encode(&frontend);
//! // ...verified with the frontend's key and forwarded to the child with the child's key.
//! let msg = Message::decode(frames.clone(), &frontend)?;
//! let out = msg.encode(&child);
//! assert_ne!(out[1], frames[1]); // [0] is <IDS|MSG>, [1] the signature
//! assert_eq!(out[2..], frames[2..]); // header, parent, metadata, content: the same bytes
//! assert_eq!(Message::decode(out, &child)?.msg_type(), "kernel_info_request");
//! # Ok::<(), jumper_kernel::wire::WireError>(())
//! ```

pub mod connection;
pub mod kernelspec;
pub mod notebook;
pub mod random;
pub mod relay;
pub mod wire;
