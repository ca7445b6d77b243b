//! What the checks build their scenarios from: fresh ids, tickets, lobbies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::error::Error;
use matchforge_core::event::{EventCursor, EventKind};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{Lobby, MatchResult};
use matchforge_core::matcher::{MatchProposal, MatchQuality, Seat};
use matchforge_core::ports::{CommitOutcome, LobbyUpdate, Store};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Hands out ids and names no other check (in this process or another one
/// sharing the store) uses: a random 96-bit base per check, then a counter.
pub(crate) struct Fresh {
    base: u128,
    next: u128,
}

impl Fresh {
    pub(crate) fn new() -> Self {
        static CHECKS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let seed = nanos
            ^ u64::from(std::process::id()).rotate_left(32)
            ^ CHECKS
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let high: u128 = rng.random::<u128>() >> 32;
        Self {
            base: high << 32,
            next: 0,
        }
    }

    fn next(&mut self) -> u128 {
        self.next += 1;
        self.base | self.next
    }

    pub(crate) fn player(&mut self) -> PlayerId {
        PlayerId::from_u128(self.next())
    }

    pub(crate) fn ticket_id(&mut self) -> TicketId {
        TicketId::from_u128(self.next())
    }

    pub(crate) fn lobby_id(&mut self) -> LobbyId {
        LobbyId::from_u128(self.next())
    }

    pub(crate) fn party_id(&mut self) -> PartyId {
        PartyId::from_u128(self.next())
    }

    pub(crate) fn queue(&mut self) -> QueueName {
        QueueName::new(format!("conformance-{:x}", self.next()))
    }

    pub(crate) fn ladder(&mut self) -> Ladder {
        Ladder::new(format!("conformance-{:x}", self.next()))
    }

    /// A solo ticket for a new player.
    pub(crate) fn solo(&mut self, queue: &QueueName, at: DateTime<Utc>) -> Ticket {
        let player = self.player();
        self.ticket(queue, at, &[player])
    }

    /// A ticket for `players` (a party when there are several).
    pub(crate) fn ticket(
        &mut self,
        queue: &QueueName,
        at: DateTime<Utc>,
        players: &[PlayerId],
    ) -> Ticket {
        let id = self.ticket_id();
        ticket_with_id(id, queue, at, players)
    }

    /// A forming lobby over `tickets`, alternating them between two teams.
    pub(crate) fn lobby(
        &mut self,
        queue: &QueueName,
        tickets: &[Ticket],
        at: DateTime<Utc>,
    ) -> Lobby {
        let id = self.lobby_id();
        lobby_with_id(id, queue, tickets, at)
    }
}

/// A ticket with a given id.
pub(crate) fn ticket_with_id(
    id: TicketId,
    queue: &QueueName,
    at: DateTime<Utc>,
    players: &[PlayerId],
) -> Ticket {
    Ticket::builder(id, queue.clone(), at)
        .players(
            players
                .iter()
                .map(|&p| TicketPlayer::new(p, rating(1500.0))),
        )
        .build(&PartyRating::Average)
        .expect("fixture tickets are valid")
}

/// A forming lobby with a given id over `tickets`, alternating them between two teams.
pub(crate) fn lobby_with_id(
    id: LobbyId,
    queue: &QueueName,
    tickets: &[Ticket],
    at: DateTime<Utc>,
) -> Lobby {
    lobby_in_teams(id, queue, tickets, at, |i| (i % 2) as u16)
}

/// A forming lobby with a given id over `tickets`, the `i`-th ticket in team
/// `team(i)` (of two).
pub(crate) fn lobby_in_teams(
    id: LobbyId,
    queue: &QueueName,
    tickets: &[Ticket],
    at: DateTime<Utc>,
    team: impl Fn(usize) -> u16,
) -> Lobby {
    let seats = tickets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            let team = team(i);
            t.player_ids().map(move |player| Seat {
                player,
                ticket: t.id(),
                team,
                role: None,
            })
        })
        .collect();
    let proposal = MatchProposal {
        seats,
        region: None,
        quality: MatchQuality {
            rating_spread: 0.0,
            team_imbalance: 0.0,
            imbalance_lower_bound: 0.0,
            win_probability: 0.5,
            longest_wait: std::time::Duration::ZERO,
        },
    };
    Lobby::new(id, queue.clone(), proposal, tickets.to_vec(), at)
        .expect("fixture lobbies are valid")
}

