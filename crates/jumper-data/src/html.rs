//! HTML escaping shared by the HTML report and the dashboard.

/// Escapes text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and
/// `'`. `/` is left alone: escaping it protects nothing in quoted attributes and makes `I/O`
/// unreadable in the source.
///
/// ```
/// assert_eq!(
///     jumper_data::html::escape(r#"<b a="1">&'</b> I/O"#),
///     "&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt; I/O"
/// );
/// ```
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
