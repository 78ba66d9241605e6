//! Why a command line was refused.

/// Why a command line was refused; each message is one line naming the problem and what is
/// accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The line names no known command.
    #[error("unknown command '{0}'; run %perfmonitor_help for the list of commands")]
    UnknownCommand(String),
    /// An option the command does not have.
    #[error("{command}: unknown option '{option}'; valid options: {valid}")]
    UnknownOption {
        /// The command.
        command: &'static str,
        /// The option as typed.
        option: String,
        /// The options the command accepts.
        valid: String,
    },
    /// An abbreviation that matches several options.
    #[error("{command}: option '{option}' is ambiguous; it could be {matches}")]
    AmbiguousOption {
        /// The command.
        command: &'static str,
        /// The option as typed.
        option: String,
        /// The options it could mean.
        matches: String,
    },
    /// An option given without its value.
    #[error("{command}: option --{option} needs a value")]
    MissingValue {
        /// The command.
        command: &'static str,
        /// The option.
        option: &'static str,
    },
    /// A required positional argument is missing.
    #[error("{command}: missing argument {what}")]
    MissingArgument {
        /// The command.
        command: &'static str,
        /// What is missing, e.g. `FILE`.
        what: &'static str,
    },
    /// More positional arguments than the command takes.
    #[error("{command}: unexpected argument '{arg}'")]
    ExtraArgument {
        /// The command.
        command: &'static str,
        /// The first extra argument.
        arg: String,
    },
    /// A value that is not valid for its option.
    #[error("{command}: invalid {what} '{value}': {why}")]
    InvalidValue {
        /// The command.
        command: &'static str,
        /// Which value, e.g. `interval`.
        what: &'static str,
        /// The value as typed.
        value: String,
        /// What is accepted.
        why: String,
    },
    /// A quote that is never closed.
    #[error("unterminated quote in '{0}'")]
    Quote(String),
}
