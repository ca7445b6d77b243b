//! The [`RatingAlgorithm`] trait every rating system implements.

use std::fmt;

use super::value::{Outcome, Rating};
use crate::error::{Error, Result};

/// A rating system: how ratings change after a result, and how likely a result is
/// before the game.
///
/// Implement [`rate`](RatingAlgorithm::rate) (any number of teams, ranked) and
/// [`win_probability`](RatingAlgorithm::win_probability); the 1v1 and two-team
/// methods have default implementations in terms of `rate`, which an algorithm may
/// override with a faster special case. Every method is pure: same input, same
/// output, no clock.
///
/// Results use ranks: rank 1 is best, equal ranks are a tie, so `[1, 2]` is a win
/// for the first team, `[2, 1]` a loss and `[1, 1]` a draw. Ranks only need to be
/// ordered, not consecutive (`[3, 9]` means the same as `[1, 2]`).
pub trait RatingAlgorithm: Send + Sync + fmt::Debug {
    /// A short name, e.g. `"glicko2"`.
    fn name(&self) -> &str;

    /// The rating a new player starts with.
    fn initial_rating(&self) -> Rating;

    /// New ratings after a game between `teams` (each a non-empty list of players)
    /// that finished in the order given by `ranks` (one rank per team).
    ///
    /// Returns one list per team, in the same order and shape as `teams`.
    ///
    /// # Errors
    /// [`Error::InvalidResult`] for fewer than two teams, an empty team, or a rank
    /// count that differs from the team count; algorithm-specific errors for
    /// ratings it cannot use.
    fn rate(&self, teams: &[&[Rating]], ranks: &[u32]) -> Result<Vec<Vec<Rating>>>;

    /// The probability that team `a` beats team `b` (draws count half for each
    /// side), computed before the game.
    ///
    /// # Errors
    /// [`Error::InvalidResult`] if a team is empty.
    fn win_probability(&self, a: &[Rating], b: &[Rating]) -> Result<f64>;

    /// New ratings of two teams after `outcome` (seen from `a`).
    ///
    /// # Errors
    /// As for [`rate`](RatingAlgorithm::rate).
    fn rate_teams(
        &self,
        a: &[Rating],
        b: &[Rating],
        outcome: Outcome,
    ) -> Result<(Vec<Rating>, Vec<Rating>)> {
        let mut rated = self.rate(&[a, b], &outcome.ranks())?.into_iter();
        match (rated.next(), rated.next()) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(Error::InvalidResult(format!(
                "{} returned fewer than two teams",
                self.name()
            ))),
        }
    }

    /// New ratings of two players after `outcome` (seen from `a`).
    ///
    /// # Errors
    /// As for [`rate`](RatingAlgorithm::rate).
    fn rate_1v1(&self, a: Rating, b: Rating, outcome: Outcome) -> Result<(Rating, Rating)> {
        let (a, b) = self.rate_teams(&[a], &[b], outcome)?;
        match (a.first(), b.first()) {
            (Some(a), Some(b)) => Ok((*a, *b)),
            _ => Err(Error::InvalidResult(format!(
                "{} returned an empty team",
                self.name()
            ))),
        }
    }

    /// For each team, the probability that it finishes first (they sum to 1).
    ///
    /// The default normalises pairwise win probabilities (Bradley-Terry style):
    /// team *i* gets weight ∏ over *j ≠ i* of P(i beats j) / P(j beats i).
    ///
    /// # Errors
    /// [`Error::InvalidResult`] for fewer than two teams or an empty team.
    fn win_probabilities(&self, teams: &[&[Rating]]) -> Result<Vec<f64>> {
        check_teams(teams)?;
        let n = teams.len();
        let mut log_weights = vec![0.0_f64; n];
        for i in 0..n {
            for j in (i + 1)..n {
                let p = self
                    .win_probability(teams[i], teams[j])?
                    .clamp(1e-12, 1.0 - 1e-12);
                let odds = (p / (1.0 - p)).ln();
                log_weights[i] += odds;
                log_weights[j] -= odds;
            }
        }
        let max = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = log_weights.iter().map(|w| (w - max).exp()).collect();
        let total: f64 = weights.iter().sum();
        Ok(weights.into_iter().map(|w| w / total).collect())
    }

    /// The rating after one rating period in which the player played no games.
    ///
    /// Glicko-2 grows the deviation (Step 6 of Glickman's paper); systems without
    /// periods return the rating unchanged (the default).
    fn idle(&self, rating: Rating) -> Rating {
        rating
    }
}

/// Checks the shape of a ranked result: at least two teams, none empty, one rank
/// per team.
///
/// # Errors
/// [`Error::InvalidResult`] naming the problem.
pub fn check_result(teams: &[&[Rating]], ranks: &[u32]) -> Result<()> {
    check_teams(teams)?;
    if ranks.len() != teams.len() {
        return Err(Error::InvalidResult(format!(
            "{} ranks given for {} teams",
            ranks.len(),
            teams.len()
        )));
    }
    Ok(())
}

/// Checks a list of teams: at least two, none empty.
///
/// # Errors
/// [`Error::InvalidResult`] naming the problem.
pub fn check_teams(teams: &[&[Rating]]) -> Result<()> {
    if teams.len() < 2 {
        return Err(Error::InvalidResult(format!(
            "a game needs at least two teams, got {}",
            teams.len()
        )));
    }
    if let Some(empty) = teams.iter().position(|t| t.is_empty()) {
        return Err(Error::InvalidResult(format!("team {empty} is empty")));
    }
    Ok(())
}
