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
/// without its password (in the user-info, or in a Unix socket URL's `pass`).
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
    /// `MATCHFORGE_REDIS_NAMESPACE` (default `default`); `None` if the URL is
    /// not set.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn from_env() -> Result<Option<Self>> {
        let Ok(url) = std::env::var(Self::URL_VAR) else {
            return Ok(None);
        };
        let namespace = std::env::var(Self::NAMESPACE_VAR).unwrap_or_else(|_| "default".to_owned());
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
        redacted(&self.url)
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

/// `url` with its user-info (up to the last `@` before the query) shown as
/// `***`, and the value of a `pass` or `password` query parameter (where
/// Unix-socket URLs carry the password) too.
fn redacted(url: &str) -> String {
    let Some(scheme) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let end = url[scheme..]
        .find(['?', '#'])
        .map_or(url.len(), |i| scheme + i);
    let mut out = match url[scheme..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme], &url[scheme + at..end]),
        None => url[..end].to_owned(),
    };
    let tail = &url[end..];
    let (query, fragment) = tail.split_at(tail.find('#').unwrap_or(tail.len()));
    if let Some(query) = query.strip_prefix('?') {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _))
                    if key.eq_ignore_ascii_case("pass") || key.eq_ignore_ascii_case("password") =>
                {
                    format!("{key}=***")
                }
                _ => param.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out.push_str(fragment);
    out
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
}
