//! The command table: every command of the language, its options and positionals with their
//! kinds, defaults and help, and what it means for replays and recordings. Parsing, the
//! `%perfmonitor_help` text, completion and the replay rules are all derived from it.

use super::parse::Args;
use super::types::{Command, PlotArgs, ReportArgs};
use super::CommandError;

/// What a value of an option or positional means: how it is checked, shown and completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// Seconds between samples, > 0.
    Interval,
    /// Seconds, > 0 (e.g. `--live` values).
    Seconds,
    /// A monitoring level (`process`, `user`, `system`, `slurm` in a SLURM job).
    Level,
    /// A cell range: `N`, `A:B`, `:B`, `A:` (inclusive, negative from the end).
    CellRange,
    /// A report format: `text`, `json`, `html`, `markdown`.
    Format,
    /// A `.csv` or `.json` data file (`.csv` appended to a name without extension).
    DataFile,
    /// A JPEG file (`.jpg` appended unless the name ends in `.jpg` or `.jpeg`).
    JpegFile,
    /// Any file or directory path.
    Path,
    /// Metric keys or subset names, comma separated.
    Metrics,
    /// A name under which data is handed to the frontend.
    Name,
    /// Free text.
    Text,
}

impl ValueKind {
    /// The placeholder shown in usage lines, e.g. `R` for a cell range.
    pub fn metavar(self) -> &'static str {
        match self {
            ValueKind::Interval | ValueKind::Seconds => "S",
            ValueKind::Level => "L",
            ValueKind::CellRange => "R",
            ValueKind::Format | ValueKind::DataFile | ValueKind::JpegFile | ValueKind::Path => "F",
            ValueKind::Metrics => "a,b",
            ValueKind::Name => "N",
            ValueKind::Text => "T",
        }
    }

    /// The values a completion offers (empty when any value goes).
    pub fn choices(self) -> Vec<String> {
        match self {
            ValueKind::Level => super::parse::level_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ValueKind::Format => ["text", "json", "html", "markdown"]
                .map(String::from)
                .to_vec(),
            _ => Vec::new(),
        }
    }
}

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgKind {
    /// Nothing: `--text`.
    Flag,
    /// One value: `--cell 2:4` or `--cell=2:4`.
    Value(ValueKind),
    /// Zero or more values (argparse `nargs="*"`): `--live 1 60`.
    Values(ValueKind),
}

/// One `--option` of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OptSpec {
    /// The name without `--`.
    pub name: &'static str,
    /// What it takes.
    pub arg: ArgKind,
    /// The default, as shown in help (`None`: no value / not set).
    pub default: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
    /// Accepted for JUmPER's scripts but not shown in usage lines or completions.
    pub hidden: bool,
}

/// One positional argument of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PosSpec {
    /// Its name in usage lines and errors, e.g. `PATH`.
    pub name: &'static str,
    /// What it means.
    pub value: ValueKind,
    /// Whether it must be given.
    pub required: bool,
}

/// One command of the language.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct CommandSpec {
    /// JUmPER's name, without `%`.
    pub name: &'static str,
    /// Other names that mean the same command.
    pub aliases: &'static [&'static str],
    /// One line saying what it does.
    pub summary: &'static str,
    /// Its `--options`, in the order of the help text.
    pub options: &'static [OptSpec],
    /// Its positional arguments, required ones first.
    pub positionals: &'static [PosSpec],
    /// Whether it gives the session data to report on (starts monitoring or attaches an
    /// imported session), so a replay must not start monitoring before it.
    pub starts_monitoring: bool,
    /// Whether it starts or ends script recording (such cells are not recorded).
    pub recording_control: bool,
    /// Builds the typed command from the parsed arguments.
    pub(crate) build: fn(&Args) -> Result<Command, CommandError>,
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .field("aliases", &self.aliases)
            .field("options", &self.options)
            .field("positionals", &self.positionals)
            .finish_non_exhaustive()
    }
}

