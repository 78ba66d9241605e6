//! What the relay does besides forwarding: DataFrames in the user's kernel, JUmPER's wrapper
//! magics.

use serde_json::json;

use super::*;

impl Relay {
    /// Hands the active cell's DataFrames to the user's kernel: each is written to a file
    /// and loaded by a silent request in the child's language.
    pub(super) fn start_loaders(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let data = std::mem::take(&mut a.data);
        for (name, value) in data {
            let dir = match self.temp_dir() {
                Ok(d) => d,
                Err(e) => {
                    self.active_note(&format!("{name} was not created in the kernel: {e}"));
                    continue;
                }
            };
            let path = match notebook::dataframe::write_data(&value, &dir) {
                Ok(p) => p,
                Err(e) => {
                    self.active_note(&format!("{name} was not created in the kernel: {e}"));
                    continue;
                }
            };
            let code = match notebook::dataframe::loader_code(&self.language, &name, &path) {
                Ok(notebook::dataframe::Loader::Code(c)) => c,
                Ok(notebook::dataframe::Loader::Unsupported { note }) => {
                    self.active_note(&note);
                    continue;
                }
                Err(e) => {
                    self.active_note(&format!("{name} was not created in the kernel: {e}"));
                    continue;
                }
            };
            if !matches!(self.state, ChildState::Ready) {
                self.active_note(&format!(
                    "{name} was not created: the wrapped kernel is not running; the data is in {}",
                    path.display()
                ));
                continue;
            }
            let content = json!({
                "code": code,
                "silent": true,
                "store_history": false,
                "user_expressions": {},
                "allow_stdin": false,
                "stop_on_error": false,
            });
            match self.child_session.message("execute_request", &content) {
                Ok(m) => {
                    let id = m.msg_id().to_string();
                    self.own.insert(id.clone(), Own::Loader { name });
                    if let Some(a) = self.active.as_mut() {
                        a.loaders.push(id);
                    }
                    self.send_child(Channel::Shell, &m);
                }
                Err(e) => log(&format!("cannot build the loader request: {e}")),
            }
        }
    }

    fn active_note(&mut self, text: &str) {
        if let Some(req) = self.active.as_ref().map(|a| a.request.clone()) {
            self.stream(&req, "stderr", &format!("[jumper] {text}\n"));
        }
    }

    fn temp_dir(&mut self) -> std::io::Result<PathBuf> {
        if self.temp.is_none() {
            self.temp = Some(tempfile::Builder::new().prefix("jumper-data-").tempdir()?);
        }
        Ok(self
            .temp
            .as_ref()
            .map(|t| t.path().to_path_buf())
            .unwrap_or_default())
    }

    /// `%list_kernels [DIR ...]`: the kernels jumper can wrap; the directories are searched
    /// from now on.
    pub(super) fn list_kernels(&mut self, dirs: &[String]) -> Result<Vec<Output>, String> {
        let added = notebook::kernels::add_dirs(dirs, &self.kernel_dirs, |v| std::env::var(v).ok());
        let mut outs: Vec<Output> = added
            .notes
            .iter()
            .map(|n| Output::warning(n.clone()))
            .collect();
        self.kernel_dirs.extend(added.added.iter().cloned());
        let catalog = kernel_search(&self.kernel_dirs).discover();
        let text = notebook::kernels::list_kernels_text(
            &catalog,
            &self.kernel_dirs,
            Some(&self.wrapped.name),
        );
        outs.push(Output::Text(text));
        Ok(outs)
    }

    /// `%wrap_kernel NAME [--save NEW]`: replaces the wrapped kernel (the session and its
    /// cells stay); `--save` also installs a jumper kernelspec that wraps NAME.
    pub(super) fn wrap_kernel(
        &mut self,
        name: &str,
        save: Option<&str>,
    ) -> Result<Vec<Output>, String> {
        let catalog = kernel_search(&self.kernel_dirs).discover();
        let found = notebook::kernels::resolve_wrap(&catalog, name)?.clone();
        let saved = match save {
            Some(new) => {
                let exe = std::env::current_exe()
                    .map_err(|e| format!("cannot find jumper itself: {e}"))?;
                Some(notebook::kernels::save_kernelspec(
                    &found,
                    new,
                    &exe,
                    crate::kernelspec::InstallLocation::User,
                    &Environment::from_process(),
                ))
            }
            None => None,
        };
        let text = notebook::kernels::wrapped_message(name, saved.as_ref());
        self.wrapped = found;
        self.language = self.wrapped.spec.language.clone();
        self.start_child();
        Ok(vec![Output::Text(text)])
    }
}

impl Relay {
    /// Where a restart finds the session: one directory per connection file (jupyter_client
    /// restarts a kernel with the same connection file), private to the user.
    fn state_dir(&self) -> PathBuf {
        use sha2::Digest;
        let path = std::fs::canonicalize(&self.connection_file)
            .unwrap_or_else(|_| self.connection_file.clone());
        let digest = sha2::Sha256::digest(path.to_string_lossy().as_bytes());
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        std::env::temp_dir()
            .join(format!("jumper-kernel-state-{uid}"))
            .join(hex::encode(&digest[..12]))
    }

