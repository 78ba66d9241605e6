//! The command language (DESIGN.md §3): JUmPER's magics as typed values.
//!
//! A line such as `%perfmonitor_perfreport --cell 2:5 --level user` (the `%` is optional) is
//! parsed into a [`Command`] with JUmPER's names, options and defaults. Parsing checks what can
//! be checked without a session — option names, numbers, level names, range syntax, file
//! extensions — so a typo is reported before anything runs; what depends on the session (is
//! the level monitored? is the range inside the history?) is checked when the command runs.
//!
//! Options follow argparse as JUmPER uses it: `--opt value` or `--opt=value`, and an option may
//! be shortened to any unambiguous prefix (`--lev user`). Unlike JUmPER, a bad argument is one
//! clear line (an error value), never an exit of the interpreter.

mod lex;

use std::fmt;
use std::path::PathBuf;

use jumper_data::{CellRange, Level};
use jumper_report::Format;

/// Why a command line was refused; each message is one line naming the problem and what is
/// accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The line names no known command.
    #[error("unknown command '{0}'; run %perfmonitor_help for the list of commands")]
    UnknownCommand(String),
    /// An option the command does not have.
    #[error("{command}: unknown option '{option}'; valid options: {valid}")]
    UnknownOption {
        /// The command.
        command: &'static str,
        /// The option as typed.
        option: String,
        /// The options the command accepts.
        valid: String,
    },
    /// An abbreviation that matches several options.
    #[error("{command}: option '{option}' is ambiguous; it could be {matches}")]
    AmbiguousOption {
        /// The command.
        command: &'static str,
        /// The option as typed.
        option: String,
        /// The options it could mean.
        matches: String,
    },
    /// An option given without its value.
    #[error("{command}: option --{option} needs a value")]
    MissingValue {
        /// The command.
        command: &'static str,
        /// The option.
        option: &'static str,
    },
    /// A required positional argument is missing.
    #[error("{command}: missing argument {what}")]
    MissingArgument {
        /// The command.
        command: &'static str,
        /// What is missing, e.g. `FILE`.
        what: &'static str,
    },
    /// More positional arguments than the command takes.
    #[error("{command}: unexpected argument '{arg}'")]
    ExtraArgument {
        /// The command.
        command: &'static str,
        /// The first extra argument.
        arg: String,
    },
    /// A value that is not valid for its option.
    #[error("{command}: invalid {what} '{value}': {why}")]
    InvalidValue {
        /// The command.
        command: &'static str,
        /// Which value, e.g. `interval`.
        what: &'static str,
        /// The value as typed.
        value: String,
        /// What is accepted.
        why: String,
    },
    /// A quote that is never closed.
    #[error("unterminated quote or trailing backslash in '{0}'")]
    Quote(String),
}

/// Options of `perfmonitor_perfreport`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportArgs {
    /// `--cell R`; `None`: the last completed cell.
    pub cell: Option<CellRange>,
    /// `--level L`; `None`: process (JUmPER's default).
    pub level: Option<Level>,
    /// `--text`: plain text instead of HTML.
    pub text: bool,
    /// `--format text|json|html|markdown` (jumper's addition; overrides `--text`).
    pub format: Option<Format>,
}

/// Options of `perfmonitor_plot`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotArgs {
    /// `--metrics a,b`: metric keys or subset names, as typed.
    pub metrics: Option<String>,
    /// `--cell R`.
    pub cell: Option<CellRange>,
    /// `--level L`.
    pub level: Option<Level>,
    /// `--save-jpeg F` (`.jpg` appended unless the name ends in `.jpg` or `.jpeg`).
    pub save_jpeg: Option<PathBuf>,
    /// `--save F` (jumper's addition): `.png`, `.svg`, `.jpg`/`.jpeg` or `.html` (dashboard).
    pub save: Option<PathBuf>,
    /// `--pickle F`: accepted for JUmPER's scripts; jumper has no Python objects to pickle.
    pub pickle: Option<PathBuf>,
    /// `--backend B`: accepted for JUmPER's scripts; jumper has one renderer.
    pub backend: Option<String>,
    /// `--live [INTERVAL [WINDOW]]`: the live view (values as given).
    pub live: Option<Vec<f64>>,
    /// `--show-idle` (jumper's addition): keep idle time between cells on the time axis.
    pub show_idle: bool,
}

