//! jumper's names in completions: what jumper offers for a `complete_request`, and how that
//! joins the wrapped kernel's `complete_reply`.
//!
//! jumper completes only on a line that starts with `%` in column 0 (the lines
//! [`super::cell`] reads as jumper's): the command name (`%perfmonitor_st` →
//! `%perfmonitor_start`, `%perfmonitor_stop`; the wrapper magics `%wrap_kernel`,
//! `%list_kernels` too), and after one of jumper's commands its options and the values of
//! options with a fixed set of values (`--level `, `--format `), through jumper-core's
//! [`complete`](jumper_core::command::complete); after `%wrap_kernel`, kernel names.
//!
//! Offsets are in Unicode code points, as the Jupyter protocol counts `cursor_pos`,
//! `cursor_start` and `cursor_end` (jumper-core counts bytes; this module converts).

use jumper_core::command::complete as core_complete;
use serde_json::{json, Map, Value};

use super::cell::{LIST_KERNELS, WRAP_KERNEL};
use super::NotebookError;

/// What jumper offers at a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumperMatches {
    /// Where the replaced text starts (code points into the cell).
    pub cursor_start: usize,
    /// Where it ends: the cursor (code points).
    pub cursor_end: usize,
    /// Candidates, in jumper's order.
    pub matches: Vec<String>,
    /// True when only jumper's matches make sense (options and values of a jumper command):
    /// the wrapped kernel's matches are dropped. False for the command name itself, where the
    /// kernel's own magics (`%time`, `%timeit`) are offered too, and whenever jumper has
    /// nothing to offer (the kernel may complete a file name, say).
    pub exclusive: bool,
}

const WRAPPER_MAGICS: [&str; 2] = [WRAP_KERNEL, LIST_KERNELS];

/// jumper's matches at `cursor_pos` (code points into `code`), or `None` when the cursor is
/// not on a `%` line that jumper completes.
pub fn jumper_matches(code: &str, cursor_pos: usize) -> Option<JumperMatches> {
    jumper_matches_with_kernels(code, cursor_pos, &[])
}

/// [`jumper_matches`], also offering `kernels` (names from the catalog) after `%wrap_kernel`.
pub fn jumper_matches_with_kernels(
    code: &str,
    cursor_pos: usize,
    kernels: &[String],
) -> Option<JumperMatches> {
    let cursor = byte_of(code, cursor_pos);
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let line = &code[line_start..];
    let before = &code[line_start..cursor];
    if !line.starts_with('%')
        || line.starts_with("%%")
        || line[1..].starts_with(char::is_whitespace)
    {
        return None;
    }
    let word_start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &before[word_start..];
    let first_word = word_start == 0;
    let name = before[1..].split_whitespace().next().unwrap_or("");
    let at = |matches: Vec<String>, exclusive: bool| {
        Some(JumperMatches {
            cursor_start: cp_of(code, line_start + word_start),
            cursor_end: cp_of(code, cursor),
            exclusive: exclusive && !matches.is_empty(),
            matches,
        })
    };
    if first_word {
        let c = core_complete(code, cursor);
        let typed = &word[1..];
        let mut matches = c.matches;
        matches.extend(
            WRAPPER_MAGICS
                .iter()
                .filter(|m| m.starts_with(typed))
                .map(|m| format!("%{m}")),
        );
        return at(matches, false);
    }
    if name == WRAP_KERNEL {
        let earlier: Vec<&str> = before[..word_start].split_whitespace().skip(1).collect();
        if earlier.last() == Some(&"--save") {
            return at(Vec::new(), false);
        }
        if word.starts_with('-') {
            let m = ["--save"]
                .iter()
                .filter(|o| o.starts_with(word))
                .map(|o| o.to_string())
                .collect();
            return at(m, true);
        }
        let has_name = earlier
            .iter()
            .enumerate()
            .any(|(i, w)| !w.starts_with('-') && (i == 0 || earlier[i - 1] != "--save"));
        if has_name {
            return at(Vec::new(), false);
        }
        let m = kernels
            .iter()
            .filter(|k| k.starts_with(word))
            .cloned()
            .collect();
        return at(m, true);
    }
    if name == LIST_KERNELS || !jumper_core::command::is_command(name) {
        return None;
    }
    let c = core_complete(code, cursor);
    Some(JumperMatches {
        cursor_start: cp_of(code, c.start),
        cursor_end: cp_of(code, c.end),
        exclusive: !c.matches.is_empty(),
        matches: c.matches,
    })
}

