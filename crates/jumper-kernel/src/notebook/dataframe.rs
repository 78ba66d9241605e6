//! Data a command hands over (`perfdata_df`, `cell_history_df`, ...) as a DataFrame in the
//! user's kernel: jumper writes it to a temporary CSV ([`write_data`]) and the relay runs
//! [`loader_code`] silently in the wrapped kernel, so the name exists where the user's code
//! runs (JUmPER's wrapper put it in its own namespace, where the next cell could not see it).
//!
//! - Python: pandas if it can be imported, else polars, else one line on stderr saying
//!   neither is installed and where the file is. pandas reads with `keep_default_na=False`
//!   (only empty fields are missing, so a cell whose code is `None` or `NA` stays text),
//!   `raw_cell` keeps empty code as `''`, and `cell_magics` becomes lists again (the CSV holds
//!   their Python repr), as in JUmPER's DataFrame. polars infers types over all rows.
//! - R: `read.csv` with `stringsAsFactors = FALSE`, no `"NA"` strings, UTF-8.
//! - Other languages: no loader; the relay says where the file is.
//!
//! Paths are written as string literals of the language with every quote, backslash, control
//! character and non-ASCII character escaped, so any path reads back exactly.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use jumper_core::DataValue;

use super::NotebookError;

/// What the relay runs in the user's kernel to load a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loader {
    /// Code to execute silently (`silent: true, store_history: false`).
    Code(String),
    /// The kernel's language has no loader: the relay shows this note instead.
    Unsupported {
        /// One line naming the variable, the language and the file.
        note: String,
    },
}

/// The code that loads `path` (CSV, or JSON records when it ends in `.json`) into the variable
/// `var_name` of a kernel whose `language_info.name` is `language` (case-insensitive:
/// `python`, `R`). Fails when `var_name` is not a plain variable name of that language or the
/// path is not UTF-8.
pub fn loader_code(language: &str, var_name: &str, path: &Path) -> Result<Loader, NotebookError> {
    let lang = language.to_ascii_lowercase();
    let invalid = || NotebookError::InvalidName {
        name: var_name.to_string(),
        language: language.to_string(),
    };
    let p = path
        .to_str()
        .ok_or_else(|| NotebookError::NonUtf8Path(path.to_path_buf()))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    match lang.as_str() {
        "python" | "python3" | "ipython" => {
            if !is_python_name(var_name) {
                return Err(invalid());
            }
            Ok(Loader::Code(python_loader(var_name, p, json)))
        }
        "r" => {
            if !is_r_name(var_name) {
                return Err(invalid());
            }
            Ok(Loader::Code(r_loader(var_name, p, json)))
        }
        _ => Ok(Loader::Unsupported {
            note: format!(
                "{var_name} is not loaded: jumper has no loader for {language} kernels; the data is in {p}"
            ),
        }),
    }
}

fn python_loader(name: &str, path: &str, json: bool) -> String {
    let p = python_str(path);
    let missing = python_str(&format!(
        "[jumper] {name} was not created: neither pandas nor polars is installed in this kernel; the data is in {path}"
    ));
    let (pandas, polars) = if json {
        (
            "_jumper_pd.read_json(path, orient='records', convert_dates=False)",
            "__import__('polars').read_json(path)",
        )
    } else {
        (
            "_jumper_pd.read_csv(path, keep_default_na=False, na_values=[''])",
            "__import__('polars').read_csv(path, infer_schema_length=None)",
        )
    };
    format!(
        "def _jumper_load(path={p}):
    import importlib.util
    if importlib.util.find_spec('pandas') is not None:
        import ast
        import pandas as _jumper_pd
        df = {pandas}
        if 'raw_cell' in df.columns:
            df['raw_cell'] = df['raw_cell'].fillna('').astype(str)
        if 'cell_magics' in df.columns:
            df['cell_magics'] = [ast.literal_eval(v) if isinstance(v, str) and v.startswith('[') else (v if isinstance(v, list) else []) for v in df['cell_magics']]
        return True, df
    if importlib.util.find_spec('polars') is not None:
        return True, {polars}
    import sys
    print({missing}, file=sys.stderr)
    return False, None
_jumper_ok, _jumper_df = _jumper_load()
if _jumper_ok:
    {name} = _jumper_df
del _jumper_load, _jumper_ok, _jumper_df
"
    )
}

