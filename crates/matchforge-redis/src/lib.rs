//! # matchforge-redis
//!
//! The Redis storage adapter of MatchForge: [`RedisStore`] implements every
//! port of [`matchforge_core::ports`], so it is a
//! [`Store`](matchforge_core::ports::Store) the runner holds as
//! `Arc<DynStore>`, and several matchmaker instances can share one Redis.
//!
//! * **Atomic.** Every write is one Lua script that checks everything, then
//!   writes, then appends its events to the namespace's stream: a refused or
//!   failed call leaves no trace, one whose reply was lost ran whole or not
//!   at all, and concurrent commits claim each ticket at most once. The
//!   batch methods
//!   ([`enqueue_many`](matchforge_core::ports::TicketStore::enqueue_many),
//!   [`commit_many`](matchforge_core::ports::TicketStore::commit_many)) run
//!   one script per part of 250 items, pipelined
//!   ([`RedisConfig::with_batch_part`]).
//! * **One hash slot per namespace.** Every key carries the hash tag
//!   `{mf:<namespace>}`, so every script also runs on Redis Cluster; scale out
//!   with several namespaces.
//! * **Shared events.** The event log is a Redis Stream: every instance reads
//!   the same log, and a subscriber resumes from its last cursor.
//! * **Safe retries.** Reads, and writes whose script recognises its own
//!   earlier success, are retried after a dropped connection; the others
//!   report that their outcome is unknown (full effect or none).
//!
//! The layout, the reasoning and the measured figures are in
//! `docs/adapters/redis.md`. Needs Redis 7.0 or later.
//!
//! ```no_run
//! use std::sync::Arc;
//! use matchforge_core::ports::DynStore;
//! use matchforge_redis::RedisStore;
//!
//! # async fn run() -> Result<(), matchforge_core::Error> {
//! let store = RedisStore::connect("redis://127.0.0.1:6379", "eu-ranked").await?;
//! let store: Arc<DynStore> = Arc::new(store);
//! # Ok(())
//! # }
//! ```

mod codec;
mod config;
mod conn;
mod error;
mod events;
mod keys;
mod lobbies;
mod records;
mod refusal;
mod tickets;

pub use config::{RedisConfig, redacted_url};
pub use error::{Error, Result};

use conn::{Connection, Retry, SCRIPTS};
use keys::Keys;

/// The name this adapter gives in [`Error::Backend`](matchforge_core::Error::Backend).
pub const BACKEND: &str = "redis";

/// Every port in Redis, in one namespace; cheap to clone (clones share the
/// connection).
///
/// See the [crate docs](crate) for the guarantees and
/// `docs/adapters/redis.md` for the key layout.
#[derive(Debug, Clone)]
pub struct RedisStore {
    conn: Connection,
    keys: Keys,
    config: RedisConfig,
}

