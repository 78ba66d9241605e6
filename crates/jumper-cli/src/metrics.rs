//! `jumper export --format openmetrics|prom` and `jumper push`: a session in the formats
//! metric backends read (jumper-metrics), written to a file or sent over HTTP.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args;
use jumper_core::Level;
use jumper_metrics::push::{self, Retry};
use jumper_metrics::{Input, MetricSet, MetricsError, Target};
use jumper_session::ImportedSession;

use crate::exit;

/// A failure of a metrics command, with its exit status.
pub(crate) enum Failure {
    /// Bad input: a missing session, a bad URL, a missing label (exit 2).
    Usage(anyhow::Error),
    /// jumper could not do it: cannot write, cannot reach the server (exit 125).
    Failed(anyhow::Error),
}

impl Failure {
    /// Prints the one line and gives the exit status.
    pub(crate) fn report(self) -> i32 {
        let (e, code) = match self {
            Failure::Usage(e) => (e, exit::USAGE),
            Failure::Failed(e) => (e, exit::JUMPER_FAILED),
        };
        eprintln!("jumper: {}", crate::one_line(&e));
        code
    }
}

fn from_metrics(e: MetricsError) -> Failure {
    match e {
        MetricsError::BadUrl { .. } | MetricsError::MissingLabel(_) | MetricsError::NoWallclock => {
            Failure::Usage(e.into())
        }
        _ => Failure::Failed(e.into()),
    }
}

/// Labels to use instead of (or where missing from) the session's recorded origin.
#[derive(Debug, Args, Default)]
pub struct LabelArgs {
    /// SLURM job id for the `jobid` label (default: the session's, from SLURM_JOB_ID).
    #[arg(long, value_name = "ID", value_parser = parse_jobid)]
    jobid: Option<String>,
    /// Node name for the `node` label (default: the session's SLURMD_NODENAME, else its host).
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    /// Cluster name for the `cluster` label (default: the session's SLURM_CLUSTER_NAME).
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
}

/// A SLURM job id: digits, with `_N` for an array task or `+N` for a heterogeneous part.
fn parse_jobid(s: &str) -> Result<String, String> {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let ok = match s.split_once(['_', '+']) {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(s),
    };
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not a SLURM job id (a number, 123_4 for an array task, 123+1 for a \
             heterogeneous part)"
        ))
    }
}

/// The metrics formats of `jumper export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    /// OpenMetrics 1.0 with timestamps, ending in `# EOF`.
    OpenMetrics,
    /// Prometheus text 0.0.4, latest values, no timestamps.
    Prom,
    /// Prometheus text 0.0.4, every sample with its timestamp in milliseconds
    /// (`--format prom --timestamps`).
    PromTimed,
}

/// Loads a session, refusing it as bad input when it cannot be read.
fn load(path: &Path) -> Result<ImportedSession, Failure> {
    jumper_session::import_session(path).map_err(|e| Failure::Usage(e.into()))
}

fn target(s: &ImportedSession, l: &LabelArgs) -> Target {
    let mut t = Target::from_origin(s.info.origin.as_ref());
    if l.jobid.is_some() {
        t.jobid.clone_from(&l.jobid);
    }
    if l.node.is_some() {
        t.node.clone_from(&l.node);
    }
    if l.cluster.is_some() {
        t.cluster.clone_from(&l.cluster);
    }
    // JUmPER's and older sessions record the job only in monitor.slurm_job.
    if t.jobid.is_none() {
        let job = match &s.info.slurm_job {
            serde_json::Value::String(j) if !j.is_empty() && j != "0" => Some(j.clone()),
            serde_json::Value::Number(n) if n.as_u64().is_some_and(|n| n > 0) => {
                Some(n.to_string())
            }
            _ => None,
        };
        t.jobid = job;
    }
    t
}

fn metric_set(s: &ImportedSession, level: Option<Level>, t: &Target) -> Result<MetricSet, Failure> {
    let frames: Vec<_> = s
        .frames
        .iter()
        .filter(|f| level.is_none_or(|l| f.level == l))
        .cloned()
        .collect();
    if let Some(l) = level {
        if frames.is_empty() {
            return Err(Failure::Usage(anyhow!(
                "'{}' has no data at level {l}",
                s.source.display()
            )));
        }
    }
    MetricSet::from_session(&Input {
        info: &s.info,
        frames: &frames,
        cells: &s.cells,
        target: t,
    })
    .map_err(|e| {
        Failure::Usage(
            anyhow::Error::new(e).context(format!("cannot export '{}'", s.source.display())),
        )
    })
}

/// The metrics of a job directory: every node session with the cells joined to its clock
/// (so the per-cell families carry each node's figures under its `node` label), plus the
/// levels of the cell session that no node sampled (the process level). One set per node
/// (`Target`), the cell session's part merged into its node's.
fn job_parts(
    dir: &Path,
    level: Option<Level>,
    labels: &LabelArgs,
) -> Result<Vec<(MetricSet, Target)>, Failure> {
    if labels.node.is_some() {
        return Err(Failure::Usage(anyhow!(
            "--node names one node; the nodes of job directory '{}' are named by their sessions \
             (DIR/NODE/)",
            dir.display()
        )));
    }
    let job =
        crate::job::open(dir, crate::job::DEFAULT_MAX_CLOCK_OFFSET_S).map_err(Failure::Usage)?;
    let mut sessions = Vec::new();
    for n in &job.nodes {
        let mut s = n.session.clone();
        s.cells = job.cells_on(n);
        sessions.push(s);
    }
    let mut main = job.main.clone();
    main.frames.retain(|f| !job.nodes_have(f.level));
    sessions.push(main);
    let mut parts: Vec<(MetricSet, Target)> = Vec::new();
    for s in sessions
        .iter()
        .filter(|s| s.frames.iter().any(|f| level.is_none_or(|l| f.level == l)))
    {
        let t = target(s, labels);
        let one = metric_set(s, level, &t)?;
        match parts.iter_mut().find(|(_, pt)| *pt == t) {
            Some((set, _)) => set.merge(one),
            None => parts.push((one, t)),
        }
    }
    if parts.is_empty() {
        return Err(Failure::Usage(anyhow!(
            "job directory '{}' has no data at level {}",
            dir.display(),
            level.map_or("any".into(), |l| l.to_string())
        )));
    }
    Ok(parts)
}

