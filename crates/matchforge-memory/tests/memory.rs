//! What is particular to the memory store: the queue slab against a model,
//! and the exact errors of the rules it enforces beyond the port's wording.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::EventCursor;
use matchforge_core::ids::{LobbyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{Lobby, MatchResult};
use matchforge_core::matcher::{MatchProposal, MatchQuality, Seat};
use matchforge_core::ports::{
    CommitOutcome, EventLog, LobbyStore, LobbyUpdate, MatchHistory, TicketStore,
};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};
use matchforge_memory::MemoryStore;
use matchforge_testkit::population::{RatingDistribution, solo_tickets};
use proptest::prelude::*;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

fn ticket(id: u128, player: u128, secs: i64) -> Ticket {
    Ticket::builder(TicketId::from_u128(id), QueueName::new("q"), at(secs))
        .player(TicketPlayer::new(
            PlayerId::from_u128(player),
            Rating::new(1500.0, 80.0, 0.06).unwrap(),
        ))
        .build(&PartyRating::Average)
        .unwrap()
}

fn lobby(id: u128, tickets: &[Ticket]) -> Lobby {
    let seats = tickets
        .iter()
        .enumerate()
        .map(|(i, t)| Seat {
            player: t.players()[0].id,
            ticket: t.id(),
            team: (i % 2) as u16,
            role: None,
        })
        .collect();
    let quality = MatchQuality {
        rating_spread: 0.0,
        team_imbalance: 0.0,
        imbalance_lower_bound: 0.0,
        win_probability: 0.5,
        longest_wait: std::time::Duration::ZERO,
    };
    let proposal = MatchProposal {
        seats,
        region: None,
        quality,
    };
    Lobby::new(
        LobbyId::from_u128(id),
        QueueName::new("q"),
        proposal,
        tickets.to_vec(),
        at(100),
    )
    .unwrap()
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Op {
    Enqueue { secs: i64 },
    Cancel { pick: usize },
    Read,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..40).prop_map(|secs| Op::Enqueue { secs }),
        3 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
        1 => Just(Op::Read),
    ]
}

proptest! {
    /// Any mix of enqueues (in any time order), cancels and reads lists the
    /// queue exactly as a sorted map of `(enqueued_at, id)` would, and every
    /// ticket is found by id and player after the slab compacts or re-sorts.
    #[test]
    fn the_queue_slab_matches_a_sorted_model(ops in prop::collection::vec(op(), 1..200)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let store = MemoryStore::new();
            let mut model: BTreeMap<(DateTime<Utc>, TicketId), Ticket> = BTreeMap::new();
            for (n, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Enqueue { secs } => {
                        let t = ticket(n as u128, n as u128, secs);
                        store.enqueue(t.clone()).await.unwrap();
                        model.insert((t.enqueued_at(), t.id()), t);
                    }
                    Op::Cancel { pick } if !model.is_empty() => {
                        let key = *model.keys().nth(pick % model.len()).unwrap();
                        let t = model.remove(&key).unwrap();
                        assert_eq!(store.cancel(t.id(), at(50)).await.unwrap(), t);
                    }
                    Op::Cancel { .. } => {}
                    Op::Read => {
                        let want: Vec<Ticket> = model.values().cloned().collect();
                        assert_eq!(store.tickets(&QueueName::new("q")).await.unwrap(), want);
                    }
                }
            }
            let want: Vec<Ticket> = model.values().cloned().collect();
            assert_eq!(store.tickets(&QueueName::new("q")).await.unwrap(), want);
            for t in model.values() {
                assert_eq!(store.ticket(t.id()).await.unwrap().as_ref(), Some(t));
                assert_eq!(store.ticket_of(t.players()[0].id).await.unwrap().as_ref(), Some(t));
            }
        });
    }
}

#[tokio::test]
async fn a_large_population_reads_back_oldest_first() {
    let store = MemoryStore::new();
    let queue = QueueName::new("big");
    let mut tickets = solo_tickets(
        &queue,
        5_000,
        1,
        at(0),
        RatingDistribution::uniform(1000.0, 2000.0).unwrap(),
    );
    tickets.reverse(); // all at one time: ordered by id
    for t in &tickets {
        store.enqueue(t.clone()).await.unwrap();
    }
    let cancelled: Vec<TicketId> = tickets.iter().step_by(3).map(Ticket::id).collect();
    for &id in &cancelled {
        store.cancel(id, at(1)).await.unwrap();
    }
    let got = store.tickets(&queue).await.unwrap();
    assert_eq!(got.len(), 5_000 - cancelled.len());
    assert!(got.windows(2).all(|w| w[0].id() < w[1].id()));
}

