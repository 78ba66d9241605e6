#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! The dashboard's HTML and embedded data, checked without a browser (see
//! `dashboard_browser.rs` for the page itself).

#[path = "dashboard_support/mod.rs"]
mod support;

use std::fs;

use jumper_data::{CellRecord, Level, Window};
use jumper_viz::catalog::Metric;
use jumper_viz::dashboard::{
    render_dashboard, write_dashboard, DashboardInput, DEFAULT_MAX_POINTS,
};
use jumper_viz::VizError;
use serde_json::Value;
use support::{embedded_data, session, Spec, EVIL_CODE, FAILED_CELL, ORIGIN, SPIKE_GIB};

fn small() -> support::Session {
    session(&Spec {
        ticks: 600,
        cells: 12,
        levels: vec![Level::Process, Level::System],
        cores: 4,
        gpus: 0,
        interval: 0.1,
    })
}

fn long() -> support::Session {
    session(&Spec {
        ticks: 36_000,
        cells: 120,
        levels: vec![Level::Process, Level::User, Level::System, Level::Slurm],
        cores: 8,
        gpus: 0,
        interval: 0.1,
    })
}

fn level<'v>(data: &'v Value, name: &str) -> &'v Value {
    data["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

#[test]
fn the_page_is_self_contained_and_embeds_the_data_once() {
    let s = small();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched: no external scripts, styles, images or frames, and a CSP that
    // forbids fetching anything.
    for needle in ["<script src", "<link", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(needle), "found {needle}");
    }
    assert!(html.contains("default-src 'none'"));
    // The only URL is uPlot's licence header comment.
    assert_eq!(html.matches("https://").count(), 1);
    assert!(html.contains("/*! https://github.com/leeoniya/uPlot (v1.6.32) */"));
    assert!(html.contains("var uPlot=function()"), "uPlot is inlined");
    // Exactly the page's four script elements: error hook, data, uPlot, dashboard.
    assert_eq!(html.matches("<script").count(), 4);
    assert_eq!(html.matches("</script>").count(), 4);
    assert_eq!(html.matches(r#"id="jumper-data""#).count(), 1);
    // Each cell's code appears once: in the data, nowhere else.
    assert_eq!(html.matches("step_7()").count(), 1);
    let data = embedded_data(&html);
    assert_eq!(data["version"], 1);
    assert_eq!(data["cells"].as_array().unwrap().len(), 12);
    assert_eq!(data["initial"], serde_json::json!([0, 11]));
}

#[test]
fn strings_from_the_data_cannot_become_markup() {
    let s = small();
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info)
        .with_title("Run </title><script>alert(1)</script> & co");
    let html = render_dashboard(&input).unwrap();
    assert!(!html.contains("__pwned = 1</script>"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<b>boom</b>"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains(
        "<title>Run &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>"
    ));
    // The text itself is intact once the JSON is read.
    let data = embedded_data(&html);
    assert_eq!(data["cells"][2]["code"], EVIL_CODE);
    assert_eq!(data["cells"][FAILED_CELL]["status"], "failed");
    assert_eq!(
        data["cells"][FAILED_CELL]["error"],
        "ValueError: <b>boom</b>"
    );
    assert_eq!(data["title"], "Run </title><script>alert(1)</script> & co");
}

#[test]
fn short_series_are_embedded_unchanged_and_times_start_at_the_monitor() {
    let s = small();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    let data = embedded_data(&html);
    let p = level(&data, "process");
    let rows = &s.frames[0].rows;
    assert_eq!(p["samples"], rows.len());
    assert_eq!(p["points"], rows.len());
    let t = floats(&p["time"]);
    let expect: Vec<f64> = rows
        .iter()
        .map(|r| ((r.time - ORIGIN) * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(t, expect);
    let cpu = floats(&p["cpu_avg"]);
    for (got, r) in cpu.iter().zip(rows) {
        assert!((got - r.cpu_util_avg).abs() <= 0.05 + 1e-9);
    }
    let c0 = &data["cells"][0];
    assert!((c0["start"].as_f64().unwrap() - (s.cells[0].start_time - ORIGIN)).abs() < 1e-6);
    assert_eq!(data["origin"], ORIGIN);
}

#[test]
fn per_core_columns_are_carried_only_where_they_were_measured() {
    let s = small();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    let data = embedded_data(&html);
    let p = level(&data, "process");
    assert_eq!(p["cores_recorded"], false);
    assert_eq!(p["cores"].as_array().unwrap().len(), 0);
    let sys = level(&data, "system");
    assert_eq!(sys["cores_recorded"], true);
    assert_eq!(sys["cpus"], 4);
    let cores = sys["cores"].as_array().unwrap();
    assert_eq!(cores.len(), 4);
    let last = s.frames[1].rows.len() - 1;
    for (c, col) in cores.iter().enumerate() {
        let v = floats(col);
        assert_eq!(v.len(), s.frames[1].rows.len());
        assert!((v[last] - s.frames[1].rows[last].cpu_util[c]).abs() <= 0.05 + 1e-9);
    }
    assert_eq!(sys["memory_limit"], 32.0);
}

#[test]
fn a_long_session_is_thinned_but_keeps_its_spike() {
    let s = long();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    let data = embedded_data(&html);
    for name in ["process", "user", "system", "slurm"] {
        let l = level(&data, name);
        assert_eq!(l["samples"], 36_000 + 240, "{name}");
        let points = l["points"].as_u64().unwrap() as usize;
        assert!(
            (2000..=DEFAULT_MAX_POINTS).contains(&points),
            "{name}: {points}"
        );
        let t = floats(&l["time"]);
        assert_eq!(t.len(), points);
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "{name}: time goes back");
    }
    let p = level(&data, "process");
    let mem = floats(&p["memory"]);
    let t = floats(&p["time"]);
    let (at, &peak) = mem
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    assert_eq!(peak, SPIKE_GIB);
    // Drawn within one bucket (under 3 s at 4000 points an hour) of where it happened.
    assert!(
        (t[at] - (s.spike_time - ORIGIN)).abs() < 3.0,
        "at {}",
        t[at]
    );
    // Every cell's first and last sample is kept: buckets never straddle a cell.
    for c in &s.cells {
        for edge in [c.start_time, c.end_time] {
            let e = ((edge - ORIGIN) * 1000.0).round() / 1000.0;
            assert!(t.contains(&e), "cell {} edge {e} lost", c.cell_index);
        }
    }
}

#[test]
fn a_long_session_stays_under_two_megabytes() {
    let s = long();
    // Kept in target/tmp to look at: one hour at 10 Hz, 4 levels, 120 cells.
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-1h-4-levels.html");
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info).with_title("1 h at 10 Hz");
    let summary = write_dashboard(&input, &path).unwrap();
    eprintln!(
        "{}: {} bytes, {:?}",
        path.display(),
        summary.bytes,
        summary.levels
    );
    assert!(summary.bytes < 2_000_000, "{} bytes", summary.bytes);
    // It does carry the data: 4 levels of about 4000 points, 8 cores at system level.
    assert!(summary.bytes > 500_000, "{} bytes", summary.bytes);
    assert_eq!(summary.levels.len(), 4);
}

#[test]
fn totals_add_up_to_the_report_window() {
    let s = small();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    let data = embedded_data(&html);
    for (fi, frame) in s.frames.iter().enumerate() {
        let l = &data["levels"][fi];
        assert_eq!(l["exact_totals"], true);
        let cell_t = l["cell_totals"].as_array().unwrap();
        let gap_t = l["gap_totals"].as_array().unwrap();
        assert_eq!(cell_t.len(), 12);
        assert_eq!(gap_t.len(), 11);
        // Each cell's totals are jumper-data's statistics of the cell.
        for (c, tot) in s.cells.iter().zip(cell_t) {
            let st = frame.window_stats(
                Window {
                    start: c.start_time,
                    end: c.end_time,
                },
                0.1,
            );
            assert!((tot[0].as_f64().unwrap() - st.cpu_time_s).abs() < 1e-9);
            assert!((tot[2].as_f64().unwrap() - st.io_write_bytes).abs() < 1e-6);
            assert_eq!(tot[6], st.samples);
        }
        // Cells 3..=8 plus the gaps between them make the report's window exactly.
        let (a, b) = (3, 8);
        let sum = |i: usize| -> f64 {
            (a..=b)
                .map(|k| cell_t[k][i].as_f64().unwrap())
                .chain((a..b).map(|k| gap_t[k][i].as_f64().unwrap()))
                .sum()
        };
        let st = frame.window_stats(Window::of_cells(&s.cells[a..=b]).unwrap(), 0.1);
        assert!(st.cpu_time_s > 0.5);
        assert!((sum(0) - st.cpu_time_s).abs() < 1e-9, "{frame:?}.level");
        assert!((sum(1) - st.io_read_bytes).abs() < 1e-3);
        assert!((sum(2) - st.io_write_bytes).abs() < 1e-3);
        assert!((sum(4) - st.io_write_ops).abs() < 1e-9);
    }
}

#[test]
fn initial_range_and_gpus_are_described() {
    let s = session(&Spec {
        ticks: 300,
        cells: 6,
        levels: vec![Level::User, Level::Process],
        cores: 2,
        gpus: 2,
        interval: 0.1,
    });
    let html = render_dashboard(
        &DashboardInput::new(&s.frames, &s.cells, &s.info)
            .with_initial(2, 4)
            .with_title("gpus"),
    )
    .unwrap();
    let data = embedded_data(&html);
    assert_eq!(data["initial"], serde_json::json!([2, 4]));
    assert_eq!(data["num_gpus"], 2);
    assert_eq!(data["gpu_memory"], 16.0);
    let u = level(&data, "user");
    assert_eq!(u["gpus"], 2);
    assert_eq!(u["gpu_util"].as_array().unwrap().len(), 2);
    let mem1 = floats(&u["gpu_mem"][1]);
    assert!(mem1.iter().all(|&m| (2.0..2.1).contains(&m)), "{mem1:?}");
    // Menu order is the input order.
    assert_eq!(data["levels"][0]["name"], "user");
    // The Metric menu is the catalogue's, GPU metrics included, worded as the static plots.
    let keys: Vec<&str> = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, Metric::ALL.map(Metric::key));
    let gpu_mem = &data["metrics"][8];
    assert_eq!(gpu_mem["key"], "gpu_mem_summary");
    assert_eq!(gpu_mem["kind"], "summary");
    assert_eq!(gpu_mem["y"], "to_limit");
    assert_eq!(gpu_mem["gpu"], true);
    assert_eq!(
        gpu_mem["levels"]["user"]["title"],
        Metric::GpuMemSummary.title(2, 2)
    );
    assert_eq!(gpu_mem["levels"]["user"]["limit"], 16.0);
}

