//! jumper's outputs as Jupyter messages: MIME bundles for `display_data`, `stream` content for
//! status lines, `error` content for failed commands.
//!
//! Choices (KERNEL.md, "Rendering"):
//! - A status line ([`Output::Message`]) is a `stream`: info on stdout, warnings on stderr,
//!   each as `[jumper] ...` text, the way JUmPER's messages (printed by its logger) looked.
//!   Streams join with the cell's own prints in the order they come.
//! - Every other output is one `display_data` bundle with `text/plain` always; `text/html`
//!   for HTML and tables; `image/png` (base64), `image/jpeg` (base64) or `image/svg+xml` (text)
//!   for images; and the machine-readable numbers in `metadata.jumper`: for a report, its
//!   `jumper.report.v1` document (`metadata.jumper.schema` says so); for data, its name, kind
//!   and row count; for a file, what and where.
//! - A text report in the JSON format (`--format json`) also gets `application/json`.
//! - A command that fails is an `error` message ([`error_content`]).

use base64::Engine as _;
use jumper_core::{one_line, DataValue, ImageFormat, Output, ServiceError, Severity};
use serde_json::{json, Map, Value};

/// The `schema` of jumper's report document (DESIGN §6).
pub const REPORT_SCHEMA: &str = "jumper.report.v1";

/// One Jupyter MIME bundle: what `display_data` and `execute_result` carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bundle {
    /// MIME type → representation (`text/plain` always present).
    pub data: Map<String, Value>,
    /// Metadata, with jumper's numbers under `jumper`.
    pub metadata: Map<String, Value>,
}

impl Bundle {
    /// The content of a `display_data` message.
    pub fn display_data(&self) -> Value {
        json!({ "data": self.data, "metadata": self.metadata, "transient": {} })
    }

    /// The content of an `execute_result` message.
    pub fn execute_result(&self, execution_count: u64) -> Value {
        json!({
            "execution_count": execution_count,
            "data": self.data,
            "metadata": self.metadata,
        })
    }

    fn plain(text: impl Into<String>) -> Bundle {
        let mut b = Bundle::default();
        b.data
            .insert("text/plain".into(), Value::String(text.into()));
        b
    }

    fn with(mut self, mime: &str, value: impl Into<Value>) -> Bundle {
        self.data.insert(mime.into(), value.into());
        self
    }

    fn jumper(mut self, value: Value) -> Bundle {
        self.metadata.insert("jumper".into(), value);
        self
    }
}

/// The message the relay publishes on iopub for one output.
#[derive(Debug, Clone, PartialEq)]
pub struct IopubMessage {
    /// `stream` or `display_data`.
    pub msg_type: &'static str,
    /// The message content.
    pub content: Value,
}

/// The iopub message of an output: a `stream` for a status line, `display_data` otherwise.
pub fn iopub(out: &Output) -> IopubMessage {
    match out {
        Output::Message { severity, .. } => IopubMessage {
            msg_type: "stream",
            content: stream_content(
                match severity {
                    Severity::Info => "stdout",
                    Severity::Warning => "stderr",
                },
                &out.to_text(),
            ),
        },
        _ => IopubMessage {
            msg_type: "display_data",
            content: bundle(out).display_data(),
        },
    }
}

/// The content of a `stream` message (`name` is `stdout` or `stderr`).
pub fn stream_content(name: &str, text: &str) -> Value {
    json!({ "name": name, "text": text })
}

/// The content of an `error` message: `traceback` is the one line `ename: evalue`, which is
/// what frontends show.
pub fn error_content(ename: &str, evalue: &str) -> Value {
    json!({
        "ename": ename,
        "evalue": evalue,
        "traceback": [format!("{ename}: {evalue}")],
    })
}

/// The `error` content of a failed command: `UsageError` for a bad command line (as IPython
/// names a bad magic call), `JumperError` for anything else; the value is the error and its
/// causes on one line.
pub fn service_error_content(e: &ServiceError) -> Value {
    error_content(error_name(e), &one_line(e))
}

