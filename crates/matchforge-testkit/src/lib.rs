//! # matchforge-testkit
//!
//! Two things every part of MatchForge tests with:
//!
//! * [`conformance`]: the suite every storage adapter must pass. A new
//!   adapter is done when [`conformance_tests!`] is green against it.
//! * [`population`]: seeded synthetic players and tickets for tests, benches
//!   and the simulator, the same for the same seed.
//!
//! Adapters run the suite from an integration test:
//!
//! ```
//! // tests/conformance.rs of an adapter crate
//! use matchforge_memory::MemoryStore;
//!
//! matchforge_testkit::conformance_tests!(async { Some(MemoryStore::new()) });
//! # fn main() {}
//! ```

pub mod conformance;
pub mod population;

/// Expands to one `#[test]` per [`conformance`] check, each on its own store.
///
/// The argument is an expression evaluated afresh in every test that gives a
/// future of `Option<S>`, where `S` implements
/// [`Store`](matchforge_core::ports::Store) (`Box<dyn Store>` and
/// `Arc<dyn Store>` do not; name the concrete type). `None` skips the test: it
/// prints `skipped: <check>: ...` on stderr and passes. That is how an adapter
/// that needs a service (Redis, Postgres) skips politely when none is
/// configured — its factory should print why (for instance "set
/// MATCHFORGE_REDIS_URL") before returning `None` — and how the factory gives
/// each test its own key prefix or schema, so the tests run in parallel.
///
/// Each test runs on its own multi-threaded tokio runtime (four workers), so
/// the checks that race tasks really run them in parallel; the calling crate
/// needs no tokio dependency of its own. Use the macro once per module (the
/// test names are the check names).
///
/// ```
/// use matchforge_memory::MemoryStore;
///
/// mod memory {
///     use super::MemoryStore;
///     matchforge_testkit::conformance_tests!(async { Some(MemoryStore::new()) });
/// }
///
/// mod skipped {
///     use super::MemoryStore;
///     matchforge_testkit::conformance_tests!(async {
///         // A service-backed adapter would read its URL here.
///         let url: Option<String> = None;
///         url.map(|_| MemoryStore::new())
///     });
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr $(,)?) => {
        $crate::conformance_tests!(@each $factory;
            enqueue_and_lookup,
            enqueue_rejects_waiting_players,
            enqueue_rejects_taken_ticket_id,
            enqueue_rejects_players_in_lobby,
            enqueue_rejects_players_on_cooldown,
            enqueue_rejects_any_busy_party_member,
            enqueue_judges_a_reused_id_by_where_it_is,
            cancel_withdraws_waiting_tickets,
            tickets_are_oldest_first,
            expire_removes_waiting_tickets,
            commit_claims_every_ticket,
            commit_is_all_or_nothing,
            commit_rejects_duplicate_lobby,
            commit_indexes_open_ready_checks,
            commit_refuses_finished_lobbies,
            concurrent_commits_claim_each_ticket_once,
            enqueue_many_is_per_ticket,
            commit_many_is_per_lobby,
            enqueue_many_logs_each_queued_ticket,
            commit_many_logs_each_committed_lobby,
            enqueue_many_decides_like_enqueue,
            commit_many_refuses_taken_lobby_ids,
            requeue_keeps_enqueue_time,
            update_lobby_checks_version,
            update_lobby_rejects_foreign_tickets,
            update_lobby_requeue_refuses_taken_ticket_id,
            update_lobby_compares_ratings,
            update_lobby_compares_repeated_players,
            update_lobby_records_match_once,
            update_lobby_rejects_foreign_record,
            cooldowns_keep_the_later_end,
            lobbies_due_by_deadline,
            ratings_per_ladder,
            put_ratings_keeps_the_last_repeat,
            parties_are_versioned,
            party_membership_is_unique,
            history_by_player_and_time,
            events_follow_operations_in_order,
            events_after_resumes_at_cursor,
            concurrent_writers_lose_no_events,
            readers_following_writers_miss_nothing,
            times_compare_to_the_nanosecond,
            failed_operations_change_nothing,
        );
    };
    (@each $factory:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::__private::run(stringify!($check), $factory, $crate::conformance::$check);
            }
        )*
    };
}

/// Support for [`conformance_tests!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::sync::Arc;

    use matchforge_core::ports::Store;

    /// Builds a multi-threaded runtime, makes the store and runs one check on it.
    #[allow(
        clippy::print_stderr,
        reason = "a skipped test says why on stderr, where the harness shows it"
    )]
    pub fn run<S, F, C, Fut>(check_name: &str, factory: F, check: C)
    where
        S: Store + 'static,
        F: Future<Output = Option<S>>,
        C: FnOnce(Arc<S>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("a tokio runtime for the conformance check");
        runtime.block_on(async {
            match factory.await {
                Some(store) => check(Arc::new(store)).await,
                None => eprintln!("skipped: {check_name}: the store factory returned None"),
            }
        });
    }
}