impl CommandSpec {
    /// Whether `name` (without `%`) is this command's name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// The usage line, e.g. `perfmonitor_perfreport [--cell R] [--level L] [--text] [--format F]`.
    pub fn usage(&self) -> String {
        let mut s = self.name.to_string();
        for o in self.options.iter().filter(|o| !o.hidden) {
            match o.arg {
                ArgKind::Flag => s.push_str(&format!(" [--{}]", o.name)),
                ArgKind::Value(k) => s.push_str(&format!(" [--{} {}]", o.name, k.metavar())),
                ArgKind::Values(k) => s.push_str(&format!(" [--{} [{}...]]", o.name, k.metavar())),
            }
        }
        for p in self.positionals {
            if p.required {
                s.push_str(&format!(" {}", p.name));
            } else {
                s.push_str(&format!(" [{}]", p.name));
            }
        }
        s
    }

    /// The option called `name` exactly.
    pub fn option(&self, name: &str) -> Option<&'static OptSpec> {
        self.options.iter().find(|o| o.name == name)
    }
}

const fn flag(name: &'static str, help: &'static str) -> OptSpec {
    OptSpec {
        name,
        arg: ArgKind::Flag,
        default: None,
        help,
        hidden: false,
    }
}

const fn value(
    name: &'static str,
    kind: ValueKind,
    default: Option<&'static str>,
    help: &'static str,
) -> OptSpec {
    OptSpec {
        name,
        arg: ArgKind::Value(kind),
        default,
        help,
        hidden: false,
    }
}

const fn hidden(mut o: OptSpec) -> OptSpec {
    o.hidden = true;
    o
}

const fn pos(name: &'static str, value: ValueKind, required: bool) -> PosSpec {
    PosSpec {
        name,
        value,
        required,
    }
}

const fn command(
    name: &'static str,
    summary: &'static str,
    build: fn(&Args) -> Result<Command, CommandError>,
) -> CommandSpec {
    CommandSpec {
        name,
        aliases: &[],
        summary,
        options: &[],
        positionals: &[],
        starts_monitoring: false,
        recording_control: false,
        build,
    }
}

const CELL: OptSpec = value(
    "cell",
    ValueKind::CellRange,
    None,
    "cells to cover: N, A:B, :B, A: (default: the last cell)",
);
const LEVEL: OptSpec = value(
    "level",
    ValueKind::Level,
    Some("process"),
    "monitoring level",
);
const TEXT: OptSpec = flag("text", "plain text instead of HTML");

/// `%perfmonitor_help`.
pub const HELP: CommandSpec = command("perfmonitor_help", "show this help", |_| Ok(Command::Help));

/// `%perfmonitor_resources`.
pub const RESOURCES: CommandSpec = command(
    "perfmonitor_resources",
    "show CPUs, memory and its limits, GPUs",
    |_| Ok(Command::Resources),
);

/// `%perfmonitor_start [INTERVAL]`.
pub const START: CommandSpec = CommandSpec {
    positionals: &[pos("INTERVAL", ValueKind::Interval, false)],
    starts_monitoring: true,
    ..command(
        "perfmonitor_start",
        "start monitoring (interval in seconds, default 1.0)",
        |a| {
            Ok(Command::Start {
                interval: a.positional_interval(0)?,
            })
        },
    )
};

/// `%perfmonitor_stop`.
pub const STOP: CommandSpec = command(
    "perfmonitor_stop",
    "stop monitoring (data stays available)",
    |_| Ok(Command::Stop),
);

/// `%perfmonitor_perfreport`.
pub const PERFREPORT: CommandSpec = CommandSpec {
    options: &[
        CELL,
        LEVEL,
        TEXT,
        value(
            "format",
            ValueKind::Format,
            None,
            "text, json, html or markdown (default: html, or text with --text)",
        ),
    ],
    ..command(
        "perfmonitor_perfreport",
        "report for a cell range (default: the last cell)",
        |a| {
            Ok(Command::PerfReport(ReportArgs {
                cell: a.range("cell")?,
                level: a.level("level")?,
                text: a.flag("text"),
                format: a.format("format")?,
            }))
        },
    )
};

