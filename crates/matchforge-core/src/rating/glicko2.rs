//! Glicko-2, exactly as in Glickman's paper "Example of the Glicko-2 system"
//! (<http://www.glicko.net/glicko/glicko2.pdf>), with team games through a
//! composite opponent.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::algorithm::{RatingAlgorithm, check_result, check_teams, first_place_from_pairwise};
use super::elo::pair_score;
use super::numeric::{logistic, mean, rating_out, root_mean_square, saturate};
use super::value::{Outcome, Rating};
use crate::error::{Error, Result};

/// The factor between the Glicko scale and the Glicko-2 scale (Step 2 of the
/// paper): `μ = (r − 1500) / 173.7178`, `φ = RD / 173.7178`.
pub const GLICKO2_SCALE: f64 = 173.7178;

// Numerical guards. They only act far outside any real rating pool and keep every
// result finite for every finite input (see `Glicko2`'s documentation).
/// Largest φ used inside an update (RD ≈ 1.7e8).
const MAX_PHI: f64 = 1e6;
/// Volatility range used inside the volatility iteration.
const MIN_SIGMA: f64 = 1e-150;
const MAX_SIGMA: f64 = 1e3;
/// |g(φ_j)(μ − μ_j)| is capped here, so E stays within about 1e-13 of 0 and 1.
const MAX_Z: f64 = 30.0;
/// Iteration caps for the volatility search (it converges in under ten steps in
/// practice; the caps only bound pathological inputs).
const MAX_BRACKET_STEPS: u32 = 1_000;
const MAX_ILLINOIS_STEPS: u32 = 100;

/// One rating period of a player (Steps 2–8 of the paper): the new rating after
/// the `games` played in the period, each an opponent's rating (as of the
/// period's start) and the player's score against them (1 win, ½ draw, 0 loss).
///
/// An empty period is [`glicko2_idle`] (Step 6 only). `games` goes up by the
/// number of games.
///
/// This is the paper's worked example:
///
/// ```
/// use matchforge_core::rating::{Glicko2, Rating, glicko2_rating_period};
///
/// let player = Rating::new(1500.0, 200.0, 0.06)?;
/// let games = [
///     (Rating::new(1400.0, 30.0, 0.06)?, 1.0),
///     (Rating::new(1550.0, 100.0, 0.06)?, 0.0),
///     (Rating::new(1700.0, 300.0, 0.06)?, 0.0),
/// ];
/// let new = glicko2_rating_period(&player, &games, &Glicko2::default())?; // τ = 0.5
/// assert!((new.rating() - 1464.0506705).abs() < 1e-6);
/// assert!((new.deviation() - 151.5165241).abs() < 1e-6);
/// assert!((new.volatility() - 0.0599959843).abs() < 1e-6);
/// assert_eq!(new.games(), 3);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidResult`] if a score is not a number between 0 and 1.
pub fn glicko2_rating_period(
    player: &Rating,
    games: &[(Rating, f64)],
    config: &Glicko2,
) -> Result<Rating> {
    if games.is_empty() {
        return Ok(glicko2_idle(player, config));
    }
    let mu = to_mu(player.rating());
    let mut acc = Evidence::default();
    for (i, (opponent, score)) in games.iter().enumerate() {
        if !(0.0..=1.0).contains(score) {
            return Err(Error::InvalidResult(format!(
                "score {score} of game {i} is not between 0 and 1"
            )));
        }
        acc.add(
            mu,
            to_mu(opponent.rating()),
            to_phi(opponent.deviation()),
            *score,
        );
    }
    let games = u32::try_from(games.len()).unwrap_or(u32::MAX);
    Ok(config.conclude(player, &acc, games))
}

