//! Checks of the batch operations
//! [`TicketStore::enqueue_many`](matchforge_core::ports::TicketStore::enqueue_many) and
//! [`TicketStore::commit_many`](matchforge_core::ports::TicketStore::commit_many).

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ids::QueueName;
use matchforge_core::ports::{CommitOutcome, LobbyUpdate, Store, Versioned};
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, assert_increasing, at, commit_ok, complete_ok, describe, enqueue_all, lobby_with_id,
    record_for, ticket_with_id, update_ok,
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
    let kinds = commit_kinds(&results);
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

/// Recognises the result a ticket of a batch must get.
// `Send + Sync`: the check's future must be `Send` to be spawned, and the
// list lives across awaits.
type Expect<'a> = Box<dyn Fn(&Result<(), Error>) -> bool + Send + Sync + 'a>;

/// `enqueue_many` decides each ticket exactly as `enqueue` would after the
/// batch's earlier tickets: a ticket reusing an id queued earlier in the
/// batch, or holding a player queued earlier in it, is refused with
/// [`Error::AlreadyQueued`] naming that player (for a reused id, the new
/// ticket's first player), the earlier ticket and its queue; a party with a
/// member on a cooldown is refused with [`Error::Cooldown`] naming the
/// member and the end; a refused ticket holds neither its id nor its players
/// for the tickets after it; a cooldown has ended at the enqueue time it ends
/// at. Exactly the accepted tickets wait and are logged, in the batch's order.
pub async fn enqueue_many_decides_like_enqueue<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_many_decides_like_enqueue";
    let mut fresh = Fresh::new();
    let (q1, q2) = (fresh.queue(), fresh.queue());
    let seated = [fresh.solo(&q1, at(0)), fresh.solo(&q1, at(1))];
    enqueue_all(&*store, &seated, what).await;
    let mut lobby = fresh.lobby(&q1, &seated, at(2));
    commit_ok(&*store, &lobby, what).await;
    let cooled = fresh.player();
    lobby.open_acceptance(at(60), at(3)).expect("open");
    let mut update = LobbyUpdate::new(lobby, 1);
    update.cooldowns = vec![(cooled, at(100))];
    update_ok(&*store, update, what).await;
    let since = tail(&*store).await;

    let [px, pn, pm, pf, pg, pz, pw] = [(); 7].map(|()| fresh.player());
    let x = fresh.ticket(&q1, at(10), &[px]);
    let twin = ticket_with_id(x.id(), &q2, at(11), &[pn, pm]);
    let with_x = fresh.ticket(&q2, at(12), &[pf, px]);
    let with_cooled = fresh.ticket(&q2, at(13), &[pg, cooled]);
    let refused_players = fresh.ticket(&q2, at(14), &[pn, pf, pg]);
    let cooled_ends = fresh.ticket(&q2, at(100), &[cooled]);
    let refused_id = ticket_with_id(with_x.id(), &q2, at(15), &[pz]);
    let repeat_id = ticket_with_id(refused_players.id(), &q1, at(16), &[pw]);
    let repeat_player = fresh.ticket(&q1, at(17), &[pw, pn]);
    let batch = vec![
        x.clone(),
        twin,
        with_x,
        with_cooled,
        refused_players.clone(),
        cooled_ends.clone(),
        refused_id.clone(),
        repeat_id,
        repeat_player,
    ];
    let results = store.enqueue_many(batch).await.expect("enqueue_many");
    assert_eq!(results.len(), 9, "{what}: one result per ticket");
    let queued = |p, t, q: QueueName| {
        move |r: &Result<(), Error>| {
            matches!(r, Err(Error::AlreadyQueued { player, ticket, queue })
                if *player == p && *ticket == t && *queue == q)
        }
    };
    let checks: [(&str, Expect<'_>); 9] = [
        ("a new ticket", Box::new(|r| r.is_ok())),
        (
            "the id of the batch's first ticket: AlreadyQueued naming its own first player",
            Box::new(queued(pn, x.id(), q1.clone())),
        ),
        (
            "a player the batch's first ticket holds: AlreadyQueued naming them",
            Box::new(queued(px, x.id(), q1.clone())),
        ),
        (
            "a member on a cooldown: Cooldown naming them",
            Box::new(
                move |r| matches!(r, Err(Error::Cooldown { player, until }) if *player == cooled && *until == at(100)),
            ),
        ),
        ("the players of refused tickets", Box::new(|r| r.is_ok())),
        (
            "a player whose cooldown ends at the enqueue time",
            Box::new(|r| r.is_ok()),
        ),
        ("the id of a refused ticket", Box::new(|r| r.is_ok())),
        (
            "the id of a ticket queued earlier in the batch: AlreadyQueued naming its own first player",
            Box::new(queued(pw, refused_players.id(), q2.clone())),
        ),
        (
            "a player a ticket queued earlier in the batch holds: AlreadyQueued naming them",
            Box::new(queued(pn, refused_players.id(), q2.clone())),
        ),
    ];
    for (i, ((why, ok), result)) in checks.iter().zip(&results).enumerate() {
        assert!(
            ok(result),
            "{what}: ticket {i}, {why}: got {}",
            describe(result)
        );
    }
    assert_eq!(
        store.tickets(&q1).await.expect("tickets"),
        vec![x.clone()],
        "{what}: the tickets waiting in {q1}"
    );
    assert_eq!(
        store.tickets(&q2).await.expect("tickets"),
        vec![
            refused_players.clone(),
            refused_id.clone(),
            cooled_ends.clone()
        ],
        "{what}: the tickets waiting in {q2}"
    );
    let events: Vec<Event> = own_events(&*store, since, &[q1, q2])
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        events,
        vec![
            Event::queued(&x),
            Event::queued(&refused_players),
            Event::queued(&cooled_ends),
            Event::queued(&refused_id),
        ],
        "{what}: one TicketQueued per accepted ticket, in the batch's order"
    );
}

