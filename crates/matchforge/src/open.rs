//! Opening a store from a URL.

use std::sync::Arc;

use matchforge_core::error::{Error, Result};
use matchforge_core::ports::DynStore;

/// Opens the store a URL names, as command-line tools and config files do:
///
/// | URL | store | `namespace` |
/// |---|---|---|
/// | `memory` | a new in-memory store (feature `memory`) | unused |
/// | `redis://host:port[/db]`, `redis+unix:///path` (`rediss://` needs TLS, which this build leaves out) | [`RedisStore`](crate::redis::RedisStore) (feature `redis`) | the key namespace (default `matchforge`) |
/// | `postgres://user@host:port/db` | [`PgStore`](crate::postgres::PgStore), migrated (feature `postgres`) | the schema (default `matchforge`) |
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> matchforge::Result<()> {
/// let store = matchforge::open_store("memory", None).await?;
/// assert!(matchforge::open_store("ftp://nowhere", None).await.is_err());
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
///
/// The URL is matched as written: `memory` alone (not `memory://...`), a
/// scheme followed by `://` otherwise. No error shows the URL's password:
/// an unknown URL is named by its scheme only (if it has a plain one; a
/// string that is no URL, such as a `key=value` DSN, is not shown at all).
///
/// # Errors
/// [`Error::InvalidConfig`] for a URL of an unknown kind or of a store whose
/// feature is off, or a namespace the store refuses; [`Error::Backend`] if
/// the store cannot be reached (or, for Redis, its URL does not parse).
pub async fn open_store(url: &str, namespace: Option<&str>) -> Result<Arc<DynStore>> {
    let namespace = namespace.unwrap_or("matchforge");
    if url == "memory" {
        return memory();
    }
    // Only a plain scheme is ever shown: the rest may hold a password, and
    // so may a string that is no URL at all (a `key=value` DSN, a scheme
    // with one slash).
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    let unknown = |kind: String| {
        Err(Error::InvalidConfig(format!(
            "unknown kind of store URL ({kind}): use memory, redis://... or postgres://..."
        )))
    };
    let Some((scheme, _)) = url.split_once("://") else {
        // A store's name alone (`redis`, `Memory`) is safe to show; any
        // other word may be a password given in the wrong place.
        let known = ["memory", "redis", "rediss", "postgres", "postgresql"];
        if known.iter().any(|k| url.eq_ignore_ascii_case(k)) {
            return Err(Error::InvalidConfig(format!(
                "unknown store {url:?}: use memory, redis://... or postgres://..."
            )));
        }
        return unknown(match url.split_once(':') {
            Some((scheme, _)) if plain(scheme) => format!("{scheme:?}, without `://`"),
            _ => "given".to_owned(),
        });
    };
    match scheme {
        "redis" | "rediss" | "redis+unix" => redis(url, namespace).await,
        "postgres" | "postgresql" => postgres(url, namespace).await,
        _ if plain(scheme) => unknown(format!("{scheme:?}")),
        _ => unknown("given".to_owned()),
    }
}

#[cfg(feature = "memory")]
fn memory() -> Result<Arc<DynStore>> {
    Ok(Arc::new(matchforge_memory::MemoryStore::new()))
}

#[cfg(not(feature = "memory"))]
fn memory() -> Result<Arc<DynStore>> {
    Err(off("memory"))
}

#[cfg(feature = "redis")]
async fn redis(url: &str, namespace: &str) -> Result<Arc<DynStore>> {
    let store = matchforge_redis::RedisStore::connect(url, namespace)
        .await
        .map_err(|e| match e {
            matchforge_redis::Error::InvalidConfig(message) => Error::InvalidConfig(message),
            e => Error::backend(
                "redis",
                format!("opening {namespace} at the Redis URL given"),
                e,
            ),
        })?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "redis"))]
async fn redis(_: &str, _: &str) -> Result<Arc<DynStore>> {
    Err(off("redis"))
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str, namespace: &str) -> Result<Arc<DynStore>> {
    let options = matchforge_postgres::PgOptions::new(url).with_schema(namespace);
    let store = matchforge_postgres::PgStore::connect_with(options)
        .await
        .map_err(|e| match e {
            matchforge_postgres::Error::InvalidOptions(message) => Error::InvalidConfig(message),
            e => Error::backend("postgres", format!("opening schema {namespace}"), e),
        })?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &str, _: &str) -> Result<Arc<DynStore>> {
    Err(off("postgres"))
}

#[cfg(not(all(feature = "memory", feature = "redis", feature = "postgres")))]
fn off(feature: &str) -> Error {
    Error::InvalidConfig(format!(
        "this build has no {feature} store: enable the `{feature}` feature of matchforge"
    ))
}
