//! The ZeroMQ sockets of the relay: the five the frontend connects to (bound from its
//! connection file) and the five toward the child (connected to its private ipc files). Each
//! receiving half runs in a task of its own and turns what arrives into an [`Event`]; sending
//! halves stay with the relay's loop.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use zeromq::util::PeerIdentity;
use zeromq::{
    DealerSocket, RepSocket, ReqSocket, RouterSocket, Socket, SocketOptions, SocketRecv,
    SocketSend, SubSocket, XPubSocket, ZmqError, ZmqMessage,
};

use crate::connection::{Channel, ConnectionInfo};

/// Something that happened on a socket, a process or a timer.
pub(crate) enum Event {
    /// A message from the frontend on shell, control or stdin.
    Front {
        /// Which channel.
        channel: Channel,
        /// The frames, routing identity first.
        frames: Vec<Bytes>,
    },
    /// A frontend subscribed to iopub with this topic prefix.
    Subscribed(Bytes),
    /// A message from the child of generation `generation`.
    Child {
        /// Which child (children are replaced by restarts and `%wrap_kernel`).
        generation: u64,
        /// Which channel.
        channel: Channel,
        /// The frames.
        frames: Vec<Bytes>,
    },
    /// The child of `generation` exited.
    ChildExited {
        /// Which child.
        generation: u64,
        /// How it ended.
        text: String,
    },
    /// The sockets toward the child of `generation` are connected.
    ChildConnected {
        /// Which child.
        generation: u64,
        /// Its sockets.
        sockets: ChildSockets,
    },
    /// SIGINT, SIGTERM or SIGHUP reached jumper.
    Signal(i32),
    /// The relay's periodic timer.
    Tick,
}

/// Why a socket could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// A frontend endpoint could not be bound.
    #[error("cannot listen on {endpoint} ({channel}): {source}")]
    Bind {
        /// The channel.
        channel: Channel,
        /// The endpoint from the connection file.
        endpoint: String,
        /// What ZeroMQ reported.
        #[source]
        source: ZmqError,
    },
    /// A child endpoint could not be reached.
    #[error("cannot connect to the wrapped kernel's {channel} at {endpoint}: {source}")]
    Connect {
        /// The channel.
        channel: Channel,
        /// The endpoint from the child's connection file.
        endpoint: String,
        /// What ZeroMQ reported.
        #[source]
        source: ZmqError,
    },
}

/// Sends frames on one socket; the error is only logged by the caller.
pub(crate) async fn send(
    sock: &mut (impl SocketSend + Send),
    frames: Vec<Bytes>,
) -> Result<(), ZmqError> {
    let msg = ZmqMessage::try_from(frames).map_err(|_| ZmqError::Other("empty message"))?;
    sock.send(msg).await
}

/// A task that sends what arrives on its channel, in order, on `sock`.
fn sender<S>(mut sock: S, what: &'static str) -> (mpsc::UnboundedSender<Vec<Bytes>>, JoinHandle<()>)
where
    S: SocketSend + Send + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Bytes>>();
    let task = tokio::spawn(async move {
        while let Some(frames) = rx.recv().await {
            if let Err(e) = send(&mut sock, frames).await {
                eprintln!("[jumper kernel] cannot send on {what}: {e}");
            }
        }
    });
    (tx, task)
}

