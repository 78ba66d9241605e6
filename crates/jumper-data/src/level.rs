use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// A monitoring level: which processes a reading covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The monitored root process and all its descendants (never the sampler itself).
    Process,
    /// All processes of the user (kernel threads are no user's, root's included).
    User,
    /// The whole machine.
    System,
    /// The processes of the current SLURM job (only when `SLURM_JOB_ID` is set).
    Slurm,
}

impl Level {
    /// Every level, in JUmPER's order of columns in a manifest.
    pub const ALL: [Level; 4] = [Level::User, Level::Process, Level::System, Level::Slurm];

    /// The lower-case name used in commands, file names and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Process => "process",
            Level::User => "user",
            Level::System => "system",
            Level::Slurm => "slurm",
        }
    }

    /// Parses a level name and checks it against the levels that are available.
    pub fn parse_among(s: &str, available: &[Level]) -> Result<Level, DataError> {
        let valid = || {
            available
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match s.parse::<Level>() {
            Ok(l) if available.contains(&l) => Ok(l),
            _ => Err(DataError::UnknownLevel {
                given: s.to_string(),
                valid: valid(),
            }),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "process" => Ok(Level::Process),
            "user" => Ok(Level::User),
            "system" => Ok(Level::System),
            "slurm" => Ok(Level::Slurm),
            _ => Err(DataError::UnknownLevel {
                given: s.to_string(),
                valid: "process, user, system, slurm".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_availability() {
        assert_eq!("User".parse::<Level>().unwrap(), Level::User);
        let avail = [Level::Process, Level::User, Level::System];
        let err = Level::parse_among("slurm", &avail).unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown level 'slurm'; valid levels: process, user, system"
        );
        assert!(Level::parse_among("gpu", &avail).is_err());
    }
}
