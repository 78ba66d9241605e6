//! The files jumper writes are byte for byte what they were when these golden files were
//! made (`tests/golden/`, written by the writers before the column table replaced them), and
//! they read back to the same values.
//!
//! The data covers every column kind: GPUs, per-core values (one row short of the header),
//! raw counters on some rows only, NaN and huge values, integral floats, rows outside cells,
//! failed cells with errors, magics and code full of quotes, commas and newlines.
//!
//! To bless a deliberate change of layout: `JUMPER_BLESS=1 cargo test -p jumper-data --test
//! golden`, then review the diff of `tests/golden/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

use jumper_data::io::{
    export_history, export_perf, perf_records, read_history, read_perf, write_history_csv,
    write_perf_csv,
};
use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, PerfFrame, RawCounters,
    SampleKind,
};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn cells() -> Vec<CellRecord> {
    vec![
        CellRecord {
            cell_index: 0,
            raw_cell: "%perfmonitor_start 0.1".into(),
            start_time: 100.0,
            end_time: 100.25,
            duration: 0.25,
            wallclock_start_time: 1_700_000_000.0,
            wallclock_end_time: 1_700_000_000.25,
            cell_magics: vec!["perfmonitor_start 0.1".into()],
            status: CellStatus::Ok,
            error: None,
        },
        CellRecord {
            cell_index: 1,
            raw_cell: "x = \"a, b\"\nprint('it''s')\r\n\ty = [1, 2]".into(),
            start_time: 100.4,
            end_time: 101.0000000001,
            duration: 0.6000000001,
            wallclock_start_time: 1_700_000_000.4,
            wallclock_end_time: f64::NAN,
            cell_magics: vec![
                "export_session 'my dir'".into(),
                "a\"b's\\".into(),
                "tab\there".into(),
            ],
            status: CellStatus::Failed,
            error: Some("exit status 3, \"boom\"\nsecond line".into()),
        },
        CellRecord {
            cell_index: 7,
            raw_cell: String::new(),
            start_time: 1e16,
            end_time: 1e16,
            duration: 0.0,
            wallclock_start_time: -2.5,
            wallclock_end_time: 1e-7,
            cell_magics: vec![],
            status: CellStatus::Failed,
            error: Some(String::new()),
        },
    ]
}

fn frame() -> PerfFrame {
    let samples: Vec<LevelSample> = (0..6)
        .map(|i| {
            let t = 99.9 + 0.2 * f64::from(i);
            LevelSample {
                time: t,
                wallclock: 1_700_000_000.0 + t - 100.0,
                kind: match i % 3 {
                    0 => SampleKind::Tick,
                    1 => SampleKind::CellStart,
                    _ => SampleKind::CellEnd,
                },
                cpu_time: 0.37 * f64::from(i),
                cpu_cores: vec![
                    [0.1 * f64::from(i * i), 0.2 * f64::from(i)],
                    [0.05 * f64::from(i), 0.2 * f64::from(i)],
                    [0.0, 0.2 * f64::from(i)],
                ],
                memory: (1 << 30) + 4096 * u64::from(i) * 17,
                io: IoCounters {
                    read_bytes: 4096 * u64::from(i),
                    write_bytes: (1 << 20) * u64::from(i * i),
                    read_ops: 3 * u64::from(i),
                    write_ops: 7 * u64::from(i),
                },
                gpus: vec![
                    GpuReading {
                        util: 12.5 * f64::from(i),
                        band: 3.0,
                        mem_bytes: 1 << 29,
                    },
                    GpuReading {
                        util: 100.0,
                        band: 0.1 + f64::from(i),
                        mem_bytes: 3 * (1 << 28) + u64::from(i),
                    },
                ],
                nprocs: 3 + i,
            }
        })
        .collect();
    let mut f = PerfFrame::from_samples(Level::System, 3, &samples);
    // A row as JUmPER writes it (no raw counters, no wallclock, kind or nprocs), one short
    // of per-core and GPU values, with values that test number formatting.
    let mut last = f.rows[5].clone();
    last.time = 101.5;
    last.dt = 0.4;
    last.wallclock = None;
    last.raw = None;
    last.kind = None;
    last.nprocs = None;
    last.memory = f64::NAN;
    last.io_read = 1e15;
    last.io_write = 123456789012345.0;
    last.io_read_count = 1e300;
    last.cpu_util.truncate(2);
    last.gpu_band.truncate(1);
    f.rows.push(last);
    f.rows[2].raw = Some(RawCounters {
        cpu_time: 2.0,
        io_read_bytes: -0.0,
        io_write_bytes: 1e-9,
        io_read_ops: 5.5,
        io_write_ops: 0.1 + 0.2,
    });
    f
}

