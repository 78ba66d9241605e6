//! The HTML report: JUmPER's layout, then what JUmPER lacks, in one self-contained fragment.
//!
//! Rendered with tera from `templates/report.html` and `templates/styles.css` (embedded at
//! build time; the CSS is inlined in a `<style>` block). No script, no network: the fragment
//! works in JupyterLab, VS Code notebooks and a plain browser, light or dark.
//!
//! Layout, top to bottom:
//!
//! - JUmPER's header: the title "JUmPER Performance Report" and `Duration <x.xx>s • Cells <n>`
//!   (the title stays JUmPER's, as in the text report, whose first lines must match JUmPER's
//!   byte for byte: one product, one title in every format);
//! - a line with the cells, level, samples, peak memory and CPU time;
//! - one chip per tag, with JUmPER's colour and an inline SVG icon per tag slug;
//! - the metric table (Metric, AVG, MIN, MAX, Total/Limit, 2 decimals): JUmPER's rows (memory
//!   said as GiB, which is what JUmPER computes), CPU time, GPU bandwidth, I/O totals and
//!   rates, and each GPU on its own when there are several;
//! - the per-cell table ([`Report::per_cell`]), scrolling sideways when it is wider than the
//!   summary: failed cells are marked, their error in a tooltip, the code's first line shown
//!   and the code in a tooltip, each cell's own tags as small chips;
//! - the sampler's line: interval, its own CPU time, missed ticks.
//!
//! Every value from the outside (cell code, errors) is escaped by tera's autoescape.

use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

use super::table::{self, CellRow, Chip, MetricRow};
use super::Renderer;
use crate::{Report, ReportError};

const TEMPLATE_NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("../../templates/report.html");
const STYLES: &str = include_str!("../../templates/styles.css");

/// The title of every report (JUmPER's, see the module documentation).
pub(crate) const TITLE: &str = "JUmPER Performance Report";

/// Renders the HTML report: a fragment for notebooks, or a whole document for files.
///
/// ```
/// use jumper_report::{HtmlRenderer, Renderer};
/// # fn show(report: &jumper_report::Report) -> Result<(), jumper_report::ReportError> {
/// let fragment = HtmlRenderer::default().try_render(report)?; // for a notebook output
/// let page = HtmlRenderer::standalone().render(report); // for `-o report.html`
/// assert!(page.starts_with("<!doctype html>"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlRenderer {
    standalone: bool,
    cells: bool,
}

impl Default for HtmlRenderer {
    /// A fragment (`<style>` and one `<div>`) with the per-cell table.
    fn default() -> Self {
        HtmlRenderer {
            standalone: false,
            cells: true,
        }
    }
}

#[derive(Serialize)]
struct View {
    standalone: bool,
    page_title: String,
    styles: &'static str,
    title: &'static str,
    duration: String,
    n_cells: usize,
    cells_label: String,
    level: &'static str,
    samples: String,
    estimated: bool,
    tags: Vec<Chip>,
    metrics: Vec<MetricRow>,
    gpu_columns: bool,
    cells: Vec<CellRow>,
    sampler: Sampler,
}

#[derive(Serialize)]
struct Sampler {
    interval: String,
    own_cpu: String,
    missed: String,
}

static TERA: OnceLock<Tera> = OnceLock::new();

/// The parsed template, parsed once per process.
fn tera() -> Result<&'static Tera, ReportError> {
    if let Some(t) = TERA.get() {
        return Ok(t);
    }
    let mut t = Tera::default();
    t.autoescape_on(vec![".html"]);
    t.set_escape_fn(escape);
    t.add_raw_template(TEMPLATE_NAME, TEMPLATE)
        .map_err(|source| ReportError::Template {
            template: TEMPLATE_NAME,
            source,
        })?;
    Ok(TERA.get_or_init(|| t))
}

impl HtmlRenderer {
    /// A whole document (`<!doctype html>`, `<meta charset>`, `<title>`, styles in the head)
    /// for writing to a file.
    pub fn standalone() -> Self {
        HtmlRenderer {
            standalone: true,
            ..Self::default()
        }
    }

    /// The same report without the per-cell table (e.g. for automatic one-cell reports).
    pub fn without_cells(self) -> Self {
        HtmlRenderer {
            cells: false,
            ..self
        }
    }

