//! The whole conformance suite on a Redis Cluster node
//! (`MATCHFORGE_REDIS_CLUSTER_URL`; skipped when unset). In cluster mode Redis
//! refuses a script that touches keys of two slots ("Script attempted to
//! access keys that do not hash to the same slot"), so this proves that every
//! script keeps to its namespace's slot. A single node owning every slot is
//! enough (see docs/adapters/redis.md, "Redis Cluster").

mod common;

matchforge_testkit::conformance_tests!(async { common::cluster_store().await });
