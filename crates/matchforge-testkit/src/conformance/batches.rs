//! Checks of the batch operations
//! [`TicketStore::enqueue_many`](matchforge_core::ports::TicketStore::enqueue_many) and
//! [`TicketStore::commit_many`](matchforge_core::ports::TicketStore::commit_many).

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::ports::{CommitOutcome, Store};

use super::fixtures::{Fresh, at, describe, enqueue_all};

/// `enqueue_many` queues each ticket as `enqueue` would, in order: a ticket
/// whose player an earlier ticket of the same batch (or the store) already
/// holds fails on its own, the others succeed.
pub async fn enqueue_many_is_per_ticket<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_many_is_per_ticket";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let waiting = fresh.solo(&q, at(0));
    enqueue_all(&*store, std::slice::from_ref(&waiting), what).await;
    let a = fresh.solo(&q, at(1));
    let b = fresh.solo(&q, at(2));
    // Same player as `a`, different ticket: refused because `a` came first.
    let a_again = fresh.ticket(&q, at(3), &[a.players()[0].id]);
    // Same player as the ticket already waiting.
    let waiting_again = fresh.ticket(&q, at(4), &[waiting.players()[0].id]);
    let results = store
        .enqueue_many(vec![a.clone(), a_again, b.clone(), waiting_again])
        .await
        .expect("enqueue_many");
    assert_eq!(results.len(), 4, "{what}: one result per ticket");
    assert!(
        results[0].is_ok(),
        "{what}: first ticket: {}",
        describe(&results[0])
    );
    assert!(
        matches!(results[1], Err(Error::AlreadyQueued { .. })),
        "{what}: a player queued earlier in the batch: {}",
        describe(&results[1])
    );
    assert!(
        results[2].is_ok(),
        "{what}: third ticket: {}",
        describe(&results[2])
    );
    assert!(
        matches!(results[3], Err(Error::AlreadyQueued { .. })),
        "{what}: a player already waiting: {}",
        describe(&results[3])
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![waiting, a, b],
        "{what}: exactly the accepted tickets wait"
    );
}

/// `commit_many` commits each lobby as `commit` would, in order: a lobby that
/// needs a ticket an earlier lobby of the batch claimed conflicts and changes
/// nothing, the others are committed.
pub async fn commit_many_is_per_lobby<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_many_is_per_lobby";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let tickets: Vec<_> = (0..6).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &tickets, what).await;
    let first = fresh.lobby(&q, &tickets[0..2], at(10));
    // Shares ticket 1 with `first`.
    let overlapping = fresh.lobby(&q, &tickets[1..3], at(10));
    let third = fresh.lobby(&q, &tickets[3..5], at(10));
    let results = store
        .commit_many(&[first.clone(), overlapping.clone(), third.clone()])
        .await
        .expect("commit_many");
    assert_eq!(results.len(), 3, "{what}: one outcome per lobby");
    assert!(
        matches!(results[0], Ok(CommitOutcome::Committed)),
        "{what}: first lobby: {}",
        describe(&results[0])
    );
    match &results[1] {
        Ok(CommitOutcome::Conflict { missing }) => {
            assert_eq!(
                missing,
                &vec![tickets[1].id()],
                "{what}: the missing ticket"
            )
        }
        other => panic!("{what}: overlapping lobby: {}", describe(other)),
    }
    assert!(
        matches!(results[2], Ok(CommitOutcome::Committed)),
        "{what}: third lobby: {}",
        describe(&results[2])
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![tickets[2].clone(), tickets[5].clone()],
        "{what}: the conflicting lobby claimed nothing"
    );
    assert!(
        store
            .lobby(overlapping.id())
            .await
            .expect("lobby")
            .is_none(),
        "{what}: no conflicting lobby stored"
    );
    assert!(
        store.lobby(third.id()).await.expect("lobby").is_some(),
        "{what}: third lobby stored"
    );
}
