//! The command language end to end: what each command does to the service and what it returns.
#![allow(clippy::panic)]

use jumper_core::{DataValue, Output, PerfmonitorService, ServiceError};
use jumper_data::{CellStatus, Level};

use super::{burn, fixtures, serial, service};

fn text(outs: &[Output]) -> String {
    outs.iter().map(Output::to_text).collect()
}

fn run(s: &mut PerfmonitorService, line: &str) -> String {
    text(
        &s.run_command(line)
            .unwrap_or_else(|e| panic!("{line}: {e}")),
    )
}

fn err(s: &mut PerfmonitorService, line: &str) -> String {
    s.run_command(line).unwrap_err().to_string()
}

#[test]
fn a_notebook_session_with_reports_exports_and_restart() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut s = service();
    assert_eq!(
        err(&mut s, "%perfmonitor_stop"),
        "performance monitoring was never started; nothing to stop"
    );
    assert!(run(&mut s, "%perfmonitor_start 0.02").contains("Interval: 0.02s"));
    assert!(run(&mut s, "%perfmonitor_start 0.5").contains("already running (interval 0.02 s)"));
    s.cell("idle", || {
        std::thread::sleep(std::time::Duration::from_millis(100))
    });
    s.cell("busy", || burn(0.3));
    s.cell("short", || ());

    // A bare report covers the last cell, however short, and says so.
    let t = run(&mut s, "%perfmonitor_perfreport --text");
    assert!(t.contains("s (1 cell)"), "{t}");
    assert!(t.contains("Cells: 2"), "{t}");
    let busy = run(&mut s, "%perfmonitor_perfreport --cell 1 --text");
    assert!(
        busy.contains("(1 cell)") && busy.contains("Cells: 1"),
        "{busy}"
    );
    // Negative ranges work.
    assert!(run(&mut s, "%perfmonitor_perfreport --cell -3:-2 --text").contains("(2 cells)"));
    // JSON through the command language.
    let json: serde_json::Value = serde_json::from_str(&run(
        &mut s,
        "%perfmonitor_perfreport --cell 1 --format json",
    ))
    .unwrap();
    let cpu = json["metrics"]["cpu_time_s"]["total"].as_f64().unwrap();
    assert!((0.25..0.45).contains(&cpu), "{cpu}");
    // HTML by default, with a text alternative.
    let outs = s.run_command("%perfmonitor_perfreport --cell 1").unwrap();
    assert!(matches!(&outs[0], Output::Html { html, .. } if html.contains("<table")));
    // ...and the numbers behind it, for a notebook's output metadata.
    let Output::Html {
        json: Some(doc), ..
    } = &outs[0]
    else {
        panic!("no report document: {outs:?}");
    };
    assert_eq!(doc["schema"], "jumper.report.v1");
    assert_eq!(doc["cells"], serde_json::json!([1]));

    assert_eq!(
        err(&mut s, "%perfmonitor_perfreport --cell 9:2"),
        "cell range '9:2' is out of bounds: 3 cells recorded, valid indices 0..2 or -3..-1"
    );
    assert!(err(&mut s, "%perfmonitor_perfreport --level user")
        .contains("level 'user' is not monitored"));

    // Exports to files and to data.
    let csv = dir.path().join("perf.csv");
    let line = format!(
        "%perfmonitor_export_perfdata --file {} --level process",
        csv.display()
    );
    assert!(run(&mut s, &line).contains("Exported to"));
    let body = std::fs::read_to_string(&csv).unwrap();
    assert!(
        body.starts_with("time,") && body.lines().next().unwrap().contains(",memory,"),
        "{}",
        &body[..40]
    );
    let outs = s
        .run_command("%perfmonitor_export_perfdata --name df")
        .unwrap();
    match &outs[1] {
        Output::Data {
            name,
            value: DataValue::Perf { frame, cells },
        } => {
            assert_eq!(name, "df");
            assert!(frame.rows.len() >= 6);
            assert_eq!(cells.len(), 3);
        }
        o => panic!("{o:?}"),
    }
    let hist = dir.path().join("hist.json");
    run(
        &mut s,
        &format!("%perfmonitor_export_cell_history --file {}", hist.display()),
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&hist).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(
        err(&mut s, "%perfmonitor_export_perfdata --file perf.txt"),
        "perfmonitor_export_perfdata: invalid file 'perf.txt': unsupported format 'txt'; supported formats: csv, json"
    );

    // History as a table with real clock times.
    let outs = s.run_command("%show_cell_history").unwrap();
    let Output::Table { table, .. } = &outs[0] else {
        panic!("{outs:?}")
    };
    assert_eq!(table.rows.len(), 3);
    assert_eq!(table.rows[1][5], "busy");
    assert_eq!(table.rows[1][2].len(), 8, "{:?}", table.rows[1]);

    // Stop; reports still work; a restart appends and keeps old cells reportable.
    let stop = run(&mut s, "%perfmonitor_stop");
    assert!(
        stop.contains("Performance monitoring stopped (ran for"),
        "{stop}"
    );
    assert!(stop.contains("Missed measurements: "), "{stop}");
    assert_eq!(
        err(&mut s, "%perfmonitor_stop"),
        "performance monitoring is not running (it was stopped before)"
    );
    let rows_before = s.frame(Level::Process).unwrap().rows.len();
    assert_eq!(run(&mut s, "%perfmonitor_perfreport --cell 1 --text"), busy);
    run(&mut s, "%perfmonitor_start");
    s.cell("after restart", || burn(0.1));
    run(&mut s, "%perfmonitor_stop");
    assert!(s.frame(Level::Process).unwrap().rows.len() > rows_before);
    let again = run(&mut s, "%perfmonitor_perfreport --cell 1 --text");
    assert_eq!(again, busy, "the old cell's report must not change");
    assert!(run(&mut s, "%perfmonitor_perfreport --cell -1 --text").contains("(1 cell)"));
}

