//! Checks of [`TicketStore::commit`](matchforge_core::ports::TicketStore::commit):
//! all tickets or none.

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ports::{CommitOutcome, Store, Versioned};
use matchforge_core::ticket::Ticket;

use super::fixtures::{Fresh, at, commit_ok, describe, enqueue_all, lobby_with_id};
use super::snapshot::{Scope, Snapshot, assert_unchanged, own_events, tail};

/// A commit claims every ticket of the lobby (they leave the queue and every
/// lookup), stores the lobby at version 1, puts its players in it for
/// `lobby_of`, and logs exactly [`Lobby::commit_events`](matchforge_core::lobby::Lobby::commit_events).
pub async fn commit_claims_every_ticket<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_claims_every_ticket";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let party = [fresh.player(), fresh.player()];
    let tickets = [
        fresh.ticket(&q, at(0), &party),
        fresh.solo(&q, at(1)),
        fresh.solo(&q, at(2)),
    ];
    let bystander = fresh.solo(&q, at(3));
    enqueue_all(&*store, &tickets, what).await;
    enqueue_all(&*store, std::slice::from_ref(&bystander), what).await;
    let since = tail(&*store).await;

    let lobby = fresh.lobby(&q, &tickets, at(10));
    commit_ok(&*store, &lobby, what).await;
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![bystander],
        "{what}: only the bystander still waits"
    );
    for t in &tickets {
        assert_eq!(
            store.ticket(t.id()).await.expect("ticket"),
            None,
            "{what}: ticket(id) of a claimed ticket"
        );
        for p in t.player_ids() {
            assert_eq!(
                store.ticket_of(p).await.expect("ticket_of"),
                None,
                "{what}: ticket_of a claimed player"
            );
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                Some(lobby.id()),
                "{what}: lobby_of a claimed player"
            );
        }
    }
    let stored = store.lobby(lobby.id()).await.expect("lobby");
    assert_eq!(
        stored,
        Some(Versioned {
            value: lobby.clone(),
            version: 1
        }),
        "{what}: the stored lobby"
    );
    let events: Vec<Event> = own_events(&*store, since, &[q])
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(events, lobby.commit_events(), "{what}: events");
}

/// If any ticket of a lobby is no longer waiting (cancelled, expired or
/// matched elsewhere), commit reports exactly those in
/// [`CommitOutcome::Conflict`] and changes nothing.
pub async fn commit_is_all_or_nothing<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_is_all_or_nothing";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t: Vec<Ticket> = (0..6).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    store.cancel(t[1].id(), at(10)).await.expect("cancel");
    store.expire(&[t[2].id()], at(10)).await.expect("expire");
    let elsewhere = fresh.lobby(&q, &[t[3].clone(), t[4].clone()], at(11));
    commit_ok(&*store, &elsewhere, what).await;

    let lobby = fresh.lobby(&q, &t, at(12));
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![lobby.id(), elsewhere.id()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.commit(&lobby).await;
    let mut missing = match &result {
        Ok(CommitOutcome::Conflict { missing }) => missing.clone(),
        other => panic!(
            "{what}: commit over gone tickets: expected Conflict, got {}",
            describe(other)
        ),
    };
    missing.sort();
    let mut want = vec![t[1].id(), t[2].id(), t[3].id(), t[4].id()];
    want.sort();
    assert_eq!(
        missing, want,
        "{what}: the missing tickets are the cancelled, expired and matched ones"
    );
    assert_unchanged(&*store, &scope, &before, &format!("{what}: commit")).await;
}

/// Committing a lobby id that exists fails with [`Error::Conflict`] and
/// changes nothing, even when its tickets are all waiting.
pub async fn commit_rejects_duplicate_lobby<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_rejects_duplicate_lobby";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t: Vec<Ticket> = (0..4).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let first = fresh.lobby(&q, &t[..2], at(5));
    commit_ok(&*store, &first, what).await;

    let twin = lobby_with_id(first.id(), &q, &t[2..], at(6));
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![first.id()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.commit(&twin).await;
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "{what}: commit of an existing lobby id: expected Err(Conflict), got {}",
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, &format!("{what}: commit")).await;
}
