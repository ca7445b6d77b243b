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
    /// schema is fully migrated, with the embedded migrations, and fails with
    /// [`Error::NotMigrated`] or [`Error::MigrationChanged`] if not.
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
            .field("url", &redacted_url(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("migrate", &self.migrate)
            .field("notify", &self.notify)
            .field("ephemeral", &self.ephemeral)
            .finish()
    }
}

/// `url` as this crate shows it in messages and `Debug`, without its
/// passwords: the user info's password and the value of any query parameter
/// whose name contains `password` (libpq's and sqlx's `password`,
/// `sslpassword`) become `***`. For logging a URL the way the adapter does.
///
/// ```
/// use matchforge_postgres::redacted_url;
///
/// assert_eq!(
///     redacted_url("postgres://me:secret@db:5432/x?sslpassword=k"),
///     "postgres://me:***@db:5432/x?sslpassword=***"
/// );
/// assert_eq!(redacted_url("postgres://me:pa?ss@db/x"), "postgres://***@db/x");
/// ```
///
/// Malformed URLs are the ones that fail to connect and end up in messages,
/// and a password may hold an unescaped `@`, `/`, `?`, `#`, `&` or `=`. So:
/// - the user info is taken to end at the URL's **last** `@`;
/// - if it holds a character that may start a query or fragment (`?`, `#`,
///   `&` or `=`), it may hold a query too, and all of it is hidden (not only
///   the password), and the parameters after that `@` are redacted as query
///   parameters even before a `?` (a `?` there is part of a value). A URL
///   whose query holds an `@` (an Azure user name `user=a@b`, say) therefore
///   shows less than it could;
/// - a fragment right after a password parameter is taken as part of that
///   password (an unescaped `#`) and hidden with it, and so is a piece
///   without `=` right after one (an unescaped `&`). A password holding `&`
///   and then `=` (`password=a&b=c`) still shows `b=c`: that reads as a
///   parameter of its own;
/// - parameter names are compared percent-decoded, as sqlx reads them
///   (`pass%77ord`).
///
/// Without a scheme (`[A-Za-z][A-Za-z0-9+.-]*://`), the whole text is read as
/// `user-info@host...`.
#[must_use]
pub fn redacted_url(url: &str) -> String {
    let is_scheme = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    let (scheme, rest) = match url.find("://") {
        Some(i) if is_scheme(&url[..i]) => url.split_at(i + 3),
        _ => ("", url),
    };
    let mut out = String::from(scheme);
    let Some(at) = rest.rfind('@') else {
        out.push_str(&redact_tail(rest, false, false));
        return out;
    };
    let info = &rest[..at];
    if !info.contains(['?', '#', '&', '=']) {
        match info.split_once(':') {
            Some((user, _)) => {
                out.push_str(user);
                out.push_str(":***");
            }
            None => out.push_str(info),
        }
        out.push_str(&redact_tail(&rest[at..], false, false));
        return out;
    }
    // The user info may hold a query: hide all of it.
    out.push_str("***@");
    let mut after = &rest[at + 1..];
    // The value of a password parameter, which may hold `?` or `@` itself,
    // may run past the `@`: then what follows it, up to the next parameter,
    // may be password too.
    let in_password = percent_encoding::percent_decode_str(info)
        .decode_utf8_lossy()
        .to_ascii_lowercase()
        .contains("password=");
    if in_password {
        out.push_str("***");
        after = &after[after.find('&').unwrap_or(after.len())..];
    }
    out.push_str(&redact_tail(after, true, in_password));
    out
}

/// `tail` (host and path, then query and fragment) with the values of
/// password parameters hidden, and a fragment right after one. With
/// `maybe_query`, the part before a `?` may be the rest of a query, and its
/// parameters are redacted too; with `in_password` as well, it starts inside
/// a password's value.
fn redact_tail(tail: &str, maybe_query: bool, in_password: bool) -> String {
    // Inside a query, a `?` is part of a value (an unescaped one in a
    // password, say), not the start of one.
    let query_start = if maybe_query {
        tail.find('#')
    } else {
        tail.find(['?', '#'])
    };
    let (head, rest) = tail.split_at(query_start.unwrap_or(tail.len()));
    let mut out = String::new();
    let mut password_last = false;
    if maybe_query {
        let (redacted, last) = redact_params(head, in_password);
        out.push_str(&redacted);
        password_last = last;
    } else {
        out.push_str(head);
    }
    let (query, fragment) = rest.split_at(rest.find('#').unwrap_or(rest.len()));
    if let Some(params) = query.strip_prefix('?') {
        let (redacted, last) = redact_params(params, false);
        out.push('?');
        out.push_str(&redacted);
        password_last = last;
    }
    if !password_last {
        out.push_str(fragment);
    }
    out
}

/// The name of a `key=value` parameter whose name contains `password` (any
/// case, percent-encoded or not, as sqlx decodes it).
fn is_password(param: &str) -> Option<&str> {
    let (key, _) = param.split_once('=')?;
    let name = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
    name.to_ascii_lowercase()
        .contains("password")
        .then_some(key)
}

