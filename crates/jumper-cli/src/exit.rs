//! Exit codes of `jumper` (the convention of `env`, `timeout` and `nice`).

/// Bad usage: unknown option, bad value, missing command.
pub const USAGE: i32 = 2;
/// jumper itself failed (e.g. could not write the session).
pub const JUMPER_FAILED: i32 = 125;
/// The command was found but could not be executed.
pub const CANNOT_EXECUTE: i32 = 126;
/// The command was not found.
pub const NOT_FOUND: i32 = 127;
