//! # jumper-report: performance reports for a cell range and level
//!
//! Where it sits in the flow:
//!
//! ```text
//! readers (jumper-monitor) -> jumper-data -> jumper-report -> jumper-core -> frontends
//! ```
//!
//! [`jumper_data`] turns raw samples into a [`PerfFrame`](jumper_data::PerfFrame) and
//! statistics over a time window; this crate picks the window of a selection of cells,
//! classifies it with JUmPER's analyzer, and keeps every number in one [`Report`] value.
//! Each selected cell is also measured on its own window ([`Report::per_cell`]: duration,
//! CPU, peak memory, I/O, status and its own tags).
//!
//! Renderers turn that value into an output format, one file per format behind one trait
//! ([`Renderer`]): [`TextRenderer`] (JUmPER's text table, byte for byte, then the rows JUmPER
//! lacks), [`JsonRenderer`] (the `jumper.report.v1` document), [`HtmlRenderer`] (JUmPER's
//! HTML layout rendered with tera, plus the per-cell table; a notebook fragment or a
//! standalone page) and [`MarkdownRenderer`] (the same as GitHub tables). `jumper-core`
//! decides which cells and level to report and where the output goes; frontends only show it.
//!
//! ```
//! use jumper_data::{CellRecord, Level, LevelSample, MonitorInfo, PerfFrame, Thresholds, GIB};
//! use jumper_report::{Renderer, Report, TextRenderer};
//!
//! let samples: Vec<LevelSample> = (0..=10)
//!     .map(|i| LevelSample {
//!         time: i as f64 * 0.1,
//!         cpu_time: i as f64 * 0.1,
//!         memory: GIB as u64,
//!         ..Default::default()
//!     })
//!     .collect();
//! let frame = PerfFrame::from_samples(Level::Process, 1, &samples);
//! let cell = CellRecord { cell_index: 0, start_time: 0.0, end_time: 1.0, duration: 1.0, ..Default::default() };
//! let info = MonitorInfo { interval: 0.1, ..Default::default() };
//! let report = Report::new(&frame, &[cell], &info, &Thresholds::default())?;
//! assert_eq!(report.tags[0].name, "cpu-bound");
//! let text = TextRenderer::default().render(&report);
//! assert!(text.contains("Duration: 1.00s (1 cell)"));
//! # Ok::<(), jumper_report::ReportError>(())
//! ```

mod error;
mod render;
mod report;
#[cfg(test)]
mod testdata;

pub use error::ReportError;
pub use render::{
    Format, HtmlRenderer, JsonRenderer, MarkdownRenderer, Renderer, TextRenderer, SCHEMA,
};
pub use report::{cells_label, CellMetrics, CellSummary, GpuSummary, MonitorSummary, Report, MIB};
