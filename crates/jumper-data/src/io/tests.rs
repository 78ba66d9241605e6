use std::path::Path;

use super::*;
use crate::test_support::chain;
use crate::{DataError, Level};

#[test]
fn python_list_repr_round_trips() {
    let items = vec![
        "perfmonitor_start 0.1".to_string(),
        "a'b".into(),
        "x\"y'z\\".into(),
    ];
    let s = py_repr_list(&items);
    assert_eq!(s, r#"['perfmonitor_start 0.1', "a'b", 'x"y\'z\\']"#);
    assert_eq!(parse_py_list(&s).unwrap(), items);
    assert_eq!(parse_py_list("[]").unwrap(), Vec::<String>::new());
    assert!(parse_py_list("nope").is_none());
}

#[test]
fn format_by_extension() {
    assert_eq!(
        Format::from_path(Path::new("a.CSV")).unwrap(),
        Some(Format::Csv)
    );
    assert_eq!(Format::from_path(Path::new("a")).unwrap(), None);
    let e = Format::from_path(Path::new("a.txt"))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "unsupported format 'txt' (supported: csv, json)");
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn problem(e: DataError) -> LoadProblem {
    match e {
        DataError::Load { problem, .. } => problem,
        other => panic!("expected a load error, got {other:?}"),
    }
}

#[test]
fn reads_jumper_py_single_file_exports() {
    let f = read_perf(&fixtures().join("perf_process.csv"), Level::Process, 2).unwrap();
    assert_eq!(f.rows.len(), 49);
    assert_eq!(f.rows[0].time, 2216.450977969);
    assert_eq!(f.rows[0].dt, 0.0);
    assert_eq!(f.rows[1].io_read, 17728.021975831565);
    assert_eq!(f.rows[1].cpu_util, vec![32.7, 32.7]);
    assert!((f.rows[1].dt - (2216.682030526 - 2216.450977969)).abs() < 1e-12);
    assert!(f.rows.iter().all(|r| r.raw.is_none() && r.kind.is_none()));

    let s = read_perf(&fixtures().join("perf_system.json"), Level::System, 2).unwrap();
    assert_eq!(s.rows.len(), 49);
    assert_eq!(s.rows[0].io_read, 85597.57125218543);
    assert_eq!(s.rows[0].memory, 1.1682891845703125);
    assert_eq!(s.rows[1].cpu_util_max, 100.0);

    let h = read_history(&fixtures().join("cell_history.csv")).unwrap();
    assert_eq!(h.len(), 19);
    assert_eq!(h[0].cell_magics, ["perfmonitor_start 0.1 --monitor thread"]);
    assert_eq!(h[1].raw_cell.lines().count(), 3);
    assert_eq!(
        h[3].raw_cell,
        "a = [bytearray(50_000_000) for _ in range(6)]\ntime.sleep(0.5)"
    );
    let j = read_history(&fixtures().join("cell_history.json")).unwrap();
    assert_eq!(j.len(), 18);
    // The JSON export was written one cell earlier: the same cells, the same values
    // (pandas writes CSV floats with 16 significant digits, JSON with 17).
    for (a, b) in j.iter().zip(&h) {
        assert_eq!(
            (a.cell_index, &a.raw_cell, &a.cell_magics),
            (b.cell_index, &b.raw_cell, &b.cell_magics)
        );
        for (x, y) in [
            (a.start_time, b.start_time),
            (a.duration, b.duration),
            (a.wallclock_end_time, b.wallclock_end_time),
        ] {
            assert!((x - y).abs() <= 1e-15 * y.abs(), "{x} {y}");
        }
    }
}

#[test]
fn missing_columns_are_named_in_jumper_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    let text = fixture_text("perf_process.csv")
        .replacen("io_read,", "io_rd,", 1)
        .replacen("cpu_util_max,", "cpu_util_mx,", 1);
    std::fs::write(&path, text).unwrap();
    let e = read_perf(&path, Level::Process, 2).unwrap_err();
    assert_eq!(
        chain(&e),
        format!(
            "cannot load perf data from '{}': missing columns: io_read, cpu_util_max",
            path.display()
        )
    );
    assert!(
        matches!(problem(e), LoadProblem::MissingColumns(c) if c == ["io_read", "cpu_util_max"])
    );

    let e = history_from_text(
        Path::new("h.json"),
        r#"[{"cell_index": 0, "raw_cell": "x"}]"#,
    )
    .unwrap_err();
    assert_eq!(
        chain(&e),
        "cannot load cell history from 'h.json': missing columns: start_time, end_time, \
         duration, wallclock_start_time, wallclock_end_time"
    );
    // An empty file has no header at all.
    let e = perf_from_text(Path::new("e.csv"), "", Level::User, 1).unwrap_err();
    assert!(
        chain(&e).ends_with(&format!(
            "missing columns: {}",
            BASE_PERF_COLUMNS.join(", ")
        )),
        "{e}"
    );
}