/// `%perfmonitor_plot`.
pub const PLOT: CommandSpec = CommandSpec {
    options: &[
        value(
            "metrics",
            ValueKind::Metrics,
            None,
            "metric keys or subsets (cpu, mem, io, gpu, ...)",
        ),
        value(
            "cell",
            ValueKind::CellRange,
            None,
            "cells to plot: N, A:B, :B, A:",
        ),
        LEVEL,
        value(
            "save-jpeg",
            ValueKind::JpegFile,
            None,
            "write the plot as JPEG (.jpg appended)",
        ),
        value(
            "save",
            ValueKind::Path,
            None,
            "write the plot: .png, .svg, .jpg or .html (dashboard)",
        ),
        hidden(value(
            "pickle",
            ValueKind::Path,
            None,
            "accepted for JUmPER scripts; ignored",
        )),
        hidden(value(
            "backend",
            ValueKind::Text,
            None,
            "accepted for JUmPER scripts; ignored",
        )),
        OptSpec {
            arg: ArgKind::Values(ValueKind::Seconds),
            ..flag(
                "live",
                "a live plot in a notebook: --live [INTERVAL [WINDOW]] (default 2 s, 120 s); --live off ends it",
            )
        },
        value(
            "interval",
            ValueKind::Seconds,
            None,
            "seconds between live plot frames (overrides INTERVAL of --live)",
        ),
        flag("show-idle", "keep idle time between cells on the time axis"),
    ],
    ..command(
        "perfmonitor_plot",
        "plot metrics (default: the interactive dashboard)",
        |a| {
            Ok(Command::Plot(PlotArgs {
                metrics: a.string("metrics"),
                cell: a.range("cell")?,
                level: a.level("level")?,
                save_jpeg: a.jpeg_file("save-jpeg"),
                save: a.path("save"),
                pickle: a.path("pickle"),
                backend: a.string("backend"),
                live: a.seconds_list("live")?,
                live_off: a.live_off("live"),
                interval: a.seconds("interval")?,
                show_idle: a.flag("show-idle"),
            }))
        },
    )
};

/// `%perfmonitor_enable_perfreports`.
pub const ENABLE_PERFREPORTS: CommandSpec = CommandSpec {
    options: &[
        LEVEL,
        value(
            "interval",
            ValueKind::Interval,
            Some("1.0"),
            "seconds between samples, if this starts monitoring",
        ),
        TEXT,
        // JUmPER's parser accepts --cell here and ignores it.
        hidden(CELL),
    ],
    starts_monitoring: true,
    ..command(
        "perfmonitor_enable_perfreports",
        "report after every cell",
        |a| {
            Ok(Command::EnablePerfReports {
                level: a.level("level")?,
                interval: a.interval("interval")?,
                text: a.flag("text"),
            })
        },
    )
};

/// `%perfmonitor_disable_perfreports`.
pub const DISABLE_PERFREPORTS: CommandSpec = command(
    "perfmonitor_disable_perfreports",
    "stop reporting after every cell",
    |_| Ok(Command::DisablePerfReports),
);

/// `%perfmonitor_export_perfdata`.
pub const EXPORT_PERFDATA: CommandSpec = CommandSpec {
    options: &[
        value(
            "file",
            ValueKind::DataFile,
            None,
            ".csv or .json file (default: hand the data to the frontend)",
        ),
        LEVEL,
        value(
            "name",
            ValueKind::Name,
            Some("perfdata_df"),
            "name of the data in the frontend",
        ),
    ],
    ..command(
        "perfmonitor_export_perfdata",
        "export performance data (.csv or .json)",
        |a| {
            Ok(Command::ExportPerfData {
                file: a.data_file("file")?,
                level: a.level("level")?,
                name: a.string("name"),
            })
        },
    )
};

/// `%perfmonitor_export_cell_history`.
pub const EXPORT_CELL_HISTORY: CommandSpec = CommandSpec {
    options: &[
        value(
            "file",
            ValueKind::DataFile,
            None,
            ".csv or .json file (default: hand the data to the frontend)",
        ),
        value(
            "name",
            ValueKind::Name,
            Some("cell_history_df"),
            "name of the data in the frontend",
        ),
    ],
    ..command(
        "perfmonitor_export_cell_history",
        "export the cell history (.csv or .json)",
        |a| {
            Ok(Command::ExportCellHistory {
                file: a.data_file("file")?,
                name: a.string("name"),
            })
        },
    )
};

