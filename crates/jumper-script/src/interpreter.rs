//! Which program runs a script's code: `--interpreter`, else the `#!` line, else the extension.

use std::fmt;
use std::path::Path;

use crate::error::ScriptError;
use crate::format::Script;

/// How jumper talks to an interpreter, decided from the program's file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InterpreterKind {
    /// `python…` or `pypy…` (e.g. `python3`, `python3.12`, `/usr/bin/python3`): one persistent
    /// interpreter; state carries from cell to cell.
    Python,
    /// `bash…`: one persistent `bash --norc --noprofile`; variables, functions and the working
    /// directory carry from cell to cell. (`sh`, `dash`, `zsh` are [`Stdin`](Self::Stdin): the
    /// persistent driver needs bash's `read -d ''`.)
    Bash,
    /// Any other program that reads code on its standard input (`sh`, `Rscript -`, `julia`,
    /// `node`, `perl`, …): one process per cell, so nothing carries over between cells.
    Stdin,
}

impl InterpreterKind {
    /// The kind for a program name or path, from its file name.
    pub fn of_program(program: &str) -> InterpreterKind {
        let name = program.rsplit('/').next().unwrap_or(program);
        if name.starts_with("python") || name.starts_with("pypy") {
            InterpreterKind::Python
        } else if name.starts_with("bash") {
            InterpreterKind::Bash
        } else {
            InterpreterKind::Stdin
        }
    }

    /// True when variables and other state carry from one cell to the next.
    pub fn keeps_state(self) -> bool {
        matches!(self, InterpreterKind::Python | InterpreterKind::Bash)
    }

    /// What the program is expected to be, for messages: `python3`, `bash` or `a program that
    /// reads code on stdin`.
    pub fn describe(self) -> &'static str {
        match self {
            InterpreterKind::Python => "python3",
            InterpreterKind::Bash => "bash",
            InterpreterKind::Stdin => "program that reads code on stdin",
        }
    }
}

/// A program and its arguments that run a script's code.
///
/// jumper adds its own arguments after `args` (`-u -c DRIVER` for Python, `--norc --noprofile
/// -c DRIVER` for bash); for [`InterpreterKind::Stdin`] the command runs as given with the
/// code on its standard input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interpreter {
    /// The program: a name looked up in `PATH`, or a path.
    pub program: String,
    /// Arguments before jumper's own (e.g. `-e` from `#!/bin/bash -e`, `-X dev`).
    pub args: Vec<String>,
    /// How jumper drives it.
    pub kind: InterpreterKind,
}

impl Interpreter {
    /// An interpreter whose kind follows from the program's file name.
    pub fn new(program: impl Into<String>, args: Vec<String>) -> Interpreter {
        let program = program.into();
        let kind = InterpreterKind::of_program(&program);
        Interpreter {
            program,
            args,
            kind,
        }
    }

    /// `python3`, the interpreter of `.py` files.
    pub fn python3() -> Interpreter {
        Interpreter::new("python3", Vec::new())
    }

    /// `bash`, the interpreter of `.sh` and `.bash` files.
    pub fn bash() -> Interpreter {
        Interpreter::new("bash", Vec::new())
    }

    /// Parses a command line such as `python3 -X dev` (what `--interpreter` takes): words
    /// separated by white space, no quoting.
    ///
    /// ```
    /// use jumper_script::{Interpreter, InterpreterKind};
    /// let i = Interpreter::from_command("/opt/py/bin/python3.12 -X dev").unwrap();
    /// assert_eq!((i.program.as_str(), i.args.len(), i.kind), ("/opt/py/bin/python3.12", 2, InterpreterKind::Python));
    /// ```
    pub fn from_command(command: &str) -> Result<Interpreter, ScriptError> {
        let mut words = command.split_whitespace().map(str::to_string);
        match words.next() {
            Some(program) => Ok(Interpreter::new(program, words.collect())),
            None => Err(ScriptError::EmptyInterpreter {
                command: command.to_string(),
            }),
        }
    }

    /// The interpreter of a `#!` line, `None` when the line names none. `env` is looked
    /// through, with its options (`-S`, `-i`, `-u NAME`) and `NAME=value` settings skipped:
    /// `#!/usr/bin/env -S python3 -X dev` gives `python3` with `-X dev`.
    pub fn from_shebang(line: &str) -> Option<Interpreter> {
        let rest = line.trim().strip_prefix("#!")?;
        let mut words = rest.split_whitespace();
        let mut program = words.next()?;
        if program.rsplit('/').next() == Some("env") {
            program = loop {
                let word = words.next()?;
                if word == "-u" || word == "--unset" {
                    words.next()?;
                } else if !(word.starts_with('-') || word.contains('=')) {
                    break word;
                }
            };
        }
        Some(Interpreter::new(
            program,
            words.map(str::to_string).collect(),
        ))
    }

