//! The kernel itself: a transparent relay between a Jupyter frontend and the kernel jumper
//! wraps, which monitors that kernel from outside and runs jumper's commands itself.
//!
//! Every channel is forwarded frame for frame: a message from the frontend is verified with
//! its key, and what goes to the frontend is signed with it ([`crate::wire`]); the child's
//! private connection has no key (its 0700 directory protects it), so each message costs one
//! HMAC, as it does a kernel. The relay's loop and the sockets run on one thread (no hand-over
//! between threads per message), the heartbeat on a thread of its own. Its JSON is never
//! re-serialised, except the few parts the relay must change (the `code` of a mixed cell, the
//! `execution_count` once jumper has answered cells itself, the implementation and banner of
//! `kernel_info_reply`, jumper's names added to a `complete_reply`). A user `execute_request`
//! is a cell: it starts when the request is forwarded and ends at the child's `idle` for it,
//! and jumper's automatic report is published before that `idle` is released, so every
//! frontend keeps it in the cell.

mod cells;
mod child;
mod completion;
mod core;
mod extras;
mod handle;
mod sockets;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use jumper_core::{CellStatus, Output, PerfmonitorService, ServiceError};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::connection::{Channel, ChildConnection, ConnectionError, ConnectionInfo};
use crate::kernelspec::{
    Environment, FoundKernel, InterruptMode, KernelSearch, KernelSpecError, PythonPrefix,
};
use crate::wire::{Message, Session, Signer, WireError};

use crate::notebook::{self, cell::CellPlan, cell::JumperLine, cell::LineKind};
pub use child::SpawnError;
pub use sockets::SocketError;
use sockets::{ChildSockets, Event, Frontend};

/// What `jumper kernel run` was asked to do.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KernelOptions {
    /// The connection file the frontend wrote (`-f {connection_file}`).
    pub connection_file: PathBuf,
    /// The name of the kernel to wrap.
    pub wrap: String,
    /// Extra directories to find kernelspecs in (besides Jupyter's paths and
    /// `JUMPER_KERNEL_PATH`).
    pub kernel_dirs: Vec<PathBuf>,
}

impl KernelOptions {
    /// Options for wrapping `wrap` behind the frontend's `connection_file`.
    pub fn new(connection_file: impl Into<PathBuf>, wrap: impl Into<String>) -> Self {
        Self {
            connection_file: connection_file.into(),
            wrap: wrap.into(),
            kernel_dirs: Vec::new(),
        }
    }

    /// Adds directories to search for kernelspecs.
    pub fn kernel_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.kernel_dirs = dirs;
        self
    }
}

/// Why the kernel could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KernelError {
    /// The frontend's connection file is missing, malformed or asks for something unsupported.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The kernel to wrap is unknown or its kernelspec is broken.
    #[error(transparent)]
    KernelSpec(#[from] KernelSpecError),
    /// The kernel to wrap is a jumper kernel itself.
    #[error("'{name}' is a jumper kernel; wrap the kernel it wraps instead")]
    WrapsJumper {
        /// Its name.
        name: String,
    },
    /// A socket could not be bound.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// A message could not be built.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The monitoring service could not be set up.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// What the caller set up around the service (an endpoint, say) failed.
    #[error("{0}")]
    Setup(String),
    /// The async runtime could not be started.
    #[error("cannot start the kernel's event loop: {0}")]
    Runtime(#[source] std::io::Error),
}

impl KernelError {
    /// Whether this is bad input (a missing file, an unknown kernel) rather than jumper failing.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            KernelError::Connection(_)
                | KernelError::KernelSpec(_)
                | KernelError::WrapsJumper { .. }
        )
    }
}

/// Finds the kernels jumper can wrap: Jupyter's paths, `extra_dirs` and `JUMPER_KERNEL_PATH`.
pub fn kernel_search(extra_dirs: &[PathBuf]) -> KernelSearch {
    let env = Environment::from_process();
    let mut dirs: Vec<PathBuf> = extra_dirs.to_vec();
    dirs.extend(env.list("JUMPER_KERNEL_PATH"));
    KernelSearch::new(&env, &dirs, PythonPrefix::Cheap)
}

fn log(text: &str) {
    eprintln!("[jumper kernel] {text}");
}

/// Runs the kernel until the frontend shuts it down (or SIGTERM). Errors before the frontend's
/// sockets are up (a bad connection file, an unknown kernel) are returned; everything after
/// is shown in the frontend and logged.
pub fn run(opts: &KernelOptions) -> Result<(), KernelError> {
    run_with(opts, |_| Ok::<(), String>(()))
}

