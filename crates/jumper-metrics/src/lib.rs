//! # jumper-metrics: sessions in the formats sites already collect
//!
//! Turns a session (monitor info, per-level frames, cells) into metrics named by one table
//! ([`METRICS`]), and writes them as
//!
//! - OpenMetrics 1.0 with timestamps, for `promtool tsdb create-blocks-from openmetrics`
//!   ([`openmetrics`]);
//! - Prometheus text 0.0.4 without timestamps, for node_exporter's textfile collector and
//!   the Pushgateway ([`prometheus_text`]);
//! - Influx line protocol with ClusterCockpit's tags, for VictoriaMetrics, InfluxDB and
//!   cc-metric-store ([`line_protocol`]),
//!
//! and pushes them over plain HTTP ([`push`]: `http://` only, with retries).
//!
//! ## Where it sits
//!
//! ```text
//! jumper-data (MonitorInfo, Origin, PerfFrame, CellRecord, window_stats)
//!     └─► jumper-metrics (names ─► MetricSet ─► text / influx encoders ─► push over http)
//!             └─► jumper-cli (`jumper export --format openmetrics|prom`, `jumper push`)
//! ```
//!
//! Per-cell figures are [`jumper_data::PerfFrame::window_stats`] over each cell, as in
//! `jumper report`, so `sum by (cell) (jumper_cell_cpu_seconds{level="process"})` in
//! Prometheus is the report's per-cell `cpu_time_s`.
//!
//! ```
//! use jumper_data::{CellRecord, Level, LevelSample, MonitorInfo, PerfFrame, SampleKind};
//! use jumper_metrics::{openmetrics, Input, MetricSet, Target};
//!
//! let s = |t: f64, cpu: f64| LevelSample {
//!     time: t, wallclock: 1.7e9 + t, cpu_time: cpu, kind: SampleKind::Tick, ..Default::default()
//! };
//! let frames = [PerfFrame::from_samples(Level::Process, 1, &[s(0.0, 0.0), s(1.0, 0.5)])];
//! let cells = [CellRecord { start_time: 0.0, end_time: 1.0, wallclock_end_time: 1.7e9 + 1.0, ..Default::default() }];
//! let target = Target { jobid: Some("42".into()), ..Target::default() };
//! let info = MonitorInfo::default();
//! let set = MetricSet::from_session(&Input { info: &info, frames: &frames, cells: &cells, target: &target })?;
//! let text = openmetrics(&set);
//! assert!(text.contains("jumper_cell_cpu_seconds{jobid=\"42\",level=\"process\",cell=\"0\"} 0.5 1700000001.000\n"));
//! assert!(text.ends_with("# EOF\n"));
//! # Ok::<(), jumper_metrics::MetricsError>(())
//! ```

mod error;
pub mod http;
mod influx;
pub mod names;
pub mod push;
pub mod serve;
mod set;
mod text;

pub use error::MetricsError;
pub use influx::line_protocol;
pub use names::{Field, Kind, MetricDef, Scope, METRICS};
pub use set::{cell_title, Family, Input, MetricSet, Series, Target};
pub use text::{
    openmetrics, openmetrics_untimed, prometheus_text, prometheus_text_timed,
    OPENMETRICS_CONTENT_TYPE, PROMETHEUS_TEXT_CONTENT_TYPE,
};
