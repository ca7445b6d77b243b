//! Weng-Lin: the Bayesian approximation of Weng & Lin (2011, "A Bayesian
//! Approximation Method for Online Ranking", JMLR 12) that OpenSkill implements,
//! with the Plackett-Luce and Bradley-Terry (full pairing) models.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::algorithm::{RatingAlgorithm, check_result, check_teams, first_place_from_pairwise};
use super::elo::pair_score;
use super::numeric::{logistic, normal_cdf, rating_out};
use super::value::{Outcome, Rating};
use crate::error::{Error, Result};

// Numerical guards, far outside real pools (μ ≈ 25, σ ≤ 8.4, β ≈ 4): team sums
// use μ and the advantage clamped to ±1e150, σ and τ clamped to 1e100, and β to
// [1e-100, 1e100], so sums and squares stay finite and c is never 0.
const WORK_MU: f64 = 1e150;
const WORK_SIGMA: f64 = 1e100;
const WORK_BETA_MIN: f64 = 1e-100;

/// The ranking model of [`WengLin`].
///
/// With two teams both models give identical updates (and OpenSkill's results);
/// they differ for three or more teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WengLinModel {
    /// Plackett-Luce (Algorithm 4 of the paper; OpenSkill's default): a ranking is
    /// a sequence of choices of the best remaining team. Cost O(n²) in teams.
    #[default]
    PlackettLuce,
    /// Bradley-Terry with full pairing (Algorithm 1): every pair of teams is a
    /// separate comparison. Cost O(n²) in teams.
    BradleyTerryFull,
}

impl FromStr for WengLinModel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "pl" | "plackett-luce" | "plackett_luce" => Ok(Self::PlackettLuce),
            "bt" | "bt-full" | "bradley-terry" | "bradley-terry-full" | "bradley_terry_full" => {
                Ok(Self::BradleyTerryFull)
            }
            other => Err(Error::InvalidConfig(format!(
                "unknown Weng-Lin model {other:?} (expected pl or bt)"
            ))),
        }
    }
}

impl fmt::Display for WengLinModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PlackettLuce => "pl",
            Self::BradleyTerryFull => "bt",
        })
    }
}

/// The Weng-Lin rating system (OpenSkill).
///
/// Defaults, as OpenSkill's: μ = 25, σ = 25/3, β = 25/6, additive dynamics
/// τ = 25/300, κ = 0.0001, Plackett-Luce, no first-team advantage, and σ not
/// limited (OpenSkill's `limit_sigma` off).
///
/// * **Teams**: a team's μ is the **sum** of its players' μ, its σ² the sum of
///   their σ². Each player receives the share σ_j² / σ_team² of the team's μ change
///   and of its variance reduction: `μ_j += σ_j²/σ_team² · Ω`,
///   `σ_j² *= max(1 − σ_j²/σ_team² · Δ, κ)`.
/// * **Dynamics**: before every update each player's σ² grows by τ² (OpenSkill's
///   additive dynamics factor), so σ never freezes. With τ = 0, or with
///   [`with_limit_sigma`](WengLin::with_limit_sigma), a game never increases σ. [`idle`](RatingAlgorithm::idle) is the identity.
/// * **Ties**: equal ranks. Plackett-Luce divides each choice's contribution by
///   the number of teams tied at that rank (the paper's A_q); Bradley-Terry scores
///   a tie ½.
/// * **Predictions**: [`win_probability`](RatingAlgorithm::win_probability) is
///   OpenSkill's `predict_win` for two teams, `Φ((μA − μB) / √(n·β² + σA² + σB²))`
///   with `n` the number of players in both teams. For three or more teams
///   [`win_probabilities`](RatingAlgorithm::win_probabilities) uses the model's own
///   first-place probability under Plackett-Luce, `e^(μ_i/c) / Σ e^(μ_j/c)` with
///   `c² = Σ (σ_j² + β²)`; Bradley-Terry normalises the pairwise predictions.
///   With two teams both return `[p, 1 − p]` with `p` from `predict_win`.
/// * **Advantage** ([`with_advantage`](WengLin::with_advantage)): μ added to the
///   first team's sum in updates and predictions.
///
/// Numerical guards: team sums use μ and the advantage within ±1e150, σ and τ up
/// to 1e100 and β within [1e-100, 1e100]; exponentials are evaluated relative to
/// the largest term, so huge gaps give probabilities of exactly 0 or 1 rather than
/// NaN; a team whose σ is zero everywhere (τ = 0) keeps its players' μ and σ.
///
/// ```
/// use matchforge_core::rating::{Outcome, Rating, RatingAlgorithm, WengLin};
///
/// let wl = WengLin::default().with_tau(0.0)?;
/// let new = wl.initial_rating(); // 25 ± 25/3
/// let (a, b) = wl.rate_1v1(new, new, Outcome::Win)?;
/// assert!((a.rating() - 27.63523138347365).abs() < 1e-12);
/// assert!((b.rating() - 22.36476861652635).abs() < 1e-12);
/// assert!((a.deviation() - 8.065506316323548).abs() < 1e-12);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WengLinParams", into = "WengLinParams")]
pub struct WengLin {
    mu: f64,
    sigma: f64,
    beta: f64,
    tau: f64,
    kappa: f64,
    model: WengLinModel,
    advantage: f64,
    limit_sigma: bool,
}

