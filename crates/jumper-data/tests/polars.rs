#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
#![cfg(feature = "polars")]
//! The polars DataFrames hold exactly what the CSV export writes, and JUmPER's own files convert.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use jumper_data::io::{
    parse_py_list, perf_columns, read_history, read_perf, write_history_csv, write_perf_csv,
};
use jumper_data::polars::polars::prelude::{
    AnyValue, CsvReadOptions, DataFrame, DataType, SerReader,
};
use jumper_data::polars::{history_dataframe, perf_dataframe};
use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, PerfFrame, SampleKind, GIB,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Twelve system-level samples every 0.25 s from t = 10 with 3 cores and 2 GPUs, values chosen
/// so most derived numbers are non-integral.
fn samples() -> Vec<LevelSample> {
    (0..12u32)
        .map(|i| {
            let t = 10.0 + 0.25 * f64::from(i);
            let k = f64::from(i);
            LevelSample {
                time: t,
                wallclock: 1_700_000_000.125 + 0.25 * k,
                kind: match i {
                    2 | 7 => SampleKind::CellStart,
                    4 | 10 => SampleKind::CellEnd,
                    _ => SampleKind::Tick,
                },
                cpu_time: 0.1 * k * k,
                cpu_cores: (0..3u32)
                    .map(|c| {
                        let c = f64::from(c);
                        [0.07 * k * (c + 1.0), 0.25 * k]
                    })
                    .collect(),
                memory: (0.5 * GIB) as u64 + 12_345 * u64::from(i * i),
                io: IoCounters {
                    read_bytes: 4096 * u64::from(i * i),
                    write_bytes: 1000 * u64::from(i),
                    read_ops: 3 * u64::from(i),
                    write_ops: u64::from(i / 2),
                },
                gpus: vec![
                    GpuReading {
                        util: 12.5 * k,
                        band: 3.3 * k,
                        mem_bytes: 1 << 30,
                    },
                    GpuReading {
                        util: 7.0,
                        band: 0.1 * k,
                        mem_bytes: (1 << 29) + 77 * u64::from(i),
                    },
                ],
                nprocs: 3 + i,
            }
        })
        .collect()
}

/// Cells with indices that are not positions (3 and 7), so the column shows the record's index.
fn cells() -> Vec<CellRecord> {
    vec![
        CellRecord {
            cell_index: 3,
            raw_cell: "x = 1\nprint('a, \"b\"')".into(),
            start_time: 10.5,
            end_time: 11.0,
            duration: 0.5,
            wallclock_start_time: 1_700_000_000.625,
            wallclock_end_time: 1_700_000_001.125,
            cell_magics: vec![],
            status: CellStatus::Ok,
            error: None,
        },
        CellRecord {
            cell_index: 7,
            raw_cell: "%perfmonitor_start 0.25\nraise ValueError".into(),
            start_time: 11.75,
            end_time: 12.5,
            duration: 0.75,
            wallclock_start_time: 1_700_000_001.875,
            wallclock_end_time: 1_700_000_002.625,
            cell_magics: vec!["perfmonitor_start 0.25".into(), "it's \"quoted\"".into()],
            status: CellStatus::Failed,
            error: Some("ValueError: boom, twice".into()),
        },
    ]
}

/// Compares every cell of `df` with the CSV text: same header, same row count, an empty field
/// exactly where the DataFrame has a null, and otherwise the same number.
fn assert_equals_csv(df: &DataFrame, csv_text: &str) {
    let mut rd = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(names(df), header);
    let records: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(df.height(), records.len());
    for (j, name) in header.iter().enumerate() {
        let col = df.column(name).unwrap();
        let dtype = col.dtype();
        assert!(
            matches!(dtype, DataType::Float64 | DataType::Int64),
            "{name}: unexpected dtype {dtype}"
        );
        for (i, rec) in records.iter().enumerate() {
            let field = &rec[j];
            if *dtype == DataType::Float64 {
                let ours = col.f64().unwrap().get(i).map(f64::to_bits);
                let csv = (!field.is_empty()).then(|| field.parse::<f64>().unwrap().to_bits());
                assert_eq!(ours, csv, "{name}[{i}]: CSV has '{field}'");
            } else {
                let ours = col.i64().unwrap().get(i);
                let csv = (!field.is_empty()).then(|| field.parse::<i64>().unwrap());
                assert_eq!(ours, csv, "{name}[{i}]: CSV has '{field}'");
            }
        }
    }
}

