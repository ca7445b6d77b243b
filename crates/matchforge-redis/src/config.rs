//! [`RedisConfig`]: where the store lives and how it talks to Redis.

use std::time::Duration;

use crate::error::{Error, Result};

/// Where a [`RedisStore`](crate::RedisStore) keeps its state and how it
/// treats the connection.
///
/// A *namespace* is one independent MatchForge state (its queues, lobbies,
/// ratings, parties, history and event log). Every key of a namespace carries
/// the hash tag `{mf:<namespace>}`, so a namespace lives in one hash slot: on
/// Redis Cluster, one shard. Give independent games, regions or modes their
/// own namespaces to spread them over shards.
///
/// Its `Debug` form, and every message naming the server, show the URL
/// without its password (in the user-info, or in a Unix socket URL's `pass`),
/// even one holding unescaped `@`, `?`, `#` or `/`: everything up to the
/// URL's last `@` shows as `***` (so an `@` after the host hides the host).
///
/// ```
/// use std::time::Duration;
/// use matchforge_redis::RedisConfig;
///
/// let config = RedisConfig::new("redis://127.0.0.1:6379", "eu-ranked")?
///     .with_response_timeout(Duration::from_secs(2))
///     .with_retries(2);
/// assert_eq!(config.namespace(), "eu-ranked");
/// assert_eq!(config.key_prefix(), "{mf:eu-ranked}:");
/// assert!(RedisConfig::new("redis://127.0.0.1:6379", "no spaces").is_err());
/// # Ok::<(), matchforge_redis::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct RedisConfig {
    url: String,
    namespace: String,
    connection_timeout: Duration,
    response_timeout: Duration,
    retries: u32,
    retry_delay: Duration,
    event_log_max_len: Option<u64>,
    batch_part: usize,
}

impl RedisConfig {
    /// The environment variable [`from_env`](Self::from_env) reads the URL from.
    pub const URL_VAR: &'static str = "MATCHFORGE_REDIS_URL";
    /// The environment variable [`from_env`](Self::from_env) reads the namespace from.
    pub const NAMESPACE_VAR: &'static str = "MATCHFORGE_REDIS_NAMESPACE";
    /// The namespace [`from_env`](Self::from_env) uses when
    /// [`NAMESPACE_VAR`](Self::NAMESPACE_VAR) is not set: the same as
    /// `matchforge::open_store`'s and the Postgres store's default schema, so
    /// every way of opening a store without naming one finds the same state.
    pub const DEFAULT_NAMESPACE: &'static str = "matchforge";
    /// How many tickets or lobbies one script call of a batch takes by
    /// default (see [`with_batch_part`](Self::with_batch_part)).
    pub const DEFAULT_BATCH_PART: usize = 250;

    /// A store at `url` (`redis://[:password@]host:port[/db]`) in `namespace`,
    /// with the defaults: 2 s to connect, 10 s for a reply, 3 retries of
    /// safe calls 50 ms apart (doubling), an event log that keeps everything,
    /// batches sent in parts of [`DEFAULT_BATCH_PART`](Self::DEFAULT_BATCH_PART).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an empty namespace, one longer than 128
    /// characters, or one with a character outside `[A-Za-z0-9._:-]` (braces
    /// would break the hash tag, glob characters the key scans).
    pub fn new(url: impl Into<String>, namespace: impl Into<String>) -> Result<Self> {
        let namespace = namespace.into();
        check_namespace(&namespace)?;
        Ok(Self {
            url: url.into(),
            namespace,
            connection_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(10),
            retries: 3,
            retry_delay: Duration::from_millis(50),
            event_log_max_len: None,
            batch_part: Self::DEFAULT_BATCH_PART,
        })
    }