fn history_only_frame() -> PerfFrame {
    // No GPUs, no raw counters at all: JUmPER's own shape.
    let mut f = frame();
    f.num_gpus = 0;
    f.level = Level::Process;
    for r in &mut f.rows {
        r.raw = None;
        r.gpu_util.clear();
        r.gpu_band.clear();
        r.gpu_mem.clear();
        r.cpu_util.truncate(1);
    }
    f
}

fn check(name: &str, bytes: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var_os("JUMPER_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if want != bytes {
        panic!(
            "{name} differs from its golden file\n--- golden\n{}\n--- now\n{}",
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn perf_and_history_files_are_byte_identical_to_the_golden_files() {
    let cells = cells();
    for (tag, frame) in [("gpu_raw", frame()), ("plain", history_only_frame())] {
        let mut csv = Vec::new();
        write_perf_csv(&frame, &cells, &mut csv).unwrap();
        check(&format!("perf_{tag}.csv"), &csv);
        let json = serde_json::to_vec_pretty(&perf_records(&frame, &cells)).unwrap();
        check(&format!("perf_{tag}.json"), &json);

        // The file exporters write the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.csv");
        export_perf(&frame, &cells, &p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), csv);
        let p = dir.path().join("p.json");
        export_perf(&frame, &cells, &p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), json);
    }
    let mut csv = Vec::new();
    write_history_csv(&cells, &mut csv).unwrap();
    check("cell_history.csv", &csv);
    let mut empty = Vec::new();
    write_history_csv(&[], &mut empty).unwrap();
    check("cell_history_empty.csv", &empty);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.json");
    export_history(&cells, &p).unwrap();
    check("cell_history.json", &std::fs::read(&p).unwrap());
    let p = dir.path().join("h.csv");
    export_history(&cells, &p).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), csv);
}

/// What the readers give back for a written file: the same values, except what the file
/// cannot hold (NaN is "no value"; per-core and GPU lists are padded to the header).
#[test]
fn written_files_read_back_to_the_same_values() {
    let mut cells = cells();
    cells[1].wallclock_end_time = 1_700_000_001.0;
    let dir = tempfile::tempdir().unwrap();
    let mut frame = frame();
    frame.rows[6].memory = 2.0;
    for ext in ["csv", "json"] {
        let p = dir.path().join(format!("perf.{ext}"));
        export_perf(&frame, &cells, &p).unwrap();
        let back = read_perf(&p, Level::System, 3).unwrap();
        assert_eq!(back.rows.len(), frame.rows.len(), "{ext}");
        assert_eq!(back.num_gpus, 2);
        for (a, b) in back.rows.iter().zip(&frame.rows) {
            assert_eq!(a.time, b.time, "{ext}");
            assert_eq!(a.wallclock, b.wallclock, "{ext}");
            assert_eq!(a.io_read, b.io_read, "{ext}");
            assert_eq!(a.io_read_count, b.io_read_count, "{ext}");
            assert_eq!(a.cpu_util_avg, b.cpu_util_avg, "{ext}");
            assert_eq!(a.gpu_util, b.gpu_util, "{ext}");
            assert_eq!(a.nprocs, b.nprocs, "{ext}");
            assert_eq!(a.kind, b.kind, "{ext}");
            assert_eq!(a.memory, b.memory, "{ext}");
        }
        // Rows without raw counters read back with zeros where the file had none: the
        // reader only knows the file has a cpu_time column.
        assert_eq!(back.rows[2].raw, frame.rows[2].raw, "{ext}");
        assert_eq!(back.rows[0].raw, frame.rows[0].raw, "{ext}");
        assert_eq!(
            back.rows[6].cpu_util[..2],
            frame.rows[6].cpu_util[..],
            "{ext}"
        );
        assert_eq!(back.rows[6].cpu_util[2], 0.0, "{ext}");
    }
    for ext in ["csv", "json"] {
        let p = dir.path().join(format!("h.{ext}"));
        export_history(&cells, &p).unwrap();
        let back = read_history(&p).unwrap();
        assert_eq!(back.len(), 3);
        for (a, b) in back.iter().zip(&cells) {
            assert_eq!(a.cell_index, b.cell_index, "{ext}");
            assert_eq!(a.raw_cell, b.raw_cell, "{ext}");
            assert_eq!(a.cell_magics, b.cell_magics, "{ext}");
            assert_eq!(a.status, b.status, "{ext}");
            assert_eq!(a.start_time, b.start_time, "{ext}");
        }
        assert_eq!(back[1].error, cells[1].error, "{ext}");
        assert_eq!(back[0].error, None, "{ext}");
        assert_eq!(back[2].error, None, "an empty error is no error ({ext})");
        assert_eq!(back[1].wallclock_end_time, 1_700_000_001.0, "{ext}");
    }
}