#[test]
fn automatic_reports_cover_exactly_the_cell_that_ran() {
    let _serial = serial();
    let mut s = service();
    let t = run(
        &mut s,
        "%perfmonitor_enable_perfreports --interval 0.02 --text",
    );
    assert!(t.contains("Performance monitoring started"), "{t}");
    assert!(t.contains("format: text"), "{t}");
    s.begin_cell("long = 1", vec![]).unwrap();
    burn(0.2);
    let long = s.end_cell(CellStatus::Ok, None).unwrap();
    let r1 = text(&s.after_cell(&long));
    assert!(r1.contains("Cells: 0"), "{r1}");
    s.begin_cell("short = 1", vec![]).unwrap();
    let short = s.end_cell(CellStatus::Ok, None).unwrap();
    let r2 = text(&s.after_cell(&short));
    assert!(r2.contains("Cells: 1"), "JUmPER repeated cell 0 here: {r2}");
    s.begin_cell("%perfmonitor_stop", vec!["perfmonitor_stop".into()])
        .unwrap();
    let magic = s.end_cell(CellStatus::Ok, None).unwrap();
    assert!(s.after_cell(&magic).is_empty());
    run(&mut s, "%perfmonitor_disable_perfreports");
    assert!(s.after_cell(&long).is_empty());
}

