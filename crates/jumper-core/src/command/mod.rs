//! The command language (DESIGN.md §3): JUmPER's magics as typed values.
//!
//! A line such as `%perfmonitor_perfreport --cell 2:5 --level user` (the `%` is optional) is
//! parsed into a [`Command`] with JUmPER's names, options and defaults. Parsing checks what can
//! be checked without a session — option names, numbers, level names, range syntax, file
//! extensions — so a typo is reported before anything runs; what depends on the session (is
//! the level monitored? is the range inside the history?) is checked when the command runs.
//!
//! Options follow argparse as JUmPER uses it: `--opt value` or `--opt=value`, and an option may
//! be shortened to any unambiguous prefix (`--lev user`). Words are split like Python's
//! `shlex.split` (POSIX shell rules; a word starting with `#` begins a comment). Unlike JUmPER,
//! a bad argument is one clear line (an error value), never an exit of the interpreter.
//!
//! Every command is one entry of the table [`COMMANDS`] ([`CommandSpec`]: name, aliases,
//! options with kinds, defaults and help, positionals, and flags such as
//! [`CommandSpec::starts_monitoring`]). Parsing ([`Command::parse`]), the help text
//! ([`help`]), completion ([`complete`]) and the replay rules are derived from it.
//!
//! - `table`: the command table;
//! - `parse`: splitting and argparse-style parsing against the table;
//! - `types`: the typed commands;
//! - `help`: the `%perfmonitor_help` text;
//! - `complete`: completion for frontends;
//! - `error`: why a line was refused.

mod complete;
mod error;
mod help;
mod parse;
mod table;
mod types;