#[test]
fn bad_values_name_line_column_and_value() {
    let text = fixture_text("perf_process.csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 4 of the file; `memory` is the 11th column of JUmPER's thread backend.
    let mut fields: Vec<&str> = lines[3].split(',').collect();
    fields[10] = "12 GB";
    lines[3] = fields.join(",");
    let e = perf_from_text(Path::new("p.csv"), &lines.join("\n"), Level::Process, 2).unwrap_err();
    assert_eq!(
        chain(&e),
        "cannot load perf data from 'p.csv': line 4, column 11 (memory): '12 GB' is not a \
         number"
    );
    assert!(matches!(
        problem(e),
        LoadProblem::NotANumber { at: Location::Line(4), column_number: 11, ref column, ref value }
            if column == "memory" && value == "12 GB"
    ));

    // Records with multi-line code: the line is the file's line, not the record's number.
    let text = fixture_text("cell_history.csv");
    let start = text.find("\n3,").unwrap() + 1;
    let line = text[..start].matches('\n').count() + 1;
    assert!(line > 5, "cells 1 and 2 span several lines");
    let bad = text.replacen(",2218.065409228,", ",twenty.065409228,", 1);
    assert_ne!(bad, text);
    let e = history_from_text(Path::new("h.csv"), &bad).unwrap_err();
    assert!(
        chain(&e).starts_with(&format!(
            "cannot load cell history from 'h.csv': line {line}, column 3 (start_time): 'twenty."
        )),
        "{e}"
    );

    // JSON: the record and the key.
    let json = fixture_text("perf_system.json").replacen(
        "\"memory\": 1.1682891845703125",
        "\"memory\": \"lots\"",
        1,
    );
    let e = perf_from_text(Path::new("s.json"), &json, Level::System, 2).unwrap_err();
    assert_eq!(
        chain(&e),
        "cannot load perf data from 's.json': record 1, key 'memory': 'lots' is not a number"
    );

    // No value in a required column; infinity anywhere; NaN only where optional.
    let head = "time,memory,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,cpu_util_min,cpu_util_max,cpu_util_0\n";
    let e = perf_from_text(
        Path::new("a.csv"),
        &format!("{head}1,,0,0,0,0,5,5,5,5\n"),
        Level::User,
        1,
    )
    .unwrap_err();
    assert!(
        chain(&e).ends_with("line 2, column 2 (memory): no value where a number is required"),
        "{e}"
    );
    let e = perf_from_text(
        Path::new("a.csv"),
        &format!("{head}1,2,0,0,0,inf,5,5,5,5\n"),
        Level::User,
        1,
    )
    .unwrap_err();
    assert!(
        chain(&e).ends_with("line 2, column 6 (io_write): 'inf' is not a finite number"),
        "{e}"
    );
    let f = perf_from_text(
        Path::new("a.csv"),
        &format!("{head}1,2,0,0,0,0,5,5,5,NaN\n"),
        Level::User,
        1,
    )
    .unwrap();
    assert_eq!(f.rows[0].cpu_util, [0.0]);
    let e = history_from_text(
        Path::new("h.csv"),
        "cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time\n-1,x,1,2,1,3,4\n",
    )
    .unwrap_err();
    assert!(
        chain(&e).ends_with(
            "line 2, column 1 (cell_index): '-1' is not a cell index (a whole number from 0)"
        ),
        "{e}"
    );
    // Long or multi-line garbage is cut and escaped: the message stays one short line.
    let junk = format!("\"{}\nrm -rf\"", "y".repeat(500));
    let e = perf_from_text(
        Path::new("a.csv"),
        &format!("{head}{junk},2,0,0,0,0,5,5,5,5\n"),
        Level::User,
        1,
    )
    .unwrap_err();
    let msg = chain(&e);
    assert!(!msg.contains('\n') && msg.len() < 200, "{msg}");
    assert!(
        msg.contains("'yyyyyyyyyy") && msg.ends_with("...' is not a number"),
        "{msg}"
    );
}

#[test]
fn cell_numbering_of_the_file_is_kept() {
    let text = "cell_index,raw_cell,start_time,end_time,duration,wallclock_start_time,wallclock_end_time,cell_magics\n\
                7,b,3,4,1,13,14,[]\n3,a,1,2,1,11,12,\"['perfmonitor_start 0.5']\"\n";
    let h = history_from_text(Path::new("h.csv"), text).unwrap();
    let idx: Vec<usize> = h.iter().map(|c| c.cell_index).collect();
    assert_eq!(idx, [3, 7]);
    assert_eq!(h[0].cell_magics, ["perfmonitor_start 0.5"]);
    assert!(h[1].cell_magics.is_empty());
}

#[test]
fn files_extensions_and_encodings() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let e = read_history(&missing).unwrap_err();
    assert_eq!(
        chain(&e),
        format!(
            "cannot load cell history from '{}': no such file or directory",
            missing.display()
        )
    );
    assert!(matches!(problem(e), LoadProblem::NotFound));

    let txt = dir.path().join("perf.TXT");
    std::fs::write(&txt, fixture_text("perf_process.csv")).unwrap();
    let e = read_perf(&txt, Level::Process, 2).unwrap_err();
    assert!(
        chain(&e).ends_with("unsupported format 'TXT' (supported: csv, json)"),
        "{e}"
    );

    // No extension: sniffed. Upper-case extensions are fine.
    for (name, src) in [
        ("a", "perf_system.json"),
        ("b", "perf_process.csv"),
        ("c.JSON", "perf_system.json"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, fixture_text(src)).unwrap();
        assert_eq!(
            read_perf(&p, Level::System, 2).unwrap().rows.len(),
            49,
            "{name}"
        );
    }
    // A byte-order mark and CRLF line ends (Windows tools) are accepted.
    let crlf = format!(
        "\u{feff}{}",
        fixture_text("perf_process.csv").replace('\n', "\r\n")
    );
    let p = dir.path().join("crlf.csv");
    std::fs::write(&p, crlf).unwrap();
    let f = read_perf(&p, Level::Process, 2).unwrap();
    assert_eq!(f.rows.len(), 49);
    assert!(f.rows.iter().all(|r| r.cpu_util.len() == 2));

    // Streamed: the header is checked first, then each record as it comes.
    let mut bytes = b"time,memory,io_read_count,io_write_count,io_read,io_write,cpu_util_avg,\
cpu_util_min,cpu_util_max\n1,2,0,0,0,0,5,5,5\n"
        .to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b",2,0,0,0,0,5,5,5\n");
    let p = dir.path().join("bin.csv");
    std::fs::write(&p, bytes).unwrap();
    let e = read_perf(&p, Level::Process, 2).unwrap_err();
    assert!(chain(&e).ends_with("': line 3 is not UTF-8 text"), "{e}");

    let e = read_perf(dir.path(), Level::Process, 2).unwrap_err();
    assert!(
        chain(&e).ends_with("': not a regular file (it is a directory)"),
        "{e}"
    );
    assert!(matches!(
        problem(e),
        LoadProblem::NotRegularFile {
            kind: "a directory"
        }
    ));

    let head = BASE_PERF_COLUMNS.join(",");
    let e = perf_from_text(
        Path::new("r.csv"),
        &format!("{head}\n1,2,0,0,0,0,5,5,5,3\n"),
        Level::User,
        1,
    )
    .unwrap_err();
    assert!(
        chain(&e).ends_with("': line 2 has 10 fields where the header has 9"),
        "{e}"
    );
    let e = perf_from_text(Path::new("r.json"), "{\"time\": 1}", Level::User, 1).unwrap_err();
    assert!(
        chain(&e).ends_with("': expected a JSON list of records"),
        "{e}"
    );
    let e = perf_from_text(Path::new("r.json"), "[1]", Level::User, 1).unwrap_err();
    assert!(
        chain(&e).ends_with("': record 1 is not an object; expected a JSON list of records"),
        "{e}"
    );
}

