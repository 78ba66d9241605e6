//! The percent format: parse a monitored script into cells, and write cells back.
//!
//! The format is the one Jupytext, VS Code and Spyder use for "notebooks as scripts"
//! (DESIGN §5, a contract):
//!
//! - a line starting with `# %%` starts a cell; the text after it (trimmed) is the cell's title;
//! - lines before the first marker (other than a `#!` first line) form a cell when any of them is
//!   code, that is neither blank nor a `#` comment; otherwise they are the script's
//!   [`header`](Script::header);
//! - inside a cell, a line starting with `%` in column 0 is a command (`%perfmonitor_start 0.1`);
//!   every other line is code, and consecutive code lines form one code chunk. An indented `%` is
//!   code. Commands and code keep their order.
//!
//! Known limitation, shared with every line-based magic syntax: a line of a multi-line string or
//! a here-document that starts with `%` in column 0 is read as a command.
//!
//! ```
//! use jumper_script::format::{parse, CellItem};
//!
//! let script = parse("#!/usr/bin/env python3\n# %% load\n%perfmonitor_start 0.1\nx = 1\ny = 2\n");
//! assert_eq!(script.shebang.as_deref(), Some("#!/usr/bin/env python3"));
//! let cell = &script.cells[0];
//! assert_eq!(cell.title, "load");
//! assert_eq!(cell.commands().collect::<Vec<_>>(), ["perfmonitor_start 0.1"]);
//! assert_eq!(
//!     cell.items[1],
//!     CellItem::Code { line: 4, text: "x = 1\ny = 2".into() }
//! );
//! assert_eq!(jumper_script::format::parse(&script.to_text()), script);
//! ```

/// The marker that starts a cell.
pub const CELL_MARKER: &str = "# %%";

/// A monitored script: an optional `#!` line, an optional comment header, and cells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// The first line when it starts with `#!`, as written (without the line break).
    pub shebang: Option<String>,
    /// Lines before the first marker that hold no code (comments, blank lines), joined with
    /// `\n`, trailing blank lines removed; empty when there are none. Written back by
    /// [`Script::to_text`], never run.
    pub header: String,
    /// The cells in file order.
    pub cells: Vec<ScriptCell>,
}

/// One cell of a script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptCell {
    /// The text after `# %%`, trimmed; empty for an untitled cell and for the cell made of the
    /// lines before the first marker.
    pub title: String,
    /// 1-based line of the `# %%` marker; for the cell before the first marker (which has
    /// none), the line of its first body line.
    pub line: usize,
    /// False only for the cell made of the lines before the first marker.
    pub marker: bool,
    /// Commands and code chunks in order.
    pub items: Vec<CellItem>,
    /// The cell body as written (the lines after the marker), joined with `\n`, without line
    /// breaks at the end and without trailing blank lines.
    pub source: String,
}

/// One command or one chunk of consecutive code lines of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellItem {
    /// Consecutive code lines, joined with `\n`, without leading or trailing blank lines.
    Code {
        /// 1-based line in the file of the chunk's first line.
        line: usize,
        /// The code.
        text: String,
    },
    /// A `%` line.
    Command {
        /// 1-based line in the file.
        line: usize,
        /// The line without its leading `%` and without trailing white space, e.g.
        /// `perfmonitor_perfreport --level user`.
        text: String,
    },
}

impl CellItem {
    /// 1-based line in the file where the item starts.
    pub fn line(&self) -> usize {
        match self {
            CellItem::Code { line, .. } | CellItem::Command { line, .. } => *line,
        }
    }

    /// The code or the command text.
    pub fn text(&self) -> &str {
        match self {
            CellItem::Code { text, .. } | CellItem::Command { text, .. } => text,
        }
    }

    /// True for a code chunk with at least one line that is neither blank nor a `#` comment:
    /// something worth sending to an interpreter.
    pub fn runs_code(&self) -> bool {
        match self {
            CellItem::Code { text, .. } => text.lines().any(is_code_line),
            CellItem::Command { .. } => false,
        }
    }
}