#[test]
fn jumpers_own_session_imports_and_reports_its_figures() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("notebook_outputs.json")).unwrap(),
    )
    .unwrap();
    let cells = expected["cells"].as_array().unwrap();
    for source in [fixtures().join("session"), fixtures().join("session.zip")] {
        // The API returns what was imported; the command renders it.
        let summary = service().import_session(&source).unwrap();
        assert_eq!(summary.path, source);
        assert!(summary.writer.starts_with("JUmPER"), "{}", summary.writer);
        let mut s = service();
        let msg = run(&mut s, &format!("%import_session {}", source.display()));
        assert_eq!(
            msg.trim_end(),
            format!(
                "[jumper] Session imported successfully: {} (written by {}; {} cells; levels: {})",
                source.display(),
                summary.writer,
                summary.cells,
                summary
                    .levels
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
        assert_eq!(s.levels(), summary.levels);
        assert_eq!(s.history().len(), summary.cells);
        assert!(summary.cells >= 20, "{}", summary.cells);
        let mut checked = 0;
        for c in cells {
            let cmd = c["cell"].as_str().unwrap();
            // Reports without --cell covered the last cell *at that time* in the notebook.
            if cmd.starts_with("%perfmonitor_perfreport") && cmd.contains("--cell") {
                let ours = run(&mut s, cmd);
                let theirs = c["stdout"].as_str().unwrap();
                assert!(
                    ours.starts_with(theirs),
                    "{cmd}\n--- ours\n{ours}\n--- JUmPER\n{theirs}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 3, "{checked}");
        let res = run(&mut s, "%perfmonitor_resources");
        assert!(
            res.contains("Showing resources from imported session"),
            "{res}"
        );
        assert!(res.contains("CPUs: 2"), "{res}");
        // Exports work on imported data (JUmPER refuses them).
        let outs = s
            .run_command("%perfmonitor_export_perfdata --level user")
            .unwrap();
        assert!(matches!(&outs[1], Output::Data { value, .. } if value.rows() > 10));
        // Starting monitoring detaches the import instead of mixing time bases.
        let t = run(&mut s, "%perfmonitor_start 0.05");
        assert!(t.contains("detached"), "{t}");
        assert!(s.history().is_empty());
        run(&mut s, "%perfmonitor_stop");
    }
}

#[test]
fn import_errors_are_one_line_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = service();
    run(&mut s, "%perfmonitor_start 0.02");
    s.cell("kept", || ());
    // While monitoring, a path that is no session is named first ...
    let e = err(&mut s, &format!("%import_session {}", dir.path().display()));
    assert!(e.contains("manifest.json"), "{e}");
    let e = err(
        &mut s,
        &format!("%import_session {}", dir.path().join("nope").display()),
    );
    assert!(e.contains("nope"), "{e}");
    // ... and a real session is refused, naming what to do.
    let e = err(
        &mut s,
        &format!("%import_session {}", fixtures().join("session").display()),
    );
    assert_eq!(
        e,
        "cannot import a session while monitoring runs: run %perfmonitor_stop first (and %export_session to keep this one)"
    );
    assert!(s.is_monitoring());
    assert_eq!(s.history().len(), 1);
    run(&mut s, "%perfmonitor_stop");
    let missing = dir.path().join("nope");
    let e = err(&mut s, &format!("%import_session {}", missing.display()));
    assert!(e.contains("nope"), "{e}");
    assert!(!e.contains('\n'));
    let e = err(&mut s, &format!("%import_session {}", dir.path().display()));
    assert!(e.contains("manifest.json"), "{e}");
    assert_eq!(s.history().len(), 1, "the recorded cell is still there");
    assert!(run(&mut s, "%perfmonitor_perfreport --cell 0 --text").contains("(1 cell)"));
}

#[test]
fn loads_jumper_files_as_data() {
    let mut s = service();
    let outs = s
        .run_command(&format!(
            "%perfmonitor_load_perfdata {}",
            fixtures().join("perf_process.csv").display()
        ))
        .unwrap();
    assert!(
        matches!(&outs[1], Output::Data { name, value } if name == "loaded_perfdata_df" && value.rows() > 10)
    );
    let outs = s
        .run_command(&format!(
            "%perfmonitor_load_cell_history {}",
            fixtures().join("cell_history.json").display()
        ))
        .unwrap();
    assert!(matches!(&outs[1], Output::Data { value: DataValue::History(c), .. } if c.len() > 5));
    let e = err(&mut s, "%perfmonitor_load_perfdata /nonexistent/perf.csv");
    assert!(e.contains("/nonexistent/perf.csv"), "{e}");
    assert!(matches!(
        s.run_command("%perfmonitor_load_perfdata"),
        Err(ServiceError::Command(_))
    ));
}

#[test]
fn help_and_resources_work_without_monitoring() {
    let mut s = service();
    let h = run(&mut s, "%perfmonitor_help");
    for name in [
        "perfmonitor_perfreport",
        "perfmonitor_plot",
        "perfmonitor_load_perfdata",
        "start_write_script",
        "import_session",
    ] {
        assert!(h.contains(name), "{name}");
    }
    assert!(h.contains("-3:"));
    assert!(run(&mut s, "%perfmonitor_resources").contains("CPUs:"));
    assert_eq!(
        err(&mut s, "%show_cell_history"),
        "no cell history available"
    );
    assert!(
        err(&mut s, "%perfmonitor_perfreport").contains("no active performance monitoring session")
    );
}

#[test]
fn recording_writes_a_replayable_script_with_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/rec.py");
    let mut s = service();
    run(
        &mut s,
        "%perfmonitor_enable_perfreports --interval 0.05 --level system --text",
    );
    assert!(err(&mut s, "%end_write_script").contains("was not started"));
    let ctl = format!("%start_write_script {}", path.display());
    s.begin_titled_cell("control", &ctl, vec![ctl[1..].to_string()])
        .unwrap();
    assert!(run(&mut s, &ctl).contains("Started script recording"));
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.begin_titled_cell("load", "x = 1\nprint(x)", vec![])
        .unwrap();
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.begin_titled_cell(
        "report",
        "%perfmonitor_perfreport --text",
        vec!["perfmonitor_perfreport --text".into()],
    )
    .unwrap();
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.begin_titled_cell("stop", "%end_write_script", vec!["end_write_script".into()])
        .unwrap();
    let t = run(&mut s, "%end_write_script");
    s.end_cell(CellStatus::Ok, None).unwrap();
    assert!(t.contains("Recorded 2 cells"), "{t}");
    let script = jumper_script::parse(&std::fs::read_to_string(&path).unwrap());
    let titles: Vec<&str> = script.cells.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        ["jumper: restore monitoring settings", "load", "report"]
    );
    assert!(script.cells[0]
        .source
        .contains("%perfmonitor_enable_perfreports --level system --interval 0.05 --text"));
    assert!(script.cells[1].source.contains("print(x)"));
}

/// JUmPER pushes `perfdata_df` into the notebook; Rust callers get the same table as polars.
#[cfg(feature = "polars")]
#[test]
fn exported_data_converts_to_polars_dataframes() {
    let mut s = service();
    let path = fixtures().join("session");
    run(&mut s, &format!("%import_session {}", path.display()));
    let outs = s
        .run_command("%perfmonitor_export_perfdata --level system --name sys")
        .unwrap();
    let Output::Data { name, value } = &outs[1] else {
        panic!("{outs:?}")
    };
    assert_eq!(name, "sys");
    let df = value.to_dataframe().unwrap();
    assert_eq!(df.height(), value.rows());
    let cols: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(cols.first().map(String::as_str), Some("time"));
    assert_eq!(cols.last().map(String::as_str), Some("cell_index"));
    let outs = s.run_command("%perfmonitor_export_cell_history").unwrap();
    let Output::Data { value, .. } = &outs[1] else {
        panic!("{outs:?}")
    };
    assert_eq!(value.to_dataframe().unwrap().height(), 20);
}
