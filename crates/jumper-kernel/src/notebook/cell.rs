//! Which lines of a notebook cell are jumper's and which go to the wrapped kernel.
//!
//! The rules, in order:
//!
//! 1. A cell whose first non-blank line starts with `%%` is a cell magic of the wrapped kernel
//!    (`%%time`, `%%bash`, ...): all of it is code.
//! 2. A line that starts with `%` **in column 0** and names one of jumper's commands is a jumper
//!    line: the commands of jumper-core's command language (`%perfmonitor_start`,
//!    `%show_cell_history` and its alias `%cell_history`, `%export_session`, ... exactly the
//!    names [`jumper_core::command::is_command`] knows), the wrapper magics `%wrap_kernel` and
//!    `%list_kernels`, and `%load_ext jumper_extension` / `%reload_ext jumper_extension`.
//!    Any other `%` line (`%timeit`, `%matplotlib inline`, `%load_ext autoreload`) is code: the
//!    wrapped kernel handles it. An indented `%` line is code too (the rule of monitored
//!    scripts, DESIGN §5): it belongs to a block of code, and jumper can only run commands
//!    between pieces of code, not inside a loop.
//! 3. **Continuation lines.** A jumper line ending in a backslash continues on the next line,
//!    as IPython joins a magic's continued lines: the backslash is dropped and the lines are
//!    joined with a space (`%perfmonitor_plot --metrics cpu \` + `    --level user`). A code
//!    line (not a `#` comment) ending in a backslash makes the next line code, whatever it
//!    starts with, since it continues that statement.
//! 4. Everything else is code. `\r\n` line ends are kept in the code as they came.
//!
//! Known limitation, shared with every line-based magic syntax (and with monitored scripts): a
//! line of a multi-line string that starts with `%` and a jumper name is read as a jumper line.

use jumper_core::command::{command_name, is_command};
use jumper_core::script::format::is_code_line;

/// The wrapper magic that wraps another kernel.
pub const WRAP_KERNEL: &str = "wrap_kernel";
/// The wrapper magic that lists the kernels jumper can wrap.
pub const LIST_KERNELS: &str = "list_kernels";
/// The extension name JUmPER notebooks load (`%load_ext jumper_extension`).
pub const EXTENSION: &str = "jumper_extension";
/// How `%wrap_kernel` is used.
pub const WRAP_USAGE: &str = "Usage: %wrap_kernel <kernel_name> [--save <new_kernel_name>]";

/// What a jumper line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineKind {
    /// A command of jumper-core's command language: the relay passes
    /// [`JumperLine::text`] to `PerfmonitorService::run_command`, which checks the arguments.
    Service,
    /// `%wrap_kernel NAME [--save NEW]`.
    WrapKernel {
        /// The kernel to wrap, as typed.
        name: String,
        /// `--save NEW`: also install a jumper kernelspec `NEW` that wraps it.
        save: Option<String>,
    },
    /// `%list_kernels [DIR ...]`: the directories as typed (shell-split, not yet expanded;
    /// expanded when the kernels are listed).
    ListKernels {
        /// Extra kernel directories to search from now on.
        dirs: Vec<String>,
    },
    /// `%load_ext jumper_extension` or `%reload_ext jumper_extension`: nothing to do, jumper
    /// is built into the kernel (the relay shows [`LOAD_EXT_NOTE`]).
    LoadExt,
    /// One of jumper's wrapper magics used wrongly: the relay shows `message` as the error.
    Invalid {
        /// One line saying what is wrong and how it is used.
        message: String,
    },
}

/// One jumper line of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumperLine {
    /// 0-based line of the cell where it starts.
    pub line_no: usize,
    /// The command as written, `%` included, without trailing white space; continued lines
    /// are joined into one (see the module docs).
    pub text: String,
    /// What it asks for.
    pub kind: LineKind,
}

