//! Cells: one user `execute_request` at a time, its jumper lines run around its code, the
//! code run by the child, the cell recorded by the service, jumper's outputs published before
//! the cell's `idle`.

use serde_json::{json, Value};

use super::core::error_content;
use super::*;

impl Relay {
    /// Starts the next queued cell when none runs.
    pub(super) fn pump(&mut self) {
        // A finished cell settles first (its end is recorded before the next one begins).
        while self.active.is_none() && self.settling.is_none() {
            let Some(req) = self.queue.pop_front() else {
                return;
            };
            self.start_cell(req);
        }
    }

    fn start_cell(&mut self, req: Message) {
        let Ok(content) = req.content::<ExecuteRequest>() else {
            self.status(&req, "busy");
            self.error_reply(
                &req,
                "ValueError",
                "execute_request content is not valid JSON",
            );
            self.status(&req, "idle");
            return;
        };
        let plan = CellPlan::parse(&content.code);
        let has_code = plan.code.is_some();
        let ready = matches!(self.state, ChildState::Ready);
        let own_status = !plan.before.is_empty() || !has_code || !ready;
        let mut a = Active {
            request: req.clone(),
            after: plan.after.clone(),
            own_status,
            own_count: None,
            forwarded: false,
            reply: None,
            idle: None,
            failure: None,
            numbered: false,
            store_history: content.store_history,
            stop_on_error: content.stop_on_error,
            loaders: Vec::new(),
            child_died: false,
            data: Vec::new(),
            closing: false,
            deferred_end: None,
        };
        if own_status {
            self.status(&req, "busy");
            let count = self.shown + 1;
            a.own_count = Some(count);
            self.publish(
                Some(&req),
                "execute_input",
                &json!({ "code": content.code, "execution_count": count }),
            );
        }
        if plan.is_load_ext_only() {
            // JUmPER's `%load_ext jumper_extension`: nothing to load, and not a cell.
            self.active = Some(a);
            self.stream(
                &req,
                "stdout",
                "[jumper] jumper is built into this kernel: there is nothing to load; \
                 %perfmonitor_help lists the commands.\n",
            );
            self.finalize();
            return;
        }
        // An empty cell is not a cell (IPython skips it too).
        let blank = content.code.trim().is_empty();
        if !blank {
            let magics: Vec<String> = plan
                .before
                .iter()
                .chain(&plan.after)
                .map(|l| l.text.clone())
                .collect();
            // The start sample is taken on the sampler's thread while the request travels to
            // the child, instead of on this one before it (KERNEL.md: per-cell overhead).
            match self.service.begin_cell_pipelined(&content.code, magics) {
                Ok(_) => a.numbered = true,
                Err(e) => log(&format!("cell not recorded: {e}")),
            }
        }
        self.active = Some(a);
        for line in &plan.before {
            if !self.jumper_line(&req, line) {
                return self.finish_cell();
            }
        }
        match plan.code {
            Some(code) if ready => {
                let mut fwd = req.clone();
                if code != content.code {
                    // A mixed cell: the child sees its code with jumper's lines blanked, so
                    // line numbers in tracebacks stay right.
                    if let Ok(mut v) = req.content::<Value>() {
                        v["code"] = json!(code);
                        if let Ok(b) = serde_json::to_vec(&v) {
                            fwd.set_content(b.into());
                        }
                    }
                }
                if let Some(a) = self.active.as_mut() {
                    a.forwarded = true;
                }
                self.send_child(Channel::Shell, &fwd);
            }
            Some(_) => {
                let why = match &self.state {
                    ChildState::Failed(r) => r.clone(),
                    _ => "it is not running".into(),
                };
                let evalue = format!(
                    "the code was not run: the wrapped kernel '{}' is not running: {why}",
                    self.wrapped.name
                );
                self.publish(
                    Some(&req),
                    "error",
                    &error_content("KernelNotRunning", &evalue),
                );
                if let Some(a) = self.active.as_mut() {
                    a.failure = Some(evalue);
                }
                self.finish_cell();
            }
            None => self.finish_cell(),
        }
    }

    /// Runs one jumper line of the active cell; false when it failed (the cell stops there,
    /// as a failing magic stops an IPython cell).
    fn jumper_line(&mut self, req: &Message, line: &JumperLine) -> bool {
        let result: Result<Vec<Output>, String> = match &line.kind {
            LineKind::LoadExt => Ok(vec![Output::info(
                "jumper is built into this kernel: there is nothing to load",
            )]),
            LineKind::Service => self
                .service
                .run_command(&line.text)
                .map_err(|e| jumper_core::one_line(&e)),
            LineKind::ListKernels { dirs } => self.list_kernels(dirs),
            LineKind::WrapKernel { name, save } => self.wrap_kernel(name, save.as_deref()),
            LineKind::Invalid { message } => Err(message.clone()),
        };
        match result {
            Ok(outs) => {
                for o in outs {
                    self.emit(req, o);
                }
                true
            }
            Err(e) => {
                let name = line.text.split_whitespace().next().unwrap_or("%");
                self.publish(Some(req), "error", &error_content("UsageError", &e));
                if let Some(a) = self.active.as_mut() {
                    a.failure = Some(format!("{name}: {e}"));
                }
                false
            }
        }
    }

