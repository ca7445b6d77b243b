//! The Elo rating system, with a K schedule for provisional players, team games
//! and free-for-all.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::algorithm::{RatingAlgorithm, check_result, check_teams};
use super::numeric::{mean, rating_out, saturate};
use super::value::{Outcome, Rating};
use crate::error::{Error, Result};

/// Elo's expected score of a player rated `rating` against one rated `opponent`:
/// `1 / (1 + 10^((opponent − rating) / scale))`.
///
/// `scale` must be positive, as [`Elo`] checks for its own (this function,
/// called once per match the matcher proposes, does not): with a positive
/// finite scale and finite ratings the result is never NaN, and a gap too
/// large for `f64` gives exactly 0 or 1. A zero scale gives NaN for equal
/// ratings, a negative one the opposite probability.
///
/// ```
/// use matchforge_core::rating::elo_expected;
///
/// assert_eq!(elo_expected(1500.0, 1500.0, 400.0), 0.5);
/// // 400 points ahead: ten to one.
/// assert!((elo_expected(1900.0, 1500.0, 400.0) - 10.0 / 11.0).abs() < 1e-15);
/// ```
#[must_use]
pub fn elo_expected(rating: f64, opponent: f64, scale: f64) -> f64 {
    // 10^x as e^(x ln 10): the same curve, and `exp` is several times cheaper
    // than `powf` (the matcher evaluates this once per proposal).
    1.0 / (1.0 + ((opponent - rating) / scale * std::f64::consts::LN_10).exp())
}

/// A 1v1 Elo update: the new ratings of `a` and `b` after `outcome` (seen from
/// `a`, who gets the configured first-team [advantage](Elo::with_advantage)).
///
/// Each player moves by `K × (score − expected)`, with K from the player's
/// [`KSchedule`]; with one K for both (the default) the update is zero-sum.
/// Deviation and volatility are carried unchanged; `games` goes up by one.
///
/// ```
/// use matchforge_core::rating::{Elo, Outcome, Rating, elo};
///
/// let elo_config = Elo::default(); // K = 32, scale 400, start 1500
/// let a = Rating::new(1500.0, 350.0, 0.06)?;
/// let (a2, b2) = elo(&a, &a, Outcome::Win, &elo_config);
/// assert_eq!((a2.rating(), b2.rating()), (1516.0, 1484.0));
/// assert_eq!((a2.games(), a2.deviation()), (1, 350.0));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn elo(a: &Rating, b: &Rating, outcome: Outcome, config: &Elo) -> (Rating, Rating) {
    let e = elo_expected(
        saturate(a.rating() + config.advantage),
        b.rating(),
        config.scale,
    );
    let surprise = outcome.score() - e;
    (config.moved(a, surprise), config.moved(b, -surprise))
}

/// The Elo rating system.
///
/// Defaults: start at 1500, K = 32, a 400-point scale (400 points ahead means ten
/// to one odds), no first-team advantage, no K schedule.
///
/// * **Teams**: a team's strength is the mean rating of its players; every player
///   of a team receives the team's rating change (computed with the player's own
///   K, which only differs with a [`KSchedule`]).
/// * **Multi-team / free-for-all**: every team plays a virtual game against every
///   other team (score 1, ½ or 0 by rank) and the sum of `score − expected` over
///   those `n − 1` games is divided by `n − 1`, i.e. K is scaled by `1/(n−1)`, so
///   a free-for-all moves ratings about as much as a single game.
/// * **Advantage**: [`with_advantage`](Elo::with_advantage) adds a number of
///   points to the first team's strength in predictions and updates (home
///   advantage); the stored ratings never include it.
/// * Elo has no uncertainty: deviation and volatility are carried unchanged and
///   [`idle`](RatingAlgorithm::idle) is the identity.
///
/// ```
/// use matchforge_core::rating::{Elo, Rating, RatingAlgorithm};
///
/// let elo = Elo::new(20.0, 400.0)?.with_advantage(60.0)?;
/// let home = Rating::new(1500.0, 350.0, 0.06)?;
/// let p = elo.win_probability(&[home], &[home])?;
/// assert!((p - 0.585_498_678_671_809_5).abs() < 1e-12);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EloParams", into = "EloParams")]
pub struct Elo {
    k: f64,
    scale: f64,
    initial_rating: f64,
    advantage: f64,
    k_schedule: KSchedule,
}

