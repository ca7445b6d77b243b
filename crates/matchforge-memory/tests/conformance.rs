//! The whole conformance suite against [`MemoryStore`]: one test per check,
//! each on a fresh store.

use matchforge_memory::MemoryStore;

matchforge_testkit::conformance_tests!(async { Some(MemoryStore::new()) });