#[test]
fn the_metric_menu_comes_from_the_catalogue() {
    let s = small();
    let html = render_dashboard(&DashboardInput::new(&s.frames, &s.cells, &s.info)).unwrap();
    let data = embedded_data(&html);
    let metrics = data["metrics"].as_array().unwrap();
    let keys: Vec<&str> = metrics.iter().map(|m| m["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "cpu_summary",
            "memory",
            "io_read",
            "io_write",
            "io_read_count",
            "io_write_count",
            "cpu"
        ],
        "no GPU metrics without GPUs"
    );
    for m in metrics {
        let metric = Metric::from_key(m["key"].as_str().unwrap()).unwrap();
        assert_eq!(m["unit"], metric.unit());
        assert_eq!(m["axis"], metric.axis_label());
    }
    let mem = &metrics[1];
    assert_eq!(mem["levels"]["process"]["title"], "Memory Usage (GiB)");
    assert_eq!(mem["levels"]["process"]["limit"], 16.0);
    assert_eq!(mem["levels"]["system"]["limit"], 32.0);
    let cpu = &metrics[0];
    assert_eq!(
        cpu["levels"]["system"]["title"],
        Metric::CpuSummary.title(4, 0)
    );
    assert_eq!(cpu["levels"]["process"]["limit"], Value::Null);
    assert_eq!(metrics[6]["kind"], "multi");
}