/// What the relay does with one cell: jumper lines before the code, the code for the wrapped
/// kernel, jumper lines after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellPlan {
    /// Jumper lines before the first line of code, in order (all of them when there is no
    /// code).
    pub before: Vec<JumperLine>,
    /// The cell with every jumper line replaced by an empty line (line ends kept), so that the
    /// wrapped kernel's tracebacks give the cell's own line numbers. `None` when there is
    /// nothing for the wrapped kernel: the cell is blank, or it has jumper lines and nothing
    /// else but blank lines and `#` comments. (A cell of comments only, without jumper lines,
    /// goes to the wrapped kernel: `#` is not a comment in every language.)
    pub code: Option<String>,
    /// Jumper lines after the first line of code, in order, to run after the code.
    pub after: Vec<JumperLine>,
}

/// The note shown for a cell that only loads jumper's extension.
pub const LOAD_EXT_NOTE: &str =
    "jumper is built into this kernel: there is no extension to load, its commands work as they are";

/// One line of the cell with its line end.
struct Line<'a> {
    /// Without `\n` and without a `\r` before it.
    text: &'a str,
    /// `"\n"`, `"\r\n"` or `""` (the last line).
    end: &'a str,
}

fn lines_of(code: &str) -> Vec<Line<'_>> {
    code.split_inclusive('\n')
        .map(|l| {
            if let Some(t) = l.strip_suffix("\r\n") {
                Line {
                    text: t,
                    end: "\r\n",
                }
            } else if let Some(t) = l.strip_suffix('\n') {
                Line { text: t, end: "\n" }
            } else {
                Line { text: l, end: "" }
            }
        })
        .collect()
}

impl CellPlan {
    /// Classifies the lines of `code` (see the module docs for the rules).
    pub fn parse(code: &str) -> CellPlan {
        let code = code.strip_prefix('\u{feff}').unwrap_or(code);
        let lines = lines_of(code);
        let cell_magic = lines
            .iter()
            .find(|l| !l.text.trim().is_empty())
            .is_some_and(|l| l.text.trim_start().starts_with("%%"));
        if cell_magic {
            return CellPlan {
                code: Some(code.to_string()),
                ..CellPlan::default()
            };
        }
        let mut jumper: Vec<JumperLine> = Vec::new();
        // Whether each line is part of a jumper line (and so blanked in the code).
        let mut blank = vec![false; lines.len()];
        let mut continued = false;
        let mut i = 0;
        while i < lines.len() {
            let text = lines[i].text;
            if continued || !text.starts_with('%') || text.starts_with("%%") {
                continued = is_code_line(text) && text.ends_with('\\');
                i += 1;
                continue;
            }
            // A `%` line in column 0: join its continuation lines first.
            let mut joined = text.to_string();
            let mut last = i;
            while joined.ends_with('\\') {
                joined.pop();
                if last + 1 >= lines.len() {
                    break;
                }
                last += 1;
                let next = lines[last].text.trim();
                if !joined.ends_with(' ') && !next.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(next);
            }
            let joined = joined.trim_end().to_string();
            match classify(&joined) {
                Some(kind) => {
                    for b in &mut blank[i..=last] {
                        *b = true;
                    }
                    jumper.push(JumperLine {
                        line_no: i,
                        text: joined,
                        kind,
                    });
                    continued = false;
                }
                None => {
                    // Someone else's magic, continued lines included: all code.
                    continued = false;
                }
            }
            i = last + 1;
        }
        let first_code = (0..lines.len()).find(|&k| !blank[k] && is_code_line(lines[k].text));
        let rest_is_blank = (0..lines.len()).all(|k| blank[k] || lines[k].text.trim().is_empty());
        let has_code = if jumper.is_empty() {
            !rest_is_blank
        } else {
            first_code.is_some()
        };
        let code = has_code.then(|| {
            let mut out = String::with_capacity(code.len());
            for (k, l) in lines.iter().enumerate() {
                if !blank[k] {
                    out.push_str(l.text);
                }
                out.push_str(l.end);
            }
            out
        });
        let split = first_code.unwrap_or(usize::MAX);
        let (before, after) = jumper.into_iter().partition(|j| j.line_no < split);
        CellPlan {
            before,
            code,
            after,
        }
    }

