//! [`PgOptions`]: where and how a [`PgStore`](crate::PgStore) connects.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// The environment variable [`PgOptions::from_env`] reads.
pub const URL_VAR: &str = "MATCHFORGE_POSTGRES_URL";

/// The schema a store uses unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "matchforge";

/// The longest schema name accepted (the event channel's name, `mf_events:`
/// plus the schema, must fit PostgreSQL's 63-byte identifiers).
pub const MAX_SCHEMA_LEN: usize = 48;

/// The longest acquire timeout accepted (a day): longer ones, such as
/// `Duration::MAX` for "wait forever", overflow the pool's deadline
/// arithmetic.
pub const MAX_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How to open a [`PgStore`](crate::PgStore).
///
/// ```
/// use std::time::Duration;
/// use matchforge_postgres::PgOptions;
///
/// let options = PgOptions::new("postgres://postgres@127.0.0.1:5432/test")
///     .with_schema("ranked_eu")
///     .with_max_connections(16)
///     .with_acquire_timeout(Duration::from_secs(2));
/// assert_eq!(options.schema(), "ranked_eu");
/// assert_eq!(options.max_connections(), 16);
/// assert!(options.migrates());
///
/// // Schema names are plain lower-case identifiers.
/// assert!(PgOptions::new("postgres://localhost/db").with_schema("Bad-Name").validate().is_err());
/// ```
#[derive(Clone)]
#[must_use]
pub struct PgOptions {
    url: String,
    schema: String,
    max_connections: u32,
    acquire_timeout: Duration,
    migrate: bool,
    notify: bool,
    ephemeral: bool,
}

impl PgOptions {
    /// Options for the database at `url` (`postgres://user@host:port/db`), with
    /// the defaults: schema `matchforge`, at most 10 connections, a 10 s
    /// acquire timeout, migrations run on connect, `NOTIFY` on every append.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: DEFAULT_SCHEMA.to_owned(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            migrate: true,
            notify: true,
            ephemeral: false,
        }
    }

    /// Options for the URL in `MATCHFORGE_POSTGRES_URL`, if it is set.
    pub fn from_env() -> Option<Self> {
        std::env::var(URL_VAR)
            .ok()
            .filter(|url| !url.is_empty())
            .map(Self::new)
    }

    /// Keeps the tables in `schema` (created by [`migrate`](crate::PgStore::migrate)
    /// if missing): lower-case letters, digits and `_`, starting with a letter
    /// or `_`, at most [`MAX_SCHEMA_LEN`] characters.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The most connections the pool opens (at least 1).
    pub fn with_max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// How long a call waits for a free connection before failing with
    /// [`Error::Backend`](matchforge_core::Error::Backend); also how long
    /// opening the store waits for the server's first answer. More than zero
    /// and at most [`MAX_ACQUIRE_TIMEOUT`].
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Whether [`PgStore::connect_with`](crate::PgStore::connect_with) runs the
    /// embedded migrations (the default). Without them it checks that the
    /// schema is fully migrated and fails with [`Error::NotMigrated`] if not.
    pub fn with_migrations(mut self, run_on_connect: bool) -> Self {
        self.migrate = run_on_connect;
        self
    }

    /// Whether every transaction that appends events also sends a `NOTIFY`
    /// (the default), so [`EventListener`](crate::EventListener)s of other
    /// instances wake up at once rather than at their next poll.
    pub fn with_notify(mut self, notify: bool) -> Self {
        self.notify = notify;
        self
    }

    /// Uses a new schema of a unique name (`mf_tmp_` and 16 hex digits) instead
    /// of [`with_schema`](Self::with_schema)'s, and drops it, with everything
    /// in it, when the last clone of the store is dropped. For tests and
    /// simulations that want a store of their own in a shared database; a
    /// process that is killed leaves its schema behind.
    pub fn with_ephemeral_schema(mut self) -> Self {
        self.schema = unique_schema("mf_tmp_");
        self.ephemeral = true;
        self
    }

    /// The database URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The most connections the pool opens.
    #[must_use]
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }

    /// How long a call waits for a connection.
    #[must_use]
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// Whether connecting runs the migrations.
    #[must_use]
    pub fn migrates(&self) -> bool {
        self.migrate
    }

    /// Whether appends send a `NOTIFY`.
    #[must_use]
    pub fn notifies(&self) -> bool {
        self.notify
    }

    /// Whether the schema is dropped with the store.
    #[must_use]
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }

    /// Checks the options without connecting.
    ///
    /// # Errors
    /// [`Error::InvalidOptions`] for a bad schema name, no connections, or an
    /// acquire timeout of zero or above [`MAX_ACQUIRE_TIMEOUT`].
    pub fn validate(&self) -> Result<()> {
        check_schema(&self.schema)?;
        if self.max_connections == 0 {
            return Err(Error::InvalidOptions(
                "max_connections must be at least 1".into(),
            ));
        }
        if self.acquire_timeout.is_zero() || self.acquire_timeout > MAX_ACQUIRE_TIMEOUT {
            return Err(Error::InvalidOptions(format!(
                "acquire_timeout must be more than zero and at most {MAX_ACQUIRE_TIMEOUT:?}, not {:?}",
                self.acquire_timeout
            )));
        }
        Ok(())
    }
}

