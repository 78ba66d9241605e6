//! JUmPER's plain-text report, followed by the rows JUmPER lacks.
//!
//! The lines up to the memory (and GPU) rows are byte for byte what JUmPER 0.4.1 prints, so
//! its users find their familiar table first. jumper's rows follow in the same columns:
//!
//! | Row | AVG | MIN / MAX | TOTAL |
//! |---|---|---|---|
//! | `CPU Time (s)` | - | - | CPU seconds in the window |
//! | `I/O Read (MiB/s, MiB)`, `I/O Write (MiB/s, MiB)` | MiB/s over the window | - | MiB |
//! | `I/O Read Ops`, `I/O Write Ops` | - | - | operations |
//! | `GPU i Util (%)`, `GPU i Memory (GiB)` (only with more than one GPU) | per GPU | per GPU | limit |
//!
//! A last line says which cells and level the report covers, how many samples it read, and
//! whether its totals are estimated from sampled rates (imported JUmPER data has no counters).
//!
//! [`TextRenderer::with_cells`] adds the per-cell table below all of that (opt-in, so the
//! default output keeps starting and ending as before): one line per cell with its duration,
//! CPU average and maximum, CPU time, peak memory, I/O, status and tags, then one line per
//! failed cell with its error.

use super::Renderer;
use crate::Report;

const TITLE_RULE: &str = "----------------------------------------";
const TABLE_RULE: &str = "-----------------------------------------------------------------";

/// Renders the plain-text report.
///
/// ```
/// use jumper_report::{Renderer, TextRenderer};
/// # fn show(report: &jumper_report::Report) {
/// print!("{}", TextRenderer::default().render(report));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRenderer {
    extras: bool,
    cells: bool,
}

impl Default for TextRenderer {
    /// JUmPER's table plus jumper's extra rows and the closing line.
    fn default() -> Self {
        TextRenderer {
            extras: true,
            cells: false,
        }
    }
}

impl TextRenderer {
    /// Only what JUmPER 0.4.1 prints, nothing more (for tools that parse JUmPER's output).
    pub fn jumper_compatible() -> Self {
        TextRenderer {
            extras: false,
            cells: false,
        }
    }

    /// Appends the per-cell table ([`Report::per_cell`]) after everything else.
    pub fn with_cells(self) -> Self {
        TextRenderer {
            cells: true,
            ..self
        }
    }
}

fn row(name: &str, avg: &str, min: &str, max: &str, total: &str) -> String {
    format!("{name:<25} {avg:<8} {min:<8} {max:<8} {total:<8}")
}

fn num(x: f64) -> String {
    format!("{x:.2}")
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), num)
}

fn stat_row(name: &str, s: jumper_data::frame::Summary, total: &str) -> String {
    row(name, &num(s.avg), &num(s.min), &num(s.max), total)
}

impl TextRenderer {
    fn jumper_lines(r: &Report, out: &mut Vec<String>) {
        let st = &r.stats;
        let n = r.num_cells();
        out.push(TITLE_RULE.into());
        out.push("JUmPER Performance Report".into());
        out.push(TITLE_RULE.into());
        let noun = if n == 1 { "cell" } else { "cells" };
        out.push(format!("Duration: {:.2}s ({n} {noun})", r.duration_s));
        out.push(TITLE_RULE.into());
        if !r.tags.is_empty() {
            out.push("Signature(s):".into());
            let names: Vec<String> = r.tags.iter().map(|t| t.name.to_uppercase()).collect();
            out.push(names.join(" | "));
            out.push(TITLE_RULE.into());
        }
        out.push(row("Metric", "AVG", "MIN", "MAX", "TOTAL"));
        out.push(TABLE_RULE.into());
        out.push(stat_row(
            &format!("CPU Util (Across {} CPUs)", r.num_cpus),
            st.cpu_util,
            "-",
        ));
        out.push(stat_row(
            "Memory (GB)",
            st.memory_gib,
            &opt_num(r.memory_limit_gib),
        ));
        if r.num_gpus > 0 {
            if let Some(g) = st.gpu_util {
                out.push(stat_row(
                    &format!("GPU Util (Across {} GPUs)", r.num_gpus),
                    g,
                    "-",
                ));
            }
            if let Some(m) = st.gpu_mem_gib {
                out.push(stat_row("GPU Memory (GB)", m, &opt_num(r.gpu_memory_gib)));
            }
        }
    }