impl RedisStore {
    /// Connects to the Redis at `url` and uses `namespace`, with the default
    /// [`RedisConfig`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad namespace, [`Error::Connect`] if
    /// the URL is wrong or the server cannot be reached.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self> {
        Self::connect_with(RedisConfig::new(url, namespace)?).await
    }

    /// Connects as `config` says.
    ///
    /// # Errors
    /// [`Error::Connect`] if the URL is wrong or the server cannot be reached.
    pub async fn connect_with(config: RedisConfig) -> Result<Self> {
        let conn = Connection::open(&config).await?;
        tracing::debug!(url = %config.redacted_url(), namespace = config.namespace(),
            "connected to redis");
        Ok(Self {
            conn,
            keys: Keys::new(config.key_prefix()),
            config,
        })
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The same Redis connection on another namespace (for example one per
    /// game mode), sharing this store's connection and settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad namespace.
    pub fn with_namespace(&self, namespace: &str) -> Result<Self> {
        let config = self.config.clone().with_namespace(namespace)?;
        Ok(Self {
            conn: self.conn.clone(),
            keys: Keys::new(config.key_prefix()),
            config,
        })
    }

    /// The id Redis gives the connection this store (and its clones) uses
    /// now, as shown by `CLIENT LIST`: for operators tracing a stuck call.
    /// It changes when the connection is re-established.
    ///
    /// # Errors
    /// [`Error::Backend`](matchforge_core::Error::Backend) if Redis fails.
    pub async fn client_id(&self) -> matchforge_core::Result<i64> {
        let mut id = redis::cmd("CLIENT");
        id.arg("ID");
        let reply = self.conn.read("client_id", &id).await?;
        match reply {
            redis::Value::Int(id) => Ok(id),
            other => Err(codec::unexpected("CLIENT ID reply", &other)),
        }
    }

    /// Deletes **every key of this namespace** (and nothing else): queues,
    /// lobbies, ratings, parties, history and the event log. Meant for tests,
    /// benches and simulations that own their namespace. Scans in steps, so
    /// Redis stays responsive; returns how many keys were deleted.
    ///
    /// # Errors
    /// [`Error::Backend`](matchforge_core::Error::Backend) if Redis fails
    /// or a step's reply is not a cursor and a key count (never counted as
    /// 0); the keys deleted so far stay deleted.
    pub async fn purge(&self) -> matchforge_core::Result<u64> {
        let mut cursor = "0".to_owned();
        let mut deleted = 0;
        loop {
            let reply = self
                .conn
                .script(
                    "purge",
                    Retry::Safe,
                    &SCRIPTS.purge,
                    &self.keys.events(),
                    |_| vec![cursor.clone(), self.keys.pattern()],
                    &[],
                )
                .await?;
            let (next, count) = purge_step(reply)?;
            deleted += count;
            if next == "0" {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    /// Runs a writing script: KEYS[1] is the event stream, the arguments
    /// start with the prefix, MAXLEN and the replay flag, then `body`.
    async fn write(
        &self,
        what: &'static str,
        retry: Retry,
        script: &redis::Script,
        body: &[String],
    ) -> matchforge_core::Result<redis::Value> {
        self.conn
            .script(
                what,
                retry,
                script,
                &self.keys.events(),
                |replay| self.script_head(replay),
                body,
            )
            .await
    }

    /// Runs a replayable writing script over `items` in parts of at most
    /// `part` items (one script call each, pipelined: see
    /// [`Connection::script_parts`]). Returns each part's item count and
    /// reply, in order.
    async fn write_parts<T>(
        &self,
        what: &'static str,
        script: &redis::Script,
        items: &[T],
        part: usize,
        encode: impl FnMut(&[T]) -> Vec<String>,
    ) -> Vec<(usize, matchforge_core::Result<redis::Value>)> {
        let part = part.max(1);
        let replies = self
            .conn
            .script_parts(
                what,
                script,
                &self.keys.events(),
                |replay| self.script_head(replay),
                items.chunks(part).map(encode),
            )
            .await;
        items.chunks(part).map(<[T]>::len).zip(replies).collect()
    }

    /// Runs one of the multi-key reads of `read.lua`.
    async fn lookup(
        &self,
        what: &'static str,
        args: &[String],
    ) -> matchforge_core::Result<redis::Value> {
        self.conn
            .script(
                what,
                Retry::Safe,
                &SCRIPTS.read,
                &self.keys.events(),
                |_| vec![self.keys.prefix().to_owned(), what.to_owned()],
                args,
            )
            .await
    }

    /// Arguments every writing script starts with: prefix, MAXLEN (empty
    /// when unset; at most `i64::MAX`, the most `XADD` takes), replay.
    fn script_head(&self, replay: bool) -> Vec<String> {
        let max_len = self.config.event_log_max_len();
        vec![
            self.keys.prefix().to_owned(),
            max_len.map_or_else(String::new, |n| n.min(i64::MAX.unsigned_abs()).to_string()),
            if replay { "1" } else { "0" }.to_owned(),
        ]
    }
}

/// Decodes one step of `purge.lua`: `{next cursor, keys unlinked}`.
fn purge_step(reply: redis::Value) -> matchforge_core::Result<(String, u64)> {
    let row = codec::row(reply, "purge reply")?;
    let [next, count] = <[String; 2]>::try_from(row)
        .map_err(|_| codec::corrupt("purge reply", "not {cursor, count}"))?;
    let count = count.parse::<u64>().map_err(|_| {
        codec::corrupt(
            "purge reply",
            &format!("the count of keys unlinked, {count:?}, is not a number"),
        )
    })?;
    Ok((next, count))
}

#[cfg(test)]
mod tests {
    use matchforge_core::Error;
    use redis::Value;

    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    /// A step's count is the number of keys it unlinked; a count that is not
    /// one is a fault of the backend, reported as such, never taken as 0.
    #[test]
    fn purge_steps_decode_or_fail() {
        let table = [
            (vec![bulk("0"), Value::Int(3)], Some(("0", 3))),
            (vec![bulk("1792"), bulk("0")], Some(("1792", 0))),
            (vec![bulk("0"), bulk("three")], None),
            (vec![bulk("0"), bulk("")], None),
            (vec![bulk("0"), Value::Int(-1)], None),
            (vec![bulk("0"), bulk("2.5")], None),
            (vec![bulk("0")], None),
        ];
        for (row, want) in table {
            let got = purge_step(Value::Array(row.clone()));
            match (got, want) {
                (Ok((next, count)), Some((want_next, want_count))) => {
                    assert_eq!((next.as_str(), count), (want_next, want_count), "{row:?}");
                }
                (
                    Err(Error::Backend {
                        backend, message, ..
                    }),
                    None,
                ) => {
                    assert_eq!(backend, BACKEND, "{row:?}");
                    assert!(message.contains("purge reply"), "{row:?}: {message}");
                }
                (got, want) => panic!("{row:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