fn perf_csv(frame: &PerfFrame, cells: &[CellRecord]) -> String {
    let mut buf = Vec::new();
    write_perf_csv(frame, cells, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn perf_dataframe_equals_the_csv_export_cell_by_cell() {
    let frame = PerfFrame::from_samples(Level::System, 3, &samples());
    let cells = cells();
    let df = perf_dataframe(&frame, &cells).unwrap();

    // 5 + 3 cores + 4 + 9 GPU summaries + 2 * 3 per GPU + 8 raw + cell_index.
    assert_eq!(df.shape(), (12, 36));
    assert_eq!(names(&df), perf_columns(&frame));
    assert_equals_csv(&df, &perf_csv(&frame, &cells));

    // Ground truth by hand: rows at 10.5..=11.0 are in cell 3, 11.75..=12.5 in cell 7.
    let ci: Vec<Option<i64>> = df
        .column("cell_index")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    let (a, b, n) = (Some(3), Some(7), None);
    assert_eq!(ci, vec![n, n, a, a, a, n, n, b, b, b, b, n]);

    let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
    assert_eq!(dtype("cpu_util_2"), DataType::Float64);
    assert_eq!(dtype("gpu_mem_1"), DataType::Float64);
    assert_eq!(dtype("wallclock"), DataType::Float64);
    assert_eq!(dtype("nprocs"), DataType::Int64);
    assert_eq!(dtype("sample_kind"), DataType::Int64);
    assert_eq!(dtype("cell_index"), DataType::Int64);

    // A few values against the samples themselves, not only against the writer.
    let f = |c: &str, i: usize| df.column(c).unwrap().f64().unwrap().get(i).unwrap();
    assert_eq!(f("time", 5), 11.25);
    assert_eq!(f("gpu_util_1", 4), 7.0);
    assert_eq!(f("gpu_util_avg", 4), (12.5 * 4.0 + 7.0) / 2.0);
    assert_eq!(f("io_read_bytes_total", 3), 4096.0 * 9.0);
    assert_eq!(f("memory", 0), 0.5);
    let kinds: Vec<Option<i64>> = df
        .column("sample_kind")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(kinds[2], Some(1));
    assert_eq!(kinds[4], Some(2));
    assert_eq!(kinds[5], Some(0));
}

#[test]
fn polars_reading_the_csv_export_gives_the_same_dataframe() {
    let frame = PerfFrame::from_samples(Level::System, 3, &samples());
    let cells = cells();
    let ours = perf_dataframe(&frame, &cells).unwrap();
    let read = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(Cursor::new(perf_csv(&frame, &cells).into_bytes()))
        .finish()
        .unwrap();
    // Same names and dtypes as polars infers from the file, and equal values (nulls included).
    assert_eq!(ours.schema(), read.schema());
    assert!(ours.equals_missing(&read), "{ours}\n{read}");
}

#[test]
fn rows_without_raw_counters_have_nulls_where_the_csv_is_empty() {
    let mut frame = PerfFrame::from_samples(Level::Process, 2, &samples()[..4]);
    // A row as an import without jumper's extra columns would give, next to jumper's own rows.
    let r = &mut frame.rows[1];
    r.raw = None;
    r.wallclock = None;
    r.kind = None;
    r.nprocs = None;
    let df = perf_dataframe(&frame, &[]).unwrap();
    assert_equals_csv(&df, &perf_csv(&frame, &[]));
    let col = |c: &str| df.column(c).unwrap().clone();
    assert_eq!(col("wallclock").null_count(), 1);
    assert_eq!(col("nprocs").null_count(), 1);
    assert_eq!(col("sample_kind").null_count(), 1);
    assert_eq!(col("cpu_time").f64().unwrap().get(1), Some(0.0));
    assert_eq!(col("cpu_time").null_count(), 0);
    // No cells at all: every row is outside a cell, and that is a null, not -1.
    assert_eq!(col("cell_index").null_count(), 4);
    assert_eq!(col("cell_index").dtype(), &DataType::Int64);
}

#[test]
fn jumper_fixture_converts_with_jumpers_own_cell_index() {
    let dir = fixtures();
    let frame = read_perf(&dir.join("perf_process.csv"), Level::Process, 2).unwrap();
    let cells = read_history(&dir.join("cell_history.csv")).unwrap();
    let df = perf_dataframe(&frame, &cells).unwrap();
    assert_eq!(df.height(), frame.rows.len());

    // JUmPER 0.4.1 wrote this file with its own cell_index: our DataFrame must equal it cell
    // by cell, header included (no GPUs, no raw counters in a JUmPER export).
    let original = std::fs::read_to_string(dir.join("perf_process.csv")).unwrap();
    assert_eq!(
        original.lines().filter(|l| !l.is_empty()).count() - 1,
        df.height()
    );
    assert_equals_csv(&df, &original);
    let ci = df.column("cell_index").unwrap();
    assert_eq!(ci.get(0).unwrap(), AnyValue::Null);
    assert_eq!(ci.get(1).unwrap(), AnyValue::Int64(1));

    let h = history_dataframe(&cells).unwrap();
    assert_eq!(h.height(), 19);
    assert_eq!(h.height(), cells.len());
}

fn magics(h: &DataFrame, i: usize) -> Vec<String> {
    h.column("cell_magics")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(i)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect()
}

#[test]
fn jumper_json_fixture_gets_jumpers_cell_index() {
    let dir = fixtures();
    let path = dir.join("perf_system.json");
    let frame = read_perf(&path, Level::System, 2).unwrap();
    let cells = read_history(&dir.join("cell_history.json")).unwrap();
    let df = perf_dataframe(&frame, &cells).unwrap();
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(df.height(), records.len());
    // JUmPER's own assignment, null outside cells, against ours.
    let theirs: Vec<Option<i64>> = records.iter().map(|r| r["cell_index"].as_i64()).collect();
    let ours: Vec<Option<i64>> = df
        .column("cell_index")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.iter().filter(|c| c.is_none()).count(), 2);
    let mem = df.column("memory").unwrap().f64().unwrap();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(mem.get(i), r["memory"].as_f64(), "memory[{i}]");
    }
}

