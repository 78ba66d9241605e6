//! Output formats: one [`Renderer`] per format, one file per format; `table` holds the rows
//! HTML and Markdown share.

mod html;
mod json;
mod markdown;
mod table;
mod text;

use std::fmt;
use std::str::FromStr;

pub use html::HtmlRenderer;
pub use json::{JsonRenderer, SCHEMA};
pub use markdown::MarkdownRenderer;
pub use text::TextRenderer;

use crate::{Report, ReportError};

/// Turns a [`Report`] into the text of one output format.
pub trait Renderer {
    /// Renders the report; the result ends with a newline.
    fn render(&self, report: &Report) -> String;
}

/// The report formats there are renderers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JUmPER's plain-text table plus jumper's extra rows ([`TextRenderer`]).
    Text,
    /// The `jumper.report.v1` JSON document ([`JsonRenderer`]).
    Json,
    /// A self-contained HTML fragment with the per-cell table ([`HtmlRenderer`]).
    Html,
    /// GitHub-flavoured Markdown tables ([`MarkdownRenderer`]).
    Markdown,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 4] = [Format::Text, Format::Json, Format::Html, Format::Markdown];

    /// The lower-case name used on command lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Html => "html",
            Format::Markdown => "markdown",
        }
    }

    /// The default renderer of this format (HTML: the fragment for notebooks; use
    /// [`HtmlRenderer::standalone`] for a file).
    pub fn renderer(self) -> Box<dyn Renderer> {
        match self {
            Format::Text => Box::new(TextRenderer::default()),
            Format::Json => Box::new(JsonRenderer::default()),
            Format::Html => Box::new(HtmlRenderer::default()),
            Format::Markdown => Box::new(MarkdownRenderer::default()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;
    /// A format name, case-insensitive; `md` is accepted for `markdown`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("md") {
            return Ok(Format::Markdown);
        }
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ReportError::UnknownFormat {
                given: s.to_string(),
                valid: Format::ALL.map(Format::as_str).join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_format_names() {
        assert_eq!("JSON".parse::<Format>().unwrap(), Format::Json);
        assert_eq!(" text".parse::<Format>().unwrap(), Format::Text);
        assert_eq!("Html".parse::<Format>().unwrap(), Format::Html);
        assert_eq!("markdown".parse::<Format>().unwrap(), Format::Markdown);
        assert_eq!("MD".parse::<Format>().unwrap(), Format::Markdown);
        let err = "pdf".parse::<Format>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown report format 'pdf'; valid formats: text, json, html, markdown"
        );
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
    }

    #[test]
    fn each_format_picks_its_renderer() {
        let r = crate::testdata::cpu_report();
        assert!(Format::Json
            .renderer()
            .render(&r)
            .starts_with("{\n  \"schema\""));
        assert!(Format::Text.renderer().render(&r).contains("\nCells: 0-1 "));
        assert!(Format::Html.renderer().render(&r).starts_with("<style>\n"));
        assert!(Format::Markdown
            .renderer()
            .render(&r)
            .starts_with("## JUmPER Performance Report\n"));
    }
}
