//! Checks of [`LobbyStore`](matchforge_core::ports::LobbyStore): versions,
//! requeues, finishing, deadlines.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ids::LobbyId;
use matchforge_core::lobby::{Lobby, LobbyPhase, MatchResult};
use matchforge_core::ports::{LobbyUpdate, Store};
use matchforge_core::ticket::Ticket;

use super::fixtures::{
    Fresh, at, commit_ok, describe, enqueue_all, lobby_in_teams, lobby_with_id, ticket_with_id,
    update_ok,
};
use super::snapshot::{Scope, Snapshot, assert_unchanged, own_events, tail};

/// A ticket returned to the queue after a declined or timed-out ready check
/// keeps its original enqueue time (and so its place), its players leave the
/// lobby, and the log shows the lobby's state then `TicketRequeued` at the
/// lobby's update time.
pub async fn requeue_keeps_enqueue_time<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "requeue_keeps_enqueue_time";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let (a, b) = (fresh.solo(&q, at(-30)), fresh.solo(&q, at(-20)));
    let (pa, pb) = (a.players()[0].id, b.players()[0].id);
    enqueue_all(&*store, &[a.clone(), b.clone()], what).await;
    let mut lobby = fresh.lobby(&q, &[a.clone(), b.clone()], at(0));
    commit_ok(&*store, &lobby, what).await;
    let since = tail(&*store).await;
    let newcomer = fresh.solo(&q, at(1));
    enqueue_all(&*store, std::slice::from_ref(&newcomer), what).await;

    // Declined: the one who accepted goes back, the decliner does not.
    lobby.open_acceptance(at(20), at(0)).expect("open");
    update_ok(&*store, LobbyUpdate::new(lobby.clone(), 1), what).await;
    let opened = lobby.clone();
    lobby.accept(pa, at(1)).expect("accept");
    update_ok(&*store, LobbyUpdate::new(lobby.clone(), 2), what).await;
    let accepted = lobby.clone();
    let cancellation = lobby.decline(pb, at(2)).expect("decline");
    assert_eq!(
        cancellation.requeue,
        vec![a.clone()],
        "{what}: (fixture) who goes back"
    );
    let mut update = LobbyUpdate::new(lobby.clone(), 3);
    update.requeue = cancellation.requeue;
    update.cooldowns = vec![(pb, at(60))];
    update_ok(&*store, update, what).await;

    assert_eq!(
        store.ticket(a.id()).await.expect("ticket"),
        Some(a.clone()),
        "{what}: the requeued ticket, unchanged"
    );
    assert_eq!(
        store.ticket_of(pa).await.expect("ticket_of"),
        Some(a.clone()),
        "{what}: ticket_of the requeued player"
    );
    assert_eq!(
        store.ticket_of(pb).await.expect("ticket_of"),
        None,
        "{what}: the decliner is not requeued"
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![a.clone(), newcomer.clone()],
        "{what}: the requeued ticket comes first"
    );
    for p in [pa, pb] {
        assert_eq!(
            store.lobby_of(p).await.expect("lobby_of"),
            None,
            "{what}: lobby_of after the lobby is cancelled"
        );
    }
    let stored = store
        .lobby(lobby.id())
        .await
        .expect("lobby")
        .expect("the lobby is kept");
    assert_eq!(
        (stored.version, stored.value.phase()),
        (4, LobbyPhase::Cancelled),
        "{what}: stored lobby"
    );
    let events: Vec<Event> = own_events(&*store, since, std::slice::from_ref(&q))
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let want = vec![
        Event::queued(&newcomer),
        opened.state_event(),
        accepted.state_event(),
        lobby.state_event(),
        Event::requeued(&a, at(2)),
    ];
    assert_eq!(events, want, "{what}: events");

    // Timed out: the same ticket, matched again, goes back again with its first time.
    let mut again = fresh.lobby(&q, &[a.clone(), newcomer.clone()], at(3));
    commit_ok(&*store, &again, what).await;
    again.open_acceptance(at(13), at(3)).expect("open");
    again.accept(pa, at(4)).expect("accept");
    update_ok(&*store, LobbyUpdate::new(again.clone(), 1), what).await;
    let cancellation = again.expire_acceptance(at(13)).expect("time out");
    let mut update = LobbyUpdate::new(again, 2);
    update.requeue = cancellation.requeue;
    update_ok(&*store, update, what).await;
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![a],
        "{what}: after a timed-out ready check"
    );
}

