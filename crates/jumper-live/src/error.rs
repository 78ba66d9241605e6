//! Errors of the live view.

/// Why the live view could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// Standard input or output is not a terminal.
    #[error("--live needs a terminal (standard {0} is not one)")]
    NoTerminal(&'static str),
    /// The terminal could not be set up, drawn to or read.
    #[error("terminal: {0}")]
    Terminal(#[source] std::io::Error),
    /// The view's thread could not be started or ended abnormally.
    #[error("the view's thread {0}")]
    Thread(&'static str),
}
