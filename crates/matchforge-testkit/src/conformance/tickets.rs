//! Checks of [`TicketStore`](matchforge_core::ports::TicketStore): enqueue,
//! lookups, cancel, order and expiry.

use std::sync::Arc;

use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ids::PlayerId;
use matchforge_core::ports::{CommitOutcome, LobbyUpdate, Store, Versioned};
use matchforge_core::ticket::Ticket;

use super::fixtures::{Fresh, at, commit_ok, describe, enqueue_all, ticket_with_id, update_ok};
use super::snapshot::{Scope, Snapshot, assert_unchanged, own_events, tail};

/// A queued ticket can be read back by id, by any of its players and in its
/// queue's list (and only there), and its `TicketQueued` event is logged.
pub async fn enqueue_and_lookup<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_and_lookup";
    let mut fresh = Fresh::new();
    let since = tail(&*store).await;
    let (q1, q2, empty) = (fresh.queue(), fresh.queue(), fresh.queue());
    let solo = fresh.solo(&q1, at(0));
    let members = [fresh.player(), fresh.player(), fresh.player()];
    let party = fresh.ticket(&q2, at(1), &members);
    enqueue_all(&*store, &[solo.clone(), party.clone()], what).await;

    let got = store.ticket(solo.id()).await.expect("ticket");
    assert_eq!(
        got.as_ref(),
        Some(&solo),
        "{what}: ticket(id) after enqueue"
    );
    let got = store
        .ticket_of(solo.players()[0].id)
        .await
        .expect("ticket_of");
    assert_eq!(
        got.as_ref(),
        Some(&solo),
        "{what}: ticket_of(player) after enqueue"
    );
    for m in members {
        let got = store.ticket_of(m).await.expect("ticket_of");
        assert_eq!(
            got.as_ref(),
            Some(&party),
            "{what}: ticket_of(party member)"
        );
    }
    assert_eq!(
        store.tickets(&q1).await.expect("tickets"),
        vec![solo.clone()],
        "{what}: tickets(q1)"
    );
    assert_eq!(
        store.tickets(&q2).await.expect("tickets"),
        vec![party.clone()],
        "{what}: tickets(q2)"
    );
    assert!(
        store.tickets(&empty).await.expect("tickets").is_empty(),
        "{what}: an unused queue is empty"
    );
    assert_eq!(
        store.ticket(fresh.ticket_id()).await.expect("ticket"),
        None,
        "{what}: unknown ticket"
    );
    assert_eq!(
        store.ticket_of(fresh.player()).await.expect("ticket_of"),
        None,
        "{what}: unknown player"
    );

    let events: Vec<Event> = own_events(&*store, since, &[q1, q2])
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        events,
        vec![Event::queued(&solo), Event::queued(&party)],
        "{what}: events"
    );
}

/// A player already waiting, in the same queue or another, cannot be queued
/// again ([`Error::AlreadyQueued`] naming the player, the ticket that holds
/// them and its queue), and the failed enqueue changes nothing.
pub async fn enqueue_rejects_waiting_players<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_rejects_waiting_players";
    let mut fresh = Fresh::new();
    let (q1, q2) = (fresh.queue(), fresh.queue());
    let held = fresh.solo(&q1, at(0));
    let player = held.players()[0].id;
    let other = fresh.player();
    let mut scope = Scope {
        since: tail(&*store).await,
        queues: vec![q1.clone(), q2.clone()],
        players: vec![player, other],
        ..Scope::default()
    };
    enqueue_all(&*store, std::slice::from_ref(&held), what).await;

    for queue in [&q2, &q1] {
        let again = fresh.ticket(queue, at(5), &[other, player]);
        scope.tickets = vec![held.id(), again.id()];
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.enqueue(again).await;
        match &result {
            Err(Error::AlreadyQueued {
                player: p,
                ticket,
                queue: held_in,
            }) if *p == player && *ticket == held.id() && held_in == &q1 => {}
            other => panic!(
                "{what}: a player waiting in {q1} was queued again in {queue}: expected \
                 AlreadyQueued {{ player: {player}, ticket: {}, queue: {q1} }}, got {}",
                held.id(),
                describe(other)
            ),
        }
        assert_unchanged(
            &*store,
            &scope,
            &before,
            &format!("{what}: enqueue into {queue}"),
        )
        .await;
    }

    store.cancel(held.id(), at(6)).await.expect("cancel");
    let later = fresh.ticket(&q2, at(7), &[other, player]);
    store.enqueue(later).await.unwrap_or_else(|e| {
        panic!("{what}: once the ticket is cancelled its player may queue again: {e}")
    });
}

