//! Match history records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Ladder, LobbyId, PlayerId, QueueName};
use crate::lobby::MatchResult;
use crate::rating::Rating;

/// One player's rating before and after a match.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingChange {
    /// The player.
    pub player: PlayerId,
    /// The stored rating the update was computed from (`None`: the player had
    /// none and started from the algorithm's initial rating).
    pub before: Option<Rating>,
    /// The new rating.
    pub after: Rating,
}

/// A played match, as kept in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRecord {
    /// The lobby that played it (unique: a match is recorded once).
    pub lobby: LobbyId,
    /// Its queue.
    pub queue: QueueName,
    /// The rating ladder it counted for.
    pub ladder: Ladder,
    /// Players per team.
    pub teams: Vec<Vec<PlayerId>>,
    /// How it ended.
    pub result: MatchResult,
    /// The server that hosted it.
    pub server: Option<String>,
    /// When the lobby was created.
    pub started_at: DateTime<Utc>,
    /// When the result was reported.
    pub completed_at: DateTime<Utc>,
    /// Every player's rating change.
    pub rating_changes: Vec<RatingChange>,
}

impl MatchRecord {
    /// Whether `player` played in this match.
    #[must_use]
    pub fn has_player(&self, player: PlayerId) -> bool {
        self.teams.iter().any(|t| t.contains(&player))
    }
}