/// Recognises an expected error.
type Expected = fn(&Error) -> bool;

/// The exact errors of the readings this store enforces (the conformance
/// suite only asks for "an error, and nothing changed").
#[tokio::test]
async fn stricter_update_rules_name_their_error() {
    let store = MemoryStore::new();
    let t = [ticket(1, 1, 0), ticket(2, 2, 1)];
    for x in &t {
        store.enqueue(x.clone()).await.unwrap();
    }
    let forming = lobby(10, &t);
    assert_eq!(
        store.commit(&forming).await.unwrap(),
        CommitOutcome::Committed
    );

    let mut open = forming.clone();
    open.open_acceptance(at(130), at(101)).unwrap();
    let mut early = LobbyUpdate::new(open, 1);
    early.requeue = vec![t[0].clone()];
    let twice = {
        let mut cancelled = forming.clone();
        cancelled.cancel("aborted", at(101)).unwrap();
        let mut u = LobbyUpdate::new(cancelled, 1);
        u.requeue = vec![t[0].clone(), t[0].clone()];
        u
    };
    let foreign_record = {
        let mut done = forming.clone();
        done.skip_acceptance(at(101)).unwrap();
        done.dispatch("s", at(101)).unwrap();
        done.complete(MatchResult::winner(0, 2), at(102)).unwrap();
        let mut u = LobbyUpdate::new(done.clone(), 1);
        u.record = Some(matchforge_core::history::MatchRecord {
            lobby: LobbyId::from_u128(99),
            queue: QueueName::new("q"),
            ladder: "l".into(),
            teams: done.teams(),
            result: MatchResult::winner(0, 2),
            server: None,
            started_at: at(100),
            completed_at: at(102),
            rating_changes: Vec::new(),
        });
        u
    };
    let cases: [(LobbyUpdate, Expected, &str); 3] = [
        (
            early,
            |e| matches!(e, Error::InvalidTicket(_)),
            "requeue while unfinished",
        ),
        (
            twice,
            |e| matches!(e, Error::InvalidTicket(_)),
            "the same ticket requeued twice",
        ),
        (
            foreign_record,
            |e| matches!(e, Error::InvalidResult(_)),
            "another lobby's record",
        ),
    ];
    for (update, expected, why) in cases {
        let result = store.update_lobby(update).await;
        assert!(result.as_ref().is_err_and(expected), "{why}: {result:?}");
    }

    let mut cancelled = forming.clone();
    cancelled.cancel("aborted", at(103)).unwrap();
    assert_eq!(
        store
            .update_lobby(LobbyUpdate::new(cancelled, 1))
            .await
            .unwrap(),
        2
    );
    let reopen = store.update_lobby(LobbyUpdate::new(forming, 2)).await;
    assert!(
        matches!(reopen, Err(Error::IllegalTransition { .. })),
        "{reopen:?}"
    );
}

#[tokio::test]
async fn cooldowns_keep_the_later_end_and_commits_check_ticket_content() {
    let store = MemoryStore::new();
    let t = [ticket(1, 1, 0), ticket(2, 2, 1)];
    for x in &t {
        store.enqueue(x.clone()).await.unwrap();
    }
    let mut l = lobby(10, &t);
    store.commit(&l).await.unwrap();
    l.cancel("aborted", at(101)).unwrap();
    let mut u = LobbyUpdate::new(l, 1);
    u.cooldowns = vec![
        (PlayerId::from_u128(1), at(300)),
        (PlayerId::from_u128(1), at(200)),
    ];
    store.update_lobby(u).await.unwrap();
    let result = store.enqueue(ticket(3, 1, 250)).await;
    assert!(
        matches!(result, Err(Error::Cooldown { until, .. }) if until == at(300)),
        "{result:?}"
    );

    // Ticket 4 waits; a lobby holding a different ticket under id 4 finds it gone.
    store.enqueue(ticket(4, 4, 0)).await.unwrap();
    store.enqueue(ticket(5, 5, 0)).await.unwrap();
    let stale = lobby(11, &[ticket(4, 6, 0), ticket(5, 5, 0)]);
    let outcome = store.commit(&stale).await.unwrap();
    assert_eq!(
        outcome,
        CommitOutcome::Conflict {
            missing: vec![TicketId::from_u128(4)]
        }
    );
}

