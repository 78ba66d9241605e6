#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Static plots: pixel sizes, where data lands, SVG content, encodings and error paths.

use std::path::Path;

use image::{GenericImageView, ImageFormat as Fmt, RgbImage};
use jumper_data::{CellRange, CellRecord, Level, MonitorInfo, PerfFrame, PerfRow};
use jumper_viz::catalog::MIB;
use jumper_viz::plot::{CELL_COLORS, DEFAULT_PANEL_HEIGHT, DEFAULT_WIDTH};
use jumper_viz::{plot, resolve_metrics, Metric, PlotSpec, VizError};

/// The opaque colour of average / single-value lines.
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

/// Rows every 0.1 s over `[0, end]`: CPU 10 % with a 100 % spike at `spike`, 2 GiB memory,
/// 1 MiB/s reads, `gpus` GPUs.
fn frame(end: f64, spike: f64, gpus: usize) -> PerfFrame {
    let n = (end * 10.0).round() as usize;
    let rows = (0..=n)
        .map(|i| {
            let t = i as f64 / 10.0;
            let cpu = if (t - spike).abs() < 1e-9 {
                100.0
            } else {
                10.0
            };
            PerfRow {
                time: t,
                dt: 0.1,
                memory: 2.0,
                io_read: MIB,
                cpu_util_avg: cpu,
                cpu_util_min: cpu / 2.0,
                cpu_util_max: cpu,
                cpu_util: vec![cpu / 2.0, cpu],
                gpu_util: vec![25.0; gpus],
                gpu_band: vec![5.0; gpus],
                gpu_mem: vec![1.0; gpus],
                ..Default::default()
            }
        })
        .collect();
    PerfFrame {
        level: Level::User,
        num_cpus: 2,
        num_gpus: gpus,
        rows,
    }
}

fn info() -> MonitorInfo {
    let mut info = MonitorInfo {
        interval: 0.1,
        gpu_memory: 8.0,
        ..Default::default()
    };
    info.memory_limits.insert("user".into(), 16.0);
    info
}

fn spec(metrics: &str, range: &str, show_idle: bool) -> PlotSpec {
    PlotSpec {
        // Empty: the defaults for the frame's GPUs, chosen by `plot`.
        metrics: if metrics.is_empty() {
            Vec::new()
        } else {
            resolve_metrics(metrics, 2).unwrap()
        },
        range: Some(CellRange::parse(range).unwrap()),
        show_idle,
        ..Default::default()
    }
}

fn decode_png(bytes: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(bytes, Fmt::Png)
        .unwrap()
        .to_rgb8()
}

/// The column of the highest pixel of exactly `color` inside a rectangle.
fn topmost(img: &RgbImage, color: [u8; 3], (l, t, r, b): (u32, u32, u32, u32)) -> (u32, u32) {
    (t..b)
        .flat_map(|y| (l..r).map(move |x| (x, y)))
        .find(|&(x, y)| img.get_pixel(x, y).0 == color)
        .expect("no pixel of the line colour in the rectangle")
}

/// The text of every `<text>` element of an SVG, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

fn count(texts: &[String], s: &str) -> usize {
    texts.iter().filter(|t| *t == s).count()
}

fn area(fig: &jumper_viz::Figure, panel: usize) -> (u32, u32, u32, u32) {
    let a = fig.summary().plot_areas[panel];
    (a.left, a.top, a.right, a.bottom)
}

#[test]
fn png_size_is_width_by_panels_times_panel_height() {
    let f = frame(10.0, 5.0, 0);
    let cells = [cell(0, 0.0, 10.0)];
    for (metrics, panels) in [("cpu", 1u32), ("cpu,mem,io_read", 3), ("", 4)] {
        let fig = plot(&f, &cells, &info(), &spec(metrics, ":", false)).unwrap();
        let img = decode_png(&fig.to_png().unwrap());
        assert_eq!(
            img.dimensions(),
            (DEFAULT_WIDTH, DEFAULT_PANEL_HEIGHT * panels),
            "{metrics}"
        );
        assert_eq!(fig.summary().panels.len() as u32, panels);
    }
    let custom = PlotSpec {
        width: 640,
        panel_height: 200,
        ..spec("io", ":", false)
    };
    let fig = plot(&f, &cells, &info(), &custom).unwrap();
    assert_eq!(decode_png(&fig.to_png().unwrap()).dimensions(), (640, 800));
}

