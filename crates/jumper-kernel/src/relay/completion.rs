//! jumper's command names, options and values in the frontend's completions.

use serde_json::{json, Value};

use crate::wire::Message;

/// Byte offset of code point `chars` in `s` (Jupyter counts cursor positions in code points).
fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

fn chars_at(s: &str, byte: usize) -> usize {
    s[..byte.min(s.len())].chars().count()
}

/// jumper's candidates when the cursor is on a jumper command line: `(cursor_start,
/// cursor_end, matches)` in code points, or `None` when jumper has nothing to offer.
pub(super) fn jumper_matches(code: &str, cursor_pos: usize) -> Option<(usize, usize, Vec<String>)> {
    let cursor = byte_at(code, cursor_pos);
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    if !code[line_start..].trim_start().starts_with('%') {
        return None;
    }
    let c = jumper_core::command::complete(code, cursor);
    if c.matches.is_empty() {
        return None;
    }
    Some((chars_at(code, c.start), chars_at(code, c.end), c.matches))
}

/// Adds jumper's candidates to the child's `complete_reply`. When both complete the same
/// span, jumper's come first; when the spans differ, jumper's span wins (the line is one of
/// its commands) and the child's matches are kept only if they fit it.
pub(super) fn merge(msg: &mut Message, ours: (usize, usize, Vec<String>)) {
    let (start, end, names) = ours;
    let Ok(mut v) = msg.content::<Value>() else {
        return;
    };
    let same = v["cursor_start"].as_u64() == Some(start as u64)
        && v["cursor_end"].as_u64() == Some(end as u64);
    let mut matches: Vec<Value> = names.into_iter().map(Value::from).collect();
    if same {
        if let Some(theirs) = v["matches"].as_array() {
            for m in theirs {
                if !matches.contains(m) {
                    matches.push(m.clone());
                }
            }
        }
    }
    v["matches"] = Value::Array(matches);
    v["cursor_start"] = json!(start);
    v["cursor_end"] = json!(end);
    v["status"] = json!("ok");
    if !same {
        // The child's typed metadata describes its own matches only.
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("_jupyter_types_experimental");
        }
    }
    if let Ok(b) = serde_json::to_vec(&v) {
        msg.set_content(b.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_command_names_on_a_percent_line_in_code_points() {
        let code = "x = 'é'\n%perfmonitor_st";
        let (s, e, m) = jumper_matches(code, code.chars().count()).unwrap();
        assert_eq!((s, e), (8, 23));
        assert!(m.contains(&"%perfmonitor_start".to_string()), "{m:?}");
        assert!(m.contains(&"%perfmonitor_stop".to_string()));
        assert_eq!(jumper_matches("import o", 8), None);
    }
}