/// A single game as its own rating period for both players (the usual online
/// use): the new ratings of `a` and `b` after `outcome`, seen from `a`, who gets
/// the configured first-team [advantage](Glicko2::with_advantage).
///
/// ```
/// use matchforge_core::rating::{Glicko2, Outcome, Rating, glicko2};
///
/// let new_player = Rating::default(); // 1500 / 350 / 0.06
/// let (a, b) = glicko2(&new_player, &new_player, Outcome::Win, &Glicko2::default());
/// assert!((a.rating() - 1662.311).abs() < 1e-3 && (b.rating() - 1337.689).abs() < 1e-3);
/// assert!((a.deviation() - 290.319).abs() < 1e-3 && a.deviation() == b.deviation());
/// assert!((a.volatility() - 0.059_999_675_372).abs() < 1e-12);
/// ```
#[must_use]
pub fn glicko2(a: &Rating, b: &Rating, outcome: Outcome, config: &Glicko2) -> (Rating, Rating) {
    let mu_a = to_mu(a.rating());
    let mu_b = to_mu(b.rating());
    let advantage = config.advantage * INVERSE_SCALE;
    let mut ea = Evidence::default();
    ea.add(
        mu_a + advantage,
        mu_b,
        to_phi(b.deviation()),
        outcome.score(),
    );
    let mut eb = Evidence::default();
    eb.add(
        mu_b,
        mu_a + advantage,
        to_phi(a.deviation()),
        outcome.reversed().score(),
    );
    (config.conclude(a, &ea, 1), config.conclude(b, &eb, 1))
}

/// The rating after a period without games (Step 6 of the paper): the
/// deviation grows to `sqrt(φ² + σ²)` (on the Glicko-2 scale), stopping at the
/// configured [`max_deviation`](Glicko2::with_max_deviation) if any (a cap never
/// lowers a deviation that is already above it). Rating, volatility and games are
/// unchanged.
///
/// ```
/// use matchforge_core::rating::{Glicko2, Rating, glicko2_idle};
///
/// let r = Rating::new(1500.0, 50.0, 0.06)?;
/// let idle = glicko2_idle(&r, &Glicko2::default());
/// let expected = 50.0_f64.hypot(0.06 * 173.7178);
/// assert!((idle.deviation() - expected).abs() < 1e-9); // ≈ 51.07
/// let capped = glicko2_idle(&r, &Glicko2::default().with_max_deviation(50.5)?);
/// assert_eq!(capped.deviation(), 50.5);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn glicko2_idle(player: &Rating, config: &Glicko2) -> Rating {
    config.idle_for(player, 1)
}

/// Glicko-2's expected score of `a` against `b` from both deviations:
/// `1 / (1 + exp(−g(√(φa² + φb²)) (μa − μb)))`, so `E(a, b) + E(b, a) = 1`.
///
/// ```
/// use matchforge_core::rating::{Rating, glicko2_expected};
///
/// let a = Rating::new(1700.0, 50.0, 0.06)?;
/// let b = Rating::new(1500.0, 50.0, 0.06)?;
/// assert!((glicko2_expected(&a, &b) - 0.754_610_098_788_568).abs() < 1e-12);
/// assert!((glicko2_expected(&a, &b) + glicko2_expected(&b, &a) - 1.0).abs() < 1e-15);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn glicko2_expected(a: &Rating, b: &Rating) -> f64 {
    expected(a.rating(), a.deviation(), b.rating(), b.deviation())
}

/// Expected score from ratings and deviations on the Glicko scale.
fn expected(rating_a: f64, rd_a: f64, rating_b: f64, rd_b: f64) -> f64 {
    // φ within the working range keeps g > 0, so g × (an overflowing gap) is ±∞, not NaN.
    // Squares that overflow give ∞, which the cap turns back into MAX_PHI.
    let phi = ((rd_a * rd_a + rd_b * rd_b).sqrt() * INVERSE_SCALE).min(MAX_PHI);
    logistic(g(phi) * ((rating_a - rating_b) * INVERSE_SCALE))
}

const INVERSE_SCALE: f64 = 1.0 / GLICKO2_SCALE;

fn to_mu(rating: f64) -> f64 {
    (rating - 1500.0) * INVERSE_SCALE
}

fn to_phi(deviation: f64) -> f64 {
    (deviation * INVERSE_SCALE).min(MAX_PHI)
}

/// g(φ) = 1 / sqrt(1 + 3φ²/π²).
fn g(phi: f64) -> f64 {
    1.0 / (1.0 + 3.0 * phi * phi / (PI * PI)).sqrt()
}

/// The sums of Steps 3 and 4 over a period's games.
#[derive(Default, Clone, Copy)]
struct Evidence {
    /// Σ g(φj)² E (1 − E) = 1 / v.
    information: f64,
    /// Σ g(φj) (s − E) = Δ / v.
    surprise: f64,
}