impl ScriptCell {
    /// A cell with a marker, its items parsed from `source` as if the marker were at `line`
    /// (use 0 when the cell is not from a file; item lines then count from 1 at the first body
    /// line). Trailing blank lines of `source` are dropped and `\r\n` becomes `\n`.
    pub fn new(title: &str, source: &str, line: usize) -> ScriptCell {
        let normalized = normalize(source);
        let lines = split_lines(&normalized);
        build_cell(one_line(title), line, true, &lines, line + 1)
    }

    /// True when the cell has code to send to an interpreter (see [`CellItem::runs_code`]).
    /// A cell of commands only, or of comments only, has none.
    pub fn has_code(&self) -> bool {
        self.items.iter().any(CellItem::runs_code)
    }

    /// The cell's commands in order, without their `%`.
    pub fn commands(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.iter().filter_map(|item| match item {
            CellItem::Command { text, .. } => Some(text.as_str()),
            CellItem::Code { .. } => None,
        })
    }
}

/// Parses any text as a percent-format script. Never fails: text without markers is one cell
/// (or only a header when it holds no code). A UTF-8 byte-order mark is ignored, `\r\n` line
/// ends are read as `\n`.
pub fn parse(text: &str) -> Script {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = split_lines(text);
    let mut script = Script::default();
    let mut start = 0;
    if let Some(first) = lines.first() {
        if first.starts_with("#!") {
            script.shebang = Some((*first).to_string());
            start = 1;
        }
    }
    let markers: Vec<usize> = (start..lines.len())
        .filter(|&i| lines[i].starts_with(CELL_MARKER))
        .collect();
    let first_marker = markers.first().copied().unwrap_or(lines.len());
    let pre = &lines[start..first_marker];
    if pre.iter().any(|l| is_code_line(l)) {
        script
            .cells
            .push(build_cell(String::new(), start + 1, false, pre, start + 1));
    } else {
        script.header = trim_trailing_blank(pre).join("\n");
    }
    for (k, &m) in markers.iter().enumerate() {
        let end = markers.get(k + 1).copied().unwrap_or(lines.len());
        let title = lines[m][CELL_MARKER.len()..].trim().to_string();
        script
            .cells
            .push(build_cell(title, m + 1, true, &lines[m + 1..end], m + 2));
    }
    script
}

impl Script {
    /// Writes the script in the percent format, such that `parse(&s.to_text()) == s` for every
    /// `s` returned by [`parse`] (line numbers included: blank lines are added before a marker
    /// to put it on its recorded line).
    ///
    /// For scripts built by hand: titles are written on one line; a body line that would read
    /// as a marker is written as `# # %%…` (a comment either way), so the cells stay the same
    /// cells; a cell without marker is written without one only when it comes first and holds
    /// code.
    pub fn to_text(&self) -> String {
        let mut out = Writer::default();
        if let Some(shebang) = &self.shebang {
            out.line(&one_line(shebang));
        }
        out.body(&self.header);
        for (i, cell) in self.cells.iter().enumerate() {
            let implicit =
                i == 0 && !cell.marker && split_lines(&cell.source).iter().any(|l| is_code_line(l));
            if !implicit {
                out.pad_to(cell.line);
                out.marker(&cell.title);
            }
            out.body(&cell.source);
        }
        out.text
    }
}

/// True for a line that is neither blank nor a `#` comment.
pub fn is_code_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// Text output that counts its lines, shared by [`Script::to_text`] and the recorder.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) text: String,
    lines: usize,
}