/// The `complete_reply` content of jumper's matches alone (when there is no wrapped kernel,
/// or its reply failed or did not come).
pub fn reply_content(ours: &JumperMatches) -> Value {
    json!({
        "status": "ok",
        "matches": ours.matches,
        "cursor_start": ours.cursor_start,
        "cursor_end": ours.cursor_end,
        "metadata": {},
    })
}

/// Adds jumper's matches to the wrapped kernel's `complete_reply` content (the JSON bytes as
/// received) and returns the new content, every other field of the child's kept.
///
/// - `ours.exclusive`, or a child reply whose status is not `ok`: jumper's reply alone.
/// - No matches of ours: the child's reply unchanged.
/// - Otherwise the lists are joined, jumper's first, duplicates dropped. Both replace text
///   that ends at the cursor, but they may start at different places (IPython replaces from
///   the `%`, other kernels from the letter after it): the one that starts later gets the text
///   between the two starts put before each of its matches, so that every match replaces the
///   same span and still means the same text. When the child's span does not end where ours
///   does, the spans cannot be joined and jumper's reply is used (its matches are the ones
///   meant for a `%` line). IPython's experimental typed matches
///   (`metadata._jupyter_types_experimental`) get jumper's as type `magic`, with the same
///   offsets.
pub fn merge_complete_reply(
    child_reply_content: &[u8],
    code: &str,
    ours: &JumperMatches,
) -> Result<Vec<u8>, NotebookError> {
    let to_bytes = |v: &Value| {
        serde_json::to_vec(v).map_err(|source| NotebookError::Json {
            what: "complete_reply",
            source,
        })
    };
    let mut child: Value =
        serde_json::from_slice(child_reply_content).map_err(|source| NotebookError::Json {
            what: "complete_reply content from the wrapped kernel",
            source,
        })?;
    let ok = child.get("status").and_then(Value::as_str) == Some("ok");
    if ours.exclusive || !ok {
        return to_bytes(&reply_content(ours));
    }
    if ours.matches.is_empty() {
        return Ok(child_reply_content.to_vec());
    }
    let get = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).map(|n| n as usize);
    let (Some(c_start), Some(c_end)) = (get(&child, "cursor_start"), get(&child, "cursor_end"))
    else {
        return to_bytes(&reply_content(ours));
    };
    if c_end != ours.cursor_end || c_start > c_end {
        return to_bytes(&reply_content(ours));
    }
    let start = c_start.min(ours.cursor_start);
    let gap =
        |from: usize, to: usize| -> String { code.chars().skip(from).take(to - from).collect() };
    let child_prefix = gap(start, c_start);
    let our_prefix = gap(start, ours.cursor_start);
    let child_matches: Vec<String> = child
        .get("matches")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|m| format!("{child_prefix}{m}"))
                .collect()
        })
        .unwrap_or_default();
    let mut matches: Vec<String> = Vec::new();
    for m in ours
        .matches
        .iter()
        .map(|m| format!("{our_prefix}{m}"))
        .chain(child_matches)
    {
        if !matches.contains(&m) {
            matches.push(m);
        }
    }
    let Some(obj) = child.as_object_mut() else {
        return to_bytes(&reply_content(ours));
    };
    // Typed matches carry their own offsets: shift the child's, add ours.
    if let Some(types) = obj
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.get_mut("_jupyter_types_experimental"))
        .and_then(Value::as_array_mut)
    {
        let mut typed: Vec<Value> = ours
            .matches
            .iter()
            .map(|m| {
                json!({ "start": start, "end": ours.cursor_end,
                        "text": format!("{our_prefix}{m}"), "type": "magic" })
            })
            .collect();
        for t in types.iter() {
            let mut t = t.clone();
            if let Some(o) = t.as_object_mut() {
                if let Some(text) = o.get("text").and_then(Value::as_str) {
                    let s = o
                        .get("start")
                        .and_then(Value::as_u64)
                        .map_or(c_start, |n| n as usize);
                    if s >= start && s <= code.chars().count() {
                        let text = format!("{}{text}", gap(start, s));
                        o.insert("text".into(), text.into());
                        o.insert("start".into(), start.into());
                    }
                }
            }
            if !typed.iter().any(|x| x.get("text") == t.get("text")) {
                typed.push(t);
            }
        }
        *types = typed;
    }
    obj.insert("matches".into(), json!(matches));
    obj.insert("cursor_start".into(), start.into());
    obj.insert("cursor_end".into(), ours.cursor_end.into());
    obj.entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    to_bytes(&child)
}

