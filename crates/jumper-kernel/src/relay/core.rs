//! The relay's state: setting up, the child's life, sending.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{json, Value};

use super::*;

impl Relay {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        info: ConnectionInfo,
        opts: &KernelOptions,
        wrapped: FoundKernel,
        service: PerfmonitorService,
        front: Frontend,
        tx: mpsc::UnboundedSender<Event>,
        rx: mpsc::UnboundedReceiver<Event>,
    ) -> Result<Self, KernelError> {
        let front_signer = info.signer()?;
        drop(info);
        let identity = Bytes::from(crate::random::uuid4().map_err(WireError::from)?);
        Ok(Self {
            front_signer,
            session: Session::new("jumper")?,
            child_session: Session::new("jumper")?,
            front,
            tx,
            rx,
            connection_file: opts.connection_file.clone(),
            kernel_dirs: opts.kernel_dirs.clone(),
            language: wrapped.spec.language.clone(),
            wrapped,
            service,
            generation: 0,
            child: None,
            child_signer: Signer::unsigned(),
            child_sockets: None,
            identity,
            state: ChildState::Failed("not started".into()),
            waiting: Vec::new(),
            own: HashMap::new(),
            queue: VecDeque::new(),
            active: None,
            completions: HashMap::new(),
            kernel_infos: Vec::new(),
            offset: 0,
            shown: 0,
            shutting_down: false,
            checkpoint: None,
            checkpointed: None,
            settling: None,
            temp: None,
            live: None,
            ticks: tokio::sync::watch::channel(false).0,
        })
    }

    /// SIGINT interrupts the child (never kills jumper); SIGTERM and SIGHUP shut down.
    pub(super) fn spawn_signals(&self) {
        use tokio::signal::unix::{signal, SignalKind};
        for (kind, num) in [
            (SignalKind::interrupt(), libc::SIGINT),
            (SignalKind::terminate(), libc::SIGTERM),
            (SignalKind::hangup(), libc::SIGHUP),
        ] {
            let tx = self.tx.clone();
            match signal(kind) {
                Ok(mut s) => {
                    tokio::spawn(async move {
                        while s.recv().await.is_some() {
                            if tx.send(Event::Signal(num)).is_err() {
                                return;
                            }
                        }
                    });
                }
                Err(e) => log(&format!("cannot handle signal {num}: {e}")),
            }
        }
    }

    /// The periodic timer: start-up retries, live plots.
    /// It runs only while something needs it ([`Relay::update_ticks`]): an idle notebook
    /// wakes jumper for nothing but the sampler.
    pub(super) fn spawn_ticks(&self) {
        let tx = self.tx.clone();
        let mut wanted = self.ticks.subscribe();
        tokio::spawn(async move {
            loop {
                if !*wanted.borrow_and_update() {
                    if wanted.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                let mut t = tokio::time::interval(Duration::from_millis(200));
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while *wanted.borrow() {
                    t.tick().await;
                    if tx.send(Event::Tick).is_err() {
                        return;
                    }
                }
            }
        });
    }

    /// Turns the periodic timer on while the child starts or a live plot runs, off otherwise.
    pub(super) fn update_ticks(&self) {
        let want = matches!(self.state, ChildState::Starting { .. }) || self.live.is_some();
        self.ticks.send_if_modified(|w| {
            let changed = *w != want;
            *w = want;
            changed
        });
    }

    // ----- the child -------------------------------------------------------------------

    /// Starts (or replaces) the child from `self.wrapped`.
    pub(super) fn start_child(&mut self) {
        self.stop_child();
        self.generation += 1;
        let generation = self.generation;
        let conn = match ChildConnection::create(&self.wrapped.name) {
            Ok(c) => c,
            Err(e) => return self.child_failed(e.to_string()),
        };
        let info = conn.info().clone();
        self.child_signer = match info.signer() {
            Ok(s) => s,
            Err(e) => return self.child_failed(e.to_string()),
        };
        let tx = self.tx.clone();
        let child = match child::spawn(&self.wrapped, conn, move |exit| {
            let _ = tx.send(Event::ChildExited {
                generation,
                text: exit.text,
            });
        }) {
            Ok(c) => c,
            Err(e) => return self.child_failed(e.to_string()),
        };
        log(&format!(
            "started '{}' as pid {} ({})",
            self.wrapped.name, child.pid, self.wrapped.spec.display_name
        ));
        if let Err(e) = self.service.set_root(Some(child.pid)) {
            log(&format!("cannot monitor the wrapped kernel: {e}"));
        }
        let _ = self
            .front
            .child_hb
            .send(Some(info.endpoint(Channel::Heartbeat)));
        self.child = Some(child);
        self.state = ChildState::Starting {
            since: Instant::now(),
            replied: false,
            iopub_seen: false,
        };
        let tx = self.tx.clone();
        let identity = self.identity.clone();
        tokio::spawn(async move {
            match sockets::connect_child(&info, identity, generation, &tx).await {
                Ok(sockets) => {
                    let _ = tx.send(Event::ChildConnected {
                        generation,
                        sockets,
                    });
                }
                Err(e) => {
                    let _ = tx.send(Event::ChildExited {
                        generation,
                        text: format!("unreachable: {e}"),
                    });
                }
            }
        });
    }

    pub(super) fn child_failed(&mut self, reason: String) {
        log(&format!(
            "the wrapped kernel '{}' is not running: {reason}",
            self.wrapped.name
        ));
        self.stop_child();
        self.state = ChildState::Failed(reason);
        for (ch, m) in std::mem::take(&mut self.waiting) {
            self.refuse(ch, &m);
        }
        let queued: Vec<Message> = self.queue.drain(..).collect();
        for m in queued {
            self.refuse(Channel::Shell, &m);
        }
    }

    /// Ends the current child's whole process group.
    pub(super) fn stop_child(&mut self) {
        self.child_sockets = None;
        if let Some(c) = self.child.take() {
            c.kill_group(Duration::from_millis(500));
        }
        let _ = self.front.child_hb.send(None);
    }

    pub(super) fn interrupt_child(&mut self) {
        let Some(c) = &self.child else { return };
        match c.interrupt_mode {
            InterruptMode::Signal => c.signal_group(libc::SIGINT),
            _ => {
                if let Ok(m) = self.child_session.message("interrupt_request", &json!({})) {
                    self.own.insert(m.msg_id().to_string(), Own::Interrupt);
                    self.send_child(Channel::Control, &m);
                }
            }
        }
    }

    /// Asks the child for kernel_info (start-up: until it answers and iopub is live).
    pub(super) fn probe_child(&mut self) {
        if self.child_sockets.is_none() {
            return;
        }
        if let Ok(m) = self
            .child_session
            .message("kernel_info_request", &json!({}))
        {
            self.own.insert(m.msg_id().to_string(), Own::KernelInfo);
            self.send_child(Channel::Shell, &m);
        }
    }

    /// Start-up is done once the child answered kernel_info and its iopub reached jumper.
    pub(super) fn check_ready(&mut self) {
        if let ChildState::Starting {
            replied: true,
            iopub_seen: true,
            ..
        } = self.state
        {
            self.state = ChildState::Ready;
            log(&format!("'{}' is ready", self.wrapped.name));
            for (ch, m) in std::mem::take(&mut self.waiting) {
                self.on_front(ch, m);
            }
            self.pump();
        }
    }

    // ----- sending -----------------------------------------------------------------------

    pub(super) fn send_child(&mut self, channel: Channel, msg: &Message) {
        let frames = msg.encode(&self.child_signer);
        let Some(s) = self.child_sockets.as_ref() else {
            return;
        };
        let sock = match channel {
            Channel::Shell => &s.shell,
            Channel::Control => &s.control,
            Channel::Stdin => &s.stdin,
            _ => return,
        };
        let _ = sock.send(frames);
    }

    pub(super) fn send_front(&mut self, channel: Channel, msg: &Message) {
        let frames = msg.encode(&self.front_signer);
        let sock = match channel {
            Channel::Shell => &self.front.shell,
            Channel::Control => &self.front.control,
            Channel::Stdin => &self.front.stdin,
            Channel::Iopub => &self.front.iopub,
            Channel::Heartbeat => return,
        };
        let _ = sock.send(frames);
    }

    /// Publishes a jumper-made iopub message parented to `parent`.
    pub(super) fn publish(&mut self, parent: Option<&Message>, msg_type: &str, content: &Value) {
        match self.session.iopub(parent, msg_type, content) {
            Ok(m) => self.send_front(Channel::Iopub, &m),
            Err(e) => log(&format!("cannot build {msg_type}: {e}")),
        }
    }

    /// Sends a jumper-made reply to `parent` on `channel`.
    pub(super) fn reply(
        &mut self,
        channel: Channel,
        parent: &Message,
        msg_type: &str,
        content: &Value,
    ) {
        match self.session.reply(parent, msg_type, content) {
            Ok(m) => self.send_front(channel, &m),
            Err(e) => log(&format!("cannot build {msg_type}: {e}")),
        }
    }

    pub(super) fn status(&mut self, parent: &Message, state: &str) {
        self.publish(Some(parent), "status", &json!({ "execution_state": state }));
    }

    pub(super) fn stream(&mut self, parent: &Message, name: &str, text: &str) {
        self.publish(
            Some(parent),
            "stream",
            &json!({ "name": name, "text": text }),
        );
    }

    /// Answers a request the child cannot take (it is not running) with an error.
    pub(super) fn refuse(&mut self, channel: Channel, msg: &Message) {
        let reason = match &self.state {
            ChildState::Failed(r) => r.clone(),
            _ => "it is not running".to_string(),
        };
        let evalue = format!(
            "the wrapped kernel '{}' is not running: {reason}",
            self.wrapped.name
        );
        let t = msg.msg_type().to_string();
        match t.as_str() {
            "kernel_info_request" => {
                let c = self.own_kernel_info(None);
                self.status(msg, "busy");
                self.reply(channel, msg, "kernel_info_reply", &c);
                self.status(msg, "idle");
            }
            "execute_request" => {
                self.status(msg, "busy");
                let err = error_content("KernelNotRunning", &evalue);
                self.publish(Some(msg), "error", &err);
                let mut c = err;
                c["status"] = json!("error");
                c["execution_count"] = json!(self.shown);
                self.reply(channel, msg, "execute_reply", &c);
                self.status(msg, "idle");
            }
            t if t.ends_with("_request") => {
                let reply = t.trim_end_matches("_request").to_string() + "_reply";
                let mut c = error_content("KernelNotRunning", &evalue);
                c["status"] = json!("error");
                self.reply(channel, msg, &reply, &c);
            }
            _ => {}
        }
    }

    /// jumper's kernel_info content from the child's (`None`: from the kernelspec alone).
    pub(super) fn own_kernel_info(&self, child: Option<&Value>) -> Value {
        let mut c = child.cloned().unwrap_or_else(|| {
            json!({
                "status": "ok",
                "protocol_version": crate::wire::PROTOCOL_VERSION,
                "language_info": { "name": self.wrapped.spec.language },
                "banner": "",
                "help_links": [],
            })
        });
        let banner = c["banner"].as_str().unwrap_or("").to_string();
        c["implementation"] = json!("jumper");
        c["implementation_version"] = json!(env!("CARGO_PKG_VERSION"));
        c["banner"] = json!(format!(
            "jumper {}: per-cell performance monitoring of '{}' ({}), measured from outside.\n\
             %perfmonitor_help lists the commands.\n{banner}",
            env!("CARGO_PKG_VERSION"),
            self.wrapped.name,
            self.wrapped.spec.display_name
        ));
        c
    }
}

/// The content of an `error` message (and of an error reply, with `status` added).
pub(super) fn error_content(ename: &str, evalue: &str) -> Value {
    json!({
        "ename": ename,
        "evalue": evalue,
        "traceback": [format!("{ename}: {evalue}")],
    })
}
