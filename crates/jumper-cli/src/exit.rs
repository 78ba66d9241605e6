//! Exit codes of `jumper` (the convention of `env`, `timeout` and `nice`).

/// Bad usage: unknown option, bad value, missing command.
pub const USAGE: i32 = 2;
/// jumper itself failed (e.g. could not write the session).
pub const JUMPER_FAILED: i32 = 125;
/// The command was found but could not be executed.
pub const CANNOT_EXECUTE: i32 = 126;
/// The command was not found.
pub const NOT_FOUND: i32 = 127;

/// Builds the service and starts its sampler: the one start-up of `run`, `watch` and `agent`.
///
/// On failure it prints one line, `jumper: <who>cannot ...: <why>`, and gives the exit code
/// ([`JUMPER_FAILED`]) for the caller to return. `who` prefixes the message (`""` or
/// `"agent: "`).
pub fn start_service(
    builder: jumper_core::ServiceBuilder,
    who: &str,
) -> Result<jumper_core::PerfmonitorService, i32> {
    let mut service = builder.build().map_err(|e| {
        eprintln!(
            "jumper: {who}cannot set up monitoring: {}",
            jumper_core::one_line(&e)
        );
        JUMPER_FAILED
    })?;
    service.start_monitoring().map_err(|e| {
        eprintln!(
            "jumper: {who}cannot start monitoring: {}",
            jumper_core::one_line(&e)
        );
        JUMPER_FAILED
    })?;
    Ok(service)
}
