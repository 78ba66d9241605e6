//! What can go wrong turning a session into metrics or pushing them.

/// Errors of the encoders and of the pushes.
///
/// An OS error is the [`source`](std::error::Error::source), never repeated in the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A sample or cell has no wall-clock time and the session gives none to derive it from
    /// (timestamped exports and pushes need epoch seconds).
    #[error(
        "the session has no wall-clock times (monitor.wallclock_start_time is missing), so its \
         samples cannot be timestamped"
    )]
    NoWallclock,
    /// A URL jumper cannot use: not `http://host[:port][/path]`.
    #[error("bad URL '{url}': {why}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The endpoint could not be reached (connection refused, timed out, reset), after every
    /// retry.
    #[error("cannot reach {url} ({attempts} attempts over {seconds:.1} s)")]
    Unreachable {
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// Seconds from the first attempt to giving up.
        seconds: f64,
        /// The last attempt's error.
        #[source]
        source: std::io::Error,
    },
    /// The endpoint answered with an error status.
    #[error("{url} refused the data: HTTP {status}{}", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    Rejected {
        /// The URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The first line of the response body.
        body: String,
    },
    /// A grouping-key value the Pushgateway needs is missing.
    #[error("{0}")]
    MissingLabel(String),
    /// A listen address jumper cannot use.
    #[error("bad address '{addr}': {why}")]
    BadAddress {
        /// The address as given.
        addr: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The metrics endpoint cannot listen there.
    #[error("cannot serve metrics on {addr}")]
    Listen {
        /// The address.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file_sd target file cannot be written.
    #[error("cannot write the target file {}", .path.display())]
    SdFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: jumper_data::fsio::WriteError,
    },
}