/// `commit_many` refuses with [`Error::Conflict`] a lobby whose id an
/// earlier lobby of the same batch took, and one whose id belongs to a lobby
/// that has finished but is still stored (a stored lobby, whatever its
/// phase; a store may forget finished lobbies later); either changes
/// nothing — the stored lobbies keep their value and version, the tickets
/// the refused lobbies named go to the later lobbies that claim them, and
/// only the committed lobbies are logged.
pub async fn commit_many_refuses_taken_lobby_ids<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_many_refuses_taken_lobby_ids";
    let mut fresh = Fresh::new();
    let (q, ladder) = (fresh.queue(), fresh.ladder());
    let t: Vec<Ticket> = (0..8).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let finished = fresh.lobby(&q, &t[6..], at(9));
    commit_ok(&*store, &finished, what).await;
    let record = record_for(&finished, &ladder, at(9));
    let finished = complete_ok(&*store, finished, at(9), Some(record), what).await;
    let since = tail(&*store).await;

    let first = fresh.lobby(&q, &t[0..2], at(10));
    let same_id = lobby_with_id(first.id(), &q, &t[2..4], at(10));
    let finished_id = lobby_with_id(finished.id(), &q, &t[4..6], at(10));
    let second = fresh.lobby(&q, &t[2..4], at(10));
    let third = fresh.lobby(&q, &t[4..6], at(10));
    let results = store
        .commit_many(&[
            first.clone(),
            same_id,
            finished_id,
            second.clone(),
            third.clone(),
        ])
        .await
        .expect("commit_many");
    let kinds = commit_kinds(&results);
    assert_eq!(
        kinds,
        [
            "Committed",
            "Conflict error",
            "Conflict error",
            "Committed",
            "Committed"
        ],
        "{what}: the outcomes (the second lobby reuses the first's id, the third a finished \
         lobby's), {results:?}"
    );
    for (lobby, version) in [(&first, 1), (&finished, 2), (&second, 1), (&third, 1)] {
        assert_eq!(
            store.lobby(lobby.id()).await.expect("lobby"),
            Some(Versioned {
                value: lobby.clone(),
                version
            }),
            "{what}: the lobby stored under {}",
            lobby.id()
        );
    }
    for (lobby, want) in [
        (&first, Some(first.id())),
        (&second, Some(second.id())),
        (&third, Some(third.id())),
        (&finished, None),
    ] {
        for p in lobby.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                want,
                "{what}: lobby_of a player of lobby {}",
                lobby.id()
            );
        }
    }
    assert!(
        store.tickets(&q).await.expect("tickets").is_empty(),
        "{what}: every ticket is claimed"
    );
    let events: Vec<Event> = own_events(&*store, since, std::slice::from_ref(&q))
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let want: Vec<Event> = [first, second, third]
        .iter()
        .flat_map(|l| l.commit_events())
        .collect();
    assert_eq!(events, want, "{what}: the log");
}

/// What each part of a `commit_many` reply is, for comparing a whole reply
/// at once: "Committed", "Conflict outcome" (tickets gone), "Conflict error"
/// (a lobby id taken) or "another error".
fn commit_kinds(results: &[Result<CommitOutcome, Error>]) -> Vec<&'static str> {
    results
        .iter()
        .map(|r| match r {
            Ok(CommitOutcome::Committed) => "Committed",
            Ok(CommitOutcome::Conflict { .. }) => "Conflict outcome",
            Err(Error::Conflict(_)) => "Conflict error",
            Err(_) => "another error",
        })
        .collect()
}
