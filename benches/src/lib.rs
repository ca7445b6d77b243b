//! Shared fixtures for MatchForge's criterion benchmarks (see `benches/`).
//!
//! Populations come from `matchforge-testkit`, seeded, so every run measures
//! the same tickets.

use chrono::{DateTime, Duration, Utc};
use matchforge_core::queue::{
    CustomRule, MatchFormat, QueueConfig, RegionRule, RoleComposition, Widening,
};
use matchforge_core::ticket::{Attributes, Ticket};
use matchforge_testkit::population::{PopulationSpec, RatingDistribution};

/// How far back the oldest ticket of a fixture queued.
const OLDEST_SECS: i64 = 120;

fn arrivals(n: usize, now: DateTime<Utc>) -> (DateTime<Utc>, std::time::Duration) {
    let start = now - Duration::seconds(OLDEST_SECS);
    let interval = std::time::Duration::from_secs(OLDEST_SECS as u64) / n.max(1) as u32;
    (start, interval)
}

/// `n` solo tickets for a ranked 1v1 queue — ratings ~ N(1500, 300), arrivals
/// spread over the last two minutes, oldest first — and the queue's config
/// (window 50, +5 per second of waiting, at most 400).
#[must_use]
pub fn solo_population(n: usize, now: DateTime<Utc>, seed: u64) -> (QueueConfig, Vec<Ticket>) {
    let (start, interval) = arrivals(n, now);
    let spec = PopulationSpec::new("ranked-1v1", n)
        .with_seed(seed)
        .with_start(start)
        .with_arrival_interval(interval)
        .with_ratings(RatingDistribution::normal(1500.0, 300.0).expect("valid distribution"));
    let config = spec
        .queue_spec(MatchFormat::one_v_one())
        .with_rating_window(Widening::linear(50.0, 5.0, 400.0).expect("valid window"))
        .build()
        .expect("valid config");
    (config, spec.generate().expect("valid population"))
}

/// `n` tickets for a ranked 5v5 queue with parties of 1–5 (60/20/10/6/4 %,
/// members within ±100 of each other), roles (1 tank, 1 healer, 3 dps; each
/// player accepts 1–3 roles, the first in proportion to the places) and two
/// regions (home latency 20–60 ms, away 90–150 ms; the best common region
/// under 80 ms, +1 ms per second waited, at most 150), arrivals over the last
/// two minutes — and the queue's config.
#[must_use]
pub fn five_v_five_population(
    n: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> (QueueConfig, Vec<Ticket>) {
    let (start, interval) = arrivals(n, now);
    let spec = PopulationSpec::new("ranked-5v5", n)
        .with_seed(seed)
        .with_start(start)
        .with_arrival_interval(interval)
        .with_ratings(RatingDistribution::normal(1500.0, 300.0).expect("valid distribution"))
        .with_party_sizes([(1, 0.60), (2, 0.20), (3, 0.10), (4, 0.06), (5, 0.04)])
        .with_party_spread(100.0)
        .with_roles(
            RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 3)]),
            3,
        )
        .with_regions([("eu-west", 0.5), ("us-east", 0.5)])
        .with_latencies(20..=60, 90..=150);
    let config = spec
        .queue_spec(MatchFormat::five_v_five())
        .with_rating_window(Widening::linear(100.0, 5.0, 500.0).expect("valid window"))
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::linear(80.0, 1.0, 150.0).expect("valid window"),
        })
        .build()
        .expect("valid config");
    (config, spec.generate().expect("valid population"))
}

/// `n` tickets for a two-team queue of `team_size` a side (beyond the 16
/// players the balancer solves exactly), with `parties` as (size, weight)
/// pairs (members within ±100 of each other), ratings ~ N(1500, 300), a
/// window of 100 widening by 5 per second waited up to 500, arrivals over the
/// last two minutes — and the queue's config.
///
/// # Panics
/// If `team_size` is 0 or a party is larger than a team.
#[must_use]
pub fn large_teams_population(
    n: usize,
    now: DateTime<Utc>,
    seed: u64,
    team_size: u32,
    parties: &[(u32, f64)],
) -> (QueueConfig, Vec<Ticket>) {
    let (start, interval) = arrivals(n, now);
    let spec = PopulationSpec::new(format!("ranked-{team_size}v{team_size}"), n)
        .with_seed(seed)
        .with_start(start)
        .with_arrival_interval(interval)
        .with_ratings(RatingDistribution::normal(1500.0, 300.0).expect("valid distribution"))
        .with_party_sizes(parties.iter().copied())
        .with_party_spread(100.0);
    let config = spec
        .queue_spec(MatchFormat::teams_of(2, team_size).expect("valid format"))
        .with_rating_window(Widening::linear(100.0, 5.0, 500.0).expect("valid window"))
        .build()
        .expect("valid config");
    (config, spec.generate().expect("valid population"))
}

/// The [`solo_population`] with a numeric custom rule on top: every ticket
/// has a `level` from 1 to 100 (uniform, seeded) and the queue lets levels
/// differ by 2, widening by 0.5 per second waited up to 20. About one rating
/// neighbour in twenty-five is a fit at first, so the search skips many
/// misfits: the case the scan limit bounds.
#[must_use]
pub fn solo_numeric_population(
    n: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> (QueueConfig, Vec<Ticket>) {
    let (config, tickets) = solo_population(n, now, seed);
    let config = config
        .spec()
        .clone()
        .with_custom_rule(CustomRule::numeric_difference(
            "level",
            Widening::linear(2.0, 0.5, 20.0).expect("valid window"),
        ))
        .build()
        .expect("valid config");
    let mut x = seed ^ 0x9e37_79b9_7f4a_7c15;
    let tickets = tickets
        .into_iter()
        .map(|t| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let level = 1.0 + ((x >> 33) % 100) as f64;
            Ticket::builder(t.id(), t.queue().clone(), t.enqueued_at())
                .players(t.players().iter().cloned())
                .attributes(Attributes::new().with_number("level", level))
                .build(config.party_rating())
                .expect("valid ticket")
        })
        .collect();
    (config, tickets)
}