/// A rating with the given value.
pub(crate) fn rating(value: f64) -> Rating {
    Rating::new(value, 80.0, 0.06).expect("fixture ratings are valid")
}

/// The time every scenario starts from.
pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// `t0()` plus `secs` seconds.
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// Enqueues every ticket, panicking with `what` on failure.
pub(crate) async fn enqueue_all<S: Store + ?Sized>(store: &S, tickets: &[Ticket], what: &str) {
    for t in tickets {
        if let Err(e) = store.enqueue(t.clone()).await {
            panic!("{what}: enqueue of ticket {} failed: {e}", t.id());
        }
    }
}

/// Commits `lobby`, which must succeed.
pub(crate) async fn commit_ok<S: Store + ?Sized>(store: &S, lobby: &Lobby, what: &str) {
    match store.commit(lobby).await {
        Ok(CommitOutcome::Committed) => {}
        other => panic!(
            "{what}: commit of lobby {} should succeed, got {other:?}",
            lobby.id()
        ),
    }
}

/// Applies `update`, which must succeed and return `expected_version + 1`.
pub(crate) async fn update_ok<S: Store + ?Sized>(
    store: &S,
    update: LobbyUpdate,
    what: &str,
) -> u64 {
    let id = update.lobby.id();
    let want = update.expected_version + 1;
    match store.update_lobby(update).await {
        Ok(v) => {
            assert_eq!(
                v, want,
                "{what}: update_lobby of {id} must return the new version"
            );
            v
        }
        Err(e) => panic!("{what}: update_lobby of {id} failed: {e}"),
    }
}

/// `lobby` played: ready and dispatched to `server-1` at `ready`, won by
/// team 0 at `done` (in memory; nothing is written).
pub(crate) fn played(mut lobby: Lobby, ready: DateTime<Utc>, done: DateTime<Utc>) -> Lobby {
    lobby.skip_acceptance(ready).expect("forming → ready");
    lobby
        .dispatch("server-1", ready)
        .expect("ready → dispatched");
    lobby
        .complete(MatchResult::winner(0, 2), done)
        .expect("dispatched → completed");
    lobby
}

/// Completes a committed (version 1) lobby at `done`, recording `record`.
pub(crate) async fn complete_ok<S: Store + ?Sized>(
    store: &S,
    lobby: Lobby,
    done: DateTime<Utc>,
    record: Option<MatchRecord>,
    what: &str,
) -> Lobby {
    let lobby = played(lobby, done, done);
    let mut update = LobbyUpdate::new(lobby.clone(), 1);
    update.record = record;
    update_ok(store, update, what).await;
    lobby
}

/// A match record for a completed `lobby`.
pub(crate) fn record_for(
    lobby: &Lobby,
    ladder: &Ladder,
    completed_at: DateTime<Utc>,
) -> MatchRecord {
    MatchRecord {
        lobby: lobby.id(),
        queue: lobby.queue().clone(),
        ladder: ladder.clone(),
        teams: lobby.teams(),
        result: MatchResult::winner(0, 2),
        server: Some("server-1".into()),
        started_at: lobby.created_at(),
        completed_at,
        rating_changes: Vec::new(),
    }
}

/// A result, spelled out for an assertion message.
pub(crate) fn describe<T: std::fmt::Debug>(result: &Result<T, Error>) -> String {
    match result {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({e:?})"),
    }
}

/// The queue an event is about.
pub(crate) fn event_queue(kind: &EventKind) -> Option<&QueueName> {
    match kind {
        EventKind::TicketQueued { queue, .. }
        | EventKind::TicketCancelled { queue, .. }
        | EventKind::TicketExpired { queue, .. }
        | EventKind::TicketMatched { queue, .. }
        | EventKind::TicketRequeued { queue, .. }
        | EventKind::LobbyChanged { queue, .. } => Some(queue),
        _ => None,
    }
}

/// Asserts that cursors strictly increase.
pub(crate) fn assert_increasing(cursors: impl IntoIterator<Item = EventCursor>, what: &str) {
    let mut last: Option<EventCursor> = None;
    for c in cursors {
        if let Some(l) = last {
            assert!(c > l, "{what}: event cursor {c} does not come after {l}");
        }
        last = Some(c);
    }
}
