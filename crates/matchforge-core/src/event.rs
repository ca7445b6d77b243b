//! Events: what happened to tickets and lobbies, in order.
//!
//! Stores append events in the same atomic step as the change they describe
//! and hand them out in order behind a cursor ([`EventLog`](crate::ports::EventLog)),
//! so a subscriber that resumes from its last cursor misses nothing.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{LobbyId, PlayerId, QueueName, TicketId};
use crate::lobby::LobbyPhase;
use crate::ticket::Ticket;

/// Something that happened, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (the caller's clock).
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A ticket started waiting.
    TicketQueued {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueName,
        /// Its players.
        players: Vec<PlayerId>,
    },
    /// A ticket was withdrawn.
    TicketCancelled {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueName,
    },
    /// A ticket waited too long.
    TicketExpired {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueName,
    },
    /// A ticket was claimed by a lobby.
    TicketMatched {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueName,
        /// The lobby that claimed it.
        lobby: LobbyId,
    },
    /// A ticket went back to its queue (its lobby was cancelled), keeping its
    /// original enqueue time.
    TicketRequeued {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueName,
    },
    /// A lobby changed state.
    LobbyChanged {
        /// The lobby.
        lobby: LobbyId,
        /// Its queue.
        queue: QueueName,
        /// Its new phase.
        phase: LobbyPhase,
        /// Its players.
        players: Vec<PlayerId>,
    },
    /// An event of a kind this version does not know, written by a newer
    /// MatchForge sharing the store (during a rolling upgrade, say). Its
    /// fields are not kept; its time and cursor are. Reading it instead of
    /// failing keeps an older subscriber going past it: a log entry it
    /// cannot decode would otherwise fail every read from there on.
    ///
    /// What a newer version can add without stalling older readers is
    /// therefore a new kind, or a new field of a known kind (ignored). A
    /// known kind whose fields do not parse still fails to read, a new
    /// value of an existing field included (a [`LobbyPhase`] this version
    /// does not know): such a change needs a new kind instead. (The
    /// runner's `EventSubscription` delivers every event before such an
    /// entry and then fails on it until the entry is repaired or removed in
    /// the store: the error carries no cursor to resume after.)
    ///
    /// No store appends one. Written back out, it reads `"event": "unknown"`.
    #[serde(other)]
    Unknown,
}

impl Event {
    /// `TicketQueued` for `ticket`, at its enqueue time.
    #[must_use]
    pub fn queued(ticket: &Ticket) -> Self {
        Self {
            at: ticket.enqueued_at(),
            kind: EventKind::TicketQueued {
                ticket: ticket.id(),
                queue: ticket.queue().clone(),
                players: ticket.player_ids().collect(),
            },
        }
    }

    /// `TicketCancelled` for `ticket` at `at`.
    #[must_use]
    pub fn cancelled(ticket: &Ticket, at: DateTime<Utc>) -> Self {
        Self {
            at,
            kind: EventKind::TicketCancelled {
                ticket: ticket.id(),
                queue: ticket.queue().clone(),
            },
        }
    }

    /// `TicketExpired` for `ticket` at `at`.
    #[must_use]
    pub fn expired(ticket: &Ticket, at: DateTime<Utc>) -> Self {
        Self {
            at,
            kind: EventKind::TicketExpired {
                ticket: ticket.id(),
                queue: ticket.queue().clone(),
            },
        }
    }

    /// `TicketRequeued` for `ticket` at `at`.
    #[must_use]
    pub fn requeued(ticket: &Ticket, at: DateTime<Utc>) -> Self {
        Self {
            at,
            kind: EventKind::TicketRequeued {
                ticket: ticket.id(),
                queue: ticket.queue().clone(),
            },
        }
    }

    /// The ticket the event is about, if it is a ticket event.
    #[must_use]
    pub fn ticket(&self) -> Option<TicketId> {
        match &self.kind {
            EventKind::TicketQueued { ticket, .. }
            | EventKind::TicketCancelled { ticket, .. }
            | EventKind::TicketExpired { ticket, .. }
            | EventKind::TicketMatched { ticket, .. }
            | EventKind::TicketRequeued { ticket, .. } => Some(*ticket),
            EventKind::LobbyChanged { .. } | EventKind::Unknown => None,
        }
    }
}