/// A ticket whose id is already waiting is rejected with
/// [`Error::AlreadyQueued`], even for other players, naming the new ticket's
/// first player, the id and the queue the waiting ticket is in, and changes
/// nothing.
pub async fn enqueue_rejects_taken_ticket_id<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_rejects_taken_ticket_id";
    let mut fresh = Fresh::new();
    let (q1, q2) = (fresh.queue(), fresh.queue());
    let held = fresh.solo(&q1, at(0));
    let newcomer = fresh.player();
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q1.clone(), q2.clone()],
        tickets: vec![held.id()],
        players: vec![held.players()[0].id, newcomer],
        ..Scope::default()
    };
    enqueue_all(&*store, std::slice::from_ref(&held), what).await;
    let before = Snapshot::take(&*store, &scope).await;
    let twin = ticket_with_id(held.id(), &q2, at(1), &[newcomer]);
    let result = store.enqueue(twin).await;
    assert!(
        matches!(&result, Err(Error::AlreadyQueued { player, ticket, queue })
            if *player == newcomer && *ticket == held.id() && *queue == q1),
        "{what}: a second ticket in {q2} with the id of a ticket waiting in {q1}: expected \
         AlreadyQueued {{ player: {newcomer}, ticket: {}, queue: {q1} }}, got {}",
        held.id(),
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, what).await;
}