/// `update_lobby` applies only from the stored version ([`Error::Conflict`]
/// otherwise, [`Error::LobbyNotFound`] for an unknown lobby), returns the new
/// version, and a failed update changes nothing.
pub async fn update_lobby_checks_version<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_checks_version";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t = [fresh.solo(&q, at(0)), fresh.solo(&q, at(1))];
    enqueue_all(&*store, &t, what).await;
    let mut lobby = fresh.lobby(&q, &t, at(2));
    commit_ok(&*store, &lobby, what).await;
    let stranger = fresh.lobby(&q, &t, at(2));
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![lobby.id(), stranger.id()],
        ..Scope::default()
    };

    lobby.open_acceptance(at(30), at(3)).expect("open");
    let cases = [
        (LobbyUpdate::new(lobby.clone(), 2), "a version ahead"),
        (LobbyUpdate::new(lobby.clone(), 0), "version 0"),
    ];
    for (update, why) in cases {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.update_lobby(update).await;
        assert!(
            matches!(result, Err(Error::Conflict(_))),
            "{what}: update from {why}: expected Conflict, got {}",
            describe(&result)
        );
        assert_unchanged(
            &*store,
            &scope,
            &before,
            &format!("{what}: update from {why}"),
        )
        .await;
    }
    let before = Snapshot::take(&*store, &scope).await;
    let result = store
        .update_lobby(LobbyUpdate::new(stranger.clone(), 1))
        .await;
    assert!(
        matches!(result, Err(Error::LobbyNotFound(id)) if id == stranger.id()),
        "{what}: update of a lobby never committed: expected LobbyNotFound, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: update of an unknown lobby"),
    )
    .await;

    update_ok(&*store, LobbyUpdate::new(lobby.clone(), 1), what).await;
    let stale = LobbyUpdate::new(lobby.clone(), 1);
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.update_lobby(stale).await;
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "{what}: a second update from version 1: expected Conflict, got {}",
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, &format!("{what}: stale update")).await;
    let stored = store
        .lobby(lobby.id())
        .await
        .expect("lobby")
        .expect("stored");
    assert_eq!(
        (stored.version, &stored.value),
        (2, &lobby),
        "{what}: the lobby after one update"
    );
}

