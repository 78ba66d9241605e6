//! Completion of command lines (what a Jupyter kernel answers to a `complete_request`):
//! command names after `%`, a command's options after `-`, and the values of options whose
//! values are a fixed set (`--level`, `--format`).

use super::parse::{command_name, matching_options};
use super::table::{lookup, ArgKind, COMMANDS};

/// What a completion offers: replace `line[start..end]` by one of `matches`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Completions {
    /// Byte offset where the completed word starts.
    pub start: usize,
    /// Byte offset where it ends (the cursor).
    pub end: usize,
    /// The candidates, in table order.
    pub matches: Vec<String>,
}

/// Completes the word before `cursor` (a byte offset into `line`, clamped to the line and to
/// a character boundary). Only the line the cursor is on counts, so a whole notebook cell may
/// be passed.
///
/// - The first word: command names and aliases starting with it, written with `%` when it
///   starts with `%` (`%perfmonitor_st` → `%perfmonitor_start`, `%perfmonitor_stop`).
/// - A word starting with `-`: the command's options it is a prefix of (`--le` → `--level`);
///   `--level=u` completes the value (`--level=user`).
/// - After an option that takes a level or format: its values (`--level ` → `process`, ...).
/// - An empty word after the command: its options.
///
/// Options kept only for JUmPER's scripts (`--pickle`, `--backend`) and flags
/// already given are not offered.
///
/// ```
/// use jumper_core::command::complete;
/// let c = complete("%perfmonitor_perfreport --lev", 29);
/// assert_eq!(c.matches, ["--level"]);
/// assert_eq!((c.start, c.end), (24, 29));
/// ```
pub fn complete(line: &str, cursor: usize) -> Completions {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let line_start = line[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let before = &line[line_start..cursor];
    let word_start = before
        .rfind(|c: char| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let word = &before[word_start..];
    let done = |matches: Vec<String>| Completions {
        start: line_start + word_start,
        end: cursor,
        matches,
    };
    let earlier: Vec<&str> = before[..word_start].split_whitespace().collect();
    let Some(first) = earlier.first() else {
        // Completing the command name itself.
        let (percent, typed) = match word.strip_prefix('%') {
            Some(t) => ("%", t),
            None if word.is_empty() => return done(Vec::new()),
            None => ("", word),
        };
        let matches = COMMANDS
            .iter()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
            .filter(|n| n.starts_with(typed))
            .map(|n| format!("{percent}{n}"))
            .collect();
        return done(matches);
    };
    let Some(spec) = lookup(command_name(first)) else {
        return done(Vec::new());
    };
    let given: Vec<&str> = earlier[1..]
        .iter()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.split_once('=').map_or(w, |(n, _)| n))
        .filter_map(|n| match matching_options(spec, n).as_slice() {
            [one] => Some(one.name),
            _ => None,
        })
        .collect();
    let options = |typed: &str| -> Vec<String> {
        spec.options
            .iter()
            .filter(|o| !o.hidden && o.name.starts_with(typed))
            .filter(|o| !(o.arg == ArgKind::Flag && given.contains(&o.name)))
            .map(|o| format!("--{}", o.name))
            .collect()
    };
    let values = |option: &str, typed: &str, prefix: &str| -> Vec<String> {
        match matching_options(spec, option).as_slice() {
            [o] => match o.arg {
                ArgKind::Value(k) | ArgKind::Values(k) => k
                    .choices()
                    .into_iter()
                    .filter(|v| v.starts_with(typed))
                    .map(|v| format!("{prefix}{v}"))
                    .collect(),
                ArgKind::Flag => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    if let Some(body) = word.strip_prefix('-') {
        let body = body.strip_prefix('-').unwrap_or(body);
        return done(match body.split_once('=') {
            Some((opt, typed)) => values(opt, typed, &format!("--{opt}=")),
            None => options(body),
        });
    }
    // The value of the option just before, if it takes one.
    if let Some(prev) = earlier.last().and_then(|w| w.strip_prefix("--")) {
        if !prev.contains('=') {
            if let [o] = matching_options(spec, prev).as_slice() {
                if matches!(o.arg, ArgKind::Value(_)) {
                    return done(values(prev, word, ""));
                }
            }
        }
    }
    if word.is_empty() {
        return done(options(""));
    }
    done(Vec::new())
}
