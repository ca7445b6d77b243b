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
}
