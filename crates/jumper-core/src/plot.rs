//! `perfmonitor_plot`: static figures (PNG, SVG, JPEG) and the interactive offline dashboard.
//!
//! Modes, as in JUmPER: with `--metrics`, `--level` or a save option the plot is *direct* (one
//! figure of the requested metrics at one level); without any of them it is *interactive* (the
//! dashboard, with every level and metric in the browser). Files: `--save F` by extension
//! (`.png`, `.svg`, `.jpg`/`.jpeg`: a figure; `.html`: the dashboard), `--save-jpeg F` as in
//! JUmPER. Unlike JUmPER, `--metrics io_read` plots io_read only (its subset expansion was a
//! bug), and `--show-idle` keeps idle time on the axis.

use std::path::Path;

use jumper_data::Level;
use jumper_viz::dashboard::{write_dashboard, DashboardInput};
use jumper_viz::{plot as draw, resolve_metrics, PlotSpec};

use crate::command::PlotArgs;
use crate::output::ImageFormat;

use crate::{messages, Output, PerfmonitorService, ServiceError};

/// Whether `plot` writes `p` as the interactive dashboard (`.html` or `.htm`, any case)
/// rather than a static figure.
pub fn is_html(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

fn dashboard_input_title(s: &PerfmonitorService) -> String {
    match s.imported() {
        Some(o) => format!("jumper — {}", o.source.display()),
        None => "jumper — performance dashboard".into(),
    }
}

/// Writes the interactive dashboard of named frames to `path` (`.html`): several frames may
/// share a level, e.g. the nodes of a job (`system n1`, `system n2`), each frame already on
/// the cells' clock; the Level menu of every panel picks among them. `range` selects the cells
/// shown when the page opens (default: all). Returns what a frontend prints: the notes on
/// damaged data and the saved line.
pub fn write_named_dashboard(
    frames: &[jumper_data::PerfFrame],
    names: Vec<String>,
    cells: &[jumper_data::CellRecord],
    info: &jumper_data::MonitorInfo,
    title: &str,
    range: Option<&jumper_data::CellRange>,
    path: &Path,
) -> Result<Vec<Output>, ServiceError> {
    if cells.is_empty() {
        return Err(jumper_data::DataError::NoCells.into());
    }
    let mut input = DashboardInput::new(frames, cells, info)
        .with_title(title)
        .with_names(names);
    if let Some((lo, hi)) = range.map(|r| r.resolve(cells.len())).transpose()? {
        input = input.with_initial(lo, hi);
    }
    let summary = write_dashboard(&input, path)?;
    let mut out: Vec<Output> = summary
        .notes
        .iter()
        .map(|n| Output::warning(format!("damaged data: {n}")))
        .collect();
    out.push(Output::info(format!(
        "Dashboard saved to {}",
        path.display()
    )));
    Ok(out)
}

pub(crate) fn plot(s: &mut PerfmonitorService, a: &PlotArgs) -> Result<Vec<Output>, ServiceError> {
    let mut out = Vec::new();
    if a.pickle.is_some() {
        out.push(Output::warning(messages::ignored_option(
            "--pickle",
            "jumper has no Python figure objects; use --save FILE.svg or .png",
        )));
    }
    if a.backend.is_some() {
        out.push(Output::warning(messages::ignored_option(
            "--backend",
            "jumper draws every figure itself",
        )));
    }
    if a.live.is_some() || a.live_off {
        out.extend(s.cmd_live(a)?);
        return Ok(out);
    }
    let info = s.monitor_info()?;
    let cells = s.history().cells().to_vec();
    if cells.is_empty() {
        return Err(jumper_data::DataError::NoCells.into());
    }
    let level = a.level.unwrap_or(Level::Process);
    let frame = s.frame(level)?;
    let direct =
        a.metrics.is_some() || a.level.is_some() || a.save.is_some() || a.save_jpeg.is_some();
    let mut targets: Vec<&Path> = Vec::new();
    targets.extend(a.save.as_deref());
    targets.extend(a.save_jpeg.as_deref());
    // Only the dashboard needs every level; a figure needs the one derived above.
    let frames: Vec<_> = if !direct || targets.iter().any(|p| is_html(p)) {
        s.levels()
            .iter()
            .filter_map(|l| {
                if *l == level {
                    Some(frame.clone())
                } else {
                    s.frame(*l).ok()
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let dashboard = || {
        let range = a
            .cell
            .as_ref()
            .map(|r| r.resolve(cells.len()))
            .transpose()?;
        let mut input =
            DashboardInput::new(&frames, &cells, &info).with_title(dashboard_input_title(s));
        if let Some((lo, hi)) = range {
            input = input.with_initial(lo, hi);
        }
        Ok::<_, ServiceError>(input)
    };
    let figure = || -> Result<_, ServiceError> {
        let metrics = match &a.metrics {
            Some(m) => resolve_metrics(m, frame.num_gpus)?,
            None => Vec::new(),
        };
        let spec = PlotSpec {
            metrics,
            range: a.cell.clone(),
            show_idle: a.show_idle,
            ..Default::default()
        };
        Ok(draw(&frame, &cells, &info, &spec)?)
    };
    if !direct {
        // A notebook output: scoped ids and styles, no globals, a static PNG for untrusted
        // notebooks (`--save dash.html` writes the standalone page).
        let html = jumper_viz::dashboard::render_dashboard_fragment(&dashboard()?)?;
        out.push(Output::Html {
            html,
            text: "interactive dashboard (a terminal cannot show it: add --save dash.html)".into(),
            json: None,
        });
        return Ok(out);
    }
    // Damaged data is drawn clamped; say what was changed.
    let notes = |out: &mut Vec<Output>, notes: &[String]| {
        out.extend(
            notes
                .iter()
                .map(|n| Output::warning(format!("damaged data: {n}"))),
        );
    };
    if targets.is_empty() {
        let fig = figure()?;
        notes(&mut out, &fig.summary().notes);
        let png = fig.to_png()?;
        out.push(Output::Image {
            format: ImageFormat::Png,
            bytes: png,
        });
        return Ok(out);
    }
    for path in targets {
        if is_html(path) {
            let summary = write_dashboard(&dashboard()?, path)?;
            notes(&mut out, &summary.notes);
            out.push(Output::info(format!(
                "Dashboard saved to {}",
                path.display()
            )));
        } else {
            // Check the extension before drawing, so a typo costs nothing.
            ImageFormat::from_path(path)?;
            let fig = figure()?;
            notes(&mut out, &fig.summary().notes);
            let format = fig.save(path)?;
            out.push(Output::info(format!(
                "Plot saved as {}: {}",
                match format {
                    ImageFormat::Png => "PNG",
                    ImageFormat::Svg => "SVG",
                    ImageFormat::Jpeg => "JPEG",
                },
                path.display()
            )));
        }
    }
    Ok(out)
}
