//! Saving the service's state and resuming it in a new service, as a kernel restart does.
#![allow(clippy::panic)]

use jumper_core::{CellRange, Cells, Level, Output, PerfmonitorService, ServiceError};

use super::{burn, serial, service};

fn range(s: &str) -> Cells {
    CellRange::parse(s).unwrap().into()
}

#[test]
fn a_resumed_session_keeps_its_cells_numbers_and_settings() {
    let _serial = serial();
    let d = tempfile::tempdir().unwrap();
    let state = d.path().join("state");

    // Service A: two monitored cells, reports after each cell, then saved and dropped.
    let mut a = service();
    a.run_command("%perfmonitor_enable_perfreports --level system --interval 0.02 --text")
        .unwrap();
    a.cell("first", || burn(0.2));
    a.cell("second", || {
        std::thread::sleep(std::time::Duration::from_millis(100))
    });
    let a_report = a.report(range("0:1"), Level::Process).unwrap();
    let a_cell0 = a.report(range("0"), Level::Process).unwrap();
    assert!(
        a_cell0.stats.cpu_time_s > 0.15 && a_cell0.stats.cpu_time_s < 0.35,
        "{}",
        a_cell0.stats.cpu_time_s
    );
    a.save_state(&state).unwrap();
    // Saving twice replaces the session: one is left.
    a.save_state(&state).unwrap();
    let sessions: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("session-"))
        .collect();
    assert_eq!(sessions.len(), 1);
    drop(a);

    // Service B: resumes, monitoring runs again, the index continues.
    let mut b = PerfmonitorService::builder()
        .gpu(jumper_core::Gpus::None)
        .build()
        .unwrap();
    let r = b.resume_state(&state).unwrap();
    assert_eq!((r.cells, r.next_cell, r.monitoring), (2, 2, true));
    assert_eq!(r.time_shift_s, 0.0);
    assert!(b.is_monitoring());
    assert_eq!(b.settings().interval, 0.02);
    assert_eq!(b.settings().levels, [Level::Process, Level::System]);
    let auto = b.auto_reports().unwrap();
    assert_eq!((auto.level, auto.text), (Level::System, true));
    b.cell("third", || burn(0.2));
    assert_eq!(b.history().cells().last().unwrap().cell_index, 2);
    // The automatic report of the new cell is the system level's, as saved.
    let rec = b.history().cells()[2].clone();
    let after = b.after_cell(&rec);
    assert!(
        matches!(&after[..], [Output::Text(t)] if t.contains("(level: system,")),
        "{after:?}"
    );

    let all = b.report(range("0:2"), Level::Process).unwrap();
    assert_eq!(all.cells, [0, 1, 2]);
    // A's cells read as they did in A.
    assert_eq!(all.per_cell[..2], a_report.per_cell[..]);
    let b_01 = b.report(range("0:1"), Level::Process).unwrap();
    assert_eq!(b_01.stats, a_report.stats);
    // The whole range counts both processes' work: at least the 0.4 s burnt in cells 0 and 2.
    let c2 = all.per_cell[2].metrics.as_ref().unwrap().cpu_time_s;
    assert!(c2 > 0.15 && c2 < 0.35, "{c2}");
    assert!(
        all.stats.cpu_time_s >= a_report.stats.cpu_time_s + c2 - 1e-9,
        "{} < {} + {c2}",
        all.stats.cpu_time_s,
        a_report.stats.cpu_time_s
    );

    // The history lists 3 cells; the session exports and imports back with 3.
    let h = b.run_command("%show_cell_history").unwrap();
    assert!(
        matches!(&h[..], [Output::Table { title, table }] if title == "Cell history (3 cells)" && table.rows.len() == 3),
        "{h:?}"
    );
    b.stop_monitoring().unwrap();
    let out = d.path().join("b.zip");
    b.export_session(&out).unwrap();
    let mut c = service();
    let imp = c.import_session(&out).unwrap();
    assert_eq!(imp.cells, 3);
    let again = c.report(range("0:2"), Level::Process).unwrap();
    assert_eq!(again.cells, [0, 1, 2]);
    assert_eq!(again.per_cell[..2], a_report.per_cell[..]);
}

