//! Reports computed from JUmPER 0.4.1's own session must print what JUmPER printed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use jumper_data::io::{read_history, read_perf};
use jumper_data::{CellHistory, CellRange, Level, MonitorInfo, Thresholds};
use jumper_report::{HtmlRenderer, JsonRenderer, MarkdownRenderer, Renderer, Report, TextRenderer};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Session {
    info: MonitorInfo,
    thresholds: Thresholds,
    history: CellHistory,
}

fn session() -> Session {
    let dir = fixtures().join("session");
    let manifest = read_json(&dir.join("manifest.json"));
    Session {
        info: serde_json::from_value(manifest["monitor"].clone()).unwrap(),
        thresholds: serde_json::from_value(manifest["reporter"]["thresholds"].clone()).unwrap(),
        history: CellHistory::from_records(read_history(&dir.join("cell_history.csv")).unwrap()),
    }
}

fn report(s: &Session, range: &str, level: Level) -> Report {
    let path = fixtures()
        .join("session")
        .join(format!("perf_{}.csv", level.as_str()));
    let frame = read_perf(&path, level, s.info.cpus_for(level)).unwrap();
    let range = CellRange::parse(range).unwrap();
    Report::for_range(&frame, &s.history, &range, &s.info, &s.thresholds).unwrap()
}

