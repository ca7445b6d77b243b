//! The "atomic or nothing" rule, checked across every port at once.

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::history::RatingChange;
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::{CommitOutcome, LobbyUpdate, Store};
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, at, commit_ok, complete_ok, describe, enqueue_all, lobby_with_id, rating, record_for,
    ticket_with_id, update_ok,
};
use super::snapshot::{Scope, Snapshot, assert_unchanged, tail};

/// Recognises the error a failing call must return.
type Expected = fn(&Error) -> bool;

/// Every kind of failing call — duplicate, in-lobby and cooldown enqueues,
/// cancels of unknown or matched tickets, conflicting and duplicate commits,
/// stale, unknown, foreign-requeue, rating-conflict and duplicate-record lobby
/// updates, conflicting party saves and deletes — leaves everything observable
/// exactly as it was: queue contents, ticket lookups, lobbies and versions,
/// `lobby_of`, due deadlines, cooldowns, ratings, parties, history and the
/// event log. A failed update that carried a cooldown does not leave the
/// cooldown behind either.
pub async fn failed_operations_change_nothing<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "failed_operations_change_nothing";
    let mut fresh = Fresh::new();
    let (q, q2, ladder) = (fresh.queue(), fresh.queue(), fresh.ladder());
    let t: Vec<Ticket> = (0..8).map(|i| fresh.solo(&q, at(i))).collect();
    let player = |i: usize| t[i].players()[0].id;
    let free = fresh.player();
    enqueue_all(&*store, &t, what).await;
    store
        .put_ratings(&ladder, &[(player(2), rating(1500.0))])
        .await
        .expect("put_ratings");
    // t0, t1 wait; t2, t3 in `live` (ready check open); t4, t5 in `done`
    // (completed, recorded); t6 requeued and t7 on a cooldown after declining.
    let mut live = fresh.lobby(&q, &t[2..4], at(10));
    commit_ok(&*store, &live, what).await;
    live.open_acceptance(at(40), at(10)).expect("open");
    update_ok(&*store, LobbyUpdate::new(live.clone(), 1), what).await;
    let done = fresh.lobby(&q, &t[4..6], at(10));
    commit_ok(&*store, &done, what).await;
    let record = record_for(&done, &ladder, at(20));
    let done = complete_ok(&*store, done, at(20), Some(record), what).await;
    let mut declined = fresh.lobby(&q, &t[6..8], at(10));
    commit_ok(&*store, &declined, what).await;
    declined.open_acceptance(at(40), at(10)).expect("open");
    declined.accept(player(6), at(11)).expect("accept");
    let cancellation = declined.decline(player(7), at(12)).expect("decline");
    let mut update = LobbyUpdate::new(declined.clone(), 1);
    update.requeue = cancellation.requeue;
    update.cooldowns = vec![(player(7), at(100))];
    update_ok(&*store, update, what).await;
    let (party_id, other_id) = (fresh.party_id(), fresh.party_id());
    let (pp1, pp2, pp3) = (fresh.player(), fresh.player(), fresh.player());
    let mut party = Party::new(party_id, pp1, 5, at(0)).expect("party");
    party.invite(pp1, pp2).expect("invite");
    party.join(pp2).expect("join");
    store.save_party(&party, None).await.expect("create");
    let other = Party::new(other_id, pp3, 5, at(0)).expect("party");
    store.save_party(&other, None).await.expect("create");

    let mut players: Vec<_> = t.iter().flat_map(Ticket::player_ids).collect();
    players.extend([free, pp1, pp2, pp3]);
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone(), q2.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players,
        lobbies: vec![live.id(), done.id(), declined.id()],
        ladders: vec![ladder.clone()],
        parties: vec![party_id, other_id],
    };
    let s = &*store;
    // Taken before any failing call: each case is compared with the store as
    // it was before the first of them.
    let before = Snapshot::take(s, &scope).await;

    // Enqueue and cancel.
    let cases: Vec<(&str, Result<(), Error>, Expected)> = vec![
        (
            "enqueue of a waiting player",
            s.enqueue(fresh.ticket(&q2, at(30), &[player(0)])).await,
            |e| matches!(e, Error::AlreadyQueued { .. }),
        ),
        (
            "enqueue of a waiting ticket id",
            s.enqueue(ticket_with_id(t[1].id(), &q2, at(30), &[free]))
                .await,
            |e| matches!(e, Error::AlreadyQueued { .. }),
        ),
        (
            "enqueue of a player in a lobby",
            s.enqueue(fresh.ticket(&q, at(30), &[player(2)])).await,
            |e| matches!(e, Error::InLobby { .. }),
        ),
        (
            "enqueue of a player on a cooldown",
            s.enqueue(fresh.ticket(&q, at(30), &[player(7)])).await,
            |e| matches!(e, Error::Cooldown { .. }),
        ),
        (
            "cancel of an unknown ticket",
            s.cancel(fresh.ticket_id(), at(30)).await.map(drop),
            |e| matches!(e, Error::TicketNotFound(_)),
        ),
        (
            "cancel of a matched ticket",
            s.cancel(t[2].id(), at(30)).await.map(drop),
            |e| matches!(e, Error::TicketNotFound(_)),
        ),
    ];
    for (why, result, expected) in cases {
        assert!(
            result.as_ref().is_err_and(expected),
            "{what}: {why}: got {}",
            describe(&result)
        );
        assert_unchanged(s, &scope, &before, &format!("{what}: {why}")).await;
    }

    // Commits.
    let result = s
        .commit(&fresh.lobby(&q, &[t[0].clone(), t[3].clone()], at(30)))
        .await;
    assert!(
        matches!(&result, Ok(CommitOutcome::Conflict { missing }) if *missing == [t[3].id()]),
        "{what}: commit over a matched ticket: got {}",
        describe(&result)
    );
    assert_unchanged(
        s,
        &scope,
        &before,
        &format!("{what}: commit over a matched ticket"),
    )
    .await;
    let result = s
        .commit(&lobby_with_id(live.id(), &q, &t[..2], at(30)))
        .await;
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "{what}: commit of an existing lobby id: got {}",
        describe(&result)
    );
    assert_unchanged(
        s,
        &scope,
        &before,
        &format!("{what}: commit of an existing lobby id"),
    )
    .await;

    // Lobby updates, each carrying a cancellation, a requeue, a cooldown, ratings and a record.
    let loaded = |lobby: &Lobby, version: u64, requeue: Vec<Ticket>, before: Option<f64>| {
        let mut cancelled = lobby.clone();
        cancelled.cancel("aborted", at(30)).expect("cancel");
        let mut u = LobbyUpdate::new(cancelled, version);
        u.requeue = requeue;
        u.cooldowns = vec![(free, at(1000))];
        u.ratings = Some((
            ladder.clone(),
            vec![RatingChange {
                player: player(2),
                before: before.map(rating),
                after: rating(1600.0),
            }],
        ));
        u.record = Some(record_for(lobby, &ladder, at(30)));
        u
    };
    let stranger = lobby_with_id(fresh.lobby_id(), &q, &t[..2], at(30));
    let mut recorded_again = LobbyUpdate::new(done.clone(), 2);
    recorded_again.ratings = Some((
        ladder.clone(),
        vec![RatingChange {
            player: player(2),
            before: Some(rating(1500.0)),
            after: rating(1600.0),
        }],
    ));
    recorded_again.record = Some(record_for(&done, &ladder, at(30)));
    let updates: Vec<(&str, LobbyUpdate, Expected)> = vec![
        (
            "a stale lobby update",
            loaded(&live, 1, vec![t[2].clone()], Some(1500.0)),
            |e| matches!(e, Error::Conflict(_)),
        ),
        (
            "an update of an unknown lobby",
            loaded(&stranger, 1, vec![], Some(1500.0)),
            |e| matches!(e, Error::LobbyNotFound(_)),
        ),
        (
            "an update requeueing a foreign ticket",
            loaded(&live, 2, vec![t[2].clone(), t[4].clone()], Some(1500.0)),
            |e| matches!(e, Error::InvalidTicket(_)),
        ),
        (
            "an update with a stale rating",
            loaded(&live, 2, vec![t[2].clone()], Some(1400.0)),
            |e| matches!(e, Error::Conflict(_)),
        ),
        ("an update recording a match twice", recorded_again, |e| {
            matches!(e, Error::IllegalTransition { .. })
        }),
    ];
    for (why, update, expected) in updates {
        let result = s.update_lobby(update).await;
        assert!(
            result.as_ref().is_err_and(expected),
            "{what}: {why}: got {}",
            describe(&result)
        );
        assert_unchanged(s, &scope, &before, &format!("{what}: {why}")).await;
    }

    // Parties.
    let mut poacher = other.clone();
    poacher.invite(pp3, pp2).expect("invite");
    poacher.join(pp2).expect("join");
    let cases: Vec<(&str, Result<(), Error>, Expected)> = vec![
        (
            "create of an existing party",
            s.save_party(&party, None).await.map(drop),
            |e| matches!(e, Error::Conflict(_)),
        ),
        (
            "a stale party update",
            s.save_party(&party, Some(2)).await.map(drop),
            |e| matches!(e, Error::Conflict(_)),
        ),
        (
            "a party update taking another party's member",
            s.save_party(&poacher, Some(1)).await.map(drop),
            |e| matches!(e, Error::PartyRule { .. }),
        ),
        (
            "a stale party delete",
            s.delete_party(party_id, 2).await,
            |e| matches!(e, Error::Conflict(_)),
        ),
        (
            "delete of an unknown party",
            s.delete_party(fresh.party_id(), 1).await,
            |e| matches!(e, Error::Conflict(_)),
        ),
    ];
    for (why, result, expected) in cases {
        assert!(
            result.as_ref().is_err_and(expected),
            "{what}: {why}: got {}",
            describe(&result)
        );
        assert_unchanged(s, &scope, &before, &format!("{what}: {why}")).await;
    }

    s.enqueue(fresh.ticket(&q, at(31), &[free]))
        .await
        .unwrap_or_else(|e| {
            panic!("{what}: failed updates must not leave their cooldowns behind: {e}")
        });
}
