#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! Damaged data (1.79e308, ±inf, NaN, -1e308 in several columns, times no axis can hold)
//! never hangs a renderer: every format finishes, the absurd values are clamped or left out,
//! and the figure or page says so.
//!
//! Each render runs in a thread under a watchdog: a renderer that hangs (as plotters' tick
//! generation did on an axis that overflowed to infinity) fails the test instead of hanging
//! the suite. The limit is a hang detector, not a timing assertion.

use std::sync::mpsc;
use std::time::Duration;

use image::{GenericImageView, ImageFormat as Fmt, RgbImage};
use jumper_data::{CellRange, CellRecord, Level, MonitorInfo, PerfFrame, PerfRow};
use jumper_viz::catalog::MIB;
use jumper_viz::dashboard::{write_dashboard, DashboardInput};
use jumper_viz::{plot, Metric, PlotSpec, VizError};

/// Generous: a debug build renders these figures in well under a second.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `f` in a thread; fails if it does not finish within [`WATCHDOG`].
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {WATCHDOG:?}: the renderer hangs")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// The colour of average and single-value lines.
const LINE: [u8; 3] = [31, 119, 180];

fn cell(i: usize, a: f64, b: f64) -> CellRecord {
    CellRecord {
        cell_index: i,
        start_time: a,
        end_time: b,
        duration: b - a,
        ..Default::default()
    }
}

fn info() -> MonitorInfo {
    let mut info = MonitorInfo {
        interval: 0.1,
        ..Default::default()
    };
    info.memory_limits.insert("user".into(), 16.0);
    info
}

/// Rows every 0.1 s over [0, 10]: 10 % CPU on two cores, 2 GiB, 1 MiB/s; rows 10 to 12 are
/// damaged in several columns, and three rows at the end have times no axis can hold.
fn damaged() -> PerfFrame {
    let mut rows: Vec<PerfRow> = (0..=100)
        .map(|i| PerfRow {
            time: f64::from(i) / 10.0,
            dt: 0.1,
            memory: 2.0,
            io_read: MIB,
            io_write: MIB,
            io_read_count: 5.0,
            io_write_count: 5.0,
            cpu_util_avg: 10.0,
            cpu_util_min: 5.0,
            cpu_util_max: 15.0,
            cpu_util: vec![5.0, 15.0],
            ..Default::default()
        })
        .collect();
    rows[10].memory = 1.79e308;
    rows[10].cpu_util_avg = -1e308;
    rows[10].io_read = 1.79e308;
    rows[11].memory = f64::NAN;
    rows[11].cpu_util_max = f64::INFINITY;
    rows[11].io_write = -1e308;
    rows[12].memory = f64::INFINITY;
    rows[12].io_read_count = f64::NEG_INFINITY;
    rows[12].io_write_count = 1e300;
    rows[12].cpu_util[1] = 1.79e308;
    for t in [1.79e308, f64::INFINITY, f64::NAN] {
        rows.push(PerfRow {
            time: t,
            memory: 3.0,
            ..rows[50].clone()
        });
    }
    PerfFrame {
        level: Level::User,
        num_cpus: 2,
        num_gpus: 0,
        rows,
    }
}

fn every_metric() -> PlotSpec {
    PlotSpec {
        metrics: Metric::ALL.into_iter().filter(|m| !m.needs_gpu()).collect(),
        range: Some(CellRange::parse(":").unwrap()),
        ..Default::default()
    }
}

const PLOT_NOTES: [&str; 7] = [
    "cpu_summary: 1 value below -1e15 % clamped, 1 infinite value left out",
    "memory: 1 value above 1e15 GiB clamped, 1 infinite value left out",
    "io_read: 1 value above 1e15 MiB/s clamped",
    "io_write: 1 value below -1e15 MiB/s clamped",
    "io_read_count: 1 infinite value left out",
    "io_write_count: 1 value above 1e15 ops/s clamped",
    "cpu: 1 value above 1e15 % clamped, 1 value below -1e15 % clamped",
];