/// Like [`run`], with `setup` given the monitoring service before the kernel starts (to
/// follow its [`Feed`](jumper_core::Feed), as `--metrics` does); what it returns is kept until
/// the kernel ends, and its error ends the kernel before anything starts
/// ([`KernelError::Setup`]).
pub fn run_with<G, E: std::fmt::Display>(
    opts: &KernelOptions,
    setup: impl FnOnce(&mut PerfmonitorService) -> Result<G, E>,
) -> Result<(), KernelError> {
    let info = ConnectionInfo::read(&opts.connection_file)?;
    let wrapped = resolve(&opts.wrap, &opts.kernel_dirs)?;
    let mut service = PerfmonitorService::builder().build()?;
    let _kept = setup(&mut service).map_err(|e| KernelError::Setup(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(KernelError::Runtime)?;
    rt.block_on(async move {
        let (tx, rx) = mpsc::unbounded_channel();
        let front = sockets::bind_frontend(&info, &tx).await?;
        let mut relay = Relay::new(info, opts, wrapped, service, front, tx, rx)?;
        relay.resume_state();
        relay.start_child();
        relay.spawn_signals();
        relay.spawn_ticks();
        relay.update_ticks();
        relay.run().await;
        Ok(())
    })
}

fn resolve(name: &str, dirs: &[PathBuf]) -> Result<FoundKernel, KernelError> {
    let catalog = kernel_search(dirs).discover();
    let found = catalog.resolve(name)?.clone();
    if found.is_jumper() {
        return Err(KernelError::WrapsJumper {
            name: name.to_string(),
        });
    }
    Ok(found)
}

/// The child's life.
enum ChildState {
    /// Started; waiting for its sockets and its first `kernel_info_reply`.
    Starting {
        since: Instant,
        replied: bool,
        iopub_seen: bool,
    },
    /// Answering.
    Ready,
    /// Could not be started: every request is answered with this reason.
    Failed(String),
}

/// The jumper-made requests to the child, by message id.
enum Own {
    KernelInfo,
    Loader { name: String },
    Interrupt,
    Shutdown,
}

/// The cell now running.
struct Active {
    /// The frontend's `execute_request`.
    request: Message,
    /// Jumper lines to run after the code.
    after: Vec<JumperLine>,
    /// Jumper published `busy` and `execute_input` itself: drop the child's.
    own_status: bool,
    /// The count jumper showed in its own `execute_input`.
    own_count: Option<i64>,
    /// The request went to the child; waiting for its reply and idle.
    forwarded: bool,
    reply: Option<Message>,
    idle: Option<Message>,
    /// Why the cell failed on jumper's side (a command's error).
    failure: Option<String>,
    /// A history entry was opened for it.
    numbered: bool,
    store_history: bool,
    stop_on_error: bool,
    /// Loader requests (DataFrames) still running in the child.
    loaders: Vec<String>,
    /// DataFrames to hand to the user's kernel when the cell's lines are done.
    data: Vec<(String, jumper_core::DataValue)>,
    /// The child died while running the cell.
    child_died: bool,
    /// The cell's end is recorded; only loaders are left.
    closing: bool,
    /// The cell's end, recorded once its reply and idle are sent (nothing needs it earlier).
    deferred_end: Option<(CellStatus, Option<String>)>,
}

#[derive(Deserialize)]
struct ExecuteRequest {
    #[serde(default)]
    code: String,
    #[serde(default)]
    silent: bool,
    #[serde(default = "yes")]
    store_history: bool,
    #[serde(default = "yes")]
    stop_on_error: bool,
}

fn yes() -> bool {
    true
}

struct Relay {
    front_signer: Signer,
    /// jumper's own messages to the frontend.
    session: Session,
    /// jumper's own requests to the child.
    child_session: Session,
    front: Frontend,
    tx: mpsc::UnboundedSender<Event>,
    /// Whether the periodic timer should run (see `update_ticks`).
    ticks: tokio::sync::watch::Sender<bool>,
    rx: mpsc::UnboundedReceiver<Event>,
    connection_file: PathBuf,
    kernel_dirs: Vec<PathBuf>,
    wrapped: FoundKernel,
    service: PerfmonitorService,

    generation: u64,
    child: Option<child::Child>,
    child_signer: Signer,
    child_sockets: Option<ChildSockets>,
    /// Shell and stdin toward the child share this identity.
    identity: Bytes,
    state: ChildState,
    /// Frontend requests waiting for the child to be ready.
    waiting: Vec<(Channel, Message)>,
    own: HashMap<String, Own>,
    /// The child's `language_info.name`, from its kernel_info_reply.
    language: String,

    queue: VecDeque<Message>,
    active: Option<Active>,
    /// Completion requests whose reply gets jumper's names: msg_id → (cursor_start, names).
    completions: HashMap<String, (usize, usize, Vec<String>)>,
    /// The frontend's kernel_info requests, whose replies are amended.
    kernel_infos: Vec<String>,
    /// Execution counts: shown = child's + offset.
    offset: i64,
    shown: i64,
    shutting_down: bool,
    temp: Option<tempfile::TempDir>,
    /// The live plot shown now: its display id, the request it belongs to, its last frame.
    live: Option<Live>,
    /// Keeps the state directory's session current between checkpoints.
    checkpoint: Option<jumper_core::Appender>,
    /// When the last checkpoint was written.
    checkpointed: Option<Instant>,
    /// A cell's reply and idle are queued for the sender tasks, which write them when the
    /// loop next yields: its deferred end, the next cell and the checkpoint wait for that
    /// ([`Relay::settle`]).
    settling: Option<Settle>,
}

/// What is left of a cell once its reply and idle are on their way.
struct Settle {
    /// The cell's end to record (status, failure), when it was deferred.
    end: Option<(CellStatus, Option<String>)>,
}

/// A live plot: a PNG output that `update_display_data` replaces every interval.
struct Live {
    display_id: String,
    parent: Message,
    interval: Duration,
    last: Instant,
}