#[test]
fn a_cpu_spike_lands_in_its_pixel_column() {
    // Cells [0, 50] and [80, 130], an idle gap between them, a spike at t = 100 s.
    let f = frame(130.0, 100.0, 0);
    let cells = [cell(0, 0.0, 50.0), cell(1, 80.0, 130.0)];
    let tolerance = 0.02 * f64::from(DEFAULT_WIDTH);

    for (show_idle, x_end, spike_x) in [(false, 100.0, 70.0), (true, 130.0, 100.0)] {
        let fig = plot(&f, &cells, &info(), &spec("cpu,mem", ":", show_idle)).unwrap();
        assert_eq!(fig.summary().x_range, (0.0, x_end));
        let img = decode_png(&fig.to_png().unwrap());
        let (l, t, r, b) = area(&fig, 0);
        let (x, y) = topmost(&img, LINE, (l, t, r, b));
        let expected = f64::from(l) + spike_x / x_end * f64::from(r - l);
        assert!(
            (f64::from(x) - expected).abs() <= tolerance,
            "show_idle={show_idle}: spike drawn at column {x}, expected {expected:.0}"
        );
        assert!(y <= t + 3, "the spike reaches 100 %: row {y}, top {t}");
        // Away from the spike the average line sits at 10 % of the height.
        let far = if spike_x > 30.0 { l + 20 } else { r - 20 };
        let ten = b - (b - t) / 10;
        let on_line = (t..b).find(|&y| img.get_pixel(far, y).0 == LINE).unwrap();
        assert!(on_line.abs_diff(ten) <= 3, "row {on_line}, expected {ten}");
    }
}

#[test]
fn dense_noisy_series_stay_inside_their_panels() {
    // 20,000 noisy samples: thinning leaves sharp back-and-forth turns in every column.
    let mut seed: u64 = 7;
    let mut noise = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as f64 / f64::from(u32::MAX >> 1)
    };
    let mut f = frame(2000.0, -1.0, 0);
    for r in &mut f.rows {
        r.cpu_util_avg = 100.0 * noise();
        r.cpu_util_min = r.cpu_util_avg * noise();
        r.cpu_util_max = r.cpu_util_avg + (100.0 - r.cpu_util_avg) * noise();
        r.io_write = 50.0 * MIB * noise();
    }
    let fig = plot(
        &f,
        &[cell(0, 0.0, 2000.0)],
        &info(),
        &spec("cpu,io_write", ":", false),
    )
    .unwrap();
    let img = decode_png(&fig.to_png().unwrap());
    let ph = fig.summary().panel_height;
    for (i, a) in fig.summary().plot_areas.iter().enumerate() {
        // Between the data area and the next panel: axis labels only, no blue ink.
        let below = (a.bottom + 3)..(ph * (i as u32 + 1));
        for y in below {
            for x in 0..img.width() {
                let p = img.get_pixel(x, y).0;
                assert!(
                    i32::from(p[2]) - i32::from(p[0]) < 60,
                    "line colour at ({x}, {y}), below panel {i}'s data area"
                );
            }
        }
    }
}