impl Default for Elo {
    fn default() -> Self {
        Self {
            k: 32.0,
            scale: 400.0,
            initial_rating: 1500.0,
            advantage: 0.0,
            k_schedule: KSchedule::default(),
        }
    }
}

impl Elo {
    /// Elo with the given K factor and scale, starting at 1500.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless both are finite and positive.
    pub fn new(k: f64, scale: f64) -> Result<Self> {
        Ok(Self {
            k: Error::check_positive("Elo K factor", k)?,
            scale: Error::check_positive("Elo scale", scale)?,
            ..Self::default()
        })
    }

    /// The same system with K = `k` (for players past the [`KSchedule`]).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless `k` is finite and positive.
    pub fn with_k(self, k: f64) -> Result<Self> {
        Ok(Self {
            k: Error::check_positive("Elo K factor", k)?,
            ..self
        })
    }

    /// The same system with the rating difference that means ten to one odds.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless `scale` is finite and positive.
    pub fn with_scale(self, scale: f64) -> Result<Self> {
        Ok(Self {
            scale: Error::check_positive("Elo scale", scale)?,
            ..self
        })
    }

    /// The same system with the rating new players start at.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless it is finite.
    pub fn with_initial_rating(self, rating: f64) -> Result<Self> {
        Ok(Self {
            initial_rating: Error::check_finite("initial rating", rating)?,
            ..self
        })
    }

    /// The same system with a first-team advantage of `points` (home advantage),
    /// used in predictions and updates. May be negative.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless it is finite.
    pub fn with_advantage(self, points: f64) -> Result<Self> {
        Ok(Self {
            advantage: Error::check_finite("first-team advantage", points)?,
            ..self
        })
    }

    /// The same system with a K schedule for provisional players.
    #[must_use]
    pub fn with_k_schedule(self, k_schedule: KSchedule) -> Self {
        Self { k_schedule, ..self }
    }

    /// The K factor for players past the schedule.
    #[must_use]
    pub const fn k(&self) -> f64 {
        self.k
    }

    /// The rating difference that means ten to one odds (400).
    #[must_use]
    pub const fn scale(&self) -> f64 {
        self.scale
    }

    /// The first-team advantage in rating points.
    #[must_use]
    pub const fn advantage(&self) -> f64 {
        self.advantage
    }

    /// The K schedule.
    #[must_use]
    pub const fn k_schedule(&self) -> &KSchedule {
        &self.k_schedule
    }

    /// The K factor for a player with `games` rated games.
    #[must_use]
    pub fn k_for(&self, games: u32) -> f64 {
        self.k_schedule.k_for(games).unwrap_or(self.k)
    }

    /// `player` moved by K × `surprise`, one more game on record.
    fn moved(&self, player: &Rating, surprise: f64) -> Rating {
        rating_out(
            player.rating() + self.k_for(player.games()) * surprise,
            player.deviation(),
            player.volatility(),
            player.games().saturating_add(1),
        )
    }

    /// Team strengths: mean ratings, the first team's including the advantage.
    fn strengths(&self, teams: &[&[Rating]]) -> Vec<f64> {
        teams
            .iter()
            .enumerate()
            .map(|(i, team)| {
                let m = mean(team.iter().map(Rating::rating));
                if i == 0 {
                    saturate(m + self.advantage)
                } else {
                    m
                }
            })
            .collect()
    }
}

impl RatingAlgorithm for Elo {
    fn name(&self) -> &str {
        "elo"
    }

    fn initial_rating(&self) -> Rating {
        let d = Rating::default();
        Rating::from_parts(self.initial_rating, d.deviation(), d.volatility(), 0)
    }

