//! Checks of [`TicketStore::commit`](matchforge_core::ports::TicketStore::commit):
//! all tickets or none.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::Event;
use matchforge_core::ids::LobbyId;
use matchforge_core::lobby::Lobby;
use matchforge_core::ports::{CommitOutcome, LobbyUpdate, Store, Versioned};
use matchforge_core::rating::PartyRating;
use matchforge_core::ticket::{Attributes, Ticket};

use super::fixtures::{
    Fresh, at, commit_ok, describe, enqueue_all, lobby_with_id, played, update_ok,
};
use super::snapshot::{Scope, Snapshot, assert_unchanged, own_events, tail};

/// A commit claims every ticket of the lobby (they leave the queue and every
/// lookup), stores the lobby at version 1, puts its players in it for
/// `lobby_of`, and logs exactly [`Lobby::commit_events`](matchforge_core::lobby::Lobby::commit_events).
/// The lobby's tickets are compared with the waiting ones by value: a copy
/// with `0.0` where the waiting ticket has `-0.0` (equal numbers) is the
/// same ticket.
pub async fn commit_claims_every_ticket<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_claims_every_ticket";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let party = [fresh.player(), fresh.player()];
    let signed = |level: f64, ticket: &Ticket| {
        Ticket::builder(ticket.id(), q.clone(), ticket.enqueued_at())
            .players(ticket.players().iter().cloned())
            .attributes(Attributes::new().with_number("level", level))
            .build(&PartyRating::Average)
            .expect("a valid ticket")
    };
    let plain = fresh.solo(&q, at(2));
    let tickets = [
        fresh.ticket(&q, at(0), &party),
        fresh.solo(&q, at(1)),
        signed(-0.0, &plain),
    ];
    let bystander = fresh.solo(&q, at(3));
    enqueue_all(&*store, &tickets, what).await;
    enqueue_all(&*store, std::slice::from_ref(&bystander), what).await;
    let since = tail(&*store).await;

    let copies = [tickets[0].clone(), tickets[1].clone(), signed(0.0, &plain)];
    assert_eq!(copies, tickets, "{what}: -0.0 and 0.0 are equal");
    let lobby = fresh.lobby(&q, &copies, at(10));
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

/// Lobbies committed as the runner commits them — the ready check already
/// open, or skipped (ready) — through one `commit_many`: each is stored at
/// version 1 with its players in it and logs its
/// [`commit_events`](matchforge_core::lobby::Lobby::commit_events). One
/// with an open ready check is due from its deadline on, to the nanosecond
/// (not a nanosecond before), earliest deadline first even within one
/// microsecond; a ready one is never due; and a committed ready check that is
/// cancelled is due no more.
///
/// It reads every due lobby and keeps its own, and its deadlines lie in
/// 2002, after those of [`lobbies_due_by_deadline`](super::lobbies_due_by_deadline)
/// (which reads with small limits), so the two can share a store.
pub async fn commit_indexes_open_ready_checks<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_indexes_open_ready_checks";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let base = Utc.with_ymd_and_hms(2002, 1, 1, 0, 0, 0).unwrap();
    let ns = |nanos: i64| base + Duration::nanoseconds(nanos);
    let t: Vec<Ticket> = (0..8).map(|i| fresh.solo(&q, ns(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let now = ns(10_000_000_000);
    let open = |fresh: &mut Fresh, pair: &[Ticket], deadline: DateTime<Utc>| {
        let mut lobby = fresh.lobby(&q, pair, now);
        lobby.open_acceptance(deadline, now).expect("open");
        lobby
    };
    // Ids increase in creation order: `soon` is created after `mid`, yet due
    // 100 ns before it, within the same microsecond.
    let late = open(&mut fresh, &t[0..2], ns(30_700_000_000));
    let mid = open(&mut fresh, &t[2..4], ns(30_300_000_500));
    let mut ready = fresh.lobby(&q, &t[4..6], now);
    ready.skip_acceptance(now).expect("skip the ready check");
    let soon = open(&mut fresh, &t[6..8], ns(30_300_000_400));
    let lobbies = [late.clone(), mid.clone(), ready.clone(), soon.clone()];
    let since = tail(&*store).await;
    let results = store.commit_many(&lobbies).await.expect("commit_many");
    assert_eq!(results.len(), lobbies.len(), "{what}: one result per lobby");
    for (lobby, result) in lobbies.iter().zip(&results) {
        assert!(
            matches!(result, Ok(CommitOutcome::Committed)),
            "{what}: commit of lobby {} in phase {}: {}",
            lobby.id(),
            lobby.phase().as_str(),
            describe(result)
        );
        assert_eq!(
            store.lobby(lobby.id()).await.expect("lobby"),
            Some(Versioned {
                value: lobby.clone(),
                version: 1
            }),
            "{what}: the stored lobby in phase {}",
            lobby.phase().as_str()
        );
        for p in lobby.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                Some(lobby.id()),
                "{what}: lobby_of a player of a lobby committed in phase {}",
                lobby.phase().as_str()
            );
        }
    }
    let events: Vec<Event> = own_events(&*store, since, std::slice::from_ref(&q))
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let want: Vec<Event> = lobbies.iter().flat_map(Lobby::commit_events).collect();
    assert_eq!(events, want, "{what}: events");

    let ids: Vec<LobbyId> = lobbies.iter().map(Lobby::id).collect();
    let due = |before: DateTime<Utc>| {
        let store = Arc::clone(&store);
        let ids = ids.clone();
        async move {
            let got = store
                .lobbies_due(before, usize::MAX)
                .await
                .expect("lobbies_due");
            got.into_iter()
                .filter(|l| ids.contains(l))
                .collect::<Vec<_>>()
        }
    };
    let one = Duration::nanoseconds(1);
    let (d_soon, d_mid, d_late) = (
        soon.deadline().expect("open"),
        mid.deadline().expect("open"),
        late.deadline().expect("open"),
    );
    let table = [
        (now, vec![]),
        (d_soon - one, vec![]),
        (d_soon, vec![soon.id()]),
        (d_mid - one, vec![soon.id()]),
        (d_mid, vec![soon.id(), mid.id()]),
        (d_late - one, vec![soon.id(), mid.id()]),
        (d_late, vec![soon.id(), mid.id(), late.id()]),
        (ns(3_600_000_000_000), vec![soon.id(), mid.id(), late.id()]),
    ];
    for (before, want) in table {
        assert_eq!(
            due(before).await,
            want,
            "{what}: lobbies_due({before}) over lobbies committed with their ready check open \
             (soon {d_soon}, mid {d_mid}, late {d_late}) or skipped"
        );
    }

    let mut aborted = mid.clone();
    aborted
        .cancel("server lost", ns(11_000_000_000))
        .expect("cancel");
    update_ok(&*store, LobbyUpdate::new(aborted, 1), what).await;
    assert_eq!(
        due(d_late).await,
        vec![soon.id(), late.id()],
        "{what}: a cancelled lobby is no longer due"
    );
}