pub use complete::{complete, Completions};
pub use error::CommandError;
pub use help::help;
pub use parse::{command_name, is_command, known_levels, quote, spec_of_line};
pub use table::{
    lookup, ArgKind, CommandSpec, OptSpec, PosSpec, ValueKind, COMMANDS, DISABLE_PERFREPORTS,
    ENABLE_PERFREPORTS, END_WRITE_SCRIPT, EXPORT_CELL_HISTORY, EXPORT_PERFDATA, EXPORT_SESSION,
    FAST_SETUP, HELP, IMPORT_SESSION, LOAD_CELL_HISTORY, LOAD_PERFDATA, PERFREPORT, PLOT,
    RESOURCES, SHOW_CELL_HISTORY, START, START_WRITE_SCRIPT, STOP,
};
pub use types::{Command, PlotArgs, ReportArgs};

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_data::{CellRange, Level};
    use jumper_report::Format;
    use std::path::PathBuf;

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
        assert!(!a.live_off);
        // jumper's additions: --interval and --live off.
        let Command::Plot(a) = p("%perfmonitor_plot --live --metrics cpu,memory --interval 0.5")
        else {
            panic!("not a plot")
        };
        assert_eq!(
            (a.live, a.interval, a.metrics.as_deref(), a.live_off),
            (Some(vec![]), Some(0.5), Some("cpu,memory"), false)
        );
        let Command::Plot(a) = p("%perfmonitor_plot --live off") else {
            panic!("not a plot")
        };
        assert!(a.live_off);
        assert_eq!(a.live, Some(vec![]));
        assert!(e("%perfmonitor_plot --live off 2").contains("invalid --live value 'off'"));
        assert!(
            e("%perfmonitor_plot --live --interval 0").contains("must be a number of seconds > 0")
        );
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
        for spec in COMMANDS {
            assert!(is_command(spec.name), "{}", spec.name);
        }
        assert_eq!(command_name("  %perfmonitor_start 1"), "perfmonitor_start");
        assert!(p("%start_write_script x.py").is_recording_control());
        assert!(!p("%perfmonitor_stop").is_recording_control());
        for w in ["plain.csv", "with space.csv", "it's", "", "a\\b\"c"] {
            assert_eq!(parse::split(&quote(w)).unwrap(), [w], "{w}");
        }
    }

    /// A line that parses for `spec`: its required positionals filled in.
    fn minimal_line(spec: &CommandSpec) -> String {
        let mut line = format!("%{}", spec.name);
        for p in spec.positionals.iter().filter(|p| p.required) {
            line.push_str(&format!(" some.{}", p.name.to_lowercase()));
        }
        line
    }

    #[test]
    fn the_table_is_the_one_source_of_names_flags_and_usage() {
        let mut seen = std::collections::HashSet::new();
        for spec in COMMANDS {
            for n in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                assert!(seen.insert(n), "{n} is in the table twice");
                // Every name and alias parses to the command whose spec it is.
                let mut line = minimal_line(spec);
                line = line.replacen(spec.name, n, 1);
                let cmd = p(&line);
                assert_eq!(cmd.name(), spec.name, "{line}");
                assert_eq!(cmd.spec().usage(), spec.usage());
            }
            // The recording-control flag agrees with the script recorder's own list.
            assert_eq!(
                spec.recording_control,
                jumper_script::recorder::CONTROL_COMMANDS.contains(&spec.name),
                "{}",
                spec.name
            );
            // Every option in the table parses, spelled out and with `=` for values.
            for o in spec.options {
                let value = match o.arg {
                    ArgKind::Flag => String::new(),
                    ArgKind::Value(k) | ArgKind::Values(k) => match k {
                        ValueKind::Level => " user".into(),
                        ValueKind::CellRange => " 1:2".into(),
                        ValueKind::Format => " json".into(),
                        ValueKind::Interval | ValueKind::Seconds => " 0.5".into(),
                        ValueKind::DataFile => " out.json".into(),
                        _ => " x.png".into(),
                    },
                };
                let line = format!("{} --{}{value}", minimal_line(spec), o.name);
                assert!(Command::parse(&line).is_ok(), "{line}");
            }
        }
        assert_eq!(
            PERFREPORT.usage(),
            "perfmonitor_perfreport [--cell R] [--level L] [--text] [--format F]"
        );
        assert_eq!(START.usage(), "perfmonitor_start [INTERVAL]");
        assert_eq!(IMPORT_SESSION.usage(), "import_session PATH");
        let starts: Vec<&str> = COMMANDS
            .iter()
            .filter(|c| c.starts_monitoring)
            .map(|c| c.name)
            .collect();
        assert_eq!(
            starts,
            [
                "perfmonitor_start",
                "perfmonitor_enable_perfreports",
                "perfmonitor_fast_setup",
                "import_session"
            ]
        );
        assert_eq!(
            spec_of_line("  %cell_history").map(|s| s.name),
            Some("show_cell_history")
        );
        assert!(spec_of_line("print(1)").is_none());
    }

    #[test]
    fn help_shows_every_visible_option_with_its_default() {
        let h = help(false);
        for spec in COMMANDS {
            assert!(h.contains(&format!("%{}", spec.usage())), "{}", spec.name);
            for o in spec.options.iter().filter(|o| !o.hidden) {
                assert!(h.contains(&format!("--{}", o.name)), "{}", o.name);
            }
        }
        assert!(h.contains("%cell_history"));
        assert!(h.contains("monitoring level (default: process)"), "{h}");
        assert!(h.contains("--live off ends it"), "{h}");
        for hidden in ["--pickle", "--backend"] {
            assert!(!h.contains(hidden), "{hidden}");
        }
        assert!(!h.contains("  slurm "));
        assert!(help(true).contains("  slurm "));
    }

    #[test]
    fn shlex_forms_still_split_as_in_jumper() {
        assert_eq!(
            parse::split(r#"--file 'my file.csv' "a \"b\"" c\ d"#).unwrap(),
            ["--file", "my file.csv", "a \"b\"", "c d"]
        );
        assert_eq!(
            p(r#"%export_session "dir with \"quotes\"""#),
            Command::ExportSession {
                path: Some(PathBuf::from("dir with \"quotes\""))
            }
        );
        assert_eq!(
            p("%perfmonitor_export_perfdata --file=out\\ put.json --lev=user"),
            Command::ExportPerfData {
                file: Some("out put.json".into()),
                level: Some(Level::User),
                name: None
            }
        );
        assert!(matches!(
            Command::parse("%export_session \"open"),
            Err(CommandError::Quote(_))
        ));
    }

    fn c(line: &str) -> Vec<String> {
        complete(line, line.len()).matches
    }

    #[test]
    fn completes_command_names_options_and_values() {
        assert_eq!(
            c("%perfmonitor_st"),
            ["%perfmonitor_start", "%perfmonitor_stop"]
        );
        assert_eq!(c("%cell"), ["%cell_history"]);
        assert_eq!(c("perfmonitor_fa"), ["perfmonitor_fast_setup"]);
        assert_eq!(c("%export_"), ["%export_session"]);
        assert_eq!(c("%").len(), COMMANDS.len() + 1, "every name and the alias");
        assert!(c("").is_empty());
        assert!(c("%bogus --le").is_empty());
        assert_eq!(
            c("%perfmonitor_perfreport --"),
            ["--cell", "--level", "--text", "--format"]
        );
        assert_eq!(
            c("%perfmonitor_perfreport --text -"),
            ["--cell", "--level", "--format"]
        );
        assert_eq!(
            c("%perfmonitor_plot --s"),
            ["--save-jpeg", "--save", "--show-idle"]
        );
        assert_eq!(
            c("%perfmonitor_perfreport --level "),
            ["process", "user", "system"]
        );
        assert_eq!(c("%perfmonitor_perfreport --lev u"), ["user"]);
        assert_eq!(
            c("%perfmonitor_perfreport --format=m"),
            ["--format=markdown"]
        );
        assert_eq!(c("%perfmonitor_perfreport --cell "), Vec::<String>::new());
        assert_eq!(c("%perfmonitor_stop "), Vec::<String>::new());
        assert_eq!(
            c("%perfmonitor_enable_perfreports "),
            ["--level", "--interval", "--text"]
        );
        // The word replaced, as a kernel's complete_reply needs it.
        let r = complete("x = 1\n%perfmonitor_perfreport --fo 2:3", 34);
        assert_eq!(r.matches, ["--format"]);
        assert_eq!(
            &"x = 1\n%perfmonitor_perfreport --fo 2:3"[r.start..r.end],
            "--fo"
        );
        // A cursor inside a character or past the end is clamped.
        assert_eq!(complete("%é", 2).end, 1);
        assert_eq!(
            complete("%perfmonitor_h", 99).matches,
            ["%perfmonitor_help"]
        );
    }
}
