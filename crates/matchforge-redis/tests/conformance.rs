//! The whole conformance suite against [`RedisStore`] on the Redis of
//! `MATCHFORGE_REDIS_URL`: one test per check, each in its own namespace, so
//! they run in parallel (skipped when the variable is unset).

mod common;

matchforge_testkit::conformance_tests!(async { common::store().await });

/// The suite again with batches sent in parts of two items, so every batch
/// check crosses parts: a later part must see what the earlier ones did.
mod in_parts_of_two {
    use super::common;

    matchforge_testkit::conformance_tests!(async {
        common::store_with(|config| config.with_batch_part(2)).await
    });
}