/// An id is judged by where it is, not by what the new ticket holds. While
/// a ticket with the id waits, a ticket with that id is refused with
/// [`Error::AlreadyQueued`] naming the new ticket's first player, the id and
/// the queue it waits in, whatever it holds: the identical ticket again,
/// the same player at another time in another queue, or a party whose
/// second member is the waiting one (the id is checked before the players).
/// Once a lobby claims the ticket its id is free again, and the players
/// decide: the identical ticket, or its player at another time, is refused
/// with [`Error::InLobby`] naming the player and the lobby; a ticket for a
/// free player is queued under the id. The lobby keeps its own copy, and a
/// commit naming that copy reports the ticket missing. `enqueue_many`
/// decides each case as `enqueue` does; every refusal changes nothing.
pub async fn enqueue_judges_a_reused_id_by_where_it_is<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_judges_a_reused_id_by_where_it_is";
    let mut fresh = Fresh::new();
    let (q1, q2) = (fresh.queue(), fresh.queue());
    let held = fresh.solo(&q1, at(0));
    let partner = fresh.solo(&q1, at(1));
    let (player, id) = (held.players()[0].id, held.id());
    let [friend, newcomer] = [(); 2].map(|()| fresh.player());
    let stray = fresh.solo(&q1, at(2));
    enqueue_all(
        &*store,
        &[held.clone(), partner.clone(), stray.clone()],
        what,
    )
    .await;
    let mut scope = Scope {
        since: tail(&*store).await,
        queues: vec![q1.clone(), q2.clone()],
        tickets: vec![id, partner.id(), stray.id()],
        players: vec![player, partner.players()[0].id, friend, newcomer],
        ..Scope::default()
    };

    let waiting = [
        (held.clone(), "the identical ticket"),
        (
            ticket_with_id(id, &q2, at(5), &[player]),
            "its player, later, in another queue",
        ),
        (
            ticket_with_id(id, &q1, at(0), &[friend, player]),
            "a party whose second member is its player",
        ),
    ];
    let refused_as_queued = |result: &Result<(), Error>, first: PlayerId| {
        matches!(result, Err(Error::AlreadyQueued { player: p, ticket, queue })
            if *p == first && *ticket == id && *queue == q1)
    };
    let expected = format!("AlreadyQueued naming the ticket's first player, ticket {id} and {q1}");
    refused_alone_and_batched(
        &*store,
        &scope,
        &waiting,
        |ticket, result| refused_as_queued(result, ticket.players()[0].id),
        &expected,
        &format!("{what}: while ticket {id} waits in {q1}"),
    )
    .await;

    let lobby = fresh.lobby(&q1, &[held.clone(), partner.clone()], at(3));
    commit_ok(&*store, &lobby, what).await;
    scope.lobbies = vec![lobby.id()];
    scope.since = tail(&*store).await;
    let claimed = [
        (held.clone(), "the identical ticket"),
        (
            ticket_with_id(id, &q2, at(6), &[player]),
            "its player, later, in another queue",
        ),
    ];
    let refused_as_seated = |result: &Result<(), Error>| matches!(result, Err(Error::InLobby { player: p, lobby: l }) if *p == player && *l == lobby.id());
    let expected = format!("InLobby naming {player} and lobby {}", lobby.id());
    refused_alone_and_batched(
        &*store,
        &scope,
        &claimed,
        |_, result| refused_as_seated(result),
        &expected,
        &format!("{what}: once lobby {} claimed ticket {id}", lobby.id()),
    )
    .await;

    let reused = ticket_with_id(id, &q2, at(7), &[newcomer]);
    store.enqueue(reused.clone()).await.unwrap_or_else(|e| {
        panic!("{what}: a ticket for a free player under the id of a claimed ticket: {e}")
    });
    assert_eq!(
        store.ticket(id).await.expect("ticket"),
        Some(reused.clone()),
        "{what}: ticket({id}) once a new ticket took the claimed ticket's id"
    );
    for (queue, want) in [(&q1, &stray), (&q2, &reused)] {
        assert_eq!(
            store.tickets(queue).await.expect("tickets"),
            vec![want.clone()],
            "{what}: the tickets waiting in {queue}"
        );
    }
    assert_eq!(
        store.lobby(lobby.id()).await.expect("lobby"),
        Some(Versioned {
            value: lobby.clone(),
            version: 1
        }),
        "{what}: the lobby keeps its own copy of ticket {id}"
    );
    let events: Vec<Event> = own_events(&*store, scope.since, &[q1.clone(), q2.clone()])
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        events,
        vec![Event::queued(&reused)],
        "{what}: only the ticket queued under the id is logged"
    );

    // A lobby naming the claimed copy (a matcher's stale view).
    let stale = fresh.lobby(&q1, &[held.clone(), stray.clone()], at(8));
    scope.tickets = vec![id, stray.id()];
    scope.players = vec![player, newcomer, stray.players()[0].id];
    scope.lobbies = vec![lobby.id(), stale.id()];
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.commit(&stale).await;
    assert!(
        matches!(&result, Ok(CommitOutcome::Conflict { missing }) if *missing == vec![id]),
        "{what}: commit of a lobby holding the claimed copy of ticket {id} while another \
         ticket waits under that id: expected Conflict {{ missing: [{id}] }}, got {}",
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: commit of the copy"),
    )
    .await;
}

