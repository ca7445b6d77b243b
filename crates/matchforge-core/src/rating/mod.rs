//! Skill ratings: the [`Rating`] value, the [`RatingAlgorithm`] trait and its
//! implementations, decay, seasons and party rating strategies.
//!
//! Everything here is pure: time is always a parameter.

mod algorithm;
mod value;

pub use algorithm::{RatingAlgorithm, check_result, check_teams};
pub use value::{Outcome, Rating};
