//! The notebook logic of jumper's kernel: pure functions the relay calls, no sockets.
pub mod bundle;
pub mod cell;
