//! [`PgStore`]: the pool, the schema, migrations, and the transaction runner
//! every writing port method goes through.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, PgPool};

use crate::error::{Error, Result, TxError, backend, tx_error};
use crate::options::PgOptions;
use crate::retry::{MAX_ATTEMPTS, backoff, jitter};

/// The embedded migrations (`crates/matchforge-postgres/migrations`).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Creates `schema` if missing and runs the migrations over `pool`.
async fn migrate_on(pool: &PgPool, schema: &str) -> Result<()> {
    // Only a missing schema is created: `CREATE SCHEMA IF NOT EXISTS` needs
    // the database's CREATE privilege even when the schema exists, which a
    // role given a schema of its own by a DBA does not have.
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(pool)
            .await
            .map_err(|source| Error::Database {
                what: "look the schema up",
                source,
            })?;
    if !exists {
        let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
        if let Err(e) = pool.execute(AssertSqlSafe(create)).await {
            // Two instances creating it at once: the loser sees a duplicate.
            let duplicate = matches!(&e, sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("23505" | "42P06")));
            if !duplicate {
                return Err(Error::Database {
                    what: "create the schema",
                    source: e,
                });
            }
        }
    }
    MIGRATOR.run(pool).await.map_err(|source| Error::Migrate {
        schema: schema.to_owned(),
        source,
    })
}

/// A transaction body: reads, checks, writes, on the connection it is given.
pub(crate) type TxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TxError>> + Send + 'a>>;

/// Every port on PostgreSQL: see the [crate docs](crate) for the design.
///
/// Cheap to clone (clones share one pool); `Send + Sync`, so the runner holds
/// it as `Arc<DynStore>`.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) shared: Arc<Shared>,
}

/// What the clones of a store share.
pub(crate) struct Shared {
    pub(crate) pool: PgPool,
    pub(crate) connect: PgConnectOptions,
    pub(crate) schema: String,
    /// The channel appends notify, if they do.
    pub(crate) notify: Option<String>,
    pub(crate) channel: String,
    ephemeral: bool,
}

