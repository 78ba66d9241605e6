//! Groundwork of jumper's Jupyter kernel.
pub mod random;
pub mod wire;