    fn rate(&self, teams: &[&[Rating]], ranks: &[u32]) -> Result<Vec<Vec<Rating>>> {
        check_result(teams, ranks)?;
        let n = teams.len();
        let strength = self.strengths(teams);
        // surprise[i] = Σ_j (score_ij − expected_ij); computed once per pair and
        // negated for the other side, so a 1v1 is exactly antisymmetric.
        let mut surprise = vec![0.0_f64; n];
        for i in 0..n {
            for j in (i + 1)..n {
                let e = elo_expected(strength[i], strength[j], self.scale);
                let s = pair_score(ranks[i], ranks[j]);
                surprise[i] += s - e;
                surprise[j] -= s - e;
            }
        }
        let opponents = (n - 1) as f64;
        Ok(teams
            .iter()
            .zip(&surprise)
            .map(|(team, s)| team.iter().map(|p| self.moved(p, s / opponents)).collect())
            .collect())
    }

    fn win_probability(&self, a: &[Rating], b: &[Rating]) -> Result<f64> {
        check_teams(&[a, b])?;
        // The matcher asks this once per proposal: no allocation here.
        let first = saturate(mean(a.iter().map(Rating::rating)) + self.advantage);
        let second = mean(b.iter().map(Rating::rating));
        Ok(elo_expected(first, second, self.scale))
    }

    /// Luce's choice model on Elo strengths: team *i* finishes first with
    /// probability `10^(s_i/scale) / Σ_j 10^(s_j/scale)`, which for two teams is
    /// exactly [`win_probability`](RatingAlgorithm::win_probability).
    fn win_probabilities(&self, teams: &[&[Rating]]) -> Result<Vec<f64>> {
        check_teams(teams)?;
        let strength = self.strengths(teams);
        let max = strength.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Divided by the scale first, as in `elo_expected`: ln 10 / scale is ∞
        // for a tiny scale, and 0 × ∞ (the strongest team) is NaN.
        let weights: Vec<f64> = strength
            .iter()
            .map(|s| ((s - max) / self.scale * std::f64::consts::LN_10).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        Ok(weights.into_iter().map(|w| w / total).collect())
    }

    fn rate_1v1(&self, a: Rating, b: Rating, outcome: Outcome) -> Result<(Rating, Rating)> {
        Ok(elo(&a, &b, outcome, self))
    }
}

/// The score of rank `a` against rank `b`: 1 for a better (lower) rank, ½ for a
/// tie, 0 for a worse one.
pub(crate) fn pair_score(a: u32, b: u32) -> f64 {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => 1.0,
        std::cmp::Ordering::Equal => 0.5,
        std::cmp::Ordering::Greater => 0.0,
    }
}

/// A K factor by games played, for provisional players: a list of steps
/// "while fewer than `below_games` games, use `k`", checked in order; players
/// past the last step use [`Elo::k`].
///
/// Parses from `"10:40,30:24"` (K = 40 for the first 10 games, 24 until 30
/// games, then the base K).
///
/// ```
/// use matchforge_core::rating::{Elo, KSchedule};
///
/// let schedule: KSchedule = "10:40,30:24".parse()?;
/// let elo = Elo::default().with_k_schedule(schedule);
/// assert_eq!((elo.k_for(0), elo.k_for(9), elo.k_for(10), elo.k_for(30)), (40.0, 40.0, 24.0, 32.0));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<KStep>", into = "Vec<KStep>")]
pub struct KSchedule {
    steps: Vec<KStep>,
}

/// One step of a [`KSchedule`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KStep {
    /// The step applies while a player has fewer rated games than this.
    pub below_games: u32,
    /// The K factor during the step.
    pub k: f64,
}

impl KSchedule {
    /// A schedule from `(below_games, k)` steps.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `below_games` strictly increases;
    /// [`Error::InvalidNumber`] for a K that is not finite and positive.
    pub fn new(steps: impl IntoIterator<Item = (u32, f64)>) -> Result<Self> {
        let steps: Vec<KStep> = steps
            .into_iter()
            .map(|(below_games, k)| KStep { below_games, k })
            .collect();
        Self::try_from(steps)
    }

    /// The steps, in order.
    #[must_use]
    pub fn steps(&self) -> &[KStep] {
        &self.steps
    }

    /// The K of the first step that applies to a player with `games` games, if any.
    #[must_use]
    pub fn k_for(&self, games: u32) -> Option<f64> {
        self.steps
            .iter()
            .find(|step| games < step.below_games)
            .map(|step| step.k)
    }
}

