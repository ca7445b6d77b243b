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
            EventKind::LobbyChanged { .. } => None,
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