/// `update_lobby` refuses with [`Error::InvalidTicket`] and changes nothing
/// when it would requeue another lobby's ticket, requeue one of its own
/// tickets changed (an earlier enqueue time would jump the queue; another
/// party would put someone else in it), change the lobby's tickets, queue
/// or seats (the same tickets in other teams), requeue while the lobby stays unfinished, or requeue a ticket
/// twice; it refuses with [`Error::IllegalTransition`] naming the lobby and
/// changes nothing when it would update a finished lobby in any way (requeue
/// again, store the same state again, complete a cancelled lobby, reopen it)
/// or move a lobby back to an earlier phase.
pub async fn update_lobby_rejects_foreign_tickets<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "update_lobby_rejects_foreign_tickets";
    let mut fresh = Fresh::new();
    let (q, q2) = (fresh.queue(), fresh.queue());
    let t: Vec<Ticket> = (0..5).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let mut mine = fresh.lobby(&q, &t[..2], at(5));
    let theirs = fresh.lobby(&q, &t[2..4], at(5));
    commit_ok(&*store, &mine, what).await;
    commit_ok(&*store, &theirs, what).await;
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone(), q2.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![mine.id(), theirs.id()],
        ..Scope::default()
    };
    let pristine = mine.clone();
    let mut open = mine.clone();
    open.open_acceptance(at(30), at(6)).expect("open");
    let cancellation = mine.cancel("server lost", at(6)).expect("cancel");

    let requeue = |lobby: &Lobby, version, requeue: Vec<Ticket>| {
        let mut u = LobbyUpdate::new(lobby.clone(), version);
        u.requeue = requeue;
        u
    };
    let moved: Vec<Ticket> = t[..2]
        .iter()
        .map(|x| {
            ticket_with_id(
                x.id(),
                &q2,
                x.enqueued_at(),
                &x.player_ids().collect::<Vec<_>>(),
            )
        })
        .collect();
    let swapped = [t[0].clone(), t[4].clone()];
    let own = |enqueued_at, players: &[_]| ticket_with_id(t[0].id(), &q, enqueued_at, players);
    let jumped = own(at(-60), &[t[0].players()[0].id]);
    let regrouped = own(t[0].enqueued_at(), &[t[0].players()[0].id, fresh.player()]);
    let cases: Vec<(LobbyUpdate, &str)> = vec![
        (
            requeue(&mine, 1, vec![t[2].clone()]),
            "requeue of another lobby's ticket",
        ),
        (
            requeue(&mine, 1, vec![t[4].clone()]),
            "requeue of a waiting ticket the lobby never held",
        ),
        (
            requeue(&mine, 1, vec![jumped, t[1].clone()]),
            "requeue of its own ticket with an earlier enqueue time",
        ),
        (
            requeue(&mine, 1, vec![t[1].clone(), regrouped]),
            "requeue of its own ticket with another player added",
        ),
        (
            LobbyUpdate::new(lobby_with_id(mine.id(), &q, &swapped, at(6)), 1),
            "an update that swaps a ticket",
        ),
        (
            LobbyUpdate::new(lobby_with_id(mine.id(), &q2, &moved, at(6)), 1),
            "an update that moves the lobby to another queue",
        ),
        (
            LobbyUpdate::new(
                lobby_in_teams(mine.id(), &q, &t[..2], at(5), |i| 1 - (i % 2) as u16),
                1,
            ),
            "an update that keeps the tickets but swaps their teams",
        ),
        (
            requeue(&open, 1, vec![t[0].clone()]),
            "requeue while the lobby stays unfinished",
        ),
        (
            requeue(&mine, 1, vec![t[0].clone(), t[0].clone()]),
            "requeue of the same ticket twice",
        ),
    ];
    for (update, why) in cases {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.update_lobby(update).await;
        assert!(
            matches!(result, Err(Error::InvalidTicket(_))),
            "{what}: {why}: expected InvalidTicket, got {}",
            describe(&result)
        );
        assert_unchanged(&*store, &scope, &before, &format!("{what}: {why}")).await;
    }

    update_ok(
        &*store,
        requeue(&mine, 1, cancellation.requeue.clone()),
        what,
    )
    .await;
    let id = mine.id();
    let mut completed = pristine.clone();
    completed.skip_acceptance(at(6)).expect("ready");
    completed.dispatch("srv-1", at(6)).expect("dispatch");
    completed
        .complete(MatchResult::winner(0, 2), at(7))
        .expect("complete");
    let mut ready = theirs.clone();
    ready.skip_acceptance(at(6)).expect("ready");
    update_ok(&*store, LobbyUpdate::new(ready, 1), what).await;
    store
        .cancel(t[0].id(), at(7))
        .await
        .expect("cancel the requeued ticket");

    // Each refused before anything else is looked at, as the lobby stands.
    let cases: Vec<(LobbyUpdate, LobbyId, &str)> = vec![
        (
            requeue(&mine, 2, vec![t[0].clone()]),
            id,
            "a second requeue after the lobby finished",
        ),
        (
            LobbyUpdate::new(mine.clone(), 2),
            id,
            "an update of a finished lobby to the state it has",
        ),
        (
            LobbyUpdate::new(completed, 2),
            id,
            "an update that completes a cancelled lobby",
        ),
        (
            LobbyUpdate::new(pristine, 2),
            id,
            "an update that reopens a finished lobby",
        ),
        (
            LobbyUpdate::new(theirs.clone(), 2),
            theirs.id(),
            "an update that moves a ready lobby back to forming",
        ),
    ];
    for (update, lobby, why) in cases {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.update_lobby(update).await;
        assert!(
            matches!(result, Err(Error::IllegalTransition { lobby: named, .. }) if named == lobby),
            "{what}: {why}: expected IllegalTransition naming lobby {lobby}, got {}",
            describe(&result)
        );
        assert_unchanged(&*store, &scope, &before, &format!("{what}: {why}")).await;
    }
}

/// A ticket cannot be requeued while another ticket with its id waits (its
/// id was free again once the lobby claimed it, and a new ticket took it):
/// the update that finishes the lobby fails with [`Error::AlreadyQueued`]
/// naming the requeued ticket's first player, its id and the queue the new
/// ticket waits in (so a caller can tell which ticket to leave out, as the
/// runner does; the ticket taken here is neither the first nor the last of
/// the requeue, so an error naming another ticket, which would make the
/// runner leave out one the store would requeue, fails the check), and
/// changes nothing — the lobby stays unfinished with its players, no ticket
/// is requeued, the waiting ticket is untouched, no cooldown is set and
/// nothing is logged.
///
/// (The port's other requeue refusals, a requeued ticket whose player waits
/// or sits in another unfinished lobby, cannot be set up through the ports:
/// a player seated in an unfinished lobby can neither queue nor be
/// committed elsewhere.)
pub async fn update_lobby_requeue_refuses_taken_ticket_id<S: Store + ?Sized + 'static>(
    store: Arc<S>,
) {
    let what = "update_lobby_requeue_refuses_taken_ticket_id";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let (a, b, c) = (
        fresh.solo(&q, at(0)),
        fresh.solo(&q, at(1)),
        fresh.solo(&q, at(1)),
    );
    enqueue_all(&*store, &[a.clone(), b.clone(), c.clone()], what).await;
    let mut lobby = fresh.lobby(&q, &[a.clone(), b.clone(), c.clone()], at(2));
    commit_ok(&*store, &lobby, what).await;
    let (newcomer, bystander) = (fresh.player(), fresh.player());
    let impostor = ticket_with_id(b.id(), &q, at(3), &[newcomer]);
    store.enqueue(impostor.clone()).await.unwrap_or_else(|e| {
        panic!("{what}: a claimed ticket's id is free to queue under again: {e}")
    });
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        tickets: vec![a.id(), b.id(), c.id()],
        players: vec![
            a.players()[0].id,
            b.players()[0].id,
            c.players()[0].id,
            newcomer,
            bystander,
        ],
        lobbies: vec![lobby.id()],
        ..Scope::default()
    };

    let cancellation = lobby.cancel("server lost", at(4)).expect("cancel");
    assert_eq!(
        cancellation.requeue,
        vec![a.clone(), b.clone(), c.clone()],
        "{what}: (fixture) who goes back"
    );
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.requeue = cancellation.requeue;
    update.cooldowns = vec![(bystander, at(100))];
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.update_lobby(update).await;
    let (first, id) = (b.players()[0].id, b.id());
    assert!(
        matches!(&result, Err(Error::AlreadyQueued { player, ticket, queue })
            if *player == first && *ticket == id && *queue == q),
        "{what}: requeue of ticket {id} while another ticket with its id waits: expected \
         AlreadyQueued naming {first}, ticket {id} and {q}, got {}",
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, what).await;
    assert_eq!(
        store.ticket(b.id()).await.expect("ticket"),
        Some(impostor),
        "{what}: the ticket waiting under the id"
    );
}

