//! What commands return: typed values that each frontend shows its own way (a terminal prints
//! text, a notebook shows HTML and images, a Rust program inspects tables and data).

use std::fmt::Write as _;
use std::path::PathBuf;

use jumper_data::{CellRecord, PerfFrame};

/// How important a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something happened as asked.
    Info,
    /// Done, but not everything as asked (e.g. an option jumper ignores).
    Warning,
}

/// A table of strings with a header (e.g. the cell history).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Plain text with aligned columns; cells keep only their first line and at most `max`
    /// characters (an ellipsis marks the cut).
    pub fn to_text(&self, max: usize) -> String {
        let clip = |s: &str| -> String {
            let first = s.lines().next().unwrap_or("");
            let more = s.lines().nth(1).is_some();
            let mut out: String = first.chars().take(max).collect();
            if more || first.chars().count() > max {
                out.push('…');
            }
            out
        };
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| clip(c)).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut l = String::new();
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    l.push_str("  ");
                }
                let _ = write!(l, "{c:<w$}");
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut out, &self.columns);
        let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for r in &rows {
            line(&mut out, r);
        }
        out
    }
}

/// Image encodings a command can return (the figure formats of `jumper-viz`).
pub use jumper_viz::plot::ImageFormat;

/// The MIME type of an image format, for frontends that display images.
pub fn mime(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Svg => "image/svg+xml",
        ImageFormat::Jpeg => "image/jpeg",
    }
}

/// Data handed to the frontend under a name (JUmPER pushes these into the notebook namespace
/// as pandas DataFrames; with feature `polars` they convert to polars DataFrames).
#[derive(Debug, Clone, PartialEq)]
pub enum DataValue {
    /// Perf data of one level with the cells it maps to.
    Perf {
        /// The derived table.
        frame: PerfFrame,
        /// The cells, for the `cell_index` column.
        cells: Vec<CellRecord>,
    },
    /// A cell history.
    History(Vec<CellRecord>),
}

impl DataValue {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            DataValue::Perf { frame, .. } => frame.rows.len(),
            DataValue::History(c) => c.len(),
        }
    }

    /// As a polars DataFrame with the columns of the CSV export.
    #[cfg(feature = "polars")]
    pub fn to_dataframe(
        &self,
    ) -> Result<
        jumper_data::polars::polars::prelude::DataFrame,
        jumper_data::polars::polars::prelude::PolarsError,
    > {
        match self {
            DataValue::Perf { frame, cells } => jumper_data::polars::perf_dataframe(frame, cells),
            DataValue::History(c) => jumper_data::polars::history_dataframe(c),
        }
    }
}

/// One piece of output of a command.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// A status line (without any prefix; frontends add their own, e.g. `[jumper] `).
    Message {
        /// Info or warning.
        severity: Severity,
        /// The text, one line.
        text: String,
    },
    /// Plain text to show as it is (text reports, help, resources).
    Text(String),
    /// HTML for frontends that show it, with a plain-text alternative for those that do not.
    Html {
        /// An HTML fragment or document.
        html: String,
        /// What a terminal shows instead.
        text: String,
        /// The machine-readable numbers behind it, when there are any: for a report, its
        /// `jumper.report.v1` document (a notebook puts it in the output's metadata).
        json: Option<serde_json::Value>,
    },
    /// A table.
    Table {
        /// Title shown above it.
        title: String,
        /// The table.
        table: Table,
    },
    /// An image.
    Image {
        /// Encoding.
        format: ImageFormat,
        /// Encoded bytes.
        bytes: Vec<u8>,
    },
    /// Data handed over under a name.
    Data {
        /// JUmPER's variable name, e.g. `perfdata_df`.
        name: String,
        /// The data.
        value: DataValue,
    },
    /// A live plot started (`plot` is the plot now in force; a notebook frontend shows
    /// [`PerfmonitorService::render_live_png`](crate::PerfmonitorService::render_live_png)
    /// frames every [`LivePlot::interval`](crate::LivePlot::interval) seconds) or ended
    /// (`None`: the frontend stops updating its frames).
    LivePlot {
        /// The live plot in force, or `None` when it ended.
        plot: Option<crate::LivePlot>,
        /// One line for frontends without live display.
        text: String,
    },
    /// A file was written.
    File {
        /// What it is, e.g. `session`.
        what: &'static str,
        /// Where.
        path: PathBuf,
    },
}

impl Output {
    /// An info message.
    pub fn info(text: impl Into<String>) -> Output {
        Output::Message {
            severity: Severity::Info,
            text: text.into(),
        }
    }

    /// A warning message.
    pub fn warning(text: impl Into<String>) -> Output {
        Output::Message {
            severity: Severity::Warning,
            text: text.into(),
        }
    }

    /// How a plain terminal shows this output (images and data get a one-line note).
    pub fn to_text(&self) -> String {
        match self {
            Output::Message { severity, text } => match severity {
                Severity::Info => format!("[jumper] {text}\n"),
                Severity::Warning => format!("[jumper] warning: {text}\n"),
            },
            Output::Text(t) => ensure_newline(t),
            Output::Html { text, .. } => ensure_newline(text),
            Output::Table { title, table } => format!("{title}\n{}", table.to_text(60)),
            Output::Image { format, bytes } => format!(
                "[jumper] {} image of {} bytes (a terminal cannot show it: use --save FILE)\n",
                mime(*format),
                bytes.len()
            ),
            Output::Data { name, value } => format!(
                "[jumper] data '{name}' ready ({} rows; use --file to write it)\n",
                value.rows()
            ),
            Output::LivePlot { text, .. } => format!("[jumper] {text}\n"),
            Output::File { what, path } => {
                format!("[jumper] {what} written to {}\n", path.display())
            }
        }
    }
}

fn ensure_newline(t: &str) -> String {
    if t.ends_with('\n') {
        t.to_string()
    } else {
        format!("{t}\n")
    }
}

/// Where a frontend sends outputs as they are produced (a terminal, a Jupyter kernel's
/// display messages, a test's vector).
pub trait OutputSink {
    /// Shows one output.
    fn emit(&mut self, output: Output);
    /// Shows a command or cell error (one line) that did not stop the work.
    fn error(&mut self, message: &str);
}

/// A sink that keeps everything, for tests and for Rust callers.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Collect {
    /// Outputs in order.
    pub outputs: Vec<Output>,
    /// Errors in order.
    pub errors: Vec<String>,
}

impl OutputSink for Collect {
    fn emit(&mut self, output: Output) {
        self.outputs.push(output);
    }
    fn error(&mut self, message: &str) {
        self.errors.push(message.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_clip() {
        let t = Table {
            columns: vec!["Cell".into(), "Code".into()],
            rows: vec![
                vec!["0".into(), "x = 1\ny = 2".into()],
                vec!["10".into(), "abcdefghij".into()],
            ],
        };
        assert_eq!(
            t.to_text(5),
            "Cell  Code\n------------\n0     x = 1…\n10    abcde…\n"
        );
    }

    #[test]
    fn terminal_text_of_each_kind() {
        assert_eq!(Output::info("done").to_text(), "[jumper] done\n");
        assert_eq!(Output::warning("x").to_text(), "[jumper] warning: x\n");
        let img = Output::Image {
            format: ImageFormat::Png,
            bytes: vec![0; 10],
        };
        assert!(img.to_text().contains("image/png image of 10 bytes"));
    }
}
