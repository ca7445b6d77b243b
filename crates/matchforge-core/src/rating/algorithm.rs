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
    /// The default fits Bradley-Terry strengths to the pairwise win probabilities
    /// (see [`first_place_from_pairwise`]); with two teams it returns
    /// `[p, 1 − p]` for `p` = [`win_probability`](RatingAlgorithm::win_probability).
    /// Algorithms with a first-team advantage or an exact multi-team formula
    /// override it.
    ///
    /// # Errors
    /// [`Error::InvalidResult`] for fewer than two teams or an empty team.
    fn win_probabilities(&self, teams: &[&[Rating]]) -> Result<Vec<f64>> {
        check_teams(teams)?;
        first_place_from_pairwise(teams.len(), |i, j| self.win_probability(teams[i], teams[j]))
    }

    /// The rating after one rating period in which the player played no games.
    ///
    /// Glicko-2 grows the deviation (Step 6 of Glickman's paper); systems without
    /// periods return the rating unchanged (the default).
    fn idle(&self, rating: Rating) -> Rating {
        rating
    }

    /// The rating after `periods` rating periods without games: [`idle`](RatingAlgorithm::idle)
    /// applied `periods` times.
    ///
    /// The default stops as soon as `idle` leaves the rating unchanged (it is pure,
    /// so it would not change it again), so algorithms without periods pay nothing;
    /// algorithms with a closed form (Glicko-2) override it.
    fn idle_periods(&self, rating: Rating, periods: u64) -> Rating {
        let mut current = rating;
        for _ in 0..periods {
            let next = self.idle(current);
            if next == current {
                break;
            }
            current = next;
        }
        current
    }
}

/// First-place probabilities of `n` teams from pairwise win probabilities
/// `pairwise(i, j)` = P(team `i` beats team `j`), asked for `i < j` only.
///
/// Bradley-Terry strengths fitted to the pairwise log-odds by least squares:
/// team *i* gets log-strength `(1/n) Σ_{j≠i} ln(P(i beats j) / P(j beats i))`
/// (probabilities clamped to [1e-12, 1 − 1e-12]), and first-place probabilities
/// are the normalised strengths (Luce's choice rule). When the pairwise
/// probabilities come from a Bradley-Terry model (Elo's logistic, for one) this is
/// exact. Two teams get back exactly `[p, 1 − p]` (unclamped, so a
/// certain win stays 1). Fewer than two teams get `[1]` for one, `[]` for
/// none.
///
/// ```
/// use matchforge_core::rating::first_place_from_pairwise;
///
/// let p = first_place_from_pairwise(2, |_, _| Ok(0.75))?;
/// assert!((p[0] - 0.75).abs() < 1e-12 && (p[1] - 0.25).abs() < 1e-12);
/// let even = first_place_from_pairwise(4, |_, _| Ok(0.5))?;
/// assert!(even.iter().all(|q| (q - 0.25).abs() < 1e-12));
/// assert_eq!(first_place_from_pairwise(2, |_, _| Ok(1.0))?, [1.0, 0.0]);
/// assert!(first_place_from_pairwise(3, |_, _| Ok(f64::NAN)).is_err());
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// # Errors
/// Whatever `pairwise` returns; [`Error::InvalidNumber`] if it returns a
/// value that is not a probability (NaN, or outside `[0, 1]`).
pub fn first_place_from_pairwise(
    n: usize,
    mut pairwise: impl FnMut(usize, usize) -> Result<f64>,
) -> Result<Vec<f64>> {
    let mut probability = |i, j| {
        let p = pairwise(i, j)?;
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(Error::InvalidNumber {
                what: "pairwise win probability",
                value: p,
                expected: "must be between 0 and 1",
            })
        }
    };
    if n == 2 {
        let p = probability(0, 1)?;
        return Ok(vec![p, 1.0 - p]);
    }
    let mut log_weights = vec![0.0_f64; n];
    for i in 0..n {
        for j in (i + 1)..n {
            let p = probability(i, j)?.clamp(1e-12, 1.0 - 1e-12);
            let odds = (p / (1.0 - p)).ln();
            log_weights[i] += odds;
            log_weights[j] -= odds;
        }
    }
    let teams = n as f64;
    for w in &mut log_weights {
        *w /= teams;
    }
    let max = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for w in &mut log_weights {
        *w = (*w - max).exp();
        total += *w;
    }
    for w in &mut log_weights {
        *w /= total;
    }
    Ok(log_weights)
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