/// Enqueues each of `cases` (a ticket and what it is) on its own, then all
/// of them in one `enqueue_many`, and checks that every call is refused as
/// `refused` tells (`expected` says how, for the messages), that the batch
/// gives one result per ticket, and that nothing changes.
async fn refused_alone_and_batched<S: Store + ?Sized>(
    store: &S,
    scope: &Scope,
    cases: &[(Ticket, &str)],
    refused: impl Fn(&Ticket, &Result<(), Error>) -> bool,
    expected: &str,
    what: &str,
) {
    for (ticket, why) in cases {
        let before = Snapshot::take(store, scope).await;
        let result = store.enqueue(ticket.clone()).await;
        assert!(
            refused(ticket, &result),
            "{what}: enqueue of {why}: expected {expected}, got {}",
            describe(&result)
        );
        assert_unchanged(store, scope, &before, &format!("{what}: enqueue of {why}")).await;
    }
    let before = Snapshot::take(store, scope).await;
    let batch: Vec<Ticket> = cases.iter().map(|(t, _)| t.clone()).collect();
    let results = store.enqueue_many(batch).await.expect("enqueue_many");
    assert_eq!(results.len(), cases.len(), "{what}: one result per ticket");
    for ((ticket, why), result) in cases.iter().zip(&results) {
        assert!(
            refused(ticket, result),
            "{what}: enqueue_many of {why}: expected {expected} as from enqueue, got {}",
            describe(result)
        );
    }
    assert_unchanged(store, scope, &before, &format!("{what}: enqueue_many")).await;
}
/// Players in an unfinished lobby cannot queue ([`Error::InLobby`]); once the
/// lobby finishes they can.
pub async fn enqueue_rejects_players_in_lobby<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_rejects_players_in_lobby";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let (a, b) = (fresh.solo(&q, at(0)), fresh.solo(&q, at(1)));
    let player = a.players()[0].id;
    enqueue_all(&*store, &[a.clone(), b.clone()], what).await;
    let mut lobby = fresh.lobby(&q, &[a.clone(), b.clone()], at(2));
    commit_ok(&*store, &lobby, what).await;

    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: vec![player],
        lobbies: vec![lobby.id()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.enqueue(fresh.ticket(&q, at(3), &[player])).await;
    assert!(
        matches!(&result, Err(Error::InLobby { player: p, lobby: l }) if *p == player && *l == lobby.id()),
        "{what}: a player in unfinished lobby {}: expected InLobby, got {}",
        lobby.id(),
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, what).await;

    lobby
        .cancel("server lost", at(4))
        .expect("cancel a forming lobby");
    update_ok(&*store, LobbyUpdate::new(lobby, 1), what).await;
    store
        .enqueue(fresh.ticket(&q, at(5), &[player]))
        .await
        .unwrap_or_else(|e| {
            panic!("{what}: once the lobby is cancelled its players may queue: {e}")
        });
}

/// A player on a cooldown cannot queue with an enqueue time before it ends
/// ([`Error::Cooldown`] with the end); from the end on they can.
pub async fn enqueue_rejects_players_on_cooldown<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_rejects_players_on_cooldown";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let (a, b) = (fresh.solo(&q, at(0)), fresh.solo(&q, at(1)));
    let decliner = b.players()[0].id;
    enqueue_all(&*store, &[a.clone(), b.clone()], what).await;
    let mut lobby = fresh.lobby(&q, &[a.clone(), b.clone()], at(2));
    commit_ok(&*store, &lobby, what).await;
    lobby
        .open_acceptance(at(30), at(2))
        .expect("open the ready check");
    update_ok(&*store, LobbyUpdate::new(lobby.clone(), 1), what).await;
    let cancellation = lobby.decline(decliner, at(3)).expect("decline");
    let until = at(63);
    let mut update = LobbyUpdate::new(lobby, 2);
    update.requeue = cancellation.requeue;
    update.cooldowns = vec![(decliner, until)];
    update_ok(&*store, update, what).await;

    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: vec![decliner],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store.enqueue(fresh.ticket(&q, at(62), &[decliner])).await;
    assert!(
        matches!(&result, Err(Error::Cooldown { player, until: u }) if *player == decliner && *u == until),
        "{what}: enqueue one second before the cooldown ends: expected Cooldown until {until}, got {}",
        describe(&result)
    );
    assert_unchanged(&*store, &scope, &before, what).await;
    store
        .enqueue(fresh.ticket(&q, until, &[decliner]))
        .await
        .unwrap_or_else(|e| panic!("{what}: a cooldown has ended at its end time: {e}"));
}

