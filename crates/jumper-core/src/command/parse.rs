//! Parsing a line against the command table, argparse-style: `--opt value` or `--opt=value`,
//! any unambiguous prefix of an option (`--lev user`), a negative number as a value, `--` to
//! end the options. Words are split as Python's `shlex` (POSIX shell rules) by `shell-words`.

use std::path::PathBuf;

use jumper_data::{CellRange, Level};
use jumper_report::Format;

use super::table::{lookup, ArgKind, CommandSpec};
use super::{Command, CommandError};

/// The parsed arguments of one command line, before they become a typed [`Command`].
pub(crate) struct Args {
    spec: &'static CommandSpec,
    opts: Vec<(&'static str, Vec<String>)>,
    positionals: Vec<String>,
}

impl Args {
    fn command(&self) -> &'static str {
        self.spec.name
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| *n == name)
    }

    /// The last value given to an option (argparse keeps the last).
    fn raw(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.first().map(String::as_str))
    }

    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.raw(name).map(str::to_string)
    }

    pub(crate) fn path(&self, name: &str) -> Option<PathBuf> {
        self.raw(name).map(PathBuf::from)
    }

    pub(crate) fn level(&self, name: &str) -> Result<Option<Level>, CommandError> {
        self.raw(name).map(|v| level(self.command(), v)).transpose()
    }

    pub(crate) fn range(&self, name: &str) -> Result<Option<CellRange>, CommandError> {
        self.raw(name).map(|v| range(self.command(), v)).transpose()
    }

    pub(crate) fn interval(&self, name: &str) -> Result<Option<f64>, CommandError> {
        self.raw(name)
            .map(|v| interval(self.command(), v))
            .transpose()
    }

    pub(crate) fn format(&self, name: &str) -> Result<Option<Format>, CommandError> {
        self.raw(name)
            .map(|v| {
                v.parse::<Format>().map_err(|e| CommandError::InvalidValue {
                    command: self.command(),
                    what: "format",
                    value: v.to_string(),
                    why: e.to_string(),
                })
            })
            .transpose()
    }

    pub(crate) fn data_file(&self, name: &str) -> Result<Option<PathBuf>, CommandError> {
        self.raw(name)
            .map(|v| data_file(self.command(), v))
            .transpose()
    }

    /// `.jpg` appended unless the name ends in `.jpg` or `.jpeg` (JUmPER's `--save-jpeg`).
    pub(crate) fn jpeg_file(&self, name: &str) -> Option<PathBuf> {
        self.raw(name).map(|v| {
            let lower = v.to_ascii_lowercase();
            if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
                PathBuf::from(v)
            } else {
                PathBuf::from(format!("{v}.jpg"))
            }
        })
    }

    /// Whether the last use of a `nargs="*"` option is exactly `off` (`--live off`).
    pub(crate) fn live_off(&self, name: &str) -> bool {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .is_some_and(|(_, v)| v.len() == 1 && v[0].eq_ignore_ascii_case("off"))
    }

    /// One value of seconds > 0.
    pub(crate) fn seconds(&self, name: &str) -> Result<Option<f64>, CommandError> {
        self.raw(name)
            .map(|v| interval(self.command(), v))
            .transpose()
    }

    /// All values of a `nargs="*"` option, each seconds > 0 (`--live off`: none).
    pub(crate) fn seconds_list(&self, name: &str) -> Result<Option<Vec<f64>>, CommandError> {
        let c = self.command();
        let Some((_, vs)) = self.opts.iter().rev().find(|(n, _)| *n == name) else {
            return Ok(None);
        };
        if self.live_off(name) {
            return Ok(Some(Vec::new()));
        }
        vs.iter()
            .map(|v| {
                interval(c, v).map_err(|_| CommandError::InvalidValue {
                    command: c,
                    what: "--live value",
                    value: v.clone(),
                    why: "expected seconds > 0: --live [INTERVAL [WINDOW]], or --live off".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    pub(crate) fn positional_path(&self, i: usize) -> Option<PathBuf> {
        self.positionals.get(i).map(PathBuf::from)
    }

    pub(crate) fn positional_interval(&self, i: usize) -> Result<Option<f64>, CommandError> {
        self.positionals
            .get(i)
            .map(|v| interval(self.command(), v))
            .transpose()
    }
}

fn looks_like_option(word: &str) -> bool {
    word.starts_with("--") && word.len() > 2
}

fn option_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("--{n}")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The options of `spec` that `typed` (without dashes) names: the exact one, or all those it
/// is a prefix of (argparse's abbreviations).
pub(crate) fn matching_options(
    spec: &'static CommandSpec,
    typed: &str,
) -> Vec<&'static super::table::OptSpec> {
    if let Some(o) = spec.option(typed) {
        return vec![o];
    }
    if typed.is_empty() {
        return Vec::new();
    }
    spec.options
        .iter()
        .filter(|o| o.name.starts_with(typed))
        .collect()
}

fn parse_args(spec: &'static CommandSpec, words: &[String]) -> Result<Args, CommandError> {
    let mut out = Args {
        spec,
        opts: Vec::new(),
        positionals: Vec::new(),
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            out.positionals.extend(words[i..].iter().cloned());
            break;
        }
        // A negative number is a value, as in argparse (`perfmonitor_start -1`).
        if !w.starts_with('-') || w == "-" || w.parse::<f64>().is_ok() {
            out.positionals.push(w.clone());
            continue;
        }
        let body = w.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let opt = match matching_options(spec, name).as_slice() {
            [one] => *one,
            [] => {
                return Err(CommandError::UnknownOption {
                    command: spec.name,
                    option: w.clone(),
                    valid: option_list(spec.options.iter().filter(|o| !o.hidden).map(|o| o.name)),
                })
            }
            many => {
                return Err(CommandError::AmbiguousOption {
                    command: spec.name,
                    option: w.clone(),
                    matches: option_list(many.iter().map(|o| o.name)),
                })
            }
        };
        let values = match opt.arg {
            ArgKind::Flag => {
                if let Some(v) = inline {
                    return Err(CommandError::InvalidValue {
                        command: spec.name,
                        what: "flag value",
                        value: v,
                        why: format!("--{} takes no value", opt.name),
                    });
                }
                Vec::new()
            }
            ArgKind::Value(_) => match inline {
                Some(v) => vec![v],
                None => match words.get(i) {
                    Some(v) if !looks_like_option(v) => {
                        i += 1;
                        vec![v.clone()]
                    }
                    _ => {
                        return Err(CommandError::MissingValue {
                            command: spec.name,
                            option: opt.name,
                        })
                    }
                },
            },
            ArgKind::Values(_) => {
                let mut vs: Vec<String> = inline.into_iter().collect();
                while let Some(v) = words.get(i) {
                    if looks_like_option(v) {
                        break;
                    }
                    vs.push(v.clone());
                    i += 1;
                }
                vs
            }
        };
        out.opts.push((opt.name, values));
    }
    let required = spec.positionals.iter().filter(|p| p.required).count();
    if let Some(missing) = spec.positionals.get(out.positionals.len()) {
        if out.positionals.len() < required {
            return Err(CommandError::MissingArgument {
                command: spec.name,
                what: missing.name,
            });
        }
    }
    if let Some(extra) = out.positionals.get(spec.positionals.len()) {
        return Err(CommandError::ExtraArgument {
            command: spec.name,
            arg: extra.clone(),
        });
    }
    Ok(out)
}

/// Splits a line into words as Python's `shlex.split` does (POSIX shell rules).
pub(crate) fn split(line: &str) -> Result<Vec<String>, CommandError> {
    shell_words::split(line).map_err(|_| CommandError::Quote(line.to_string()))
}

impl Command {
    /// Parses one command line, with or without the leading `%`.
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        let t = line.trim();
        let t = t.strip_prefix('%').unwrap_or(t);
        let words = split(t)?;
        let Some((name, rest)) = words.split_first() else {
            return Err(CommandError::UnknownCommand(String::new()));
        };
        let spec = lookup(name).ok_or_else(|| CommandError::UnknownCommand(name.clone()))?;
        let args = parse_args(spec, rest)?;
        (spec.build)(&args)
    }
}

/// Quotes a word so that the command parser reads it back unchanged (for building command
/// lines from paths, e.g. in recorded scripts).
pub fn quote(word: &str) -> String {
    shell_words::quote(word).into_owned()
}

/// Whether `name` (without `%`) is a command of the language.
pub fn is_command(name: &str) -> bool {
    lookup(name).is_some()
}

/// The command name of a line (`%perfmonitor_start 0.1` → `perfmonitor_start`), if any.
pub fn command_name(line: &str) -> &str {
    let t = line.trim_start();
    let t = t.strip_prefix('%').unwrap_or(t);
    t.split_whitespace().next().unwrap_or("")
}

/// The table entry of a line's command (`%cell_history` → `show_cell_history`), if any.
pub fn spec_of_line(line: &str) -> Option<&'static CommandSpec> {
    lookup(command_name(line))
}

