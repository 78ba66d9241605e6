//! `Appender`: a session kept current by appending is the session a whole export writes.

use std::fs;
use std::path::Path;

use jumper_data::test_support::synthetic_samples;
use jumper_data::{GpuReading, Level, LevelSample, MonitorInfo, PerfFrame};
use jumper_session::{export_session, import_session, Appender, Session, Update};

const LEVELS: [Level; 2] = [Level::Slurm, Level::System];
const CPUS: usize = 2;

fn info() -> MonitorInfo {
    MonitorInfo {
        interval: 0.1,
        num_cpus: CPUS,
        num_system_cpus: CPUS,
        levels: LEVELS.to_vec(),
        ..MonitorInfo::default()
    }
}

/// What a monitor's `frame_from` gives over the first `n` of `samples`.
fn frame_from(samples: &[LevelSample], n: usize, level: Level, from: usize) -> PerfFrame {
    PerfFrame::from_samples_from(level, CPUS, &samples[..n], from)
}

fn update(a: &mut Appender, samples: &[LevelSample], n: usize, info: &MonitorInfo) -> Update {
    let s = Session::new(info, &LEVELS, &[], &[]);
    a.update(&s, &mut |l, from| Some(frame_from(samples, n, l, from)))
        .unwrap()
}

/// The same session written whole, for comparison.
fn whole(samples: &[LevelSample], n: usize, info: &MonitorInfo, path: &Path) {
    let frames: Vec<PerfFrame> = LEVELS
        .iter()
        .map(|&l| PerfFrame::from_samples(l, CPUS, &samples[..n]))
        .collect();
    export_session(&Session::new(info, &LEVELS, &frames, &[]), path).unwrap();
}

fn same_files(a: &Path, b: &Path) {
    for name in ["perf_slurm.csv", "perf_system.csv", "manifest.json"] {
        let (x, y) = (
            fs::read_to_string(a.join(name)).unwrap(),
            fs::read_to_string(b.join(name)).unwrap(),
        );
        if let Some((i, (l, r))) = x
            .lines()
            .zip(y.lines())
            .enumerate()
            .find(|(_, (l, r))| l != r)
        {
            panic!("{name} differs at line {i}:\n{l}\n{r}");
        }
        assert_eq!(x.lines().count(), y.lines().count(), "{name}: line counts");
    }
}

#[test]
fn appended_session_is_byte_for_byte_the_whole_export_and_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = synthetic_samples(500, 0.1, CPUS, 0, 7);
    let dir = tmp.path().join("job/n1");
    let mut a = Appender::new(&dir);
    let mut info = info();
    assert!(matches!(
        update(&mut a, &samples, 100, &info),
        Update::Whole(_)
    ));
    assert_eq!(a.rows_written(Level::System), Some(100));
    let mut appended = 0;
    for n in [101, 101, 250, 499, 500] {
        info.ticks = n as u64; // the manifest changes with every write
        match update(&mut a, &samples, n, &info) {
            Update::Appended { rows } => appended += rows,
            u => panic!("expected an append at {n}: {u:?}"),
        }
        assert_eq!(a.rows_written(Level::Slurm), Some(n));
        whole(&samples, n, &info, &tmp.path().join("whole"));
        same_files(&dir, &tmp.path().join("whole"));
    }
    assert_eq!(appended, 2 * 400);
    let back = import_session(&dir).unwrap();
    assert_eq!(back.frame(Level::System).unwrap().rows.len(), 500);
    assert_eq!(back.info.ticks, 500);
    // Nothing but the session in the directory, nothing left beside it.
    assert_eq!(
        jumper_data::test_support::names(&dir),
        ["manifest.json", "perf_slurm.csv", "perf_system.csv"]
    );
    assert_eq!(
        jumper_data::test_support::names(&tmp.path().join("job")),
        ["n1"]
    );
}

