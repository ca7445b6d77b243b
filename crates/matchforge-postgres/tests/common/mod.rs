//! What every test of the adapter starts from: the server's URL (or a polite
//! skip), a store in a schema of its own, and checks over the raw tables.

#![allow(
    dead_code,
    reason = "each test binary uses the part of the helpers it needs"
)]

pub(crate) mod fixtures;

use std::sync::atomic::{AtomicU64, Ordering};

use matchforge_postgres::{PgOptions, PgStore, URL_VAR};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// Connections per test store: 28+ tests may run at once against a server
/// that accepts 100 connections, shared with other test runs.
pub(crate) const CONNECTIONS: u32 = 4;

/// The server's URL from `MATCHFORGE_POSTGRES_URL`. When it is unset, prints
/// why the test skips and returns `None` — unless
/// `MATCHFORGE_REQUIRE_SERVICES=1`, when a missing server fails the test.
#[allow(
    clippy::print_stderr,
    reason = "a skipped test says why on stderr, where the harness shows it"
)]
pub(crate) fn url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{URL_VAR} is not set, but MATCHFORGE_REQUIRE_SERVICES=1 requires PostgreSQL")
        }
        _ => {
            eprintln!("skipped: {URL_VAR} is not set");
            None
        }
    }
}

/// Options for a store in a new schema of its own, dropped with the store.
pub(crate) fn options(url: &str) -> PgOptions {
    PgOptions::new(url)
        .with_ephemeral_schema()
        .with_max_connections(CONNECTIONS)
}

/// A migrated store in a new schema of its own, or `None` (skipped).
pub(crate) async fn store() -> Option<PgStore> {
    let url = url()?;
    match PgStore::connect_with(options(&url)).await {
        Ok(store) => Some(store),
        Err(e) => panic!("cannot open a store on {url}: {e:?}"),
    }
}

/// A name no other test (in this run or another) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}{}_{nanos}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with `application_name` set, to find the store's connections in
/// `pg_stat_activity`.
pub(crate) fn with_app_name(url: &str, name: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}application_name={name}")
}

/// A connection of the test's own whose `search_path` is `schema`.
pub(crate) async fn raw(url: &str, schema: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url).await.expect("a raw connection");
    conn.execute(AssertSqlSafe(format!("SET search_path TO {schema}")))
        .await
        .expect("set the search path");
    conn
}

/// Drops a schema the test created (and only that) when it goes out of scope,
/// even if the test panics.
pub(crate) struct DropSchema {
    pub(crate) url: String,
    pub(crate) schema: String,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        execute_detached(
            &self.url,
            format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
        );
    }
}

/// Runs `sql` on a connection of its own, on a thread and runtime of its own
/// (so it also works from `Drop` inside a test's runtime), ignoring failures:
/// the clean-up of objects a test created.
pub(crate) fn execute_detached(url: &str, sql: String) {
    let url = url.to_owned();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            if let Ok(mut conn) = PgConnection::connect(&url).await {
                let _ = conn.execute(AssertSqlSafe(sql)).await;
            }
        });
    })
    .join();
}

/// Checks the tables agree with each other: every busy player points at a
/// waiting ticket that holds them or an unfinished lobby that seats them,
/// every waiting ticket's players are busy on it, and the event sequence is
/// 1..=n without a gap. Returns the number of events.
pub(crate) async fn assert_consistent(store: &PgStore) -> i64 {
    let pool = store.pool();
    let dangling: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM busy_players b \
         LEFT JOIN tickets t ON t.id = b.ticket \
         LEFT JOIN lobbies l ON l.id = b.lobby \
         WHERE (b.ticket IS NOT NULL AND t.id IS NULL) \
            OR (b.lobby IS NOT NULL AND (l.id IS NULL OR l.phase IN ('completed', 'cancelled')))",
    )
    .fetch_one(pool)
    .await
    .expect("integrity query");
    assert_eq!(
        dangling, 0,
        "busy_players rows point at no waiting ticket or unfinished lobby"
    );
    let unheld: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tickets t, json_array_elements(t.body -> 'players') p \
         WHERE NOT EXISTS (SELECT 1 FROM busy_players b \
                           WHERE b.player = (p ->> 'id')::uuid AND b.ticket = t.id)",
    )
    .fetch_one(pool)
    .await
    .expect("integrity query");
    assert_eq!(
        unheld, 0,
        "players of waiting tickets that are not busy on them"
    );
    let (count, max): (i64, Option<i64>) = sqlx::query_as("SELECT count(*), max(seq) FROM events")
        .fetch_one(pool)
        .await
        .expect("integrity query");
    assert_eq!(max.unwrap_or(0), count, "event sequence numbers have a gap");
    let last: i64 = sqlx::query_scalar("SELECT last FROM event_counter")
        .fetch_one(pool)
        .await
        .expect("integrity query");
    assert_eq!(
        last, count,
        "the event counter is not the last sequence number"
    );
    count
}
