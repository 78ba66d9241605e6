//! `import_session`: JUmPER 0.4.1's real session, the JUmPER 0.3.6-style session derived
//! from it (tests/fixtures/jumper-py-0.3.6/README.md), round trips of our own sessions,
//! every refusal, and damaged input.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use jumper_data::io::{read_perf, Location};
use jumper_data::{CellHistory, CellRange, Level, PerfFrame, Window};
use jumper_session::{
    export_session, import_session, ImportedSession, SessionError, SessionFormat, SESSION_SCHEMA,
};
use serde_json::{json, Value};

use super::{fixtures, json_file, names_in, Fixture, LEVELS};

fn py036() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jumper-py-0.3.6")
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for name in names_in(from) {
        let p = from.join(&name);
        if p.is_file() {
            fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

/// Zips the session files of `dir` (flat names, deflate), as JUmPER does.
fn zip_dir(dir: &Path, to: &Path) {
    let mut zw = zip::ZipWriter::new(fs::File::create(to).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for name in names_in(dir) {
        if name.ends_with(".csv") || name == "manifest.json" {
            zw.start_file(name.as_str(), opts).unwrap();
            zw.write_all(&fs::read(dir.join(&name)).unwrap()).unwrap();
        }
    }
    zw.finish().unwrap();
}

fn edit_manifest(dir: &Path, f: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut m = json_file(&path);
    f(&mut m);
    fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

fn levels_of(s: &ImportedSession) -> Vec<Level> {
    s.frames.iter().map(|f| f.level).collect()
}

/// `(range, level, printed report)` of every `%perfmonitor_perfreport --cell R --level L
/// --text` in the notebook JUmPER 0.4.1 ran.
fn printed_reports() -> Vec<(String, Level, String)> {
    let nb = json_file(&fixtures().join("notebook_outputs.json"));
    let mut out = Vec::new();
    for cell in nb["cells"].as_array().unwrap() {
        let src = cell["cell"].as_str().unwrap();
        let words: Vec<&str> = src.split_whitespace().collect();
        if words.first() != Some(&"%perfmonitor_perfreport") || !words.contains(&"--cell") {
            continue;
        }
        let arg = |name: &str| {
            let i = words.iter().position(|w| *w == name).unwrap();
            words[i + 1].to_string()
        };
        out.push((
            arg("--cell"),
            arg("--level").parse().unwrap(),
            cell["stdout"].as_str().unwrap().to_string(),
        ));
    }
    out
}

/// The AVG/MIN/MAX figures of a JUmPER text report line starting with `label`.
fn figures(report: &str, label: &str) -> Vec<String> {
    let line = report.lines().find(|l| l.starts_with(label)).unwrap();
    line[label.len()..]
        .split_whitespace()
        .take(3)
        .map(str::to_string)
        .collect()
}

#[test]
fn jumper_py_041_sessions_import_as_they_are() {
    // The zip was exported one cell after the directory (by the `%export_session` cell).
    for (src, ncells) in [
        (fixtures().join("session"), 20),
        (fixtures().join("session.zip"), 21),
    ] {
        let s = import_session(&src).unwrap();
        assert_eq!(s.format, SessionFormat::JumperPy04);
        assert!(!s.format.converts_io());
        assert_eq!(s.source, src);
        assert_eq!(s.writer(), "JUmPER 0.4.x (version not recorded)");
        assert!(
            s.notes[0].contains("app.version 'unknown' names no version"),
            "{:?}",
            s.notes
        );
        assert_eq!(levels_of(&s), LEVELS);
        assert_eq!(s.levels(), LEVELS);
        assert_eq!(s.info.levels, LEVELS);
        assert_eq!((s.info.num_cpus, s.info.num_system_cpus), (2, 2));
        assert_eq!(s.info.interval, 0.1);
        assert_eq!(s.info.memory_limit(Level::Process), Some(23.54));
        assert_eq!(s.thresholds(), s.manifest.reporter.thresholds);
        // JUmPER's own numbering, as in the file.
        let idx: Vec<usize> = s.cells.iter().map(|c| c.cell_index).collect();
        assert_eq!(idx, (0..ncells).collect::<Vec<_>>());
        // Frames are exactly what the single-file reader gives for each file.
        if src.is_dir() {
            for f in &s.frames {
                let file = src.join(format!("perf_{}.csv", f.level));
                assert_eq!(f, &read_perf(&file, f.level, 2).unwrap(), "{}", f.level);
            }
        }
    }
}

#[test]
fn imported_jumper_py_session_reproduces_jumpers_reports() {
    // What jumper-report computes for a report: the window from the first selected cell's
    // start to the last one's end, over the imported frame, with the imported monitor info.
    let s = import_session(&fixtures().join("session.zip")).unwrap();
    let history = CellHistory::from_records(s.cells.clone());
    let cases = printed_reports();
    assert_eq!(cases.len(), 9);
    for (range, level, printed) in &cases {
        let cells = history.select(&CellRange::parse(range).unwrap()).unwrap();
        let window = Window::of_cells(cells).unwrap();
        let st = s
            .frame(*level)
            .unwrap()
            .window_stats(window, s.info.interval);
        let f2 = |x: f64| format!("{x:.2}");
        let what = format!("--cell {range} --level {level}");
        assert_eq!(
            figures(
                printed,
                &format!("CPU Util (Across {} CPUs)", s.info.cpus_for(*level))
            ),
            [
                f2(st.cpu_util.avg),
                f2(st.cpu_util.min),
                f2(st.cpu_util.max)
            ],
            "{what}"
        );
        assert_eq!(
            figures(printed, "Memory (GB)"),
            [
                f2(st.memory_gib.avg),
                f2(st.memory_gib.min),
                f2(st.memory_gib.max)
            ],
            "{what}"
        );
        // JUmPER's duration is the cells' own, summed (idle time between them excluded).
        let busy: f64 = cells.iter().map(|c| c.duration).sum();
        let duration = format!("Duration: {}s", f2(busy));
        assert!(printed.contains(&duration), "{what}: {duration}\n{printed}");
    }
}

/// Asserts that `got`'s I/O columns are `want`'s (rows after the first, to rounding) and
/// everything else is identical.
fn assert_converted(got: &PerfFrame, want: &PerfFrame) {
    assert_eq!(got.rows.len(), want.rows.len());
    let io = |r: &jumper_data::PerfRow| [r.io_read_count, r.io_write_count, r.io_read, r.io_write];
    for (i, (g, w)) in got.rows.iter().zip(&want.rows).enumerate() {
        let (gi, wi) = (io(g), io(w));
        for k in 0..4 {
            let expect = if i == 0 { 0.0 } else { wi[k] };
            // Rounding: totals up to ~3e10 bytes, differenced over ~0.1 s, lose ~1e-4 B/s.
            assert!(
                (gi[k] - expect).abs() <= 1e-9 * expect.abs() + 1e-3,
                "{} row {i} column {k}: {} vs {expect}",
                got.level,
                gi[k]
            );
        }
        let mut g = g.clone();
        [g.io_read_count, g.io_write_count, g.io_read, g.io_write] = wi;
        assert_eq!(&g, w, "{} row {i}: non-I/O columns", got.level);
    }
}

#[test]
fn jumper_py_036_io_columns_are_converted_to_041_rates() {
    let want = import_session(&fixtures().join("session")).unwrap();
    let tmp = tempfile::tempdir().unwrap();

    // By version (dir and zip), and by column order when the version is not recorded.
    let zipped = tmp.path().join("py036.zip");
    zip_dir(&py036(), &zipped);
    let unknown = tmp.path().join("py036-unknown");
    copy_dir(&py036(), &unknown);
    edit_manifest(&unknown, |m| m["app"]["version"] = json!("unknown"));
    for (src, writer) in [
        (py036(), "JUmPER 0.3.6"),
        (zipped, "JUmPER 0.3.6"),
        (unknown, "JUmPER 0.3.x (version not recorded)"),
    ] {
        let s = import_session(&src).unwrap();
        assert_eq!(s.format, SessionFormat::JumperPy03, "{}", src.display());
        assert!(s.format.converts_io());
        assert_eq!(s.writer(), writer);
        assert_eq!(s.cells, want.cells);
        assert_eq!(s.info, want.info);
        assert_eq!(levels_of(&s), LEVELS);
        for (g, w) in s.frames.iter().zip(&want.frames) {
            assert_converted(g, w);
        }
        let converted: Vec<&String> = s.notes.iter().filter(|n| n.contains("converted")).collect();
        assert_eq!(converted.len(), 3, "{:?}", s.notes);
    }

    // The test has teeth: read as they are, the 0.3.x columns are nowhere near the rates.
    let raw = read_perf(&py036().join("perf_process.csv"), Level::Process, 2).unwrap();
    let w = want.frame(Level::Process).unwrap();
    let far = raw
        .rows
        .iter()
        .zip(&w.rows)
        .filter(|(a, b)| (a.io_read - b.io_read).abs() > 1.0 + 0.01 * b.io_read)
        .count();
    assert!(far > 40, "{far} of {} rows differ", raw.rows.len());

    // A 0.4.1 session is never converted, even with 0.3.x's order of columns in another
    // file: the version decides when there is one.
    let forced = tmp.path().join("py041-named");
    copy_dir(&fixtures().join("session"), &forced);
    edit_manifest(&forced, |m| m["app"]["version"] = json!("0.4.1"));
    fs::copy(py036().join("perf_user.csv"), forced.join("perf_user.csv")).unwrap();
    let s = import_session(&forced).unwrap();
    assert_eq!(s.format, SessionFormat::JumperPy04);
    assert_eq!(s.writer(), "JUmPER 0.4.1");
    assert_eq!(s.frame(Level::Process), want.frame(Level::Process));
    let as_is = read_perf(&py036().join("perf_user.csv"), Level::User, 2).unwrap();
    assert_eq!(s.frame(Level::User), Some(&as_is));
}

#[test]
fn our_sessions_round_trip_through_export_and_import() {
    let fx = Fixture::new();
    let tmp = tempfile::tempdir().unwrap();
    for target in ["s", "s.zip"] {
        let path = tmp.path().join(target);
        export_session(&fx.session(), &path).unwrap();
        let s = import_session(&path).unwrap();
        assert_eq!(
            s.format,
            SessionFormat::Jumper {
                schema: SESSION_SCHEMA.into()
            }
        );
        assert_eq!(s.writer(), format!("jumper {}", env!("CARGO_PKG_VERSION")));
        // CSV keeps every f64 exactly (shortest round-trip form), so equality is exact:
        // times, rates, per-core values, raw counters, sample kinds.
        assert_eq!(s.frames, fx.frames, "{target}");
        assert_eq!(s.cells, fx.cells, "{target}");
        assert_eq!(s.thresholds(), fx.thresholds);
        assert_eq!(s.manifest.reporter.level, Level::User);
        let mut info = fx.monitor.clone();
        info.levels = LEVELS.to_vec();
        info.python = format!("jumper {}", env!("CARGO_PKG_VERSION"));
        assert_eq!(s.info, info);

        // And again: an imported session exports and imports to the same data.
        let again = tmp.path().join(format!("again-{target}"));
        export_session(&s.as_session(), &again).unwrap();
        let t = import_session(&again).unwrap();
        assert_eq!(
            (&t.frames, &t.cells, &t.info),
            (&s.frames, &s.cells, &s.info)
        );
        assert_eq!(t.thresholds(), s.thresholds());
    }

    // A JUmPER session re-exported by jumper keeps JUmPER's numbers.
    let py = import_session(&fixtures().join("session")).unwrap();
    let ours = tmp.path().join("from-py.zip");
    export_session(&py.as_session(), &ours).unwrap();
    let back = import_session(&ours).unwrap();
    assert!(back.manifest.written_by_jumper());
    assert_eq!((&back.frames, &back.cells), (&py.frames, &py.cells));
}

#[test]
fn missing_monitor_keys_are_taken_from_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    copy_dir(&fixtures().join("session"), &dir);
    edit_manifest(&dir, |m| {
        let mon = m["monitor"].as_object_mut().unwrap();
        for k in ["num_cpus", "num_system_cpus", "num_gpus"] {
            mon.remove(k);
        }
        mon.insert("interval".into(), Value::Null);
        // A newer JUmPER's level: skipped, as its file would be.
        m["levels"] = json!(["user", "process", "system", "node7"]);
        m["schemas"]["perf"]["node7"] = json!(["time"]);
    });
    fs::copy(dir.join("perf_user.csv"), dir.join("perf_node7.csv")).unwrap();
    fs::write(dir.join("perf_gpu.csv"), "not, even, perf data\n").unwrap();
    let s = import_session(&dir).unwrap();
    assert_eq!(levels_of(&s), LEVELS);
    assert_eq!(s.manifest.levels, LEVELS);
    assert_eq!(
        (s.info.num_cpus, s.info.num_system_cpus, s.info.num_gpus),
        (2, 2, 0)
    );
    let mut dts: Vec<f64> = s
        .frames
        .iter()
        .flat_map(|f| f.rows.iter().map(|r| r.dt))
        .filter(|d| *d > 0.0)
        .collect();
    dts.sort_by(f64::total_cmp);
    assert_eq!(s.info.interval, dts[dts.len() / 2]);
    // The manifest said 0.1 s; JUmPER's thread sampler runs a little early or late.
    assert!(
        (0.09..0.11).contains(&s.info.interval),
        "{}",
        s.info.interval
    );
    assert!(
        s.notes.iter().any(|n| n.contains("monitor.num_cpus")),
        "{:?}",
        s.notes
    );
}

/// The error as a frontend prints it (message and causes), which must be one line.
fn one_line(e: &SessionError) -> String {
    let msg = jumper_data::test_support::chain(e);
    assert!(!msg.contains('\n'), "{msg}");
    msg
}

#[test]
fn every_refusal_is_its_own_variant_and_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let show = |p: &Path| p.display().to_string();

    let missing = t.join("nope");
    let e = import_session(&missing).unwrap_err();
    assert!(matches!(&e, SessionError::NotFound { path } if *path == missing));
    assert_eq!(
        one_line(&e),
        format!(
            "no session at '{}': no such file or directory",
            show(&missing)
        )
    );

    let text = t.join("notes.txt");
    fs::write(&text, "hello").unwrap();
    let e = import_session(&text).unwrap_err();
    assert!(matches!(&e, SessionError::NotDirOrZip { path } if *path == text));
    assert_eq!(
        one_line(&e),
        format!(
            "'{}' is not a session: it is neither a directory nor a zip archive",
            show(&text)
        )
    );
    let empty_file = t.join("empty.zip");
    fs::write(&empty_file, "").unwrap();
    assert!(matches!(
        import_session(&empty_file).unwrap_err(),
        SessionError::NotDirOrZip { .. }
    ));

    let dir = t.join("dir");
    fs::create_dir(&dir).unwrap();
    fs::copy(
        fixtures().join("session/perf_user.csv"),
        dir.join("perf_user.csv"),
    )
    .unwrap();
    let e = import_session(&dir).unwrap_err();
    assert!(matches!(&e, SessionError::MissingManifest { path } if *path == dir));
    assert_eq!(
        one_line(&e),
        format!(
            "'{}' is not a session: manifest.json is missing",
            show(&dir)
        )
    );
    let zip_no_manifest = t.join("nomanifest.zip");
    zip_dir(&dir, &zip_no_manifest);
    assert!(matches!(
        import_session(&zip_no_manifest).unwrap_err(),
        SessionError::MissingManifest { .. }
    ));

    let whole = fs::read(fixtures().join("session.zip")).unwrap();
    let cut = t.join("cut.zip");
    fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let e = import_session(&cut).unwrap_err();
    assert!(
        matches!(&e, SessionError::CorruptZip { path, .. } if *path == cut),
        "{e}"
    );
    assert!(
        one_line(&e).starts_with(&format!(
            "'{}' is a truncated or corrupt zip archive: ",
            show(&cut)
        )),
        "{e}"
    );

    let bad_json = t.join("badjson");
    copy_dir(&fixtures().join("session"), &bad_json);
    fs::write(bad_json.join("manifest.json"), "{\"version\": \"1.0\",").unwrap();
    let e = import_session(&bad_json).unwrap_err();
    assert!(matches!(e, SessionError::Manifest { .. }), "{e}");
    assert!(one_line(&e).contains("invalid session manifest"));

    let newer = t.join("newer");
    copy_dir(&fixtures().join("session"), &newer);
    edit_manifest(&newer, |m| m["version"] = json!("2.0"));
    assert!(matches!(
        import_session(&newer).unwrap_err(),
        SessionError::UnsupportedVersion { .. }
    ));
    edit_manifest(&newer, |m| {
        m["version"] = json!("1.0");
        m["jumper"] = json!({"schema": "jumper.session.v7", "writer": "jumper 7.0.0"});
    });
    let e = import_session(&newer).unwrap_err();
    assert!(matches!(e, SessionError::UnsupportedSchema { .. }), "{e}");
    assert!(one_line(&e).contains("jumper 7.0.0"));

    // Missing columns: the file and the columns, in JUmPER's order.
    let cols = t.join("cols");
    copy_dir(&fixtures().join("session"), &cols);
    let perf = cols.join("perf_system.csv");
    let text = fs::read_to_string(&perf).unwrap();
    fs::write(
        &perf,
        text.replacen("cpu_util_max,", "cpu_max,", 1)
            .replacen(",io_read,", ",ioread,", 1),
    )
    .unwrap();
    let e = import_session(&cols).unwrap_err();
    assert!(
        matches!(&e, SessionError::MissingColumns { path, missing }
            if *path == perf && missing == &["io_read", "cpu_util_max"]),
        "{e}"
    );
    assert_eq!(
        one_line(&e),
        format!(
            "cannot import '{}': missing columns: io_read, cpu_util_max",
            show(&perf)
        )
    );

    // A value that is not a number: file, line, column, value.
    let nan = t.join("nan");
    copy_dir(&fixtures().join("session"), &nan);
    let perf = nan.join("perf_process.csv");
    let mut lines: Vec<String> = fs::read_to_string(&perf)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut fields: Vec<&str> = lines[9].split(',').collect();
    fields[10] = "0.1l";
    lines[9] = fields.join(",");
    fs::write(&perf, lines.join("\n")).unwrap();
    let e = import_session(&nan).unwrap_err();
    assert!(
        matches!(&e, SessionError::NotANumber { path, at: Location::Line(10), column_number: 11, column, value }
            if *path == perf && column == "memory" && value == "0.1l"),
        "{e}"
    );
    assert_eq!(
        one_line(&e),
        format!(
            "cannot import '{}': line 10, column 11 (memory): '0.1l' is not a number",
            show(&perf)
        )
    );

    // Anything else unreadable in a file: the reader's message, which names the file.
    let broken = t.join("broken");
    copy_dir(&fixtures().join("session"), &broken);
    let hist = broken.join("cell_history.csv");
    let mut text = fs::read_to_string(&hist).unwrap();
    text.push_str("99,x,1,2\n");
    fs::write(&hist, text).unwrap();
    let e = import_session(&broken).unwrap_err();
    assert!(
        matches!(&e, SessionError::Data { path, .. } if *path == hist),
        "{e}"
    );
    assert!(
        one_line(&e).starts_with(&format!("cannot import '{}': line ", show(&hist))),
        "{e}"
    );
    assert!(
        one_line(&e).ends_with("has 4 fields where the header has 8"),
        "{e}"
    );
}

/// What importing a damaged zip gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    Imported,
    Corrupt,
    OtherError,
}

fn import_bytes(path: &Path, bytes: &[u8]) -> Outcome {
    fs::write(path, bytes).unwrap();
    match import_session(path) {
        Ok(s) => {
            assert!(s.frames.len() <= 3);
            Outcome::Imported
        }
        Err(e) => {
            let msg = one_line(&e);
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            if matches!(e, SessionError::CorruptZip { .. }) {
                Outcome::Corrupt
            } else {
                Outcome::OtherError
            }
        }
    }
}

#[test]
fn damaged_zips_never_panic() {
    let whole = fs::read(fixtures().join("session.zip")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zip");
    // Every truncation loses the central directory at the end: always refused, as a
    // corrupt zip once the first 4 bytes (the zip signature) are there.
    for len in (0..whole.len()).step_by(61) {
        let want = if len < 4 {
            Outcome::OtherError
        } else {
            Outcome::Corrupt
        };
        assert_eq!(import_bytes(&path, &whole[..len]), want, "{len} bytes");
    }
    // Single flipped bits anywhere: damaged members fail their CRC check, damaged headers
    // the archive's parse; a flip in a field nobody checks may even import.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut outcomes = Vec::new();
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut b = whole.clone();
        let at = (x as usize) % b.len();
        b[at] ^= 1 << (x % 8);
        outcomes.push(import_bytes(&path, &b));
    }
    let corrupt = outcomes.iter().filter(|o| **o == Outcome::Corrupt).count();
    assert!(corrupt > 200, "{outcomes:?}");
}