    fn view(&self, r: &Report) -> View {
        let st = &r.stats;
        let (interval, own_cpu, missed) = table::sampler_parts(r);
        let samples = table::count(st.samples as u64, "sample", "samples");
        let peak = format!(
            "{samples} · peak memory {} GiB · CPU time {} s",
            table::num(st.memory_gib.max),
            table::num(st.cpu_time_s)
        );
        View {
            standalone: self.standalone,
            page_title: format!("{TITLE} — cells {} ({})", r.cells_label(), r.level),
            styles: STYLES,
            title: TITLE,
            duration: table::num(r.duration_s),
            n_cells: r.num_cells(),
            cells_label: r.cells_label(),
            level: r.level.as_str(),
            samples: peak,
            estimated: !st.exact_totals,
            tags: table::chips(&r.tags),
            metrics: table::metric_rows(r),
            gpu_columns: r.num_gpus > 0,
            cells: if self.cells {
                r.per_cell
                    .iter()
                    .map(|c| table::cell_row(c, r.io_available))
                    .collect()
            } else {
                Vec::new()
            },
            sampler: Sampler {
                interval,
                own_cpu,
                missed,
            },
        }
    }

    /// Renders the report, or says why the template failed (a bug in jumper, never in the
    /// data: every value reaches the template as a formatted string).
    pub fn try_render(&self, report: &Report) -> Result<String, ReportError> {
        let tera = tera()?;
        let template_error = |source| ReportError::Template {
            template: TEMPLATE_NAME,
            source,
        };
        let context = Context::from_serialize(self.view(report)).map_err(template_error)?;
        let mut html = tera
            .render(TEMPLATE_NAME, &context)
            .map_err(template_error)?;
        if !html.ends_with('\n') {
            html.push('\n');
        }
        Ok(html)
    }
}

/// Escapes text for HTML content and quoted attribute values (shared with the dashboard;
/// unlike tera's default it leaves `/` alone).
use jumper_data::html::escape;

/// What [`Renderer::render`] shows when the template fails: the error, escaped.
fn error_fragment(err: &ReportError) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    format!(
        "<div class=\"jump-container\"><p>jumper could not render the HTML report: {}</p></div>\n",
        escape(&message)
    )
}

