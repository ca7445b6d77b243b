//! The store a simulation runs on: a fresh one every run, removed afterwards.
//!
//! * `memory`: a new in-memory store.
//! * `redis://...`: the namespace `sim:<seed>:<random>`, purged at the end.
//! * `postgres://...`: an ephemeral schema (`mf_tmp_...`), dropped when the
//!   store is (a killed process leaves it behind).

use std::sync::Arc;
use std::time::Duration;

use matchforge::id_gen::{IdGenerator, RandomIds};
use matchforge::ports::DynStore;
use matchforge::postgres::{PgOptions, PgStore};
use matchforge::redis::RedisStore;

use crate::error::Error;

/// A store opened for one run.
pub(super) struct RunStore {
    /// The store.
    pub(super) store: Arc<DynStore>,
    /// Its kind, for the report: `memory`, `redis` or `postgres`.
    pub(super) kind: &'static str,
    redis: Option<RedisStore>,
}

/// The kind of store `url` names, or a usage error.
pub(super) fn kind(url: &str) -> Result<&'static str, Error> {
    match url.split("://").next().unwrap_or_default() {
        "memory" if url == "memory" => Ok("memory"),
        "redis" | "rediss" | "redis+unix" if url.contains("://") => Ok("redis"),
        "postgres" | "postgresql" if url.contains("://") => Ok("postgres"),
        _ => Err(Error::Usage(format!(
            "--store {:?}: use memory, redis://host:port or postgres://user@host:port/db",
            matchforge::postgres::redacted_url(&matchforge::redis::redacted_url(url))
        ))),
    }
}

/// `error` and its sources, joined with `: `.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

/// The URL without its passwords, for messages, as the adapter of its kind
/// shows it (`***` for what is hidden: the user-info's password, the values
/// of `pass` and `password` parameters, and more where the URL is
/// malformed). A URL of no known kind goes through both adapters' rules.
fn redacted(url: &str) -> String {
    match kind(url) {
        Ok("redis") => matchforge::redis::redacted_url(url),
        Ok("postgres") => matchforge::postgres::redacted_url(url),
        _ => matchforge::postgres::redacted_url(&matchforge::redis::redacted_url(url)),
    }
}

/// Opens a fresh store at `url` for a run with `seed`.
///
/// # Errors
/// [`Error::Usage`] for an unknown kind of URL; [`Error::Store`] if the store
/// cannot be reached.
pub(super) async fn open(url: &str, seed: u64) -> Result<RunStore, Error> {
    let unreachable = |e: &dyn std::error::Error| Error::Store {
        store: redacted(url),
        reason: chain(e),
    };
    match kind(url)? {
        "redis" => {
            let namespace = format!("sim:{seed}:{}", RandomIds.next_uuid().simple());
            let store = RedisStore::connect(url, &namespace)
                .await
                .map_err(|e| unreachable(&e))?;
            // A first command, so an unreachable server is reported now.
            store.client_id().await.map_err(|e| unreachable(&e))?;
            Ok(RunStore {
                store: Arc::new(store.clone()),
                kind: "redis",
                redis: Some(store),
            })
        }
        "postgres" => {
            let options = PgOptions::new(url)
                .with_ephemeral_schema()
                .with_acquire_timeout(Duration::from_secs(5));
            let store = PgStore::connect_with(options)
                .await
                .map_err(|e| unreachable(&e))?;
            Ok(RunStore {
                store: Arc::new(store),
                kind: "postgres",
                redis: None,
            })
        }
        _ => Ok(RunStore {
            store: matchforge::open_store("memory", None).await?,
            kind: "memory",
            redis: None,
        }),
    }
}

impl RunStore {
    /// Removes what the run left: purges a Redis namespace; a Postgres schema
    /// goes when the last handle is dropped, which this does.
    ///
    /// # Errors
    /// [`Error::Store`] if the purge fails.
    pub(super) async fn close(self) -> Result<(), Error> {
        drop(self.store);
        if let Some(redis) = self.redis {
            redis.purge().await.map_err(|e| Error::Store {
                store: redacted(redis.config().url()),
                reason: format!(
                    "purging namespace {}: {}",
                    redis.config().namespace(),
                    chain(&e)
                ),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_are_recognised() {
        for (url, expected) in [
            ("memory", Some("memory")),
            ("redis://127.0.0.1:6379", Some("redis")),
            ("rediss://cache:6380/2", Some("redis")),
            ("redis+unix:///run/redis.sock", Some("redis")),
            ("postgres://postgres@127.0.0.1:5432/test", Some("postgres")),
            ("postgresql://db/test", Some("postgres")),
            ("memory://", None),
            ("redis", None),
            ("ftp://nowhere", None),
            ("", None),
        ] {
            assert_eq!(kind(url).ok(), expected, "{url}");
        }
        // The refusal names the URL without its password.
        let refused = kind("ftp://me:hunter2@nowhere?pass=hunter2")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("ftp://***@nowhere?pass=***"), "{refused}");
        assert!(!refused.contains("hunter2"), "{refused}");
        assert_eq!(
            redacted("postgres://me:secret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(
            redacted("redis://:secret@cache:6379"),
            "redis://***@cache:6379"
        );
        assert_eq!(redacted("postgres://me@db/x"), "postgres://me@db/x");
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        // Passwords in the query, too, whatever else is there.
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:1/test?password=hunter2"),
            "postgres://postgres@127.0.0.1:1/test?password=***"
        );
        assert_eq!(
            redacted("postgresql://me:pw@db/x?sslmode=require&PASSWORD=a%40b&sslpassword=k#f"),
            "postgresql://me:***@db/x?sslmode=require&PASSWORD=***&sslpassword=***"
        );
        assert_eq!(
            redacted("postgres://db/x?user=a@b&password=p@ss"),
            "postgres://***@***"
        );
        assert_eq!(redacted("redis://cache?password"), "redis://cache?password");
        assert_eq!(
            redacted("redis+unix:///run/redis.sock?db=1&pass=hunter2"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
        assert_eq!(redacted("redis://cache?passes=3"), "redis://cache?passes=3");
        // A password with an unescaped `/`, `:` or `@` (a malformed URL, the
        // kind that fails) is hidden all the same.
        assert_eq!(
            redacted("postgres://me:pa/ss@db/x"),
            "postgres://me:***@db/x"
        );
        assert_eq!(
            redacted("postgres://me:p@s:s/w@db:5432/x?sslmode=require"),
            "postgres://me:***@db:5432/x?sslmode=require"
        );
        // An unescaped `?` or `#` in a password, of each kind (the CLI's own
        // rule showed these whole).
        assert_eq!(redacted("postgres://me:pa?ss@db/x"), "postgres://***@db/x");
        assert_eq!(
            redacted("redis://me:se#cret@cache:6379"),
            "redis://***@cache:6379"
        );
        assert_eq!(redacted("ftp://me:pa?ss@nowhere"), "ftp://***@nowhere");
    }
}
