//! The crate's own errors (connecting, migrating), and how driver errors
//! become the core's [`Error::Backend`](matchforge_core::Error::Backend).

/// The name the adapter gives itself in [`matchforge_core::Error::Backend`].
pub(crate) const BACKEND: &str = "postgres";

/// Result alias of this crate's own functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong setting a [`PgStore`](crate::PgStore) up. The ports
/// themselves return the core's error; this one converts into it (as
/// [`matchforge_core::Error::Backend`]) with `?`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The [`PgOptions`](crate::PgOptions) were rejected before connecting.
    #[error("invalid PostgreSQL options: {0}")]
    InvalidOptions(String),

    /// The URL could not be parsed or the server could not be reached.
    #[error("cannot connect to PostgreSQL")]
    Connect(#[source] sqlx::Error),

    /// Running the embedded migrations failed.
    #[error("migrating schema {schema} failed")]
    Migrate {
        /// The schema being migrated.
        schema: String,
        /// The migrator's error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },

    /// The store was opened without migrating and the schema is not (fully)
    /// migrated.
    #[error(
        "schema {schema} is not migrated ({detail}); call PgStore::migrate or open it with migrations on"
    )]
    NotMigrated {
        /// The schema.
        schema: String,
        /// What is missing.
        detail: String,
    },

    /// A migration recorded in the schema as applied differs from the
    /// embedded one of the same version (its checksum, the SHA-384 of its
    /// SQL, is not the one recorded): the migration was edited after it ran,
    /// or the schema was migrated by another build. Migrating cannot fix
    /// this; the schema's tables may not be the ones this build expects.
    #[error(
        "schema {schema} has migration {version} ({description}) applied with another checksum than this build's (edited after it ran, or migrated by another build)"
    )]
    MigrationChanged {
        /// The schema.
        schema: String,
        /// The version of the first migration whose checksum differs.
        version: i64,
        /// That migration's description.
        description: String,
    },

    /// A statement of the set-up failed.
    #[error("PostgreSQL failed to {what}")]
    Database {
        /// What was being done.
        what: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

impl From<Error> for matchforge_core::Error {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        matchforge_core::Error::backend(BACKEND, message, e)
    }
}

/// A driver error as the core's [`matchforge_core::Error::Backend`], naming the
/// operation that failed.
pub(crate) fn backend(op: &'static str, e: sqlx::Error) -> matchforge_core::Error {
    let message = match &e {
        sqlx::Error::Database(db) => format!(
            "{op} failed: {} (SQLSTATE {})",
            db.message(),
            db.code().as_deref().unwrap_or("?")
        ),
        sqlx::Error::PoolTimedOut => {
            format!("{op} failed: no connection available (pool timed out)")
        }
        other => format!("{op} failed: {other}"),
    };
    matchforge_core::Error::backend(BACKEND, message, e)
}

/// A [`matchforge_core::Error::Backend`] without a driver error: stored data
/// that does not decode, or a value PostgreSQL cannot hold.
pub(crate) fn corrupt(message: impl Into<String>) -> matchforge_core::Error {
    matchforge_core::Error::Backend {
        backend: BACKEND,
        message: message.into(),
        source: None,
    }
}

/// How a statement inside a transaction failed.
#[derive(Debug)]
pub(crate) enum TxError {
    /// A race with another transaction (unique violation, deadlock,
    /// serialization failure): roll back and run the whole transaction again,
    /// whose reads then see the winner.
    Retry(sqlx::Error),
    /// Anything else: roll back and report.
    Fail(matchforge_core::Error),
}

impl From<matchforge_core::Error> for TxError {
    fn from(e: matchforge_core::Error) -> Self {
        TxError::Fail(e)
    }
}

/// SQLSTATEs that mean "another transaction got there first".
const RACES: [&str; 3] = [
    "23505", // unique_violation
    "40P01", // deadlock_detected
    "40001", // serialization_failure
];

/// Classifies a driver error met inside a transaction of `op`.
pub(crate) fn tx_error(op: &'static str) -> impl FnOnce(sqlx::Error) -> TxError {
    move |e| {
        let race = matches!(&e, sqlx::Error::Database(db)
            if db.code().is_some_and(|c| RACES.contains(&c.as_ref())));
        if race {
            TxError::Retry(e)
        } else {
            TxError::Fail(backend(op, e))
        }
    }
}
