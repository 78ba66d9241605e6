//! # jumper-viz: pictures of jumper data
//!
//! Sits beside jumper-report, below jumper-core.

pub mod dashboard;
pub mod lttb;