#[test]
fn bad_input_is_refused_with_one_clear_line() {
    let s = small();
    let msg = |input: &DashboardInput<'_>| render_dashboard(input).unwrap_err().to_string();
    assert_eq!(
        msg(&DashboardInput::new(&[], &s.cells, &s.info)),
        "no performance data to show: the dashboard needs at least one level"
    );
    let twice = [s.frames[0].clone(), s.frames[0].clone()];
    assert_eq!(
        msg(&DashboardInput::new(&twice, &s.cells, &s.info)),
        "level 'process' is given twice; give each level once"
    );
    assert_eq!(
        msg(&DashboardInput::new(&s.frames, &s.cells, &s.info).with_initial(3, 12)),
        "initial cell range 3:12 is out of bounds: 12 cells recorded, valid positions 0..11"
    );
    assert_eq!(
        msg(&DashboardInput::new(&s.frames, &s.cells, &s.info).with_initial(5, 4)),
        "initial cell range 5:4 is out of bounds: start 5 is after end 4"
    );
    assert_eq!(
        msg(&DashboardInput::new(&s.frames, &[], &s.info).with_initial(0, 0)),
        "initial cell range 0:0 is out of bounds: no cells recorded"
    );
    let mut cells: Vec<CellRecord> = s.cells.clone();
    cells[4].end_time = f64::NAN;
    assert_eq!(
        msg(&DashboardInput::new(&s.frames, &cells, &s.info)),
        format!(
            "cell 4 has a start or end time that is not a usable number of seconds ({}, NaN); \
             the cell history is damaged",
            cells[4].start_time
        )
    );
}