fn pump<R>(
    mut recv: R,
    tx: mpsc::UnboundedSender<Event>,
    make: impl Fn(Vec<Bytes>) -> Event + Send + 'static,
) -> JoinHandle<()>
where
    R: SocketRecv + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            match recv.recv().await {
                Ok(m) => {
                    if tx.send(make(m.into_vec())).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    // A peer went away; keep listening, but do not spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    })
}

/// jumper's side toward the frontend.
pub(crate) struct Frontend {
    /// Shell replies.
    pub(crate) shell: mpsc::UnboundedSender<Vec<Bytes>>,
    /// Control replies.
    pub(crate) control: mpsc::UnboundedSender<Vec<Bytes>>,
    /// Stdin requests (`input_request`).
    pub(crate) stdin: mpsc::UnboundedSender<Vec<Bytes>>,
    /// iopub messages, published by the iopub task.
    pub(crate) iopub: mpsc::UnboundedSender<Vec<Bytes>>,
    /// Where the heartbeat task finds the current child's heartbeat.
    pub(crate) child_hb: watch::Sender<Option<String>>,
}

async fn bind<S: Socket>(
    sock: &mut S,
    info: &ConnectionInfo,
    channel: Channel,
) -> Result<(), SocketError> {
    let endpoint = info.endpoint(channel);
    sock.bind(&endpoint)
        .await
        .map(|_| ())
        .map_err(|source| SocketError::Bind {
            channel,
            endpoint,
            source,
        })
}

/// Binds the frontend's five endpoints and starts their receiving tasks.
pub(crate) async fn bind_frontend(
    info: &ConnectionInfo,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<Frontend, SocketError> {
    let mut routers = Vec::new();
    for channel in [Channel::Shell, Channel::Control, Channel::Stdin] {
        let mut s = RouterSocket::new();
        bind(&mut s, info, channel).await?;
        let (send, recv) = s.split();
        pump(recv, tx.clone(), move |frames| Event::Front {
            channel,
            frames,
        });
        routers.push(sender(send, "the frontend's socket").0);
    }
    let mut xpub = XPubSocket::new();
    bind(&mut xpub, info, Channel::Iopub).await?;
    let (iopub, mut out) = mpsc::unbounded_channel::<Vec<Bytes>>();
    let subs = tx.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                m = xpub.recv() => match m {
                    Ok(m) => {
                        let frames = m.into_vec();
                        if let [f] = frames.as_slice() {
                            if f.first() == Some(&1) {
                                let _ = subs.send(Event::Subscribed(f.slice(1..)));
                            }
                        }
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                },
                o = out.recv() => match o {
                    Some(frames) => { let _ = send(&mut xpub, frames).await; }
                    None => return,
                },
            }
        }
    });
    let (child_hb, hb_rx) = watch::channel(None);
    spawn_heartbeat(info.clone(), hb_rx).await?;
    let mut it = routers.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(shell), Some(control), Some(stdin)) => Ok(Frontend {
            shell,
            control,
            stdin,
            iopub,
            child_hb,
        }),
        _ => unreachable_sockets(),
    }
}

fn unreachable_sockets() -> Result<Frontend, SocketError> {
    Err(SocketError::Bind {
        channel: Channel::Shell,
        endpoint: String::new(),
        source: ZmqError::Other("socket set-up lost a socket"),
    })
}

/// Binds the heartbeat and answers it on a thread and runtime of its own: the relay's loop
/// runs on one thread (no hand-over between threads per message, KERNEL.md's per-cell cost),
/// and a long jumper command (a plot, an export) must not stop the heartbeat.
async fn spawn_heartbeat(
    info: ConnectionInfo,
    child: watch::Receiver<Option<String>>,
) -> Result<(), SocketError> {
    let endpoint = info.endpoint(Channel::Heartbeat);
    let failed = |why: &'static str| SocketError::Bind {
        channel: Channel::Heartbeat,
        endpoint: endpoint.clone(),
        source: ZmqError::Other(why),
    };
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("jumper-heartbeat".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(_) => {
                    let _ =
                        bound_tx.send(Err(ZmqError::Other("no runtime for the heartbeat thread")));
                    return;
                }
            };
            rt.block_on(async move {
                let mut rep = RepSocket::new();
                match rep.bind(&info.endpoint(Channel::Heartbeat)).await {
                    Ok(_) => {
                        let _ = bound_tx.send(Ok(()));
                        heartbeat(rep, child).await;
                    }
                    Err(e) => {
                        let _ = bound_tx.send(Err(e));
                    }
                }
            });
        })
        .map_err(|_| failed("cannot start the heartbeat thread"))?;
    match bound_rx.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(source)) => Err(SocketError::Bind {
            channel: Channel::Heartbeat,
            endpoint,
            source,
        }),
        Err(_) => Err(failed("the heartbeat thread ended")),
    }
}