/// A live plot in force goes on after a restart, with its metrics, level, interval and
/// window; one whose monitoring was stopped does not.
#[test]
fn a_live_plot_goes_on_after_a_resume() {
    let _serial = serial();
    let d = tempfile::tempdir().unwrap();
    let mut a = service();
    a.run_command("%perfmonitor_start 0.02").unwrap();
    a.run_command("%perfmonitor_plot --live --metrics cpu,memory --interval 0.5 --level system")
        .unwrap();
    a.cell("x", || burn(0.05));
    let before = a.live_plot().cloned().unwrap();
    a.save_state(d.path()).unwrap();

    let mut b = service();
    let r = b.resume_state(d.path()).unwrap();
    assert!(r.live_plot && r.monitoring);
    assert_eq!(b.live_plot(), Some(&before));
    b.cell("y", || burn(0.05));
    assert!(b.render_live_png().unwrap().starts_with(b"\x89PNG"));

    // Stopped monitoring ends the live plot, and a resume does not bring it back.
    b.run_command("%perfmonitor_stop").unwrap();
    b.save_state(d.path()).unwrap();
    let mut c = service();
    let r = c.resume_state(d.path()).unwrap();
    assert!(!r.live_plot);
    assert_eq!(c.live_plot(), None);
}

#[test]
fn a_stopped_session_resumes_stopped_and_starts_without_losing_cells() {
    let _serial = serial();
    let d = tempfile::tempdir().unwrap();
    let mut a = service();
    a.start_monitoring().unwrap();
    a.cell("x", || burn(0.05));
    a.stop_monitoring().unwrap();
    a.cell("unmonitored", || ());
    a.save_state(d.path()).unwrap();

    let mut b = service();
    let r = b.resume_state(d.path()).unwrap();
    assert_eq!((r.cells, r.monitoring), (2, false));
    assert!(!b.is_monitoring());
    assert!(matches!(b.stop_monitoring(), Err(ServiceError::NotRunning)));
    // Reports work on the resumed data before monitoring starts again...
    assert_eq!(b.report(range("0"), Level::Process).unwrap().cells, [0]);
    // ...and starting it does not reset the session, as it does an imported one.
    b.run_command("%perfmonitor_start 0.02").unwrap();
    b.cell("y", || burn(0.05));
    assert_eq!(b.history().len(), 3);
    assert_eq!(
        b.report(range("0:2"), Level::Process).unwrap().cells,
        [0, 1, 2]
    );
}

#[test]
fn a_session_without_data_and_a_recording_resume() {
    let _serial = serial();
    let d = tempfile::tempdir().unwrap();
    let script = d.path().join("rec.py");
    let mut a = service();
    a.start_recording(Some(script.clone())).unwrap();
    a.begin_titled_cell("one", "x = 1", vec![]).unwrap();
    a.end_cell(jumper_core::CellStatus::Ok, None).unwrap();
    a.save_state(&d.path().join("st")).unwrap();

    let mut b = service();
    let r = b.resume_state(&d.path().join("st")).unwrap();
    assert_eq!(r.recording.as_deref(), Some(script.as_path()));
    assert_eq!(r.cells, 1);
    b.begin_titled_cell("two", "y = 2", vec![]).unwrap();
    b.end_cell(jumper_core::CellStatus::Ok, None).unwrap();
    let done = b.end_recording().unwrap();
    assert_eq!(done.cells, 2);
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.contains("# %% one\nx = 1") && text.contains("# %% two\ny = 2"),
        "{text}"
    );
}