impl Default for WengLin {
    fn default() -> Self {
        Self {
            mu: 25.0,
            sigma: 25.0 / 3.0,
            beta: 25.0 / 6.0,
            tau: 25.0 / 300.0,
            kappa: 0.0001,
            model: WengLinModel::PlackettLuce,
            advantage: 0.0,
            limit_sigma: false,
        }
    }
}

impl WengLin {
    /// OpenSkill's defaults with the given model.
    #[must_use]
    pub fn new(model: WengLinModel) -> Self {
        Self {
            model,
            ..Self::default()
        }
    }

    /// The same system with the model.
    #[must_use]
    pub fn with_model(self, model: WengLinModel) -> Self {
        Self { model, ..self }
    }

    /// The same system with new players' μ.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite.
    pub fn with_mu(self, mu: f64) -> Result<Self> {
        Ok(Self {
            mu: Error::check_finite("Weng-Lin mu", mu)?,
            ..self
        })
    }

    /// The same system with new players' σ.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite and non-negative.
    pub fn with_sigma(self, sigma: f64) -> Result<Self> {
        Ok(Self {
            sigma: Error::check_non_negative("Weng-Lin sigma", sigma)?,
            ..self
        })
    }

    /// The same system with β, the performance noise (skill-class width).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite and positive.
    pub fn with_beta(self, beta: f64) -> Result<Self> {
        Ok(Self {
            beta: Error::check_positive("Weng-Lin beta", beta)?,
            ..self
        })
    }

    /// The same system with the additive dynamics factor τ (σ² += τ² before each
    /// update).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite and non-negative.
    pub fn with_tau(self, tau: f64) -> Result<Self> {
        Ok(Self {
            tau: Error::check_non_negative("Weng-Lin tau", tau)?,
            ..self
        })
    }

    /// The same system with κ, the floor of the variance reduction factor.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless `0 < κ ≤ 1`.
    pub fn with_kappa(self, kappa: f64) -> Result<Self> {
        if !(kappa > 0.0 && kappa <= 1.0) {
            return Err(Error::InvalidNumber {
                what: "Weng-Lin kappa",
                value: kappa,
                expected: "must be in (0, 1]",
            });
        }
        Ok(Self { kappa, ..self })
    }

    /// The same system with a first-team advantage of `mu` (added to the first
    /// team's summed μ).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] unless finite.
    pub fn with_advantage(self, mu: f64) -> Result<Self> {
        Ok(Self {
            advantage: Error::check_finite("first-team advantage", mu)?,
            ..self
        })
    }