/// Answers the frontend's heartbeat only while the child's heartbeat answers.
async fn heartbeat(mut rep: RepSocket, child: watch::Receiver<Option<String>>) {
    let mut req: Option<(String, ReqSocket)> = None;
    loop {
        let Ok(ping) = rep.recv().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let Some(endpoint) = child.borrow().clone() else {
            continue;
        };
        if req.as_ref().map(|(e, _)| e != &endpoint).unwrap_or(true) {
            let mut s = ReqSocket::new();
            let ok = tokio::time::timeout(Duration::from_secs(1), s.connect(&endpoint)).await;
            if !matches!(ok, Ok(Ok(()))) {
                continue;
            }
            req = Some((endpoint, s));
        }
        let Some((_, s)) = req.as_mut() else { continue };
        if s.send(ping).await.is_err() {
            req = None;
            continue;
        }
        match tokio::time::timeout(Duration::from_secs(3), s.recv()).await {
            Ok(Ok(pong)) => {
                let _ = rep.send(pong).await;
            }
            // No answer: the REQ socket is stuck in its request; start a fresh one next time.
            _ => req = None,
        }
    }
}

/// jumper's side toward one child.
pub(crate) struct ChildSockets {
    /// Shell requests (same identity as stdin, so `input()` can be routed).
    pub(crate) shell: mpsc::UnboundedSender<Vec<Bytes>>,
    /// Control requests.
    pub(crate) control: mpsc::UnboundedSender<Vec<Bytes>>,
    /// Stdin replies.
    pub(crate) stdin: mpsc::UnboundedSender<Vec<Bytes>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for ChildSockets {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Connects to a child's shell, control, stdin and iopub (its heartbeat is the heartbeat
/// task's); each connect waits until the child has bound.
pub(crate) async fn connect_child(
    info: &ConnectionInfo,
    identity: Bytes,
    generation: u64,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<ChildSockets, SocketError> {
    let connect_err = |channel: Channel| {
        let endpoint = info.endpoint(channel);
        move |source| SocketError::Connect {
            channel,
            endpoint,
            source,
        }
    };
    let peer = PeerIdentity::try_from(identity).map_err(connect_err(Channel::Shell))?;
    let with_identity = |peer: PeerIdentity| {
        let mut opts = SocketOptions::default();
        opts.peer_identity(peer);
        opts
    };
    let mut shell = DealerSocket::with_options(with_identity(peer.clone()));
    let mut stdin = DealerSocket::with_options(with_identity(peer));
    let mut control = DealerSocket::new();
    let mut iopub = SubSocket::new();
    let (e_shell, e_stdin, e_control, e_iopub) = (
        info.endpoint(Channel::Shell),
        info.endpoint(Channel::Stdin),
        info.endpoint(Channel::Control),
        info.endpoint(Channel::Iopub),
    );
    let (a, b, c, d) = tokio::join!(
        shell.connect(&e_shell),
        stdin.connect(&e_stdin),
        control.connect(&e_control),
        iopub.connect(&e_iopub),
    );
    a.map_err(connect_err(Channel::Shell))?;
    b.map_err(connect_err(Channel::Stdin))?;
    c.map_err(connect_err(Channel::Control))?;
    d.map_err(connect_err(Channel::Iopub))?;
    iopub
        .subscribe("")
        .await
        .map_err(connect_err(Channel::Iopub))?;
    let mut tasks = Vec::new();
    let mut halves = Vec::new();
    for (channel, sock) in [
        (Channel::Shell, shell),
        (Channel::Stdin, stdin),
        (Channel::Control, control),
    ] {
        let (send, recv) = sock.split();
        tasks.push(pump(recv, tx.clone(), move |frames| Event::Child {
            generation,
            channel,
            frames,
        }));
        let (send, task) = sender(send, "the wrapped kernel's socket");
        tasks.push(task);
        halves.push(send);
    }
    tasks.push(pump(iopub, tx.clone(), move |frames| Event::Child {
        generation,
        channel: Channel::Iopub,
        frames,
    }));
    let mut it = halves.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(shell), Some(stdin), Some(control)) => Ok(ChildSockets {
            shell,
            control,
            stdin,
            tasks,
        }),
        _ => Err(SocketError::Connect {
            channel: Channel::Shell,
            endpoint: String::new(),
            source: ZmqError::Other("socket set-up lost a socket"),
        }),
    }
}