/// A party ticket is refused for any of its players, not only the first: a
/// member after the first who is in an unfinished lobby makes the enqueue
/// fail with [`Error::InLobby`] naming that member and the lobby, one on a
/// cooldown with [`Error::Cooldown`] naming that member and the end, and a
/// party with one member on a cooldown and a later one in a lobby with
/// `InLobby` (the kinds of refusal go in order, each over every player); a
/// failed enqueue changes nothing. Without the busy members the party
/// queues.
pub async fn enqueue_rejects_any_busy_party_member<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "enqueue_rejects_any_busy_party_member";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let (a, b) = (fresh.solo(&q, at(0)), fresh.solo(&q, at(1)));
    let seated = b.players()[0].id;
    let (first, second, cooled) = (fresh.player(), fresh.player(), fresh.player());
    enqueue_all(&*store, &[a.clone(), b.clone()], what).await;
    let mut lobby = fresh.lobby(&q, &[a, b], at(2));
    commit_ok(&*store, &lobby, what).await;
    lobby.open_acceptance(at(60), at(3)).expect("open");
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.cooldowns = vec![(cooled, at(100))];
    update_ok(&*store, update, what).await;

    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        players: vec![first, second, seated, cooled],
        lobbies: vec![lobby.id()],
        ..Scope::default()
    };
    let before = Snapshot::take(&*store, &scope).await;
    let result = store
        .enqueue(fresh.ticket(&q, at(5), &[first, second, seated]))
        .await;
    assert!(
        matches!(&result, Err(Error::InLobby { player, lobby: l }) if *player == seated && *l == lobby.id()),
        "{what}: a party whose third member is in lobby {}: expected InLobby naming {seated}, got {}",
        lobby.id(),
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: member in a lobby"),
    )
    .await;
    let result = store
        .enqueue(fresh.ticket(&q, at(50), &[first, cooled]))
        .await;
    assert!(
        matches!(&result, Err(Error::Cooldown { player, until }) if *player == cooled && *until == at(100)),
        "{what}: a party whose second member is on a cooldown: expected Cooldown naming {cooled} \
         until {}, got {}",
        at(100),
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: member on a cooldown"),
    )
    .await;
    // The kinds of refusal are checked in order over all players: a member
    // in a lobby is named before an earlier member on a cooldown.
    let result = store
        .enqueue(fresh.ticket(&q, at(50), &[cooled, seated]))
        .await;
    assert!(
        matches!(&result, Err(Error::InLobby { player, lobby: l }) if *player == seated && *l == lobby.id()),
        "{what}: a party whose first member is on a cooldown and second in lobby {}: expected \
         InLobby naming {seated}, got {}",
        lobby.id(),
        describe(&result)
    );
    assert_unchanged(
        &*store,
        &scope,
        &before,
        &format!("{what}: members on a cooldown and in a lobby"),
    )
    .await;
    store
        .enqueue(fresh.ticket(&q, at(50), &[first, second]))
        .await
        .unwrap_or_else(|e| panic!("{what}: the party without its busy members may queue: {e}"));
}

/// Cancel returns the waiting ticket, removes it everywhere and logs
/// `TicketCancelled`; unknown, already cancelled and matched tickets are
/// [`Error::TicketNotFound`].
pub async fn cancel_withdraws_waiting_tickets<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "cancel_withdraws_waiting_tickets";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let since = tail(&*store).await;
    let (a, b, c) = (
        fresh.solo(&q, at(0)),
        fresh.solo(&q, at(1)),
        fresh.solo(&q, at(2)),
    );
    enqueue_all(&*store, &[a.clone(), b.clone(), c.clone()], what).await;

    let got = store.cancel(a.id(), at(5)).await;
    assert!(
        matches!(&got, Ok(t) if *t == a),
        "{what}: cancel returns the ticket, got {}",
        describe(&got)
    );
    assert_eq!(
        store.ticket(a.id()).await.expect("ticket"),
        None,
        "{what}: ticket(id) after cancel"
    );
    assert_eq!(
        store.ticket_of(a.players()[0].id).await.expect("ticket_of"),
        None,
        "{what}: ticket_of after cancel"
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![b.clone(), c.clone()],
        "{what}: tickets after cancel"
    );

    let lobby = fresh.lobby(&q, &[b.clone(), c.clone()], at(6));
    commit_ok(&*store, &lobby, what).await;
    let unknown = fresh.ticket_id();
    for (id, why) in [
        (a.id(), "already cancelled"),
        (unknown, "never queued"),
        (b.id(), "matched"),
    ] {
        let result = store.cancel(id, at(7)).await;
        assert!(
            matches!(&result, Err(Error::TicketNotFound(t)) if *t == id),
            "{what}: cancel of a {why} ticket: expected TicketNotFound, got {}",
            describe(&result)
        );
    }
    let events: Vec<Event> = own_events(&*store, since, std::slice::from_ref(&q))
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let mut want = vec![
        Event::queued(&a),
        Event::queued(&b),
        Event::queued(&c),
        Event::cancelled(&a, at(5)),
    ];
    want.extend(lobby.commit_events());
    assert_eq!(events, want, "{what}: events");
    store
        .enqueue(fresh.ticket(&q, at(8), &[a.players()[0].id]))
        .await
        .unwrap_or_else(|e| panic!("{what}: a cancelled ticket's player may queue again: {e}"));
}