/// The `ename` [`service_error_content`] uses.
pub fn error_name(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::Command(_) => "UsageError",
        _ => "JumperError",
    }
}

/// An `execute_reply` content with status `error`.
pub fn error_reply_content(ename: &str, evalue: &str, execution_count: u64) -> Value {
    let mut v = error_content(ename, evalue);
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), "error".into());
        m.insert("execution_count".into(), execution_count.into());
        m.insert("user_expressions".into(), json!({}));
        m.insert("payload".into(), json!([]));
    }
    v
}

/// The MIME bundle of an output (see the module docs).
pub fn bundle(out: &Output) -> Bundle {
    match out {
        Output::Message { severity, text } => Bundle::plain(out.to_text()).jumper(json!({
            "message": text,
            "severity": match severity { Severity::Info => "info", Severity::Warning => "warning" },
        })),
        Output::Text(t) => {
            let b = Bundle::plain(t.clone());
            match report_document(t) {
                Some(doc) => b.with("application/json", doc.clone()).jumper(doc),
                None => b,
            }
        }
        Output::Html { html, text, json } => {
            let b = Bundle::plain(text.clone()).with("text/html", html.clone());
            match json {
                Some(doc) => b.jumper(doc.clone()),
                None => b,
            }
        }
        Output::Table { title, table } => {
            Bundle::plain(format!("{title}\n{}", table.to_text(60)))
                .with("text/html", table_html(title, &table.columns, &table.rows))
                .jumper(json!({ "table": { "title": title, "columns": table.columns, "rows": table.rows.len() } }))
        }
        Output::Image { format, bytes } => image_bundle(*format, bytes),
        Output::Data { name, value } => {
            let (kind, what) = match value {
                DataValue::Perf { .. } => ("perf", "performance data"),
                DataValue::History(_) => ("history", "cell history"),
            };
            let rows = value.rows();
            Bundle::plain(format!("{name}: {what}, {rows} rows")).jumper(json!({
                "data": { "name": name, "kind": kind, "rows": rows }
            }))
        }
        Output::File { what, path } => {
            Bundle::plain(format!("wrote {what} to {}", path.display()))
                .jumper(json!({ "file": { "what": what, "path": path.to_string_lossy() } }))
        }
        // Output is non-exhaustive: a kind added later still shows as text.
        other => Bundle::plain(other.to_text()),
    }
}

/// A `jumper.report.v1` document, when `text` is one (a report in the JSON format).
fn report_document(text: &str) -> Option<Value> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(t).ok()?;
    (v.get("schema").and_then(Value::as_str) == Some(REPORT_SCHEMA)).then_some(v)
}

