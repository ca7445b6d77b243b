//! What the matcher proposes: who plays whom, on which team, in which role.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{PlayerId, Region, Role, TicketId};

/// One player's place in a proposed match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    /// The player.
    pub player: PlayerId,
    /// The ticket that brought them (a party shares one ticket).
    pub ticket: TicketId,
    /// Their team, `0..format.teams()`.
    pub team: u16,
    /// Their role, when the queue has a role composition (an open place reports
    /// the player's first preference, if they gave one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// How good a proposed match is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchQuality {
    /// Highest minus lowest ticket rating in the match.
    pub rating_spread: f64,
    /// Highest minus lowest team mean rating.
    pub team_imbalance: f64,
    /// Lower bound on the best achievable imbalance; equal to `team_imbalance`
    /// when the split is proven optimal (optimal to within 1e-9, so this
    /// may then exceed the optimum by less than that).
    pub imbalance_lower_bound: f64,
    /// The predicted probability that team 0 wins (for more than two teams: that
    /// it finishes first).
    pub win_probability: f64,
    /// The longest wait among the match's tickets.
    #[serde(with = "secs_f64")]
    pub longest_wait: Duration,
}

/// A match the matcher proposes. Nothing is claimed yet: a store's commit turns a
/// proposal into a lobby, atomically, or reports which tickets are gone.
///
/// The seats are the one source of truth: the tickets of the match are the
/// tickets of its seats ([`tickets`](Self::tickets)), and a party's players
/// always share a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchProposal {
    /// Every player's seat, ordered by team; a ticket's players sit together.
    pub seats: Vec<Seat>,
    /// The region the match is placed in, when the queue has a region rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// Quality figures.
    pub quality: MatchQuality,
}

impl MatchProposal {
    /// The match's tickets, each once, in seat order.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.seats
            .iter()
            .enumerate()
            .filter(|(i, seat)| !self.seats[..*i].iter().any(|s| s.ticket == seat.ticket))
            .map(|(_, seat)| seat.ticket)
    }

    /// Whether `ticket` is in the match.
    #[must_use]
    pub fn has_ticket(&self, ticket: TicketId) -> bool {
        self.seats.iter().any(|s| s.ticket == ticket)
    }

    /// The seats of team `team`.
    pub fn team(&self, team: u16) -> impl Iterator<Item = &Seat> {
        self.seats.iter().filter(move |s| s.team == team)
    }

    /// The number of teams.
    #[must_use]
    pub fn team_count(&self) -> usize {
        self.seats
            .iter()
            .map(|s| s.team as usize + 1)
            .max()
            .unwrap_or(0)
    }

    /// All players in the match.
    pub fn players(&self) -> impl Iterator<Item = PlayerId> + '_ {
        self.seats.iter().map(|s| s.player)
    }

    /// The seat of `player`, if they are in the match.
    #[must_use]
    pub fn seat_of(&self, player: PlayerId) -> Option<&Seat> {
        self.seats.iter().find(|s| s.player == player)
    }
}

mod secs_f64 {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}