    /// The same system with OpenSkill's `limit_sigma` on or off (off by
    /// default): when on, an update never leaves a player's σ above what it
    /// was before the match. The dynamics τ add to σ² before every update, so
    /// a player whose result barely informs the model (a heavy favourite
    /// winning, a large team) can otherwise come out of a game less certain
    /// than they went in; with the limit their σ is
    /// `min(σ after the update, σ before)`, as OpenSkill computes it. μ is
    /// unchanged either way.
    ///
    /// ```
    /// use matchforge_core::rating::{Outcome, Rating, RatingAlgorithm, WengLin};
    ///
    /// let wl = WengLin::default().with_tau(2.0)?;
    /// let certain = Rating::new(40.0, 1.0, 0.06)?;
    /// let (win, _) = wl.rate_1v1(certain, wl.initial_rating(), Outcome::Win)?;
    /// assert!(win.deviation() > 1.0, "τ raised σ");
    /// let limited = wl.with_limit_sigma(true);
    /// let (win, _) = limited.rate_1v1(certain, limited.initial_rating(), Outcome::Win)?;
    /// assert_eq!(win.deviation(), 1.0);
    /// # Ok::<(), matchforge_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_limit_sigma(self, limit_sigma: bool) -> Self {
        Self {
            limit_sigma,
            ..self
        }
    }

    /// Whether an update may not raise σ (see
    /// [`with_limit_sigma`](Self::with_limit_sigma)).
    #[must_use]
    pub const fn limit_sigma(&self) -> bool {
        self.limit_sigma
    }

    /// The model.
    #[must_use]
    pub const fn model(&self) -> WengLinModel {
        self.model
    }

    /// β.
    #[must_use]
    pub const fn beta(&self) -> f64 {
        self.beta
    }

    /// τ, the additive dynamics factor.
    #[must_use]
    pub const fn tau(&self) -> f64 {
        self.tau
    }

    /// κ.
    #[must_use]
    pub const fn kappa(&self) -> f64 {
        self.kappa
    }

    /// The first-team advantage in μ.
    #[must_use]
    pub const fn advantage(&self) -> f64 {
        self.advantage
    }

    /// β² with β within the working range: neither 0 (c = 0 would give 0/0 for
    /// teams without variance) nor ∞.
    fn beta2(&self) -> f64 {
        let beta = self.beta.clamp(WORK_BETA_MIN, WORK_SIGMA);
        beta * beta
    }

    /// τ within the working range, so τ² stays finite.
    fn work_tau(&self) -> f64 {
        self.tau.min(WORK_SIGMA)
    }

    /// The advantage within the working range of μ, so a team's μ over c stays
    /// finite.
    fn work_advantage(&self) -> f64 {
        self.advantage.clamp(-WORK_MU, WORK_MU)
    }

    /// A player's variance for an update: σ² + τ² (σ and τ within the working range).
    fn variance(&self, player: &Rating) -> f64 {
        let s = player.deviation().min(WORK_SIGMA);
        let tau = self.work_tau();
        s * s + tau * tau
    }

    /// A player's σ after an update that scaled its variance (with the
    /// dynamics) by `factor`, held to the σ before the match under
    /// [`limit_sigma`](Self::limit_sigma).
    fn updated_sigma(&self, player: &Rating, factor: f64) -> f64 {
        let sigma = self.dynamic_sigma(player) * factor.sqrt();
        if self.limit_sigma {
            sigma.min(player.deviation())
        } else {
            sigma
        }
    }

    /// A player's σ with the dynamics added, √(σ² + τ²), computed without
    /// squaring so tiny σ keep their precision.
    fn dynamic_sigma(&self, player: &Rating) -> f64 {
        let s = player.deviation().min(WORK_SIGMA);
        let tau = self.work_tau();
        if tau == 0.0 {
            return s;
        }
        let var = s * s + tau * tau;
        if var >= f64::MIN_POSITIVE {
            var.sqrt()
        } else {
            s.hypot(tau)
        }
    }

    /// Summed μ (plus the advantage for the first team) and σ² of each team.
    fn team_sums(&self, teams: &[&[Rating]], with_tau: bool) -> Vec<(f64, f64)> {
        teams
            .iter()
            .enumerate()
            .map(|(i, team)| self.team_sum(i == 0, team, with_tau))
            .collect()
    }

    /// Summed μ (plus the advantage if `first`) and σ² (plus τ² per player if
    /// `with_tau`) of one team.
    fn team_sum(&self, first: bool, team: &[Rating], with_tau: bool) -> (f64, f64) {
        let mut mu = 0.0;
        let mut var = 0.0;
        for p in team {
            mu += p.rating().clamp(-WORK_MU, WORK_MU);
            var += if with_tau {
                self.variance(p)
            } else {
                let s = p.deviation().min(WORK_SIGMA);
                s * s
            };
        }
        if first {
            mu += self.work_advantage();
        }
        (mu, var)
    }

    /// `predict_win` between two (mu, var, players) sums.
    fn predict(&self, a: (f64, f64), b: (f64, f64), players: usize) -> f64 {
        let n = players as f64;
        let denominator = (n * self.beta2() + a.1 + b.1).sqrt();
        normal_cdf((a.0 - b.0) / denominator)
    }

    /// Applies a team's (Ω, Δ) to its players.
    fn apply(&self, team: &[Rating], team_var: f64, omega: f64, delta: f64) -> Vec<Rating> {
        team.iter()
            .map(|p| {
                // A division, not a multiplication by 1/team_var: that could be ∞
                // for a subnormal team variance, and 0 × ∞ is NaN.
                let share = if team_var > 0.0 {
                    self.variance(p) / team_var
                } else {
                    0.0
                };
                let factor = (1.0 - share * delta).max(self.kappa);
                rating_out(
                    p.rating() + share * omega,
                    self.updated_sigma(p, factor),
                    p.volatility(),
                    p.games().saturating_add(1),
                )
            })
            .collect()
    }

    /// (Ω, Δ) for two teams: both models agree here.
    fn two_teams(&self, sums: [(f64, f64); 2], ranks: [u32; 2]) -> [(f64, f64); 2] {
        let c = (sums[0].1 + sums[1].1 + 2.0 * self.beta2()).sqrt();
        let p0 = logistic((sums[0].0 - sums[1].0) / c);
        let p1 = 1.0 - p0;
        let s0 = pair_score(ranks[0], ranks[1]);
        let side = |var: f64, s: f64, p: f64| {
            let omega = var / c * (s - p);
            let delta = var.sqrt() / c * var / (c * c) * p0 * p1;
            (omega, delta)
        };
        [side(sums[0].1, s0, p0), side(sums[1].1, 1.0 - s0, p1)]
    }

    /// (Ω, Δ) per team under Plackett-Luce (Algorithm 4).
    fn plackett_luce(&self, sums: &[(f64, f64)], ranks: &[u32]) -> Vec<(f64, f64)> {
        let n = sums.len();
        let c = sums
            .iter()
            .map(|(_, var)| var + self.beta2())
            .sum::<f64>()
            .sqrt();
        let x: Vec<f64> = sums.iter().map(|(mu, _)| mu / c).collect();
        // For each q: the largest x over C_q = {s : rank_s ≥ rank_q}, Σ e^(x_s − max)
        // over C_q, and A_q = #{s : rank_s = rank_q}.
        let choice: Vec<(f64, f64, f64)> = (0..n)
            .map(|q| {
                let members = (0..n).filter(|&s| ranks[s] >= ranks[q]);
                let max = members
                    .clone()
                    .map(|s| x[s])
                    .fold(f64::NEG_INFINITY, f64::max);
                let sum = members.map(|s| (x[s] - max).exp()).sum::<f64>();
                let tied = (0..n).filter(|&s| ranks[s] == ranks[q]).count() as f64;
                (max, sum, tied)
            })
            .collect();
        (0..n)
            .map(|i| {
                let (mut omega, mut delta) = (0.0, 0.0);
                for (q, &(max, sum, tied)) in choice.iter().enumerate() {
                    if ranks[q] > ranks[i] {
                        continue;
                    }
                    let quotient = (x[i] - max).exp() / sum;
                    delta += quotient * (1.0 - quotient) / tied;
                    omega += (if q == i { 1.0 - quotient } else { -quotient }) / tied;
                }
                let var = sums[i].1;
                let gamma = var.sqrt() / c;
                (omega * var / c, delta * gamma * var / (c * c))
            })
            .collect()
    }

    /// (Ω, Δ) per team under Bradley-Terry with full pairing (Algorithm 1).
    fn bradley_terry(&self, sums: &[(f64, f64)], ranks: &[u32]) -> Vec<(f64, f64)> {
        let n = sums.len();
        (0..n)
            .map(|i| {
                let (mu_i, var_i) = sums[i];
                let (mut omega, mut delta) = (0.0, 0.0);
                for q in (0..n).filter(|&q| q != i) {
                    let (mu_q, var_q) = sums[q];
                    let c = (var_i + var_q + 2.0 * self.beta2()).sqrt();
                    let p = logistic((mu_i - mu_q) / c);
                    let gamma = var_i.sqrt() / c;
                    omega += var_i / c * (pair_score(ranks[i], ranks[q]) - p);
                    delta += gamma * var_i / (c * c) * p * (1.0 - p);
                }
                (omega, delta)
            })
            .collect()
    }
}

