//! The report as GitHub-flavoured Markdown: the HTML report's numbers in two tables.
//!
//! A heading with JUmPER's title, a line with duration, cells, level, samples, peak memory
//! and CPU time, the tags, the metric table (Metric, AVG, MIN, MAX, Total/Limit), the
//! per-cell table and the sampler's line. Text from the outside (cell code, errors) is
//! escaped so that it can neither break a table row nor inject markup.

use super::html::TITLE;
use super::table::{self, CellRow, MetricRow};
use super::Renderer;
use crate::Report;

/// Renders the Markdown report (for pull requests, wikis, CI summaries).
///
/// ```
/// use jumper_report::{MarkdownRenderer, Renderer};
/// # fn show(report: &jumper_report::Report) {
/// std::fs::write("report.md", MarkdownRenderer::default().render(report)).ok();
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownRenderer {
    cells: bool,
}

impl Default for MarkdownRenderer {
    /// The summary and the per-cell table.
    fn default() -> Self {
        MarkdownRenderer { cells: true }
    }
}

impl MarkdownRenderer {
    /// The same report without the per-cell table.
    pub fn without_cells(self) -> Self {
        MarkdownRenderer { cells: false }
    }
}

/// Escapes text for a Markdown table cell or paragraph: markup characters are backslashed,
/// `&`, `<` and `>` become entities (GitHub renders inline HTML), line breaks become spaces.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn table_row(cells: &[&str]) -> String {
    format!("| {} |", cells.join(" | "))
}

fn metric_line(m: &MetricRow) -> String {
    table_row(&[&text(&m.name), &m.avg, &m.min, &m.max, &m.total])
}

/// Characters of a failed cell's error shown in its row.
const ERROR_CHARS: usize = 60;

fn cell_line(c: &CellRow, error: Option<&str>, gpus: bool) -> String {
    let index = c.index.to_string();
    let code = text(&c.preview);
    let status = match error {
        Some(e) if c.failed => format!("**failed**: {}", text(&table::first_line(e, ERROR_CHARS))),
        _ if c.failed => "**failed**".to_string(),
        _ => "ok".to_string(),
    };
    let tags: Vec<String> = c.tags.iter().map(|t| text(&t.name)).collect();
    let tags = tags.join(", ");
    let mut cols: Vec<&str> = vec![
        &index,
        &code,
        &c.duration,
        &c.cpu_avg,
        &c.cpu_max,
        &c.cpu_time,
        &c.mem_peak,
        &c.read,
        &c.write,
    ];
    if gpus {
        cols.extend([c.gpu_avg.as_str(), c.gpu_mem_peak.as_str()]);
    }
    cols.extend([status.as_str(), tags.as_str()]);
    table_row(&cols)
}

impl Renderer for MarkdownRenderer {
    fn render(&self, r: &Report) -> String {
        let st = &r.stats;
        let mut out: Vec<String> = vec![format!("## {TITLE}"), String::new()];
        out.push(format!(
            "**Duration** {}s • **Cells** {} — cells {}, level `{}`, {}, peak memory {} GiB, \
             CPU time {} s{}",
            table::num(r.duration_s),
            r.num_cells(),
            r.cells_label(),
            r.level,
            table::count(st.samples as u64, "sample", "samples"),
            table::num(st.memory_gib.max),
            table::num(st.cpu_time_s),
            if st.exact_totals {
                ""
            } else {
                "; totals estimated from sampled rates"
            },
        ));
        out.push(String::new());
        if !r.tags.is_empty() {
            let names: Vec<String> = table::chips(&r.tags)
                .iter()
                .map(|c| format!("**{}** ({})", text(&c.name), c.score))
                .collect();
            out.push(format!("Signature(s): {}", names.join(" · ")));
            out.push(String::new());
        }
        out.push(table_row(&["Metric", "AVG", "MIN", "MAX", "Total/Limit"]));
        out.push("|:---|---:|---:|---:|---:|".into());
        out.extend(table::metric_rows(r).iter().map(metric_line));
        if self.cells && !r.per_cell.is_empty() {
            let gpus = r.num_gpus > 0;
            out.push(String::new());
            out.push("### Per cell".into());
            out.push(String::new());
            let mut head = vec![
                "Cell",
                "Code",
                "Duration (s)",
                "CPU avg (%)",
                "CPU max (%)",
                "CPU time (s)",
                "Peak mem (GiB)",
                "Read (MiB)",
                "Write (MiB)",
            ];
            if gpus {
                head.extend(["GPU avg (%)", "Peak GPU mem (GiB)"]);
            }
            head.extend(["Status", "Tags"]);
            out.push(table_row(&head));
            let mut align = vec!["---:", ":---"];
            align.extend(std::iter::repeat_n("---:", head.len() - 4));
            align.extend([":---", ":---"]);
            out.push(format!("|{}|", align.join("|")));
            for c in &r.per_cell {
                out.push(cell_line(
                    &table::cell_row(c, r.io_available),
                    c.error.as_deref(),
                    gpus,
                ));
            }
        }
        let (interval, own_cpu, missed) = table::sampler_parts(r);
        out.push(String::new());
        out.push(format!(
            "_Sampler: every {interval} s · own CPU {own_cpu} s · {missed}_"
        ));
        let mut s = out.join("\n");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cpu_report, failed_range_report, gpu_report};