fn r_loader(name: &str, path: &str, json: bool) -> String {
    let p = r_str(path);
    if json {
        let missing = r_str(&format!(
            "[jumper] {name} was not created: the jsonlite package is not installed; the data is in {path}"
        ));
        format!(
            "if (requireNamespace(\"jsonlite\", quietly = TRUE)) {name} <- jsonlite::fromJSON({p}) else message({missing})\n"
        )
    } else {
        format!(
            "{name} <- utils::read.csv({p}, stringsAsFactors = FALSE, na.strings = character(0), encoding = \"UTF-8\")\n"
        )
    }
}

const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A Python identifier that is not a keyword (letters, digits, `_`; no digit first).
fn is_python_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && !PYTHON_KEYWORDS.contains(&s)
}

const R_RESERVED: &[&str] = &[
    "if",
    "else",
    "repeat",
    "while",
    "function",
    "for",
    "next",
    "break",
    "TRUE",
    "FALSE",
    "NULL",
    "Inf",
    "NaN",
    "NA",
    "NA_integer_",
    "NA_real_",
    "NA_character_",
    "NA_complex_",
    "in",
];

/// A syntactic R name: letters, digits, `.` and `_`, starting with a letter or with a `.` not
/// followed by a digit; not a reserved word.
fn is_r_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = s.chars().nth(1);
    let start_ok =
        first.is_alphabetic() || (first == '.' && !second.is_some_and(|c| c.is_ascii_digit()));
    start_ok
        && chars.all(|c| c.is_alphanumeric() || c == '.' || c == '_')
        && !R_RESERVED.contains(&s)
}