/// `tickets` lists a queue oldest first by enqueue time, then id, whatever
/// the order of arrival, and a requeued ticket takes its original place.
pub async fn tickets_are_oldest_first<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "tickets_are_oldest_first";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let old = [fresh.solo(&q, at(-60)), fresh.solo(&q, at(-50))];
    enqueue_all(&*store, &old, what).await;
    let mut lobby = fresh.lobby(&q, &old, at(-40));
    commit_ok(&*store, &lobby, what).await;

    // Ids increase in creation order; arrival order differs from time order.
    let later = [fresh.solo(&q, at(1)), fresh.solo(&q, at(3))];
    let same_time_low_id = fresh.solo(&q, at(2));
    let early = fresh.solo(&q, at(0));
    let same_time_high_id = fresh.solo(&q, at(2));
    let arrivals = [
        later[1].clone(),
        same_time_high_id.clone(),
        early.clone(),
        later[0].clone(),
        same_time_low_id.clone(),
    ];
    enqueue_all(&*store, &arrivals, what).await;
    let want = vec![
        early.clone(),
        later[0].clone(),
        same_time_low_id.clone(),
        same_time_high_id.clone(),
        later[1].clone(),
    ];
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        want,
        "{what}: out-of-order arrivals"
    );

    let cancellation = lobby.cancel("server lost", at(4)).expect("cancel");
    let mut update = LobbyUpdate::new(lobby, 1);
    update.requeue = cancellation.requeue;
    update_ok(&*store, update, what).await;
    let mut want_all = old.to_vec();
    want_all.extend(want);
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        want_all,
        "{what}: requeued tickets keep their place"
    );

    store
        .cancel(same_time_low_id.id(), at(5))
        .await
        .expect("cancel");
    want_all.retain(|t| t.id() != same_time_low_id.id());
    let late = fresh.solo(&q, at(-55));
    enqueue_all(&*store, std::slice::from_ref(&late), what).await;
    want_all.insert(1, late);
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        want_all,
        "{what}: after a cancel and a late arrival"
    );
}

/// Expire removes exactly the listed tickets that are still waiting, returns
/// them, logs `TicketExpired` for each, and ignores the rest.
pub async fn expire_removes_waiting_tickets<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "expire_removes_waiting_tickets";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t: Vec<Ticket> = (0..5).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let lobby = fresh.lobby(&q, &t[3..5], at(5));
    commit_ok(&*store, &lobby, what).await;
    let since = tail(&*store).await;

    let unknown = fresh.ticket_id();
    let ids = [t[1].id(), unknown, t[3].id(), t[0].id(), t[1].id()];
    let mut got = store.expire(&ids, at(10)).await.expect("expire");
    got.sort_by_key(Ticket::id);
    assert_eq!(
        got,
        vec![t[0].clone(), t[1].clone()],
        "{what}: expire returns exactly the waiting tickets it removed"
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        vec![t[2].clone()],
        "{what}: tickets after expire"
    );
    assert_eq!(
        store.ticket(t[0].id()).await.expect("ticket"),
        None,
        "{what}: ticket after expire"
    );
    assert_eq!(
        store
            .ticket_of(t[1].players()[0].id)
            .await
            .expect("ticket_of"),
        None,
        "{what}: ticket_of after expire"
    );

    let mut events: Vec<Event> = own_events(&*store, since, &[q])
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    events.sort_by_key(|e| e.ticket());
    assert_eq!(
        events,
        vec![Event::expired(&t[0], at(10)), Event::expired(&t[1], at(10))],
        "{what}: events"
    );
    let again = store.expire(&ids, at(11)).await.expect("expire");
    assert!(
        again.is_empty(),
        "{what}: expiring expired tickets again returns nothing, got {again:?}"
    );
}