impl TryFrom<Vec<KStep>> for KSchedule {
    type Error = Error;

    fn try_from(steps: Vec<KStep>) -> Result<Self> {
        for step in &steps {
            Error::check_positive("K schedule factor", step.k)?;
        }
        if steps
            .windows(2)
            .any(|w| w[0].below_games >= w[1].below_games)
        {
            return Err(Error::InvalidConfig(
                "K schedule steps must have strictly increasing game counts".into(),
            ));
        }
        Ok(Self { steps })
    }
}

impl From<KSchedule> for Vec<KStep> {
    fn from(schedule: KSchedule) -> Self {
        schedule.steps
    }
}

impl FromStr for KSchedule {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidConfig(format!(
                "K schedule {s:?}: expected comma-separated GAMES:K steps such as \"10:40,30:24\""
            ))
        };
        let mut steps = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (games, k) = part.split_once(':').ok_or_else(bad)?;
            let games: u32 = games.trim().parse().map_err(|_| bad())?;
            let k: f64 = k.trim().parse().map_err(|_| bad())?;
            steps.push((games, k));
        }
        Self::new(steps)
    }
}

impl fmt::Display for KSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}:{}", step.below_games, step.k)?;
        }
        Ok(())
    }
}

/// The serialised form of [`Elo`]; every field is optional on input.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct EloParams {
    k: f64,
    scale: f64,
    initial_rating: f64,
    advantage: f64,
    k_schedule: KSchedule,
}

impl Default for EloParams {
    fn default() -> Self {
        Elo::default().into()
    }
}

impl From<Elo> for EloParams {
    fn from(e: Elo) -> Self {
        Self {
            k: e.k,
            scale: e.scale,
            initial_rating: e.initial_rating,
            advantage: e.advantage,
            k_schedule: e.k_schedule,
        }
    }
}

impl TryFrom<EloParams> for Elo {
    type Error = Error;

