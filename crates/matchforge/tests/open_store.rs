//! `open_store`: which URLs it takes, and that no error shows a password.

use matchforge::Error;
use matchforge::open_store;

/// The error, its sources and its `Debug` form, as a log would show them.
fn shown(error: &Error) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push_str(&format!(" {e} {e:?}"));
        source = e.source();
    }
    text
}

async fn refused(url: &str, namespace: Option<&str>) -> Error {
    match open_store(url, namespace).await {
        Ok(_) => panic!("{url:?} (namespace {namespace:?}) was accepted"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn no_error_shows_a_password() {
    for url in [
        "ftp://me:hunter2@files.example/x",
        "mysql://me:hunter2@127.0.0.1:1/x",
        "redis://:hunter2@127.0.0.1:1",
        "redis://me:hunter2@127.0.0.1:1/0",
        "postgres://me:hunter2@127.0.0.1:1/test",
        "postgresql://me@127.0.0.1:1/test?password=hunter2",
        // Not URLs at all: a libpq keyword DSN, one slash for two.
        "host=db.internal user=game password=hunter2 dbname=matchforge",
        "postgres:/game:hunter2@db.internal/matchforge",
        "redis:/:hunter2@cache.internal:6379",
        "hunter2",
    ] {
        let error = refused(url, None).await;
        let text = shown(&error);
        assert!(!text.contains("hunter2"), "{url}: {text}");
    }
}

#[tokio::test]
async fn malformed_urls_and_namespaces_are_invalid_config() {
    for (url, namespace) in [
        ("memory://somewhere", None),
        ("redis", None),
        ("postgres", None),
        ("Memory", None),
        ("redis://127.0.0.1:1", Some("bad namespace")),
        ("postgres://postgres@127.0.0.1:1/test", Some("Bad-Schema")),
    ] {
        let error = refused(url, namespace).await;
        assert!(
            matches!(error, Error::InvalidConfig(_)),
            "{url:?} {namespace:?}: {error:?}"
        );
    }
}