impl Evidence {
    fn add(&mut self, mu: f64, opponent_mu: f64, opponent_phi: f64, score: f64) {
        let g = g(opponent_phi);
        let e = logistic((g * (mu - opponent_mu)).clamp(-MAX_Z, MAX_Z));
        self.information += g * g * e * (1.0 - e);
        self.surprise += g * (score - e);
    }
}

/// Step 5: the new volatility σ′ by the Illinois algorithm.
///
/// Written with `w = 1/v` and `S = Δ/v` instead of v and Δ (multiply the paper's
/// f(x) through by w²): the same function, but finite even when a game carries
/// almost no information (v → ∞).
fn new_volatility(sigma: f64, phi: f64, evidence: &Evidence, tau: f64, tolerance: f64) -> f64 {
    if tau == 0.0 {
        return sigma;
    }
    let w = evidence.information;
    let s2 = evidence.surprise * evidence.surprise;
    let phi2 = phi * phi;
    let inv_tau2 = 1.0 / (tau * tau);
    let sigma_c = sigma.clamp(MIN_SIGMA, MAX_SIGMA);
    let a = 2.0 * sigma_c.ln();
    let f = |x: f64| {
        let ex = x.exp();
        let d = 1.0 + w * (phi2 + ex);
        ex * (s2 - w * d) / (2.0 * d * d) - (x - a) * inv_tau2
    };

    // Δ² > φ² + v  ⇔  S² − w(1 + wφ²) > 0; then B = ln(Δ² − φ² − v) = ln(excess / w²).
    let excess = s2 - w * (1.0 + w * phi2);
    let (mut hi, mut f_hi) = if excess > 0.0 && w > 0.0 {
        let ratio = excess / (w * w);
        let hi = if ratio.is_finite() {
            ratio.ln()
        } else {
            excess.ln() - 2.0 * w.ln()
        };
        (hi, f(hi))
    } else {
        // B = a − kτ for the first k with f(a − kτ) ≥ 0 (its f is kept).
        let mut k = 1.0;
        loop {
            let x = a - k * tau;
            let fx = f(x);
            if fx >= 0.0 || fx.is_nan() || k >= f64::from(MAX_BRACKET_STEPS) {
                break (x, fx);
            }
            k += 1.0;
        }
    };
    if !hi.is_finite() {
        return sigma;
    }
    let mut lo = a;
    // f(a) without an exponential: e^a = σ², and the (x − a) term vanishes.
    let mut f_lo = {
        let ex = sigma_c * sigma_c;
        let d = 1.0 + w * (phi2 + ex);
        ex * (s2 - w * d) / (2.0 * d * d)
    };
    let mut steps = 0;
    while (hi - lo).abs() > tolerance && steps < MAX_ILLINOIS_STEPS {
        steps += 1;
        let c = lo + (lo - hi) * f_lo / (f_hi - f_lo);
        let f_c = f(c);
        if f_c * f_hi <= 0.0 {
            lo = hi;
            f_lo = f_hi;
        } else {
            f_lo /= 2.0;
        }
        hi = c;
        f_hi = f_c;
    }
    let new = (lo / 2.0).exp();
    if new.is_finite() {
        new.min(MAX_SIGMA)
    } else {
        sigma
    }
}