/// `(range, level, printed text)` of every `%perfmonitor_perfreport ... --text` JUmPER ran.
fn jumper_reports() -> Vec<(String, Level, String)> {
    let nb = read_json(&fixtures().join("notebook_outputs.json"));
    let mut out = Vec::new();
    for cell in nb["cells"].as_array().unwrap() {
        let src = cell["cell"].as_str().unwrap();
        if !src.starts_with("%perfmonitor_perfreport --cell") {
            continue;
        }
        let words: Vec<&str> = src.split_whitespace().collect();
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

#[test]
fn text_matches_jumper_byte_for_byte() {
    let s = session();
    let cases = jumper_reports();
    let asked: Vec<(&str, Level)> = cases.iter().map(|(r, l, _)| (r.as_str(), *l)).collect();
    let want: Vec<(&str, Level)> = ["1:6", "2", ":5"]
        .into_iter()
        .flat_map(|r| [Level::Process, Level::User, Level::System].map(|l| (r, l)))
        .collect();
    assert_eq!(asked, want);
    for (range, level, printed) in &cases {
        let r = report(&s, range, *level);
        let compat = TextRenderer::jumper_compatible().render(&r);
        assert_eq!(&compat, printed, "--cell {range} --level {level}");
        // jumper's own report starts with JUmPER's lines and only appends to them.
        let full = TextRenderer::default().render(&r);
        assert!(full.starts_with(printed.as_str()), "{full}");
        assert!(
            full.ends_with("; totals estimated from sampled rates)\n"),
            "{full}"
        );
    }
}

#[test]
fn selections_and_tags_follow_jumper() {
    let s = session();
    let r = report(&s, ":5", Level::Process);
    assert_eq!(r.cells, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(r.cells_label(), "0-5");
    assert!(r.tags.is_empty());
    let r = report(&s, "1:6", Level::User);
    assert_eq!(r.tags.len(), 1);
    assert_eq!(r.tags[0].name, "cpu-bound");
    assert!(
        (r.tags[0].score - 0.9572).abs() < 1e-3,
        "{}",
        r.tags[0].score
    );
    assert!(!r.stats.exact_totals);
    assert_eq!(r.memory_limit_gib, Some(23.54));
    assert_eq!(r.monitor.interval_s, 0.1);
}

#[test]
fn json_of_jumper_session_carries_the_printed_figures() {
    let s = session();
    let v = JsonRenderer::value(&report(&s, "1:6", Level::Process));
    assert_eq!(v["schema"], "jumper.report.v1");
    assert_eq!(v["cells"], serde_json::json!([1, 2, 3, 4, 5, 6]));
    assert_eq!(format!("{:.2}", v["duration_s"].as_f64().unwrap()), "4.75");
    let m = &v["metrics"];
    let f = |v: &Value| format!("{:.2}", v.as_f64().unwrap());
    assert_eq!(f(&m["cpu_util"]["avg"]), "35.49");
    assert_eq!(f(&m["cpu_util"]["min"]), "5.00");
    assert_eq!(f(&m["cpu_util"]["max"]), "65.20");
    assert_eq!(f(&m["memory_gib"]["max"]), "0.41");
    assert_eq!(m["memory_gib"]["limit"], 23.54);
    // The cell wrote 64 MiB with `dd ... conv=fsync`; JUmPER's rates integrate to that.
    let written = m["io_write_mib"]["total"].as_f64().unwrap();
    assert!((63.0..=66.0).contains(&written), "{written}");
    assert_eq!(v["exact_totals"], false);
    assert!(m.get("gpu_util").is_none());
    assert_eq!(v["tags"], serde_json::json!([]));
}

/// The whole text report on JUmPER's data, as a reviewed snapshot (`tests/snapshots/`).
/// Run with `UPDATE_SNAPSHOTS=1` to rewrite it after an intended layout change.
#[test]
fn text_report_snapshot() {
    let s = session();
    let text = TextRenderer::default().render(&report(&s, "1:6", Level::Process));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/process_1-6.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, want, "snapshot {} differs", path.display());
}

/// `(avg, min, max)` of a row of a printed JUmPER table.
fn printed_row(printed: &str, starts: &str) -> Vec<String> {
    let line = printed.lines().find(|l| l.starts_with(starts));
    assert!(line.is_some(), "no row {starts} in\n{printed}");
    let line = line.unwrap();
    line[25..].split_whitespace().map(str::to_string).collect()
}

/// A cell measured inside a longer report gives what JUmPER printed for that cell alone:
/// JUmPER's `--cell 2` reports are the ground truth for cell 2 of the `1:6` report.
#[test]
fn per_cell_numbers_match_jumpers_single_cell_reports() {
    let s = session();
    let mut checked = 0;
    for (range, level, printed) in jumper_reports() {
        if range != "2" {
            continue;
        }
        checked += 1;
        let whole = report(&s, "1:6", level);
        let cells: Vec<usize> = whole.per_cell.iter().map(|c| c.cell_index).collect();
        assert_eq!(cells, [1, 2, 3, 4, 5, 6]);
        let c = &whole.per_cell[1];
        assert_eq!(c.cell_index, 2);
        assert_eq!(c.code, "time.sleep(0.5)");
        assert_eq!(format!("{:.2}", c.duration_s), "0.50");
        let m = c.metrics.expect("cell 2 has samples");
        let cpu = printed_row(&printed, "CPU Util");
        assert_eq!(format!("{:.2}", m.cpu_util_avg), cpu[0], "{level}");
        assert_eq!(format!("{:.2}", m.cpu_util_max), cpu[2], "{level}");
        let mem = printed_row(&printed, "Memory (GB)");
        assert_eq!(format!("{:.2}", m.memory_peak_gib), mem[2], "{level}");
        let alone = report(&s, "2", level);
        assert_eq!(c.tags, alone.tags, "{level}");
        assert_eq!(c.samples, alone.stats.samples, "{level}");
        assert!(
            printed.contains("Signature") != c.tags.is_empty(),
            "{level}: {printed}"
        );
    }
    assert_eq!(checked, 3, "process, user and system");
}

/// Which rows belong to which cell is JUmPER's own `cell_index` column of its export.
#[test]
fn per_cell_samples_follow_jumpers_cell_index_column() {
    let s = session();
    let csv = std::fs::read_to_string(fixtures().join("session/perf_process.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "cell_index").unwrap();
    let mut per_cell = std::collections::BTreeMap::<usize, usize>::new();
    for l in lines {
        if let Ok(i) = l.split(',').nth(col).unwrap().parse::<usize>() {
            *per_cell.entry(i).or_default() += 1;
        }
    }
    let r = report(&s, "1:6", Level::Process);
    for c in &r.per_cell {
        assert_eq!(
            c.samples,
            per_cell.get(&c.cell_index).copied().unwrap_or(0),
            "cell {}",
            c.cell_index
        );
        assert!(c.metrics.is_some(), "every cell of 1:6 has samples");
        assert!(!c.failed());
    }
    // The per-cell CPU seconds add up to the window's, less the idle gaps between cells.
    let sum: f64 = r
        .per_cell
        .iter()
        .map(|c| c.metrics.unwrap().cpu_time_s)
        .sum();
    assert!(sum <= r.stats.cpu_time_s + 1e-9 && sum > 0.9 * r.stats.cpu_time_s);
}

/// HTML and Markdown of JUmPER's session, as reviewed snapshots (`tests/snapshots/*.snap`;
/// review changes with `cargo insta review` or `INSTA_UPDATE=always`).
#[test]
fn html_and_markdown_of_jumper_session() {
    let s = session();
    let r = report(&s, "1:6", Level::Process);
    let html = HtmlRenderer::default().render(&r);
    assert!(
        html.contains("<span class=\"jump-k\">Duration</span><span class=\"jump-v\">4.75s</span>")
    );
    assert!(html.contains("<td class=\"jump-col-metric\">CPU Util (Across 2 CPUs)</td><td>35.49</td><td>5.00</td><td>65.20</td><td>-</td>"));
    assert!(html.contains("totals estimated from sampled rates"));
    assert_eq!(html.matches("<tr class=\"jump-row").count(), 6);
    insta::assert_snapshot!("html_jumper_session_process_1-6", html);
    let md = MarkdownRenderer::default().render(&r);
    assert!(md.contains("| CPU Util (Across 2 CPUs) | 35.49 | 5.00 | 65.20 | - |"));
    insta::assert_snapshot!("md_jumper_session_process_1-6", md);
}
