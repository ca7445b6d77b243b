//! Skill ratings: the [`Rating`] value, the [`RatingAlgorithm`] trait and its
//! implementations, decay, seasons and party rating strategies.
//!
//! Everything here is pure: time is always a parameter.
//!
//! | system | config | core functions |
//! |---|---|---|
//! | Elo | [`Elo`] (+ [`KSchedule`]) | [`elo`], [`elo_expected`] |
//! | Glicko-2 | [`Glicko2`] | [`glicko2`], [`glicko2_rating_period`], [`glicko2_idle`], [`glicko2_expected`] |
//! | Weng-Lin (OpenSkill) | [`WengLin`] ([`WengLinModel`]) | [`weng_lin`], [`weng_lin_1v1`] |
//!
//! Around them: [`DecayStrategy`] ([`LinearDecay`], [`NoDecay`]), seasons
//! ([`SeasonSchedule`], [`SeasonReset`] with [`SoftReset`] and [`HardReset`]), and
//! [`PartyRatingStrategy`] ([`Average`], [`Max`], [`AverageWithGapPenalty`], and the
//! serialisable [`PartyRating`]).

mod algorithm;
mod decay;
mod elo;
mod glicko2;
mod numeric;
mod party;
mod season;
mod value;
mod weng_lin;

pub use algorithm::{RatingAlgorithm, check_result, check_teams, first_place_from_pairwise};
pub use decay::{DecayStrategy, LinearDecay, NoDecay, linear_decay};
pub use elo::{Elo, KSchedule, KStep, elo, elo_expected};
pub use glicko2::{
    GLICKO2_SCALE, Glicko2, glicko2, glicko2_expected, glicko2_idle, glicko2_rating_period,
};
pub use party::{Average, AverageWithGapPenalty, Max, PartyRating, PartyRatingStrategy};
pub use season::{
    DeviationReset, HardReset, Season, SeasonReset, SeasonSchedule, SoftReset, soft_reset,
};
pub use value::{Outcome, Rating};
pub use weng_lin::{WengLin, WengLinModel, weng_lin, weng_lin_1v1};
