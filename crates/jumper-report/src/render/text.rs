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
}

impl Default for TextRenderer {
    /// JUmPER's table plus jumper's extra rows and the closing line.
    fn default() -> Self {
        TextRenderer { extras: true }
    }
}

impl TextRenderer {
    /// Only what JUmPER 0.4.1 prints, nothing more (for tools that parse JUmPER's output).
    pub fn jumper_compatible() -> Self {
        TextRenderer { extras: false }
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
        for (name, bytes) in [
            ("I/O Read (MiB/s, MiB)", st.io_read_bytes),
            ("I/O Write (MiB/s, MiB)", st.io_write_bytes),
        ] {
            let mib = bytes / crate::MIB;
            out.push(row(name, &opt_num(r.per_second(mib)), "-", "-", &num(mib)));
        }
        for (name, ops) in [
            ("I/O Read Ops", st.io_read_ops),
            ("I/O Write Ops", st.io_write_ops),
        ] {
            out.push(row(name, "-", "-", "-", &format!("{ops:.0}")));
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

impl Renderer for TextRenderer {
    fn render(&self, report: &Report) -> String {
        let mut lines = Vec::with_capacity(24);
        Self::jumper_lines(report, &mut lines);
        if self.extras {
            Self::extra_lines(report, &mut lines);
        }
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cpu_report, gpu_report};

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
}