/// Only an unfinished lobby is committed. One already completed or
/// cancelled is refused with [`Error::IllegalTransition`] naming it and its
/// phase, by `commit` and within `commit_many`, before its id or tickets are
/// looked at — also when its id is taken or its tickets are gone (not
/// [`Error::Conflict`], not [`CommitOutcome::Conflict`]) — and changes
/// nothing: its tickets keep waiting, for the later lobbies of a batch too,
/// its id stays free, nothing is logged. A lobby in any unfinished phase is
/// committed exactly as given: awaiting acceptance with an accept already
/// recorded (due at its deadline), dispatched.
pub async fn commit_refuses_finished_lobbies<S: Store + ?Sized + 'static>(store: Arc<S>) {
    let what = "commit_refuses_finished_lobbies";
    let mut fresh = Fresh::new();
    let q = fresh.queue();
    let t: Vec<Ticket> = (0..8).map(|i| fresh.solo(&q, at(i))).collect();
    enqueue_all(&*store, &t, what).await;
    let existing = fresh.lobby(&q, &t[6..8], at(9));
    commit_ok(&*store, &existing, what).await;

    // Finished before any commit, each over tickets that wait but the last.
    let completed = played(fresh.lobby(&q, &t[0..2], at(10)), at(11), at(12));
    let mut cancelled = fresh.lobby(&q, &t[2..4], at(10));
    cancelled.cancel("abandoned", at(11)).expect("cancel");
    // The id of the stored lobby.
    let taken_id = played(
        lobby_with_id(existing.id(), &q, &t[4..6], at(10)),
        at(11),
        at(12),
    );
    // Tickets `existing` claimed; declined in its ready check.
    let mut gone = fresh.lobby(&q, &t[6..8], at(10));
    gone.open_acceptance(at(40), at(10)).expect("open");
    gone.decline(t[6].players()[0].id, at(11)).expect("decline");
    let refused = [
        (&completed, "a completed lobby"),
        (&cancelled, "a cancelled lobby"),
        (&taken_id, "a completed lobby with a stored lobby's id"),
        (
            &gone,
            "a lobby cancelled in its ready check, its tickets claimed",
        ),
    ];
    let scope = Scope {
        since: tail(&*store).await,
        queues: vec![q.clone()],
        tickets: t.iter().map(Ticket::id).collect(),
        players: t.iter().flat_map(Ticket::player_ids).collect(),
        lobbies: vec![existing.id(), completed.id(), cancelled.id(), gone.id()],
        ..Scope::default()
    };
    let is_refused = |result: &Result<CommitOutcome, Error>, lobby: &Lobby| {
        matches!(result, Err(Error::IllegalTransition { lobby: id, state, .. })
            if *id == lobby.id() && *state == lobby.phase().as_str())
    };
    for (lobby, why) in refused {
        let before = Snapshot::take(&*store, &scope).await;
        let result = store.commit(lobby).await;
        assert!(
            is_refused(&result, lobby),
            "{what}: commit of {why}: expected IllegalTransition {{ lobby: {}, state: {:?} }}, \
             got {}",
            lobby.id(),
            lobby.phase().as_str(),
            describe(&result)
        );
        assert_unchanged(
            &*store,
            &scope,
            &before,
            &format!("{what}: commit of {why}"),
        )
        .await;
    }

    // In a batch: each finished lobby refused in its place, its tickets and
    // id left to the lobbies after it.
    let mut awaiting = lobby_with_id(completed.id(), &q, &t[0..2], at(20));
    awaiting.open_acceptance(at(50), at(20)).expect("open");
    awaiting
        .accept(t[0].players()[0].id, at(21))
        .expect("accept");
    let mut dispatched = fresh.lobby(&q, &t[2..4], at(20));
    dispatched.skip_acceptance(at(20)).expect("ready");
    dispatched.dispatch("server-1", at(22)).expect("dispatch");
    let batch = [
        completed.clone(),
        awaiting.clone(),
        gone.clone(),
        cancelled.clone(),
        dispatched.clone(),
        taken_id.clone(),
    ];
    let since = tail(&*store).await;
    let results = store.commit_many(&batch).await.expect("commit_many");
    assert_eq!(results.len(), batch.len(), "{what}: one outcome per lobby");
    for (lobby, result) in batch.iter().zip(&results) {
        let phase = lobby.phase().as_str();
        if lobby.phase().is_finished() {
            assert!(
                is_refused(result, lobby),
                "{what}: commit_many, the {phase} lobby {}: expected IllegalTransition, got {}",
                lobby.id(),
                describe(result)
            );
        } else {
            assert!(
                matches!(result, Ok(CommitOutcome::Committed)),
                "{what}: commit_many, the {phase} lobby {} after a refused finished lobby \
                 that named its tickets: expected Committed, got {}",
                lobby.id(),
                describe(result)
            );
        }
    }
    for lobby in [&awaiting, &dispatched] {
        let phase = lobby.phase().as_str();
        assert_eq!(
            store.lobby(lobby.id()).await.expect("lobby"),
            Some(Versioned {
                value: lobby.clone(),
                version: 1
            }),
            "{what}: the lobby committed {phase}, exactly as given"
        );
        for p in lobby.players() {
            assert_eq!(
                store.lobby_of(p).await.expect("lobby_of"),
                Some(lobby.id()),
                "{what}: lobby_of a player of the lobby committed {phase}"
            );
        }
    }
    for lobby in [&gone, &cancelled] {
        assert_eq!(
            store.lobby(lobby.id()).await.expect("lobby"),
            None,
            "{what}: a refused finished lobby is not stored"
        );
    }
    assert_eq!(
        store.lobby(existing.id()).await.expect("lobby"),
        Some(Versioned {
            value: existing.clone(),
            version: 1
        }),
        "{what}: the lobby whose id a refused lobby named"
    );
    let deadline = awaiting.deadline().expect("open");
    let due = store
        .lobbies_due(deadline, usize::MAX)
        .await
        .expect("lobbies_due");
    assert!(
        due.contains(&awaiting.id()) && !due.contains(&dispatched.id()),
        "{what}: lobbies_due({deadline}) lists the lobby committed awaiting acceptance, not \
         the dispatched one: {due:?}"
    );
    assert_eq!(
        store.tickets(&q).await.expect("tickets"),
        t[4..6].to_vec(),
        "{what}: the tickets only refused lobbies named still wait"
    );
    for p in t[4..6].iter().flat_map(Ticket::player_ids) {
        assert_eq!(
            store.lobby_of(p).await.expect("lobby_of"),
            None,
            "{what}: a refused lobby seats none of its players ({p})"
        );
    }
    let events: Vec<Event> = own_events(&*store, since, std::slice::from_ref(&q))
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let want: Vec<Event> = [awaiting, dispatched]
        .iter()
        .flat_map(Lobby::commit_events)
        .collect();
    assert_eq!(
        events, want,
        "{what}: only the committed lobbies are logged"
    );
}