/// A Python string literal reading back as `s`, in pure ASCII.
pub fn python_str(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (' '..='~').contains(&c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('\'');
    out
}

/// An R string literal reading back as `s`, in pure ASCII (a NUL, which R strings cannot hold
/// and no path contains, is dropped).
pub fn r_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => {}
            c if (' '..='~').contains(&c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push_str(&format!("\\U{{{:08x}}}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Writes data to a new CSV file in `dir` (`jumper-perfdata-*.csv` or
/// `jumper-cell-history-*.csv`) with the columns of jumper's CSV export, which are JUmPER's
/// (`perfdata_df`: `time, io_*, cpu_util_*, memory, ...` and `cell_index`; the cell history:
/// `cell_index, raw_cell, ..., cell_magics`) followed by jumper's extra columns. The file
/// stays until the caller removes it (after the loader ran).
pub fn write_data(value: &DataValue, dir: &Path) -> Result<PathBuf, NotebookError> {
    let prefix = match value {
        DataValue::Perf { .. } => "jumper-perfdata-",
        DataValue::History(_) => "jumper-cell-history-",
    };
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| NotebookError::Write { path, source }
    };
    let mut file = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".csv")
        .tempfile_in(dir)
        .map_err(werr(dir))?;
    let path = file.path().to_path_buf();
    let res = match value {
        DataValue::Perf { frame, cells } => {
            let mut w = std::io::BufWriter::new(file.as_file_mut());
            jumper_data::io::write_perf_csv(frame, cells, &mut w).and_then(|_| w.flush())
        }
        DataValue::History(cells) => jumper_data::io::write_history_csv(cells, file.as_file_mut())
            .map_err(std::io::Error::other),
    };
    res.map_err(werr(&path))?;
    let (_, kept) = file.keep().map_err(|e| NotebookError::Write {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumper_core::{CellRecord, Level, PerfFrame};
    use std::process::Command;

    const NASTY: &str = "dir 'a' \"b\" \\c\\ ä→😀\ttab";

    fn code(l: Loader) -> String {
        match l {
            Loader::Code(c) => c,
            Loader::Unsupported { note } => panic!("no loader: {note}"),
        }
    }

    fn history() -> Vec<CellRecord> {
        vec![
            CellRecord {
                cell_index: 0,
                raw_cell: "%perfmonitor_start 0.25\nx = 'a,b'".into(),
                start_time: 1.0,
                end_time: 2.5,
                duration: 1.5,
                wallclock_start_time: 1_700_000_000.0,
                wallclock_end_time: 1_700_000_001.5,
                cell_magics: vec!["perfmonitor_start 0.25".into()],
                ..Default::default()
            },
            CellRecord {
                cell_index: 1,
                raw_cell: "None".into(),
                start_time: 3.0,
                end_time: 4.0,
                duration: 1.0,
                ..Default::default()
            },
        ]
    }

    fn perf() -> DataValue {
        let samples: Vec<jumper_data::LevelSample> = (0..=4)
            .map(|i| jumper_data::LevelSample {
                time: 1.0 + i as f64 * 0.5,
                cpu_time: i as f64 * 0.1,
                memory: jumper_data::GIB as u64,
                ..Default::default()
            })
            .collect();
        DataValue::Perf {
            frame: PerfFrame::from_samples(Level::Process, 2, &samples),
            cells: history(),
        }
    }

    fn have(program: &str) -> bool {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn literals_escape_everything_but_printable_ascii() {
        assert_eq!(python_str("a'b\\c"), r"'a\'b\\c'");
        assert_eq!(python_str("ä→😀\n"), r"'\xe4\u2192\U0001f600\n'");
        assert_eq!(r_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(r_str("ä→😀\u{1}"), r#""\u{00e4}\u{2192}\U{0001f600}\x01""#);
        assert!(python_str(NASTY).is_ascii() && r_str(NASTY).is_ascii());
    }

    #[test]
    fn names_must_be_plain_variables() {
        let p = Path::new("/tmp/x.csv");
        for bad in [
            "",
            "1df",
            "a b",
            "x;import os",
            "class",
            "None",
            "df-1",
            "a.b",
        ] {
            assert!(
                matches!(
                    loader_code("python", bad, p),
                    Err(NotebookError::InvalidName { .. })
                ),
                "{bad}"
            );
        }
        for good in ["perfdata_df", "_x", "daten_ä", "df2"] {
            assert!(loader_code("python", good, p).is_ok(), "{good}");
        }
        for bad in ["", "_x", ".2x", "a b", "if", "NA", "x`y"] {
            assert!(loader_code("R", bad, p).is_err(), "{bad}");
        }
        for good in ["perfdata_df", "perf.df", ".hidden", "x2"] {
            assert!(loader_code("R", good, p).is_ok(), "{good}");
        }
        let e = loader_code("python", "a b", p).unwrap_err().to_string();
        assert!(e.contains("'a b'") && e.contains("python"), "{e}");
    }

    #[test]
    fn other_languages_get_a_note_with_the_path() {
        let l = loader_code("julia", "perfdata_df", Path::new("/tmp/p.csv")).unwrap();
        let Loader::Unsupported { note } = l else {
            panic!("{l:?}");
        };
        assert!(
            note.contains("perfdata_df") && note.contains("julia") && note.contains("/tmp/p.csv")
        );
        assert!(!note.contains('\n'));
    }

    #[test]
    fn written_files_keep_jumpers_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_data(&perf(), dir.path()).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("jumper-perfdata-") && name.ends_with(".csv"),
            "{name}"
        );
        let text = std::fs::read_to_string(&p).unwrap();
        let header = text.lines().next().unwrap();
        // JUmPER 0.4.1's perf_process.csv columns come first, in its order; every base column
        // its loader checks is there, and so is cell_index.
        assert!(
            header.starts_with("time,io_read_count,io_write_count,io_read,io_write,cpu_util_0,cpu_util_1,cpu_util_avg,cpu_util_min,cpu_util_max,memory"),
            "{header}"
        );
        let cols: Vec<&str> = header.split(',').collect();
        for base in jumper_data::io::BASE_PERF_COLUMNS {
            assert!(cols.contains(&base), "{base} missing: {header}");
        }
        assert!(header.split(',').any(|c| c == "cell_index"), "{header}");
        assert_eq!(text.lines().count(), 6);
        let h = write_data(&DataValue::History(history()), dir.path()).unwrap();
        let text = std::fs::read_to_string(&h).unwrap();
        assert!(text.starts_with(
            "cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time,cell_magics"
        ));
        // Each write gets its own file.
        assert_ne!(write_data(&perf(), dir.path()).unwrap(), p);
        let e = write_data(&perf(), &dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    /// The Python loader against stand-in pandas and polars modules that record what they
    /// were asked to read: the path arrives byte for byte, whatever it holds.
    #[test]
    fn python_loader_reads_the_exact_path_and_prefers_pandas() {
        if !have("python3") {
            eprintln!("python3 not found: skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join(NASTY);
        std::fs::create_dir(&data_dir).unwrap();
        let csv = write_data(&DataValue::History(history()), &data_dir).unwrap();
        let fake = dir.path().join("fake");
        std::fs::create_dir(&fake).unwrap();
        let run = |modules: &[(&str, &str)], var: &str| -> (String, String) {
            let m = tempfile::tempdir_in(&fake).unwrap();
            for (name, src) in modules {
                std::fs::write(m.path().join(format!("{name}.py")), src).unwrap();
            }
            let c = code(loader_code("python", var, &csv).unwrap());
            let script = format!(
                "{c}\nimport sys\nprint(str({var}) if '{var}' in globals() else 'UNSET')\nprint(sorted(k for k in globals() if k.startswith('_jumper')))\n"
            );
            let out = Command::new("python3")
                .arg("-c")
                .arg(&script)
                .env("PYTHONPATH", m.path())
                .env("PYTHONIOENCODING", "utf-8")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let pandas = "class DF:\n    def __init__(self, p, kw):\n        self.p, self.kw, self.columns = p, kw, []\n    def __repr__(self):\n        return 'pandas:' + self.p + ':' + str(sorted(self.kw))\ndef read_csv(p, **kw):\n    open(p).close()\n    return DF(p, kw)\n";
        let polars = "def read_csv(p, **kw):\n    open(p).close()\n    return 'polars:' + p\n";
        let (out, _) = run(&[("pandas", pandas), ("polars", polars)], "cell_history_df");
        let expected = format!("pandas:{}:['keep_default_na', 'na_values']", csv.display());
        assert!(out.contains(&expected), "{out}");
        // No helper names are left behind.
        assert!(out.ends_with("[]\n"), "{out}");
        let (out, _) = run(&[("polars", polars)], "h");
        assert!(
            out.contains(&format!("polars:{}\n", csv.display())),
            "{out}"
        );
        // Neither installed: one line on stderr with the path, the variable left alone.
        let (out, err) = run(&[], "perfdata_df");
        assert!(out.starts_with("UNSET"), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("neither pandas nor polars is installed"),
            "{err}"
        );
        assert!(err.contains(&csv.display().to_string()), "{err}");
    }

    /// With real pandas (when this machine has it): the values come back as JUmPER's.
    #[test]
    fn python_loader_with_real_pandas() {
        let has_pandas = Command::new("python3")
            .args(["-c", "import pandas"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_pandas {
            eprintln!("pandas not installed: skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let csv = write_data(&DataValue::History(history()), dir.path()).unwrap();
        let c = code(loader_code("python", "h", &csv).unwrap());
        let out = Command::new("python3")
            .arg("-c")
            .arg(format!(
                "{c}\nprint(h['raw_cell'][1], h['cell_magics'][0], len(h))"
            ))
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&out.stdout);
        assert_eq!(s.trim(), "None ['perfmonitor_start 0.25'] 2", "{s}");
    }

    /// The R loader with the real R (when installed), on a path full of quotes and unicode.
    #[test]
    fn r_loader_reads_the_data() {
        if !have("Rscript") {
            eprintln!("Rscript not found: skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join(NASTY);
        std::fs::create_dir(&data_dir).unwrap();
        let csv = write_data(&DataValue::History(history()), &data_dir).unwrap();
        let c = code(loader_code("R", "cell_history_df", &csv).unwrap());
        let perf_csv = write_data(&perf(), &data_dir).unwrap();
        let p = code(loader_code("R", "perfdata_df", &perf_csv).unwrap());
        let script = format!(
            "{c}{p}cat(nrow(cell_history_df), cell_history_df$raw_cell[2], cell_history_df$cell_magics[1], nrow(perfdata_df), sum(is.na(perfdata_df$cell_index)), sep = '|')\n"
        );
        let out = Command::new("Rscript")
            .args(["--vanilla", "-e", &script])
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = s.split('|').collect();
        assert_eq!(
            fields[..3],
            ["2", "None", "['perfmonitor_start 0.25']"],
            "{s}"
        );
        assert_eq!(fields[3], "5", "{s}");
    }
}