/// The Glicko-2 rating system.
///
/// Defaults: new players at 1500 / 350 / 0.06, τ = 0.5, convergence tolerance
/// ε = 1e-6 (the paper's), no deviation cap, no first-team advantage.
///
/// * **Rating periods**: [`glicko2_rating_period`] rates any number of games at
///   once, each against the opponent's rating at the period's start, as the paper
///   intends. [`RatingAlgorithm::rate`] treats one match as one period.
///   [`idle`](RatingAlgorithm::idle) is Step 6 for a player who sits out a period.
/// * **Teams** (composite opponent): every player of a team plays one game
///   against each other team, represented by a single composite opponent whose
///   rating is the **mean rating** of that team and whose deviation is the **root
///   mean square of its deviations** (the mean of the variances). Averaging RD or
///   φ makes no difference (φ = RD / 173.7178 is linear); the real choice is
///   between the mean deviation and the mean variance. We use the mean variance:
///   variances are what Glicko's model adds (g and the update only use φ²), and
///   the RMS never lets one well-known player hide the uncertainty of an unknown
///   teammate (350 and 50 average to 200 but have an RMS of 250).
/// * **Multi-team / free-for-all**: each player plays one game per other team in
///   the same period, scored 1, ½ or 0 by rank. Players keep their own μ, φ and σ;
///   teammates only meet through the composite opponent they form for others.
/// * **Advantage** ([`with_advantage`](Glicko2::with_advantage)): rating points
///   added to the first team's strength whenever it is compared with another team
///   (in updates and in predictions).
/// * **Deviation cap** ([`with_max_deviation`](Glicko2::with_max_deviation)): none
///   by default (the paper has none). When set, Step 6 growth (idle periods and the
///   pre-period φ*) stops at the cap; a deviation already above it is not lowered.
///
/// Numerical guards, which only act far outside real rating pools, keep every
/// result finite: inside an update φ is capped at 1e6 (RD ≈ 1.7e8), σ is held in
/// [1e-150, 1e3] for the volatility iteration and Step 6, `g(φj)(μ − μj)` is
/// capped at ±30 (so E is at least 1e-13 from 0 and 1 — a 5,000-point gap), the
/// iteration is capped at a few hundred steps, and outputs saturate at `f64::MAX`.
///
/// ```
/// use matchforge_core::rating::{Glicko2, Outcome, Rating, RatingAlgorithm};
///
/// let glicko = Glicko2::new(0.5)?;
/// let (a, b) = glicko.rate_1v1(Rating::default(), Rating::default(), Outcome::Draw)?;
/// assert!((a.rating() - 1500.0).abs() < 1e-9 && a.deviation() < 350.0);
/// assert_eq!((a.games(), b.games()), (1, 1));
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Glicko2Params", into = "Glicko2Params")]
pub struct Glicko2 {
    tau: f64,
    convergence_tolerance: f64,
    initial: Rating,
    max_deviation: Option<f64>,
    advantage: f64,
}

impl Default for Glicko2 {
    fn default() -> Self {
        Self {
            tau: 0.5,
            convergence_tolerance: 1e-6,
            initial: Rating::default(),
            max_deviation: None,
            advantage: 0.0,
        }
    }
}

impl Glicko2 {
    /// Glicko-2 with system constant τ (Glickman suggests 0.3 to 1.2; 0 keeps
    /// volatilities fixed).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless τ is finite and non-negative.
    pub fn new(tau: f64) -> Result<Self> {
        Ok(Self {
            tau: Error::check_non_negative("Glicko-2 tau", tau)?,
            ..Self::default()
        })
    }

    /// The same system with convergence tolerance ε for the volatility iteration.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless ε is finite and positive.
    pub fn with_convergence_tolerance(self, epsilon: f64) -> Result<Self> {
        Ok(Self {
            convergence_tolerance: Error::check_positive(
                "Glicko-2 convergence tolerance",
                epsilon,
            )?,
            ..self
        })
    }

    /// The same system with the rating new players start at.
    #[must_use]
    pub fn with_initial(self, initial: Rating) -> Self {
        Self {
            initial: initial.with_games(0),
            ..self
        }
    }

    /// The same system with a cap on deviation growth (in RD points, e.g. 350).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless the cap is finite and positive.
    pub fn with_max_deviation(self, max_deviation: f64) -> Result<Self> {
        Ok(Self {
            max_deviation: Some(Error::check_positive("maximum deviation", max_deviation)?),
            ..self
        })
    }

    /// The same system with a first-team advantage of `points` Glicko points.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless it is finite.
    pub fn with_advantage(self, points: f64) -> Result<Self> {
        Ok(Self {
            advantage: Error::check_finite("first-team advantage", points)?,
            ..self
        })
    }

    /// τ, the system constant.
    #[must_use]
    pub const fn tau(&self) -> f64 {
        self.tau
    }

    /// ε, the convergence tolerance of the volatility iteration.
    #[must_use]
    pub const fn convergence_tolerance(&self) -> f64 {
        self.convergence_tolerance
    }

    /// The deviation cap, if any.
    #[must_use]
    pub const fn max_deviation(&self) -> Option<f64> {
        self.max_deviation
    }

    /// The first-team advantage in Glicko points.
    #[must_use]
    pub const fn advantage(&self) -> f64 {
        self.advantage
    }

