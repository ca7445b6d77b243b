//! The whole conformance suite against PostgreSQL, each check in a schema of
//! its own (dropped when the check ends), so they run in parallel.

mod common;

matchforge_testkit::conformance_tests!(common::store());
