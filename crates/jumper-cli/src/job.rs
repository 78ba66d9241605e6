//! A job directory as one session: the node sessions of `jumper agent` (`DIR/<node>/`) plus
//! the session that holds the cells (`jumper replay|run --out DIR/main`, or the kernel's).
//!
//! Cells are joined to every node's samples by wall-clock time: a cell's epoch start and end
//! are moved onto each node's monotonic clock (the node's own rows pair the two clocks). The
//! node was not sampled at the cell's edges, so its cumulative counters (CPU time, I/O) are
//! interpolated there between the samples around each edge (a window's totals cover the cell
//! itself, and adjacent cells never count one interval twice), and its gauges (memory) come
//! from the rows that describe the intervals the cell overlaps. Every figure per node then
//! comes from the ordinary report of that node over those cells ([`jumper_core::Report`]);
//! the job's row sums CPU time and I/O over the nodes and gives memory per node and the
//! maximum. A node with no sample in any of the cells has no row (`no samples on node`).
//!
//! The agents of one job are launched together by one `srun` step, so the spread of their
//! recorded start times bounds the clock offset between nodes (plus the launch skew, which
//! it includes). The error bound of a cell's window is that spread plus one interval: within
//! it the counters are a straight line between two samples.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use jumper_core::{
    CellRecord, Cells, Level, Offline, PerfFrame, PerfmonitorService, Report, ReportError,
    ServiceError,
};
use jumper_session::ImportedSession;

/// Clock offset above which a node is refused (seconds), unless `--max-clock-offset` says more.
pub const DEFAULT_MAX_CLOCK_OFFSET_S: f64 = 1.0;

/// One node's session.
pub struct NodeSession {
    /// The node's name (the agent's `SLURMD_NODENAME`, else the directory's name).
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// What was read.
    pub session: ImportedSession,
    /// Epoch seconds of the node's first sample.
    pub start_wall: f64,
    /// Epoch minus monotonic seconds on this node (from its rows).
    pub wall_minus_mono: f64,
}

/// A job directory, read and checked.
pub struct JobDir {
    /// The directory.
    pub path: PathBuf,
    /// The session with the cells.
    pub main: ImportedSession,
    /// Its directory.
    pub main_path: PathBuf,
    /// The node sessions, by name.
    pub nodes: Vec<NodeSession>,
    /// Spread of the nodes' start times: the measured bound of their clock offset.
    pub clock_offset_s: f64,
    /// The largest sampling interval of the nodes.
    pub interval_s: f64,
}

/// Whether `path` is a job directory: a directory without a manifest of its own whose
/// subdirectories hold sessions.
pub fn is_job_dir(path: &Path) -> bool {
    path.is_dir()
        && !path.join("manifest.json").exists()
        && std::fs::read_dir(path).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| e.path().join("manifest.json").is_file())
        })
}

/// Expands a Slurm host list (`n[1-3,7],gpu01`) into names.
pub fn expand_hostlist(list: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in list.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    let mut out = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (Some(a), Some(b)) = (p.find('['), p.find(']')) else {
            out.push(p.to_string());
            continue;
        };
        if b < a {
            out.push(p.to_string());
            continue;
        }
        let (prefix, ranges, suffix) = (&p[..a], &p[a + 1..b], &p[b + 1..]);
        for r in ranges.split(',') {
            let (lo, hi) = r.split_once('-').unwrap_or((r, r));
            let width = lo.len();
            match (lo.parse::<u64>(), hi.parse::<u64>()) {
                (Ok(l), Ok(h)) if l <= h && h - l < 100_000 => {
                    for i in l..=h {
                        out.push(format!("{prefix}{i:0width$}{suffix}"));
                    }
                }
                _ => out.push(format!("{prefix}{r}{suffix}")),
            }
        }
    }
    out
}

fn wall_pairing(s: &ImportedSession) -> Option<(f64, f64)> {
    s.frames
        .iter()
        .flat_map(|f| f.rows.iter())
        .find_map(|r| r.wallclock.map(|w| (w, w - r.time)))
}