/// Sets in one (each series keeps its labels).
fn merged(sets: impl IntoIterator<Item = MetricSet>) -> MetricSet {
    let mut all = MetricSet::default();
    for set in sets {
        all.merge(set);
    }
    all
}

/// All of a job directory's metrics in one set (each node's under its `node` label).
fn job_set(dir: &Path, level: Option<Level>, labels: &LabelArgs) -> Result<MetricSet, Failure> {
    Ok(merged(
        job_parts(dir, level, labels)?
            .into_iter()
            .map(|(set, _)| set),
    ))
}

/// `jumper export SESSION --format openmetrics|prom --file F`: writes the file atomically.
pub(crate) fn export(
    session: &Path,
    format: MetricsFormat,
    level: Option<Level>,
    file: &Path,
    labels: &LabelArgs,
) -> Result<(), Failure> {
    let set = if crate::job::is_job_dir(session) {
        job_set(session, level, labels)?
    } else {
        let s = load(session)?;
        let t = target(&s, labels);
        metric_set(&s, level, &t)?
    };
    let text = match format {
        MetricsFormat::OpenMetrics => jumper_metrics::openmetrics(&set),
        MetricsFormat::Prom => jumper_metrics::prometheus_text(&set.latest()),
        MetricsFormat::PromTimed => jumper_metrics::prometheus_text_timed(&set),
    };
    jumper_core::frontend::write_file(file, text.as_bytes())
        .with_context(|| format!("cannot write '{}'", file.display()))
        .map_err(Failure::Failed)?;
    eprintln!(
        "jumper: exported {} to {}",
        session.display(),
        file.display()
    );
    Ok(())
}

/// Arguments of `jumper push`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("endpoint").required(true).args(["influx", "pushgateway"])))]
pub struct PushArgs {
    /// A session directory or .zip written by jumper or by JUmPER 0.3.x/0.4.1, or a job
    /// directory of `jumper agent` (every node: one Pushgateway group per node).
    #[arg(value_name = "SESSION")]
    session: PathBuf,
    /// Line-protocol endpoint (VictoriaMetrics http://HOST:8428/write, InfluxDB 1.x
    /// http://HOST:8086/write?db=DB, cc-metric-store): every sample, ClusterCockpit's tags.
    #[arg(long, value_name = "URL")]
    influx: Option<String>,
    /// Prometheus Pushgateway (http://HOST:9091): the per-cell and per-session summaries
    /// under job/jumper/jobid/JOBID/node/NODE.
    #[arg(long, value_name = "URL")]
    pushgateway: Option<String>,
    /// With --pushgateway: remove the session's group instead of pushing.
    #[arg(long, requires = "pushgateway")]
    delete: bool,
    /// Only this level (default: every level of the session).
    #[arg(long, value_parser = jumper_core::frontend::parse_level)]
    level: Option<Level>,
    #[command(flatten)]
    labels: LabelArgs,
}

/// `jumper push`.
pub(crate) fn push(a: PushArgs) -> i32 {
    match push_inner(&a) {
        Ok(()) => 0,
        Err(f) => f.report(),
    }
}

fn push_inner(a: &PushArgs) -> Result<(), Failure> {
    let retry = Retry::default();
    // A job directory pushes every node: one line-protocol stream with each node's tags,
    // and one Pushgateway group per node (job/jumper/jobid/J/node/N).
    let parts = if crate::job::is_job_dir(&a.session) {
        if a.delete {
            // Deleting needs only the groups' names: the node sessions' targets.
            job_parts(&a.session, None, &a.labels)?
        } else {
            job_parts(&a.session, a.level, &a.labels)?
        }
    } else {
        let s = load(&a.session)?;
        let t = target(&s, &a.labels);
        if a.delete {
            vec![(MetricSet::default(), t)]
        } else {
            vec![(metric_set(&s, a.level, &t)?, t)]
        }
    };
    if let Some(url) = &a.influx {
        let all = merged(parts.iter().map(|(set, _)| set.clone()));
        let p = push::push_influx(url, &all, &retry).map_err(from_metrics)?;
        eprintln!(
            "jumper: pushed {} lines in {} requests to {url}",
            p.samples, p.requests
        );
    }
    if let Some(url) = &a.pushgateway {
        for (set, t) in &parts {
            if a.delete {
                let group = push::delete_gateway(url, t, &retry).map_err(from_metrics)?;
                eprintln!("jumper: deleted {group}");
            } else {
                let group = push::push_gateway(url, set, t, &retry).map_err(from_metrics)?;
                eprintln!(
                    "jumper: pushed the summaries of {} to {group}",
                    a.session.display()
                );
            }
        }
    }
    Ok(())
}
