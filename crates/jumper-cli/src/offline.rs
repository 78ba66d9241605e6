//! `jumper report|plot|history|export SESSION`: work on an exported session, ours or JUmPER's.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use jumper_core::{messages, CellRange, Cells, Format, Gpus, Level, Output, PerfmonitorService};

/// Options every offline command shares.
#[derive(Debug, Args)]
pub struct SessionArg {
    /// A session directory or .zip written by jumper or by JUmPER 0.3.x/0.4.1, or a job
    /// directory: node sessions of `jumper agent` plus the session with the cells.
    #[arg(value_name = "SESSION")]
    session: PathBuf,
}

/// Arguments of `jumper report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    session: SessionArg,
    /// Cells to cover: N, A:B, :B, A: (inclusive, negative counts from the end). Default: all.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    cell: Option<CellRange>,
    /// Level of the report.
    #[arg(long, default_value = "process", value_parser = parse_level)]
    level: Level,
    /// text, json, html or markdown.
    #[arg(long, default_value = "text", value_parser = parse_format)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Job directory: show each node's row under each cell.
    #[arg(long)]
    per_node: bool,
    /// Job directory: refuse nodes whose clock is more than this many seconds off the others'.
    #[arg(long, value_name = "S", default_value_t = crate::job::DEFAULT_MAX_CLOCK_OFFSET_S, value_parser = jumper_core::frontend::parse_interval)]
    max_clock_offset: f64,
}

/// Arguments of `jumper history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    session: SessionArg,
    /// Write the history to a .csv or .json file instead of printing a table.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
}

/// Arguments of `jumper export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    session: SessionArg,
    /// Level of the perf data (default: process; with --format openmetrics|prom every level).
    #[arg(long, value_parser = parse_level)]
    level: Option<Level>,
    /// Perf data file (.csv or .json; JUmPER's columns plus jumper's raw counters), or the
    /// metrics file of --format.
    #[arg(long, value_name = "FILE", required_unless_present = "cell_history")]
    file: Option<PathBuf>,
    /// Also (or only) write the cell history to this .csv or .json file.
    #[arg(long, value_name = "FILE")]
    cell_history: Option<PathBuf>,
    /// openmetrics (OpenMetrics 1.0 with timestamps, for promtool's backfill) or prom (text
    /// 0.0.4, latest values, for node_exporter's textfile collector); default: the file's
    /// extension, .csv or .json.
    #[arg(long, value_name = "FORMAT", value_parser = parse_metrics_format, requires = "file")]
    format: Option<crate::metrics::MetricsFormat>,
    /// With --format prom: every sample with its timestamp in milliseconds, not only the
    /// latest values (VictoriaMetrics' /api/v1/import/prometheus).
    #[arg(long, requires = "format")]
    timestamps: bool,
    #[command(flatten)]
    labels: crate::metrics::LabelArgs,
}

fn parse_metrics_format(s: &str) -> Result<crate::metrics::MetricsFormat, String> {
    match s {
        "openmetrics" | "om" => Ok(crate::metrics::MetricsFormat::OpenMetrics),
        "prom" | "prometheus" => Ok(crate::metrics::MetricsFormat::Prom),
        _ => Err(format!(
            "unknown format '{s}' (openmetrics or prom; .csv and .json go by the file's extension)"
        )),
    }
}

/// Arguments of `jumper plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    session: SessionArg,
    /// Metric keys or subsets, comma separated (e.g. cpu_summary,memory,io_write or cpu,io).
    #[arg(long)]
    metrics: Option<String>,
    /// Cells to plot (default: JUmPER's — from the last long cell to the end; `:` for all).
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    cell: Option<CellRange>,
    /// Level to plot.
    #[arg(long, default_value = "process", value_parser = parse_level)]
    level: Level,
    /// Keep idle time between cells on the time axis.
    #[arg(long)]
    show_idle: bool,
    /// Output: .png, .svg, .jpg/.jpeg (static figure) or .html (interactive dashboard).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Job directory: the node to plot at a level the nodes sampled (needed for a figure when
    /// there are several; an .html dashboard without it has every node in its Level menu);
    /// the cells are moved onto its clock as the job report moves them.
    #[arg(long, value_name = "NODE")]
    node: Option<String>,
}

