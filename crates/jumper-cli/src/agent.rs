//! `jumper agent`: one sampler per node of a SLURM job, writing `DIR/<node>/` as a session
//! without cells; `jumper report DIR` joins the nodes to the cells of the job's main session
//! (see [`crate::job`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use jumper_core::frontend;
use jumper_core::{Appender, Level, PerfmonitorService};

use crate::exit;

/// Arguments of `jumper agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Seconds between samples (a positive number).
    #[arg(long, default_value = "1.0", value_parser = frontend::parse_interval, allow_hyphen_values = true)]
    interval: f64,
    /// Levels to sample, comma separated (default: slurm,system; GPUs are sampled with them).
    #[arg(long, value_delimiter = ',', value_parser = parse_any_level)]
    levels: Option<Vec<Level>>,
    /// Seconds between writes of the session while sampling (a killed agent loses at most
    /// this much).
    #[arg(long, default_value = "10", value_parser = frontend::parse_interval)]
    flush: f64,
    /// The job directory: the session goes to DIR/NODE/ (node: SLURMD_NODENAME, else the
    /// host name).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    metrics: crate::serve::MetricsArgs,
}

fn parse_any_level(s: &str) -> Result<Level, String> {
    s.parse::<Level>().map_err(|e| e.to_string())
}

/// The node an agent samples: `SLURMD_NODENAME`, else the host name.
fn node_name() -> String {
    std::env::var("SLURMD_NODENAME")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| jumper_core::host_name("/proc".as_ref()))
        .unwrap_or_else(|| "localhost".into())
}

/// Runs `jumper agent`; returns the exit code.
pub fn agent(args: AgentArgs) -> i32 {
    let levels = args
        .levels
        .unwrap_or_else(|| vec![Level::Slurm, Level::System]);
    let in_job = jumper_monitor_job().is_some();
    if levels.contains(&Level::Slurm) && !in_job {
        eprintln!(
            "jumper: agent: the slurm level needs a SLURM job (SLURM_JOB_ID is not set): start it \
             with srun inside the job, or give --levels without slurm"
        );
        return exit::USAGE;
    }
    // One agent per node: a second task on the node would write over the first one's session.
    if let Some(local) = std::env::var("SLURM_LOCALID")
        .ok()
        .filter(|l| l.trim() != "0" && !l.trim().is_empty())
    {
        eprintln!(
            "jumper: agent: one agent per node, and this is local task {local} of node {}: start \
             the agents with srun --ntasks-per-node=1",
            node_name()
        );
        return exit::USAGE;
    }
    if args.out.exists() && !args.out.is_dir() {
        eprintln!(
            "jumper: agent: --out '{}' is not a directory",
            args.out.display()
        );
        return exit::USAGE;
    }
    let metrics = match args.metrics.check() {
        Ok(m) => m,
        Err(code) => return code,
    };
    let target = args.out.join(node_name());
    let builder = PerfmonitorService::builder()
        .interval(args.interval)
        .levels(levels.clone())
        .report_level(levels[0])
        .root_pid(None);
    jumper_core::run::stop_on_signals();
    let mut service = match exit::start_service(builder, "agent: ") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sampled = service.levels();
    if let Some(missing) = levels.iter().find(|l| !sampled.contains(l)) {
        let why = service
            .monitor()
            .map(|m| m.notes().join("; "))
            .unwrap_or_default();
        eprintln!("jumper: agent: the {missing} level cannot be sampled here: {why}");
        let _ = service.stop_monitoring();
        return exit::JUMPER_FAILED;
    }
    // The node's latest values for a site Prometheus while the job runs (opt-in).
    let endpoint = match metrics.start(&mut service) {
        Ok(ep) => ep,
        Err(code) => {
            let _ = service.stop_monitoring();
            return code;
        }
    };
    let parent = jumper_core::run::parent_pid();
    let flush = Duration::from_secs_f64(args.flush);
    let mut last_write = Instant::now();
    // Each write after the first appends only the rows since the one before.
    let mut appender = Appender::new(&target);
    // The sampler runs on its own thread; this loop only watches for the end (0.25 s late at
    // most) and the next write.
    let tick = Duration::from_millis(250);
    // Until a signal, or the step that started the agent is gone (its parent exited).
    while jumper_core::run::stop_requested().is_none() && jumper_core::run::parent_pid() == parent {
        std::thread::sleep(tick);
        if last_write.elapsed() >= flush {
            if let Err(e) = service.update_session(&mut appender) {
                eprintln!(
                    "jumper: agent: cannot write {}: {}",
                    target.display(),
                    jumper_core::one_line(&e)
                );
            }
            last_write = Instant::now();
        }
    }
    if let Some(ep) = endpoint {
        ep.stop();
    }
    let _ = service.stop_monitoring();
    match service.update_session(&mut appender) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!(
                "jumper: agent: cannot write {}: {}",
                target.display(),
                jumper_core::one_line(&e)
            );
            exit::JUMPER_FAILED
        }
    }
}

fn jumper_monitor_job() -> Option<String> {
    std::env::var("SLURM_JOB_ID")
        .ok()
        .filter(|s| !s.trim().is_empty())
}
