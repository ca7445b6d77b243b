//! What the facade's store-spanning tests share: the start of their
//! simulated time, the services they run against, and names and clean-up of
//! their own namespaces and schemas on the shared servers.
#![allow(clippy::print_stderr, reason = "a skipped test says why on stderr")]

use chrono::{DateTime, TimeZone, Utc};

/// When the tests' simulated clocks start.
pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap()
}

/// The URL in `var`, or `None` (the test then says it skipped), unless
/// `MATCHFORGE_REQUIRE_SERVICES=1` makes a missing service a failure.
pub(crate) fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("MATCHFORGE_REQUIRE_SERVICES=1 but {var} is not set")
        }
        _ => {
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

/// A name no other test uses: `prefix` and a random UUID.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Removes every key of Redis namespace `namespace` (the test's own).
pub(crate) async fn purge_redis(url: &str, namespace: &str) {
    let store = matchforge::redis::RedisStore::connect(url, namespace)
        .await
        .unwrap();
    store.purge().await.unwrap();
}

/// Drops Postgres schema `schema` (the test's own, named by [`unique`]:
/// letters, digits and `_`, not user input).
pub(crate) async fn drop_schema(url: &str, schema: &str) {
    let store = matchforge::postgres::PgStore::connect_with(
        matchforge::postgres::PgOptions::new(url).with_schema(schema),
    )
    .await
    .unwrap();
    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(store.pool())
        .await
        .unwrap();
}

/// Fails the test as the scenario run in its own task did, if it failed
/// (call it after removing the test's namespace or schema, so a failing run
/// leaves nothing behind on the shared server).
pub(crate) fn rethrow(run: Result<(), tokio::task::JoinError>) {
    if let Err(e) = run {
        std::panic::resume_unwind(e.into_panic());
    }
}
