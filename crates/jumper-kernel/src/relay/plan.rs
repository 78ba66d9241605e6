//! Interim cell splitting (replaced by `notebook::cell`).

/// What a jumper line asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LineKind {
    Service,
    WrapKernel { name: String, save: Option<String> },
    ListKernels { dirs: Vec<String> },
    LoadExt,
}

/// One jumper line of a cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JumperLine {
    pub(crate) line_no: usize,
    pub(crate) text: String,
    pub(crate) kind: LineKind,
}

/// A cell split into jumper lines and code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CellPlan {
    pub(crate) before: Vec<JumperLine>,
    pub(crate) code: Option<String>,
    pub(crate) after: Vec<JumperLine>,
}

fn kind(line: &str) -> Option<LineKind> {
    let t = line.trim();
    let body = t.strip_prefix('%')?;
    if body.starts_with('%') {
        return None;
    }
    let mut words = body.split_whitespace();
    let name = words.next()?;
    match name {
        "load_ext" | "reload_ext" => {
            (words.next() == Some("jumper_extension")).then_some(LineKind::LoadExt)
        }
        "wrap_kernel" => {
            let rest: Vec<&str> = words.collect();
            let name = rest.first()?.to_string();
            let save = rest
                .iter()
                .position(|w| *w == "--save")
                .and_then(|i| rest.get(i + 1))
                .map(|s| s.to_string());
            Some(LineKind::WrapKernel { name, save })
        }
        "list_kernels" => Some(LineKind::ListKernels {
            dirs: words.map(str::to_string).collect(),
        }),
        n if jumper_core::command::is_command(n) => Some(LineKind::Service),
        _ => None,
    }
}

impl CellPlan {
    pub(crate) fn parse(code: &str) -> CellPlan {
        let mut before = Vec::new();
        let mut after = Vec::new();
        let mut out = Vec::new();
        let mut seen_code = false;
        let mut first_cell_magic = code.trim_start().starts_with("%%");
        for (i, line) in code.split('\n').enumerate() {
            match kind(line).filter(|_| !first_cell_magic) {
                Some(k) => {
                    let jl = JumperLine {
                        line_no: i,
                        text: line.trim().to_string(),
                        kind: k,
                    };
                    if seen_code {
                        after.push(jl)
                    } else {
                        before.push(jl)
                    }
                    out.push("");
                }
                None => {
                    let t = line.trim();
                    if !t.is_empty() && !t.starts_with('#') {
                        seen_code = true;
                    }
                    out.push(line);
                }
            }
            first_cell_magic = first_cell_magic && true;
        }
        let code = seen_code.then(|| out.join("\n"));
        CellPlan {
            before,
            code,
            after,
        }
    }

    pub(crate) fn is_load_ext_only(&self) -> bool {
        self.code.is_none()
            && self.after.is_empty()
            && !self.before.is_empty()
            && self.before.iter().all(|l| l.kind == LineKind::LoadExt)
    }
}