    /// The cells of a Markdown table row, with `\|` kept inside a cell.
    fn cells(line: &str) -> Vec<String> {
        let inner = line
            .strip_prefix("| ")
            .and_then(|l| l.strip_suffix(" |"))
            .unwrap();
        let mut out = vec![String::new()];
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    out.last_mut().unwrap().push(c);
                    if let Some(n) = chars.next() {
                        out.last_mut().unwrap().push(n);
                    }
                }
                '|' => out.push(String::new()),
                c => out.last_mut().unwrap().push(c),
            }
        }
        out.iter().map(|c| c.trim().to_string()).collect()
    }

    fn line<'a>(md: &'a str, start: &str) -> &'a str {
        md.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start}"))
    }

    #[test]
    fn summary_and_metric_table() {
        let md = MarkdownRenderer::default().render(&cpu_report());
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "## JUmPER Performance Report");
        assert_eq!(
            lines[2],
            "**Duration** 2.00s • **Cells** 2 — cells 0-1, level `process`, 5 samples, \
             peak memory 3.00 GiB, CPU time 1.60 s"
        );
        assert_eq!(
            lines[4],
            "Signature(s): **MEMORY-BOUND** (1.00) · **CPU-BOUND** (0.80)"
        );
        assert_eq!(lines[6], "| Metric | AVG | MIN | MAX | Total/Limit |");
        assert_eq!(
            cells(line(&md, "| Memory (GiB)")),
            ["Memory (GiB)", "2.75", "2.00", "3.00", "2.50"]
        );
        assert_eq!(
            cells(line(&md, "| I/O Write (MiB/s, MiB)")),
            ["I/O Write (MiB/s, MiB)", "5.00", "-", "-", "10.00"]
        );
        assert!(md.ends_with("\n_Sampler: every 0.50 s · own CPU 0.004 s · 1 missed tick_\n"));
        // Every table row has as many cells as its header.
        for block in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let rows: Vec<&str> = block.lines().collect();
            let n = cells(rows[0]).len();
            assert_eq!(rows[1].matches('|').count(), n + 1);
            for r in &rows[2..] {
                assert_eq!(cells(r).len(), n, "{r}");
            }
        }
    }

    #[test]
    fn per_cell_table_escapes_and_marks_failures() {
        let md = MarkdownRenderer::default().render(&failed_range_report());
        assert!(!md.contains("<script"));
        assert!(!md.contains("Signature"), "the whole range has no tag");
        let failed = cells(line(&md, "| 1 |"));
        assert_eq!(failed.len(), 11);
        assert_eq!(
            failed[1],
            "x = \"&lt;script&gt;alert('code')&lt;/script&gt;\""
        );
        assert_eq!(
            failed[9],
            "**failed**: ValueError: &lt;script&gt;alert(\"error\")&lt;/script&gt; &amp; more"
        );
        assert_eq!(failed[10], "");
        let last = cells(line(&md, "| 2 |"));
        assert_eq!(
            last[2..],
            [
                "1.00",
                "75.00",
                "75.00",
                "0.75",
                "2.50",
                "0.00",
                "8.00",
                "ok",
                "MEMORY-BOUND, CPU-BOUND"
            ]
        );
        assert_eq!(text("a|b\nc_d*"), "a\\|b c\\_d\\*");
    }

    #[test]
    fn gpus_add_rows_and_columns() {
        let md = MarkdownRenderer::default().render(&gpu_report());
        assert_eq!(
            cells(line(&md, "| GPU 1 Util (%)")),
            ["GPU 1 Util (%)", "10.00", "10.00", "10.00", "-"]
        );
        let head = cells(line(&md, "| Cell |"));
        assert_eq!(head[9..11], ["GPU avg (%)", "Peak GPU mem (GiB)"]);
        assert_eq!(cells(line(&md, "| 3 |"))[9..11], ["50.00", "7.50"]);
        let without = MarkdownRenderer::default()
            .without_cells()
            .render(&gpu_report());
        assert!(!without.contains("Per cell"));
        assert!(without.contains("| GPU 1 Util (%)"));
    }

    #[test]
    fn snapshots() {
        insta::with_settings!({
            snapshot_path => "../../tests/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!("md_cpu_report", MarkdownRenderer::default().render(&cpu_report()));
            insta::assert_snapshot!("md_gpu_report", MarkdownRenderer::default().render(&gpu_report()));
            insta::assert_snapshot!(
                "md_failed_range_report",
                MarkdownRenderer::default().render(&failed_range_report())
            );
        });
    }
}