/// Reads and checks a job directory. `max_offset` is the clock offset (seconds) above which
/// a node is refused.
pub fn open(path: &Path, max_offset: f64) -> Result<JobDir> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read job directory '{}'", path.display()))?
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    let mut main: Option<(PathBuf, ImportedSession)> = None;
    let mut nodes = Vec::new();
    for dir in entries {
        if !dir.join("manifest.json").is_file() {
            bail!(
                "job directory '{}': '{}' holds no session (no manifest.json: an agent killed \
                 before its first write?)",
                path.display(),
                dir.display()
            );
        }
        let session = jumper_session::import_session(&dir).map_err(|e| {
            anyhow::anyhow!(
                "job directory '{}': session '{}' cannot be read: {}",
                path.display(),
                dir.display(),
                jumper_core::one_line(&e)
            )
        })?;
        for note in &session.cut_short {
            eprintln!("jumper: note: '{}': {note}", dir.display());
        }
        if !session.cells.is_empty() {
            if let Some((first, _)) = &main {
                bail!(
                    "job directory '{}' has two sessions with cells: '{}' and '{}'",
                    path.display(),
                    first.display(),
                    dir.display()
                );
            }
            main = Some((dir, session));
            continue;
        }
        let Some((start_wall, wall_minus_mono)) = wall_pairing(&session) else {
            bail!(
                "job directory '{}': node session '{}' has no timestamped samples",
                path.display(),
                dir.display()
            );
        };
        let name = session
            .info
            .origin
            .as_ref()
            .and_then(|o| o.node.clone())
            .unwrap_or_else(|| {
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        nodes.push(NodeSession {
            name,
            path: dir,
            session,
            start_wall,
            wall_minus_mono,
        });
    }
    let Some((main_path, main)) = main else {
        bail!(
            "job directory '{}' has no cell session (write one with `jumper replay|run --out {}/main`)",
            path.display(),
            path.display()
        );
    };
    if nodes.is_empty() {
        bail!(
            "job directory '{}' has no node sessions (start `jumper agent --out {}` on every node)",
            path.display(),
            path.display()
        );
    }
    // Every node of the job's node list has its session.
    let listed = std::iter::once(&main)
        .chain(nodes.iter().map(|n| &n.session))
        .find_map(|s| s.info.origin.as_ref().and_then(|o| o.node_list.clone()));
    if let Some(list) = listed {
        let missing: Vec<String> = expand_hostlist(&list)
            .into_iter()
            .filter(|n| !nodes.iter().any(|s| &s.name == n))
            .collect();
        if !missing.is_empty() {
            bail!(
                "job directory '{}': no node session of {} (node list {list})",
                path.display(),
                missing.join(", ")
            );
        }
    }
    let mut starts: Vec<f64> = nodes.iter().map(|n| n.start_wall).collect();
    starts.sort_by(f64::total_cmp);
    let spread = starts[starts.len() - 1] - starts[0];
    // Offsets are taken against the node the cells were timed on, else the lower median.
    let main_node = main.info.origin.as_ref().and_then(|o| o.node.clone());
    let reference = nodes
        .iter()
        .find(|n| Some(&n.name) == main_node.as_ref())
        .map_or(starts[(starts.len() - 1) / 2], |n| n.start_wall);
    if let Some(off) = nodes
        .iter()
        .find(|n| (n.start_wall - reference).abs() > max_offset)
    {
        bail!(
            "job directory '{}': node {}'s clock is {:.3} s off the other nodes' (agents started \
             together; threshold {} s, --max-clock-offset to accept)",
            path.display(),
            off.name,
            off.start_wall - reference,
            max_offset
        );
    }
    let interval_s = nodes
        .iter()
        .map(|n| n.session.info.interval)
        .fold(0.0, f64::max);
    Ok(JobDir {
        path: path.to_path_buf(),
        main,
        main_path,
        nodes,
        clock_offset_s: spread,
        interval_s,
    })
}

impl JobDir {
    /// The error bound of a cell's window on the nodes: clock offset plus one interval.
    pub fn error_bound_s(&self) -> f64 {
        self.clock_offset_s + self.interval_s
    }

    /// Whether the nodes sampled `level`.
    pub fn nodes_have(&self, level: Level) -> bool {
        self.nodes.iter().any(|n| n.session.frame(level).is_some())
    }

    /// The cells moved onto `node`'s clock. The node was not sampled at the cells' edges:
    /// a report over them interpolates the node's cumulative counters there
    /// ([`PerfFrame::raw_at`]), and its gauges (memory, utilisation) come from the rows that
    /// describe the intervals the cell overlaps.
    pub fn cells_on(&self, node: &NodeSession) -> Vec<CellRecord> {
        self.main
            .cells
            .iter()
            .map(|c| CellRecord {
                start_time: c.wallclock_start_time - node.wall_minus_mono,
                end_time: c.wallclock_end_time - node.wall_minus_mono,
                ..c.clone()
            })
            .collect()
    }

    /// The frames of a job's dashboard, each on the cell session's clock, with their names
    /// for the Level menu: the cell session's levels that no node sampled (`process`), then
    /// every node's levels (`system n1`, `system n2`, ...).
    pub fn dashboard_frames(&self) -> (Vec<PerfFrame>, Vec<String>) {
        // Epoch minus monotonic seconds of the cell session: from a cell, else a sample.
        let main_wmm = self
            .main
            .cells
            .first()
            .map(|c| c.wallclock_start_time - c.start_time)
            .or_else(|| wall_pairing(&self.main).map(|(_, d)| d))
            .unwrap_or(0.0);
        let mut frames = Vec::new();
        let mut names = Vec::new();
        for f in &self.main.frames {
            if !self.nodes_have(f.level) {
                frames.push(f.clone());
                names.push(f.level.to_string());
            }
        }
        for n in &self.nodes {
            let shift = n.wall_minus_mono - main_wmm;
            for f in &n.session.frames {
                let mut g = f.clone();
                for r in &mut g.rows {
                    r.time += shift;
                }
                frames.push(g);
                names.push(format!("{} {}", f.level, n.name));
            }
        }
        (frames, names)
    }

    /// `node`'s session as a service of its own, with the cells moved onto its clock
    /// ([`JobDir::cells_on`]).
    pub fn node_service(&self, node: &NodeSession) -> Result<PerfmonitorService> {
        let mut service = PerfmonitorService::builder()
            .gpu(jumper_core::Gpus::None)
            .build()
            .context("cannot set up jumper")?;
        service.set_thresholds(node.session.thresholds());
        service.attach_imported(
            Offline {
                frames: node.session.frames.clone(),
                info: node.session.info.clone(),
                source: node.path.clone(),
                writer: node.session.writer(),
            },
            self.cells_on(node),
        );
        Ok(service)
    }

    /// Every node's ordinary report over `cells` at `level`; `None` for a node that has no
    /// sample in any of the cells (its agent started after them, or ended before).
    pub fn node_reports(
        &self,
        cells: Cells,
        level: Level,
    ) -> Result<Vec<(String, Option<Report>)>> {
        let mut out = Vec::new();
        let mut no_data = None;
        for n in &self.nodes {
            let service = self.node_service(n)?;
            let r = match service.report(cells.clone(), level) {
                Ok(r) => Some(r),
                Err(ServiceError::Report(e @ ReportError::NoData { .. })) => {
                    no_data.get_or_insert(e);
                    None
                }
                Err(e) => return Err(anyhow::Error::new(e).context(format!("node {}", n.name))),
            };
            out.push((n.name.clone(), r));
        }
        match no_data {
            Some(e) if out.iter().all(|(_, r)| r.is_none()) => {
                Err(anyhow::Error::new(e).context("no node sampled these cells"))
            }
            _ => Ok(out),
        }
    }
}

/// The job's report at a level the nodes sampled: text or JSON.
pub fn report(
    job: &JobDir,
    cells: Cells,
    level: Level,
    json: bool,
    per_node: bool,
) -> Result<String> {
    let reports = job.node_reports(cells, level)?;
    let Some(first) = reports.iter().find_map(|(_, r)| r.as_ref()) else {
        bail!(
            "job directory '{}' has no node sessions",
            job.path.display()
        );
    };
    let names: Vec<&str> = reports.iter().map(|(n, _)| n.as_str()).collect();
    // A job cgroup without I/O accounting (cgroup v1 has no blkio job cgroup) recorded no
    // slurm_io_cgroup: its I/O is unavailable, never 0.
    let io_unavailable = level == Level::Slurm
        && job.nodes.iter().any(|n| {
            n.session
                .info
                .origin
                .as_ref()
                .is_some_and(|o| o.slurm_io_unavailable())
        });
    let mut cells_json = Vec::new();
    let mut text = String::new();
    text.push_str(&format!(
        "Job directory {}: {} nodes ({}), cells from {}, level {level}\n",
        job.path.display(),
        names.len(),
        names.join(", "),
        job.main_path.display()
    ));
    text.push_str(&format!(
        "Clock offset between nodes <= {:.3} s (spread of the agents' start times); error bound \
         of a cell's window: {:.3} s (offset + one interval of {} s)\n",
        job.clock_offset_s,
        job.error_bound_s(),
        job.interval_s
    ));
    if io_unavailable {
        text.push_str("I/O: unavailable at slurm level on cgroup v1 (no blkio job cgroup)\n");
    }
    text.push_str(&format!(
        "{:>5} {:>9} {:>10} {:>12} {:>12} {:>12}  memory peak per node (GiB)\n",
        "cell", "dur s", "cpu s", "mem max GiB", "read MiB", "write MiB"
    ));
    for (i, cell) in first.per_cell.iter().enumerate() {
        let rows: Vec<(&str, Option<&jumper_report::CellMetrics>)> = reports
            .iter()
            .map(|(n, r)| {
                (
                    n.as_str(),
                    r.as_ref()
                        .and_then(|r| r.per_cell.get(i))
                        .and_then(|c| c.metrics.as_ref()),
                )
            })
            .collect();
        let sum = |f: &dyn Fn(&jumper_report::CellMetrics) -> f64| -> f64 {
            rows.iter().filter_map(|(_, m)| m.map(f)).sum()
        };
        let cpu = sum(&|m| m.cpu_time_s);
        let read = sum(&|m| m.io_read_mib);
        let write = sum(&|m| m.io_write_mib);
        let mem: Vec<(&str, Option<f64>)> = rows
            .iter()
            .map(|(n, m)| (*n, m.map(|m| m.memory_peak_gib)))
            .collect();
        let max = mem.iter().filter_map(|(_, m)| *m).fold(0.0, f64::max);
        let io = |v: f64| {
            if io_unavailable {
                "n/a".to_string()
            } else {
                format!("{v:.2}")
            }
        };
        let per = mem
            .iter()
            .map(|(n, m)| match m {
                Some(m) => format!("{n}={m:.3}"),
                None => format!("{n}=-"),
            })
            .collect::<Vec<_>>()
            .join(" ");
        text.push_str(&format!(
            "{:>5} {:>9.3} {:>10.3} {:>12.3} {:>12} {:>12}  {per}\n",
            cell.cell_index,
            cell.duration_s,
            cpu,
            max,
            io(read),
            io(write)
        ));
        if per_node {
            for (n, m) in &rows {
                match m {
                    Some(m) => text.push_str(&format!(
                        "{:>5} {:>9} {:>10.3} {:>12.3} {:>12} {:>12}  node {n}\n",
                        "",
                        "",
                        m.cpu_time_s,
                        m.memory_peak_gib,
                        io(m.io_read_mib),
                        io(m.io_write_mib)
                    )),
                    None => text.push_str(&format!("{:>5} no samples on node {n}\n", "")),
                }
            }
        }
        let io_json = |v: f64| {
            if io_unavailable {
                serde_json::Value::Null
            } else {
                serde_json::json!(v)
            }
        };
        cells_json.push(serde_json::json!({
            "cell": cell.cell_index,
            "duration_s": cell.duration_s,
            "status": cell.status.as_str(),
            "cpu_time_s": cpu,
            "memory_peak_gib_max": max,
            "io_read_mib": io_json(read),
            "io_write_mib": io_json(write),
            "nodes": rows.iter().map(|(n, m)| serde_json::json!({
                "node": n,
                "cpu_time_s": m.map(|m| m.cpu_time_s),
                "memory_peak_gib": m.map(|m| m.memory_peak_gib),
                "io_read_mib": m.map(|m| io_json(m.io_read_mib)),
                "io_write_mib": m.map(|m| io_json(m.io_write_mib)),
            })).collect::<Vec<_>>(),
        }));
    }
    if json {
        let doc = serde_json::json!({
            "schema": "jumper.job_report.v1",
            "job_dir": job.path.display().to_string(),
            "cell_session": job.main_path.display().to_string(),
            "level": level.as_str(),
            "nodes": names,
            "clock_offset_s": job.clock_offset_s,
            "interval_s": job.interval_s,
            "error_bound_s": job.error_bound_s(),
            "io_available": !io_unavailable,
            "cells": cells_json,
        });
        Ok(format!("{doc:#}\n"))
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::expand_hostlist;

    #[test]
    fn host_lists_expand_as_slurm_writes_them() {
        assert_eq!(expand_hostlist("n[1-2]"), ["n1", "n2"]);
        assert_eq!(
            expand_hostlist("gpu[01-03,07],login1"),
            ["gpu01", "gpu02", "gpu03", "gpu07", "login1"]
        );
        assert_eq!(expand_hostlist("a[9-10]b"), ["a9b", "a10b"]);
        assert_eq!(expand_hostlist("single"), ["single"]);
        assert_eq!(expand_hostlist(""), Vec::<String>::new());
    }
}