    fn try_from(p: EloParams) -> Result<Self> {
        Ok(Elo::new(p.k, p.scale)?
            .with_initial_rating(p.initial_rating)?
            .with_advantage(p.advantage)?
            .with_k_schedule(p.k_schedule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(rating: f64) -> Rating {
        Rating::new(rating, 350.0, 0.06).unwrap()
    }

    #[test]
    fn one_v_one_updates() {
        // (a, b, outcome, expected new a, expected new b) with K = 32, scale 400.
        let cases = [
            (1500.0, 1500.0, Outcome::Win, 1516.0, 1484.0),
            (1500.0, 1500.0, Outcome::Draw, 1500.0, 1500.0),
            (1500.0, 1500.0, Outcome::Loss, 1484.0, 1516.0),
            // 400 points favourite wins: 32 × (1 − 10/11).
            (
                1900.0,
                1500.0,
                Outcome::Win,
                1900.0 + 32.0 / 11.0,
                1500.0 - 32.0 / 11.0,
            ),
            (
                1900.0,
                1500.0,
                Outcome::Draw,
                1900.0 - 32.0 * (10.0 / 11.0 - 0.5),
                1500.0 + 32.0 * (10.0 / 11.0 - 0.5),
            ),
        ];
        let elo = Elo::default();
        for (a, b, outcome, ea, eb) in cases {
            let (na, nb) = elo.rate_1v1(r(a), r(b), outcome).unwrap();
            assert!(
                (na.rating() - ea).abs() < 1e-9,
                "{a} {b} {outcome:?}: {}",
                na.rating()
            );
            assert!(
                (nb.rating() - eb).abs() < 1e-9,
                "{a} {b} {outcome:?}: {}",
                nb.rating()
            );
            assert_eq!((na.games(), nb.games()), (1, 1));
            assert_eq!((na.deviation(), na.volatility()), (350.0, 0.06));
        }
    }

    #[test]
    fn teams_use_the_mean_and_share_the_delta() {
        let elo = Elo::default();
        let a = [r(1400.0), r(1600.0)];
        let b = [r(1500.0), r(1500.0)];
        let out = elo.rate(&[&a, &b], &[1, 2]).unwrap();
        for p in &out[0] {
            assert!(
                (p.rating() - 16.0 - if p.rating() < 1500.0 { 1400.0 } else { 1600.0 }).abs()
                    < 1e-9
            );
        }
        for p in &out[1] {
            assert!((p.rating() - 1484.0).abs() < 1e-9);
        }
    }

    #[test]
    fn free_for_all_scales_k_by_opponents() {
        // Three equal players, ranked 1, 2, 3: the winner scores 2 of 2 expected 1,
        // so moves K × 1 / 2 = 16; the middle scores 1 of 1: no change.
        let elo = Elo::default();
        let p = [r(1500.0)];
        let out = elo.rate(&[&p, &p, &p], &[1, 2, 3]).unwrap();
        let got: Vec<f64> = out.iter().map(|t| t[0].rating()).collect();
        assert_eq!(got, vec![1516.0, 1500.0, 1484.0]);
        // A three-way tie changes nothing.
        let tie = elo.rate(&[&p, &p, &p], &[2, 2, 2]).unwrap();
        assert!(tie.iter().all(|t| t[0].rating() == 1500.0));
    }

    #[test]
    fn k_schedule_reads_games() {
        let elo = Elo::default().with_k_schedule("5:64".parse().unwrap());
        let new = r(1500.0);
        let veteran = r(1500.0).with_games(100);
        let (a, b) = elo.rate_1v1(new, veteran, Outcome::Win).unwrap();
        assert_eq!((a.rating(), b.rating()), (1532.0, 1484.0));
    }

    #[test]
    fn advantage_applies_to_the_first_team() {
        let elo = Elo::default().with_advantage(400.0).unwrap();
        let (a, b) = elo.rate_1v1(r(1500.0), r(1500.0), Outcome::Win).unwrap();
        assert!((a.rating() - (1500.0 + 32.0 / 11.0)).abs() < 1e-9);
        assert!((b.rating() - (1500.0 - 32.0 / 11.0)).abs() < 1e-9);
        let p = elo
            .win_probabilities(&[&[r(1500.0)], &[r(1500.0)]])
            .unwrap();
        assert!((p[0] - 10.0 / 11.0).abs() < 1e-12 && (p[1] - 1.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn tiny_scale_gives_certain_probabilities() {
        // ln 10 / 5e-324 is ∞; the strongest team's weight must still be 1.
        let elo = Elo::new(32.0, 5e-324).unwrap();
        let p = elo
            .win_probabilities(&[&[r(1500.0)], &[r(1400.0)], &[r(1500.0)]])
            .unwrap();
        assert_eq!(p, vec![0.5, 0.0, 0.5]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Elo::new(0.0, 400.0).is_err());
        assert!(Elo::new(-1.0, 400.0).is_err());
        assert!(Elo::new(32.0, f64::NAN).is_err());
        assert!(Elo::default().with_advantage(f64::INFINITY).is_err());
        assert!("10:40,5:30".parse::<KSchedule>().is_err());
        assert!("10:0".parse::<KSchedule>().is_err());
        assert!("ten:40".parse::<KSchedule>().is_err());
        let elo = Elo::default();
        let p = [r(1500.0)];
        assert!(elo.rate(&[&p], &[1]).is_err());
        assert!(elo.rate(&[&p, &[]], &[1, 2]).is_err());
        assert!(elo.rate(&[&p, &p], &[1]).is_err());
        assert!(elo.win_probability(&p, &[]).is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let elo = Elo::new(20.0, 400.0)
            .unwrap()
            .with_k_schedule("10:40".parse().unwrap());
        let json = serde_json::to_string(&elo).unwrap();
        assert_eq!(
            json,
            r#"{"k":20.0,"scale":400.0,"initial_rating":1500.0,"advantage":0.0,"k_schedule":[{"below_games":10,"k":40.0}]}"#
        );
        assert_eq!(serde_json::from_str::<Elo>(&json).unwrap(), elo);
        assert_eq!(serde_json::from_str::<Elo>("{}").unwrap(), Elo::default());
        assert!(serde_json::from_str::<Elo>(r#"{"k": -3}"#).is_err());
        assert_eq!(elo.k_schedule().to_string(), "10:40");
    }
}