/// The byte offset of code point `cp` (clamped to the end).
fn byte_of(s: &str, cp: usize) -> usize {
    s.char_indices().nth(cp).map_or(s.len(), |(b, _)| b)
}

/// The code point offset of byte `b` (a character boundary).
fn cp_of(s: &str, b: usize) -> usize {
    s[..b.min(s.len())].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(code: &str) -> Option<JumperMatches> {
        jumper_matches(code, code.chars().count())
    }

    #[test]
    fn command_names_after_percent_in_column_zero() {
        let r = m("%perfmonitor_st").unwrap();
        assert_eq!(r.matches, ["%perfmonitor_start", "%perfmonitor_stop"]);
        assert_eq!((r.cursor_start, r.cursor_end), (0, 15));
        assert!(!r.exclusive);
        assert_eq!(m("%wr").unwrap().matches, ["%wrap_kernel"]);
        assert_eq!(m("%list").unwrap().matches, ["%list_kernels"]);
        assert!(m("%cell_h")
            .unwrap()
            .matches
            .contains(&"%cell_history".to_string()));
        // Someone else's magic: ours are empty, the kernel's stay.
        let r = m("%ti").unwrap();
        assert!(r.matches.is_empty() && !r.exclusive);
        // Not jumper's lines at all.
        for code in [
            "x = 1",
            "  %perfmonitor_st",
            "%%tim",
            "print('%perf",
            "% perf",
        ] {
            assert_eq!(m(code), None, "{code}");
        }
    }

    #[test]
    fn options_and_values_of_jumper_commands_are_exclusive() {
        let r = m("%perfmonitor_perfreport --lev").unwrap();
        assert_eq!(r.matches, ["--level"]);
        assert_eq!((r.cursor_start, r.cursor_end), (24, 29));
        assert!(r.exclusive);
        let r = m("x = 1\n%perfmonitor_perfreport --level ").unwrap();
        assert!(r.matches.contains(&"process".to_string()), "{r:?}");
        assert_eq!(r.cursor_start, 6 + 32);
        // A file value: nothing of ours, so the kernel may complete the path.
        let r = m("%perfmonitor_export_perfdata --file da").unwrap();
        assert!(r.matches.is_empty() && !r.exclusive);
        // A non-jumper magic's arguments are not ours.
        assert_eq!(m("%timeit --lev"), None);
        assert_eq!(m("%list_kernels ~/ke"), None);
    }

    #[test]
    fn wrap_kernel_completes_kernel_names_and_save() {
        let ks = vec![
            "ir".to_string(),
            "python3".to_string(),
            "julia-1.10".to_string(),
        ];
        let w = |code: &str| jumper_matches_with_kernels(code, code.chars().count(), &ks).unwrap();
        assert_eq!(w("%wrap_kernel py").matches, ["python3"]);
        assert_eq!(w("%wrap_kernel ").matches.len(), 3);
        assert_eq!(w("%wrap_kernel ir --s").matches, ["--save"]);
        assert!(w("%wrap_kernel ir --save ").matches.is_empty());
        assert!(w("%wrap_kernel ir j").matches.is_empty());
        assert_eq!(w("%wrap_kernel --save x j").matches, ["julia-1.10"]);
    }

    #[test]
    fn offsets_are_code_points() {
        let code = "ä = '→'\n%perfmonitor_perfreport --lev\nprint(ä)";
        let cursor = code.chars().take_while(|&c| c != '\n').count() + 1 + 29;
        let r = jumper_matches(code, cursor).unwrap();
        assert_eq!(r.matches, ["--level"]);
        assert_eq!(r.cursor_end, cursor);
        assert_eq!(r.cursor_start, cursor - 5);
        let s: String = code.chars().skip(r.cursor_start).take(5).collect();
        assert_eq!(s, "--lev");
        // A cursor past the end is the end.
        assert!(jumper_matches("%perfmonitor_st", 99).is_some());
    }

    fn merged(child: Value, code: &str, ours: &JumperMatches) -> Value {
        let bytes = merge_complete_reply(&serde_json::to_vec(&child).unwrap(), code, ours).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn merging_with_the_same_span_joins_the_lists() {
        let code = "%ti";
        let ours = JumperMatches {
            cursor_start: 0,
            cursor_end: 3,
            matches: vec!["%time_x".into()],
            exclusive: false,
        };
        let child = json!({"status": "ok", "matches": ["%time", "%timeit", "%time_x"],
                           "cursor_start": 0, "cursor_end": 3, "metadata": {"x": 1}});
        let r = merged(child, code, &ours);
        assert_eq!(r["matches"], json!(["%time_x", "%time", "%timeit"]));
        assert_eq!(r["metadata"]["x"], 1);
        assert_eq!(
            (r["cursor_start"].as_u64(), r["cursor_end"].as_u64()),
            (Some(0), Some(3))
        );
    }

    #[test]
    fn merging_with_a_later_child_start_prefixes_the_child() {
        // IRkernel-like: the child replaces from after the `%`.
        let code = "%perfmonitor_st";
        let ours = m(code).unwrap();
        let child = json!({"status": "ok", "matches": ["perfmonitor_stuff"],
                           "cursor_start": 1, "cursor_end": 15, "metadata": {}});
        let r = merged(child, code, &ours);
        assert_eq!(
            r["matches"],
            json!([
                "%perfmonitor_start",
                "%perfmonitor_stop",
                "%perfmonitor_stuff"
            ])
        );
        assert_eq!(r["cursor_start"], 0);
        // The other way round: ours start later, ours get the prefix.
        let code = "x.%perfmonitor_st";
        let ours = JumperMatches {
            cursor_start: 2,
            cursor_end: 17,
            matches: vec!["%perfmonitor_start".into()],
            exclusive: false,
        };
        let child = json!({"status": "ok", "matches": ["x.y"], "cursor_start": 0,
                           "cursor_end": 17, "metadata": {}});
        let r = merged(child, code, &ours);
        assert_eq!(r["matches"], json!(["x.%perfmonitor_start", "x.y"]));
        assert_eq!(r["cursor_start"], 0);
    }

    #[test]
    fn typed_matches_stay_in_step() {
        let code = "%perfmonitor_st";
        let ours = m(code).unwrap();
        let child = json!({"status": "ok", "matches": ["perfmonitor_stuff"],
            "cursor_start": 1, "cursor_end": 15,
            "metadata": {"_jupyter_types_experimental": [
                {"start": 1, "end": 15, "text": "perfmonitor_stuff", "type": "function"}]}});
        let r = merged(child, code, &ours);
        let types = r["metadata"]["_jupyter_types_experimental"]
            .as_array()
            .unwrap();
        let texts: Vec<&str> = types.iter().map(|t| t["text"].as_str().unwrap()).collect();
        assert_eq!(
            texts,
            [
                "%perfmonitor_start",
                "%perfmonitor_stop",
                "%perfmonitor_stuff"
            ]
        );
        assert!(types.iter().all(|t| t["start"] == 0 && t["end"] == 15));
        assert_eq!(types[0]["type"], "magic");
        assert_eq!(types[2]["type"], "function");
    }

    #[test]
    fn exclusive_errors_and_odd_spans_give_ours_and_empty_ours_give_theirs() {
        let code = "%perfmonitor_perfreport --lev";
        let ours = m(code).unwrap();
        let child = json!({"status": "ok", "matches": ["--lever"], "cursor_start": 24,
                           "cursor_end": 29, "metadata": {}});
        assert_eq!(merged(child, code, &ours), reply_content(&ours));
        let ours = m("%perfmonitor_st").unwrap();
        let err = json!({"status": "error", "ename": "X", "evalue": "", "traceback": []});
        assert_eq!(merged(err, "%perfmonitor_st", &ours), reply_content(&ours));
        let odd = json!({"status": "ok", "matches": ["abc"], "cursor_start": 0,
                         "cursor_end": 20, "metadata": {}});
        assert_eq!(merged(odd, "%perfmonitor_st", &ours), reply_content(&ours));
        // Nothing of ours: the child's bytes as they came.
        let none = JumperMatches {
            cursor_start: 0,
            cursor_end: 3,
            matches: vec![],
            exclusive: false,
        };
        let raw =
            br#"{"status":"ok","matches":["%time"],"cursor_start":0,"cursor_end":3,"metadata":{}}"#;
        assert_eq!(
            merge_complete_reply(raw, "%ti", &none).unwrap(),
            raw.to_vec()
        );
        assert!(matches!(
            merge_complete_reply(b"not json", "%ti", &none),
            Err(NotebookError::Json { .. })
        ));
    }
}