/// A small deterministic generator, so that failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Truncated and garbled versions of every fixture: each read returns a frame or one
/// clear line naming the file, never a panic.
#[test]
fn truncated_and_garbled_fixtures_never_panic() {
    let nasty = [
        ',', '"', '\n', '\r', '[', ']', '{', '}', ':', 'x', '-', 'e', '.', '9', '\u{0}', 'é', ' ',
    ];
    let mut rng = Lcg(0x5eed);
    let (mut ok, mut err) = (0, 0);
    for name in [
        "perf_process.csv",
        "perf_system.json",
        "cell_history.csv",
        "cell_history.json",
    ] {
        let text = fixture_text(name);
        let path = Path::new(name);
        let full = if name.starts_with("perf") {
            perf_from_text(path, &text, Level::System, 2)
                .unwrap()
                .rows
                .len()
        } else {
            history_from_text(path, &text).unwrap().len()
        };
        let chars: Vec<char> = text.chars().collect();
        let mut variants: Vec<String> = (0..chars.len())
            .step_by(7)
            .map(|cut| chars[..cut].iter().collect())
            .collect();
        for _ in 0..400 {
            let mut v = chars.clone();
            for _ in 0..1 + rng.next(4) {
                let at = rng.next(v.len());
                match rng.next(3) {
                    0 => v[at] = nasty[rng.next(nasty.len())],
                    1 => {
                        v.remove(at);
                    }
                    _ => v.insert(at, nasty[rng.next(nasty.len())]),
                }
            }
            variants.push(v.into_iter().collect());
        }
        for v in &variants {
            let res = if name.starts_with("perf") {
                perf_from_text(path, v, Level::System, 2).map(|f| f.rows.len())
            } else {
                history_from_text(path, v).map(|h| h.len())
            };
            match res {
                // Garbling can split or join records, never invent many.
                Ok(n) => {
                    assert!(n <= full + 4, "{name}: {n} rows from {full}");
                    ok += 1;
                }
                Err(e) => {
                    let msg = chain(&e);
                    let kind = if name.starts_with("perf") {
                        "perf data"
                    } else {
                        "cell history"
                    };
                    assert!(
                        msg.starts_with(&format!("cannot load {kind} from '{name}': ")),
                        "{msg}"
                    );
                    assert!(!msg.contains('\n'), "{msg}");
                    err += 1;
                }
            }
        }
    }
    // Both outcomes occur, so the loop really exercised the error paths.
    assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
}