#[test]
fn every_image_format_finishes_and_says_what_it_clamped() {
    let fig = finishes("plot", || {
        plot(&damaged(), &[cell(0, 0.0, 10.0)], &info(), &every_metric()).unwrap()
    });

    let (png, svg, jpeg, fig) = finishes("rendering PNG, SVG and JPEG", move || {
        let png = fig.to_png().unwrap();
        let svg = fig.to_svg().unwrap();
        let jpeg = fig.to_jpeg().unwrap();
        (png, svg, jpeg, fig)
    });
    assert_eq!(fig.summary().notes, PLOT_NOTES);
    let img: RgbImage = image::load_from_memory_with_format(&png, Fmt::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(img.dimensions(), fig.size());

    // The memory panel's axis reaches 1.05e15 GiB: the clamped spike is drawn at 95 % of its
    // height, the 2 GiB line on its floor.
    let a = fig.summary().plot_areas[1];
    let top = (a.top..a.bottom)
        .find(|&y| (a.left..a.right).any(|x| img.get_pixel(x, y).0 == LINE))
        .expect("the memory line is drawn");
    let expected = a.top + (a.bottom - a.top) / 20;
    assert!(
        top.abs_diff(expected) <= 3,
        "spike at row {top}, expected {expected}"
    );
    // Ink of every panel stays in the figure's own panel rows (nothing mapped off the axes).
    for (i, area) in fig.summary().plot_areas.iter().enumerate() {
        let ph = fig.summary().panel_height;
        for y in (area.bottom + 3)..(ph * (i as u32 + 1)) {
            for x in 0..img.width() {
                assert_ne!(
                    img.get_pixel(x, y).0,
                    LINE,
                    "line ink at ({x}, {y}) below panel {i}"
                );
            }
        }
    }

    assert!(svg.starts_with("<svg"));
    assert!(
        svg.contains(">1e15<") || svg.contains(">\n1e15\n<") || svg.contains("1e15</text>"),
        "the memory axis is labelled in powers of ten"
    );
    let j = image::load_from_memory_with_format(&jpeg, Fmt::Jpeg).unwrap();
    assert_eq!(j.dimensions(), fig.size());
}

#[test]
fn the_dashboard_finishes_and_shows_what_it_clamped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dash.html");
    let p = path.clone();
    let summary = finishes("dashboard", move || {
        let frames = [damaged()];
        let cells = [cell(0, 0.0, 10.0)];
        let info = info();
        write_dashboard(&DashboardInput::new(&frames, &cells, &info), &p).unwrap()
    });
    assert_eq!(
        summary.notes,
        [
            "level user: 3 samples without a usable time left out",
            "level user: cpu_util_avg: 1 value below -1e15 % clamped",
            "level user: cpu_util_max: 1 infinite value left out",
            "level user: memory: 1 value above 1e15 GiB clamped, 1 infinite value left out",
            "level user: io_read: 1 value above 1e15 MiB/s clamped",
            "level user: io_write: 1 value below -1e15 MiB/s clamped",
            "level user: io_read_count: 1 infinite value left out",
            "level user: io_write_count: 1 value above 1e15 ops/s clamped",
            "level user: cpu_util_1: 1 value above 1e15 % clamped",
            // Read and write bytes, CPU seconds, operations and the peak (inf) of the cell.
            "level user: totals: 2 values above 1e15 clamped, 2 values below -1e15 clamped, \
             2 infinite values left out",
        ]
    );
    assert_eq!(summary.levels[0].samples, 101);
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains(
        "<p id=\"notes\" class=\"notes\" role=\"note\">Damaged data: \
         level user: 3 samples without a usable time left out<br>"
    ));
    // The embedded memory column holds the clamped value, and every time is a number.
    let start = html
        .find(r#"<script type="application/json" id="jumper-data">"#)
        .unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let lvl = &data["levels"][0];
    let max = lvl["memory"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .fold(0.0, f64::max);
    assert_eq!(max, 1e15);
    assert!(lvl["time"].as_array().unwrap().iter().all(|t| t.is_f64()));
    // The cell's totals: read bytes clamped, the infinite peak memory left out.
    assert_eq!(lvl["cell_totals"][0][1], 1e15);
    assert_eq!(lvl["cell_totals"][0][5], serde_json::Value::Null);
}

#[test]
fn cells_whose_times_no_axis_can_hold_are_refused() {
    for end in [1.79e308, f64::INFINITY, f64::NAN] {
        let cells = [cell(0, 0.0, 10.0), cell(1, 10.0, end)];
        let c = cells.clone();
        let e = finishes("plot", move || {
            plot(&damaged(), &c, &info(), &every_metric()).unwrap_err()
        });
        assert!(matches!(e, VizError::BadCell { index: 1, .. }), "{e}");
        assert_eq!(
            e.to_string(),
            format!(
                "cell 1 has a start or end time that is not a usable number of seconds \
                 (10, {end}); the cell history is damaged"
            )
        );
        let e = finishes("dashboard", move || {
            let frames = [damaged()];
            let info = info();
            jumper_viz::dashboard::render_dashboard(&DashboardInput::new(&frames, &cells, &info))
                .unwrap_err()
        });
        assert!(matches!(e, VizError::BadCell { index: 1, .. }), "{e}");
    }
    // Long but sound cells are drawn.
    let cells = [cell(0, 0.0, 10.0), cell(1, 10.0, 1e14)];
    let fig = finishes("plot", move || {
        let fig = plot(&damaged(), &cells, &info(), &every_metric()).unwrap();
        fig.to_png().unwrap();
        fig
    });
    assert_eq!(fig.summary().x_range, (0.0, 1e14));
}