    /// Called when the child's reply or idle arrives, or a loader finishes.
    pub(super) fn try_finish(&mut self) {
        let Some(a) = self.active.as_ref() else {
            return;
        };
        if a.forwarded && !a.child_died && (a.reply.is_none() || a.idle.is_none()) {
            return;
        }
        if a.forwarded && a.loaders.is_empty() && !a.closing {
            return self.finish_cell();
        }
        if a.closing && a.loaders.is_empty() {
            self.finalize();
        }
    }

    /// The code is done (or there was none): the lines after it, the cell's end, reports,
    /// DataFrames for the user's kernel; then the reply and idle.
    pub(super) fn finish_cell(&mut self) {
        let Some(mut a) = self.active.take() else {
            return;
        };
        let req = a.request.clone();
        let code_ok = a.failure.is_none()
            && a.reply
                .as_ref()
                .and_then(|r| r.content::<Value>().ok())
                .is_none_or(|v| v["status"] == "ok");
        let after = std::mem::take(&mut a.after);
        // Nothing of this cell needs its record before the reply (no lines after the code, no
        // automatic report, no DataFrame): its end is recorded right after the reply and idle
        // are sent, before anything else runs, so the frontend does not wait for the sample.
        let defer_end =
            after.is_empty() && a.data.is_empty() && self.service.auto_reports().is_none();
        a.closing = true;
        self.active = Some(a);
        if code_ok {
            for line in &after {
                if !self.jumper_line(&req, line) {
                    break;
                }
            }
        }
        let Some(a) = self.active.as_ref() else {
            return;
        };
        let (numbered, failure) = (a.numbered, a.failure.clone());
        let child_error = a
            .reply
            .as_ref()
            .and_then(|r| r.content::<Value>().ok())
            .filter(|v| v["status"] != "ok")
            .map(|v| {
                format!(
                    "{}: {}",
                    v["ename"].as_str().unwrap_or("error"),
                    v["evalue"].as_str().unwrap_or("")
                )
            });
        if numbered {
            let failure = failure.or(child_error);
            let status = if failure.is_some() {
                CellStatus::Failed
            } else {
                CellStatus::Ok
            };
            if defer_end {
                if let Some(a) = self.active.as_mut() {
                    a.deferred_end = Some((status, failure));
                }
                self.start_loaders();
                return self.try_finish();
            }
            match self.service.end_cell(status, failure) {
                Ok(rec) => {
                    for o in self.service.after_cell(&rec) {
                        self.emit(&req, o);
                    }
                }
                Err(e) => log(&format!("cell end not recorded: {e}")),
            }
        }
        self.start_loaders();
        self.try_finish();
    }

