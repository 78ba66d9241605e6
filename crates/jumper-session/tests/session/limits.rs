//! Bad input that used to break `jumper report`: a named pipe where a session file should
//! be (it hung forever), and a zip bomb (it allocated gigabytes and aborted). Each is now
//! one error naming the file, and memory stays bounded.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use jumper_data::io::{LoadProblem, MAX_LINE_BYTES};
use jumper_data::test_support::chain;
use jumper_session::{import_session, read_manifest, SessionError, MAX_SMALL_FILE_BYTES};

use super::fixtures;
use super::import::copy_dir;

/// Runs `import_session` on another thread and gives up after a minute, so that a reader
/// blocked forever fails the test instead of hanging it.
fn import_within_a_minute(path: &Path) -> Result<usize, SessionError> {
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(import_session(&p).map(|s| s.frames.len()));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("import of {} blocked", path.display()))
}

#[cfg(unix)]
#[test]
fn a_fifo_as_a_session_file_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["perf_process.csv", "manifest.json", "cell_history.csv"] {
        let dir = tmp.path().join(name.replace('.', "_"));
        copy_dir(&fixtures().join("session"), &dir);
        let file = dir.join(name);
        fs::remove_file(&file).unwrap();
        jumper_data::test_support::mkfifo(&file);
        let e = import_within_a_minute(&dir).unwrap_err();
        assert!(
            matches!(&e, SessionError::NotARegularFile { path, kind: "a named pipe (FIFO)" }
                if *path == file),
            "{e:?}"
        );
        assert_eq!(
            chain(&e),
            format!(
                "cannot import '{}': not a regular file (it is a named pipe (FIFO))",
                file.display()
            )
        );
    }
    // A directory where a file should be is refused the same way.
    let dir = tmp.path().join("dir_as_file");
    copy_dir(&fixtures().join("session"), &dir);
    fs::remove_file(dir.join("perf_user.csv")).unwrap();
    fs::create_dir(dir.join("perf_user.csv")).unwrap();
    let e = import_within_a_minute(&dir).unwrap_err();
    assert!(
        matches!(
            &e,
            SessionError::NotARegularFile {
                kind: "a directory",
                ..
            }
        ),
        "{e:?}"
    );
    // `read_manifest` on the pipe itself: not a session, at once.
    let fifo = tmp.path().join("manifest_json/manifest.json");
    let e = read_manifest(&fifo).unwrap_err();
    assert!(matches!(e, SessionError::NotDirOrZip { .. }), "{e:?}");
}

/// `n` zeros, written to `w` a mebibyte at a time (the test never holds them whole).
fn zeros(w: &mut impl Write, n: u64) {
    let chunk = vec![b'0'; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..k]).unwrap();
        left -= k as u64;
    }
}

/// Sets the uncompressed size that the local and central headers of member `name` declare
/// (a lying header: what a crafted bomb does to pass a check of declared sizes).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    let mut i = 0;
    while i + 46 <= zip.len() {
        let sig = &zip[i..i + 4];
        let (size_at, name_len_at, name_at) = match sig {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => {
                i += 1;
                continue;
            }
        };
        let len = u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        i += 4;
    }
    assert_eq!(patched, 2, "local and central header of {name}");
}

/// A session zip: the fixture's files, with `bomb` (`bomb_bytes` zeros) instead of its own.
fn bomb_zip(path: &Path, bomb: &str, bomb_bytes: u64) {
    let src = fixtures().join("session");
    let mut zw = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for name in [
        "manifest.json",
        "cell_history.csv",
        "perf_process.csv",
        "perf_user.csv",
    ] {
        zw.start_file(name, opts).unwrap();
        if name == bomb {
            zeros(&mut zw, bomb_bytes);
        } else {
            zw.write_all(&fs::read(src.join(name)).unwrap()).unwrap();
        }
    }
    zw.finish().unwrap();
}

#[test]
fn zip_bombs_are_one_error_and_memory_stays_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let big = MAX_SMALL_FILE_BYTES + (16 << 20);

    // Honest headers: refused by the declared size, before anything is inflated.
    for name in ["manifest.json", "cell_history.csv"] {
        let zip = tmp.path().join(format!("{name}.zip"));
        bomb_zip(&zip, name, big);
        let size = fs::metadata(&zip).unwrap().len();
        assert!(size < big / 100, "{size} bytes: a bomb, not a big file");
        let e = import_within_a_minute(&zip).unwrap_err();
        let shown = zip.join(name);
        assert!(
            matches!(&e, SessionError::FileTooLarge { path, limit } if *path == shown && *limit == MAX_SMALL_FILE_BYTES),
            "{e:?}"
        );
        assert_eq!(
            chain(&e),
            format!(
                "cannot import '{}': it is larger than 64 MiB, the most jumper reads from a \
                 session file",
                shown.display()
            )
        );
    }

    // Lying headers (declared 1 KiB): the bytes actually read are capped, so the read
    // stops at the limit however much the member would inflate to.
    let liar = tmp.path().join("liar.zip");
    bomb_zip(&liar, "manifest.json", big);
    let mut bytes = fs::read(&liar).unwrap();
    declare_size(&mut bytes, "manifest.json", 1024);
    fs::write(&liar, &bytes).unwrap();
    let e = import_within_a_minute(&liar).unwrap_err();
    // The zip reader does not stop at the declared size; the cap on bytes read does.
    assert!(
        matches!(&e, SessionError::FileTooLarge { path, limit }
            if *path == liar.join("manifest.json") && *limit == MAX_SMALL_FILE_BYTES),
        "{}",
        chain(&e)
    );

    // A perf table is streamed: a line of zeros longer than any real line is refused at
    // the line limit, never buffered whole.
    let perf = tmp.path().join("perf.zip");
    bomb_zip(&perf, "perf_process.csv", 2 * MAX_LINE_BYTES);
    let e = import_within_a_minute(&perf).unwrap_err();
    assert!(
        matches!(&e, SessionError::Data { problem: LoadProblem::LineTooLong { line: 1, .. }, path }
            if *path == perf.join("perf_process.csv")),
        "{e:?}"
    );
    assert_eq!(
        chain(&e),
        format!(
            "cannot import '{}': line 1 is longer than {MAX_LINE_BYTES} bytes",
            perf.join("perf_process.csv").display()
        )
    );
}
