//! The three scenarios: each queue's rules and settings, the rating system,
//! how players behave, and the model that draws results from true skill.

use std::time::Duration;

use matchforge::QueueSettings;
use matchforge::queue::{
    CustomRule, MatchFormat, QueueSpec, RegionRule, RoleComposition, Widening,
};
use matchforge::rating::{Glicko2, WengLin};

/// Which day to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scenario {
    /// 1v1 on Glicko-2: rating window widening with the wait, a cross-play
    /// rule (`input` must match until a ticket has waited 90 s).
    #[value(name = "ranked-1v1")]
    Ranked1v1,
    /// 5v5 on Weng-Lin: parties of 1 to 5, roles (1 tank, 1 healer, 3 dps),
    /// three regions with latencies (best common region), premade matching.
    #[value(name = "party-5v5")]
    Party5v5,
    /// Free-for-all of 8 on Weng-Lin (Plackett-Luce).
    #[value(name = "ffa-8")]
    Ffa8,
}

/// How true skill becomes results, on the scale of the queue's rating system.
///
/// True skill is drawn on the Elo/Glicko scale, N(1500, 300). On the rating
/// scale it is `scale(t) = offset + (t − 1500) / divisor`. A team's strength
/// is the sum of its players' scaled skills, and the teams finish in the
/// order of `strength / c + Gumbel noise`: a Plackett-Luce draw in which team
/// `k` finishes first with probability `softmax(strength / c)_k`. That is
/// exactly the model of the rating system in use, so well-fed ratings
/// converge to true skill:
///
/// | system | offset | divisor | `c` | two teams |
/// |---|---|---|---|---|
/// | Glicko-2 | 1500 | 1 | 400 / ln 10 | P(A) = 1 / (1 + 10^(−Δ/400)) |
/// | Weng-Lin | 25 | 36 | √n · β (β = 25/6, n players) | P(A) = logistic(ΔΣμ / c) |
///
/// (divisor 36 maps the true-skill sd of 300 onto Weng-Lin's prior σ of 25/3.)
#[derive(Debug, Clone, Copy)]
pub(super) struct SkillModel {
    offset: f64,
    divisor: f64,
    weng_lin_beta: Option<f64>,
}

impl SkillModel {
    const GLICKO: Self = Self {
        offset: 1500.0,
        divisor: 1.0,
        weng_lin_beta: None,
    };
    const WENG_LIN: Self = Self {
        offset: 25.0,
        divisor: 36.0,
        weng_lin_beta: Some(25.0 / 6.0),
    };

    /// True skill `t` (Elo scale) on the rating scale.
    pub(super) fn scaled(&self, t: f64) -> f64 {
        self.offset + (t - 1500.0) / self.divisor
    }

    /// The Plackett-Luce temperature for a match of `players` players.
    pub(super) fn temperature(&self, players: usize) -> f64 {
        match self.weng_lin_beta {
            Some(beta) => (players as f64).sqrt() * beta,
            None => 400.0 / std::f64::consts::LN_10,
        }
    }

    /// Each team's probability of finishing first, from team strengths
    /// (sums of scaled true skill) in a match of `players` players.
    pub(super) fn first_place(&self, strengths: &[f64], players: usize) -> Vec<f64> {
        let c = self.temperature(players);
        let top = strengths.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = strengths.iter().map(|s| ((s - top) / c).exp()).collect();
        let total: f64 = weights.iter().sum();
        weights.iter().map(|w| w / total).collect()
    }
}

/// How players behave.
#[derive(Debug, Clone, Copy)]
pub(super) struct Behaviour {
    /// Probability a player accepts a ready check (after a delay).
    pub(super) accept: f64,
    /// Probability a player declines; the rest never answer.
    pub(super) decline: f64,
    /// Mean of the exponential part of the delay before answering (s); one
    /// second is added, and answers come at least two seconds before the
    /// deadline.
    pub(super) answer_delay_mean: f64,
    /// Match length, uniform in this range (s).
    pub(super) match_secs: (f64, f64),
    /// Break between two matches of a session, uniform in this range (s).
    pub(super) break_secs: (f64, f64),
    /// After each match, the probability the session goes on (at most 20
    /// matches).
    pub(super) keep_playing: f64,
}

/// Regions and what the population looks like in a scenario with regions.
#[derive(Debug, Clone)]
pub(super) struct Geography {
    /// Region names.
    pub(super) regions: &'static [&'static str],
    /// Share of the population living near each region.
    pub(super) home_weights: &'static [f64],
    /// Base round-trip time (ms) from players near region `i` to region `j`.
    pub(super) base_ms: &'static [&'static [f64]],
}

