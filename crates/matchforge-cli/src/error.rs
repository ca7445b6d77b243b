//! The command line's error type.

use std::path::PathBuf;

/// Everything that can make a `matchforge` command fail.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A flag combination that makes no sense.
    #[error("{0}")]
    Usage(String),

    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A bad line in an input file.
    #[error("{}, line {line}: {message}", path.display())]
    Input {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// A bad `--initial` file.
    #[error("{}: {message}", path.display())]
    Initial { path: PathBuf, message: String },

    /// A match the rating algorithm refused.
    #[error("input line {line}: {message}")]
    Replay { line: usize, message: String },

    /// An invalid parameter or rating, reported by the core.
    #[error(transparent)]
    Core(#[from] matchforge_core::Error),

    /// `simulate`: the store could not be opened, reached or cleaned up.
    #[error("cannot use the store {store}: {reason}")]
    Store { store: String, reason: String },

    /// `simulate`: a matchmaking call failed.
    #[error("the simulation failed at {at_secs:.3} simulated s, {action}: {source}")]
    Simulation {
        at_secs: f64,
        action: String,
        #[source]
        source: matchforge_core::Error,
    },

    /// `simulate`: the audit found problems (the report says which).
    #[error(
        "the audit failed: {rule_violations} rule violations, {double_assigned} double assignments, {lost_players} lost players"
    )]
    AuditFailed {
        rule_violations: u64,
        double_assigned: u64,
        lost_players: u64,
    },

    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