/// One parsed command of the language, with JUmPER's defaults still visible as `None`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `perfmonitor_help`.
    Help,
    /// `perfmonitor_resources`.
    Resources,
    /// `perfmonitor_start [interval]` (default 1.0 s).
    Start {
        /// Seconds between samples, > 0.
        interval: Option<f64>,
    },
    /// `perfmonitor_stop`.
    Stop,
    /// `perfmonitor_perfreport [--cell R] [--level L] [--text] [--format F]`.
    PerfReport(ReportArgs),
    /// `perfmonitor_plot [...]`.
    Plot(PlotArgs),
    /// `perfmonitor_enable_perfreports [--level L] [--interval S] [--text]`.
    EnablePerfReports {
        /// Level of the automatic reports (default process).
        level: Option<Level>,
        /// Interval used when this starts monitoring (default 1.0 s).
        interval: Option<f64>,
        /// Text instead of HTML.
        text: bool,
    },
    /// `perfmonitor_disable_perfreports`.
    DisablePerfReports,
    /// `perfmonitor_export_perfdata [--file F] [--level L] [--name N]`.
    ExportPerfData {
        /// `.csv` or `.json` file (no extension: `.csv` is appended).
        file: Option<PathBuf>,
        /// Level (default process).
        level: Option<Level>,
        /// Name under which the data is handed to the frontend (default `perfdata_df`).
        name: Option<String>,
    },
    /// `perfmonitor_export_cell_history [--file F] [--name N]`.
    ExportCellHistory {
        /// `.csv` or `.json` file.
        file: Option<PathBuf>,
        /// Name for the frontend (default `cell_history_df`).
        name: Option<String>,
    },
    /// `perfmonitor_load_perfdata FILE`.
    LoadPerfData {
        /// The file.
        file: PathBuf,
    },
    /// `perfmonitor_load_cell_history FILE`.
    LoadCellHistory {
        /// The file.
        file: PathBuf,
    },
    /// `perfmonitor_fast_setup`.
    FastSetup,
    /// `show_cell_history` (alias `cell_history`).
    ShowCellHistory,
    /// `export_session [PATH|PATH.zip]`.
    ExportSession {
        /// Target; default `jumper-session-YYYYmmdd-HHMMSS`.
        path: Option<PathBuf>,
    },
    /// `import_session PATH`.
    ImportSession {
        /// A session directory or zip.
        path: PathBuf,
    },
    /// `start_write_script [PATH]`.
    StartWriteScript {
        /// Target; default `jumper_script_YYYYmmdd_HHMMSS.py`.
        path: Option<PathBuf>,
    },
    /// `end_write_script`.
    EndWriteScript,
}

/// Every command name with a one-line description, in the order of the help text.
pub const COMMANDS: &[(&str, &str)] = &[
    ("perfmonitor_help", "show this help"),
    (
        "perfmonitor_resources",
        "show CPUs, memory and its limits, GPUs",
    ),
    (
        "perfmonitor_start [interval]",
        "start monitoring (interval in seconds, default 1.0)",
    ),
    ("perfmonitor_stop", "stop monitoring (data stays available)"),
    (
        "perfmonitor_perfreport [--cell R] [--level L] [--text] [--format text|json|html|markdown]",
        "report for a cell range (default: the last cell)",
    ),
    (
        "perfmonitor_plot [--metrics a,b] [--cell R] [--level L] [--show-idle] [--save F] [--save-jpeg F]",
        "plot metrics (F: .png, .svg, .jpg, .html)",
    ),
    (
        "perfmonitor_enable_perfreports [--level L] [--interval S] [--text]",
        "report after every cell",
    ),
    (
        "perfmonitor_disable_perfreports",
        "stop reporting after every cell",
    ),
    (
        "perfmonitor_export_perfdata [--file F] [--level L] [--name N]",
        "export performance data (.csv or .json)",
    ),
    (
        "perfmonitor_export_cell_history [--file F] [--name N]",
        "export the cell history (.csv or .json)",
    ),
    (
        "perfmonitor_load_perfdata FILE",
        "load performance data from a .csv or .json file",
    ),
    (
        "perfmonitor_load_cell_history FILE",
        "load a cell history from a .csv or .json file",
    ),
    (
        "perfmonitor_fast_setup",
        "start monitoring at 1 s with a report after every cell",
    ),
    (
        "show_cell_history (alias cell_history)",
        "show the cells run so far",
    ),
    (
        "export_session [PATH|PATH.zip]",
        "export the whole session (JUmPER can import it)",
    ),
    (
        "import_session PATH",
        "import a session written by jumper or JUmPER",
    ),
    (
        "start_write_script [PATH]",
        "record the cells that run next as a monitored script",
    ),
    ("end_write_script", "stop recording and write the script"),
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Flag,
    Value,
    /// Zero or more values (argparse `nargs="*"`).
    Values,
}

