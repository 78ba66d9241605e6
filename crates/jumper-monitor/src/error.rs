use std::path::PathBuf;

/// Errors of the monitor: readers that cannot start, a sampler that cannot be spawned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// A file the monitor needs could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file had content the reader does not understand.
    #[error("cannot parse {path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The interval is not a positive, finite number of seconds.
    #[error("invalid interval {0}: must be a number of seconds greater than 0")]
    BadInterval(f64),
    /// The sampler thread could not be started.
    #[error("cannot start the sampler thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// The level is not available on this machine (e.g. slurm outside a SLURM job).
    #[error("level '{0}' is not available here")]
    LevelUnavailable(jumper_data::Level),
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
