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

/// Fills `template`'s `{{NAME}}` markers with `content(NAME)` in one pass, so nothing
/// inserted is ever scanned for markers; unknown markers stay as they are.
fn fill(template: &str, content: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        match content(&after[..close]) {
            Some(c) => out.push_str(&c),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Fills the template: the standalone page.
pub(crate) fn assemble(title: &str, data_json: &str, notes: &[String]) -> String {
    let title = escape_html(title);
    let notes = notes_html(notes);
    let data = escape_json_for_script(data_json);
    fill(TEMPLATE, &|name| {
        Some(
            match name {
                "TITLE" => title.as_str(),
                "NOTES" => notes.as_str(),
                "UPLOT_CSS" => UPLOT_CSS,
                "DASHBOARD_CSS" => DASHBOARD_CSS,
                "DATA" => data.as_str(),
                "UPLOT_JS" => UPLOT_JS,
                "DASHBOARD_JS" => DASHBOARD_JS,
                _ => return None,
            }
            .to_string(),
        )
    })
}

/// The class of a notebook dashboard's root element; its stylesheets apply below it only.
pub(crate) const FRAGMENT_CLASS: &str = "jumper-dash";

/// The dashboard as one notebook output: a `<div>` whose every id starts with `prefix`, its
/// stylesheets scoped below it, one IIFE that sets no global, and a static PNG (`static_png`,
/// shown where scripts do not run, e.g. an untrusted notebook) that the script hides when it
/// builds the interactive view.
pub(crate) fn assemble_fragment(
    prefix: &str,
    title: &str,
    data_json: &str,
    notes: &[String],
    static_png: Option<&[u8]>,
) -> String {
    use base64::Engine as _;
    let body_start = TEMPLATE.find("<body>").map_or(0, |i| i + "<body>".len());
    let body_end = TEMPLATE
        .find("<script type=\"application/json\"")
        .unwrap_or(TEMPLATE.len());
    let esc_title = escape_html(title);
    let notes = notes_html(notes);
    let body = fill(
        &TEMPLATE[body_start..body_end.max(body_start)],
        &|name| match name {
            "TITLE" => Some(esc_title.clone()),
            "NOTES" => Some(notes.clone()),
            _ => None,
        },
    );
    // Every string inserted above is escaped (a quote becomes &quot;), so each ` id="` is the
    // template's own.
    let body = body.replace(" id=\"", &format!(" id=\"{prefix}"));
    let scope = format!(".{FRAGMENT_CLASS}");
    let fallback = match static_png {
        Some(png) => format!(
            "<img id=\"{prefix}static\" class=\"jumper-dash-static\" alt=\"{esc_title} (static view; the interactive dashboard needs a trusted notebook)\" src=\"data:image/png;base64,{}\">",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        None => format!(
            "<p id=\"{prefix}static\" class=\"jumper-dash-static\">{esc_title}: the interactive dashboard needs a trusted notebook.</p>"
        ),
    };
    format!(
        "<div class=\"{FRAGMENT_CLASS}\" id=\"{prefix}root\">\n\
         <style>{}</style>\n<style>{}</style>\n{fallback}\n\
         <div id=\"{prefix}live\" class=\"jumper-dash-live\" style=\"display:none\">{body}</div>\n\
         <script type=\"application/json\" id=\"{prefix}jumper-data\">{}</script>\n\
         <script>\n(function (JUMPER_PREFIX) {{\n\
         var byId = function (id) {{ return document.getElementById(JUMPER_PREFIX + id); }};\n\
         var fallback = byId('static'), live = byId('live');\n\
         live.style.display = '';\n\
         if (fallback) {{ fallback.style.display = 'none'; }}\n\
         try {{\n{UPLOT_JS}\n{DASHBOARD_JS}\n}} catch (e) {{\n\
         if (fallback) {{ fallback.style.display = ''; }}\n\
         var box = byId('errors');\n\
         if (box) {{ box.hidden = false; box.textContent = 'The dashboard hit an error: ' + e; }}\n\
         }}\n}})('{prefix}');\n</script>\n</div>\n",
        scope_css(UPLOT_CSS, &scope),
        scope_css(DASHBOARD_CSS, &scope),
        escape_json_for_script(data_json),
    )
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .find("*/")
            .map_or("", |j| &rest[i + 2 + j + 2..]);
    }
    out.push_str(rest);
    out
}

fn scope_selector(sel: &str, scope: &str) -> String {
    let sel = sel.trim();
    for top in [":root", "html", "body"] {
        if sel == top {
            return scope.to_string();
        }
        if let Some(rest) = sel.strip_prefix(top).filter(|r| r.starts_with(' ')) {
            return format!("{scope}{rest}");
        }
    }
    format!("{scope} {sel}")
}

/// Scopes a stylesheet below `scope` (a selector): `:root`, `html` and `body` become the
/// scope itself, every other selector a descendant of it; `@media`/`@supports` blocks are
/// scoped inside, other at-rules kept. Comments are dropped.
pub(crate) fn scope_css(css: &str, scope: &str) -> String {
    let css = strip_comments(css);
    scope_block(&css, scope)
}

fn scope_block(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() + css.len() / 4);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let prelude = rest[..open].trim();
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        // An unbalanced rest is dropped: it could not apply anyway.
        let Some(close) = close else { break };
        let inner = &rest[open + 1..close];
        if prelude.starts_with("@media") || prelude.starts_with("@supports") {
            out.push_str(&format!("{prelude}{{{}}}\n", scope_block(inner, scope)));
        } else if prelude.starts_with('@') {
            out.push_str(&format!("{prelude}{{{inner}}}\n"));
        } else {
            let sels: Vec<String> = prelude
                .split(',')
                .map(|s| scope_selector(s, scope))
                .collect();
            out.push_str(&format!("{}{{{inner}}}\n", sels.join(", ")));
        }
        rest = &rest[close + 1..];
    }
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
    fn stylesheets_are_scoped_below_the_output() {
        let css = "/* c { } */ :root { --a: 1; } body { m: 0; } * { b: 1; }\n\
                   .x, button:hover { c: 2; } @media (max-width: 1px) { :root { d: 3; } .y { e: 4; } }";
        assert_eq!(
            scope_css(css, ".s"),
            ".s{ --a: 1; }\n.s{ m: 0; }\n.s *{ b: 1; }\n.s .x, .s button:hover{ c: 2; }\n\
             @media (max-width: 1px){.s{ d: 3; }\n.s .y{ e: 4; }\n}\n"
        );
        // Every rule of the real stylesheets ends up below the scope.
        for sheet in [DASHBOARD_CSS, UPLOT_CSS] {
            let scoped = scope_css(sheet, ".jumper-dash");
            let rules = scoped.matches('{').count();
            assert!(rules > 5);
            assert!(
                !scoped.contains(":root") && !scoped.contains("body"),
                "{scoped}"
            );
        }
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
