//! Influx line protocol with ClusterCockpit's tags, for VictoriaMetrics (`/write`), InfluxDB
//! 1.x (`/write?db=..`) and cc-metric-store.
//!
//! One line per point: `<sample name>,<tags> value=<v> <epoch seconds>`. Tags: `hostname`
//! (the node), `type` (`node`, or `accelerator` with `type-id=<gpu index>` for GPU series),
//! then `jobid`, `step`, `cluster`, `level`, and on per-cell series `cell` (the info series
//! also `title`, `status`, `start_time`, `end_time`). ClusterCockpit stores seconds, so a
//! series keeps one point per second: the last sample of that second (counters stay exact,
//! as they are cumulative). NaN and infinite values, which line protocol cannot carry, are
//! left out.

use std::fmt::Write as _;

use crate::set::MetricSet;

fn escape(v: &str, out: &mut String, measurement: bool) {
    for c in v.chars() {
        match c {
            ',' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '=' if !measurement => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
}

/// The set as line-protocol lines (without newlines), one per point kept.
pub fn line_protocol(set: &MetricSet) -> Vec<String> {
    let mut lines = Vec::with_capacity(set.num_points());
    for f in &set.families {
        let name = f.def.sample_name();
        for s in &f.series {
            let mut head = String::with_capacity(128);
            escape(&name, &mut head, true);
            let get = |k: &str| {
                s.labels
                    .iter()
                    .find(|(l, _)| *l == k)
                    .map(|(_, v)| v.as_str())
            };
            let mut tags: Vec<(&str, &str)> = Vec::new();
            if let Some(node) = get("node") {
                tags.push(("hostname", node));
            }
            match get("gpu") {
                Some(g) => {
                    tags.push(("type", "accelerator"));
                    tags.push(("type-id", g));
                }
                None => tags.push(("type", "node")),
            }
            for (k, v) in &s.labels {
                if *k != "node" && *k != "gpu" {
                    tags.push((k, v));
                }
            }
            for (k, v) in tags.into_iter().filter(|(_, v)| !v.is_empty()) {
                head.push(',');
                escape(k, &mut head, false);
                head.push('=');
                escape(v, &mut head, false);
            }
            // The last point of each second.
            let mut kept: Vec<(f64, i64)> = Vec::new();
            for &(v, t) in &s.points {
                if !v.is_finite() {
                    continue;
                }
                let sec = t.floor() as i64;
                match kept.last_mut() {
                    Some(last) if last.1 == sec => *last = (v, sec),
                    _ => kept.push((v, sec)),
                }
            }
            for (v, sec) in kept {
                let mut line = head.clone();
                let _ = write!(line, " value={} {sec}", crate::text::value(v));
                lines.push(line);
            }
        }
    }
    lines
}