    /// Sends the reply and idle of the active cell and starts the next one.
    pub(super) fn finalize(&mut self) {
        let Some(mut a) = self.active.take() else {
            return;
        };
        let req = &a.request;
        let child_status = a
            .reply
            .as_ref()
            .and_then(|r| r.content::<Value>().ok())
            .map(|v| v["status"].as_str().unwrap_or("ok").to_string());
        let failed_here = a.failure.is_some();
        // The execution count the frontend shows.
        let count = match (a.own_count, a.reply.as_ref()) {
            (Some(own), Some(r)) => {
                // jumper showed `own` in its execute_input: map the child's count onto it.
                if let Some(n) = r
                    .content::<Value>()
                    .ok()
                    .and_then(|v| v["execution_count"].as_i64())
                {
                    self.offset = own - n;
                }
                own
            }
            (Some(own), None) => {
                if a.store_history {
                    self.offset += 1;
                }
                own
            }
            (None, _) => self.shown,
        };
        if a.store_history || a.own_count.is_none() {
            self.shown = self.shown.max(count);
        }
        match (&a.reply, failed_here) {
            (Some(r), false) => {
                let mut r = r.clone();
                if a.own_count.is_some() {
                    if let Ok(mut v) = r.content::<Value>() {
                        v["execution_count"] = json!(count);
                        if let Ok(b) = serde_json::to_vec(&v) {
                            r.set_content(b.into());
                        }
                    }
                } else {
                    self.map_count(&mut r);
                }
                self.send_front(Channel::Shell, &r);
            }
            _ => {
                if let Some(f) = &a.failure {
                    let (ename, evalue) = if a.child_died {
                        ("DeadKernelError", f.as_str())
                    } else {
                        ("UsageError", f.as_str())
                    };
                    if a.child_died {
                        self.publish(Some(req), "error", &error_content(ename, evalue));
                    }
                    let mut c = error_content(ename, evalue);
                    c["status"] = json!("error");
                    c["execution_count"] = json!(count);
                    c["user_expressions"] = json!({});
                    self.reply(Channel::Shell, req, "execute_reply", &c);
                } else {
                    let c = json!({
                        "status": "ok",
                        "execution_count": count,
                        "user_expressions": {},
                        "payload": [],
                    });
                    self.reply(Channel::Shell, req, "execute_reply", &c);
                }
            }
        }
        match (&a.idle, a.own_status) {
            (Some(idle), false) => self.send_front(Channel::Iopub, idle),
            _ => self.status(req, "idle"),
        }
        let errored = failed_here || child_status.as_deref().is_some_and(|s| s == "error");
        if errored && a.stop_on_error {
            // As ipykernel does: requests queued behind a failed cell are aborted.
            let queued: Vec<Message> = self.queue.drain(..).collect();
            for q in queued {
                self.status(&q, "busy");
                let c = json!({ "status": "aborted", "execution_count": self.shown });
                self.reply(Channel::Shell, &q, "execute_reply", &c);
                self.status(&q, "idle");
            }
        }
        // Both are only queued so far: the end sample (~0.1 ms on the sampler's thread, which
        // this thread waits for), the next cell and the checkpoint come once the loop has
        // yielded to the sender tasks, so none of them delays what the frontend waits for.
        self.settling = Some(Settle {
            end: a.deferred_end.take(),
        });
    }

    /// After a cell's reply and idle were written: records its deferred end, starts the next
    /// queued cell, writes a checkpoint when one is due.
    pub(super) fn settle(&mut self) {
        let Some(s) = self.settling.take() else {
            return;
        };
        if let Some((status, failure)) = s.end {
            if let Err(e) = self.service.end_cell(status, failure) {
                log(&format!("cell end not recorded: {e}"));
            }
        }
        self.pump();
        self.checkpoint();
    }

    /// Publishes one of jumper's outputs in the active cell; DataFrames are handed to the
    /// user's kernel once the cell's lines have run.
    pub(super) fn emit(&mut self, req: &Message, out: Output) {
        if let Output::LivePlot { plot, text } = &out {
            return self.live_plot(req, plot.as_ref().map(|p| p.interval), text);
        }
        if let Output::Data { name, value } = &out {
            if let Some(a) = self.active.as_mut() {
                a.data.push((name.clone(), value.clone()));
            }
        }
        let (msg_type, content) = display(&out);
        self.publish(Some(req), msg_type, &content);
    }
}

/// An output as an iopub message: type and content.
fn display(out: &Output) -> (&'static str, Value) {
    let m = notebook::bundle::iopub(out);
    (m.msg_type, m.content)
}

impl Relay {
    /// `%perfmonitor_plot --live`: a PNG output with a display id, replaced in place every
    /// interval while the following cells run; `None` ends it.
    fn live_plot(&mut self, req: &Message, interval: Option<f64>, text: &str) {
        self.stream(req, "stdout", &format!("[jumper] {text}\n"));
        let Some(interval) = interval else {
            self.live = None;
            return;
        };
        let display_id = match crate::random::uuid4() {
            Ok(id) => id,
            Err(e) => return log(&format!("no live plot: {e}")),
        };
        self.live = Some(Live {
            display_id,
            parent: req.clone(),
            interval: Duration::from_secs_f64(interval.max(0.1)),
            last: Instant::now(),
        });
        self.live_frame("display_data");
    }

    /// The periodic part of a live plot: a new frame once its interval has passed.
    pub(super) fn live_tick(&mut self) {
        let due = match &self.live {
            Some(l) => l.last.elapsed() >= l.interval,
            None => return,
        };
        if self.service.live_plot().is_none() {
            self.live = None;
            return;
        }
        if due {
            self.live_frame("update_display_data");
        }
    }

    fn live_frame(&mut self, msg_type: &str) {
        let png = match self.service.render_live_png() {
            Ok(p) => p,
            Err(e) => {
                log(&format!("live plot frame: {e}"));
                return;
            }
        };
        let Some(l) = self.live.as_mut() else { return };
        l.last = Instant::now();
        let (id, parent) = (l.display_id.clone(), l.parent.clone());
        let b = notebook::bundle::bundle(&Output::Image {
            format: jumper_core::ImageFormat::Png,
            bytes: png,
        });
        let content = json!({
            "data": b.data,
            "metadata": b.metadata,
            "transient": { "display_id": id },
        });
        self.publish(Some(&parent), msg_type, &content);
    }
}
