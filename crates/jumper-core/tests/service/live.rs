//! Live plots: `%perfmonitor_plot --live` in the command language and the frames a notebook
//! frontend shows.
#![allow(clippy::panic)]

use jumper_core::{Metric, Output, ServiceError, LIVE_PANEL_HEIGHT, LIVE_WIDTH};

use super::{burn, serial, service};

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn live_plots_start_render_and_end() {
    let _serial = serial();
    let mut s = service();
    let e = s.run_command("%perfmonitor_plot --live").unwrap_err();
    assert!(matches!(e, ServiceError::LiveNeedsMonitoring), "{e}");
    assert!(matches!(s.render_live_png(), Err(ServiceError::NoLivePlot)));

    s.run_command("%perfmonitor_start 0.02").unwrap();
    s.cell("work", || burn(0.1));
    let out = s
        .run_command("%perfmonitor_plot --live --metrics cpu,memory --interval 0.5")
        .unwrap();
    let [Output::LivePlot {
        plot: Some(live),
        text,
    }] = &out[..]
    else {
        panic!("{out:?}")
    };
    assert_eq!(live.metrics, [Metric::CpuSummary, Metric::Memory]);
    assert_eq!((live.interval, live.window), (0.5, 120.0));
    assert_eq!(live.started_at_cell, 1);
    assert_eq!(s.live_plot(), Some(live));
    // A terminal gets one line saying where live plots show.
    let line = out[0].to_text();
    assert!(
        line.starts_with("[jumper] live plot of cpu_summary,memory at level process")
            && line.contains("need a notebook frontend")
            && line.lines().count() == 1,
        "{line}"
    );
    assert!(text.contains("every 0.5 s over the last 120 s"), "{text}");

    // A frame while a cell runs: 2 panels of the live size.
    s.begin_cell("running", vec![]).unwrap();
    burn(0.05);
    let t = std::time::Instant::now();
    let png = s.render_live_png().unwrap();
    println!("live frame: {} bytes in {:?}", png.len(), t.elapsed());
    assert_eq!(png_size(&png), (LIVE_WIDTH, 2 * LIVE_PANEL_HEIGHT));
    s.end_cell(jumper_core::CellStatus::Ok, None).unwrap();

    // JUmPER's form: --live INTERVAL WINDOW, default panels CPU and memory (no GPU here).
    s.run_command("%perfmonitor_plot --live 1 60 --level system")
        .unwrap();
    let live = s.live_plot().unwrap();
    assert_eq!((live.interval, live.window), (1.0, 60.0));
    assert_eq!(live.level, jumper_core::Level::System);
    assert_eq!(live.metrics, [Metric::CpuSummary, Metric::Memory]);
    let png = s.render_live_png().unwrap();
    assert_eq!(png_size(&png).1, 2 * LIVE_PANEL_HEIGHT);
    let e = s
        .run_command("%perfmonitor_plot --live --level user")
        .unwrap_err();
    assert!(
        e.to_string().contains("level 'user' is not monitored"),
        "{e}"
    );
    assert!(
        s.live_plot().is_some(),
        "a refused start keeps the running plot"
    );

    let out = s.run_command("%perfmonitor_plot --live off").unwrap();
    assert!(
        matches!(&out[..], [Output::LivePlot { plot: None, .. }]),
        "{out:?}"
    );
    assert!(s.live_plot().is_none());
    let out = s.run_command("%perfmonitor_plot --live off").unwrap();
    assert_eq!(out[0].to_text(), "[jumper] no live plot is running\n");

    // perfmonitor_stop ends it too.
    s.run_command("%perfmonitor_plot --live").unwrap();
    let out = s.run_command("%perfmonitor_stop").unwrap();
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::LivePlot { plot: None, .. })),
        "{out:?}"
    );
    assert!(s.live_plot().is_none());
    // The static forms are unchanged.
    let out = s
        .run_command("%perfmonitor_plot --metrics cpu --cell 0")
        .unwrap();
    assert!(matches!(out.last(), Some(Output::Image { .. })), "{out:?}");
    // The interactive form gives the notebook dashboard: a fragment with its static PNG.
    let out = s.run_command("%perfmonitor_plot").unwrap();
    let [Output::Html { html, .. }] = &out[..] else {
        panic!("{out:?}")
    };
    assert!(
        html.starts_with("<div class=\"jumper-dash\" id=\"jd"),
        "{}",
        &html[..80]
    );
    assert!(html.contains("src=\"data:image/png;base64,"));
}

#[test]
fn no_live_plot_on_an_imported_session() {
    let mut s = service();
    s.import_session(&super::fixtures().join("session"))
        .unwrap();
    let e = s.run_command("%perfmonitor_plot --live").unwrap_err();
    assert_eq!(
        e.to_string(),
        "live plotting is not available for imported sessions; use regular plotting instead"
    );
}