/// `%perfmonitor_load_perfdata FILE`.
pub const LOAD_PERFDATA: CommandSpec = CommandSpec {
    positionals: &[pos("FILE", ValueKind::Path, true)],
    ..command(
        "perfmonitor_load_perfdata",
        "load performance data from a .csv or .json file",
        |a| {
            Ok(Command::LoadPerfData {
                file: a.positional_path(0).unwrap_or_default(),
            })
        },
    )
};

/// `%perfmonitor_load_cell_history FILE`.
pub const LOAD_CELL_HISTORY: CommandSpec = CommandSpec {
    positionals: &[pos("FILE", ValueKind::Path, true)],
    ..command(
        "perfmonitor_load_cell_history",
        "load a cell history from a .csv or .json file",
        |a| {
            Ok(Command::LoadCellHistory {
                file: a.positional_path(0).unwrap_or_default(),
            })
        },
    )
};

/// `%perfmonitor_fast_setup`.
pub const FAST_SETUP: CommandSpec = CommandSpec {
    starts_monitoring: true,
    ..command(
        "perfmonitor_fast_setup",
        "start monitoring at 1 s with a report after every cell",
        |_| Ok(Command::FastSetup),
    )
};

/// `%show_cell_history` (alias `%cell_history`).
pub const SHOW_CELL_HISTORY: CommandSpec = CommandSpec {
    aliases: &["cell_history"],
    ..command("show_cell_history", "show the cells run so far", |_| {
        Ok(Command::ShowCellHistory)
    })
};

/// `%export_session [PATH|PATH.zip]`.
pub const EXPORT_SESSION: CommandSpec = CommandSpec {
    positionals: &[pos("PATH", ValueKind::Path, false)],
    ..command(
        "export_session",
        "export the whole session to a directory or .zip (JUmPER can import it)",
        |a| {
            Ok(Command::ExportSession {
                path: a.positional_path(0),
            })
        },
    )
};

/// `%import_session PATH`.
pub const IMPORT_SESSION: CommandSpec = CommandSpec {
    positionals: &[pos("PATH", ValueKind::Path, true)],
    starts_monitoring: true,
    ..command(
        "import_session",
        "import a session written by jumper or JUmPER",
        |a| {
            Ok(Command::ImportSession {
                path: a.positional_path(0).unwrap_or_default(),
            })
        },
    )
};

/// `%start_write_script [PATH]`.
pub const START_WRITE_SCRIPT: CommandSpec = CommandSpec {
    positionals: &[pos("PATH", ValueKind::Path, false)],
    recording_control: true,
    ..command(
        "start_write_script",
        "record the cells that run next as a monitored script",
        |a| {
            Ok(Command::StartWriteScript {
                path: a.positional_path(0),
            })
        },
    )
};

/// `%end_write_script`.
pub const END_WRITE_SCRIPT: CommandSpec = CommandSpec {
    recording_control: true,
    ..command(
        "end_write_script",
        "stop recording and write the script",
        |_| Ok(Command::EndWriteScript),
    )
};

/// Every command, in the order of the help text.
pub static COMMANDS: &[CommandSpec] = &[
    HELP,
    RESOURCES,
    START,
    STOP,
    PERFREPORT,
    PLOT,
    ENABLE_PERFREPORTS,
    DISABLE_PERFREPORTS,
    EXPORT_PERFDATA,
    EXPORT_CELL_HISTORY,
    LOAD_PERFDATA,
    LOAD_CELL_HISTORY,
    FAST_SETUP,
    SHOW_CELL_HISTORY,
    EXPORT_SESSION,
    IMPORT_SESSION,
    START_WRITE_SCRIPT,
    END_WRITE_SCRIPT,
];

/// The command called `name` (without `%`; aliases count).
pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.answers_to(name))
}
