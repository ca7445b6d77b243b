//! The conformance suite: what every storage adapter must do.
//!
//! Each check is a plain `pub async fn` that takes a store as `Arc<S>` (`S`
//! may be `dyn Store`), drives it through a scenario, and panics with a message
//! naming the check and the broken rule if the store breaks the contract of
//! [`matchforge_core::ports`]. Every check takes an `Arc` (the ones that race
//! tasks need to share the store, and one signature for all keeps the suite
//! uniform).
//!
//! Checks create their own ids, queue and ladder names (random per check), so
//! they can run side by side on one store; they only look at what they created.
//! The [`conformance_tests!`](crate::conformance_tests) macro turns the whole
//! list into one test per check, each on a fresh store.
//!
//! | port | checks |
//! |---|---|
//! | tickets | [`enqueue_and_lookup`], [`enqueue_rejects_waiting_players`], [`enqueue_rejects_taken_ticket_id`], [`enqueue_rejects_players_in_lobby`], [`enqueue_rejects_players_on_cooldown`], [`enqueue_rejects_any_busy_party_member`], [`enqueue_judges_a_reused_id_by_where_it_is`], [`cancel_withdraws_waiting_tickets`], [`tickets_are_oldest_first`], [`expire_removes_waiting_tickets`] |
//! | commit | [`commit_claims_every_ticket`], [`commit_is_all_or_nothing`], [`commit_rejects_duplicate_lobby`], [`commit_indexes_open_ready_checks`], [`commit_refuses_finished_lobbies`], [`concurrent_commits_claim_each_ticket_once`] |
//! | batches | [`enqueue_many_is_per_ticket`], [`commit_many_is_per_lobby`], [`enqueue_many_logs_each_queued_ticket`], [`commit_many_logs_each_committed_lobby`], [`enqueue_many_decides_like_enqueue`], [`commit_many_refuses_taken_lobby_ids`] |
//! | lobbies | [`requeue_keeps_enqueue_time`], [`update_lobby_checks_version`], [`update_lobby_rejects_foreign_tickets`], [`update_lobby_requeue_refuses_taken_ticket_id`], [`update_lobby_compares_ratings`], [`update_lobby_compares_repeated_players`], [`update_lobby_records_match_once`], [`update_lobby_rejects_foreign_record`], [`cooldowns_keep_the_later_end`], [`lobbies_due_by_deadline`] |
//! | ratings, parties, history | [`ratings_per_ladder`], [`put_ratings_keeps_the_last_repeat`], [`parties_are_versioned`], [`party_membership_is_unique`], [`history_by_player_and_time`] |
//! | events | [`events_follow_operations_in_order`], [`events_after_resumes_at_cursor`], [`concurrent_writers_lose_no_events`], [`readers_following_writers_miss_nothing`] |
//! | times | [`times_compare_to_the_nanosecond`] |
//! | all | [`failed_operations_change_nothing`] |
//!
//! Running one check by hand:
//!
//! ```
//! use std::sync::Arc;
//! use matchforge_core::ports::DynStore;
//! use matchforge_memory::MemoryStore;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let store: Arc<DynStore> = Arc::new(MemoryStore::new());
//! matchforge_testkit::conformance::commit_is_all_or_nothing(store.clone()).await;
//! matchforge_testkit::conformance::tickets_are_oldest_first(store).await;
//! # }
//! ```

mod batches;
mod commit;
mod events;
mod failures;
mod fixtures;
mod lobbies;
mod outcomes;
mod precision;
mod race;
mod records;
mod snapshot;
mod tickets;

pub use batches::{
    commit_many_is_per_lobby, commit_many_logs_each_committed_lobby,
    commit_many_refuses_taken_lobby_ids, enqueue_many_decides_like_enqueue,
    enqueue_many_is_per_ticket, enqueue_many_logs_each_queued_ticket,
};
pub use commit::{
    commit_claims_every_ticket, commit_indexes_open_ready_checks, commit_is_all_or_nothing,
    commit_refuses_finished_lobbies, commit_rejects_duplicate_lobby,
};
pub use events::{
    concurrent_writers_lose_no_events, events_after_resumes_at_cursor,
    events_follow_operations_in_order, readers_following_writers_miss_nothing,
};
pub use failures::failed_operations_change_nothing;
pub use lobbies::{
    lobbies_due_by_deadline, requeue_keeps_enqueue_time, update_lobby_checks_version,
    update_lobby_rejects_foreign_tickets, update_lobby_requeue_refuses_taken_ticket_id,
};
pub use outcomes::{
    cooldowns_keep_the_later_end, update_lobby_compares_ratings,
    update_lobby_compares_repeated_players, update_lobby_records_match_once,
    update_lobby_rejects_foreign_record,
};
pub use precision::times_compare_to_the_nanosecond;
pub use race::concurrent_commits_claim_each_ticket_once;
pub use records::{
    history_by_player_and_time, parties_are_versioned, party_membership_is_unique,
    put_ratings_keeps_the_last_repeat, ratings_per_ladder,
};
pub use tickets::{
    cancel_withdraws_waiting_tickets, enqueue_and_lookup,
    enqueue_judges_a_reused_id_by_where_it_is, enqueue_rejects_any_busy_party_member,
    enqueue_rejects_players_in_lobby, enqueue_rejects_players_on_cooldown,
    enqueue_rejects_taken_ticket_id, enqueue_rejects_waiting_players,
    expire_removes_waiting_tickets, tickets_are_oldest_first,
};
