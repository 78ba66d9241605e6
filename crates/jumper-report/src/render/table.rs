//! The rows the HTML and Markdown reports share, as formatted strings.
//!
//! Both formats show the same numbers; only their markup differs. Keeping the rows here means
//! a number is formatted once, the same way, for both.

use serde::Serialize;

use crate::{CellSummary, Report, MIB};

/// Shown where a number does not exist (no limit, no sample in a cell).
pub(crate) const NONE: &str = "-";
/// A figure that is not a measurement (slurm-level I/O without I/O accounting).
pub(crate) const NOT_AVAILABLE: &str = "n/a";

/// Two decimals, as JUmPER's tables; `-0.00` is shown as `0.00`.
pub(crate) fn num(x: f64) -> String {
    let x = if x == 0.0 { 0.0 } else { x };
    format!("{x:.2}")
}

pub(crate) fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(|| NONE.to_string(), num)
}

/// At most `max` characters of `text`, with `…` when something was cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The first line of `text` that is not blank, trimmed and clipped to `max` characters.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    clip(line.unwrap_or(""), max)
}

/// A tag name as a CSS class suffix: JUmPER's slug is the tag name itself; anything outside
/// `[a-z0-9-]` (no analyzer tag has it) makes it `unknown`.
pub(crate) fn slug(name: &str) -> String {
    let s = name.to_ascii_lowercase();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        s
    } else {
        "unknown".into()
    }
}

/// `n` and the noun, singular when `n` is 1.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One tag chip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Chip {
    /// CSS suffix: `jump-tag--<slug>`.
    pub slug: String,
    /// Upper-case name, as JUmPER shows it.
    pub name: String,
    /// The score with 2 decimals.
    pub score: String,
}

pub(crate) fn chips(tags: &[jumper_data::Tag]) -> Vec<Chip> {
    tags.iter()
        .map(|t| Chip {
            slug: slug(&t.name),
            name: t.name.to_uppercase(),
            score: num(t.score),
        })
        .collect()
}

/// One row of the metric table: Metric, AVG, MIN, MAX, Total/Limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MetricRow {
    pub name: String,
    pub avg: String,
    pub min: String,
    pub max: String,
    pub total: String,
    /// The row starts a group (I/O, per-GPU) and gets a rule above it.
    pub group: bool,
}

fn stat(name: String, s: jumper_data::frame::Summary, total: String) -> MetricRow {
    MetricRow {
        name,
        avg: num(s.avg),
        min: num(s.min),
        max: num(s.max),
        total,
        group: false,
    }
}

fn total_row(name: &str, rate: Option<f64>, total: String) -> MetricRow {
    MetricRow {
        name: name.to_string(),
        avg: opt_num(rate),
        min: NONE.into(),
        max: NONE.into(),
        total,
        group: false,
    }
}

/// JUmPER's rows (with GiB said as GiB), then CPU time, I/O and, with more than one GPU,
/// each GPU on its own.
pub(crate) fn metric_rows(r: &Report) -> Vec<MetricRow> {
    let st = &r.stats;
    let mut rows = vec![
        stat(
            format!("CPU Util (Across {} CPUs)", r.num_cpus),
            st.cpu_util,
            NONE.into(),
        ),
        total_row("CPU Time (s)", None, num(st.cpu_time_s)),
        stat(
            "Memory (GiB)".into(),
            st.memory_gib,
            opt_num(r.memory_limit_gib),
        ),
    ];
    if r.num_gpus > 0 {
        if let Some(g) = st.gpu_util {
            rows.push(stat(
                format!("GPU Util (Across {} GPUs)", r.num_gpus),
                g,
                NONE.into(),
            ));
        }
        if let Some(b) = st.gpu_band {
            rows.push(stat("GPU Bandwidth (%)".into(), b, NONE.into()));
        }
        if let Some(m) = st.gpu_mem_gib {
            rows.push(stat(
                "GPU Memory (GiB)".into(),
                m,
                opt_num(r.gpu_memory_gib),
            ));
        }
    }
    let read = st.io_read_bytes / MIB;
    let write = st.io_write_bytes / MIB;
    let mut io = [
        total_row("I/O Read (MiB/s, MiB)", r.per_second(read), num(read)),
        total_row("I/O Write (MiB/s, MiB)", r.per_second(write), num(write)),
        total_row(
            "I/O Read Ops (/s, total)",
            r.per_second(st.io_read_ops),
            format!("{:.0}", st.io_read_ops.max(0.0)),
        ),
        total_row(
            "I/O Write Ops (/s, total)",
            r.per_second(st.io_write_ops),
            format!("{:.0}", st.io_write_ops.max(0.0)),
        ),
    ];
    if !r.io_available {
        for row in &mut io {
            row.avg = NOT_AVAILABLE.into();
            row.total = NOT_AVAILABLE.into();
        }
    }
    io[0].group = true;
    rows.extend(io);
    if r.gpus.len() > 1 {
        for g in &r.gpus {
            let mut util = stat(format!("GPU {} Util (%)", g.index), g.util, NONE.into());
            util.group = true;
            rows.push(util);
            rows.push(stat(
                format!("GPU {} Bandwidth (%)", g.index),
                g.band,
                NONE.into(),
            ));
            rows.push(stat(
                format!("GPU {} Memory (GiB)", g.index),
                g.mem_gib,
                opt_num(r.gpu_memory_gib),
            ));
        }
    }
    rows
}