/// The sequence numbers (cursor minors) of `events_after(after, limit)`.
async fn sequence_numbers(
    store: &MemoryStore,
    after: Option<EventCursor>,
    limit: usize,
) -> Vec<u64> {
    store
        .events_after(after, limit)
        .await
        .unwrap()
        .iter()
        .map(|(c, _)| c.minor)
        .collect()
}

#[tokio::test]
async fn cursors_count_from_one() {
    let store = MemoryStore::new();
    for n in 1..=3 {
        store.enqueue(ticket(n, n, 0)).await.unwrap();
    }
    // (after, limit, expected sequence numbers)
    let cases: [(Option<EventCursor>, usize, Vec<u64>); 6] = [
        (None, 10, vec![1, 2, 3]),
        (None, 2, vec![1, 2]),
        (Some(EventCursor::new(0, 1)), 10, vec![2, 3]),
        (Some(EventCursor::new(0, 3)), 10, vec![]),
        (Some(EventCursor::new(0, 99)), 10, vec![]),
        (Some(EventCursor::new(1, 0)), 10, vec![]),
    ];
    for (after, limit, want) in cases {
        let got: Vec<u64> = sequence_numbers(&store, after, limit).await;
        assert_eq!(got, want, "events_after({after:?}, {limit})");
    }
}

#[tokio::test]
async fn a_limited_event_log_drops_the_oldest_and_keeps_counting() {
    let store = MemoryStore::new().with_event_log_max_len(3);
    for n in 1..=5 {
        store.enqueue(ticket(n, n, 0)).await.unwrap();
    }
    // Two tickets in one lobby: a commit appends several events at once.
    let l = lobby(10, &[ticket(1, 1, 0), ticket(2, 2, 0)]);
    store.commit(&l).await.unwrap();
    let all: Vec<u64> = sequence_numbers(&store, None, 100).await;
    let last = all.last().copied().unwrap();
    assert!(last > 6, "the commit appended events: {all:?}");
    assert_eq!(all, (last - 2..=last).collect::<Vec<_>>());
    // (after, expected sequence numbers): a reader behind the oldest event kept
    // reads on from it.
    let cases: [(Option<EventCursor>, Vec<u64>); 4] = [
        (Some(EventCursor::new(0, 1)), all.clone()),
        (Some(EventCursor::new(0, last - 3)), all.clone()),
        (Some(EventCursor::new(0, last - 1)), vec![last]),
        (Some(EventCursor::new(0, last)), vec![]),
    ];
    for (after, want) in cases {
        let got: Vec<u64> = sequence_numbers(&store, after, 100).await;
        assert_eq!(got, want, "events_after({after:?})");
    }
}

#[tokio::test]
async fn pruning_removes_only_what_finished_before_the_cut() {
    let store = MemoryStore::new();
    let t: Vec<Ticket> = (1..=4).map(|n| ticket(n, n, 0)).collect();
    for x in &t {
        store.enqueue(x.clone()).await.unwrap();
    }
    // Lobby 10 completes at 102 with a record; lobby 11 stays unfinished.
    let done = lobby(10, &t[..2]);
    store.commit(&done).await.unwrap();
    let open = lobby(11, &t[2..]);
    store.commit(&open).await.unwrap();
    let mut finished = done.clone();
    finished.skip_acceptance(at(101)).unwrap();
    finished.dispatch("s", at(101)).unwrap();
    finished
        .complete(MatchResult::winner(0, 2), at(102))
        .unwrap();
    let mut update = LobbyUpdate::new(finished.clone(), 1);
    update.record = Some(matchforge_core::history::MatchRecord {
        lobby: done.id(),
        queue: QueueName::new("q"),
        ladder: "l".into(),
        teams: finished.teams(),
        result: MatchResult::winner(0, 2),
        server: None,
        started_at: at(100),
        completed_at: at(102),
        rating_changes: Vec::new(),
    });
    update.cooldowns = vec![(PlayerId::from_u128(1), at(200))];
    store.update_lobby(update).await.unwrap();
    let player = PlayerId::from_u128(1);
    let history = || store.matches_of(player, None, None, 10);

    // Nothing finished strictly before the cut: nothing goes.
    assert_eq!(store.prune_finished_lobbies(at(102)), 0);
    assert_eq!(store.prune_history(at(102)), 0);
    assert_eq!(store.prune_cooldowns(at(199)), 0);
    assert!(store.lobby(done.id()).await.unwrap().is_some());
    assert_eq!(history().await.unwrap().len(), 1);
    let held = store.enqueue(ticket(5, 1, 150)).await;
    assert!(matches!(held, Err(Error::Cooldown { .. })), "{held:?}");

    assert_eq!(store.prune_finished_lobbies(at(103)), 1);
    assert!(store.lobby(done.id()).await.unwrap().is_none());
    assert!(
        store.lobby(open.id()).await.unwrap().is_some(),
        "unfinished lobbies stay"
    );
    let stale = store.update_lobby(LobbyUpdate::new(finished, 2)).await;
    assert!(matches!(stale, Err(Error::LobbyNotFound(_))), "{stale:?}");
    // The record outlives its lobby until the history is pruned.
    assert!(store.match_record(done.id()).await.unwrap().is_some());
    assert_eq!(store.prune_history(at(103)), 1);
    assert!(store.match_record(done.id()).await.unwrap().is_none());
    assert!(history().await.unwrap().is_empty());

    assert_eq!(store.prune_cooldowns(at(200)), 1);
    store.enqueue(ticket(5, 1, 200)).await.unwrap();
    // Pruning again finds nothing more.
    assert_eq!(
        store.prune_finished_lobbies(at(10_000))
            + store.prune_history(at(10_000))
            + store.prune_cooldowns(at(10_000)),
        0
    );
}