/// A named pipe where a file should be is refused at once, naming the file: reading it
/// would block until some writer opened it, which is forever.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["perf_process.csv", "cell_history.csv", "data"] {
        let fifo = dir.path().join(name);
        crate::test_support::mkfifo(&fifo);
        let want = format!(
            "'{}': not a regular file (it is a named pipe (FIFO))",
            fifo.display()
        );
        let e = read_perf(&fifo, Level::Process, 1).unwrap_err();
        assert_eq!(chain(&e), format!("cannot load perf data from {want}"));
        let e = read_history(&fifo).unwrap_err();
        assert_eq!(chain(&e), format!("cannot load cell history from {want}"));
    }
}

/// A line of gigabytes (a damaged file, a decompression bomb) is refused once it passes
/// the limit, so memory stays bounded by the limit, not by the line.
#[test]
fn an_endless_line_is_refused_at_the_limit() {
    struct Zeros(u64);
    impl std::io::Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0 as usize);
            buf[..n].fill(b'0');
            self.0 -= n as u64;
            Ok(n)
        }
    }
    let head = format!("{}\n", BASE_PERF_COLUMNS.join(","));
    let endless = std::io::Read::chain(head.as_bytes(), Zeros(4 * MAX_LINE_BYTES));
    let e = perf_from_reader(Path::new("p.csv"), endless, Level::User, 1).unwrap_err();
    assert_eq!(
        chain(&e),
        format!("cannot load perf data from 'p.csv': line 2 is longer than {MAX_LINE_BYTES} bytes")
    );
    assert!(matches!(
        problem(e),
        LoadProblem::LineTooLong { line: 2, .. }
    ));
}