#[test]
fn no_cells_and_unsorted_foreign_rows_still_render() {
    let s = small();
    let mut frame = s.frames[0].clone();
    frame.rows.swap(10, 20);
    frame.rows[30].time = f64::NAN;
    let frames = [frame];
    let html = render_dashboard(&DashboardInput::new(&frames, &[], &s.info)).unwrap();
    let data = embedded_data(&html);
    assert_eq!(data["initial"], Value::Null);
    let p = level(&data, "process");
    assert_eq!(p["samples"], s.frames[0].rows.len() - 1);
    let t = floats(&p["time"]);
    assert!(t.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn write_dashboard_writes_atomically_and_reports_what_it_wrote() {
    let s = small();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dash.HTML");
    fs::write(&path, "old").unwrap();
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info);
    let summary = write_dashboard(&input, &path).unwrap();
    let written = fs::read_to_string(&path).unwrap();
    assert_eq!(written, render_dashboard(&input).unwrap());
    assert_eq!(summary.bytes, written.len() as u64);
    assert_eq!(summary.levels.len(), 2);
    assert_eq!(summary.levels[0].level, Level::Process);
    assert_eq!(summary.levels[0].samples, s.frames[0].rows.len());
    assert_eq!(summary.levels[0].points, s.frames[0].rows.len());
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["dash.HTML".to_string()],
        "no temporary file left"
    );
    let htm = dir.path().join("d.htm");
    assert!(write_dashboard(&input, &htm).unwrap().bytes > 0);
}

#[test]
fn bad_paths_are_refused_before_anything_is_written() {
    let s = small();
    let dir = tempfile::tempdir().unwrap();
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info);
    let png = dir.path().join("dash.png");
    let err = write_dashboard(&input, &png).unwrap_err();
    assert!(matches!(err, VizError::UnsupportedDashboardFormat { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "unsupported dashboard format '.png' for {} (supported: html, htm)",
            png.display()
        )
    );
    let bare = dir.path().join("dash");
    assert!(write_dashboard(&input, &bare)
        .unwrap_err()
        .to_string()
        .contains("unsupported dashboard format '(none)'"));
    let missing = dir.path().join("nope").join("dash.html");
    let err = write_dashboard(&input, &missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write {}: directory {} does not exist",
            missing.display(),
            dir.path().join("nope").display()
        )
    );
    // A directory in the way: the rename fails, the directory and the folder stay as they were.
    let taken = dir.path().join("taken.html");
    fs::create_dir(&taken).unwrap();
    let err = write_dashboard(&input, &taken).unwrap_err();
    assert!(matches!(err, VizError::Io { .. }), "{err}");
    // The message names the file; the OS error is its source, not repeated in it.
    assert_eq!(err.to_string(), format!("cannot write {}", taken.display()));
    let source = std::error::Error::source(&err).expect("the OS error is the source");
    assert!(
        source.downcast_ref::<std::io::Error>().is_some(),
        "{source}"
    );
    assert!(taken.is_dir());
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only the directory that was there");
}