/// One row of the per-cell table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CellRow {
    pub index: usize,
    /// The first non-blank line of the code, clipped.
    pub preview: String,
    /// The code, clipped to a size a tooltip can hold.
    pub code: String,
    pub duration: String,
    pub cpu_avg: String,
    pub cpu_max: String,
    pub cpu_time: String,
    pub mem_peak: String,
    pub read: String,
    pub write: String,
    pub gpu_avg: String,
    pub gpu_mem_peak: String,
    pub failed: bool,
    /// The error of a failed cell, clipped; empty otherwise.
    pub error: String,
    pub tags: Vec<Chip>,
}

/// Characters of code shown in the table.
const PREVIEW_CHARS: usize = 40;
/// Characters of code or error kept for a tooltip.
const TOOLTIP_CHARS: usize = 1000;

/// `io`: whether the report's I/O figures are measurements ([`Report::io_available`]);
/// without, the read and write columns say `n/a`.
pub(crate) fn cell_row(c: &CellSummary, io: bool) -> CellRow {
    let m = c.metrics;
    let field = |f: fn(&crate::CellMetrics) -> f64| m.as_ref().map_or(NONE.into(), |m| num(f(m)));
    let io_field = |f: fn(&crate::CellMetrics) -> f64| {
        if io {
            field(f)
        } else {
            NOT_AVAILABLE.into()
        }
    };
    let gpu = |f: fn(&crate::CellMetrics) -> Option<f64>| opt_num(m.as_ref().and_then(f));
    CellRow {
        index: c.cell_index,
        preview: first_line(&c.code, PREVIEW_CHARS),
        code: clip(&c.code, TOOLTIP_CHARS),
        duration: num(c.duration_s),
        cpu_avg: field(|m| m.cpu_util_avg),
        cpu_max: field(|m| m.cpu_util_max),
        cpu_time: field(|m| m.cpu_time_s),
        mem_peak: field(|m| m.memory_peak_gib),
        read: io_field(|m| m.io_read_mib),
        write: io_field(|m| m.io_write_mib),
        gpu_avg: gpu(|m| m.gpu_util_avg),
        gpu_mem_peak: gpu(|m| m.gpu_mem_peak_gib),
        failed: c.failed(),
        error: c
            .error
            .as_deref()
            .filter(|_| c.failed())
            .map_or_else(String::new, |e| clip(e, TOOLTIP_CHARS)),
        tags: chips(&c.tags),
    }
}

/// The sampler's line: interval, its own CPU time, missed ticks.
pub(crate) fn sampler_parts(r: &Report) -> (String, String, String) {
    (
        num(r.monitor.interval_s),
        format!("{:.3}", r.monitor.own_cpu_s),
        count(r.monitor.missed_ticks, "missed tick", "missed ticks"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_on_characters_not_bytes() {
        assert_eq!(clip("äöü", 2), "äö…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(first_line("\n  \n  import os  \nx = 1", 40), "import os");
        assert_eq!(first_line("", 40), "");
    }

    #[test]
    fn slugs_are_css_safe() {
        assert_eq!(slug("cpu-bound"), "cpu-bound");
        assert_eq!(slug("GPU-Util-Bound"), "gpu-util-bound");
        assert_eq!(slug("x\" onmouseover=\"y"), "unknown");
        assert_eq!(slug(""), "unknown");
    }

    #[test]
    fn numbers_have_two_decimals_and_no_negative_zero() {
        assert_eq!(num(-0.0), "0.00");
        assert_eq!(num(2.345_6), "2.35");
        assert_eq!(opt_num(None), "-");
        assert_eq!(count(1, "tick", "ticks"), "1 tick");
        assert_eq!(count(0, "tick", "ticks"), "0 ticks");
    }
}
