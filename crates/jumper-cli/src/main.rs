//! `jumper`: per-cell performance monitoring from the command line.
//!
//! A thin frontend over `jumper-core`: it parses arguments, runs commands as cells and prints
//! what the service reports. Exit codes are in [`exit`].

mod agent;
mod exit;
mod job;
mod kernel;
mod live;
mod metrics;
mod offline;
mod replay;
mod run;
mod serve;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Per-cell performance monitoring: CPU, memory, I/O and GPU at process, user, system and
/// SLURM-job level.
#[derive(Debug, Parser)]
#[command(name = "jumper", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a command as one monitored cell; its output and exit status pass through.
    Run(run::RunArgs),
    /// Run a monitored script (cells marked `# %%`, `%` command lines) in one persistent
    /// interpreter. Exit status 0 when every cell succeeded, 1 when one failed.
    Replay(replay::ReplayArgs),
    /// Sample this node of a SLURM job (default levels slurm,system) into DIR/NODE/ until
    /// SIGTERM/SIGINT or the job step ends; `jumper report DIR` joins it to the job's cells.
    Agent(agent::AgentArgs),
    /// Watch a running process tree (--pid), or the user and system levels, in the live
    /// terminal view; the usual report follows when the view closes.
    Watch(watch::WatchArgs),
    /// Report on a session (ours or JUmPER's) for a cell range and level.
    Report(offline::ReportArgs),
    /// Plot a session: PNG, SVG or JPEG figures, or an interactive offline HTML dashboard.
    Plot(offline::PlotArgs),
    /// Show or write a session's cell history.
    History(offline::HistoryArgs),
    /// Export a session's perf data (and cell history) as CSV or JSON, or as metrics
    /// (OpenMetrics for backfill, Prometheus text for the textfile collector).
    Export(offline::ExportArgs),
    /// Push a session to a metrics backend: Influx line protocol (VictoriaMetrics, InfluxDB,
    /// cc-metric-store) or a Prometheus Pushgateway.
    Push(metrics::PushArgs),
    /// jumper as a Jupyter kernel: install, list and uninstall kernelspecs that wrap an
    /// existing kernel (python3, ir, julia, ...) and measure every cell.
    Kernel {
        #[command(subcommand)]
        command: kernel::KernelCommand,
    },
    /// Show the hardware: CPUs, affinity, memory and its limits, GPUs.
    Resources {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // A bad value or option is one line; clap's longer messages (a missing argument
            // with its usage) are kept as they are.
            match e.kind() {
                K::InvalidValue
                | K::ValueValidation
                | K::UnknownArgument
                | K::InvalidSubcommand
                | K::NoEquals
                | K::TooManyValues
                | K::ArgumentConflict => {
                    let text = e.render().to_string();
                    let first = text.lines().next().unwrap_or("bad usage");
                    let first = first.strip_prefix("error: ").unwrap_or(first);
                    eprintln!("jumper: {first} (see --help)");
                }
                _ => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(exit::USAGE as u8);
        }
    };
    let code = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Replay(args) => replay::replay(args),
        Command::Agent(args) => agent::agent(args),
        Command::Watch(args) => watch::watch(args),
        Command::Report(args) => offline_status(offline::report(args)),
        Command::Plot(args) => offline_status(offline::plot(args)),
        Command::History(args) => offline_status(offline::history(args)),
        Command::Export(args) => match offline::export_metrics(&args) {
            Some(code) => code,
            None => offline_status(offline::export(args)),
        },
        Command::Push(args) => metrics::push(args),
        Command::Kernel { command } => kernel::kernel(command),
        Command::Resources { json } => resources(json),
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Exit status of an offline command: bad input (a missing session, an unknown level) is a
/// usage error, a failure to write is jumper's.
fn offline_status(r: anyhow::Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("jumper: {}", one_line(&e));
            let write_failed = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some()
                    || matches!(
                        c.downcast_ref::<jumper_core::ServiceError>(),
                        Some(jumper_core::ServiceError::Write { .. })
                    )
            });
            if write_failed {
                exit::JUMPER_FAILED
            } else {
                exit::USAGE
            }
        }
    }
}

/// Options of the commands that monitor (`run`, `replay`): levels and what to write at the end.
#[derive(Debug, clap::Args)]
pub(crate) struct Outputs {
    /// Levels to sample, comma separated (process, user, system; slurm inside a SLURM job).
    #[arg(long, value_delimiter = ',', value_parser = jumper_core::frontend::parse_level)]
    pub(crate) levels: Option<Vec<jumper_core::Level>>,
    /// Level of the reports jumper prints and writes (sampled even when --levels omits it).
    #[arg(long, default_value = "process", value_parser = jumper_core::frontend::parse_level)]
    pub(crate) level: jumper_core::Level,
    /// Write the session (JUmPER 0.4.1 layout) to this directory, or a zip if it ends in .zip.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<std::path::PathBuf>,
    /// Write the JSON report (schema jumper.report.v1) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<std::path::PathBuf>,
    /// Write the HTML report (a standalone page) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<std::path::PathBuf>,
}

impl Outputs {
    /// The files to write at the end.
    pub(crate) fn files(&self) -> jumper_core::frontend::ReportFiles {
        jumper_core::frontend::ReportFiles {
            session: self.out.clone(),
            json: self.json.clone(),
            html: self.html.clone(),
        }
    }
}

/// An error as one line: `<top>: <cause>: <cause>`, each error of the chain once.
///
/// No message repeats its source (the rule for every jumper error), so the chain is printed
/// as it is (anyhow's alternate form), with no string matching.
pub(crate) fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// Writes to standard output; a closed or full stdout is an error, never a panic (`print!`
/// panics there).
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("cannot write to standard output"))
}

fn resources(json: bool) -> i32 {
    let service = match jumper_core::PerfmonitorService::builder().build() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            return exit::JUMPER_FAILED;
        }
    };
    let (r, note) = jumper_core::frontend::machine_resources(&service);
    let text = if json {
        format!("{}\n", jumper_core::frontend::resources_json(&r, &note))
    } else if r.gpus.is_empty() {
        format!("{}  ({note})\n", r.to_text())
    } else {
        r.to_text()
    };
    match print_stdout(&text) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("jumper: {}", one_line(&e));
            exit::JUMPER_FAILED
        }
    }
}