    /// The interpreter for a file name: `.py` → python3, `.sh` and `.bash` → bash.
    pub fn from_extension(path: &Path) -> Option<Interpreter> {
        match path.extension()?.to_str()? {
            "py" => Some(Interpreter::python3()),
            "sh" | "bash" => Some(Interpreter::bash()),
            _ => None,
        }
    }

    /// DESIGN §5: the `--interpreter` command if given, else the script's `#!` line, else the
    /// extension of `path`; otherwise [`ScriptError::NoInterpreter`] naming the file and the
    /// three ways to say it.
    pub fn choose(
        path: &Path,
        script: &Script,
        override_command: Option<&str>,
    ) -> Result<Interpreter, ScriptError> {
        if let Some(command) = override_command {
            return Interpreter::from_command(command);
        }
        script
            .shebang
            .as_deref()
            .and_then(Interpreter::from_shebang)
            .or_else(|| Interpreter::from_extension(path))
            .ok_or_else(|| ScriptError::NoInterpreter {
                path: path.to_path_buf(),
            })
    }
}

impl fmt::Display for Interpreter {
    /// The command line as a user would type it: `python3 -X dev`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.program)?;
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(i: &Interpreter) -> (String, Vec<String>, InterpreterKind) {
        (i.program.clone(), i.args.clone(), i.kind)
    }

    #[test]
    fn kinds_from_program_names() {
        use InterpreterKind::*;
        let cases = [
            ("python3", Python),
            ("/usr/bin/python3.11", Python),
            ("python", Python),
            ("pypy3", Python),
            ("bash", Bash),
            ("/bin/bash", Bash),
            ("sh", Stdin),
            ("/usr/bin/zsh", Stdin),
            ("Rscript", Stdin),
            ("/opt/bash-tools/perl", Stdin),
        ];
        for (program, kind) in cases {
            assert_eq!(InterpreterKind::of_program(program), kind, "{program}");
        }
        assert!(Python.keeps_state() && Bash.keeps_state() && !Stdin.keeps_state());
    }

    #[test]
    fn shebang_lines() {
        let env = Interpreter::from_shebang("#!/usr/bin/env python3").unwrap();
        assert_eq!(
            words(&env),
            ("python3".into(), vec![], InterpreterKind::Python)
        );
        let bash = Interpreter::from_shebang("#!/bin/bash -e").unwrap();
        assert_eq!(
            words(&bash),
            ("/bin/bash".into(), vec!["-e".into()], InterpreterKind::Bash)
        );
        let split = Interpreter::from_shebang("#! /usr/bin/env -S -u HOME LC_ALL=C python3 -X dev")
            .unwrap();
        assert_eq!(
            words(&split),
            (
                "python3".into(),
                vec!["-X".into(), "dev".into()],
                InterpreterKind::Python
            )
        );
        assert_eq!(Interpreter::from_shebang("#!"), None);
        assert_eq!(Interpreter::from_shebang("#!/usr/bin/env"), None);
        assert_eq!(Interpreter::from_shebang("# not a shebang"), None);
    }

    #[test]
    fn choice_order_is_override_shebang_extension() {
        let py = Path::new("job.py");
        let bash_script = crate::format::parse("#!/bin/bash\necho hi\n");
        let none = crate::format::parse("echo hi\n");
        let chosen = Interpreter::choose(py, &bash_script, Some("python3 -O")).unwrap();
        assert_eq!(chosen.to_string(), "python3 -O");
        let chosen = Interpreter::choose(py, &bash_script, None).unwrap();
        assert_eq!(chosen.to_string(), "/bin/bash");
        assert_eq!(
            Interpreter::choose(py, &none, None).unwrap(),
            Interpreter::python3()
        );
        let sh = Path::new("dir.py/run.sh");
        assert_eq!(
            Interpreter::choose(sh, &none, None).unwrap(),
            Interpreter::bash()
        );
        let err = Interpreter::choose(Path::new("notes.txt"), &none, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "notes.txt: cannot tell which interpreter runs this script; pass --interpreter CMD \
             (e.g. --interpreter python3), start the file with a #! line, or name it .py or .sh"
        );
        let err = Interpreter::choose(py, &none, Some("  ")).unwrap_err();
        assert!(matches!(err, ScriptError::EmptyInterpreter { .. }), "{err}");
    }
}