impl Renderer for HtmlRenderer {
    /// Renders the report; should the template fail, an escaped error message in its place.
    fn render(&self, report: &Report) -> String {
        self.try_render(report)
            .unwrap_or_else(|e| error_fragment(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cpu_report, failed_range_report, gpu_report};

    /// Checks that every element opened is closed, in order. Knows void elements, `/>`,
    /// comments, the doctype, and that `<style>` holds raw text. Returns the tags opened,
    /// in document order, for further checks.
    fn balanced(html: &str) -> Vec<String> {
        const VOID: [&str; 4] = ["meta", "hr", "br", "img"];
        let mut stack: Vec<String> = Vec::new();
        let mut opened = Vec::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            rest = &rest[lt..];
            if rest.starts_with("<!--") {
                let end = rest.find("-->").expect("unclosed comment");
                rest = &rest[end + 3..];
                continue;
            }
            let gt = rest.find('>').expect("unclosed tag");
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if tag.starts_with('!') {
                assert_eq!(tag, "!doctype html");
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack.pop().unwrap_or_default();
                assert_eq!(top, name, "closing </{name}> while <{top}> is open");
                continue;
            }
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            assert!(!name.is_empty(), "bad tag <{tag}>");
            opened.push(name.clone());
            if tag.ends_with('/') || VOID.contains(&name.as_str()) {
                continue;
            }
            if name == "style" {
                let end = rest.find("</style>").expect("unclosed style");
                rest = &rest[end..];
            }
            stack.push(name);
        }
        assert!(stack.is_empty(), "never closed: {stack:?}");
        opened
    }

    fn td_texts(row: &str) -> Vec<String> {
        row.split("<td")
            .skip(1)
            .map(|c| {
                let start = c.find('>').unwrap() + 1;
                let end = c.find("</td>").unwrap();
                c[start..end].to_string()
            })
            .collect()
    }

    fn row_of<'a>(html: &'a str, first_cell: &str) -> &'a str {
        let at = html
            .find(&format!(">{first_cell}</td>"))
            .unwrap_or_else(|| panic!("no row {first_cell}"));
        let start = html[..at].rfind("<tr").unwrap();
        let end = at + html[at..].find("</tr>").unwrap();
        &html[start..end]
    }

    #[test]
    fn fragment_is_balanced_and_self_contained() {
        for r in [cpu_report(), gpu_report(), failed_range_report()] {
            let html = HtmlRenderer::default().render(&r);
            let tags = balanced(&html);
            assert_eq!(tags[..2], ["style", "div"]);
            for absent in ["script", "link", "img", "iframe", "html", "body"] {
                assert!(!tags.iter().any(|t| t == absent), "<{absent}> in fragment");
            }
            // Nothing to fetch: the only URL is the SVG namespace.
            assert!(!html
                .replace("http://www.w3.org/2000/svg", "")
                .contains("http"));
        }
    }

    #[test]
    fn standalone_is_a_document() {
        let html = HtmlRenderer::standalone().render(&cpu_report());
        assert!(html
            .starts_with("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"));
        assert!(html.contains("<title>JUmPER Performance Report — cells 0-1 (process)</title>"));
        assert!(
            html.ends_with("</body>\n</html>\n"),
            "{}",
            &html[html.len() - 40..]
        );
        let tags = balanced(&html);
        assert_eq!(tags[..2], ["html", "head"]);
        // The same report as the fragment, only wrapped.
        let fragment = HtmlRenderer::default().render(&cpu_report());
        let body = |h: &str| h[h.find("<div class=\"jump-container\">").unwrap()..].to_string();
        assert!(body(&html).starts_with(body(&fragment).trim_end()));
    }

    #[test]
    fn header_tags_and_metric_rows_carry_the_numbers() {
        let html = HtmlRenderer::default().render(&cpu_report());
        assert!(html.contains("<div class=\"jump-title\">JUmPER Performance Report</div>"));
        assert!(html
            .contains("<span class=\"jump-k\">Duration</span><span class=\"jump-v\">2.00s</span>"));
        assert!(html.contains("<span class=\"jump-k\">Cells</span><span class=\"jump-v\">2</span>"));
        assert!(html.contains(
            "Cells 0-1 · level process · 5 samples · peak memory 3.00 GiB · CPU time 1.60 s"
        ));
        // Tags in the analyzer's order, with JUmPER's slugs and names, and an icon each.
        let memory = html.find("jump-tag jump-tag--memory-bound\"").unwrap();
        let cpu = html.find("jump-tag jump-tag--cpu-bound\"").unwrap();
        assert!(memory < cpu);
        assert!(html.contains("<span class=\"jump-tag-name\">MEMORY-BOUND</span>"));
        let r = cpu_report();
        let cell_tags: usize = r.per_cell.iter().map(|c| c.tags.len()).sum();
        assert_eq!(
            html.matches("<span class=\"jump-tag-icon\"><svg").count(),
            2 + cell_tags
        );
        let cpu_row = td_texts(row_of(&html, "CPU Util (Across 1 CPUs)"));
        assert_eq!(cpu_row[1..], ["80.00", "80.00", "80.00", "-"]);
        let mem = td_texts(row_of(&html, "Memory (GiB)"));
        assert_eq!(mem[1..], ["2.75", "2.00", "3.00", "2.50"]);
        assert_eq!(td_texts(row_of(&html, "CPU Time (s)"))[4], "1.60");
        let read = td_texts(row_of(&html, "I/O Read (MiB/s, MiB)"));
        assert_eq!(read[1..], ["1.00", "-", "-", "2.00"]);
        let ops = td_texts(row_of(&html, "I/O Write Ops (/s, total)"));
        assert_eq!(ops[1..], ["10.00", "-", "-", "20"]);
        assert!(html.contains("Sampler: every 0.50 s · own CPU 0.004 s · 1 missed tick"));
        assert!(!html.contains("GPU"));
    }

    #[test]
    fn gpus_get_aggregate_and_per_gpu_rows_and_columns() {
        let html = HtmlRenderer::default().render(&gpu_report());
        let util = td_texts(row_of(&html, "GPU Util (Across 2 GPUs)"));
        assert_eq!(util[1..], ["50.00", "50.00", "50.00", "-"]);
        assert_eq!(td_texts(row_of(&html, "GPU Bandwidth (%)"))[1], "30.00");
        assert_eq!(td_texts(row_of(&html, "GPU Memory (GiB)"))[4], "8.00");
        assert_eq!(td_texts(row_of(&html, "GPU 0 Util (%)"))[1], "90.00");
        assert_eq!(td_texts(row_of(&html, "GPU 1 Bandwidth (%)"))[1], "20.00");
        assert_eq!(
            td_texts(row_of(&html, "GPU 1 Memory (GiB)"))[1..],
            ["7.50", "7.50", "7.50", "8.00"]
        );
        assert!(html.contains(
            "<th>GPU avg (%)</th><th>Peak GPU mem (GiB)</th><th class=\"jump-left\">Status</th>"
        ));
        let cell = td_texts(row_of(&html, "3"));
        assert_eq!(cell[9..11], ["50.00", "7.50"]);
    }

    #[test]
    fn per_cell_rows_mark_failures_and_escape_code_and_errors() {
        let html = HtmlRenderer::default().render(&failed_range_report());
        assert!(!html.contains("<script"), "unescaped markup");
        assert!(html.contains("&lt;script&gt;alert(&quot;error&quot;)&lt;/script&gt; &amp; more"));
        assert!(html.contains("title=\"x = &quot;&lt;script&gt;alert(&#39;code&#39;)&lt;/script&gt;&quot;\nraise ValueError(x)\""));
        balanced(&html);
        // No whole-range tag: 65 % CPU and 1.6 of 2.5 GiB.
        assert!(!html.contains("<div class=\"jump-taglist\">"));
        let rows: Vec<&str> = html
            .split("<tr class=\"jump-row")
            .skip(1)
            .map(|r| &r[..r.find("</tr>").unwrap()])
            .collect();
        assert_eq!(rows.len(), 3);
        let cells: Vec<Vec<String>> = rows.iter().map(|r| td_texts(r)).collect();
        assert_eq!(
            cells[0][..9],
            ["0", "cell 0", "1.00", "100.00", "100.00", "1.00", "1.00", "4.00", "0.00"]
        );
        assert_eq!(cells[1][2..6], ["1.00", "20.00", "20.00", "0.20"]);
        assert_eq!(
            cells[2][3..9],
            ["75.00", "75.00", "0.75", "2.50", "0.00", "8.00"]
        );
        assert!(rows[1].starts_with(" jump-row--failed\">"));
        assert!(!rows[0].contains("failed") && !rows[2].contains("failed"));
        assert!(cells[1][9].contains("jump-status--failed\" title=\"ValueError: &lt;script&gt;"));
        assert!(cells[0][9].contains(">ok</span>"));
        // Each cell's own tags, in order.
        let names = |r: &str| -> Vec<String> {
            r.split("jump-tag-name\">")
                .skip(1)
                .map(|s| s[..s.find('<').unwrap()].to_string())
                .collect()
        };
        assert_eq!(names(rows[0]), ["CPU-BOUND"]);
        assert!(names(rows[1]).is_empty());
        assert_eq!(names(rows[2]), ["MEMORY-BOUND", "CPU-BOUND"]);
        assert!(rows[2].contains("jump-tag--memory-bound jump-tag--small\" title=\"score 0.93\""));
    }

    #[test]
    fn without_cells_drops_only_the_cell_table() {
        let r = failed_range_report();
        let html = HtmlRenderer::default().without_cells().render(&r);
        assert!(!html.contains("jump-cells"));
        assert!(html.contains("Memory (GiB)"));
        balanced(&html);
    }

    #[test]
    fn theme_falls_back_from_vscode_to_jupyterlab_to_static_light_and_dark() {
        let html = HtmlRenderer::default().render(&cpu_report());
        assert!(html.contains(
            "--bg: var(--vscode-editor-background, var(--jp-layout-color0, var(--jump-static-bg)));"
        ));
        assert!(html.contains("@media (prefers-color-scheme: dark)"));
        assert!(html.contains("--max-content-width: 720px;"));
        for (slug, colour) in [
            ("cpu-bound", "#ef4444"),
            ("memory-bound", "#3b82f6"),
            ("gpu-util-bound", "#8b5cf6"),
            ("gpu-memory-bound", "#14b8a6"),
            ("gpu-allocated-but-not-used", "#9ca3af"),
        ] {
            assert!(html.contains(&format!(".jump-tag--{slug} {{ --tag-color: {colour}; }}")));
        }
    }

    #[test]
    fn every_tag_slug_has_its_own_icon() {
        let mut r = cpu_report();
        let slugs = [
            "cpu-bound",
            "memory-bound",
            "gpu-util-bound",
            "gpu-memory-bound",
            "gpu-allocated-but-not-used",
            "normal",
        ];
        r.tags = slugs
            .iter()
            .map(|s| jumper_data::Tag {
                name: (*s).into(),
                score: 1.0,
            })
            .collect();
        let html = HtmlRenderer::default().without_cells().render(&r);
        let icons: Vec<&str> = html
            .split("<span class=\"jump-tag-icon\">")
            .skip(1)
            .map(|s| &s[..s.find("</svg>").unwrap()])
            .collect();
        assert_eq!(icons.len(), slugs.len());
        for (i, a) in icons.iter().enumerate() {
            for b in &icons[i + 1..] {
                assert_ne!(a, b, "two slugs share an icon");
            }
        }
    }

    #[test]
    fn template_errors_become_an_escaped_message() {
        let err = ReportError::Template {
            template: "report.html",
            source: tera::Error::msg("bad <tag>"),
        };
        let html = error_fragment(&err);
        assert!(html.contains("could not render the HTML report"));
        assert!(html.contains("bad &lt;tag&gt;"));
        balanced(&html);
    }

    #[test]
    fn snapshots() {
        insta::with_settings!({
            snapshot_path => "../../tests/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!("html_cpu_report", HtmlRenderer::default().render(&cpu_report()));
            insta::assert_snapshot!("html_gpu_report", HtmlRenderer::default().render(&gpu_report()));
            insta::assert_snapshot!(
                "html_failed_range_report",
                HtmlRenderer::standalone().render(&failed_range_report())
            );
        });
    }
}
