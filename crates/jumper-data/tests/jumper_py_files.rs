//! jumper must read what JUmPER 0.4.1 wrote (fixtures/jumper-py-0.4.1).

use std::path::{Path, PathBuf};

use jumper_data::io::{read_history, read_perf};
use jumper_data::{Level, Window};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jumper-py-0.4.1")
}

#[test]
fn reads_jumper_session_csvs() {
    let dir = fixtures().join("session");
    let hist = read_history(&dir.join("cell_history.csv")).unwrap();
    assert_eq!(hist.len(), 20);
    assert_eq!(
        hist[0].cell_magics,
        vec!["perfmonitor_start 0.1 --monitor thread"]
    );
    assert!(hist[1]
        .raw_cell
        .contains("while time.process_time()-t < 1.0"));
    let f = read_perf(&dir.join("perf_process.csv"), Level::Process, 2).unwrap();
    assert_eq!(f.rows.len(), 50);
    assert_eq!(f.num_core_columns(), 2);
    assert!(f.rows.iter().all(|r| r.raw.is_none()));
    // JUmPER cells 1..6 at process level: CPU AVG 35.49, MIN 5.00, MAX 65.20; memory 0.29/0.12/0.41.
    let st = f.window_stats(Window::of_cells(&hist[1..=6]).unwrap(), 0.1);
    assert_eq!(
        format!(
            "{:.2} {:.2} {:.2}",
            st.cpu_util.avg, st.cpu_util.min, st.cpu_util.max
        ),
        "35.49 5.00 65.20"
    );
    assert_eq!(
        format!(
            "{:.2} {:.2} {:.2}",
            st.memory_gib.avg, st.memory_gib.min, st.memory_gib.max
        ),
        "0.29 0.12 0.41"
    );
}

#[test]
fn reads_jumper_json_exports() {
    let f = read_perf(&fixtures().join("perf_system.json"), Level::System, 2).unwrap();
    assert!(f.rows.len() > 10);
    let h = read_history(&fixtures().join("cell_history.json")).unwrap();
    assert!(h.len() > 10);
    assert_eq!(h[0].cell_index, 0);
}