/// Every `id="..."` value in `html`.
fn ids(html: &str) -> Vec<String> {
    html.split(" id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn notebook_dashboards_share_a_page_without_clashing() {
    use jumper_viz::dashboard::render_dashboard_fragment;
    let s = small();
    let input = DashboardInput::new(&s.frames, &s.cells, &s.info).with_title("a <b>");
    let one = render_dashboard_fragment(&input).unwrap();
    let two = render_dashboard_fragment(&input).unwrap();
    let page = format!("<!DOCTYPE html><html><body>{one}{two}</body></html>");

    // A fragment, not a document: no <html>, <head> or <body> of its own.
    for tag in ["<html", "<head>", "<body", "<!DOCTYPE"] {
        assert!(!one.contains(tag), "{tag}");
    }
    // Ids: each fragment's start with its own prefix, and the two sets are disjoint.
    let (a, b) = (ids(&one), ids(&two));
    assert!(a.len() > 10, "{a:?}");
    let prefix = a[0].strip_suffix("root").unwrap().to_string();
    assert!(
        prefix.starts_with("jd") && prefix.ends_with('-'),
        "{prefix}"
    );
    assert!(a.iter().all(|i| i.starts_with(&prefix)), "{a:?}");
    for id in [
        "root",
        "static",
        "live",
        "jumper-data",
        "panels",
        "range-lo",
        "errors",
    ] {
        assert!(a.contains(&format!("{prefix}{id}")), "{id}");
    }
    assert!(a.iter().all(|i| !b.contains(i)), "{a:?} / {b:?}");
    let all = ids(&page);
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "an id repeats in the page");

    // One script function per output, called with its prefix; no global assignment.
    assert_eq!(one.matches("<script>").count(), 1);
    assert!(one.contains(&format!("}})('{prefix}');\n</script>")));
    assert!(!one.contains("window.jumperErrors"));
    // The data is embedded once under the prefixed id, intact.
    let open = format!(r#"<script type="application/json" id="{prefix}jumper-data">"#);
    let start = one.find(&open).unwrap() + open.len();
    let end = start + one[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&one[start..end]).unwrap();
    assert_eq!(data, embedded_data(&render_dashboard(&input).unwrap()));

    // The static PNG, and the interactive part hidden until the script shows it.
    let img = format!(
        "<img id=\"{prefix}static\" class=\"jumper-dash-static\" alt=\"a &lt;b&gt; (static view"
    );
    assert!(one.contains(&img), "no static image");
    let src = one.split("src=\"data:image/png;base64,").nth(1).unwrap();
    let b64 = &src[..src.find('"').unwrap()];
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(one.contains(&format!(
        "<div id=\"{prefix}live\" class=\"jumper-dash-live\" style=\"display:none\">"
    )));

    // Self-contained: nothing is loaded from anywhere.
    let lower = page.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "<link",
        "<script src",
        "@import",
    ] {
        assert!(!lower.contains(bad), "{bad}");
    }
    // Styles apply below the output only.
    for style in one.split("<style>").skip(1) {
        let css = &style[..style.find("</style>").unwrap()];
        for rule in css
            .lines()
            .filter(|l| l.contains('{') && !l.starts_with('@'))
        {
            let sel = rule.trim_start_matches(|c: char| c == '}' || c.is_whitespace());
            assert!(
                sel.split('{')
                    .next()
                    .unwrap()
                    .split(',')
                    .all(|s| s.trim().starts_with(".jumper-dash")),
                "{rule}"
            );
        }
    }
}

#[test]
fn a_notebook_dashboard_without_samples_still_says_what_it_is() {
    use jumper_viz::dashboard::render_dashboard_fragment;
    let s = small();
    // Cells outside every sample: no static figure can be drawn; a line stands in for it.
    let cells: Vec<CellRecord> = s
        .cells
        .iter()
        .map(|c| CellRecord {
            start_time: c.start_time + 1e6,
            end_time: c.end_time + 1e6,
            ..c.clone()
        })
        .collect();
    let html = render_dashboard_fragment(&DashboardInput::new(&s.frames, &cells, &s.info)).unwrap();
    assert!(!html.contains("<img"));
    assert!(html.contains("the interactive dashboard needs a trusted notebook.</p>"));
}
