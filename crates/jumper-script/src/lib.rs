//! # jumper-script: monitored scripts
//!
//! Sits beside jumper-report and jumper-session, below jumper-core.
