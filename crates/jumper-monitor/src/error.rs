use std::path::PathBuf;

/// Errors of the monitor: readers that cannot start, a sampler that cannot be spawned.
///
/// An OS error is the [`source`](std::error::Error::source), never repeated in the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// A file the monitor needs could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The interval is not a positive, finite number of seconds.
    #[error("invalid interval {0}: must be a number of seconds greater than 0")]
    BadInterval(f64),
    /// The sampler thread could not be started.
    #[error("cannot start the sampler thread")]
    Spawn(#[source] std::io::Error),
    /// The operating system's random source failed (the session UUID could not be made).
    #[error("the operating system's random source failed")]
    Random(#[source] getrandom::Error),
    /// The sampler thread is gone.
    #[error("the sampler has stopped")]
    Stopped,
}

impl MonitorError {
    pub(crate) fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MonitorError::Read {
            path: path.into(),
            source,
        }
    }
}