#[test]
fn a_changed_directory_new_columns_or_cells_write_the_whole_session() {
    let tmp = tempfile::tempdir().unwrap();
    let mut samples = synthetic_samples(300, 0.1, CPUS, 0, 3);
    let dir = tmp.path().join("n1");
    let mut a = Appender::new(&dir);
    let info = info();
    assert!(matches!(
        update(&mut a, &samples, 50, &info),
        Update::Whole(_)
    ));

    // Someone cut a perf file: its length is not what was written.
    let f = dir.join("perf_system.csv");
    let text = fs::read_to_string(&f).unwrap();
    fs::write(&f, &text[..text.len() - 10]).unwrap();
    assert!(matches!(
        update(&mut a, &samples, 60, &info),
        Update::Whole(_)
    ));
    whole(&samples, 60, &info, &tmp.path().join("w1"));
    same_files(&dir, &tmp.path().join("w1"));

    // Without its manifest the directory is no longer a session: appending stops, and the
    // whole export refuses to replace it, keeping its files.
    let m = dir.join("manifest.json");
    let kept = fs::read(&m).unwrap();
    fs::remove_file(&m).unwrap();
    let s = Session::new(&info, &LEVELS, &[], &[]);
    let e = a
        .update(&s, &mut |l, from| Some(frame_from(&samples, 65, l, from)))
        .unwrap_err();
    assert!(e.to_string().contains("n1"), "{e}");
    assert!(dir.join("perf_system.csv").is_file());
    fs::write(&m, kept).unwrap();
    assert!(matches!(
        update(&mut a, &samples, 70, &info),
        Update::Whole(_)
    ));

    // A GPU appears: the new rows have columns the header lacks.
    for s in &mut samples[80..] {
        s.gpus = vec![GpuReading {
            util: 50.0,
            band: 10.0,
            mem_bytes: 1 << 30,
        }];
    }
    assert!(matches!(
        update(&mut a, &samples, 75, &info),
        Update::Appended { rows: 10 }
    ));
    assert!(matches!(
        update(&mut a, &samples, 90, &info),
        Update::Whole(_)
    ));
    whole(&samples, 90, &info, &tmp.path().join("w2"));
    same_files(&dir, &tmp.path().join("w2"));

    // Completed cells: appended rows get their cell_index, the cell history is replaced,
    // and the result is the whole export with those cells, byte for byte.
    // Each cell begins after the rows written before it, as a notebook's cells do.
    let cell = |i: usize, start: f64, end: f64| jumper_data::CellRecord {
        cell_index: i,
        raw_cell: format!("cell {i}"),
        start_time: start,
        end_time: end,
        duration: end - start,
        wallclock_start_time: 1.7e9 + start,
        wallclock_end_time: 1.7e9 + end,
        ..Default::default()
    };
    let cells = [
        cell(0, 1009.55, 1012.0),
        cell(1, 1012.45, 1015.0),
        cell(2, 1020.5, 1023.0),
    ];
    for (n, k) in [(125, 1), (200, 2), (250, 3)] {
        let s = Session::new(&info, &LEVELS, &[], &cells[..k]);
        let u = a
            .update(&s, &mut |l, from| Some(frame_from(&samples, n, l, from)))
            .unwrap();
        assert!(matches!(u, Update::Appended { .. }), "{u:?}");
        let frames: Vec<PerfFrame> = LEVELS
            .iter()
            .map(|&l| PerfFrame::from_samples(l, CPUS, &samples[..n]))
            .collect();
        let w = tmp.path().join(format!("w-cells-{n}"));
        export_session(&Session::new(&info, &LEVELS, &frames, &cells[..k]), &w).unwrap();
        same_files(&dir, &w);
        assert_eq!(
            fs::read(dir.join("cell_history.csv")).unwrap(),
            fs::read(w.join("cell_history.csv")).unwrap()
        );
    }
    // A cell written before that changed (another end): the whole session again.
    let mut changed = cells.clone();
    changed[2].end_time += 0.05;
    let s = Session::new(&info, &LEVELS, &[], &changed);
    let u = a
        .update(&s, &mut |l, from| Some(frame_from(&samples, 260, l, from)))
        .unwrap();
    assert!(matches!(u, Update::Whole(_)), "{u:?}");
}

#[test]
fn a_failed_append_loses_nothing_written_before() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = synthetic_samples(100, 0.1, CPUS, 0, 5);
    let dir = tmp.path().join("n1");
    let mut a = Appender::new(&dir);
    let info = info();
    update(&mut a, &samples, 40, &info);
    let before = fs::read_to_string(dir.join("perf_slurm.csv")).unwrap();
    // The perf file's place is taken by a directory of the same length check's making: the
    // append cannot open it, and the update fails with the file's name.
    let f = dir.join("perf_slurm.csv");
    fs::remove_file(&f).unwrap();
    fs::create_dir(&f).unwrap();
    let s = Session::new(&info, &LEVELS, &[], &[]);
    let e = a
        .update(&s, &mut |l, from| Some(frame_from(&samples, 50, l, from)))
        .unwrap_err();
    assert!(e.to_string().contains("n1"), "{e}");
    // The whole rewrite refused a directory holding something that is not a session file;
    // put the file back and the next update writes everything.
    fs::remove_dir(&f).unwrap();
    fs::write(&f, &before).unwrap();
    assert!(matches!(
        update(&mut a, &samples, 60, &info),
        Update::Whole(_)
    ));
    whole(&samples, 60, &info, &tmp.path().join("w"));
    same_files(&dir, &tmp.path().join("w"));
}

/// An agent killed in the middle of an append (SIGKILL at the end of a job step) leaves a
/// perf file whose last line is cut short beside the manifest of the update before: the
/// session still imports, with every whole row, and says which file lost its last line.
#[test]
fn a_session_whose_append_was_cut_short_imports_its_whole_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = synthetic_samples(200, 0.1, CPUS, 0, 11);
    let dir = tmp.path().join("n1");
    let mut a = Appender::new(&dir);
    let info = info();
    update(&mut a, &samples, 100, &info);
    update(&mut a, &samples, 150, &info);
    // Half of the next row reached the disk before the writer died.
    let mut next = Vec::new();
    let tail = frame_from(&samples, 151, Level::System, 150);
    jumper_data::io::write_perf_rows(&tail, &[], &mut next).unwrap();
    let f = dir.join("perf_system.csv");
    let mut bytes = fs::read(&f).unwrap();
    bytes.extend_from_slice(&next[..next.len() / 2]);
    fs::write(&f, &bytes).unwrap();

    let back = import_session(&dir).unwrap();
    let want = PerfFrame::from_samples(Level::System, CPUS, &samples[..150]);
    let got = back.frame(Level::System).unwrap();
    assert_eq!(got.rows.len(), 150);
    assert_eq!(got.rows.last().unwrap().time, want.rows[149].time);
    assert_eq!(back.cut_short.len(), 1, "{:?}", back.cut_short);
    assert!(
        back.cut_short[0].starts_with("perf_system.csv: its last line (152) was cut short"),
        "{}",
        back.cut_short[0]
    );
    assert!(back.notes.contains(&back.cut_short[0]));
    assert_eq!(back.frame(Level::Slurm).unwrap().rows.len(), 150);
}