/// A writer killed in the middle of appending a row (a node agent at the end of its job
/// step) leaves a last line without its newline: the rows before it still read, and the
/// table says which line was left out. The same damage anywhere but the last line, or a
/// bad last line that did end, is still an error.
#[test]
fn a_last_line_cut_short_is_left_out_and_named() {
    let samples = crate::test_support::synthetic_samples(20, 0.1, 2, 0, 7);
    let frame = crate::PerfFrame::from_samples(Level::Slurm, 2, &samples);
    let mut jumper = Vec::new();
    write_perf_csv(&frame, &[], &mut jumper).unwrap();
    let jumper = String::from_utf8(jumper).unwrap();
    let ours = Path::new("perf_slurm.csv");
    let theirs = Path::new("perf_process.csv");
    for (path, text) in [(ours, jumper), (theirs, fixture_text("perf_process.csv"))] {
        let whole = perf_from_text(path, &text, Level::Process, 2).unwrap();
        let n = whole.rows.len();
        let lines: Vec<&str> = text.lines().collect();
        let last = lines[lines.len() - 1];
        let body = lines[..lines.len() - 1].join("\n") + "\n";
        for cut in [1, last.len() / 3, last.len() / 2, last.len() - 2] {
            let torn = format!("{body}{}", &last[..cut]);
            let t = perf_table_from_reader(path, torn.as_bytes(), Level::Process, 2).unwrap();
            if path == theirs && cut == last.len() - 2 {
                // JUmPER's last column is a number: cut short it still reads, and is kept.
                assert_eq!((t.frame.rows.len(), t.torn_line), (n, None));
                continue;
            }
            assert_eq!(
                t.frame.rows[..],
                whole.rows[..n - 1],
                "{path:?} cut at {cut}"
            );
            assert_eq!(
                t.torn_line,
                Some(lines.len() as u64),
                "{path:?} cut at {cut}"
            );
        }
        // Cut short but followed by more lines, or cut short and then ended: damage.
        let middle = format!("{body}{}\n{last}\n", &last[..last.len() / 2]);
        assert!(perf_table_from_reader(path, middle.as_bytes(), Level::Process, 2).is_err());
        let ended = format!("{body}{}\n", &last[..last.len() / 2]);
        let e = perf_table_from_reader(path, ended.as_bytes(), Level::Process, 2).unwrap_err();
        assert!(
            chain(&e).contains(&format!("line {}", lines.len())),
            "{}",
            chain(&e)
        );
    }
    // JUmPER's whole last row without its newline is a row.
    let text = fixture_text("perf_process.csv");
    let t = perf_table_from_reader(theirs, text.trim_end().as_bytes(), Level::Process, 2).unwrap();
    assert_eq!((t.frame.rows.len(), t.torn_line), (49, None));
}