fn interval(command: &'static str, v: &str) -> Result<f64, CommandError> {
    let bad = |why: &str| CommandError::InvalidValue {
        command,
        what: "interval",
        value: v.to_string(),
        why: why.to_string(),
    };
    let x: f64 = v
        .trim()
        .parse()
        .map_err(|_| bad("expected a number of seconds > 0, e.g. 0.1"))?;
    if jumper_monitor::process::check_interval(x).is_err() {
        return Err(bad(
            "the interval must be a number of seconds > 0, e.g. 0.1",
        ));
    }
    Ok(x)
}

fn level(command: &'static str, v: &str) -> Result<Level, CommandError> {
    v.parse::<Level>().map_err(|_| CommandError::InvalidValue {
        command,
        what: "level",
        value: v.to_string(),
        why: format!("valid levels: {}", known_levels()),
    })
}

/// The level names a command accepts here: slurm only inside a SLURM job (as JUmPER).
pub(crate) fn level_names() -> &'static [&'static str] {
    if jumper_monitor::process::slurm_job().is_some() {
        &["process", "user", "system", "slurm"]
    } else {
        &["process", "user", "system"]
    }
}

/// The level names a command accepts here: slurm only inside a SLURM job (as JUmPER).
pub fn known_levels() -> String {
    level_names().join(", ")
}

fn range(command: &'static str, v: &str) -> Result<CellRange, CommandError> {
    CellRange::parse(v).map_err(|_| CommandError::InvalidValue {
        command,
        what: "cell range",
        value: v.to_string(),
        why: "use N, A:B, :B or A: (inclusive; negative indices count from the end, e.g. -3:)"
            .into(),
    })
}

fn data_file(command: &'static str, v: &str) -> Result<PathBuf, CommandError> {
    let mut p = PathBuf::from(v);
    match p.extension().and_then(|e| e.to_str()) {
        None => {
            // JUmPER appends .csv to a name without extension.
            p.set_extension("csv");
            Ok(p)
        }
        Some(e) if e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("json") => Ok(p),
        Some(e) => Err(CommandError::InvalidValue {
            command,
            what: "file",
            value: v.to_string(),
            why: format!("unsupported format '{e}'; supported formats: csv, json"),
        }),
    }
}