    /// All jumper lines in cell order.
    pub fn jumper_lines(&self) -> impl Iterator<Item = &JumperLine> + '_ {
        self.before.iter().chain(&self.after)
    }

    /// True when the cell has neither jumper lines nor code (blank).
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty() && self.code.is_none()
    }

    /// True when the cell holds only `%load_ext jumper_extension` (or `%reload_ext`) lines
    /// plus blank and comment lines. Such a cell is not a numbered cell of the history (as in
    /// JUmPER, where the `%load_ext` cell is not recorded); the relay shows
    /// [`LOAD_EXT_NOTE`].
    pub fn is_load_ext_only(&self) -> bool {
        self.code.is_none()
            && self.after.is_empty()
            && !self.before.is_empty()
            && self.before.iter().all(|j| j.kind == LineKind::LoadExt)
    }
}

/// What a `%` line (already joined, with its `%`) is to jumper, or `None` when it is not
/// jumper's.
fn classify(line: &str) -> Option<LineKind> {
    // The name follows the `%` directly (`% perfmonitor_start` is not a magic call).
    if line
        .trim_start()
        .strip_prefix('%')?
        .starts_with(char::is_whitespace)
    {
        return None;
    }
    let name = command_name(line);
    let rest = line
        .trim_start()
        .strip_prefix('%')
        .unwrap_or(line)
        .trim_start()
        .get(name.len()..)
        .unwrap_or("")
        .trim();
    match name {
        WRAP_KERNEL => Some(wrap_kernel(rest)),
        LIST_KERNELS => Some(match shell_words::split(rest) {
            Ok(dirs) => LineKind::ListKernels { dirs },
            Err(_) => LineKind::Invalid {
                message: format!("%list_kernels: unbalanced quotes in '{rest}'"),
            },
        }),
        "load_ext" | "reload_ext" if rest == EXTENSION => Some(LineKind::LoadExt),
        n if !n.is_empty() && is_command(n) => Some(LineKind::Service),
        _ => None,
    }
}