#[test]
fn idle_hidden_vs_shown_changes_the_axis_and_spans() {
    let f = frame(130.0, 100.0, 0);
    let cells = [cell(3, 0.0, 50.0), cell(4, 80.0, 130.0)];
    let hidden = plot(&f, &cells, &info(), &spec("cpu", ":", false)).unwrap();
    let shown = plot(&f, &cells, &info(), &spec("cpu", ":", true)).unwrap();
    let (h, s) = (hidden.summary(), shown.summary());
    assert_eq!(h.x_range, (0.0, 100.0));
    assert_eq!(s.x_range, (0.0, 130.0));
    assert_eq!((h.spans[1].x_start, h.spans[1].x_end), (50.0, 100.0));
    assert_eq!((s.spans[1].x_start, s.spans[1].x_end), (80.0, 130.0));
    assert!(h.titles[0].ends_with(" (no idle)"), "{}", h.titles[0]);
    assert!(!s.titles[0].contains("idle"), "{}", s.titles[0]);
    // Idle rows (50, 80) are only plotted when idle is shown; the row at 80.0 exactly
    // describes the idle second before the cell and is left out with idle hidden.
    assert_eq!(h.samples, 500 + 500);
    assert_eq!(s.samples, 1301);
    assert_eq!(h.cells, [3, 4]);
}

#[test]
fn svg_has_one_title_per_panel_and_every_cell_label() {
    let f = frame(30.0, 5.0, 0);
    let cells = [cell(0, 0.0, 10.0), cell(1, 10.0, 20.0), cell(2, 20.0, 30.0)];
    let fig = plot(&f, &cells, &info(), &spec("cpu,mem,io", "1:2", false)).unwrap();
    let svg = fig.to_svg().unwrap();
    assert!(svg.starts_with("<svg"));
    let titles = &fig.summary().titles;
    assert_eq!(titles.len(), 6);
    assert_eq!(
        titles[0],
        "CPU Utilization (%) - 2 CPUs - level user (no idle)"
    );
    assert_eq!(titles[2], "I/O Read (MiB/s) - level user (no idle)");
    let texts = svg_texts(&svg);
    for t in titles {
        assert_eq!(count(&texts, t), 1, "{t}");
    }
    // Cells 1 and 2 are labelled once per panel; cell 0 is not selected.
    assert_eq!(count(&texts, "#1"), 6);
    assert_eq!(count(&texts, "#2"), 6);
    assert_eq!(count(&texts, "#0"), 0);
    assert_eq!(count(&texts, "Limit 16 GiB"), 1);
    assert_eq!(count(&texts, "Read (MiB/s)"), 1);
    assert_eq!(
        count(&texts, "Time in the selected cells, idle hidden (s)"),
        6
    );
    // Every text names the one embedded family.
    assert!(texts.len() > 50);
    assert_eq!(
        svg.matches("font-family=\"sans-serif\"").count(),
        texts.len()
    );
}

#[test]
fn per_gpu_panels_draw_gpus_and_average_never_min_max() {
    let f = frame(10.0, 5.0, 2);
    let cells = [cell(0, 0.0, 10.0)];
    let fig = plot(&f, &cells, &info(), &spec("gpu_util", ":", false)).unwrap();
    assert_eq!(fig.summary().panels, [Metric::GpuUtil]);
    let texts = svg_texts(&fig.to_svg().unwrap());
    for l in ["GPU 0", "GPU 1", "Average"] {
        assert_eq!(count(&texts, l), 1, "{l}");
    }
    assert_eq!(count(&texts, "Min") + count(&texts, "Max"), 0);
    assert_eq!(
        count(
            &texts,
            "GPU Utilization per GPU (%) - 2 GPUs - level user (no idle)"
        ),
        1
    );
    // Defaults with GPUs add the three GPU summaries.
    let all = plot(&f, &cells, &info(), &PlotSpec::default()).unwrap();
    assert_eq!(all.summary().panels.len(), 7);
}