#[test]
fn history_dataframe_equals_the_history_csv() {
    let cells = cells();
    let h = history_dataframe(&cells).unwrap();
    let mut buf = Vec::new();
    write_history_csv(&cells, &mut buf).unwrap();
    let mut rd = csv::Reader::from_reader(buf.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(names(&h), header);
    assert_eq!(
        header,
        [
            "cell_index",
            "raw_cell",
            "start_time",
            "end_time",
            "duration",
            "wallclock_start_time",
            "wallclock_end_time",
            "cell_magics",
            "status",
            "error"
        ]
    );
    let records: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(h.shape(), (records.len(), 10));

    for (i, rec) in records.iter().enumerate() {
        let get = |c: &str| h.column(c).unwrap().get(i).unwrap().into_static();
        assert_eq!(get("cell_index"), AnyValue::Int64(rec[0].parse().unwrap()));
        assert_eq!(get("raw_cell"), AnyValue::StringOwned(rec[1].into()));
        for (j, c) in header.iter().enumerate().take(7).skip(2) {
            assert_eq!(
                get(c),
                AnyValue::Float64(rec[j].parse().unwrap()),
                "{c}[{i}]"
            );
        }
        assert_eq!(
            Some(magics(&h, i)),
            parse_py_list(&rec[7]),
            "cell_magics[{i}]"
        );
        assert_eq!(get("status"), AnyValue::StringOwned(rec[8].into()));
        match get("error") {
            AnyValue::Null => assert_eq!(&rec[9], ""),
            v => assert_eq!(v, AnyValue::StringOwned(rec[9].into())),
        }
    }

    // And against the records themselves.
    assert_eq!(
        h.column("error").unwrap().str().unwrap().get(1),
        Some("ValueError: boom, twice")
    );
    assert_eq!(h.column("error").unwrap().null_count(), 1);
    assert_eq!(
        h.column("cell_magics").unwrap().dtype(),
        &DataType::List(Box::new(DataType::String))
    );
    assert_eq!(magics(&h, 0), Vec::<String>::new());
    assert_eq!(
        magics(&h, 1),
        vec!["perfmonitor_start 0.25", "it's \"quoted\""]
    );
}
