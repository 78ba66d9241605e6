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
            let path = match notebook::dataframe::write_data(&value, &dir, &name) {
                Ok(p) => p,
                Err(e) => {
                    self.active_note(&format!("{name} was not created in the kernel: {e}"));
                    continue;
                }
            };
            let Some(code) = notebook::dataframe::loader_code(&self.language, &name, &path) else {
                self.active_note(&format!(
                    "{name}: this kernel's language ({}) has no DataFrame loader; the data is in {}",
                    self.language,
                    path.display()
                ));
                continue;
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
                    self.to_child(Channel::Shell, &m);
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
        let mut notes = Vec::new();
        for d in dirs {
            let p = PathBuf::from(expand_home(d));
            if p.is_dir() {
                if !self.kernel_dirs.contains(&p) {
                    self.kernel_dirs.push(p);
                }
            } else {
                notes.push(Output::warning(format!(
                    "{d} is not a directory; not searched"
                )));
            }
        }
        let catalog = kernel_search(&self.kernel_dirs).discover();
        let text = notebook::kernels::list_text(&catalog, &self.kernel_dirs, &self.wrapped.name);
        notes.push(Output::Text(text));
        Ok(notes)
    }

    /// `%wrap_kernel NAME [--save NEW]`: replaces the wrapped kernel (the session and its
    /// cells stay); `--save` also installs a jumper kernelspec that wraps NAME.
    pub(super) fn wrap_kernel(
        &mut self,
        name: &str,
        save: Option<&str>,
    ) -> Result<Vec<Output>, String> {
        let catalog = kernel_search(&self.kernel_dirs).discover();
        let found = match catalog.resolve(name) {
            Ok(f) if !f.is_jumper() => f.clone(),
            Ok(_) => {
                return Err(format!(
                    "'{name}' is a jumper kernel; wrap the kernel it wraps"
                ))
            }
            Err(_) => return Err(notebook::kernels::not_found(name)),
        };
        let mut outs = Vec::new();
        if let Some(new) = save {
            let exe =
                std::env::current_exe().map_err(|e| format!("cannot find jumper itself: {e}"))?;
            let installed = crate::kernelspec::Install::new(&found, exe)
                .name(new)
                .run(&Environment::from_process())
                .map_err(|e| e.to_string())?;
            outs.push(Output::info(format!(
                "Created permanent kernel '{}' ({}) that wraps '{name}', in {}",
                installed.name,
                installed.spec.display_name,
                installed.dir.display()
            )));
        }
        self.wrapped = found;
        self.language = self.wrapped.spec.language.clone();
        self.start_child();
        outs.insert(0, Output::info(notebook::kernels::wrapped(name)));
        Ok(outs)
    }
}

fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}