#[test]
fn short_cells_still_get_a_visible_span() {
    let f = frame(30.0, 5.0, 0);
    // Cell 1 lasts 5 ms, shorter than the 0.1 s interval, and holds no sample.
    let cells = [
        cell(0, 0.0, 10.0),
        cell(1, 14.3, 14.305),
        cell(2, 20.0, 30.0),
    ];
    let fig = plot(&f, &cells, &info(), &spec("cpu", ":", true)).unwrap();
    let img = decode_png(&fig.to_png().unwrap());
    let (l, t, r, b) = area(&fig, 0);
    let col = |x: f64| (f64::from(l) + x / 30.0 * f64::from(r - l)) as u32;
    let mid = (t + b) / 2;
    let (cr, cg, cb) = CELL_COLORS[1];
    let tint = |c: u8| (0.3 * f64::from(c) + 0.7 * 255.0).round();
    let cx = col(14.3);
    let hit = (cx.saturating_sub(1)..=cx + 2).any(|x| {
        let p = img.get_pixel(x, mid).0;
        (f64::from(p[0]) - tint(cr)).abs() <= 3.0
            && (f64::from(p[1]) - tint(cg)).abs() <= 3.0
            && (f64::from(p[2]) - tint(cb)).abs() <= 3.0
    });
    assert!(hit, "no span of cell 1 around column {cx}");
    // The idle gap next to it stays white.
    assert_eq!(img.get_pixel(col(12.3), mid).0, [255, 255, 255]);
}

#[test]
fn jpeg_decodes_to_the_same_size() {
    let f = frame(10.0, 5.0, 0);
    let cells = [cell(0, 0.0, 10.0)];
    let fig = plot(&f, &cells, &info(), &spec("cpu,mem", ":", false)).unwrap();
    let jpg = fig.to_jpeg().unwrap();
    assert_eq!(&jpg[..3], [0xFF, 0xD8, 0xFF]);
    let img = image::load_from_memory_with_format(&jpg, Fmt::Jpeg).unwrap();
    assert_eq!(img.dimensions(), (DEFAULT_WIDTH, 2 * DEFAULT_PANEL_HEIGHT));
    // Top-right corner is background: white, give or take compression.
    let p = img.to_rgb8().get_pixel(DEFAULT_WIDTH - 2, 2).0;
    assert!(p.iter().all(|&c| c >= 245), "{p:?}");
}

#[test]
fn text_is_drawn_with_the_embedded_font() {
    let f = frame(10.0, 5.0, 0);
    let fig = plot(&f, &[cell(0, 0.0, 10.0)], &info(), &spec("cpu", ":", false)).unwrap();
    let img = decode_png(&fig.to_png().unwrap());
    let (l, t, _, _) = area(&fig, 0);
    // The title sits in the header row above the data area: dark glyph pixels there.
    let dark = (0..t)
        .flat_map(|y| (l..l + 300).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 100))
        .count();
    assert!(dark > 200, "only {dark} dark pixels in the title");
}

