use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use jumper_data::test_support::{chain, names};
use jumper_data::LevelSample;

use super::files::write_files;
use super::place::zip_time;
use super::sink::{Body, Sink};
use super::target::is_session_file_name;
use super::*;
use crate::manifest::MANIFEST_FILE;

/// Wraps a sink to fail while writing one file, after part of it is out.
struct Faulty<'s> {
    inner: &'s mut dyn Sink,
    fail_at: &'static str,
}

impl Sink for Faulty<'_> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        if self.fail_at != name {
            return self.inner.put(name, body);
        }
        self.inner.put(name, &mut |w: &mut dyn Write| {
            w.write_all(b"time,memory\n1.0,")?;
            Err(io::Error::other("injected failure"))
        })
    }
}

/// [`export_session`] with a failure injected while writing `fail_at`.
fn export_failing(
    s: &Session<'_>,
    path: &Path,
    fail_at: &'static str,
) -> Result<Exported, SessionError> {
    export_with(s, path, &mut |sink| {
        write_files(
            s,
            &mut Faulty {
                inner: sink,
                fail_at,
            },
        )
    })
}

struct Tiny {
    monitor: MonitorInfo,
    frames: Vec<PerfFrame>,
    cells: Vec<CellRecord>,
}

fn tiny() -> Tiny {
    let samples: Vec<LevelSample> = (0..5)
        .map(|i| LevelSample {
            time: 10.0 + f64::from(i) * 0.5,
            cpu_time: f64::from(i) * 0.25,
            memory: 1 << 30,
            ..LevelSample::default()
        })
        .collect();
    Tiny {
        monitor: MonitorInfo::default(),
        frames: vec![PerfFrame::from_samples(Level::Process, 1, &samples)],
        cells: vec![CellRecord {
            raw_cell: "x = 1".into(),
            start_time: 10.2,
            end_time: 11.1,
            duration: 0.9,
            ..CellRecord::default()
        }],
    }
}

const FILES: [&str; 3] = ["perf_process.csv", "cell_history.csv", "manifest.json"];

#[test]
fn a_failure_while_writing_removes_everything_it_made() {
    let t = tiny();
    let levels = [Level::Process];
    let s = Session::new(&t.monitor, &levels, &t.frames, &t.cells);
    for fail_at in FILES {
        for target in ["new/parents/s", "new/parents/s.zip"] {
            let root = tempfile::tempdir().unwrap();
            let e = export_failing(&s, &root.path().join(target), fail_at).unwrap_err();
            let msg = chain(&e);
            assert!(matches!(e, SessionError::Io { .. }), "{msg}");
            assert!(msg.contains("injected failure"), "{msg}");
            assert!(msg.contains(fail_at), "{msg}");
            // Not even the parent directories created for the export remain.
            assert!(names(root.path()).is_empty(), "{fail_at} {target}");
        }
    }
}

#[test]
fn a_failure_keeps_the_previous_session() {
    let t = tiny();
    let levels = [Level::Process];
    let s = Session::new(&t.monitor, &levels, &t.frames, &t.cells);
    for target in ["s", "s.zip"] {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(target);
        export_session(&s, &path).unwrap();
        let before = if path.is_dir() {
            fs::read(path.join(MANIFEST_FILE)).unwrap()
        } else {
            fs::read(&path).unwrap()
        };
        for fail_at in FILES {
            assert!(export_failing(&s, &path, fail_at).is_err());
            assert_eq!(names(root.path()), [target], "{fail_at}");
            let after = if path.is_dir() {
                assert_eq!(
                    names(&path),
                    ["cell_history.csv", "manifest.json", "perf_process.csv"]
                );
                fs::read(path.join(MANIFEST_FILE)).unwrap()
            } else {
                fs::read(&path).unwrap()
            };
            assert_eq!(after, before, "{target} {fail_at}");
        }
    }
}

#[test]
fn dates_convert() {
    // 2024-02-29 12:34:56 UTC
    let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
    let z = zip_time(t);
    assert_eq!(
        (
            z.year(),
            z.month(),
            z.day(),
            z.hour(),
            z.minute(),
            z.second()
        ),
        (2024, 2, 29, 12, 34, 56)
    );
    assert_eq!(zip_time(UNIX_EPOCH), zip::DateTime::default());
}

#[test]
fn zip_by_name_in_any_case() {
    assert_eq!(
        ExportFormat::for_path(Path::new("a/S.ZiP")),
        ExportFormat::Zip
    );
    assert_eq!(ExportFormat::for_path(Path::new(".zip")), ExportFormat::Zip);
    assert_eq!(
        ExportFormat::for_path(Path::new("a.zip/s")),
        ExportFormat::Directory
    );
}

#[test]
fn session_file_names() {
    assert!(is_session_file_name("perf_slurm.csv"));
    assert!(is_session_file_name("manifest.json"));
    assert!(!is_session_file_name("perf_gpu.csv"));
    assert!(!is_session_file_name("notes.txt"));
}