/// `lobby_of` names the unfinished lobby of a player until it finishes;
/// `lobbies_due` lists unfinished lobbies whose ready-check deadline is at or
/// before the given time, earliest first, at most `limit` (any `usize`, so
/// `usize::MAX` lists them all).
///
/// Its deadlines lie in 2001, so that on a store shared with other checks no
/// other lobby is due before them.
pub async fn lobbies_due_by_deadline<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "lobbies_due_by_deadline";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let base = Utc.with_ymd_and_hms(2001, 1, 1, 0, 0, 0).unwrap();
    let s = |secs: i64| base + Duration::seconds(secs);
    let t: Vec<Ticket> = (0..10).map(|i| fresh.solo(&q, s(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let mut lobbies: Vec<Lobby> = t
        .chunks(2)
        .map(|pair| fresh.lobby(&q, pair, s(10)))
        .collect();
    for l in &lobbies {
        commit_ok(&*store, l, what).await;
    }
    // Deadlines: L0 +30, L1 +10, L2 +20, L3 none (forming), L4 +5 but cancelled.
    for (i, deadline) in [(0, 30), (1, 10), (2, 20), (4, 5)] {
        lobbies[i]
            .open_acceptance(s(10 + deadline), s(10))
            .expect("open");
        update_ok(&*store, LobbyUpdate::new(lobbies[i].clone(), 1), what).await;
    }
    lobbies[4].cancel("aborted", s(11)).expect("cancel");
    update_ok(&*store, LobbyUpdate::new(lobbies[4].clone(), 2), what).await;
    let ids: Vec<_> = lobbies.iter().map(Lobby::id).collect();

    let due = |before, limit| {
        let store = Arc::clone(&store);
        let ids = ids.clone();
        async move {
            let got = store.lobbies_due(before, limit).await.expect("lobbies_due");
            got.into_iter()
                .filter(|l| ids.contains(l))
                .collect::<Vec<_>>()
        }
    };
    let table = [
        (s(19), 10, vec![]),
        (s(20), 10, vec![ids[1]]),
        (s(35), 10, vec![ids[1], ids[2]]),
        (s(40), 10, vec![ids[1], ids[2], ids[0]]),
        (s(40), 2, vec![ids[1], ids[2]]),
        (s(40), usize::MAX, vec![ids[1], ids[2], ids[0]]),
        (s(40), 0, vec![]),
    ];
    for (before, limit, want) in table {
        assert_eq!(
            due(before, limit).await,
            want,
            "{what}: lobbies_due({before}, {limit})"
        );
    }

    for (i, l) in lobbies.iter().enumerate() {
        let want = if i == 4 { None } else { Some(l.id()) };
        for p in l.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                want,
                "{what}: lobby_of a player of lobby {i}"
            );
        }
    }
    // Everyone in L1 accepts: it is ready, no longer due.
    let players: Vec<_> = lobbies[1].players().collect();
    for p in players {
        lobbies[1].accept(p, s(12)).expect("accept");
    }
    update_ok(&*store, LobbyUpdate::new(lobbies[1].clone(), 2), what).await;
    assert_eq!(
        due(s(40), 10).await,
        vec![ids[2], ids[0]],
        "{what}: a ready lobby is no longer due"
    );
}
