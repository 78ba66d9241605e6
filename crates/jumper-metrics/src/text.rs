//! The two Prometheus text formats: OpenMetrics 1.0 with timestamps (backfill with
//! `promtool tsdb create-blocks-from openmetrics`) and text format 0.0.4 without them
//! (node_exporter's textfile collector, the Pushgateway), or with them in milliseconds
//! (VictoriaMetrics' `/api/v1/import/prometheus`).
//!
//! | | OpenMetrics 1.0 | text 0.0.4 |
//! |---|---|---|
//! | counter | `# TYPE jumper_cpu_seconds counter`, samples `jumper_cpu_seconds_total` | `# TYPE jumper_cpu_seconds_total counter` |
//! | unit | `# UNIT jumper_cpu_seconds seconds` | none (the name carries it) |
//! | info | `# TYPE jumper_cell info`, samples `jumper_cell_info` | `# TYPE jumper_cell_info gauge` |
//! | timestamps | every sample, epoch seconds with milliseconds | none; with [`prometheus_text_timed`] every sample, epoch milliseconds |
//! | end | `# EOF` | nothing |

use std::fmt::Write as _;

use crate::names::Kind;
use crate::set::{MetricSet, Series};

/// Content type of [`openmetrics`]'s output.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of [`prometheus_text`]'s output.
pub const PROMETHEUS_TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A sample value: Prometheus' spellings of the special values, else the shortest decimal
/// that reads back as the same `f64`.
pub(crate) fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

fn escape_label(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn labels(s: &Series, out: &mut String) {
    if s.labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (k, v)) in s.labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str("=\"");
        escape_label(v, out);
        out.push('"');
    }
    out.push('}');
}

fn help(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quotes => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// OpenMetrics 1.0 text with a timestamp (epoch seconds, milliseconds) on every sample,
/// increasing per series, ending in `# EOF`.
pub fn openmetrics(set: &MetricSet) -> String {
    openmetrics_with(set, true)
}

/// OpenMetrics 1.0 text without timestamps, the last point of each series (a live
/// `/metrics` endpoint: the scraper stamps it).
pub fn openmetrics_untimed(set: &MetricSet) -> String {
    openmetrics_with(set, false)
}

fn openmetrics_with(set: &MetricSet, timestamps: bool) -> String {
    let mut out = String::with_capacity(64 * set.num_points() + 4096);
    for f in &set.families {
        let d = f.def;
        let kind = match d.kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Info => "info",
        };
        let _ = writeln!(out, "# TYPE {} {kind}", d.name);
        if let Some(u) = d.unit {
            let _ = writeln!(out, "# UNIT {} {u}", d.name);
        }
        let _ = writeln!(out, "# HELP {} {}", d.name, help(d.help, true));
        let sample = d.sample_name();
        for s in &f.series {
            let mut prefix = sample.clone();
            labels(s, &mut prefix);
            if timestamps {
                for &(v, t) in &s.points {
                    out.push_str(&prefix);
                    let _ = writeln!(out, " {} {t:.3}", value(v));
                }
            } else if let Some(&(v, _)) = s.points.last() {
                out.push_str(&prefix);
                let _ = writeln!(out, " {}", value(v));
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Text format 0.0.4 without timestamps: the last point of every series.
pub fn prometheus_text(set: &MetricSet) -> String {
    prometheus_text_with(set, false)
}

/// Text format 0.0.4 with every point and its timestamp (epoch milliseconds, the format's
/// unit): what VictoriaMetrics' `/api/v1/import/prometheus` imports as history.
pub fn prometheus_text_timed(set: &MetricSet) -> String {
    prometheus_text_with(set, true)
}

fn prometheus_text_with(set: &MetricSet, timestamps: bool) -> String {
    let mut out = String::with_capacity(if timestamps {
        64 * set.num_points() + 4096
    } else {
        4096
    });
    for f in &set.families {
        let d = f.def;
        let sample = d.sample_name();
        let kind = if d.kind == Kind::Counter {
            "counter"
        } else {
            "gauge"
        };
        let _ = writeln!(out, "# HELP {sample} {}", help(d.help, false));
        let _ = writeln!(out, "# TYPE {sample} {kind}");
        for s in &f.series {
            if timestamps {
                let mut prefix = sample.clone();
                labels(s, &mut prefix);
                for &(v, t) in &s.points {
                    out.push_str(&prefix);
                    let _ = writeln!(out, " {} {}", value(v), (t * 1000.0).round() as i64);
                }
            } else if let Some(&(v, _)) = s.points.last() {
                out.push_str(&sample);
                labels(s, &mut out);
                let _ = writeln!(out, " {}", value(v));
            }
        }
    }
    out
}
