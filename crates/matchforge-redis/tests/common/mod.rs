//! What the Redis tests share: the service switch and fresh namespaces.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]
#![allow(
    clippy::print_stderr,
    reason = "a skipped test says why on stderr, where the harness shows it"
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use matchforge_redis::RedisStore;

/// The Redis URL from `MATCHFORGE_REDIS_URL`. Without it the test is skipped
/// (`None`, after saying so), unless `MATCHFORGE_REQUIRE_SERVICES=1` (CI),
/// which makes a missing Redis a failure.
pub(crate) fn redis_url() -> Option<String> {
    match std::env::var("MATCHFORGE_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref() == Ok("1") => panic!(
            "MATCHFORGE_REQUIRE_SERVICES=1 but MATCHFORGE_REDIS_URL is not set: start Redis \
             and set it, e.g. MATCHFORGE_REDIS_URL=redis://127.0.0.1:6379"
        ),
        _ => {
            eprintln!("skipped: MATCHFORGE_REDIS_URL is not set");
            None
        }
    }
}

/// A namespace no other test (in this process or another) uses.
pub(crate) fn fresh_namespace() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "test:{nanos:x}.{:x}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store on a fresh namespace, or `None` when Redis is not configured.
pub(crate) async fn store() -> Option<RedisStore> {
    let url = redis_url()?;
    let namespace = fresh_namespace();
    Some(
        RedisStore::connect(&url, &namespace)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
    )
}