impl std::fmt::Debug for PgOptions {
    /// Shows the URL without its passwords (its user info's and any query
    /// parameter named like `password`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOptions")
            .field("url", &redacted(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("migrate", &self.migrate)
            .field("notify", &self.notify)
            .field("ephemeral", &self.ephemeral)
            .finish()
    }
}

/// `url` without its passwords: the user info's password and the value of
/// any query parameter whose name contains `password` (libpq's and sqlx's
/// `password`, `sslpassword`) become `***`.
pub(crate) fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let mut out = String::from(&url[..scheme_end]);
    let rest = &url[scheme_end..];
    // The user info runs to the last `@` before the query or fragment, not
    // only to the first `/`: a malformed URL's password may hold one
    // unescaped, and malformed URLs are the ones that end up in messages.
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = match rest[..query_start].rfind('@') {
        Some(at) => {
            match rest[..at].split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(&rest[..at]),
            }
            &rest[at..]
        }
        None => rest,
    };
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let (host_and_path, tail) = rest.split_at(query_start);
    out.push_str(host_and_path);
    let (query, fragment) = tail.split_at(tail.find('#').unwrap_or(tail.len()));
    match query.strip_prefix('?') {
        Some(params) => {
            out.push('?');
            let params: Vec<String> = params
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                        format!("{key}=***")
                    }
                    _ => param.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(query),
    }
    out.push_str(fragment);
    out
}

/// Checks that `schema` is a plain identifier, safe to splice into SQL.
pub(crate) fn check_schema(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain || schema.len() > MAX_SCHEMA_LEN || schema.starts_with("pg_") {
        return Err(Error::InvalidOptions(format!(
            "schema {schema:?} must be 1 to {MAX_SCHEMA_LEN} lower-case letters, digits or _, \
             start with a letter or _, and not start with pg_"
        )));
    }
    Ok(())
}

/// A schema name no other store (in this process or another) picks.
fn unique_schema(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // RandomState is seeded from the OS's randomness, afresh per process.
    let hash = RandomState::new().hash_one((
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    ));
    format!("{prefix}{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names() {
        let long = "a".repeat(MAX_SCHEMA_LEN + 1);
        let table = [
            ("matchforge", true),
            ("_x1", true),
            ("mf_test_0123abcd", true),
            ("", false),
            ("1abc", false),
            ("Upper", false),
            ("semi;colon", false),
            ("quote\"", false),
            ("pg_catalog", false),
            (long.as_str(), false),
        ];
        for (name, ok) in table {
            assert_eq!(check_schema(name).is_ok(), ok, "{name:?}");
        }
    }

    #[test]
    fn ephemeral_schemas_are_unique_and_valid() {
        let a = PgOptions::new("postgres://x/y").with_ephemeral_schema();
        let b = PgOptions::new("postgres://x/y").with_ephemeral_schema();
        assert_ne!(a.schema(), b.schema());
        assert!(a.validate().is_ok() && a.is_ephemeral());
        assert!(a.schema().starts_with("mf_tmp_"));
    }

    #[test]
    fn passwords_are_redacted() {
        let table = [
            (
                "postgres://u:secret@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db?user=u", "postgres://h/db?user=u"),
            ("not a url", "not a url"),
            // Passwords in the query (sqlx and libpq read `password`).
            (
                "postgres://u@h/db?password=secret",
                "postgres://u@h/db?password=***",
            ),
            (
                "postgresql://u:secret@h/db?sslmode=require&SSLPassword=k#f",
                "postgresql://u:***@h/db?sslmode=require&SSLPassword=***#f",
            ),
            (
                "postgres://h/db?user=a@b&password=p@ss",
                "postgres://h/db?user=a@b&password=***",
            ),
            // A password holding an unescaped `/` or `@` (a malformed URL,
            // the kind that fails to connect and gets printed).
            ("postgres://u:se/cret@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u:s@c:r/et@h:5432/db?sslmode=require",
                "postgres://u:***@h:5432/db?sslmode=require",
            ),
        ];
        for (url, shown) in table {
            assert_eq!(redacted(url), shown);
        }
        for url in [
            "postgres://u:secret@h/db",
            "postgres://h/db?password=secret",
        ] {
            let debug = format!("{:?}", PgOptions::new(url));
            assert!(!debug.contains("secret"), "{debug}");
        }
    }

    #[test]
    fn zero_connections_are_rejected() {
        let o = PgOptions::new("postgres://x/y").with_max_connections(0);
        assert!(matches!(o.validate(), Err(Error::InvalidOptions(_))));
    }

    /// A zero timeout made opening report "no answer from the server" from a
    /// healthy one; `Duration::MAX` opened a store whose first call panicked
    /// in the pool (an `Instant` overflow).
    #[test]
    fn acquire_timeouts_are_bounded() {
        let with = |t| PgOptions::new("postgres://x/y").with_acquire_timeout(t);
        for (timeout, ok) in [
            (Duration::ZERO, false),
            (Duration::from_nanos(1), true),
            (MAX_ACQUIRE_TIMEOUT, true),
            (MAX_ACQUIRE_TIMEOUT + Duration::from_nanos(1), false),
            (Duration::MAX, false),
        ] {
            match with(timeout).validate() {
                Ok(()) => assert!(ok, "{timeout:?} was accepted"),
                Err(Error::InvalidOptions(m)) => {
                    assert!(!ok && m.contains("acquire_timeout"), "{timeout:?}: {m}");
                }
                Err(e) => panic!("{timeout:?}: {e}"),
            }
        }
    }
}