/// `params` (`&`-separated) with the value of every parameter whose name
/// contains `password` (any case) shown as `***`, and a piece without `=`
/// right after one hidden with it (the rest of a password holding an
/// unescaped `&`), from the start if `in_password`; and whether the query
/// ends in such a password.
fn redact_params(params: &str, in_password: bool) -> (String, bool) {
    let mut shown: Vec<String> = Vec::new();
    let mut in_password = in_password;
    for param in params.split('&') {
        if let Some(key) = is_password(param) {
            shown.push(format!("{key}=***"));
            in_password = true;
        } else if !in_password || param.contains('=') {
            shown.push(param.to_owned());
            in_password = false;
        }
    }
    (shown.join("&"), in_password)
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
            // A fragment right after a password may be the rest of it (an
            // unescaped `#`): hidden too.
            (
                "postgresql://u:secret@h/db?sslmode=require&SSLPassword=k#f",
                "postgresql://u:***@h/db?sslmode=require&SSLPassword=***",
            ),
            (
                "postgresql://u:secret@h/db?SSLPassword=k&sslmode=require#f",
                "postgresql://u:***@h/db?SSLPassword=***&sslmode=require#f",
            ),
            // An `@` in the query: the text before the last `@` might be a
            // password holding a `?`, so all of it is hidden.
            (
                "postgres://h/db?user=a@b&password=p@ss",
                "postgres://***@***",
            ),
            (
                "postgres://h/db?user=a@b&password=pw",
                "postgres://***@b&password=***",
            ),
            // A password holding an unescaped `/` or `@` (a malformed URL,
            // the kind that fails to connect and gets printed).
            ("postgres://u:se/cret@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u:s@c:r/et@h:5432/db?sslmode=require",
                "postgres://u:***@h:5432/db?sslmode=require",
            ),
            // Passwords holding an unescaped `?`, `#`, `&` or `=`, which a
            // URL parser reads as the start of a query or fragment.
            ("postgres://u:pa?ss@h/db", "postgres://***@h/db"),
            ("postgres://u:se#cret@h:5432", "postgres://***@h:5432"),
            ("postgres://u:a&b=c@h/db?x=1", "postgres://***@h/db?x=1"),
            ("postgres://u:p@s?s#w@h/db", "postgres://***@h/db"),
            (
                "postgres://h/db?password=se#cret",
                "postgres://h/db?password=***",
            ),
            // No scheme: read as user info and host.
            ("u:secret@h/db", "u:***@h/db"),
            ("u:se?cret@h/db", "***@h/db"),
            // Found by review: a `?` in a password after an `@` in the
            // query, an unescaped `&`, a percent-encoded name.
            (
                "postgres://h/db?user=a@b&password=p?w#z",
                "postgres://***@b&password=***",
            ),
            (
                "postgres://h/db?application_name=a@b&password=p?q&sslmode=require",
                "postgres://***@b&password=***&sslmode=require",
            ),
            (
                "postgres://h/db?password=se&cret",
                "postgres://h/db?password=***",
            ),
            (
                "postgres://h/db?pass%77ord=secret",
                "postgres://h/db?pass%77ord=***",
            ),
        ];
        for (url, shown) in table {
            assert_eq!(redacted_url(url), shown);
        }
        for url in [
            "postgres://u:secret@h/db",
            "postgres://h/db?password=secret",
        ] {
            let debug = format!("{:?}", PgOptions::new(url));
            assert!(!debug.contains("secret"), "{debug}");
        }
    }

    proptest::proptest! {
        /// Whatever a password holds, no part of it is shown: a password
        /// always holds a `Z`, which nothing else in these URLs does.
        #[test]
        fn no_part_of_a_password_is_shown(
            user in "[a-z]{1,5}",
            before in "[a-z0-9@/?#&=:%.+-]{0,6}",
            after in "[a-z0-9@/?#&=:%.+-]{0,6}",
            host in "[a-z]{1,6}",
            port in 1u16..,
            query in proptest::option::of("[a-z]{1,4}=[a-z0-9]{1,4}"),
        ) {
            let password = format!("{before}Z{after}");
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            let in_user_info = format!("postgres://{user}:{password}@{host}:{port}/db{query}");
            let shown = redacted_url(&in_user_info);
            proptest::prop_assert!(!shown.contains('Z'), "{} shown as {}", in_user_info, shown);
            // In the query, also after a parameter holding an `@` (`&`
            // followed by `=` would start a parameter of its own).
            let password = if password.contains('=') { password.replace('&', "") } else { password };
            for in_query in [
                format!("postgres://{host}:{port}/db?password={password}"),
                format!("postgres://{host}:{port}/db?user=a@b&password={password}"),
            ] {
                let shown = redacted_url(&in_query);
                proptest::prop_assert!(!shown.contains('Z'), "{} shown as {}", in_query, shown);
            }
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