    /// The games each player of each team plays in a match between `teams`
    /// finished in the order `ranks`: one per other team, against that team's
    /// composite opponent (mean rating, RMS deviation, RMS volatility; the
    /// first team's composite carries the advantage), scored 1, ½ or 0 by rank.
    ///
    /// All players of a team play the same games, so the result has one list per
    /// team. Feed a player's list (possibly with games from other matches of the
    /// same period) to [`glicko2_rating_period`]; it counts every virtual game in
    /// `games`, so for a match of more than two teams set the count to one game
    /// per match afterwards ([`Rating::with_games`]), as
    /// [`rate`](RatingAlgorithm::rate) does.
    ///
    /// ```
    /// use matchforge_core::rating::{Glicko2, Rating};
    ///
    /// let a = [Rating::new(1400.0, 50.0, 0.06)?, Rating::new(1600.0, 350.0, 0.06)?];
    /// let b = [Rating::new(1500.0, 100.0, 0.06)?];
    /// let games = Glicko2::default().composite_games(&[&a, &b], &[1, 2])?;
    /// let (opponent_of_b, score_of_b) = games[1][0];
    /// assert_eq!((opponent_of_b.rating(), score_of_b), (1500.0, 0.0));
    /// assert!((opponent_of_b.deviation() - 250.0).abs() < 1e-12); // RMS of 50 and 350
    /// # Ok::<(), matchforge_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`check_result`].
    pub fn composite_games(
        &self,
        teams: &[&[Rating]],
        ranks: &[u32],
    ) -> Result<Vec<Vec<(Rating, f64)>>> {
        check_result(teams, ranks)?;
        let composites: Vec<Rating> = teams.iter().map(|t| composite(t)).collect();
        let shifted = |j: usize, by: f64| {
            let c = composites[j];
            rating_out(c.rating() + by, c.deviation(), c.volatility(), 0)
        };
        Ok((0..teams.len())
            .map(|i| {
                (0..teams.len())
                    .filter(|&j| j != i)
                    .map(|j| {
                        let opponent = match (i, j) {
                            (0, _) => shifted(j, -self.advantage),
                            (_, 0) => shifted(j, self.advantage),
                            _ => composites[j],
                        };
                        (opponent, pair_score(ranks[i], ranks[j]))
                    })
                    .collect()
            })
            .collect())
    }

    /// Steps 5–8 for `player` given the period's evidence.
    fn conclude(&self, player: &Rating, evidence: &Evidence, games: u32) -> Rating {
        let phi = to_phi(player.deviation());
        let sigma = new_volatility(
            player.volatility(),
            phi,
            evidence,
            self.tau,
            self.convergence_tolerance,
        );
        // Steps 6 and 7 on variances: φ*² = φ² + σ′², φ′² = 1 / (1/φ*² + 1/v)
        // = φ*² / (1 + φ*²/v). φ ≤ 1e6 and σ′ is taken at most 1e3 here (it can
        // be larger when τ = 0 keeps a huge volatility as it is), so nothing
        // overflows, and φ*² = 0 gives φ′ = 0 rather than 0/0.
        let phi2 = phi * phi;
        let work_sigma = sigma.min(MAX_SIGMA);
        let phi_star2 = self.grown2(phi2, phi2 + work_sigma * work_sigma);
        let phi_new2 = phi_star2 / (1.0 + evidence.information * phi_star2);
        // Step 7/8: μ′ = μ + φ′² Σ g (s − E), applied as a change on the Glicko
        // scale so the sign of the change is exactly the sign of the surprise (no
        // rounding through μ and back).
        let change = phi_new2 * evidence.surprise * GLICKO2_SCALE;
        rating_out(
            player.rating() + change,
            phi_new2.sqrt() * GLICKO2_SCALE,
            sigma,
            player.games().saturating_add(games),
        )
    }

    /// Step 6 growth from φ² to φ*², honouring the cap (never below φ²).
    fn grown2(&self, phi2: f64, phi_star2: f64) -> f64 {
        match self.max_deviation {
            Some(cap) => {
                let cap = cap * INVERSE_SCALE;
                phi_star2.min(cap * cap).max(phi2)
            }
            None => phi_star2,
        }
    }