fn image_bundle(format: ImageFormat, bytes: &[u8]) -> Bundle {
    let mime = jumper_core::mime(format);
    let alt = format!("[jumper] plot ({mime}, {} bytes)", bytes.len());
    let b = Bundle::plain(alt);
    match format {
        ImageFormat::Svg => b.with(mime, String::from_utf8_lossy(bytes).into_owned()),
        _ => {
            let mut b = b.with(
                mime,
                base64::engine::general_purpose::STANDARD.encode(bytes),
            );
            if let Some((w, h)) = png_size(bytes).filter(|_| format == ImageFormat::Png) {
                b.metadata
                    .insert(mime.into(), json!({ "width": w, "height": h }));
            }
            b
        }
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != SIG || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

/// A static HTML table (no scripts): escaped cells, line breaks kept.
fn table_html(title: &str, columns: &[String], rows: &[Vec<String>]) -> String {
    use jumper_data::html::escape;
    let cell = |s: &str| escape(s).replace("\r\n", "\n").replace('\n', "<br>");
    let mut h = String::from("<div class=\"jumper-table\">");
    h.push_str(&format!("<p><strong>{}</strong></p>", escape(title)));
    h.push_str("<table><thead><tr>");
    for c in columns {
        h.push_str(&format!("<th>{}</th>", cell(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            h.push_str(&format!(
                "<td style=\"text-align:left;white-space:pre-wrap;font-family:monospace\">{}</td>",
                cell(c)
            ));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_core::{CellRecord, PerfmonitorService, Table};
    use std::path::PathBuf;

    #[test]
    fn messages_are_streams_info_on_stdout_warnings_on_stderr() {
        let m = iopub(&Output::info("Performance monitoring started"));
        assert_eq!(m.msg_type, "stream");
        assert_eq!(
            m.content,
            json!({"name": "stdout", "text": "[jumper] Performance monitoring started\n"})
        );
        let w = iopub(&Output::warning("ignored --pickle"));
        assert_eq!(w.content["name"], "stderr");
        assert_eq!(w.content["text"], "[jumper] warning: ignored --pickle\n");
        // As a bundle (should a relay want one) it is text with the severity in metadata.
        let b = bundle(&Output::warning("x"));
        assert_eq!(b.data["text/plain"], "[jumper] warning: x\n");
        assert_eq!(b.metadata["jumper"]["severity"], "warning");
    }

    #[test]
    fn text_is_plain_and_json_reports_are_also_json() {
        let b = bundle(&Output::Text("CPUs: 2\n".into()));
        assert_eq!(b.data.len(), 1);
        assert_eq!(b.data["text/plain"], "CPUs: 2\n");
        assert!(b.metadata.is_empty());
        let doc = json!({"schema": "jumper.report.v1", "cells": [1], "level": "process"});
        let b = bundle(&Output::Text(serde_json::to_string_pretty(&doc).unwrap()));
        assert_eq!(b.data["application/json"], doc);
        assert_eq!(b.metadata["jumper"], doc);
        // Other JSON is just text.
        let b = bundle(&Output::Text("{\"schema\": \"other\"}".into()));
        assert!(!b.data.contains_key("application/json"));
        let m = iopub(&Output::Text("x".into()));
        assert_eq!(m.msg_type, "display_data");
        assert_eq!(m.content["transient"], json!({}));
    }

    #[test]
    fn tables_are_escaped_static_html_with_a_text_fallback() {
        let out = Output::Table {
            title: "Cell history (1 cells)".into(),
            table: Table {
                columns: vec!["Cell index".into(), "Code".into()],
                rows: vec![vec![
                    "0".into(),
                    "if a < b:\r\n    print('<script>')".into(),
                ]],
            },
        };
        let b = bundle(&out);
        let html = b.data["text/html"].as_str().unwrap();
        assert!(html.contains("<th>Cell index</th>"));
        assert!(
            html.contains("if a &lt; b:<br>    print(&#39;&lt;script&gt;&#39;)"),
            "{html}"
        );
        assert!(!html.contains("<script"));
        let text = b.data["text/plain"].as_str().unwrap();
        assert!(
            text.starts_with("Cell history (1 cells)\nCell index  Code\n"),
            "{text}"
        );
        assert_eq!(b.metadata["jumper"]["table"]["rows"], 1);
    }

    #[test]
    fn images_are_base64_png_or_svg_text_with_an_alternative() {
        // A 1x1 PNG's signature and IHDR (enough for the size).
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        let b = bundle(&Output::Image {
            format: ImageFormat::Png,
            bytes: png.clone(),
        });
        let enc = b.data["image/png"].as_str().unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(enc)
                .unwrap(),
            png
        );
        assert_eq!(
            b.metadata["image/png"],
            json!({"width": 640, "height": 480})
        );
        assert!(b.data["text/plain"]
            .as_str()
            .unwrap()
            .contains("image/png, 24 bytes"));
        let b = bundle(&Output::Image {
            format: ImageFormat::Svg,
            bytes: b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        });
        assert_eq!(
            b.data["image/svg+xml"],
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
        );
        assert!(b.data.contains_key("text/plain"));
        let b = bundle(&Output::Image {
            format: ImageFormat::Jpeg,
            bytes: vec![0xff, 0xd8, 0xff],
        });
        assert_eq!(b.data["image/jpeg"], "/9j/");
        assert!(!b.metadata.contains_key("image/jpeg"));
        assert_eq!(png_size(b"\x89PNG"), None);
    }

    #[test]
    fn data_and_files_are_summaries_with_numbers_in_metadata() {
        let cells = vec![CellRecord::default(), CellRecord::default()];
        let b = bundle(&Output::Data {
            name: "cell_history_df".into(),
            value: DataValue::History(cells),
        });
        assert_eq!(
            b.data["text/plain"],
            "cell_history_df: cell history, 2 rows"
        );
        assert_eq!(
            b.metadata["jumper"],
            json!({"data": {"name": "cell_history_df", "kind": "history", "rows": 2}})
        );
        let b = bundle(&Output::File {
            what: "script",
            path: PathBuf::from("/tmp/ä b.py"),
        });
        assert_eq!(b.data["text/plain"], "wrote script to /tmp/ä b.py");
        assert_eq!(b.metadata["jumper"]["file"]["path"], "/tmp/ä b.py");
    }

    #[test]
    fn errors_are_one_line_with_an_ipython_like_name() {
        assert_eq!(
            error_content("UsageError", "unknown level 'x'"),
            json!({"ename": "UsageError", "evalue": "unknown level 'x'",
                   "traceback": ["UsageError: unknown level 'x'"]})
        );
        let e: ServiceError = jumper_core::Command::parse("%perfmonitor_start abc")
            .unwrap_err()
            .into();
        let c = service_error_content(&e);
        assert_eq!(c["ename"], "UsageError");
        assert!(c["evalue"].as_str().unwrap().contains("abc"));
        assert_eq!(
            service_error_content(&ServiceError::NoMonitor)["ename"],
            "JumperError"
        );
        let r = error_reply_content("JumperError", "x", 7);
        assert_eq!(r["status"], "error");
        assert_eq!(r["execution_count"], 7);
    }

    /// A real report from the service: HTML without scripts, the text fallback, and the
    /// report document in the metadata.
    #[test]
    fn a_real_report_carries_its_numbers_and_no_script() {
        let mut s = PerfmonitorService::builder().build().unwrap();
        s.run_command("%perfmonitor_start 0.05").unwrap();
        s.cell("busy", || {
            let t = std::time::Instant::now();
            let mut x = 0u64;
            while t.elapsed().as_millis() < 150 {
                x = x.wrapping_add(std::hint::black_box(1));
            }
            x
        });
        let outs = s.run_command("%perfmonitor_perfreport --cell 0").unwrap();
        let b = bundle(&outs[0]);
        let html = b.data["text/html"].as_str().unwrap().to_ascii_lowercase();
        assert!(html.contains("<table"));
        for js in ["<script", "javascript:", "onload=", "onclick=", "onerror="] {
            assert!(!html.contains(js), "{js} in the report");
        }
        assert!(b.data["text/plain"].as_str().unwrap().contains("(1 cell)"));
        let doc = &b.metadata["jumper"];
        assert_eq!(doc["schema"], REPORT_SCHEMA);
        assert_eq!(doc["cells"], json!([0]));
        assert!(doc["metrics"]["cpu_time_s"]["total"].as_f64().unwrap() > 0.05);
        // The automatic report after a cell is the same kind of output.
        let rec = s.history().cells()[0].clone();
        s.run_command("%perfmonitor_enable_perfreports").unwrap();
        let auto = s.after_cell(&rec);
        assert_eq!(
            bundle(&auto[0]).metadata["jumper"]["schema"],
            "jumper.report.v1"
        );
        s.run_command("%perfmonitor_stop").unwrap();
    }
}
