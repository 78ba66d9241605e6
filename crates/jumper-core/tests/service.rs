//! The service as a Rust program embeds it: cells around its own work.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use jumper_core::{PerfmonitorService, ServiceError};
use jumper_data::{CellRange, CellStatus, Level};

#[path = "service/commands.rs"]
mod commands;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn service() -> PerfmonitorService {
    PerfmonitorService::builder()
        .interval(0.02)
        .levels(vec![Level::Process, Level::System])
        .gpu(None)
        .build()
        .unwrap()
}

/// Burns `seconds` of this thread's CPU time (not wall time: the machine may be busy).
fn burn(seconds: f64) {
    let t = jumper_data::time::thread_cpu_s();
    let mut x = 0u64;
    while jumper_data::time::thread_cpu_s() - t < seconds {
        for _ in 0..1000 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
    }
    std::hint::black_box(x);
}

/// Tests that measure this process's CPU time run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn cells_reports_and_export_after_stop() {
    let _serial = serial();
    let mut s = service();
    s.start_monitoring().unwrap();
    s.cell("idle", || {
        std::thread::sleep(std::time::Duration::from_millis(150))
    });
    let v = s.cell("busy", || {
        burn(0.3);
        7
    });
    assert_eq!(v, 7);
    {
        let g = s.begin("guarded").unwrap();
        assert_eq!(g.index(), 2);
        g.finish(CellStatus::Failed, Some("boom".into())).unwrap();
    }
    assert!(matches!(
        s.begin_cell("x", vec![])
            .and_then(|_| s.begin_cell("y", vec![])),
        Err(ServiceError::CellState(_))
    ));
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.stop_monitoring().unwrap();

    // Reports keep working after stop (JUmPER refuses them).
    let busy = s
        .report(Some(&CellRange::parse("1").unwrap()), Level::Process)
        .unwrap();
    assert!(
        busy.stats.cpu_time_s > 0.25 && busy.stats.cpu_time_s < 0.45,
        "{}",
        busy.stats.cpu_time_s
    );
    let idle = s
        .report(Some(&CellRange::parse("0").unwrap()), Level::Process)
        .unwrap();
    assert!(idle.stats.cpu_time_s < 0.05, "{}", idle.stats.cpu_time_s);
    assert!(
        busy.stats.cpu_util.avg > 30.0,
        "{}",
        busy.stats.cpu_util.avg
    );
    assert_eq!(s.history().cells()[2].status, CellStatus::Failed);
    assert_eq!(s.history().cells()[2].error.as_deref(), Some("boom"));
    let text = s
        .report_text(Some(&CellRange::parse("-3:-2").unwrap()), Level::Process)
        .unwrap();
    assert!(
        text.contains("Duration: ") && text.contains("(2 cells)"),
        "{text}"
    );
    // The default report covers the last completed cell, whatever its length.
    let last = s.report(None, Level::Process).unwrap();
    assert_eq!(last.cells, vec![3]);

    let err = s.report(None, Level::User).unwrap_err().to_string();
    assert_eq!(
        err,
        "level 'user' is not monitored in this session; available levels: process, system"
    );
    let err = s
        .report(Some(&CellRange::parse("9:2").unwrap()), Level::Process)
        .unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");

    let d = tempfile::tempdir().unwrap();
    let x = s.export_session(&d.path().join("s.zip")).unwrap();
    assert!(x.files.iter().any(|f| f == "perf_process.csv"));
    assert!(d.path().join("s.zip").is_file());
}

#[test]
fn refuses_bad_settings_and_double_start() {
    let err = PerfmonitorService::builder()
        .interval(0.0)
        .build()
        .err()
        .unwrap();
    assert!(err.to_string().starts_with("invalid interval 0"), "{err}");
    let mut s = service();
    assert!(matches!(
        s.report(None, Level::Process),
        Err(ServiceError::NoMonitor)
    ));
    s.start_monitoring().unwrap();
    assert!(s.start_monitoring().is_err());
    assert!(s.is_monitoring());
}