/// One scenario, ready to run.
#[derive(Debug, Clone)]
pub(super) struct Profile {
    /// The scenario's name, as on the command line.
    pub(super) name: &'static str,
    /// The queue as the runner runs it.
    pub(super) settings: QueueSettings,
    /// The rating system's name (`glicko2`, `weng-lin`).
    pub(super) algorithm: &'static str,
    /// How long players who decline or miss a ready check may not queue.
    pub(super) decline_cooldown: Duration,
    /// The scale `rating_error` and spreads are measured on.
    pub(super) rating_scale: &'static str,
    /// Results from true skill.
    pub(super) skill: SkillModel,
    /// The population when `--players` is not given.
    pub(super) default_players: u32,
    /// Sessions a player starts per day, on average: the default arrival rate
    /// is `players × sessions_per_day / 86,400` players per second.
    pub(super) sessions_per_day: f64,
    /// Player behaviour.
    pub(super) behaviour: Behaviour,
    /// Party sizes of arrivals, weights for sizes 1, 2, ... (solo only: `[1.0]`).
    pub(super) party_sizes: &'static [f64],
    /// Regions, if the queue matches by latency.
    pub(super) geography: Option<Geography>,
    /// Role preference profiles (most preferred first; empty: any role) and
    /// their shares, if the queue has roles.
    pub(super) role_profiles: &'static [(&'static [&'static str], f64)],
    /// Values of the `input` attribute and their shares, if the queue has the
    /// cross-play rule.
    pub(super) inputs: &'static [(&'static str, f64)],
}

const ROLE_PROFILES: &[(&[&str], f64)] = &[
    (&["dps"], 0.35),
    (&["dps", "tank"], 0.12),
    (&["dps", "healer"], 0.13),
    (&["tank", "dps"], 0.12),
    (&["healer", "dps"], 0.13),
    (&[], 0.15),
];

const GEOGRAPHY: Geography = Geography {
    regions: &["eu", "na", "asia"],
    home_weights: &[0.45, 0.35, 0.20],
    base_ms: &[
        &[0.0, 85.0, 160.0],
        &[85.0, 0.0, 140.0],
        &[160.0, 140.0, 0.0],
    ],
};

impl Scenario {
    /// The scenario's settings.
    ///
    /// # Panics
    /// Never: the constants are valid (the unit tests build every scenario).
    pub(super) fn profile(self) -> Profile {
        let widening = |initial, per_second, max| {
            Widening::linear(initial, per_second, max).expect("valid constant window")
        };
        let steps = |table: &[(u64, f64)]| {
            Widening::steps(table.iter().copied()).expect("valid constant steps")
        };
        let build = |spec: QueueSpec| spec.build().expect("valid constant queue");
        let mut profile = match self {
            Scenario::Ranked1v1 => Profile {
                name: "ranked-1v1",
                settings: QueueSettings::new(build(
                    QueueSpec::new("ranked-1v1", MatchFormat::one_v_one())
                        .with_rating_window(widening(75.0, 4.0, 500.0))
                        .with_custom_rule(CustomRule::equal("input", Some(90)))
                        .with_max_wait_secs(300),
                ))
                .with_algorithm(Glicko2::default())
                .with_tick_interval(Duration::from_secs(1))
                .with_ready_check(Duration::from_secs(20)),
                algorithm: "glicko2",
                decline_cooldown: Duration::from_secs(120),
                rating_scale: "Glicko-2 points (true skill N(1500, 300))",
                skill: SkillModel::GLICKO,
                default_players: 10_000,
                sessions_per_day: 2.0,
                behaviour: Behaviour {
                    accept: 0.975,
                    decline: 0.015,
                    answer_delay_mean: 2.5,
                    match_secs: (300.0, 900.0),
                    break_secs: (10.0, 60.0),
                    keep_playing: 0.7,
                },
                party_sizes: &[1.0],
                geography: None,
                role_profiles: &[],
                inputs: &[("kbm", 0.7), ("controller", 0.3)],
            },
            Scenario::Party5v5 => Profile {
                name: "party-5v5",
                settings: QueueSettings::new(build(
                    QueueSpec::new("party-5v5", MatchFormat::five_v_five())
                        .with_rating_window(widening(2.0, 0.05, 10.0))
                        .with_roles(RoleComposition::new([
                            ("tank", 1),
                            ("healer", 1),
                            ("dps", 3),
                        ]))
                        .with_region(RegionRule::BestCommon {
                            max_latency_ms: steps(&[(0, 70.0), (60, 110.0), (150, 200.0)]),
                        })
                        .with_premade_matching(steps(&[(0, 1.0), (60, 2.0), (120, 4.0)]))
                        .with_max_wait_secs(600),
                ))
                .with_algorithm(WengLin::default())
                .with_tick_interval(Duration::from_secs(2))
                .with_ready_check(Duration::from_secs(30)),
                algorithm: "weng-lin",
                decline_cooldown: Duration::from_secs(300),
                rating_scale: "Weng-Lin mu (true skill N(25, 25/3))",
                skill: SkillModel::WENG_LIN,
                default_players: 20_000,
                sessions_per_day: 1.5,
                behaviour: Behaviour {
                    accept: 0.97,
                    decline: 0.015,
                    answer_delay_mean: 3.0,
                    match_secs: (1200.0, 2400.0),
                    break_secs: (30.0, 120.0),
                    keep_playing: 0.6,
                },
                party_sizes: &[0.55, 0.20, 0.12, 0.05, 0.08],
                geography: Some(GEOGRAPHY),
                role_profiles: ROLE_PROFILES,
                inputs: &[],
            },
            Scenario::Ffa8 => Profile {
                name: "ffa-8",
                settings: QueueSettings::new(build(
                    QueueSpec::new(
                        "ffa-8",
                        MatchFormat::free_for_all(8).expect("valid constant format"),
                    )
                    .with_rating_window(widening(3.0, 0.1, 12.0))
                    .with_max_wait_secs(480),
                ))
                .with_algorithm(WengLin::default())
                .with_tick_interval(Duration::from_secs(2))
                .with_ready_check(Duration::from_secs(20)),
                algorithm: "weng-lin",
                decline_cooldown: Duration::from_secs(120),
                rating_scale: "Weng-Lin mu (true skill N(25, 25/3))",
                skill: SkillModel::WENG_LIN,
                default_players: 10_000,
                sessions_per_day: 2.0,
                behaviour: Behaviour {
                    accept: 0.975,
                    decline: 0.015,
                    answer_delay_mean: 2.5,
                    match_secs: (600.0, 1500.0),
                    break_secs: (15.0, 90.0),
                    keep_playing: 0.65,
                },
                party_sizes: &[1.0],
                geography: None,
                role_profiles: &[],
                inputs: &[],
            },
        };
        profile.settings = profile
            .settings
            .with_decline_cooldown(profile.decline_cooldown);
        profile
    }
}