/// A position in the event log. Cursors of one store are totally ordered; a
/// reader passes the last cursor it processed to get what came after.
///
/// Adapters map their native positions onto the pair, in whatever way keeps
/// them ordered: a sequence number as `(0, seq)`, a Redis stream id `ms-seq`
/// as `(ms, …)` with the sequence (and, if several events share an entry,
/// their index) in the minor part.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct EventCursor {
    /// The major part.
    pub major: u64,
    /// The minor part.
    pub minor: u64,
}

impl EventCursor {
    /// A cursor from its two parts.
    #[must_use]
    pub const fn new(major: u64, minor: u64) -> Self {
        Self { major, minor }
    }
}

impl fmt::Display for EventCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap()
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let (ticket, lobby) = (TicketId::from_u128(7), LobbyId::from_u128(9));
        let queue = QueueName::new("duel");
        let players = vec![PlayerId::from_u128(1), PlayerId::from_u128(2)];
        let kinds = [
            EventKind::TicketQueued {
                ticket,
                queue: queue.clone(),
                players: players.clone(),
            },
            EventKind::TicketCancelled {
                ticket,
                queue: queue.clone(),
            },
            EventKind::TicketExpired {
                ticket,
                queue: queue.clone(),
            },
            EventKind::TicketMatched {
                ticket,
                queue: queue.clone(),
                lobby,
            },
            EventKind::TicketRequeued {
                ticket,
                queue: queue.clone(),
            },
            EventKind::LobbyChanged {
                lobby,
                queue,
                phase: LobbyPhase::Ready,
                players,
            },
            EventKind::Unknown,
        ];
        for kind in kinds {
            let event = Event { at: at(), kind };
            let json = serde_json::to_string(&event).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            assert_eq!(back, event, "{json}");
        }
        let unknown = serde_json::to_value(Event {
            at: at(),
            kind: EventKind::Unknown,
        })
        .unwrap();
        assert_eq!(unknown["event"], "unknown");
    }

    /// What a newer version may write: a kind this one does not know reads
    /// as `Unknown` with its time, and a known kind with a field this one
    /// does not know reads as that kind.
    #[test]
    fn a_newer_version_s_events_read_without_failing() {
        let newer = r#"{"at":"2026-03-01T09:30:00Z","event":"ticket_teleported",
            "ticket":"00000000-0000-0000-0000-000000000007","to":"mars"}"#;
        let event: Event = serde_json::from_str(newer).unwrap();
        assert_eq!(
            event,
            Event {
                at: at(),
                kind: EventKind::Unknown
            }
        );
        assert_eq!(event.ticket(), None);

        let extended = r#"{"at":"2026-03-01T09:30:00Z","event":"ticket_cancelled",
            "ticket":"00000000-0000-0000-0000-000000000007","queue":"duel","reason":"left"}"#;
        let event: Event = serde_json::from_str(extended).unwrap();
        assert_eq!(
            event.kind,
            EventKind::TicketCancelled {
                ticket: TicketId::from_u128(7),
                queue: QueueName::new("duel"),
            }
        );

        // Not forward-compatible changes: an event without its kind, or a
        // known kind whose fields do not parse, still fails.
        for broken in [
            r#"{"at":"2026-03-01T09:30:00Z","ticket":"00000000-0000-0000-0000-000000000007"}"#,
            r#"{"at":"2026-03-01T09:30:00Z","event":"ticket_cancelled"}"#,
            // A known kind with a field of the wrong type is not Unknown.
            r#"{"at":"2026-03-01T09:30:00Z","event":"ticket_cancelled","ticket":"nope","queue":"duel"}"#,
            // Nor is a known kind with a value this version does not know.
            r#"{"at":"2026-03-01T09:30:00Z","event":"lobby_changed",
                "lobby":"00000000-0000-0000-0000-000000000009","queue":"duel",
                "phase":"in_progress","players":[]}"#,
            // A tag that is not a string.
            r#"{"at":"2026-03-01T09:30:00Z","event":null}"#,
        ] {
            assert!(serde_json::from_str::<Event>(broken).is_err(), "{broken}");
        }
    }
}
