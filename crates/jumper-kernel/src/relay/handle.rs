//! The relay's loop: every event, and every message from either side.

use std::time::Duration;

use serde_json::{json, Value};

use super::core::error_content;
use super::*;

/// How long a child may take from start to its first kernel_info_reply.
const STARTUP_LIMIT: Duration = Duration::from_secs(90);

impl Relay {
    pub(super) async fn run(&mut self) {
        while let Some(ev) = self.rx.recv().await {
            self.event(ev);
            while self.settling.is_some() {
                // The sender tasks run now and write the cell's reply and idle.
                tokio::task::yield_now().await;
                self.settle();
            }
            self.update_ticks();
            if self.shutting_down {
                break;
            }
        }
        self.stop_child();
        // Let the sender tasks flush the last replies (shutdown_reply) before the runtime ends.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Front { channel, frames } => match Message::decode(frames, &self.front_signer) {
                Ok(m) => self.on_front(channel, m),
                Err(e) => log(&format!("rejected a message on {channel}: {e}")),
            },
            Event::Subscribed(topic) => {
                // Spec 5.5: each subscription gets its own welcome, on its own topic.
                let sub = String::from_utf8_lossy(&topic).into_owned();
                match self
                    .session
                    .iopub(None, "iopub_welcome", &json!({ "subscription": sub }))
                {
                    Ok(mut m) => {
                        m.set_identities(vec![topic]);
                        self.send_front(Channel::Iopub, &m);
                    }
                    Err(e) => log(&format!("cannot build iopub_welcome: {e}")),
                }
            }
            Event::Child {
                generation,
                channel,
                frames,
            } => {
                if generation != self.generation {
                    return;
                }
                match Message::decode(frames, &self.child_signer) {
                    Ok(m) => self.on_child(channel, m),
                    Err(e) => log(&format!(
                        "rejected a message from the wrapped kernel on {channel}: {e}"
                    )),
                }
            }
            Event::ChildConnected {
                generation,
                sockets,
            } => {
                if generation == self.generation {
                    self.child_sockets = Some(sockets);
                    self.probe_child();
                }
            }
            Event::ChildExited { generation, text } => {
                if generation == self.generation {
                    self.child_exited(text);
                }
            }
            Event::Signal(libc::SIGINT) => {
                log("SIGINT: interrupting the wrapped kernel");
                self.interrupt_child();
            }
            Event::Signal(s) => {
                log(&format!("signal {s}: shutting down"));
                self.shutdown(false, None);
            }
            Event::Tick => self.tick(),
        }
    }

    fn tick(&mut self) {
        if let ChildState::Starting { since, .. } = self.state {
            if since.elapsed() > STARTUP_LIMIT {
                let secs = STARTUP_LIMIT.as_secs();
                self.child_failed(format!("it did not answer within {secs} s of starting"));
            } else {
                self.probe_child();
            }
        }
        self.live_tick();
    }

    fn child_exited(&mut self, text: String) {
        if self.shutting_down {
            return;
        }
        let was_ready = matches!(self.state, ChildState::Ready);
        let what = format!("the wrapped kernel '{}' died ({text})", self.wrapped.name);
        log(&what);
        self.child_sockets = None;
        self.child = None;
        if let Some(a) = self.active.as_mut() {
            if a.forwarded {
                a.failure
                    .get_or_insert_with(|| format!("{what} while running this cell"));
                a.child_died = true;
            }
        }
        if was_ready {
            // A fresh child, so the notebook goes on (its variables are gone); the session
            // and its cells stay.
            self.start_child();
            let note = format!(
                "{what}; jumper started a new one: the session's cells are kept, the kernel's \
                 variables are not"
            );
            if let Some(a) = self.active.as_ref() {
                let req = a.request.clone();
                self.stream(&req, "stderr", &format!("[jumper] {note}\n"));
            }
            if self.active.as_ref().is_some_and(|a| a.child_died) {
                self.finish_cell();
            }
        } else {
            self.child_failed(format!("it exited at start-up ({text})"));
            if self.active.is_some() {
                self.finish_cell();
            }
        }
    }

    // ----- from the frontend -------------------------------------------------------------

    pub(super) fn on_front(&mut self, channel: Channel, msg: Message) {
        let t = msg.msg_type().to_string();
        // Control requests jumper answers itself, whatever the child's state.
        if t == "interrupt_request" {
            self.reply(channel, &msg, "interrupt_reply", &json!({ "status": "ok" }));
            self.interrupt_child();
            return;
        }
        if t == "shutdown_request" {
            #[derive(serde::Deserialize)]
            struct Shutdown {
                #[serde(default)]
                restart: bool,
            }
            let restart = msg
                .content::<Shutdown>()
                .map(|s| s.restart)
                .unwrap_or(false);
            self.shutdown(restart, Some((channel, msg)));
            return;
        }
        match &self.state {
            ChildState::Ready => {}
            ChildState::Starting { .. } => {
                self.waiting.push((channel, msg));
                return;
            }
            ChildState::Failed(_) => {
                if t == "execute_request" && self.is_user_cell(&msg) {
                    // jumper's own commands still work without a child.
                    self.queue.push_back(msg);
                    self.pump();
                } else {
                    self.refuse(channel, &msg);
                }
                return;
            }
        }
        match (channel, t.as_str()) {
            (Channel::Shell, "execute_request") if self.is_user_cell(&msg) => {
                self.queue.push_back(msg);
                self.pump();
            }
            (_, "kernel_info_request") => {
                self.kernel_infos.push(msg.msg_id().to_string());
                self.send_child(channel, &msg);
            }
            (Channel::Shell, "complete_request") => {
                self.note_completion(&msg);
                self.send_child(channel, &msg);
            }
            _ => self.send_child(channel, &msg),
        }
    }

    /// A user's cell: a non-silent execute_request (silent ones, e.g. a variable inspector's,
    /// are forwarded untouched and are not cells).
    fn is_user_cell(&self, msg: &Message) -> bool {
        msg.content::<ExecuteRequest>()
            .map(|c| !c.silent)
            .unwrap_or(false)
    }

    fn note_completion(&mut self, msg: &Message) {
        #[derive(serde::Deserialize)]
        struct Complete {
            code: String,
            cursor_pos: usize,
        }
        let Ok(c) = msg.content::<Complete>() else {
            return;
        };
        if let Some((start, end, names)) = completion::jumper_matches(&c.code, c.cursor_pos) {
            self.completions
                .insert(msg.msg_id().to_string(), (start, end, names));
        }
    }

    // ----- from the child ----------------------------------------------------------------

    fn on_child(&mut self, channel: Channel, mut msg: Message) {
        let parent_id = msg
            .parent()
            .ok()
            .flatten()
            .map(|p| p.msg_id)
            .unwrap_or_default();
        if channel == Channel::Iopub {
            if let ChildState::Starting { iopub_seen, .. } = &mut self.state {
                *iopub_seen = true;
                self.check_ready();
            }
            if msg.msg_type() == "iopub_welcome" {
                return;
            }
            if self.own.contains_key(&parent_id) {
                self.own_iopub(&parent_id, &msg);
                return;
            }
            if self.active_id() == Some(parent_id.as_str()) {
                self.active_iopub(msg);
                return;
            }
            if matches!(msg.msg_type(), "execute_input" | "execute_result") {
                self.map_count(&mut msg);
            }
            self.send_front(Channel::Iopub, &msg);
            return;
        }
        // Replies to jumper's own requests carry no frontend identity.
        if msg.identities().is_empty() {
            if let Some(own) = self.own.remove(&parent_id) {
                self.own_reply(own, &parent_id, msg);
            }
            return;
        }
        match msg.msg_type() {
            "execute_reply" if self.active_id() == Some(parent_id.as_str()) => {
                if let Some(a) = self.active.as_mut() {
                    a.reply = Some(msg);
                }
                self.try_finish();
            }
            "execute_reply" => {
                self.map_count(&mut msg);
                self.send_front(channel, &msg);
            }
            "kernel_info_reply" if self.kernel_infos.contains(&parent_id) => {
                self.kernel_infos.retain(|i| i != &parent_id);
                if let Ok(v) = msg.content::<Value>() {
                    let c = self.own_kernel_info(Some(&v));
                    if let Ok(b) = serde_json::to_vec(&c) {
                        msg.set_content(b.into());
                    }
                }
                self.send_front(channel, &msg);
            }
            "complete_reply" => {
                if let Some(ours) = self.completions.remove(&parent_id) {
                    completion::merge(&mut msg, ours);
                }
                self.send_front(channel, &msg);
            }
            _ => self.send_front(channel, &msg),
        }
    }

    fn own_reply(&mut self, own: Own, parent_id: &str, msg: Message) {
        match own {
            Own::KernelInfo => {
                if let Ok(v) = msg.content::<Value>() {
                    if let Some(l) = v["language_info"]["name"].as_str() {
                        self.language = l.to_string();
                    }
                }
                if let ChildState::Starting { replied, .. } = &mut self.state {
                    *replied = true;
                    self.check_ready();
                }
            }
            Own::Loader { name } => {
                let failed = msg
                    .content::<Value>()
                    .ok()
                    .filter(|v| v["status"] != "ok")
                    .map(|v| {
                        format!(
                            "{}: {}",
                            v["ename"].as_str().unwrap_or("error"),
                            v["evalue"].as_str().unwrap_or("")
                        )
                    });
                if let Some(why) = failed {
                    self.active_stream(
                        "stderr",
                        &format!("[jumper] {name} was not created in the kernel: {why}\n"),
                    );
                }
                if let Some(a) = self.active.as_mut() {
                    a.loaders.retain(|l| l != parent_id);
                }
                self.try_finish();
            }
            Own::Interrupt | Own::Shutdown => {}
        }
    }

    fn own_iopub(&mut self, parent_id: &str, msg: &Message) {
        // What a loader prints (a missing pandas, say) belongs to the cell that asked.
        if matches!(self.own.get(parent_id), Some(Own::Loader { .. })) && msg.msg_type() == "stream"
        {
            if let Ok(v) = msg.content::<Value>() {
                let name = v["name"].as_str().unwrap_or("stdout").to_string();
                let text = v["text"].as_str().unwrap_or("").to_string();
                self.active_stream(&name, &text);
            }
        }
    }

    fn active_stream(&mut self, name: &str, text: &str) {
        if let Some(req) = self.active.as_ref().map(|a| a.request.clone()) {
            self.stream(&req, name, text);
        }
    }

    fn active_id(&self) -> Option<&str> {
        self.active
            .as_ref()
            .filter(|a| a.forwarded)
            .map(|a| a.request.msg_id())
    }

    fn active_iopub(&mut self, mut msg: Message) {
        let own_status = self.active.as_ref().is_some_and(|a| a.own_status);
        match msg.msg_type() {
            "status" => {
                #[derive(serde::Deserialize)]
                struct Status {
                    execution_state: String,
                }
                let state = msg.content::<Status>().map(|s| s.execution_state);
                match state.as_deref() {
                    Ok("idle") => {
                        if let Some(a) = self.active.as_mut() {
                            a.idle = Some(msg);
                        }
                        self.try_finish();
                    }
                    Ok("busy") if own_status => {}
                    _ => self.send_front(Channel::Iopub, &msg),
                }
            }
            "execute_input" if own_status => {}
            "execute_input" | "execute_result" => {
                self.map_count(&mut msg);
                self.send_front(Channel::Iopub, &msg);
            }
            _ => self.send_front(Channel::Iopub, &msg),
        }
    }

    /// Rewrites `execution_count` once jumper has answered cells itself (the notebook has one
    /// counter); the bytes stay untouched while the counts agree.
    pub(super) fn map_count(&mut self, msg: &mut Message) {
        if self.offset == 0 {
            // Only the count is read (the code in an execute_input is skipped, not copied).
            #[derive(serde::Deserialize)]
            struct Count {
                execution_count: Option<i64>,
            }
            if let Ok(Count {
                execution_count: Some(n),
            }) = msg.content::<Count>()
            {
                self.shown = self.shown.max(n);
            }
            return;
        }
        let Ok(mut v) = msg.content::<Value>() else {
            return;
        };
        if let Some(n) = v["execution_count"].as_i64() {
            let mapped = n + self.offset;
            self.shown = self.shown.max(mapped);
            v["execution_count"] = json!(mapped);
            if let Ok(b) = serde_json::to_vec(&v) {
                msg.set_content(b.into());
            }
        }
    }

    // ----- shutdown ------------------------------------------------------------------------

    pub(super) fn shutdown(&mut self, restart: bool, request: Option<(Channel, Message)>) {
        if restart {
            self.save_state();
        } else {
            self.forget_state();
        }
        // Ask the child to shut down, give it a moment, then end its whole group.
        if self.child_sockets.is_some() {
            if let Ok(m) = self
                .child_session
                .message("shutdown_request", &json!({ "restart": false }))
            {
                self.own.insert(m.msg_id().to_string(), Own::Shutdown);
                self.send_child(Channel::Control, &m);
            }
            if let Some(c) = &self.child {
                let deadline = std::time::Instant::now() + Duration::from_secs(2);
                while std::time::Instant::now() < deadline && c.group_alive() {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
        self.shutting_down = true;
        self.stop_child();
        if let Some((channel, req)) = request {
            let c = json!({ "status": "ok", "restart": restart });
            self.reply(channel, &req, "shutdown_reply", &c);
            self.publish(Some(&req), "shutdown_reply", &c);
        }
        log(if restart {
            "shut down for a restart; the session is kept"
        } else {
            "shut down"
        });
    }

    pub(super) fn error_reply(&mut self, req: &Message, ename: &str, evalue: &str) {
        let mut c = error_content(ename, evalue);
        c["status"] = json!("error");
        c["execution_count"] = json!(self.shown);
        self.reply(Channel::Shell, req, "execute_reply", &c);
    }
}
