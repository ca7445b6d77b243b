//! What every test of the adapter starts from: the server's URL (or a polite
//! skip), and a store in a schema of its own.

#![allow(
    dead_code,
    reason = "each test binary uses the part of the helpers it needs"
)]

use matchforge_postgres::{PgOptions, PgStore, URL_VAR};

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