impl Writer {
    pub(crate) fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.lines += 1;
    }

    /// Adds blank lines so that the next line written is line `line` (1-based), if it is ahead.
    fn pad_to(&mut self, line: usize) {
        while self.lines + 1 < line {
            self.line("");
        }
    }

    pub(crate) fn marker(&mut self, title: &str) {
        let title = one_line(title);
        if title.is_empty() {
            self.line(CELL_MARKER);
        } else {
            self.line(&format!("{CELL_MARKER} {title}"));
        }
    }

    /// Writes a cell body; lines that would read as markers are escaped as comments.
    pub(crate) fn body(&mut self, source: &str) {
        let normalized = normalize(source);
        for line in trim_trailing_blank(&split_lines(&normalized)) {
            if line.starts_with(CELL_MARKER) {
                self.line(&format!("# {line}"));
            } else {
                self.line(line);
            }
        }
    }
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Lines without their `\n` or `\r\n`; a final line break does not start another line.
fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn trim_trailing_blank<'a, 'b>(lines: &'b [&'a str]) -> &'b [&'a str] {
    let end = lines
        .iter()
        .rposition(|l| !is_blank(l))
        .map_or(0, |i| i + 1);
    &lines[..end]
}

/// A title or shebang on one line: line breaks become spaces, ends trimmed.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ").trim().to_string()
}

/// Builds a cell from its body lines; `body_line` is the 1-based file line of `body[0]`.
fn build_cell(
    title: String,
    line: usize,
    marker: bool,
    body: &[&str],
    body_line: usize,
) -> ScriptCell {
    let body = trim_trailing_blank(body);
    let mut items = Vec::new();
    let mut chunk: Vec<(usize, &str)> = Vec::new();
    for (k, text) in body.iter().enumerate() {
        let n = body_line + k;
        if let Some(command) = text.strip_prefix('%') {
            flush_chunk(&mut chunk, &mut items);
            items.push(CellItem::Command {
                line: n,
                text: command.trim_end().to_string(),
            });
        } else {
            chunk.push((n, text));
        }
    }
    flush_chunk(&mut chunk, &mut items);
    ScriptCell {
        title,
        line,
        marker,
        items,
        source: body.join("\n"),
    }
}