    fn extra_lines(r: &Report, out: &mut Vec<String>) {
        let st = &r.stats;
        out.push(row("CPU Time (s)", "-", "-", "-", &num(st.cpu_time_s)));
        let na = super::table::NOT_AVAILABLE;
        for (name, bytes) in [
            ("I/O Read (MiB/s, MiB)", st.io_read_bytes),
            ("I/O Write (MiB/s, MiB)", st.io_write_bytes),
        ] {
            let mib = bytes / crate::MIB;
            if r.io_available {
                out.push(row(name, &opt_num(r.per_second(mib)), "-", "-", &num(mib)));
            } else {
                out.push(row(name, na, "-", "-", na));
            }
        }
        for (name, ops) in [
            ("I/O Read Ops", st.io_read_ops),
            ("I/O Write Ops", st.io_write_ops),
        ] {
            let total = if r.io_available {
                format!("{ops:.0}")
            } else {
                na.to_string()
            };
            out.push(row(name, "-", "-", "-", &total));
        }
        if st.per_gpu.len() > 1 {
            for (i, (util, mem)) in st.per_gpu.iter().enumerate() {
                out.push(stat_row(&format!("GPU {i} Util (%)"), *util, "-"));
                out.push(stat_row(
                    &format!("GPU {i} Memory (GiB)"),
                    *mem,
                    &opt_num(r.gpu_memory_gib),
                ));
            }
        }
        out.push(TABLE_RULE.into());
        let samples = if st.samples == 1 { "sample" } else { "samples" };
        let estimated = if st.exact_totals {
            ""
        } else {
            "; totals estimated from sampled rates"
        };
        out.push(format!(
            "Cells: {} (level: {}, {} {samples}{estimated})",
            r.cells_label(),
            r.level,
            st.samples,
        ));
    }
}

/// Characters of a failed cell's error in the line below the per-cell table.
const ERROR_CHARS: usize = 100;

fn cell_lines(r: &Report, out: &mut Vec<String>) {
    let gpus = r.num_gpus > 0;
    let line = |cols: [&str; 8], gpu: [&str; 2], status: &str, tags: &str| {
        let mut s = format!(
            "{:>5} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]
        );
        if gpus {
            s.push_str(&format!(" {:>8} {:>8}", gpu[0], gpu[1]));
        }
        s.push_str(&format!("  {status:<6}  {tags}"));
        s.trim_end().to_string()
    };
    let head = line(
        [
            "Cell",
            "Dur (s)",
            "CPU avg",
            "CPU max",
            "CPU (s)",
            "Mem GiB",
            "Read MiB",
            "Write MiB",
        ],
        ["GPU avg", "GPU GiB"],
        "Status",
        "Tags",
    );
    let rule = "-".repeat(head.chars().count().max(TABLE_RULE.len()));
    out.push("Per cell:".into());
    out.push(head);
    out.push(rule.clone());
    for c in &r.per_cell {
        let row = super::table::cell_row(c, r.io_available);
        let index = row.index.to_string();
        let tags: Vec<&str> = row.tags.iter().map(|t| t.name.as_str()).collect();
        out.push(line(
            [
                &index,
                &row.duration,
                &row.cpu_avg,
                &row.cpu_max,
                &row.cpu_time,
                &row.mem_peak,
                &row.read,
                &row.write,
            ],
            [&row.gpu_avg, &row.gpu_mem_peak],
            if row.failed { "FAILED" } else { "ok" },
            &tags.join(", "),
        ));
    }
    out.push(rule);
    for c in r.per_cell.iter().filter(|c| c.failed()) {
        let error = c.error.as_deref().unwrap_or("no error recorded");
        out.push(format!(
            "Cell {} failed: {}",
            c.cell_index,
            super::table::first_line(error, ERROR_CHARS)
        ));
    }
}

impl Renderer for TextRenderer {
    fn render(&self, report: &Report) -> String {
        let mut lines = Vec::with_capacity(24 + report.per_cell.len());
        Self::jumper_lines(report, &mut lines);
        if self.extras {
            Self::extra_lines(report, &mut lines);
        }
        if self.cells {
            cell_lines(report, &mut lines);
        }
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cpu_report, failed_range_report, gpu_report};

    const CPU_REPORT: &str = "\
----------------------------------------
JUmPER Performance Report
----------------------------------------
Duration: 2.00s (2 cells)
----------------------------------------
Signature(s):
MEMORY-BOUND | CPU-BOUND
----------------------------------------
Metric                    AVG      MIN      MAX      TOTAL   
-----------------------------------------------------------------
CPU Util (Across 1 CPUs)  80.00    80.00    80.00    -       
Memory (GB)               2.75     2.00     3.00     2.50    
CPU Time (s)              -        -        -        1.60    
I/O Read (MiB/s, MiB)     1.00     -        -        2.00    
I/O Write (MiB/s, MiB)    5.00     -        -        10.00   
I/O Read Ops              -        -        -        4       
I/O Write Ops             -        -        -        20      
-----------------------------------------------------------------
Cells: 0-1 (level: process, 5 samples)
";