#[test]
fn missing_or_damaged_state_is_one_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let mut s = service();
    let e = s
        .resume_state(&d.path().join("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cannot read the jumper state ") && e.contains("nope"),
        "{e}"
    );

    let write = |text: &str| std::fs::write(d.path().join("state.json"), text).unwrap();
    write("{not json");
    let e = s.resume_state(d.path()).unwrap_err().to_string();
    assert!(
        e.contains("cannot be resumed: state.json is not JSON"),
        "{e}"
    );
    write(r#"{"schema": "jumper.state.v9"}"#);
    let e = s.resume_state(d.path()).unwrap_err().to_string();
    assert!(e.contains("unknown state schema 'jumper.state.v9'"), "{e}");
    write(r#"{"schema": "jumper.state.v1", "interval": 1}"#);
    let e = s.resume_state(d.path()).unwrap_err().to_string();
    assert!(
        e.contains("cannot be resumed: state.json: missing field"),
        "{e}"
    );

    // A valid state whose session directory was deleted.
    let mut a = service();
    a.start_monitoring().unwrap();
    a.cell("x", || ());
    let st = d.path().join("st");
    a.save_state(&st).unwrap();
    for e in std::fs::read_dir(&st).unwrap().flatten() {
        if e.path().is_dir() {
            std::fs::remove_dir_all(e.path()).unwrap();
        }
    }
    let e = s.resume_state(&st).unwrap_err().to_string();
    assert!(
        e.contains("its session 'session-") && e.contains("is missing"),
        "{e}"
    );
    // Nothing changed on the errors.
    assert!(s.history().is_empty() && !s.is_monitoring());
    // A damaged session file is named too.
    a.save_state(&st).unwrap();
    for e in std::fs::read_dir(&st).unwrap().flatten() {
        if e.path().is_dir() {
            std::fs::write(e.path().join("perf_process.csv"), "garbage\n1,2\n").unwrap();
        }
    }
    let e = s.resume_state(&st).unwrap_err().to_string();
    assert!(e.contains("perf_process.csv"), "{e}");
    assert!(s.history().is_empty());
}

#[test]
fn checkpoints_after_each_cell_resume_as_a_save_does_and_append() {
    // A kernel killed without warning (restart with now=True) leaves its last checkpoint:
    // the cells up to it, with the same figures as a full save.
    let _serial = serial();
    let d = tempfile::tempdir().unwrap();
    let state = d.path().join("state");
    let saved = d.path().join("saved");
    let mut a = service();
    a.run_command("%perfmonitor_start 0.02").unwrap();
    let mut appender = None;
    a.cell("first", || burn(0.15));
    assert!(a.checkpoint_state(&state, &mut appender).unwrap());
    let perf = state.join("session-live/perf_process.csv");
    let first_len = std::fs::metadata(&perf).unwrap().len();
    // A checkpoint while a cell runs is skipped: its rows are not final.
    a.begin_cell("running", Vec::new()).unwrap();
    assert!(!a.checkpoint_state(&state, &mut appender).unwrap());
    burn(0.1);
    a.end_cell(jumper_core::CellStatus::Ok, None).unwrap();
    a.cell("third", || burn(0.15));
    assert!(a.checkpoint_state(&state, &mut appender).unwrap());
    // The second checkpoint appended to the same file.
    assert!(std::fs::metadata(&perf).unwrap().len() > first_len);
    a.save_state(&saved).unwrap();
    let want = a.report(range("0:2"), Level::Process).unwrap();
    drop(a);

    let resume = |dir: &std::path::Path| {
        let mut b = PerfmonitorService::builder()
            .gpu(jumper_core::Gpus::None)
            .build()
            .unwrap();
        let r = b.resume_state(dir).unwrap();
        assert_eq!((r.cells, r.next_cell), (3, 3));
        let got = b.report(range("0:2"), Level::Process).unwrap();
        b.stop_monitoring().unwrap();
        got
    };
    let from_checkpoint = resume(&state);
    let from_save = resume(&saved);
    assert_eq!(from_checkpoint.per_cell, from_save.per_cell);
    assert_eq!(from_checkpoint.per_cell, want.per_cell);
    assert_eq!(from_checkpoint.stats.cpu_time_s, want.stats.cpu_time_s);
}
