//! Tickets, lobbies and records for the adapter's own tests.

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::history::MatchRecord;
use matchforge_core::ids::{Ladder, LobbyId, PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::lobby::{Lobby, MatchResult};
use matchforge_core::matcher::Matcher;
use matchforge_core::queue::{MatchFormat, QueueSpec, Widening};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Ticket, TicketPlayer};

/// Ids from a seed: `(seed << 64) | counter`, so tests with different seeds
/// never collide.
pub(crate) struct Ids {
    base: u128,
    next: u128,
}

impl Ids {
    pub(crate) fn new(seed: u128) -> Self {
        Self {
            base: seed << 64,
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

    pub(crate) fn lobby(&mut self) -> LobbyId {
        LobbyId::from_u128(self.next())
    }

    pub(crate) fn party(&mut self) -> PartyId {
        PartyId::from_u128(self.next())
    }

    pub(crate) fn ticket_id(&mut self) -> TicketId {
        TicketId::from_u128(self.next())
    }

    /// A ticket for `players` (a party when there are several).
    pub(crate) fn ticket(
        &mut self,
        queue: &QueueName,
        at: DateTime<Utc>,
        players: &[PlayerId],
    ) -> Ticket {
        let id = self.ticket_id();
        Ticket::builder(id, queue.clone(), at)
            .players(
                players
                    .iter()
                    .map(|&p| TicketPlayer::new(p, rating(1500.0))),
            )
            .build(&PartyRating::Average)
            .expect("a valid ticket")
    }

    /// A solo ticket for a new player.
    pub(crate) fn solo(&mut self, queue: &QueueName, at: DateTime<Utc>) -> Ticket {
        let player = self.player();
        self.ticket(queue, at, &[player])
    }
}

/// A rating with the given value.
pub(crate) fn rating(value: f64) -> Rating {
    Rating::new(value, 80.0, 0.06).expect("a valid rating")
}

/// 2026-01-01 12:00:00 UTC plus `secs` seconds.
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

/// A forming 1v1 lobby over two solo tickets, as the matcher proposes it.
pub(crate) fn duel(
    id: LobbyId,
    queue: &QueueName,
    pair: &[Ticket; 2],
    now: DateTime<Utc>,
) -> Lobby {
    let config = QueueSpec::new(queue.clone(), MatchFormat::one_v_one())
        .with_rating_window(Widening::fixed(10_000.0).expect("a valid window"))
        .build()
        .expect("a valid queue");
    let proposal = Matcher::new(config)
        .find_matches(pair, now)
        .proposals
        .pop()
        .expect("two tickets make a duel");
    Lobby::new(id, queue.clone(), proposal, pair.to_vec(), now).expect("a valid lobby")
}

/// The match record of a completed lobby.
pub(crate) fn record(lobby: &Lobby, ladder: &Ladder, completed_at: DateTime<Utc>) -> MatchRecord {
    MatchRecord {
        lobby: lobby.id(),
        queue: lobby.queue().clone(),
        ladder: ladder.clone(),
        teams: lobby.teams(),
        result: MatchResult::winner(0, 2),
        server: Some("eu-2".into()),
        started_at: lobby.created_at(),
        completed_at,
        rating_changes: Vec::new(),
    }
}