    /// Before a restart: the session (cells, samples, settings) for the next jumper process.
    pub(super) fn save_state(&mut self) {
        let dir = self.state_dir();
        if let Some(Err(e)) = dir.parent().map(private_dir) {
            return log(&format!("cannot keep the session over the restart: {e}"));
        }
        match self.service.save_state(&dir) {
            Ok(()) => log(&format!(
                "session kept for the restart in {}",
                dir.display()
            )),
            Err(e) => log(&format!("cannot keep the session over the restart: {e}")),
        }
        self.keep_live_display(&dir);
    }

    /// Beside the state: the live plot's display (its id and the request it belongs to), so
    /// the next process goes on replacing the same output; removed when there is none.
    fn keep_live_display(&self, dir: &std::path::Path) {
        let file = dir.join(LIVE_DISPLAY_FILE);
        match &self.live {
            Some(l) => {
                let text = json!({
                    "display_id": l.display_id,
                    "parent_header": String::from_utf8_lossy(l.parent.header_bytes()),
                });
                let tmp = dir.join(format!(".{LIVE_DISPLAY_FILE}.tmp"));
                let written = std::fs::write(&tmp, text.to_string())
                    .and_then(|()| std::fs::rename(&tmp, &file));
                if let Err(e) = written {
                    log(&format!("cannot keep the live plot for a restart: {e}"));
                }
            }
            None => {
                let _ = std::fs::remove_file(&file);
            }
        }
    }

    /// After a resume whose live plot goes on: its display as the earlier process kept it.
    fn resume_live_display(&mut self, dir: &std::path::Path) {
        let Some(interval) = self.service.live_plot().map(|l| l.interval) else {
            return;
        };
        let kept = std::fs::read_to_string(dir.join(LIVE_DISPLAY_FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        let Some(kept) = kept else {
            // The process before never showed it (or its file is gone): nothing to update.
            self.service.stop_live_plot();
            return;
        };
        let (Some(id), Some(header)) =
            (kept["display_id"].as_str(), kept["parent_header"].as_str())
        else {
            self.service.stop_live_plot();
            return;
        };
        let empty = || bytes::Bytes::from_static(b"{}");
        match Message::from_parts(
            Vec::new(),
            bytes::Bytes::from(header.to_string()),
            empty(),
            empty(),
            empty(),
            Vec::new(),
        ) {
            Ok(parent) => {
                self.live = Some(Live {
                    display_id: id.to_string(),
                    parent,
                    interval: Duration::from_secs_f64(interval.max(0.1)),
                    last: Instant::now(),
                });
                log("live plot goes on after the restart");
            }
            Err(e) => {
                self.service.stop_live_plot();
                log(&format!("the live plot before the restart is lost: {e}"));
            }
        }
    }

    /// After a cell, when the relay has nothing else to do: the state for a restart that
    /// gives jumper no chance to save it (jupyter_client's `restart_kernel(now=True)` kills
    /// the process, as a crash does). At most every [`CHECKPOINT_EVERY`]; each one appends
    /// only what is new since the last.
    pub(super) fn checkpoint(&mut self) {
        if !self.queue.is_empty()
            || self.active.is_some()
            || self
                .checkpointed
                .is_some_and(|t| t.elapsed() < CHECKPOINT_EVERY)
        {
            return;
        }
        let dir = self.state_dir();
        if let Some(Err(e)) = dir.parent().map(private_dir) {
            return log(&format!("cannot keep the session for a restart: {e}"));
        }
        match self.service.checkpoint_state(&dir, &mut self.checkpoint) {
            Ok(true) => {
                self.checkpointed = Some(Instant::now());
                self.keep_live_display(&dir);
            }
            Ok(false) => {}
            Err(e) => {
                self.checkpointed = Some(Instant::now());
                log(&format!("cannot keep the session for a restart: {e}"));
            }
        }
    }

    /// At a shutdown that is not a restart: nothing is kept for a next process.
    pub(super) fn forget_state(&mut self) {
        let _ = std::fs::remove_dir_all(self.state_dir());
    }

    /// After a restart: the session the previous process saved, if it is fresh (a state
    /// left by a crash long ago is not resumed). The state is removed once read.
    pub(super) fn resume_state(&mut self) {
        let dir = self.state_dir();
        let fresh = std::fs::metadata(&dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < STATE_FRESH);
        if fresh {
            match self.service.resume_state(&dir) {
                Ok(r) => {
                    log(&format!(
                        "session resumed after the restart: {} cells, monitoring {}",
                        r.cells,
                        if r.monitoring { "on" } else { "off" }
                    ));
                    if r.live_plot {
                        self.resume_live_display(&dir);
                    }
                }
                Err(e) => log(&format!("the session before the restart is lost: {e}")),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        // States of kernels that were killed without a restart (a forced shutdown, a crash)
        // are never read again: remove those past resuming.
        if let Some(Ok(entries)) = dir.parent().map(std::fs::read_dir) {
            for e in entries.flatten() {
                let stale = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age >= STATE_FRESH);
                if stale {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

/// The live plot's display, beside the state (see `keep_live_display`).
const LIVE_DISPLAY_FILE: &str = "live-display.json";

/// The least time between two checkpoints of the state (each appends only the rows and cells
/// since the last, unsynced).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// How old a state may be and still be resumed: the last checkpoint of a kernel that sat idle
/// before a restart is as old as its last cell. A state of a kernel that ended without a
/// restart is removed at its shutdown; this bounds what a crash leaves.
const STATE_FRESH: Duration = Duration::from_secs(24 * 3600);

/// Creates `p` (and its parents) private to the user.
fn private_dir(p: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(p)
}