/// New ratings after a match between `teams` that finished in the order `ranks`
/// (1 is best; equal ranks tie), under `config`'s model.
///
/// The 2v2 and free-for-all vectors of OpenSkill (τ = 0):
///
/// ```
/// use matchforge_core::rating::{Rating, WengLin, weng_lin};
///
/// let wl = WengLin::default().with_tau(0.0)?;
/// let p = Rating::new(25.0, 25.0 / 3.0, 0.06)?;
/// let new = weng_lin(&[&[p, p], &[p, p]], &[1, 2], &wl)?;
/// assert!((new[0][0].rating() - 26.964185503295965).abs() < 1e-12);
/// assert!((new[0][1].deviation() - 8.17755635771097).abs() < 1e-12);
///
/// let ffa = weng_lin(&[&[p], &[p], &[p], &[p]], &[4, 1, 3, 2], &wl)?;
/// let mu: Vec<f64> = ffa.iter().map(|t| (t[0].rating() * 1000.0).round() / 1000.0).collect();
/// assert_eq!(mu, [20.963, 27.795, 24.689, 26.553]);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// # Errors
/// As [`check_result`].
pub fn weng_lin(teams: &[&[Rating]], ranks: &[u32], config: &WengLin) -> Result<Vec<Vec<Rating>>> {
    check_result(teams, ranks)?;
    if let (&[a, b], &[ra, rb]) = (teams, ranks) {
        // Two teams: both models agree, and nothing needs a scratch vector.
        let sums = [
            config.team_sum(true, a, true),
            config.team_sum(false, b, true),
        ];
        let [(oa, da), (ob, db)] = config.two_teams(sums, [ra, rb]);
        return Ok(vec![
            config.apply(a, sums[0].1, oa, da),
            config.apply(b, sums[1].1, ob, db),
        ]);
    }
    let sums = config.team_sums(teams, true);
    let updates = match config.model {
        WengLinModel::PlackettLuce => config.plackett_luce(&sums, ranks),
        WengLinModel::BradleyTerryFull => config.bradley_terry(&sums, ranks),
    };
    Ok(teams
        .iter()
        .zip(sums.iter().zip(&updates))
        .map(|(team, ((_, var), &(omega, delta)))| config.apply(team, *var, omega, delta))
        .collect())
}

