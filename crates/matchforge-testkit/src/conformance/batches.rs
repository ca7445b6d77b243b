//! Checks of the batch operations
//! [`TicketStore::enqueue_many`](matchforge_core::ports::TicketStore::enqueue_many) and
//! [`TicketStore::commit_many`](matchforge_core::ports::TicketStore::commit_many).

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ports::{CommitOutcome, Store};
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, assert_increasing, at, commit_ok, describe, enqueue_all, lobby_with_id, ticket_with_id,
};
use super::snapshot::{own_events, tail};

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

/// `enqueue_many` logs [`Event::queued`] for each ticket it queues, in the
/// batch's order, and nothing for a ticket it refuses (a waiting id, a player
/// queued earlier in the batch or before it, a player in an unfinished
/// lobby), wherever the refused ones fall in the batch.
pub async fn enqueue_many_logs_each_queued_ticket<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_many_logs_each_queued_ticket";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let waiting = fresh.solo(&q, at(0));
    let seated = [fresh.solo(&q, at(1)), fresh.solo(&q, at(2))];
    enqueue_all(&*store, std::slice::from_ref(&waiting), what).await;
    enqueue_all(&*store, &seated, what).await;
    commit_ok(&*store, &fresh.lobby(&q, &seated, at(3)), what).await;
    let since = tail(&*store).await;

    let a = fresh.solo(&q, at(4));
    let b = fresh.solo(&q, at(5));
    let c = fresh.solo(&q, at(6));
    let (newcomer, friend) = (fresh.player(), fresh.player());
    let batch = vec![
        ticket_with_id(waiting.id(), &q, at(4), &[newcomer]),
        a.clone(),
        fresh.ticket(&q, at(5), &[a.players()[0].id]),
        b.clone(),
        fresh.ticket(&q, at(5), &[friend, waiting.players()[0].id]),
        fresh.ticket(&q, at(6), &[seated[1].players()[0].id]),
        c.clone(),
    ];
    let results = store.enqueue_many(batch).await.expect("enqueue_many");
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| match r {
            Ok(()) => "ok",
            Err(Error::AlreadyQueued { .. }) => "AlreadyQueued",
            Err(Error::InLobby { .. }) => "InLobby",
            Err(_) => "another error",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "AlreadyQueued",
            "ok",
            "AlreadyQueued",
            "ok",
            "AlreadyQueued",
            "InLobby",
            "ok"
        ],
        "{what}: the results, {results:?}"
    );
    let events = own_events(&*store, since, std::slice::from_ref(&q)).await;
    assert_increasing(events.iter().map(|(c, _)| *c), what);
    let events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        events,
        vec![Event::queued(&a), Event::queued(&b), Event::queued(&c)],
        "{what}: one TicketQueued per queued ticket, none for a refused one"
    );
}

/// `commit_many` logs each committed lobby's
/// [`commit_events`](matchforge_core::lobby::Lobby::commit_events), lobby
/// after lobby in the batch's order, and nothing for a lobby it does not
/// commit (one whose tickets an earlier lobby of the batch claimed, one whose
/// id exists), wherever those fall in the batch.
pub async fn commit_many_logs_each_committed_lobby<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_many_logs_each_committed_lobby";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t: Vec<Ticket> = (0..8).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let existing = fresh.lobby(&q, &t[6..], at(9));
    commit_ok(&*store, &existing, what).await;
    let since = tail(&*store).await;

    let first = fresh.lobby(&q, &t[0..2], at(10));
    // Needs ticket 1, which `first` claims.
    let overlapping = fresh.lobby(&q, &t[1..3], at(10));
    // The id of a lobby already stored.
    let twin = lobby_with_id(existing.id(), &q, &t[2..4], at(10));
    // The tickets the two refused lobbies wanted are still there for it.
    let second = fresh.lobby(&q, &t[2..4], at(10));
    let last = fresh.lobby(&q, &t[4..6], at(10));
    let results = store
        .commit_many(&[
            first.clone(),
            overlapping,
            twin,
            second.clone(),
            last.clone(),
        ])
        .await
        .expect("commit_many");
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| match r {
            Ok(CommitOutcome::Committed) => "Committed",
            Ok(CommitOutcome::Conflict { .. }) => "Conflict outcome",
            Err(Error::Conflict(_)) => "Conflict error",
            Err(_) => "another error",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Committed",
            "Conflict outcome",
            "Conflict error",
            "Committed",
            "Committed"
        ],
        "{what}: the outcomes, {results:?}"
    );
    let events = own_events(&*store, since, std::slice::from_ref(&q)).await;
    assert_increasing(events.iter().map(|(c, _)| *c), what);
    let events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
    let want: Vec<Event> = [first, second, last]
        .iter()
        .flat_map(|l| l.commit_events())
        .collect();
    assert_eq!(events, want, "{what}: the log");
}