#[test]
fn save_writes_by_extension_and_leaves_nothing_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = frame(10.0, 5.0, 0);
    let fig = plot(&f, &[cell(0, 0.0, 10.0)], &info(), &spec("cpu", ":", false)).unwrap();
    for name in ["a.png", "b.svg", "c.jpg", "d.JPEG"] {
        fig.save(dir.path().join(name)).unwrap();
    }
    let bytes = std::fs::read(dir.path().join("a.png")).unwrap();
    assert_eq!(decode_png(&bytes).dimensions(), (1000, 260));
    assert!(std::fs::read_to_string(dir.path().join("b.svg"))
        .unwrap()
        .starts_with("<svg"));
    image::load_from_memory_with_format(
        &std::fs::read(dir.path().join("d.JPEG")).unwrap(),
        Fmt::Jpeg,
    )
    .unwrap();

    let before = names(dir.path());
    let e = fig.save(dir.path().join("plot.bmp")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unsupported image format '.bmp' (supported: png, svg, jpg, jpeg)"
    );
    let missing = dir.path().join("no/such/dir/plot.png");
    let e = fig.save(&missing).unwrap_err();
    assert!(matches!(e, VizError::MissingDirectory { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "cannot write {}: directory {} does not exist",
            missing.display(),
            dir.path().join("no/such/dir").display()
        )
    );
    assert_eq!(names(dir.path()), before, "no file left behind");
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn bad_requests_are_one_clear_line() {
    let f = frame(10.0, 5.0, 0);
    let cells: Vec<CellRecord> = (0..6)
        .map(|i| cell(i, i as f64 * 10.0, i as f64 * 10.0 + 5.0))
        .collect();

    let e = resolve_metrics("cpu,disk_io", 0).unwrap_err().to_string();
    assert!(
        e.starts_with("unknown metric 'disk_io'; valid metrics: cpu_summary,"),
        "{e}"
    );
    assert!(
        e.contains("io_write_count")
            && e.contains("valid subsets: cpu, mem, io, gpu, cpu_all, gpu_all")
    );

    let e = resolve_metrics("gpu", 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "metric 'gpu' needs GPU data, but no GPU was recorded in this session"
    );
    // A hand-made spec is checked too.
    let s = PlotSpec {
        metrics: vec![Metric::GpuUtil],
        ..Default::default()
    };
    assert!(matches!(
        plot(&f, &cells, &info(), &s),
        Err(VizError::NoGpus { .. })
    ));

    // Cells 3-5 lie after the last sample (t = 10).
    let e = plot(&f, &cells, &info(), &spec("cpu", "3:5", false)).unwrap_err();
    assert_eq!(e.to_string(), "no samples in cells 3-5 at level user");
    let e = plot(&f, &cells, &info(), &spec("cpu", "4", true)).unwrap_err();
    assert_eq!(e.to_string(), "no samples in cell 4 at level user");

    let e = plot(&f, &cells, &info(), &spec("cpu", "9", false)).unwrap_err();
    assert!(
        e.to_string().starts_with("cell range '9' is out of bounds"),
        "{e}"
    );
    let e = plot(&f, &[], &info(), &PlotSpec::default()).unwrap_err();
    assert_eq!(e.to_string(), "no cell history available");

    let s = PlotSpec {
        width: 10,
        ..Default::default()
    };
    assert_eq!(
        plot(&f, &cells, &info(), &s).unwrap_err().to_string(),
        "invalid figure size: 10 px wide, 260 px per panel, 4 panels; width must be \
         400..=8000 px, each panel 160..=2000 px high, the image at most 40 megapixels"
    );
    let huge = PlotSpec {
        width: 8000,
        panel_height: 2000,
        ..spec("io", ":", false)
    };
    assert!(matches!(
        plot(&f, &cells, &info(), &huge),
        Err(VizError::BadSize { panels: 4, .. })
    ));
}

#[test]
fn default_range_is_the_last_long_cell_to_the_end() {
    let f = frame(30.0, 5.0, 0);
    let cells = [
        cell(0, 0.0, 10.0),
        cell(1, 10.0, 20.0),
        cell(2, 20.0, 20.05),
        cell(3, 25.0, 25.01),
    ];
    let s = PlotSpec {
        metrics: vec![Metric::CpuSummary],
        ..Default::default()
    };
    let fig = plot(&f, &cells, &info(), &s).unwrap();
    assert_eq!(fig.summary().cells, [1, 2, 3]);
}

#[test]
fn long_titles_shrink_on_narrow_figures() {
    let f = frame(10.0, 5.0, 2);
    let cells = [cell(0, 0.0, 10.0)];
    let title = "GPU Memory Usage per GPU (GiB) - 2 GPUs - level user (no idle)";
    let font_size = |width: u32| {
        let s = PlotSpec {
            width,
            ..spec("gpu_mem", ":", false)
        };
        let svg = plot(&f, &cells, &info(), &s).unwrap().to_svg().unwrap();
        let at = svg.find(title).expect("full title in the SVG");
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let size = tag.split("font-size=\"").nth(1).unwrap();
        size[..size.find('"').unwrap()].parse::<f64>().unwrap()
    };
    let (wide, narrow) = (font_size(1000), font_size(480));
    assert!(narrow < wide, "{narrow} vs {wide}");
}