/// A 1v1 Weng-Lin update (both models agree for two players); `a` gets the
/// first-team advantage.
///
/// ```
/// use matchforge_core::rating::{Outcome, Rating, WengLin, weng_lin_1v1};
///
/// let p = Rating::new(25.0, 25.0 / 3.0, 0.06)?;
/// let (a, b) = weng_lin_1v1(&p, &p, Outcome::Win, &WengLin::default()); // τ = 25/300
/// assert!((a.rating() - 27.635389493140497).abs() < 1e-12);
/// assert!((b.deviation() - 8.06590141354368).abs() < 1e-12);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
#[must_use]
pub fn weng_lin_1v1(
    a: &Rating,
    b: &Rating,
    outcome: Outcome,
    config: &WengLin,
) -> (Rating, Rating) {
    let var_a = config.variance(a);
    let var_b = config.variance(b);
    let mu_a = a.rating().clamp(-WORK_MU, WORK_MU) + config.work_advantage();
    let mu_b = b.rating().clamp(-WORK_MU, WORK_MU);
    let [(oa, da), (ob, db)] = config.two_teams([(mu_a, var_a), (mu_b, var_b)], outcome.ranks());
    let one = |p: &Rating, var: f64, omega: f64, delta: f64| {
        let share = if var > 0.0 { 1.0 } else { 0.0 };
        rating_out(
            p.rating() + share * omega,
            config.updated_sigma(p, (1.0 - share * delta).max(config.kappa)),
            p.volatility(),
            p.games().saturating_add(1),
        )
    };
    (one(a, var_a, oa, da), one(b, var_b, ob, db))
}

