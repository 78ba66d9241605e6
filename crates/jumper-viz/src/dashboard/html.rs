//! Assembling the page: the template with uPlot, our stylesheet and script inlined and the
//! data embedded once, every string from the data escaped for where it lands.

/// The page skeleton; `{{NAME}}` marks where content goes.
pub(crate) const TEMPLATE: &str = include_str!("../../assets/dashboard/dashboard.html");
/// The dashboard's stylesheet (light and dark).
pub(crate) const DASHBOARD_CSS: &str = include_str!("../../assets/dashboard/dashboard.css");
/// The dashboard's script: reads the embedded data and builds every panel in the browser.
pub(crate) const DASHBOARD_JS: &str = include_str!("../../assets/dashboard/dashboard.js");
/// uPlot 1.6.32 (MIT), vendored unchanged; see `assets/uplot/README.md`.
pub(crate) const UPLOT_JS: &str = include_str!("../../assets/uplot/uPlot.iife.min.js");
/// uPlot's stylesheet.
pub(crate) const UPLOT_CSS: &str = include_str!("../../assets/uplot/uPlot.min.css");

/// Escapes text for HTML element content and attribute values (shared with the HTML report).
use jumper_data::html::escape as escape_html;

/// Makes JSON safe inside `<script type="application/json">`: `<`, `>` and `&` only occur
/// inside JSON strings, where `\u003c` and friends mean the same characters, so no cell's code
/// can close the script element or open a comment. U+2028/U+2029 are escaped for old parsers.
pub(crate) fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// The notes on damaged data as a paragraph (escaped, one line each), or nothing.
fn notes_html(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = notes.iter().map(|n| escape_html(n)).collect();
    format!(
        "<p id=\"notes\" class=\"notes\" role=\"note\">Damaged data: {}</p>",
        lines.join("<br>")
    )
}

/// Fills the template. Content is inserted in one pass over the template, so nothing inserted
/// is ever scanned for markers.
pub(crate) fn assemble(title: &str, data_json: &str, notes: &[String]) -> String {
    let title = escape_html(title);
    let notes = notes_html(notes);
    let data = escape_json_for_script(data_json);
    let mut out = String::with_capacity(
        TEMPLATE.len()
            + UPLOT_JS.len()
            + UPLOT_CSS.len()
            + DASHBOARD_JS.len()
            + DASHBOARD_CSS.len()
            + data.len()
            + notes.len()
            + 2 * title.len(),
    );
    let mut rest = TEMPLATE;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let content = match &after[..close] {
            "TITLE" => title.as_str(),
            "NOTES" => notes.as_str(),
            "UPLOT_CSS" => UPLOT_CSS,
            "DASHBOARD_CSS" => DASHBOARD_CSS,
            "DATA" => data.as_str(),
            "UPLOT_JS" => UPLOT_JS,
            "DASHBOARD_JS" => DASHBOARD_JS,
            _ => &rest[open..open + 2 + close + 2],
        };
        out.push_str(content);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlined_assets_cannot_end_their_elements_early() {
        for (name, text, closer) in [
            ("uPlot.iife.min.js", UPLOT_JS, "</script"),
            ("dashboard.js", DASHBOARD_JS, "</script"),
            ("uPlot.min.css", UPLOT_CSS, "</style"),
            ("dashboard.css", DASHBOARD_CSS, "</style"),
        ] {
            assert!(
                !text.to_ascii_lowercase().contains(closer),
                "{name} contains {closer}"
            );
            assert!(!text.contains("{{"), "{name} contains a template marker");
        }
    }

    #[test]
    fn the_template_has_each_marker_once() {
        for m in [
            "{{TITLE}}",
            "{{UPLOT_CSS}}",
            "{{DASHBOARD_CSS}}",
            "{{DATA}}",
            "{{NOTES}}",
            "{{UPLOT_JS}}",
            "{{DASHBOARD_JS}}",
        ] {
            let n = TEMPLATE.matches(m).count();
            assert_eq!(n, if m == "{{TITLE}}" { 2 } else { 1 }, "{m}");
        }
    }

    #[test]
    fn strings_are_escaped_for_where_they_land() {
        assert_eq!(
            escape_html(r#"<b a="1">&'</b>"#),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt;"
        );
        let json = serde_json::json!({"code": "</script><!-- & \u{2028}"}).to_string();
        let safe = escape_json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["code"], "</script><!-- & \u{2028}");
    }

    #[test]
    fn markers_in_content_are_left_alone() {
        let page = assemble(
            "{{DATA}} <x>",
            r#"{"t":"{{TITLE}}"}"#,
            &["{{NOTES}} <b>".to_string()],
        );
        assert_eq!(page.matches("{{DATA}} &lt;x&gt;").count(), 2);
        assert_eq!(page.matches(r#"{"t":"{{TITLE}}"}"#).count(), 1);
        assert_eq!(
            page.matches("Damaged data: {{NOTES}} &lt;b&gt;</p>")
                .count(),
            1
        );
        assert!(!assemble("t", "{}", &[]).contains("id=\"notes\""));
    }
}