struct Spec {
    name: &'static str,
    options: &'static [(&'static str, Kind)],
    /// (required, optional) positional arguments.
    positionals: (usize, usize),
    positional_names: &'static str,
}

#[derive(Default)]
struct Parsed {
    opts: Vec<(&'static str, Vec<String>)>,
    positionals: Vec<String>,
}

impl Parsed {
    fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| *n == name)
    }
    /// The last value given to an option (argparse keeps the last).
    fn value(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.first().map(String::as_str))
    }
    fn values(&self, name: &str) -> Option<&[String]> {
        self.opts
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }
    fn positional(&self, i: usize) -> Option<&str> {
        self.positionals.get(i).map(String::as_str)
    }
}

fn looks_like_option(word: &str) -> bool {
    word.starts_with("--") && word.len() > 2
}

fn parse_args(spec: &Spec, words: &[String]) -> Result<Parsed, CommandError> {
    let valid = || {
        if spec.options.is_empty() {
            "none".to_string()
        } else {
            spec.options
                .iter()
                .map(|(n, _)| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut out = Parsed::default();
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
        let exact = spec.options.iter().find(|(n, _)| *n == name);
        let candidates: Vec<_> = match exact {
            Some(o) => vec![o],
            None if name.is_empty() => Vec::new(),
            None => spec
                .options
                .iter()
                .filter(|(n, _)| n.starts_with(name))
                .collect(),
        };
        let &(opt, kind) = match candidates.as_slice() {
            [one] => *one,
            [] => {
                return Err(CommandError::UnknownOption {
                    command: spec.name,
                    option: w.clone(),
                    valid: valid(),
                })
            }
            many => {
                return Err(CommandError::AmbiguousOption {
                    command: spec.name,
                    option: w.clone(),
                    matches: many
                        .iter()
                        .map(|(n, _)| format!("--{n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let values = match kind {
            Kind::Flag => {
                if let Some(v) = inline {
                    return Err(CommandError::InvalidValue {
                        command: spec.name,
                        what: "flag value",
                        value: v,
                        why: format!("--{opt} takes no value"),
                    });
                }
                Vec::new()
            }
            Kind::Value => match inline {
                Some(v) => vec![v],
                None => match words.get(i) {
                    Some(v) if !looks_like_option(v) => {
                        i += 1;
                        vec![v.clone()]
                    }
                    _ => {
                        return Err(CommandError::MissingValue {
                            command: spec.name,
                            option: opt,
                        })
                    }
                },
            },
            Kind::Values => {
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
        out.opts.push((opt, values));
    }
    let (req, optional) = spec.positionals;
    if out.positionals.len() < req {
        return Err(CommandError::MissingArgument {
            command: spec.name,
            what: spec.positional_names,
        });
    }
    if let Some(extra) = out.positionals.get(req + optional) {
        return Err(CommandError::ExtraArgument {
            command: spec.name,
            arg: extra.clone(),
        });
    }
    Ok(out)
}

fn spec_for(name: &str) -> Option<Spec> {
    use Kind::*;
    let s = |name, options, positionals, positional_names| Spec {
        name,
        options,
        positionals,
        positional_names,
    };
    Some(match name {
        "perfmonitor_help" => s("perfmonitor_help", &[], (0, 0), ""),
        "perfmonitor_resources" => s("perfmonitor_resources", &[], (0, 0), ""),
        "perfmonitor_start" => s("perfmonitor_start", &[], (0, 1), "INTERVAL"),
        "perfmonitor_stop" => s("perfmonitor_stop", &[], (0, 0), ""),
        "perfmonitor_perfreport" => s(
            "perfmonitor_perfreport",
            &[
                ("cell", Value),
                ("level", Value),
                ("text", Flag),
                ("format", Value),
            ],
            (0, 0),
            "",
        ),
        "perfmonitor_plot" => s(
            "perfmonitor_plot",
            &[
                ("metrics", Value),
                ("cell", Value),
                ("level", Value),
                ("save-jpeg", Value),
                ("save", Value),
                ("pickle", Value),
                ("backend", Value),
                ("live", Values),
                ("show-idle", Flag),
            ],
            (0, 0),
            "",
        ),
        "perfmonitor_enable_perfreports" => s(
            "perfmonitor_enable_perfreports",
            &[
                ("cell", Value),
                ("level", Value),
                ("interval", Value),
                ("text", Flag),
            ],
            (0, 0),
            "",
        ),
        "perfmonitor_disable_perfreports" => s("perfmonitor_disable_perfreports", &[], (0, 0), ""),
        "perfmonitor_export_perfdata" => s(
            "perfmonitor_export_perfdata",
            &[("file", Value), ("level", Value), ("name", Value)],
            (0, 0),
            "",
        ),
        "perfmonitor_export_cell_history" => s(
            "perfmonitor_export_cell_history",
            &[("file", Value), ("name", Value)],
            (0, 0),
            "",
        ),
        "perfmonitor_load_perfdata" => s("perfmonitor_load_perfdata", &[], (1, 0), "FILE"),
        "perfmonitor_load_cell_history" => s("perfmonitor_load_cell_history", &[], (1, 0), "FILE"),
        "perfmonitor_fast_setup" => s("perfmonitor_fast_setup", &[], (0, 0), ""),
        "show_cell_history" | "cell_history" => s("show_cell_history", &[], (0, 0), ""),
        "export_session" => s("export_session", &[], (0, 1), "PATH"),
        "import_session" => s("import_session", &[], (1, 0), "PATH"),
        "start_write_script" => s("start_write_script", &[], (0, 1), "PATH"),
        "end_write_script" => s("end_write_script", &[], (0, 0), ""),
        _ => return None,
    })
}

/// Quotes a word so that the command lexer reads it back unchanged (for building command
/// lines from paths, e.g. in recorded scripts).
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

/// Whether `name` (without `%`) is a command of the language.
pub fn is_command(name: &str) -> bool {
    spec_for(name).is_some()
}

/// The command name of a line (`%perfmonitor_start 0.1` → `perfmonitor_start`), if any.
pub fn command_name(line: &str) -> &str {
    let t = line.trim_start();
    let t = t.strip_prefix('%').unwrap_or(t);
    t.split_whitespace().next().unwrap_or("")
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
pub fn known_levels() -> String {
    if jumper_monitor::process::slurm_job().is_some() {
        "process, user, system, slurm".into()
    } else {
        "process, user, system".into()
    }
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

impl Command {
    /// Parses one command line, with or without the leading `%`.
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        let t = line.trim();
        let t = t.strip_prefix('%').unwrap_or(t);
        let words = lex::split(t)?;
        let Some((name, rest)) = words.split_first() else {
            return Err(CommandError::UnknownCommand(String::new()));
        };
        let spec = spec_for(name).ok_or_else(|| CommandError::UnknownCommand(name.clone()))?;
        let p = parse_args(&spec, rest)?;
        let c = spec.name;
        let opt_level = |p: &Parsed| p.value("level").map(|v| level(c, v)).transpose();
        let opt_range = |p: &Parsed| p.value("cell").map(|v| range(c, v)).transpose();
        Ok(match c {
            "perfmonitor_help" => Command::Help,
            "perfmonitor_resources" => Command::Resources,
            "perfmonitor_start" => Command::Start {
                interval: p.positional(0).map(|v| interval(c, v)).transpose()?,
            },
            "perfmonitor_stop" => Command::Stop,
            "perfmonitor_perfreport" => Command::PerfReport(ReportArgs {
                cell: opt_range(&p)?,
                level: opt_level(&p)?,
                text: p.flag("text"),
                format: p
                    .value("format")
                    .map(|v| {
                        v.parse::<Format>().map_err(|e| CommandError::InvalidValue {
                            command: c,
                            what: "format",
                            value: v.to_string(),
                            why: e.to_string(),
                        })
                    })
                    .transpose()?,
            }),
            "perfmonitor_plot" => Command::Plot(PlotArgs {
                metrics: p.value("metrics").map(str::to_string),
                cell: opt_range(&p)?,
                level: opt_level(&p)?,
                save_jpeg: p.value("save-jpeg").map(|v| {
                    let lower = v.to_ascii_lowercase();
                    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
                        PathBuf::from(v)
                    } else {
                        PathBuf::from(format!("{v}.jpg"))
                    }
                }),
                save: p.value("save").map(PathBuf::from),
                pickle: p.value("pickle").map(PathBuf::from),
                backend: p.value("backend").map(str::to_string),
                live: p
                    .values("live")
                    .map(|vs| {
                        vs.iter()
                            .map(|v| {
                                interval(c, v).map_err(|_| CommandError::InvalidValue {
                                    command: c,
                                    what: "--live value",
                                    value: v.clone(),
                                    why: "expected seconds > 0: --live [INTERVAL [WINDOW]]".into(),
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?,
                show_idle: p.flag("show-idle"),
            }),
            "perfmonitor_enable_perfreports" => Command::EnablePerfReports {
                level: opt_level(&p)?,
                interval: p.value("interval").map(|v| interval(c, v)).transpose()?,
                text: p.flag("text"),
            },
            "perfmonitor_disable_perfreports" => Command::DisablePerfReports,
            "perfmonitor_export_perfdata" => Command::ExportPerfData {
                file: p.value("file").map(|v| data_file(c, v)).transpose()?,
                level: opt_level(&p)?,
                name: p.value("name").map(str::to_string),
            },
            "perfmonitor_export_cell_history" => Command::ExportCellHistory {
                file: p.value("file").map(|v| data_file(c, v)).transpose()?,
                name: p.value("name").map(str::to_string),
            },
            "perfmonitor_load_perfdata" => Command::LoadPerfData {
                file: PathBuf::from(p.positional(0).unwrap_or_default()),
            },
            "perfmonitor_load_cell_history" => Command::LoadCellHistory {
                file: PathBuf::from(p.positional(0).unwrap_or_default()),
            },
            "perfmonitor_fast_setup" => Command::FastSetup,
            "show_cell_history" => Command::ShowCellHistory,
            "export_session" => Command::ExportSession {
                path: p.positional(0).map(PathBuf::from),
            },
            "import_session" => Command::ImportSession {
                path: PathBuf::from(p.positional(0).unwrap_or_default()),
            },
            "start_write_script" => Command::StartWriteScript {
                path: p.positional(0).map(PathBuf::from),
            },
            "end_write_script" => Command::EndWriteScript,
            other => return Err(CommandError::UnknownCommand(other.to_string())),
        })
    }

    /// The command's canonical name (JUmPER's magic name).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help => "perfmonitor_help",
            Command::Resources => "perfmonitor_resources",
            Command::Start { .. } => "perfmonitor_start",
            Command::Stop => "perfmonitor_stop",
            Command::PerfReport(_) => "perfmonitor_perfreport",
            Command::Plot(_) => "perfmonitor_plot",
            Command::EnablePerfReports { .. } => "perfmonitor_enable_perfreports",
            Command::DisablePerfReports => "perfmonitor_disable_perfreports",
            Command::ExportPerfData { .. } => "perfmonitor_export_perfdata",
            Command::ExportCellHistory { .. } => "perfmonitor_export_cell_history",
            Command::LoadPerfData { .. } => "perfmonitor_load_perfdata",
            Command::LoadCellHistory { .. } => "perfmonitor_load_cell_history",
            Command::FastSetup => "perfmonitor_fast_setup",
            Command::ShowCellHistory => "show_cell_history",
            Command::ExportSession { .. } => "export_session",
            Command::ImportSession { .. } => "import_session",
            Command::StartWriteScript { .. } => "start_write_script",
            Command::EndWriteScript => "end_write_script",
        }
    }

    /// Whether the command starts or ends script recording (such cells are not recorded).
    pub fn is_recording_control(&self) -> bool {
        jumper_script::recorder::CONTROL_COMMANDS.contains(&self.name())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Command {
        Command::parse(s).unwrap()
    }
    fn e(s: &str) -> String {
        Command::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn parses_every_command_with_jumper_defaults() {
        assert_eq!(p("%perfmonitor_help"), Command::Help);
        assert_eq!(p("perfmonitor_start"), Command::Start { interval: None });
        assert_eq!(
            p("%perfmonitor_start 0.25"),
            Command::Start {
                interval: Some(0.25)
            }
        );
        assert_eq!(
            p("%perfmonitor_perfreport --cell 2:4 --level user --text"),
            Command::PerfReport(ReportArgs {
                cell: Some(CellRange::parse("2:4").unwrap()),
                level: Some(Level::User),
                text: true,
                format: None,
            })
        );
        assert_eq!(
            p("%perfmonitor_perfreport --cell=-3: --format json"),
            Command::PerfReport(ReportArgs {
                cell: Some(CellRange::parse("-3:").unwrap()),
                format: Some(Format::Json),
                ..Default::default()
            })
        );
        assert_eq!(
            p("%perfmonitor_enable_perfreports --level system --interval 0.5 --text --cell 1"),
            Command::EnablePerfReports {
                level: Some(Level::System),
                interval: Some(0.5),
                text: true
            }
        );
        assert_eq!(
            p("%perfmonitor_export_perfdata --file perf --level user"),
            Command::ExportPerfData {
                file: Some("perf.csv".into()),
                level: Some(Level::User),
                name: None
            }
        );
        assert_eq!(p("%cell_history"), Command::ShowCellHistory);
        assert_eq!(
            p("%export_session 'out dir.zip'"),
            Command::ExportSession {
                path: Some("out dir.zip".into())
            }
        );
        assert_eq!(
            p("%perfmonitor_load_perfdata perf.json"),
            Command::LoadPerfData {
                file: "perf.json".into()
            }
        );
        let Command::Plot(a) =
            p("%perfmonitor_plot --metrics cpu,io_read --save-jpeg fig --live 1 60 --show-idle")
        else {
            panic!("not a plot")
        };
        assert_eq!(a.metrics.as_deref(), Some("cpu,io_read"));
        assert_eq!(a.save_jpeg, Some(PathBuf::from("fig.jpg")));
        assert_eq!(a.live, Some(vec![1.0, 60.0]));
        assert!(a.show_idle);
        let Command::Plot(a) = p("%perfmonitor_plot --live --level user") else {
            panic!("not a plot")
        };
        assert_eq!(a.live, Some(vec![]));
        assert_eq!(a.level, Some(Level::User));
    }

    #[test]
    fn options_may_be_abbreviated_when_unambiguous() {
        assert_eq!(
            p("%perfmonitor_perfreport --lev user --t"),
            Command::PerfReport(ReportArgs {
                level: Some(Level::User),
                text: true,
                ..Default::default()
            })
        );
        assert_eq!(
            e("%perfmonitor_plot --s x.png"),
            "perfmonitor_plot: option '--s' is ambiguous; it could be --save-jpeg, --save, --show-idle"
        );
    }

    #[test]
    fn bad_input_gets_one_clear_line() {
        assert_eq!(
            e("%perfmonitor_bogus"),
            "unknown command 'perfmonitor_bogus'; run %perfmonitor_help for the list of commands"
        );
        assert_eq!(
            e("%perfmonitor_start abc"),
            "perfmonitor_start: invalid interval 'abc': expected a number of seconds > 0, e.g. 0.1"
        );
        for bad in ["0", "-1", "nan", "inf"] {
            assert!(
                e(&format!("%perfmonitor_start {bad}")).contains("must be a number of seconds > 0"),
                "{bad}"
            );
        }
        assert_eq!(
            e("%perfmonitor_perfreport --level gpu"),
            format!(
                "perfmonitor_perfreport: invalid level 'gpu': valid levels: {}",
                known_levels()
            )
        );
        assert!(e("%perfmonitor_perfreport --cell 2-4")
            .starts_with("perfmonitor_perfreport: invalid cell range '2-4': use N, A:B, :B or A:"));
        assert_eq!(
            e("%perfmonitor_perfreport --bogus"),
            "perfmonitor_perfreport: unknown option '--bogus'; valid options: --cell, --level, --text, --format"
        );
        assert_eq!(
            e("%perfmonitor_perfreport --cell"),
            "perfmonitor_perfreport: option --cell needs a value"
        );
        assert_eq!(
            e("%perfmonitor_export_perfdata --file perf.txt"),
            "perfmonitor_export_perfdata: invalid file 'perf.txt': unsupported format 'txt'; supported formats: csv, json"
        );
        assert_eq!(
            e("%import_session"),
            "import_session: missing argument PATH"
        );
        assert_eq!(
            e("%perfmonitor_stop now"),
            "perfmonitor_stop: unexpected argument 'now'"
        );
        assert!(e("%perfmonitor_perfreport --format pdf").contains("invalid format 'pdf'"));
        assert!(e("%export_session 'unclosed").starts_with("unterminated quote"));
    }

    #[test]
    fn names_round_trip_and_help_lists_every_command() {
        for (usage, _) in COMMANDS {
            let name = usage.split_whitespace().next().unwrap();
            assert!(is_command(name), "{name}");
        }
        assert_eq!(command_name("  %perfmonitor_start 1"), "perfmonitor_start");
        assert!(p("%start_write_script x.py").is_recording_control());
        assert!(!p("%perfmonitor_stop").is_recording_control());
        for w in ["plain.csv", "with space.csv", "it's", "", "a\\b\"c"] {
            assert_eq!(lex::split(&quote(w)).unwrap(), [w], "{w}");
        }
    }
}