impl RatingAlgorithm for WengLin {
    fn name(&self) -> &str {
        "weng-lin"
    }

    fn initial_rating(&self) -> Rating {
        Rating::from_parts(self.mu, self.sigma, Rating::default().volatility(), 0)
    }

    fn rate(&self, teams: &[&[Rating]], ranks: &[u32]) -> Result<Vec<Vec<Rating>>> {
        weng_lin(teams, ranks, self)
    }

    fn rate_1v1(&self, a: Rating, b: Rating, outcome: Outcome) -> Result<(Rating, Rating)> {
        Ok(weng_lin_1v1(&a, &b, outcome, self))
    }

    fn win_probability(&self, a: &[Rating], b: &[Rating]) -> Result<f64> {
        check_teams(&[a, b])?;
        let sums = self.team_sums(&[a, b], false);
        Ok(self.predict(sums[0], sums[1], a.len() + b.len()))
    }

    fn win_probabilities(&self, teams: &[&[Rating]]) -> Result<Vec<f64>> {
        check_teams(teams)?;
        let sums = self.team_sums(teams, false);
        if let [a, b] = sums.as_slice() {
            let p = self.predict(*a, *b, teams[0].len() + teams[1].len());
            return Ok(vec![p, 1.0 - p]);
        }
        match self.model {
            WengLinModel::PlackettLuce => {
                let c = sums
                    .iter()
                    .map(|(_, var)| var + self.beta2())
                    .sum::<f64>()
                    .sqrt();
                let max = sums
                    .iter()
                    .map(|(mu, _)| mu / c)
                    .fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = sums.iter().map(|(mu, _)| (mu / c - max).exp()).collect();
                let total: f64 = weights.iter().sum();
                Ok(weights.into_iter().map(|w| w / total).collect())
            }
            WengLinModel::BradleyTerryFull => first_place_from_pairwise(teams.len(), |i, j| {
                Ok(self.predict(sums[i], sums[j], teams[i].len() + teams[j].len()))
            }),
        }
    }
}

/// The serialised form of [`WengLin`]; every field is optional on input.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WengLinParams {
    mu: f64,
    sigma: f64,
    beta: f64,
    tau: f64,
    kappa: f64,
    model: WengLinModel,
    advantage: f64,
    /// Written only when on, so a config with the limit off reads in
    /// releases that do not know the field.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    limit_sigma: bool,
}

impl Default for WengLinParams {
    fn default() -> Self {
        WengLin::default().into()
    }
}

impl From<WengLin> for WengLinParams {
    fn from(w: WengLin) -> Self {
        Self {
            mu: w.mu,
            sigma: w.sigma,
            beta: w.beta,
            tau: w.tau,
            kappa: w.kappa,
            model: w.model,
            advantage: w.advantage,
            limit_sigma: w.limit_sigma,
        }
    }
}

impl TryFrom<WengLinParams> for WengLin {
    type Error = Error;

    fn try_from(p: WengLinParams) -> Result<Self> {
        WengLin::new(p.model)
            .with_mu(p.mu)?
            .with_sigma(p.sigma)?
            .with_beta(p.beta)?
            .with_tau(p.tau)?
            .with_kappa(p.kappa)?
            .with_advantage(p.advantage)
            .map(|w| w.with_limit_sigma(p.limit_sigma))
    }
}

#[cfg(test)]
#[path = "weng_lin_tests.rs"]
mod tests;
