//! # jumper-viz: pictures of jumper data
//!
//! Sits beside jumper-report, above jumper-data and below jumper-core: it turns a derived
//! [`jumper_data::PerfFrame`] and the cell history into pictures, and never computes a
//! metric itself (rates and utilisation come from jumper-data).
//!
//! - [`catalog`]: JUmPER's metric keys and subsets, shared by every picture and the CLI's
//!   `--metrics`;
//! - [`plot`](mod@plot): static plots, one panel per metric, as PNG, SVG or JPEG, drawn with
//!   plotters and an embedded font (no system font needed);
//! - [`dashboard`]: the self-contained offline HTML dashboard;
//! - [`lttb`]: downsampling of long series for display.
//!
//! Values from a damaged file never hang a renderer: beyond [`MAX_MAGNITUDE`] they are
//! clamped, infinite ones left out, and each picture says so ([`PlotSummary::notes`],
//! [`dashboard::DashboardSummary::notes`] and a line on the page).
//!
//! Every error is a [`VizError`].

pub mod catalog;
pub mod dashboard;
mod error;
pub mod lttb;
pub mod plot;
mod sanitize;

pub use catalog::{resolve_metrics, Metric};
pub use error::VizError;
pub use plot::{plot, plot_window, Figure, PlotSpec, PlotSummary};
pub use sanitize::MAX_MAGNITUDE;
