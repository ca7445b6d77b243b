//! The core's error type.
//!
//! One enum for the whole crate, as the conventions ask. Ports return it too, so
//! adapters report driver failures as [`Error::Backend`] with the driver's error
//! kept as the [`source`](std::error::Error::source).

use crate::ids::{LobbyId, PartyId, PlayerId, QueueName, TicketId};

/// Result alias used throughout the core and by every port.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the domain or behind a port.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A number was NaN, infinite or outside its allowed range.
    #[error("invalid {what}: {value} ({expected})")]
    InvalidNumber {
        /// What the number is, e.g. `"rating deviation"`.
        what: &'static str,
        /// The offending value.
        value: f64,
        /// What would have been accepted, e.g. `"must be finite and non-negative"`.
        expected: &'static str,
    },

    /// A match result or team list is malformed (empty team, ranks that don't match
    /// the teams, fewer than two teams...).
    #[error("invalid match result: {0}")]
    InvalidResult(String),

    /// A configuration (queue, algorithm, season, runner...) was rejected when it was
    /// defined.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// A ticket is malformed (no players, a party too big for the queue, unknown
    /// roles, duplicate players...).
    #[error("invalid ticket: {0}")]
    InvalidTicket(String),

    /// The player already waits in a queue (any queue) and cannot be queued again.
    #[error("player {player} is already queued in {queue} (ticket {ticket})")]
    AlreadyQueued {
        /// The player who is already queued.
        player: PlayerId,
        /// The ticket that holds them.
        ticket: TicketId,
        /// The queue that ticket waits in.
        queue: QueueName,
    },

    /// The player is in a lobby that has not finished yet.
    #[error("player {player} is in lobby {lobby}, which has not finished")]
    InLobby {
        /// The player.
        player: PlayerId,
        /// The unfinished lobby.
        lobby: LobbyId,
    },

    /// The player declined or missed a ready check recently and may not queue
    /// until the cooldown ends.
    #[error("player {player} may not queue until {until} (cooldown)")]
    Cooldown {
        /// The player.
        player: PlayerId,
        /// When the cooldown ends.
        until: chrono::DateTime<chrono::Utc>,
    },

    /// No such ticket is waiting (it was matched, cancelled, expired, or never existed).
    #[error("ticket {0} is not queued")]
    TicketNotFound(TicketId),

    /// No queue with that name is defined.
    #[error("queue {0} is not defined")]
    QueueNotFound(QueueName),

    /// No such lobby.
    #[error("lobby {0} not found")]
    LobbyNotFound(LobbyId),

    /// A lobby cannot make the requested move from its current state.
    #[error("lobby {lobby}: cannot {action} while it is {state}")]
    IllegalTransition {
        /// The lobby.
        lobby: LobbyId,
        /// Its current state, by name.
        state: &'static str,
        /// What was attempted, e.g. `"dispatch"`.
        action: &'static str,
    },

    /// The player is not part of the lobby.
    #[error("player {player} is not in lobby {lobby}")]
    NotInLobby {
        /// The player.
        player: PlayerId,
        /// The lobby.
        lobby: LobbyId,
    },

    /// No such party.
    #[error("party {0} not found")]
    PartyNotFound(PartyId),

    /// The party has reached its maximum size.
    #[error("party {party} is full ({max} members)")]
    PartyFull {
        /// The party.
        party: PartyId,
        /// Its maximum size.
        max: usize,
    },

    /// A party operation was refused (not a member, not the leader, no invitation...).
    #[error("party {party}: {reason}")]
    PartyRule {
        /// The party.
        party: PartyId,
        /// Why the operation was refused.
        reason: String,
    },

    /// The tickets of a match cannot be split into valid teams (parties whole,
    /// exact team sizes, roles filled, premade limit).
    #[error("no valid teams: {0}")]
    NoValidTeams(String),

    /// Someone else changed the record first (a version or compare-and-set check
    /// failed); reload and retry.
    #[error("concurrent update: {0}")]
    Conflict(String),

    /// The storage backend failed (connection lost, timeout, corrupt data...). The
    /// operation did not take effect unless the adapter documents otherwise.
    #[error("{backend} backend: {message}")]
    Backend {
        /// Which adapter, e.g. `"redis"`.
        backend: &'static str,
        /// What failed.
        message: String,
        /// The driver's own error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl Error {
    /// Checks that `value` is finite, returning [`Error::InvalidNumber`] otherwise.
    pub fn check_finite(what: &'static str, value: f64) -> Result<f64> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Error::InvalidNumber {
                what,
                value,
                expected: "must be finite",
            })
        }
    }

    /// Checks that `value` is finite and `>= 0`.
    pub fn check_non_negative(what: &'static str, value: f64) -> Result<f64> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(Error::InvalidNumber {
                what,
                value,
                expected: "must be finite and non-negative",
            })
        }
    }

    /// Checks that `value` is finite and `> 0`.
    pub fn check_positive(what: &'static str, value: f64) -> Result<f64> {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(Error::InvalidNumber {
                what,
                value,
                expected: "must be finite and positive",
            })
        }
    }

    /// A [`Error::Backend`] error wrapping a driver error.
    pub fn backend(
        backend: &'static str,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Backend {
            backend,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}