fn flush_chunk(chunk: &mut Vec<(usize, &str)>, items: &mut Vec<CellItem>) {
    let first = chunk.iter().position(|(_, l)| !is_blank(l));
    let last = chunk.iter().rposition(|(_, l)| !is_blank(l));
    if let (Some(first), Some(last)) = (first, last) {
        let text: Vec<&str> = chunk[first..=last].iter().map(|(_, l)| *l).collect();
        items.push(CellItem::Code {
            line: chunk[first].0,
            text: text.join("\n"),
        });
    }
    chunk.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(line: usize, text: &str) -> CellItem {
        CellItem::Code {
            line,
            text: text.into(),
        }
    }

    fn cmd(line: usize, text: &str) -> CellItem {
        CellItem::Command {
            line,
            text: text.into(),
        }
    }

    #[test]
    fn marker_titles_are_trimmed_and_optional() {
        let s = parse("# %%   load data  \na = 1\n# %%\nb = 2\n# %%title\n");
        let titles: Vec<&str> = s.cells.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["load data", "", "title"]);
        assert_eq!(
            s.cells.iter().map(|c| c.line).collect::<Vec<_>>(),
            [1, 3, 5]
        );
        assert_eq!(s.cells[0].items, [code(2, "a = 1")]);
        assert_eq!(s.cells[2].items, []);
        assert!(s.cells.iter().all(|c| c.marker));
    }

    #[test]
    fn pre_marker_code_is_a_cell_comments_are_a_header() {
        let s = parse("#!/usr/bin/env python3\nimport os\n\n# %% a\nx = 1\n");
        assert_eq!(s.shebang.as_deref(), Some("#!/usr/bin/env python3"));
        assert_eq!(s.header, "");
        assert_eq!(s.cells.len(), 2);
        assert!(!s.cells[0].marker);
        assert_eq!(
            (s.cells[0].line, s.cells[0].source.as_str()),
            (2, "import os")
        );
        assert_eq!(s.cells[0].items, [code(2, "import os")]);

        let s = parse("# licence\n\n# more\n\n\n# %% a\nx = 1\n");
        assert_eq!(s.header, "# licence\n\n# more");
        assert_eq!(s.cells.len(), 1);
        assert_eq!(s.cells[0].line, 6);

        // A command before the first marker is not a comment: it makes a cell.
        let s = parse("%perfmonitor_start\n# %% a\n");
        assert_eq!(s.cells.len(), 2);
        assert_eq!(s.cells[0].items, [cmd(1, "perfmonitor_start")]);
    }

    #[test]
    fn shebang_only_on_the_first_line() {
        let s = parse("x = 1\n#!/bin/bash\n");
        assert_eq!(s.shebang, None);
        assert_eq!(s.cells[0].source, "x = 1\n#!/bin/bash");
        let s = parse("#!/bin/bash -e\n");
        assert_eq!(s.shebang.as_deref(), Some("#!/bin/bash -e"));
        assert!(s.cells.is_empty());
        assert_eq!(s.to_text(), "#!/bin/bash -e\n");
    }

    #[test]
    fn percent_only_in_column_zero_is_a_command() {
        let src = "# %% t\n%perfmonitor_start 0.5  \nfor i in range(3):\n    %not_a_command\n  % neither\n%perfmonitor_stop\n";
        let s = parse(src);
        let c = &s.cells[0];
        assert_eq!(
            c.items,
            [
                cmd(2, "perfmonitor_start 0.5"),
                code(3, "for i in range(3):\n    %not_a_command\n  % neither"),
                cmd(6, "perfmonitor_stop"),
            ]
        );
        assert_eq!(
            c.commands().collect::<Vec<_>>(),
            ["perfmonitor_start 0.5", "perfmonitor_stop"]
        );
        assert!(c.has_code());
    }

    #[test]
    fn commands_only_and_comment_only_cells_have_no_code() {
        let s = parse("# %% a\n%perfmonitor_start\n\n%perfmonitor_stop\n# %% [markdown]\n# Some *text*\n\n# %% c\n");
        assert_eq!(s.cells.len(), 3);
        assert_eq!(
            s.cells[0].items,
            [cmd(2, "perfmonitor_start"), cmd(4, "perfmonitor_stop")]
        );
        assert!(!s.cells[0].has_code());
        assert_eq!(s.cells[1].title, "[markdown]");
        assert_eq!(s.cells[1].items, [code(6, "# Some *text*")]);
        assert!(!s.cells[1].has_code());
        assert!(!s.cells[2].has_code());
        assert_eq!(s.cells[2].source, "");
    }

    #[test]
    fn code_chunks_split_at_commands_and_drop_blank_edges() {
        let s = parse("# %%\n\na = 1\n\nb = 2\n\n%cmd\n\n\nc = 3\n\n\n\n");
        assert_eq!(
            s.cells[0].items,
            [code(3, "a = 1\n\nb = 2"), cmd(7, "cmd"), code(10, "c = 3")]
        );
        assert_eq!(s.cells[0].source, "\na = 1\n\nb = 2\n\n%cmd\n\n\nc = 3");
    }

    #[test]
    fn crlf_and_bom_read_like_lf() {
        let lf = parse("#!/bin/bash\n# %% one\necho a\n%cmd x\n# %% two\necho b\n");
        let crlf =
            parse("\u{feff}#!/bin/bash\r\n# %% one\r\necho a\r\n%cmd x\r\n# %% two\r\necho b");
        assert_eq!(lf, crlf);
        assert_eq!(crlf.cells[0].items, [code(3, "echo a"), cmd(4, "cmd x")]);
    }

    #[test]
    fn empty_and_marker_free_text() {
        assert_eq!(parse(""), Script::default());
        assert_eq!(parse("\n\n"), Script::default());
        let s = parse("print(1)\nprint(2)");
        assert_eq!(s.cells.len(), 1);
        assert_eq!(s.cells[0].items, [code(1, "print(1)\nprint(2)")]);
        assert_eq!(s.to_text(), "print(1)\nprint(2)\n");
    }

    #[test]
    fn writer_keeps_line_numbers_and_round_trips() {
        let text = "#!/usr/bin/env python3\n# header\n\n\n# %% a\nx = 1\n\n\n\n# %%   b\n%cmd\n";
        let s = parse(text);
        assert_eq!(
            s.to_text(),
            "#!/usr/bin/env python3\n# header\n\n\n# %% a\nx = 1\n\n\n\n# %% b\n%cmd\n"
        );
        assert_eq!(parse(&s.to_text()), s);
    }

    #[test]
    fn writer_escapes_marker_lines_in_hand_built_cells() {
        let s = Script {
            shebang: None,
            header: String::new(),
            cells: vec![
                ScriptCell::new("one\ntwo", "a = 1\n# %% not a cell\nb = 2\n\n", 0),
                ScriptCell::new("", "%perfmonitor_stop", 0),
            ],
        };
        let text = s.to_text();
        assert_eq!(
            text,
            "# %% one two\na = 1\n# # %% not a cell\nb = 2\n# %%\n%perfmonitor_stop\n"
        );
        let back = parse(&text);
        assert_eq!(back.cells.len(), 2);
        assert_eq!(back.cells[0].title, "one two");
        assert_eq!(back.cells[1].items, [cmd(6, "perfmonitor_stop")]);
        assert_eq!(s.cells[1].items, [cmd(1, "perfmonitor_stop")]);
    }

    /// xorshift64*: a deterministic generator, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[(self.next() % from.len() as u64) as usize]
        }
    }

    const VOCAB: &[&str] = &[
        "# %%",
        "# %% title",
        "# %%   spaced  title  ",
        "# %%%",
        "#%% not a marker",
        " # %% indented marker is code",
        "",
        "   ",
        "\t",
        "# comment",
        "x = 1",
        "    return x",
        "%perfmonitor_start 0.1",
        "%perfmonitor_perfreport --level user   ",
        "%",
        "  %indented",
        "#!/bin/bash",
        "echo \"# %% in a string\"",
    ];

    #[test]
    fn generated_scripts_round_trip_and_items_point_at_their_lines() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..3000 {
            let n = (rng.next() % 14) as usize;
            let mut lines: Vec<&str> = (0..n).map(|_| rng.pick(VOCAB)).collect();
            if rng.next().is_multiple_of(4) {
                lines.insert(0, "#!/usr/bin/env python3");
            }
            let eol = if rng.next().is_multiple_of(3) {
                "\r\n"
            } else {
                "\n"
            };
            let mut text = lines.join(eol);
            if rng.next().is_multiple_of(2) {
                text.push_str(eol);
            }
            let s = parse(&text);
            let written = s.to_text();
            assert_eq!(parse(&written), s, "case {case}: {text:?} -> {written:?}");
            assert_eq!(parse(&written).to_text(), written, "case {case}");
            // Ground truth from the input: every item starts on the line it names.
            let file: Vec<&str> = split_lines(&text);
            for cell in &s.cells {
                if cell.marker {
                    assert!(file[cell.line - 1].starts_with(CELL_MARKER), "case {case}");
                }
                for item in &cell.items {
                    let at = file[item.line() - 1];
                    match item {
                        CellItem::Command { text, .. } => {
                            assert_eq!(at.trim_end(), format!("%{text}"), "case {case}")
                        }
                        CellItem::Code { text, .. } => {
                            assert_eq!(text.split('\n').next(), Some(at), "case {case}")
                        }
                    }
                }
            }
            let markers = file
                .iter()
                .enumerate()
                .filter(|(i, l)| l.starts_with(CELL_MARKER) && !(*i == 0 && l.starts_with("#!")))
                .count();
            let implicit = s.cells.first().is_some_and(|c| !c.marker);
            assert_eq!(
                s.cells.len(),
                markers + usize::from(implicit),
                "case {case}"
            );
        }
    }
}
