//! The service as a Rust program embeds it: cells around its own work.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use jumper_core::{CellRange, CellStatus, Cells, Gpus, Level, PerfmonitorService, ServiceError};

#[path = "service/commands.rs"]
mod commands;
#[path = "service/live.rs"]
mod live;
#[path = "service/state.rs"]
mod state;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn service() -> PerfmonitorService {
    PerfmonitorService::builder()
        .interval(0.02)
        .levels(vec![Level::Process, Level::System])
        .gpu(Gpus::None)
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
        Err(ServiceError::CellRunning(3))
    ));
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.stop_monitoring().unwrap();

    // Reports keep working after stop (JUmPER refuses them).
    let busy = s
        .report(CellRange::parse("1").unwrap().into(), Level::Process)
        .unwrap();
    assert!(
        busy.stats.cpu_time_s > 0.25 && busy.stats.cpu_time_s < 0.45,
        "{}",
        busy.stats.cpu_time_s
    );
    let idle = s
        .report(CellRange::parse("0").unwrap().into(), Level::Process)
        .unwrap();
    assert!(idle.stats.cpu_time_s < 0.05, "{}", idle.stats.cpu_time_s);
    // Utilisation is CPU time over wall time, in percent of the process's CPUs, so its bound
    // comes from the cell's own measured duration and the CPU count (a busy host stretches the
    // wall time and a large one divides by more CPUs: a constant bound fails on both).
    let cpus = s.monitor_info().unwrap().num_cpus as f64;
    let expected = 100.0 * busy.stats.cpu_time_s / busy.duration_s / cpus;
    assert!(
        busy.stats.cpu_util.avg > 0.6 * expected && busy.stats.cpu_util.avg < 1.4 * expected,
        "{} % against {expected} % (CPU time / duration)",
        busy.stats.cpu_util.avg
    );
    assert_eq!(s.history().cells()[2].status, CellStatus::Failed);
    assert_eq!(s.history().cells()[2].error.as_deref(), Some("boom"));
    let text = s
        .report_text(CellRange::parse("-3:-2").unwrap().into(), Level::Process)
        .unwrap();
    assert!(
        text.contains("Duration: ") && text.contains("(2 cells)"),
        "{text}"
    );
    // The default report covers the last completed cell, whatever its length.
    let last = s.report(Cells::Last, Level::Process).unwrap();
    assert_eq!(last.cells, vec![3]);

    let err = s.report(Cells::Last, Level::User).unwrap_err().to_string();
    assert_eq!(
        err,
        "level 'user' is not monitored in this session; available levels: process, system"
    );
    let err = s
        .report(CellRange::parse("9:2").unwrap().into(), Level::Process)
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
        s.report(Cells::Last, Level::Process),
        Err(ServiceError::NoMonitor)
    ));
    s.start_monitoring().unwrap();
    assert!(s.start_monitoring().is_err());
    assert!(s.is_monitoring());
}

#[test]
fn a_panicking_cell_ends_as_failed_and_the_next_cell_still_records() {
    let _serial = serial();
    let mut s = service();
    s.start_monitoring().unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.cell("boom", || {
            burn(0.05);
            panic!("work failed")
        })
    }));
    assert!(caught.is_err(), "the panic reaches the caller");
    assert!(s.history().running().is_none(), "the cell was ended");
    assert_eq!(s.history().cells()[0].status, CellStatus::Failed);
    assert_eq!(s.history().cells()[0].error.as_deref(), Some("panicked"));
    s.cell("after", || burn(0.3));
    assert_eq!(s.history().len(), 2);
    let after = s.report("1".parse().unwrap(), Level::Process).unwrap();
    assert_eq!(after.cells, [1]);
    assert!(
        after.stats.cpu_time_s > 0.25 && after.stats.cpu_time_s < 0.45,
        "{}",
        after.stats.cpu_time_s
    );
    // Cells::All covers both, Cells::Last the second only.
    assert_eq!(s.report(Cells::All, Level::Process).unwrap().cells, [0, 1]);
    assert_eq!(s.report(Cells::Last, Level::Process).unwrap().cells, [1]);
    s.stop_monitoring().unwrap();
}

#[test]
fn gpus_are_detected_disabled_or_given() {
    use jumper_core::gpu::{FakeGpu, GpuDevice};
    let fake = FakeGpu::new(vec![GpuDevice {
        name: "Fake A100".into(),
        memory_total: 40 << 30,
        uuid: "GPU-6a1f0c9e-0000-4000-8000-000000000001".into(),
    }]);
    let mut s = PerfmonitorService::builder()
        .interval(0.05)
        .levels(vec![Level::Process])
        .gpu(Gpus::Backend(Box::new(fake)))
        .build()
        .unwrap();
    s.start_monitoring().unwrap();
    let info = s.monitor_info().unwrap();
    assert_eq!((info.num_gpus, info.gpu_name.as_str()), (1, "Fake A100"));
    assert_eq!(info.gpu_uuids, ["GPU-6a1f0c9e-0000-4000-8000-000000000001"]);
    s.stop_monitoring().unwrap();

    let mut s = service();
    for _ in 0..2 {
        // `Gpus::None` holds for every start, not only the first.
        s.start_monitoring().unwrap();
        assert_eq!(s.monitor_info().unwrap().num_gpus, 0);
        assert_eq!(s.resources().gpus.len(), 0);
        s.stop_monitoring().unwrap();
    }
}

#[test]
fn pipelined_cells_get_their_start_sample_and_exact_cpu_time() {
    // begin_cell_pipelined does not wait for the start sample: the sample still falls inside
    // the cell, and the cell's CPU time is the counters' difference as with begin_cell.
    let _serial = serial();
    let mut s = service();
    s.start_monitoring().unwrap();
    let i = s.begin_cell_pipelined("busy", vec![]).unwrap();
    let t0 = jumper_data::time::thread_cpu_s();
    burn(0.3);
    let truth = jumper_data::time::thread_cpu_s() - t0;
    s.end_cell(CellStatus::Ok, None).unwrap();
    let j = s.begin_cell_pipelined("empty", vec![]).unwrap();
    s.end_cell(CellStatus::Ok, None).unwrap();
    assert_eq!((i, j), (0, 1));
    let busy = s
        .report(CellRange::parse("0").unwrap().into(), Level::Process)
        .unwrap();
    assert!(
        (busy.stats.cpu_time_s - truth).abs() < 0.02 + 0.05 * truth,
        "reported {} s, burnt {truth} s",
        busy.stats.cpu_time_s
    );
    // Even an empty cell has its two boundary samples, both inside it.
    let empty = s
        .report(CellRange::parse("1").unwrap().into(), Level::Process)
        .unwrap();
    assert!(
        empty.per_cell[0].samples >= 2,
        "{} samples",
        empty.per_cell[0].samples
    );
    assert!(empty.stats.cpu_time_s < 0.01, "{}", empty.stats.cpu_time_s);
    assert!(matches!(
        s.begin_cell_pipelined("x", vec![])
            .and_then(|_| s.begin_cell_pipelined("y", vec![])),
        Err(ServiceError::CellRunning(2))
    ));
    s.end_cell(CellStatus::Ok, None).unwrap();
    s.stop_monitoring().unwrap();
}