impl std::fmt::Debug for Shared {
    /// Leaves the connect options (and their password) out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("schema", &self.schema)
            .field("pool", &self.pool)
            .field("notify", &self.notify)
            .field("ephemeral", &self.ephemeral)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` with the default [`PgOptions`] (schema `matchforge`,
    /// migrations run on connect).
    ///
    /// # Errors
    /// [`Error::Connect`] if the URL is bad or the server unreachable (its
    /// source says why: refused, unknown host, authentication, no answer
    /// within the acquire timeout);
    /// [`Error::Migrate`] if the migrations fail.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(PgOptions::new(url)).await
    }

    /// Connects with `options`: opens the pool (every connection's
    /// `search_path` is the store's schema), then runs the migrations or, if
    /// they are off, checks that the schema is migrated
    /// ([`check_migrated`](Self::check_migrated)).
    ///
    /// # Errors
    /// [`Error::InvalidOptions`], [`Error::Connect`], [`Error::Migrate`]
    /// (also when an applied migration was edited since), or, when
    /// migrations are off, [`Error::NotMigrated`] if the schema lags and
    /// [`Error::MigrationChanged`] if an applied migration was edited since.
    pub async fn connect_with(options: PgOptions) -> Result<Self> {
        options.validate()?;
        let schema = options.schema().to_owned();
        let mut connect = PgConnectOptions::from_str(options.url())
            .map_err(Error::Connect)?
            .options([("search_path", schema.as_str())]);
        if connect.get_application_name().is_none() {
            connect = connect.application_name("matchforge");
        }
        // The pool retries a connect that fails on the network (refused,
        // unreachable) until its acquire timeout and then reports only that
        // it timed out. One direct attempt first reports why instead.
        let probe = tokio::time::timeout(
            options.acquire_timeout(),
            PgConnection::connect_with(&connect),
        )
        .await;
        match probe {
            Ok(Ok(conn)) => {
                // Closing is a courtesy to the server; the attempt succeeded.
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(Error::Connect(e)),
            // No answer: say so now rather than let the pool wait as long
            // again to report a timeout.
            Err(_elapsed) => {
                let silent = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no answer from the server within the acquire timeout ({:?})",
                        options.acquire_timeout()
                    ),
                );
                return Err(Error::Connect(sqlx::Error::Io(silent)));
            }
        }
        // The probe proved the server reachable with these options: the pool
        // opens its connections as they are needed, instead of connecting a
        // second time here.
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections())
            .acquire_timeout(options.acquire_timeout())
            .connect_lazy_with(connect.clone());
        let channel = format!("mf_events:{schema}");
        let store = PgStore {
            shared: Arc::new(Shared {
                pool,
                connect,
                notify: options.notifies().then(|| channel.clone()),
                channel,
                schema,
                ephemeral: options.is_ephemeral(),
            }),
        };
        if options.migrates() {
            store.migrate().await?;
        } else {
            store.check_migrated().await?;
        }
        tracing::debug!(schema = %store.schema(), "postgres store ready");
        Ok(store)
    }

    /// Creates the schema if it is missing and runs the embedded migrations
    /// that have not run yet (recorded in the schema's `_sqlx_migrations`).
    /// Safe to call from many instances at once: the migrator holds an
    /// advisory lock while it works.
    ///
    /// # Errors
    /// [`Error::Migrate`] or [`Error::Database`].
    pub async fn migrate(&self) -> Result<()> {
        let schema = &self.shared.schema;
        // A pool of one connection of its own, closed afterwards, so a failed
        // migration cannot leave the migrator's advisory lock on a pooled
        // connection (and a pool, unlike `&mut PgConnection`, keeps this
        // future `Send` for any caller).
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(self.shared.connect.clone())
            .await
            .map_err(Error::Connect)?;
        let result = migrate_on(&pool, schema).await;
        pool.close().await;
        result
    }

    /// Checks that every embedded migration has run in the store's schema,
    /// and is the one that ran: the checksum `_sqlx_migrations` recorded for
    /// it must be the embedded migration's.
    ///
    /// # Errors
    /// [`Error::MigrationChanged`] naming the first migration whose recorded
    /// checksum differs (checked first: migrating cannot fix it);
    /// [`Error::NotMigrated`] naming what is missing; [`Error::Database`].
    pub async fn check_migrated(&self) -> Result<()> {
        let schema = &self.shared.schema;
        let applied: Vec<(i64, Vec<u8>)> = match sqlx::query_as(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.shared.pool)
        .await
        {
            Ok(v) => v,
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P01") => {
                return Err(Error::NotMigrated {
                    schema: schema.clone(),
                    detail: "no migration has run".into(),
                });
            }
            Err(source) => {
                return Err(Error::Database {
                    what: "read the applied migrations",
                    source,
                });
            }
        };
        let recorded = |version: i64| {
            applied
                .iter()
                .find(|(v, _)| *v == version)
                .map(|(_, checksum)| checksum.as_slice())
        };
        let up = || {
            MIGRATOR
                .iter()
                .filter(|m| m.migration_type.is_up_migration())
        };
        if let Some(changed) = up()
            .find(|m| recorded(m.version).is_some_and(|checksum| checksum != m.checksum.as_ref()))
        {
            return Err(Error::MigrationChanged {
                schema: schema.clone(),
                version: changed.version,
                description: changed.description.to_string(),
            });
        }
        let missing: Vec<String> = up()
            .filter(|m| recorded(m.version).is_none())
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::NotMigrated {
                schema: schema.clone(),
                detail: format!("missing: {}", missing.join(", ")),
            })
        }
    }

    /// The embedded migrations, to run them with your own tooling
    /// (`migrator().run(&mut conn)` on a connection whose `search_path` is the
    /// schema).
    #[must_use]
    pub fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    /// The schema the store's tables live in.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.shared.schema
    }

    /// The connection pool (each connection's `search_path` is the schema),
    /// for queries of your own over the store's tables.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.shared.pool
    }

    /// Runs `body` in a transaction, again from the start if it or its commit
    /// lost a race, and commits it if it succeeds. A failed body is rolled
    /// back, so a failed call leaves nothing behind.
    ///
    /// A call makes at most [`MAX_ATTEMPTS`] attempts. Before each new one it
    /// waits a short random pause whose range doubles with each attempt
    /// (1–2 ms before the second, at most 32 ms; see [`crate::retry`]), so
    /// that the losers of a race do not meet again at once.
    pub(crate) async fn transaction<A, T>(
        &self,
        op: &'static str,
        args: &A,
        body: for<'c> fn(&'c mut PgConnection, &'c A, &'c Shared) -> TxFuture<'c, T>,
    ) -> matchforge_core::Result<T>
    where
        A: Sync + ?Sized,
    {
        let mut attempt = 1;
        loop {
            // READ COMMITTED whatever the database's default: the bodies are
            // written for it (row locks; a retry only on a lost key), and
            // under a SERIALIZABLE default every writer's update of the event
            // counter conflicts with every other's.
            let mut tx = self
                .shared
                .pool
                .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
                .await
                .map_err(|e| backend(op, e))?;
            let outcome = match body(&mut tx, args, &self.shared).await {
                // A race can also surface at COMMIT (a deferred unique check
                // or trigger); the server has rolled the transaction back
                // then, as for a statement.
                Ok(value) => tx.commit().await.map(|()| value).map_err(tx_error(op)),
                Err(e) => {
                    // Rolled back on drop (the pool sends the ROLLBACK as
                    // the connection returns), so no pause below holds a
                    // connection or a transaction.
                    drop(tx);
                    Err(e)
                }
            };
            match outcome {
                Ok(value) => return Ok(value),
                Err(TxError::Fail(e)) => return Err(e),
                Err(TxError::Retry(e)) if attempt >= MAX_ATTEMPTS => return Err(backend(op, e)),
                Err(TxError::Retry(e)) => {
                    let pause = backoff(attempt, jitter());
                    tracing::debug!(op, attempt, ?pause, error = %e, "transaction lost a race; retrying");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
            }
        }
    }
}

impl Drop for Shared {
    /// Drops an ephemeral schema, on a thread of its own (a drop cannot
    /// await), waiting at most ten seconds for locks.
    fn drop(&mut self) {
        if !self.ephemeral {
            return;
        }
        let connect = self.connect.clone();
        let schema = self.schema.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect_with(&connect)
                    .await
                    .map_err(|e| e.to_string())?;
                let sql =
                    format!("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                let result = conn.execute(AssertSqlSafe(sql)).await;
                conn.close().await.ok();
                result.map(drop).map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => tracing::debug!(schema = %self.schema, "ephemeral schema dropped"),
            Ok(Err(error)) => {
                tracing::warn!(schema = %self.schema, %error, "could not drop the ephemeral schema");
            }
            Err(_) => {
                tracing::warn!(schema = %self.schema, "dropping the ephemeral schema panicked")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spawnable<T: Send + 'static>(_: T) {}

    /// The futures of the set-up can be spawned (their sqlx calls keep them `Send`).
    #[test]
    fn setup_futures_are_send() {
        spawnable(PgStore::connect_with(PgOptions::new(
            "postgres://localhost/x",
        )));
        spawnable(async {
            let store = PgStore::connect("postgres://localhost/x").await?;
            store.migrate().await?;
            store.check_migrated().await?;
            store
                .listen()
                .await
                .map_err(|e| Error::InvalidOptions(e.to_string()))?;
            Ok::<_, Error>(())
        });
    }
}