fn parse_range(s: &str) -> Result<CellRange, String> {
    CellRange::parse(s).map_err(|e| e.to_string())
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse::<Level>().map_err(|e| e.to_string())
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// The session to open for `session`: itself, or a job directory's cell session (checked).
fn cell_session(session: &Path) -> Result<PathBuf> {
    if crate::job::is_job_dir(session) {
        Ok(crate::job::open(session, f64::INFINITY)?.main_path)
    } else {
        Ok(session.to_path_buf())
    }
}

fn open(session: &Path) -> Result<PerfmonitorService> {
    // A job directory's sessions were read, and their notes shown, by `job::open`.
    let show_notes = !crate::job::is_job_dir(session);
    let session = &cell_session(session)?;
    let mut service = PerfmonitorService::builder()
        .gpu(Gpus::None)
        .build()
        .context("cannot set up jumper")?;
    let summary = service.import_session(session)?;
    for note in summary.cut_short.iter().filter(|_| show_notes) {
        eprintln!("jumper: note: '{}': {note}", session.display());
    }
    Ok(service)
}

/// A job directory as one node's session: at a level the nodes sampled, `node`'s samples with
/// the cells moved onto its clock (`node` may be left out when there is one node); at
/// another level (the process level of the cell session), the cell session itself.
fn open_node(dir: &Path, level: Level, node: Option<&str>) -> Result<PerfmonitorService> {
    let job = crate::job::open(dir, f64::INFINITY)?;
    if !job.nodes_have(level) {
        if let Some(n) = node {
            anyhow::bail!(
                "the nodes of job directory '{}' did not sample the {level} level (--node {n}); \
                 the cell session has it",
                dir.display()
            );
        }
        return open(&job.main_path);
    }
    let with: Vec<&crate::job::NodeSession> = job
        .nodes
        .iter()
        .filter(|n| n.session.frame(level).is_some())
        .collect();
    let names = || {
        with.iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match node {
        Some(want) => with.iter().find(|n| n.name == want).ok_or_else(|| {
            anyhow::anyhow!(
                "job directory '{}' has no node {want} at level {level} (nodes: {})",
                dir.display(),
                names()
            )
        })?,
        None if with.len() == 1 => &with[0],
        None => anyhow::bail!(
            "job directory '{}' has {} nodes at level {level} ({}): pick one with --node",
            dir.display(),
            with.len(),
            names()
        ),
    };
    job.node_service(chosen)
}

fn write_or_print(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(p) => Ok(jumper_core::frontend::write_file(p, text.as_bytes())?),
        None => crate::print_stdout(text),
    }
}

/// `jumper report`.
pub fn report(a: ReportArgs) -> Result<()> {
    let cells = a.cell.map_or(Cells::All, Cells::Range);
    let path = &a.session.session;
    if crate::job::is_job_dir(path) {
        let job = crate::job::open(path, a.max_clock_offset)?;
        if job.nodes_have(a.level) {
            let json = match a.format {
                Format::Text => false,
                Format::Json => true,
                other => anyhow::bail!(
                    "--format {other} is not available for a job directory (text or json)"
                ),
            };
            let text = crate::job::report(&job, cells, a.level, json, a.per_node)?;
            return write_or_print(a.output.as_deref(), &text);
        }
    } else if a.per_node {
        anyhow::bail!("--per-node needs a job directory (node sessions of `jumper agent`)");
    }
    let service = open(path)?;
    let report = service.report(cells, a.level)?;
    let no_io = service
        .monitor_info()
        .ok()
        .and_then(|i| i.origin)
        .is_some_and(|o| o.slurm_io_unavailable());
    if a.level == Level::Slurm && no_io {
        eprintln!(
            "jumper: note: slurm-level I/O is unavailable in this session (cgroup v1 job without \
             a blkio cgroup): its I/O figures are not measurements"
        );
    }
    let text = jumper_core::render(&report, a.format);
    write_or_print(a.output.as_deref(), &text)
}

/// `jumper history`.
pub fn history(a: HistoryArgs) -> Result<()> {
    let mut service = open(&a.session.session)?;
    match &a.file {
        Some(f) => {
            service.export_cell_history(f)?;
            crate::print_stdout(&Output::info(messages::exported(f)).to_text())?;
        }
        None => {
            for o in service.execute(jumper_core::Command::ShowCellHistory)? {
                crate::print_stdout(&o.to_text())?;
            }
        }
    }
    Ok(())
}

/// `jumper export` with `--format openmetrics|prom`; `None` when it is a CSV/JSON export.
pub fn export_metrics(a: &ExportArgs) -> Option<i32> {
    let (format, file) = (a.format?, a.file.as_deref()?);
    if a.cell_history.is_some() {
        eprintln!(
            "jumper: --cell-history writes .csv or .json; export it without --format (see --help)"
        );
        return Some(crate::exit::USAGE);
    }
    let format = match (format, a.timestamps) {
        (crate::metrics::MetricsFormat::Prom, true) => crate::metrics::MetricsFormat::PromTimed,
        (crate::metrics::MetricsFormat::OpenMetrics, true) => {
            eprintln!("jumper: --timestamps goes with --format prom (openmetrics always has them)");
            return Some(crate::exit::USAGE);
        }
        (f, _) => f,
    };
    Some(
        match crate::metrics::export(&a.session.session, format, a.level, file, &a.labels) {
            Ok(()) => 0,
            Err(f) => f.report(),
        },
    )
}

/// `jumper export`.
pub fn export(a: ExportArgs) -> Result<()> {
    let service = open(&a.session.session)?;
    if let Some(f) = &a.file {
        service.export_perf_data(a.level.unwrap_or(Level::Process), f)?;
        eprint!("{}", Output::info(messages::exported(f)).to_text());
    }
    if let Some(f) = &a.cell_history {
        service.export_cell_history(f)?;
        eprint!("{}", Output::info(messages::exported(f)).to_text());
    }
    Ok(())
}

/// `jumper plot`.
pub fn plot(a: PlotArgs) -> Result<()> {
    let path = &a.session.session;
    if jumper_core::is_dashboard_path(&a.output) && a.node.is_none() && crate::job::is_job_dir(path)
    {
        // The dashboard of a whole job: every node in the Level menu, on the cells' clock.
        let job = crate::job::open(path, f64::INFINITY)?;
        let (frames, names) = job.dashboard_frames();
        let title = format!("jumper — job {}", path.display());
        for o in jumper_core::write_named_dashboard(
            &frames,
            names,
            &job.main.cells,
            &job.main.info,
            &title,
            a.cell.as_ref(),
            &a.output,
        )? {
            eprint!("{}", o.to_text());
        }
        return Ok(());
    }
    let mut service = if crate::job::is_job_dir(path) {
        open_node(path, a.level, a.node.as_deref())?
    } else if let Some(n) = &a.node {
        anyhow::bail!(
            "--node {n} needs a job directory (node sessions of `jumper agent`); '{}' is a session",
            path.display()
        );
    } else {
        open(path)?
    };
    let args = jumper_core::command::PlotArgs {
        metrics: a.metrics,
        cell: a.cell,
        level: Some(a.level),
        save: Some(a.output),
        show_idle: a.show_idle,
        ..Default::default()
    };
    for o in service.execute(jumper_core::Command::Plot(args))? {
        eprint!("{}", o.to_text());
    }
    Ok(())
}
