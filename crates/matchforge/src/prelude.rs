//! The names most programs need: `use matchforge::prelude::*;`.

pub use crate::{MatchForge, MatchForgeBuilder, Matchmaker, QueueSettings, Reported, Runner};
pub use matchforge_core::Result;
pub use matchforge_core::ids::{
    Ladder, LobbyId, PartyId, PlayerId, QueueName, Region, Role, TicketId,
};
pub use matchforge_core::lobby::{Lobby, LobbyPhase, MatchResult};
pub use matchforge_core::matcher::{MatchProposal, Matcher};
pub use matchforge_core::queue::{
    CustomRule, MatchFormat, QueueConfig, QueueSpec, RegionRule, RoleComposition, Widening,
};
pub use matchforge_core::rating::{
    Elo, Glicko2, Outcome, PartyRating, Rating, RatingAlgorithm, WengLin, WengLinModel,
};
pub use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};
pub use matchforge_runner::clock::{Clock, SimulatedClock, SystemClock};