impl Profile {
    /// The decline cooldown in milliseconds.
    pub(super) fn settings_cooldown_ms(&self) -> u64 {
        self.decline_cooldown.as_millis() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_builds_with_weights_that_sum_to_one() {
        for scenario in [Scenario::Ranked1v1, Scenario::Party5v5, Scenario::Ffa8] {
            let p = scenario.profile();
            assert_eq!(p.settings.name().as_str(), p.name);
            let sum = |xs: &mut dyn Iterator<Item = f64>| xs.sum::<f64>();
            for total in [
                sum(&mut p.party_sizes.iter().copied()),
                if p.role_profiles.is_empty() {
                    1.0
                } else {
                    sum(&mut p.role_profiles.iter().map(|r| r.1))
                },
                if p.inputs.is_empty() {
                    1.0
                } else {
                    sum(&mut p.inputs.iter().map(|r| r.1))
                },
            ] {
                assert!((total - 1.0).abs() < 1e-9, "{}: {total}", p.name);
            }
            let b = p.behaviour;
            assert!(b.accept + b.decline <= 1.0);
        }
    }

    #[test]
    fn the_skill_models_match_their_rating_systems() {
        // Glicko: 400 points of difference are ten to one.
        let g = SkillModel::GLICKO;
        let p = g.first_place(&[g.scaled(1900.0), g.scaled(1500.0)], 2);
        assert!((p[0] - 10.0 / 11.0).abs() < 1e-12, "{p:?}");
        // Weng-Lin: 1500 ± 300 maps onto 25 ± 25/3.
        let w = SkillModel::WENG_LIN;
        assert!((w.scaled(1800.0) - (25.0 + 25.0 / 3.0)).abs() < 1e-12);
        // Equal teams are even; eight equal players each win an eighth.
        let p = w.first_place(&[100.0, 100.0], 10);
        assert!((p[0] - 0.5).abs() < 1e-12);
        let p = w.first_place(&[25.0; 8], 8);
        assert!(p.iter().all(|q| (q - 0.125).abs() < 1e-12));
        // Two teams: logistic of the difference of sums over √n·β.
        let p = w.first_place(&[130.0, 120.0], 10);
        let c = 10f64.sqrt() * 25.0 / 6.0;
        assert!((p[0] - 1.0 / (1.0 + (-10.0 / c).exp())).abs() < 1e-12);
    }
}