/// The checks use their own ids and names, so they can run side by side on
/// one store, all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_check_passes_on_one_shared_store() {
    use matchforge_testkit::conformance as c;
    use std::sync::Arc;

    let store = Arc::new(MemoryStore::new());
    let s = || Arc::clone(&store);
    let mut checks = tokio::task::JoinSet::new();
    checks.spawn(c::enqueue_and_lookup(s()));
    checks.spawn(c::enqueue_rejects_waiting_players(s()));
    checks.spawn(c::enqueue_rejects_taken_ticket_id(s()));
    checks.spawn(c::enqueue_rejects_players_in_lobby(s()));
    checks.spawn(c::enqueue_rejects_players_on_cooldown(s()));
    checks.spawn(c::cancel_withdraws_waiting_tickets(s()));
    checks.spawn(c::tickets_are_oldest_first(s()));
    checks.spawn(c::expire_removes_waiting_tickets(s()));
    checks.spawn(c::commit_claims_every_ticket(s()));
    checks.spawn(c::commit_is_all_or_nothing(s()));
    checks.spawn(c::commit_rejects_duplicate_lobby(s()));
    checks.spawn(c::concurrent_commits_claim_each_ticket_once(s()));
    checks.spawn(c::enqueue_many_is_per_ticket(s()));
    checks.spawn(c::commit_many_is_per_lobby(s()));
    checks.spawn(c::requeue_keeps_enqueue_time(s()));
    checks.spawn(c::update_lobby_checks_version(s()));
    checks.spawn(c::update_lobby_rejects_foreign_tickets(s()));
    checks.spawn(c::update_lobby_compares_ratings(s()));
    checks.spawn(c::update_lobby_records_match_once(s()));
    checks.spawn(c::lobbies_due_by_deadline(s()));
    checks.spawn(c::ratings_per_ladder(s()));
    checks.spawn(c::parties_are_versioned(s()));
    checks.spawn(c::party_membership_is_unique(s()));
    checks.spawn(c::history_by_player_and_time(s()));
    checks.spawn(c::events_follow_operations_in_order(s()));
    checks.spawn(c::events_after_resumes_at_cursor(s()));
    checks.spawn(c::concurrent_writers_lose_no_events(s()));
    checks.spawn(c::readers_following_writers_miss_nothing(s()));
    checks.spawn(c::failed_operations_change_nothing(s()));
    checks.spawn(c::commit_indexes_open_ready_checks(s()));
    checks.spawn(c::times_compare_to_the_nanosecond(s()));
    checks.spawn(c::enqueue_many_decides_like_enqueue(s()));
    checks.spawn(c::commit_many_refuses_taken_lobby_ids(s()));
    checks.spawn(c::put_ratings_keeps_the_last_repeat(s()));
    checks.spawn(c::commit_refuses_finished_lobbies(s()));
    checks.spawn(c::enqueue_judges_a_reused_id_by_where_it_is(s()));
    let mut passed = 0;
    while let Some(result) = checks.join_next().await {
        result.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        passed += 1;
    }
    assert_eq!(passed, 36);
}
