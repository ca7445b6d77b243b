//! The adapter's own errors: what can fail before a store exists.
//!
//! Once connected, every port method returns the core's
//! [`matchforge_core::Error`], with Redis failures as
//! [`Error::Backend`](matchforge_core::Error::Backend) `{ backend: "redis", .. }`
//! and the driver error as the source; this enum converts into it the same way.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while configuring or connecting a [`RedisStore`](crate::RedisStore).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration was rejected: a namespace that is empty, longer
    /// than 128 characters, or has a character outside `[A-Za-z0-9._:-]`.
    #[error("invalid redis configuration: {0}")]
    InvalidConfig(String),

    /// The URL could not be parsed, or the first connection failed.
    #[error("cannot connect to redis at {url}: {source}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// The driver's error.
        #[source]
        source: redis::RedisError,
    },
}

impl From<Error> for matchforge_core::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidConfig(message) => matchforge_core::Error::InvalidConfig(message),
            Error::Connect { url, source } => matchforge_core::Error::backend(
                crate::BACKEND,
                format!("cannot connect to {url}"),
                source,
            ),
        }
    }
}
