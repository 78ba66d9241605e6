//! Groundwork of jumper's Jupyter kernel.
pub mod connection;
pub mod random;
pub mod wire;