    /// The URL from `MATCHFORGE_REDIS_URL` and the namespace from
    /// `MATCHFORGE_REDIS_NAMESPACE` (default
    /// [`DEFAULT_NAMESPACE`](Self::DEFAULT_NAMESPACE)); `None` if the URL is
    /// not set. A variable set to the empty string counts as unset.
    ///
    /// # Errors
    /// As [`new`](Self::new), and [`Error::InvalidConfig`] if either variable
    /// is set to something that is not Unicode (rather than treating it as
    /// unset and using another store or namespace than the one meant).
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(|name| std::env::var(name))
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    fn from_vars(
        get: impl Fn(&str) -> std::result::Result<String, std::env::VarError>,
    ) -> Result<Option<Self>> {
        let var = |name: &str| match get(name) {
            Ok(value) if value.is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::InvalidConfig(format!(
                "the environment variable {name} is not valid Unicode"
            ))),
        };
        let Some(url) = var(Self::URL_VAR)? else {
            return Ok(None);
        };
        let namespace =
            var(Self::NAMESPACE_VAR)?.unwrap_or_else(|| Self::DEFAULT_NAMESPACE.to_owned());
        Self::new(url, namespace).map(Some)
    }

    /// The same settings in another namespace.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Result<Self> {
        let namespace = namespace.into();
        check_namespace(&namespace)?;
        self.namespace = namespace;
        Ok(self)
    }

    /// How long a connection attempt may take.
    pub fn with_connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long a reply may take. A call that times out fails with
    /// [`Error::Backend`](matchforge_core::Error::Backend) (or is retried, if
    /// it is safe to). Keep it above the time of your largest batch.
    pub fn with_response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How many times a call that is safe to repeat is retried after a
    /// connection failure (reads, and writes whose scripts recognise their own
    /// earlier success); 0 disables retries.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The pause before the first retry; it doubles with each further one.
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// Trims the event log to about `max_len` stream entries (`XADD MAXLEN ~`).
    /// A subscriber that falls further behind than that misses events, so
    /// size it for your slowest reader; unset, the log keeps everything.
    /// Any `u64` works: above `i64::MAX`, the most Redis takes, it counts as
    /// `i64::MAX`; 0 keeps (about) nothing, as in the memory store.
    pub fn with_event_log_max_len(mut self, max_len: u64) -> Self {
        self.event_log_max_len = Some(max_len);
        self
    }

    /// How many tickets (`enqueue_many`) or lobbies (`commit_many`) one script
    /// call takes at most; a larger batch is sent as several calls, pipelined,
    /// so Redis runs one part while the next is encoded. Each part is atomic
    /// (each item all or nothing, in order; a later part sees the earlier
    /// ones, except one that had to be sent again, after a dropped connection
    /// or to load the script, which may run after it), not the batch as a
    /// whole. Smaller parts keep each script short
    /// (Redis serves nobody else while one runs: about 3 ms for 250 lobbies
    /// here); `usize::MAX` sends every batch as one script. 0 counts as 1.
    pub fn with_batch_part(mut self, items: usize) -> Self {
        self.batch_part = items.max(1);
        self
    }

    /// The server URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The namespace.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The prefix of every key of the namespace: `{mf:<namespace>}:`.
    #[must_use]
    pub fn key_prefix(&self) -> String {
        format!("{{mf:{}}}:", self.namespace)
    }

    pub(crate) fn connection_timeout(&self) -> Duration {
        self.connection_timeout
    }

    pub(crate) fn response_timeout(&self) -> Duration {
        self.response_timeout
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    pub(crate) fn retry_delay(&self) -> Duration {
        self.retry_delay
    }

    pub(crate) fn event_log_max_len(&self) -> Option<u64> {
        self.event_log_max_len
    }

    pub(crate) fn batch_part(&self) -> usize {
        self.batch_part
    }

    /// The URL with any password replaced, for messages.
    pub(crate) fn redacted_url(&self) -> String {
        redacted_url(&self.url)
    }
}

impl std::fmt::Debug for RedisConfig {
    /// Shows the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.redacted_url())
            .field("namespace", &self.namespace)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("retries", &self.retries)
            .field("retry_delay", &self.retry_delay)
            .field("event_log_max_len", &self.event_log_max_len)
            .field("batch_part", &self.batch_part)
            .finish()
    }
}

