//! Everything a check can observe about its own part of a store, to compare
//! before and after a call that must change nothing.

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::event::{Event, EventCursor};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::Lobby;
use matchforge_core::party::Party;
use matchforge_core::ports::{Store, Versioned};
use matchforge_core::rating::Rating;
use matchforge_core::ticket::Ticket;

use super::fixtures::{Fresh, event_queue};

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

/// What a snapshot learns about a player's cooldown.
///
/// No port reads cooldowns: the snapshot finds them out by queueing a free
/// player (neither waiting nor in an unfinished lobby) on a ticket of its own,
/// in a queue of its own, with an enqueue time long before any check's
/// ([`cooldown_probe`]); a cooldown refuses it and names its end, otherwise the
/// ticket is cancelled at once. The probe's events are about its own queue,
/// which no [`Scope`] lists, so they never show in a snapshot.
#[derive(Debug, PartialEq)]
enum Cooldown {
    /// Waiting or in an unfinished lobby: enqueue would refuse for that
    /// first, so the cooldown cannot be seen.
    Busy,
    /// Free to queue at the probe's time.
    None,
    /// On a cooldown that ends then.
    Until(DateTime<Utc>),
}

/// The enqueue time of a cooldown probe: before every time the checks use,
/// so any cooldown they set is still running then.
fn cooldown_probe() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap()
}

/// A time after every deadline the checks set.
fn far_future() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap()
}

/// Everything observable about a [`Scope`].
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    queues: Vec<Vec<Ticket>>,
    tickets: Vec<Option<Ticket>>,
    ticket_of: Vec<Option<Ticket>>,
    lobby_of: Vec<Option<LobbyId>>,
    cooldowns: Vec<Cooldown>,
    lobbies: Vec<Option<Versioned<Lobby>>>,
    /// `lobbies_due(t, usize::MAX)` restricted to the scope's lobbies, for `t`
    /// far in the future and just before and at each of their stored
    /// deadlines: a deadline left behind, dropped or moved shows here.
    due: Vec<(DateTime<Utc>, Vec<LobbyId>)>,
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
            cooldowns: Vec::new(),
            lobbies: Vec::new(),
            due: Vec::new(),
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
            let cooldown =
                if snap.ticket_of.last() != Some(&None) || snap.lobby_of.last() != Some(&None) {
                    Cooldown::Busy
                } else {
                    probe_cooldown(store, p).await
                };
            snap.cooldowns.push(cooldown);
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
        let mut times: Vec<DateTime<Utc>> = snap
            .lobbies
            .iter()
            .flatten()
            .filter_map(|l| l.value.deadline())
            .flat_map(|d| [d - Duration::nanoseconds(1), d])
            .chain([far_future()])
            .collect();
        times.sort();
        times.dedup();
        for t in times {
            let due = store
                .lobbies_due(t, usize::MAX)
                .await
                .unwrap_or_else(|e| fail("lobbies_due", e));
            snap.due.push((
                t,
                due.into_iter()
                    .filter(|l| scope.lobbies.contains(l))
                    .collect(),
            ));
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

/// The cooldown of a free `player`, found by queueing them (see [`Cooldown`]).
async fn probe_cooldown<S: Store + ?Sized>(store: &S, player: PlayerId) -> Cooldown {
    let mut fresh = Fresh::new();
    let queue = fresh.queue();
    let probe = fresh.ticket(&queue, cooldown_probe(), &[player]);
    match store.enqueue(probe.clone()).await {
        Ok(()) => {
            store
                .cancel(probe.id(), cooldown_probe())
                .await
                .unwrap_or_else(|e| panic!("snapshot: cancel of a cooldown probe failed: {e}"));
            Cooldown::None
        }
        Err(Error::Cooldown { player: p, until }) if p == player => Cooldown::Until(until),
        Err(e) => panic!("snapshot: a cooldown probe of free player {player} failed: {e:?}"),
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
