//! The whole conformance suite against [`RedisStore`] on the Redis of
//! `MATCHFORGE_REDIS_URL`: one test per check, each in its own namespace, so
//! they run in parallel (skipped when the variable is unset).

mod common;

matchforge_testkit::conformance_tests!(async { common::store().await });