/// Parses the arguments of `%wrap_kernel`: `NAME`, `--save NEW` or `--save=NEW`, in any order.
fn wrap_kernel(args: &str) -> LineKind {
    let bad = |why: String| LineKind::Invalid {
        message: format!("%wrap_kernel: {why}. {WRAP_USAGE}"),
    };
    let Ok(words) = shell_words::split(args) else {
        return bad(format!("unbalanced quotes in '{args}'"));
    };
    let mut name: Option<String> = None;
    let mut save: Option<String> = None;
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        if let Some(v) = w.strip_prefix("--save=") {
            if v.is_empty() {
                return bad("--save needs a new kernel name".into());
            }
            save = Some(v.to_string());
        } else if w == "--save" {
            match it.next() {
                Some(v) if !v.starts_with('-') => save = Some(v),
                _ => return bad("--save needs a new kernel name".into()),
            }
        } else if w.starts_with('-') {
            return bad(format!("unknown option '{w}'"));
        } else if let Some(first) = &name {
            return bad(format!("one kernel name expected, got '{first}' and '{w}'"));
        } else {
            name = Some(w);
        }
    }
    match name {
        Some(name) => LineKind::WrapKernel { name, save },
        None => bad("missing kernel name".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(line_no: usize, text: &str) -> JumperLine {
        JumperLine {
            line_no,
            text: text.into(),
            kind: LineKind::Service,
        }
    }

    #[test]
    fn a_cell_of_commands_only_has_no_code() {
        let p =
            CellPlan::parse("%perfmonitor_start 0.1\n# start\n\n%perfmonitor_enable_perfreports\n");
        assert_eq!(
            p.before,
            [
                service(0, "%perfmonitor_start 0.1"),
                service(3, "%perfmonitor_enable_perfreports")
            ]
        );
        assert_eq!(p.code, None);
        assert!(p.after.is_empty());
        assert!(!p.is_load_ext_only());
    }

    #[test]
    fn mixed_cells_split_around_the_first_code_line_and_keep_line_numbers() {
        let src = "%perfmonitor_start\n# setup\nx = 1\n%perfmonitor_perfreport --cell 0\ny = 2\n%perfmonitor_stop";
        let p = CellPlan::parse(src);
        assert_eq!(p.before, [service(0, "%perfmonitor_start")]);
        assert_eq!(
            p.after,
            [
                service(3, "%perfmonitor_perfreport --cell 0"),
                service(5, "%perfmonitor_stop")
            ]
        );
        let code = p.code.unwrap();
        assert_eq!(code, "\n# setup\nx = 1\n\ny = 2\n");
        assert_eq!(code.split('\n').count(), src.split('\n').count());
        assert_eq!(code.lines().nth(4), Some("y = 2"));
    }

    #[test]
    fn other_magics_are_code() {
        for line in [
            "%timeit sum(range(10))",
            "%matplotlib inline",
            "%load_ext autoreload",
            "%reload_ext other_extension",
            "%load_ext jumper_extension extra",
            "%perfmonitor_nonexistent",
            "%",
            "% perfmonitor_start",
            "%perfmonitor_start?",
        ] {
            let p = CellPlan::parse(line);
            assert!(p.before.is_empty() && p.after.is_empty(), "{line}: {p:?}");
            assert_eq!(p.code.as_deref(), Some(line), "{line}");
        }
        // Mixed with ours: ours are taken out, theirs stay.
        let p = CellPlan::parse("%matplotlib inline\n%perfmonitor_start\nplot()");
        assert_eq!(p.code.as_deref(), Some("%matplotlib inline\n\nplot()"));
        assert!(p.before.is_empty());
        assert_eq!(p.after, [service(1, "%perfmonitor_start")]);
    }

    #[test]
    fn every_command_name_and_alias_is_jumpers() {
        for spec in jumper_core::command::COMMANDS {
            for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                let p = CellPlan::parse(&format!("%{name}"));
                assert_eq!(p.before.len(), 1, "{name}");
                assert_eq!(p.before[0].kind, LineKind::Service, "{name}");
            }
        }
        let p = CellPlan::parse("%cell_history\n%show_cell_history\n%export_session out.zip\n%import_session s\n%start_write_script x.py\n%end_write_script");
        assert_eq!(p.before.len(), 6);
        assert_eq!(p.code, None);
    }

    #[test]
    fn commands_need_their_percent_sign_in_column_zero() {
        let p = CellPlan::parse("perfmonitor_start\n");
        assert_eq!(p.code.as_deref(), Some("perfmonitor_start\n"));
        assert!(p.before.is_empty());
        let src = "for i in range(3):\n    %perfmonitor_start\n";
        let p = CellPlan::parse(src);
        assert_eq!(p.code.as_deref(), Some(src));
        assert!(p.before.is_empty() && p.after.is_empty());
    }

    #[test]
    fn cell_magics_are_entirely_code() {
        for src in [
            "%%time\n%perfmonitor_start\nx = 1",
            "\n\n%%bash\necho hi\n%perfmonitor_stop\n",
            "%%perfmonitor_start\n",
        ] {
            let p = CellPlan::parse(src);
            assert_eq!(p.code.as_deref(), Some(src));
            assert!(p.before.is_empty() && p.after.is_empty());
        }
        // A `%%` line that is not first is not a cell magic (the kernel reports it).
        let p = CellPlan::parse("%perfmonitor_start\n%%time\nx");
        assert_eq!(p.before, [service(0, "%perfmonitor_start")]);
        assert_eq!(p.code.as_deref(), Some("\n%%time\nx"));
    }

    #[test]
    fn continued_jumper_lines_join_and_continued_code_stays_code() {
        let p = CellPlan::parse("%perfmonitor_plot --metrics cpu \\\n    --level user\nx = 1");
        assert_eq!(
            p.before,
            [service(0, "%perfmonitor_plot --metrics cpu --level user")]
        );
        assert_eq!(p.code.as_deref(), Some("\n\nx = 1"));
        let p = CellPlan::parse("%perfmonitor_perfreport\\\n--text");
        assert_eq!(p.before, [service(0, "%perfmonitor_perfreport --text")]);
        // A backslash at the very end.
        let p = CellPlan::parse("%perfmonitor_stop \\");
        assert_eq!(p.before, [service(0, "%perfmonitor_stop")]);
        assert_eq!(p.code, None);
        // Code continued onto a `%` line: that line is part of the statement.
        let src = "x = 1 + \\\n%perfmonitor_start\n";
        let p = CellPlan::parse(src);
        assert_eq!(p.code.as_deref(), Some(src));
        assert!(p.before.is_empty() && p.after.is_empty());
        // A comment does not continue.
        let p = CellPlan::parse("x = 1\n# note \\\n%perfmonitor_stop");
        assert_eq!(p.after, [service(2, "%perfmonitor_stop")]);
        // Someone else's continued magic stays code, all of it.
        let src = "%timeit \\\n%perfmonitor_stop\n";
        assert_eq!(CellPlan::parse(src).code.as_deref(), Some(src));
    }

    #[test]
    fn windows_line_ends_are_kept_in_code_and_dropped_from_commands() {
        let p = CellPlan::parse("%perfmonitor_start 0.5\r\nx = 1\r\n%perfmonitor_stop  \r\n");
        assert_eq!(p.before, [service(0, "%perfmonitor_start 0.5")]);
        assert_eq!(p.after, [service(2, "%perfmonitor_stop")]);
        assert_eq!(p.code.as_deref(), Some("\r\nx = 1\r\n\r\n"));
        let p = CellPlan::parse("%perfmonitor_plot \\\r\n  --level user\r\n");
        assert_eq!(p.before, [service(0, "%perfmonitor_plot --level user")]);
    }

    #[test]
    fn empty_blank_and_comment_cells() {
        for src in ["", "\n", "  \n\t\n", "\r\n"] {
            let p = CellPlan::parse(src);
            assert!(p.is_empty(), "{src:?}");
            assert!(!p.is_load_ext_only());
        }
        // Comments alone go to the wrapped kernel (`#` may be code there, e.g. `#include`).
        let p = CellPlan::parse("# just a note\n");
        assert_eq!(p.code.as_deref(), Some("# just a note\n"));
        // With a jumper line, comments are not worth a trip to the kernel.
        let p = CellPlan::parse("# start\n%perfmonitor_start\n# done\n");
        assert_eq!(p.code, None);
        assert_eq!(p.before, [service(1, "%perfmonitor_start")]);
    }

    #[test]
    fn load_ext_cells() {
        for src in [
            "%load_ext jumper_extension",
            "%load_ext jumper_extension\n",
            "# JUmPER\n%load_ext   jumper_extension  \n\n",
            "%reload_ext jumper_extension",
            "%load_ext jumper_extension\r\n%reload_ext jumper_extension\r\n",
        ] {
            let p = CellPlan::parse(src);
            assert!(p.is_load_ext_only(), "{src:?}: {p:?}");
            assert!(p.before.iter().all(|j| j.kind == LineKind::LoadExt));
        }
        for src in [
            "%load_ext jumper_extension\n%perfmonitor_start",
            "%load_ext jumper_extension\nimport numpy",
            "import numpy\n%load_ext jumper_extension",
            "%load_ext autoreload",
        ] {
            assert!(!CellPlan::parse(src).is_load_ext_only(), "{src:?}");
        }
        // Loading the extension is never sent to the kernel (it would load JUmPER there).
        let p = CellPlan::parse("import numpy\n%load_ext jumper_extension");
        assert_eq!(p.code.as_deref(), Some("import numpy\n"));
        assert_eq!(p.after[0].kind, LineKind::LoadExt);
        assert!(!LOAD_EXT_NOTE.contains('\n'));
    }

    #[test]
    fn wrap_kernel_arguments() {
        let kind = |src: &str| CellPlan::parse(src).before[0].kind.clone();
        let wrap = |name: &str, save: Option<&str>| LineKind::WrapKernel {
            name: name.into(),
            save: save.map(String::from),
        };
        assert_eq!(kind("%wrap_kernel ir"), wrap("ir", None));
        assert_eq!(
            kind("%wrap_kernel python3 --save py"),
            wrap("python3", Some("py"))
        );
        assert_eq!(
            kind("%wrap_kernel --save=py python3"),
            wrap("python3", Some("py"))
        );
        assert_eq!(kind("%wrap_kernel 'julia-1.10'"), wrap("julia-1.10", None));
        for (src, why) in [
            ("%wrap_kernel", "missing kernel name"),
            ("%wrap_kernel   ", "missing kernel name"),
            ("%wrap_kernel --save py", "missing kernel name"),
            ("%wrap_kernel ir --save", "--save needs a new kernel name"),
            ("%wrap_kernel ir --save=", "--save needs a new kernel name"),
            (
                "%wrap_kernel ir --save --x",
                "--save needs a new kernel name",
            ),
            (
                "%wrap_kernel ir python3",
                "one kernel name expected, got 'ir' and 'python3'",
            ),
            ("%wrap_kernel ir --force", "unknown option '--force'"),
            ("%wrap_kernel 'ir", "unbalanced quotes"),
        ] {
            let LineKind::Invalid { message } = kind(src) else {
                panic!("{src} parsed");
            };
            assert!(message.starts_with("%wrap_kernel: "), "{message}");
            assert!(message.contains(why), "{src}: {message}");
            assert!(message.ends_with(WRAP_USAGE), "{message}");
            assert!(!message.contains('\n'));
        }
    }

    #[test]
    fn list_kernels_arguments() {
        let kind = |src: &str| CellPlan::parse(src).before[0].kind.clone();
        assert_eq!(
            kind("%list_kernels"),
            LineKind::ListKernels { dirs: vec![] }
        );
        assert_eq!(
            kind("%list_kernels ~/k '/opt/my kernels' $HOME/x"),
            LineKind::ListKernels {
                dirs: vec!["~/k".into(), "/opt/my kernels".into(), "$HOME/x".into()]
            }
        );
        assert!(matches!(
            kind("%list_kernels \"/a"),
            LineKind::Invalid { .. }
        ));
        let p = CellPlan::parse("%list_kernels\n%wrap_kernel ir");
        assert_eq!(p.before.len(), 2);
        assert_eq!(p.code, None);
    }

    #[test]
    fn unicode_survives() {
        let src = "ä = '→'\n%export_session \"sitzung ü.zip\"\nprint(ä)  # ✓\n";
        let p = CellPlan::parse(src);
        assert_eq!(p.after, [service(1, "%export_session \"sitzung ü.zip\"")]);
        assert_eq!(p.code.as_deref(), Some("ä = '→'\n\nprint(ä)  # ✓\n"));
        // A byte-order mark does not hide the first command.
        let p = CellPlan::parse("\u{feff}%perfmonitor_start");
        assert_eq!(p.before, [service(0, "%perfmonitor_start")]);
    }

    #[test]
    fn jumper_lines_iterates_in_cell_order() {
        let p = CellPlan::parse("%perfmonitor_start\nx\n%perfmonitor_stop");
        let lines: Vec<usize> = p.jumper_lines().map(|j| j.line_no).collect();
        assert_eq!(lines, [0, 2]);
    }
}