/// `url` as this crate shows it in messages and `Debug`: its user-info shown
/// as `***`, and the value of a `pass` or `password` query parameter (where
/// Unix-socket URLs carry the password) too. For logging a URL the way the
/// adapter does.
///
/// A password may hold unescaped `@`, `?`, `#` or `/`, which a URL parser
/// reads as the end of the user-info, the query, the fragment or the path:
/// the user-info is therefore taken to end at the **last** `@` of the URL,
/// whatever comes before it, and nothing before that `@` is shown. A URL
/// whose path, query or fragment holds an `@` shows less than it could,
/// never part of a password. Unix-socket URLs (`unix:///path`,
/// `redis+unix:///path`, `valkey+unix:///path`) have no user-info, so an `@`
/// in their path or query is kept. Without a scheme
/// (`[A-Za-z][A-Za-z0-9+.-]*://`), the whole text is read as
/// `user-info@host...`. A fragment right after a `pass` parameter is taken
/// as part of that password (an unescaped `#`) and hidden with it, and so is
/// a piece without `=` right after one (an unescaped `&`); a password
/// holding `&` and then `=` (`pass=a&b=c`) still shows `b=c`. Parameter
/// names are compared percent-decoded, as the client reads them.
///
/// ```
/// use matchforge_redis::redacted_url;
///
/// assert_eq!(redacted_url("redis://me:pa?ss@cache:6379/0"), "redis://***@cache:6379/0");
/// assert_eq!(
///     redacted_url("redis+unix:///run/redis.sock?db=1&pass=secret"),
///     "redis+unix:///run/redis.sock?db=1&pass=***"
/// );
/// ```
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
    let unix_socket = rest.starts_with('/') && {
        let name = scheme.trim_end_matches("://").to_ascii_lowercase();
        matches!(name.as_str(), "unix" | "redis+unix" | "valkey+unix")
    };
    let mut out = scheme.to_owned();
    let host_part = match rest.rfind('@') {
        Some(at) if !unix_socket => {
            out.push_str("***");
            &rest[at..]
        }
        _ => rest,
    };
    let end = host_part.find(['?', '#']).unwrap_or(host_part.len());
    out.push_str(&host_part[..end]);
    let tail = &host_part[end..];
    let (query, fragment) = tail.split_at(tail.find('#').unwrap_or(tail.len()));
    let mut password_ends_query = false;
    if let Some(query) = query.strip_prefix('?') {
        // A piece without `=` right after a password is taken as the rest of
        // it (an unescaped `&`) and hidden with it.
        let mut params: Vec<String> = Vec::new();
        let mut in_password = false;
        for param in query.split('&') {
            if let Some(key) = password_key(param) {
                params.push(format!("{key}=***"));
                in_password = true;
            } else if !in_password || param.contains('=') {
                params.push(param.to_owned());
                in_password = false;
            }
        }
        out.push('?');
        out.push_str(&params.join("&"));
        password_ends_query = in_password;
    }
    if !password_ends_query {
        out.push_str(fragment);
    }
    out
}

/// The key of a `pass=...` or `password=...` query parameter (any case,
/// percent-encoded or not, as the client decodes it).
fn password_key(param: &str) -> Option<&str> {
    let (key, _) = param.split_once('=')?;
    let name = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
    (name.eq_ignore_ascii_case("pass") || name.eq_ignore_ascii_case("password")).then_some(key)
}