    #[test]
    fn renders_jumper_table_then_extra_rows() {
        assert_eq!(TextRenderer::default().render(&cpu_report()), CPU_REPORT);
    }

    #[test]
    fn jumper_compatible_stops_after_jumpers_rows() {
        let text = TextRenderer::jumper_compatible().render(&cpu_report());
        let end = CPU_REPORT.find("CPU Time").unwrap();
        assert_eq!(text, CPU_REPORT[..end]);
    }

    #[test]
    fn no_signature_block_without_tags_and_estimated_totals_are_flagged() {
        let mut r = cpu_report();
        r.tags.clear();
        r.stats.exact_totals = false;
        r.memory_limit_gib = None;
        let text = TextRenderer::default().render(&r);
        assert!(!text.contains("Signature"));
        assert!(text.contains(
            "Duration: 2.00s (2 cells)\n----------------------------------------\nMetric "
        ));
        assert!(text.contains("\nMemory (GB)               2.75     2.00     3.00     -       \n"));
        assert!(text.ends_with(
            "\nCells: 0-1 (level: process, 5 samples; totals estimated from sampled rates)\n"
        ));
    }

    #[test]
    fn one_cell_is_singular_and_gpus_get_rows() {
        let text = TextRenderer::default().render(&gpu_report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[3], "Duration: 2.00s (1 cell)");
        assert_eq!(lines[6], "MEMORY-BOUND | GPU-MEMORY-BOUND | CPU-BOUND");
        let from = lines.iter().position(|l| l.starts_with("Memory")).unwrap();
        assert_eq!(
            lines[from + 1..from + 3],
            [
                "GPU Util (Across 2 GPUs)  50.00    50.00    50.00    -       ",
                "GPU Memory (GB)           7.50     7.50     7.50     8.00    ",
            ]
        );
        let per_gpu = lines.iter().position(|l| l.starts_with("GPU 0")).unwrap();
        assert_eq!(
            lines[per_gpu..per_gpu + 4],
            [
                "GPU 0 Util (%)            90.00    90.00    90.00    -       ",
                "GPU 0 Memory (GiB)        7.50     7.50     7.50     8.00    ",
                "GPU 1 Util (%)            10.00    10.00    10.00    -       ",
                "GPU 1 Memory (GiB)        7.50     7.50     7.50     8.00    ",
            ]
        );
        assert_eq!(lines.last(), Some(&"Cells: 3 (level: process, 5 samples)"));
    }

    #[test]
    fn a_single_gpu_gets_no_per_gpu_rows() {
        let mut r = gpu_report();
        r.stats.per_gpu.truncate(1);
        let text = TextRenderer::default().render(&r);
        assert!(text.contains("GPU Util (Across 2 GPUs)"));
        assert!(!text.contains("GPU 0"));
    }

    #[test]
    fn with_cells_appends_the_per_cell_table() {
        let r = failed_range_report();
        let plain = TextRenderer::default().render(&r);
        let text = TextRenderer::default().with_cells().render(&r);
        assert!(text.starts_with(&plain), "the report itself is unchanged");
        let table: Vec<&str> = text[plain.len()..].lines().collect();
        assert_eq!(
            table,
            [
                "Per cell:",
                " Cell   Dur (s)  CPU avg  CPU max  CPU (s)  Mem GiB  Read MiB Write MiB  Status  Tags",
                "-------------------------------------------------------------------------------------",
                "    0      1.00   100.00   100.00     1.00     1.00      4.00      0.00  ok      CPU-BOUND",
                "    1      1.00    20.00    20.00     0.20     1.50      0.00      0.00  FAILED",
                "    2      1.00    75.00    75.00     0.75     2.50      0.00      8.00  ok      MEMORY-BOUND, CPU-BOUND",
                "-------------------------------------------------------------------------------------",
                "Cell 1 failed: ValueError: <script>alert(\"error\")</script> & more",
            ]
        );
    }

    #[test]
    fn with_cells_shows_gpu_columns_when_there_are_gpus() {
        let text = TextRenderer::jumper_compatible()
            .with_cells()
            .render(&gpu_report());
        let head = text.lines().find(|l| l.starts_with(" Cell")).unwrap();
        assert!(head.contains("  GPU avg  GPU GiB  Status"), "{head}");
        let row = text.lines().find(|l| l.starts_with("    3 ")).unwrap();
        assert!(row.contains("    50.00     7.50  ok "), "{row}");
    }
}