    /// `periods` idle periods in closed form: φ² grows by σ² per period.
    fn idle_for(&self, player: &Rating, periods: u64) -> Rating {
        // Work on the Glicko scale directly (hypot does not overflow).
        let growth = player.volatility() * GLICKO2_SCALE * (periods as f64).sqrt();
        let deviation = player.deviation();
        let grown = deviation.hypot(growth);
        let new = match self.max_deviation {
            Some(cap) => grown.min(cap).max(deviation),
            None => grown,
        };
        rating_out(player.rating(), new, player.volatility(), player.games())
    }

    /// Team strength for predictions: mean rating (plus the advantage for the
    /// first team) and RMS deviation.
    fn team_expected(&self, a: &[Rating], a_is_first: bool, b: &[Rating]) -> f64 {
        let ca = composite(a);
        let cb = composite(b);
        let bonus = if a_is_first { self.advantage } else { 0.0 };
        expected(
            saturate(ca.rating() + bonus),
            ca.deviation(),
            cb.rating(),
            cb.deviation(),
        )
    }
}

/// A team's composite opponent: mean rating, RMS deviation and RMS volatility.
/// `team` must not be empty.
fn composite(team: &[Rating]) -> Rating {
    if let [single] = team {
        return single.with_games(0);
    }
    rating_out(
        mean(team.iter().map(Rating::rating)),
        root_mean_square(team.iter().map(Rating::deviation)),
        root_mean_square(team.iter().map(Rating::volatility)),
        0,
    )
}

impl RatingAlgorithm for Glicko2 {
    fn name(&self) -> &str {
        "glicko2"
    }

    fn initial_rating(&self) -> Rating {
        self.initial
    }

    fn rate(&self, teams: &[&[Rating]], ranks: &[u32]) -> Result<Vec<Vec<Rating>>> {
        let games = self.composite_games(teams, ranks)?;
        teams
            .iter()
            .zip(&games)
            .map(|(team, games)| {
                // One match is one rated game, however many teams it had.
                team.iter()
                    .map(|p| {
                        glicko2_rating_period(p, games, self)
                            .map(|r| r.with_games(p.games().saturating_add(1)))
                    })
                    .collect()
            })
            .collect()
    }

    fn win_probability(&self, a: &[Rating], b: &[Rating]) -> Result<f64> {
        check_teams(&[a, b])?;
        Ok(self.team_expected(a, true, b))
    }

    /// Pairwise composite expectations (the first team with its advantage)
    /// normalised by [`first_place_from_pairwise`].
    fn win_probabilities(&self, teams: &[&[Rating]]) -> Result<Vec<f64>> {
        check_teams(teams)?;
        first_place_from_pairwise(teams.len(), |i, j| {
            Ok(self.team_expected(teams[i], i == 0, teams[j]))
        })
    }

    fn rate_1v1(&self, a: Rating, b: Rating, outcome: Outcome) -> Result<(Rating, Rating)> {
        Ok(glicko2(&a, &b, outcome, self))
    }

    fn idle(&self, rating: Rating) -> Rating {
        self.idle_for(&rating, 1)
    }

    fn idle_periods(&self, rating: Rating, periods: u64) -> Rating {
        if periods == 0 {
            rating
        } else {
            self.idle_for(&rating, periods)
        }
    }
}

/// The serialised form of [`Glicko2`]; every field is optional on input.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Glicko2Params {
    tau: f64,
    convergence_tolerance: f64,
    initial: Rating,
    max_deviation: Option<f64>,
    advantage: f64,
}

impl Default for Glicko2Params {
    fn default() -> Self {
        Glicko2::default().into()
    }
}

impl From<Glicko2> for Glicko2Params {
    fn from(g: Glicko2) -> Self {
        Self {
            tau: g.tau,
            convergence_tolerance: g.convergence_tolerance,
            initial: g.initial,
            max_deviation: g.max_deviation,
            advantage: g.advantage,
        }
    }
}

impl TryFrom<Glicko2Params> for Glicko2 {
    type Error = Error;

    fn try_from(p: Glicko2Params) -> Result<Self> {
        let g = Glicko2::new(p.tau)?
            .with_convergence_tolerance(p.convergence_tolerance)?
            .with_initial(p.initial)
            .with_advantage(p.advantage)?;
        match p.max_deviation {
            Some(cap) => g.with_max_deviation(cap),
            None => Ok(g),
        }
    }
}

#[cfg(test)]
#[path = "glicko2_tests.rs"]
mod tests;
