//! Everything a check can observe about its own part of a store, to compare
//! before and after a call that must change nothing.

use matchforge_core::event::{Event, EventCursor};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::{Store, Versioned};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;

use super::fixtures::event_queue;

/// Page size for reading the event log.
const PAGE: usize = 512;

/// The cursor of the last event in the log now (`None` if it is empty): a
/// check's own events are the ones after it.
pub(crate) async fn tail<S: Store + ?Sized>(store: &S) -> Option<EventCursor> {
    let mut last = None;
    loop {
        let page = store
            .events_after(last, PAGE)
            .await
            .expect("events_after failed");
        match page.last() {
            Some((cursor, _)) => last = Some(*cursor),
            None => return last,
        }
    }
}

/// Every event after `since`, with its cursor.
pub(crate) async fn events_since<S: Store + ?Sized>(
    store: &S,
    since: Option<EventCursor>,
) -> Vec<(EventCursor, Event)> {
    let mut out = Vec::new();
    let mut after = since;
    loop {
        let page = store
            .events_after(after, PAGE)
            .await
            .expect("events_after failed");
        let Some((cursor, _)) = page.last() else {
            return out;
        };
        after = Some(*cursor);
        out.extend(page);
    }
}

/// The events after `since` about one of `queues`, with their cursors.
pub(crate) async fn own_events<S: Store + ?Sized>(
    store: &S,
    since: Option<EventCursor>,
    queues: &[QueueName],
) -> Vec<(EventCursor, Event)> {
    events_since(store, since)
        .await
        .into_iter()
        .filter(|(_, e)| event_queue(&e.kind).is_some_and(|q| queues.contains(q)))
        .collect()
}

/// What a snapshot looks at: the ids a check created.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scope {
    pub(crate) since: Option<EventCursor>,
    pub(crate) queues: Vec<QueueName>,
    pub(crate) tickets: Vec<TicketId>,
    pub(crate) players: Vec<PlayerId>,
    pub(crate) lobbies: Vec<LobbyId>,
    pub(crate) ladders: Vec<Ladder>,
    pub(crate) parties: Vec<PartyId>,
}

/// Everything observable about a [`Scope`].
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    queues: Vec<Vec<Ticket>>,
    tickets: Vec<Option<Ticket>>,
    ticket_of: Vec<Option<Ticket>>,
    lobby_of: Vec<Option<LobbyId>>,
    lobbies: Vec<Option<Versioned<Lobby>>>,
    records: Vec<Option<MatchRecord>>,
    history: Vec<Vec<MatchRecord>>,
    ratings: Vec<Vec<Option<Rating>>>,
    parties: Vec<Option<Versioned<Party>>>,
    party_of: Vec<Option<Versioned<Party>>>,
    events: Vec<(EventCursor, Event)>,
}

impl Snapshot {
    /// Reads everything `scope` covers.
    pub(crate) async fn take<S: Store + ?Sized>(store: &S, scope: &Scope) -> Self {
        let mut snap = Snapshot {
            queues: Vec::new(),
            tickets: Vec::new(),
            ticket_of: Vec::new(),
            lobby_of: Vec::new(),
            lobbies: Vec::new(),
            records: Vec::new(),
            history: Vec::new(),
            ratings: Vec::new(),
            parties: Vec::new(),
            party_of: Vec::new(),
            events: own_events(store, scope.since, &scope.queues).await,
        };
        let fail =
            |what: &str, e: matchforge_core::Error| -> ! { panic!("snapshot: {what} failed: {e}") };
        for q in &scope.queues {
            snap.queues.push(
                store
                    .tickets(q)
                    .await
                    .unwrap_or_else(|e| fail("tickets", e)),
            );
        }
        for &t in &scope.tickets {
            snap.tickets
                .push(store.ticket(t).await.unwrap_or_else(|e| fail("ticket", e)));
        }
        for &p in &scope.players {
            snap.ticket_of.push(
                store
                    .ticket_of(p)
                    .await
                    .unwrap_or_else(|e| fail("ticket_of", e)),
            );
            snap.lobby_of.push(
                store
                    .lobby_of(p)
                    .await
                    .unwrap_or_else(|e| fail("lobby_of", e)),
            );
            snap.history.push(
                store
                    .matches_of(p, None, None, usize::MAX)
                    .await
                    .unwrap_or_else(|e| fail("matches_of", e)),
            );
            snap.party_of.push(
                store
                    .party_of(p)
                    .await
                    .unwrap_or_else(|e| fail("party_of", e)),
            );
        }
        for &l in &scope.lobbies {
            snap.lobbies
                .push(store.lobby(l).await.unwrap_or_else(|e| fail("lobby", e)));
            snap.records.push(
                store
                    .match_record(l)
                    .await
                    .unwrap_or_else(|e| fail("match_record", e)),
            );
        }
        for ladder in &scope.ladders {
            snap.ratings.push(
                store
                    .ratings(ladder, &scope.players)
                    .await
                    .unwrap_or_else(|e| fail("ratings", e)),
            );
        }
        for &party in &scope.parties {
            snap.parties.push(
                store
                    .party(party)
                    .await
                    .unwrap_or_else(|e| fail("party", e)),
            );
        }
        snap
    }
}

/// Asserts that `call` (already made) changed nothing `scope` covers since `before`.
pub(crate) async fn assert_unchanged<S: Store + ?Sized>(
    store: &S,
    scope: &Scope,
    before: &Snapshot,
    call: &str,
) {
    let after = Snapshot::take(store, scope).await;
    assert!(
        &after == before,
        "{call} failed but changed the store\nbefore: {before:#?}\nafter: {after:#?}"
    );
}