fn check_namespace(namespace: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    if namespace.is_empty() || namespace.len() > 128 || !namespace.chars().all(allowed) {
        return Err(Error::InvalidConfig(format!(
            "namespace {namespace:?} must be 1 to 128 characters of [A-Za-z0-9._:-]"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn namespaces() {
        let long = "n".repeat(129);
        let table = [
            ("eu-ranked", true),
            ("test:1f2e.v2_a", true),
            ("", false),
            ("a{b}", false),
            ("a*", false),
            ("a b", false),
            (long.as_str(), false),
        ];
        for (namespace, ok) in table {
            assert_eq!(
                RedisConfig::new("redis://x", namespace).is_ok(),
                ok,
                "{namespace:?}"
            );
        }
    }

    #[test]
    fn reads_the_environment() {
        use std::env::VarError;
        let vars = |url: Option<&str>, namespace: Option<&str>| {
            let (url, namespace) = (url.map(str::to_owned), namespace.map(str::to_owned));
            move |name: &str| {
                let value = match name {
                    RedisConfig::URL_VAR => url.clone(),
                    RedisConfig::NAMESPACE_VAR => namespace.clone(),
                    other => panic!("read {other}"),
                };
                match value.as_deref() {
                    Some("\u{fffd}") => Err(VarError::NotUnicode("\u{fffd}".into())),
                    Some(v) => Ok(v.to_owned()),
                    None => Err(VarError::NotPresent),
                }
            }
        };
        assert_eq!(RedisConfig::from_vars(vars(None, Some("x"))).unwrap(), None);
        assert_eq!(RedisConfig::from_vars(vars(Some(""), None)).unwrap(), None);
        let config = RedisConfig::from_vars(vars(Some("redis://h"), None))
            .unwrap()
            .unwrap();
        assert_eq!(config.namespace(), RedisConfig::DEFAULT_NAMESPACE);
        assert_eq!(config.namespace(), "matchforge");
        let config = RedisConfig::from_vars(vars(Some("redis://h"), Some("")))
            .unwrap()
            .unwrap();
        assert_eq!(config.namespace(), "matchforge");
        let config = RedisConfig::from_vars(vars(Some("redis://h"), Some("eu")))
            .unwrap()
            .unwrap();
        assert_eq!(config.namespace(), "eu");
        for (url, namespace, named) in [
            (Some("\u{fffd}"), None, RedisConfig::URL_VAR),
            (
                Some("redis://h"),
                Some("\u{fffd}"),
                RedisConfig::NAMESPACE_VAR,
            ),
        ] {
            let error = RedisConfig::from_vars(vars(url, namespace)).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidConfig(m) if m.contains(named) && m.contains("Unicode")),
                "{error}"
            );
        }
        assert!(matches!(
            RedisConfig::from_vars(vars(Some("redis://h"), Some("a b"))),
            Err(Error::InvalidConfig(_))
        ));
    }

    #[test]
    fn redacts_passwords() {
        let table = [
            ("redis://:secret@host:6379/0", "redis://***@host:6379/0"),
            ("redis://user:pw@host", "redis://***@host"),
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            // Unix sockets take the password in the query (`pass`).
            (
                "redis+unix:///run/redis.sock?db=1&pass=secret&user=me",
                "redis+unix:///run/redis.sock?db=1&pass=***&user=me",
            ),
            (
                "unix:///run/redis.sock?PASS=secret",
                "unix:///run/redis.sock?PASS=***",
            ),
            // An `@` in the query is not the end of a user-info.
            (
                "redis+unix:///run/redis.sock?pass=se@cret",
                "redis+unix:///run/redis.sock?pass=***",
            ),
            ("redis://:p@ss@host/0#x", "redis://***@host/0#x"),
        ];
        for (url, want) in table {
            let config = RedisConfig::new(url, "ns").expect("valid");
            assert_eq!(config.redacted_url(), want);
            let debug = format!("{config:?}");
            assert!(
                !debug.contains("secret") && !debug.contains("p@ss"),
                "{debug}"
            );
        }
    }

    /// Passwords with unescaped reserved characters, which a URL parser
    /// splits elsewhere: no part of them is shown, and the host still is.
    #[test]
    fn redacts_malformed_passwords() {
        // The third column is the part of the password a parser would show
        // (upper case: nothing else in the `Debug` output is).
        let table = [
            // Found by review: an unescaped `&` in a `pass` value, and a
            // percent-encoded parameter name (the client decodes it).
            (
                "redis+unix:///s.sock?pass=se&CRET",
                "redis+unix:///s.sock?pass=***",
                "CRET",
            ),
            (
                "redis+unix:///s.sock?pa%73s=SECRET",
                "redis+unix:///s.sock?pa%73s=***",
                "SECRET",
            ),
            // `?` would start the query, `#` the fragment, `/` the path.
            (
                "redis://user:PA?SS@host:6379/0",
                "redis://***@host:6379/0",
                "SS",
            ),
            ("redis://:SE#CRET@host", "redis://***@host", "CRET"),
            (
                "redis://:SE/CRET@host:6379/2",
                "redis://***@host:6379/2",
                "CRET",
            ),
            ("redis://us?er:PW@host", "redis://***@host", "PW"),
            // All of them, with a query and a fragment of the host part.
            (
                "rediss://:S@E?C#R/E:T@host:6380/1?protocol=resp3#insecure",
                "rediss://***@host:6380/1?protocol=resp3#insecure",
                "R/E:T",
            ),
            // What looks like a query parameter inside the password.
            ("redis://:XY?pass=a@host", "redis://***@host", "XY"),
            // No scheme separator: the whole text is user-info@host.
            (":SEC?RET@host:6379", "***@host:6379", "RET"),
            ("redis:SE#CRET@host", "***@host", "CRET"),
            // A `://` inside the password is not the scheme's.
            (":QZ://X@host", "***@host", "QZ"),
            ("redis://:QZ://X@host", "redis://***@host", "QZ"),
            // A Unix-socket URL given a user-info after all.
            (
                "redis+unix://:SE#CRET@/run/redis.sock",
                "redis+unix://***@/run/redis.sock",
                "CRET",
            ),
            // An unescaped `#` in a Unix socket's `pass` starts the fragment.
            (
                "redis+unix:///run/redis.sock?db=1&pass=SE#CRET",
                "redis+unix:///run/redis.sock?db=1&pass=***",
                "CRET",
            ),
            (
                "unix:///run/redis.sock?PASSWORD=S?E@C#RET",
                "unix:///run/redis.sock?PASSWORD=***",
                "RET",
            ),
        ];
        for (url, want, secret) in table {
            let config = RedisConfig::new(url, "ns").expect("valid");
            assert_eq!(config.redacted_url(), want, "{url}");
            let debug = format!("{config:?}");
            assert!(!debug.contains(secret), "{url}: {debug}");
        }
    }

    /// The shapes that are not passwords: an `@` in a Unix socket's path
    /// is kept, a fragment after a parameter other than `pass` too, and an
    /// `@` after the host, which could end a password, hides what is before
    /// it (less shown than could be, never part of a password).
    #[test]
    fn redacts_only_what_may_be_a_password() {
        let table = [
            (
                "unix:///run/a@b/redis.sock?db=1",
                "unix:///run/a@b/redis.sock?db=1",
            ),
            (
                "redis+unix:///run/redis.sock?pass=x&db=1#frag",
                "redis+unix:///run/redis.sock?pass=***&db=1#frag",
            ),
            (
                "rediss://host:6380/#insecure",
                "rediss://host:6380/#insecure",
            ),
            ("redis://host:6379/0?name=a@b", "redis://***@b"),
        ];
        for (url, want) in table {
            let config = RedisConfig::new(url, "ns").expect("valid");
            assert_eq!(config.redacted_url(), want, "{url}");
        }
    }

    /// A password drawn from letters and the characters a URL reserves
    /// (one upper-case letter at least, which nothing else in the URL has,
    /// so finding it in the output means it leaked).
    fn password() -> impl Strategy<Value = String> {
        let chars = "[A-Z@?#/:&=%!*+ ]{0,8}";
        (chars, "[A-Z]", chars).prop_map(|(a, b, c)| format!("{a}{b}{c}"))
    }

    proptest! {
        #[test]
        fn never_shows_a_password(
            scheme in prop::sample::select(vec!["redis", "rediss", "valkey"]),
            user in "([a-z0-9]{1,6})?",
            password in password(),
            host in "[a-z][a-z0-9.-]{0,12}",
            port in prop::option::of(1u16..),
            db in prop::option::of(0u8..16),
            query in prop::option::of(prop::sample::select(vec!["protocol=resp3", "db=1"])),
            fragment in prop::option::of(Just("insecure")),
        ) {
            let mut host_part = host.clone();
            if let Some(port) = port {
                host_part.push_str(&format!(":{port}"));
            }
            if let Some(db) = db {
                host_part.push_str(&format!("/{db}"));
            }
            if let Some(query) = query {
                host_part.push_str(&format!("?{query}"));
            }
            if let Some(fragment) = fragment {
                host_part.push_str(&format!("#{fragment}"));
            }
            let url = format!("{scheme}://{user}:{password}@{host_part}");
            let config = RedisConfig::new(url.as_str(), "ns").expect("valid");
            let shown = config.redacted_url();
            prop_assert_eq!(&shown, &format!("{scheme}://***@{host_part}"), "{}", url);
            prop_assert!(!shown.contains(&password), "{} shows {}", url, shown);
            let debug = format!("{config:?}");
            prop_assert!(debug.contains(&format!("url: {shown:?},")), "{}", debug);
        }

        #[test]
        fn never_shows_a_unix_socket_password(
            password in password().prop_filter("an `&` ends the parameter", |p| !p.contains('&')),
            key in prop::sample::select(vec!["pass", "password"]),
            before in prop::sample::select(vec!["", "db=1&"]),
            after in prop::sample::select(vec!["", "&user=me"]),
        ) {
            let url = format!("redis+unix:///run/redis.sock?{before}{key}={password}{after}");
            let config = RedisConfig::new(url.as_str(), "ns").expect("valid");
            let shown = config.redacted_url();
            prop_assert!(!shown.contains(&password), "{} shows {}", url, shown);
            prop_assert!(shown.starts_with("redis+unix:///run/redis.sock?"), "{}", shown);
            prop_assert!(shown.contains(&format!("{key}=***")), "{}", shown);
        }
    }
}
