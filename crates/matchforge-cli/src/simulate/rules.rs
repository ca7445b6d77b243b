//! The queue's rules, checked again on every lobby the runner creates,
//! from the simulator's own records and the queue's spec alone: nothing of the
//! matcher is reused (not even [`Widening::at`], which is re-derived here), so
//! a bug there cannot hide itself.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use matchforge::ids::{PlayerId, Role, TicketId};
use matchforge::lobby::Lobby;
use matchforge::queue::{CustomRuleKind, QueueSpec, RegionRule, Widening};
use matchforge::rating::PartyRating;
use matchforge::ticket::Attributes;

/// Slack for floating-point comparisons of limits.
const EPS: f64 = 1e-9;

/// What the simulator itself knows about one ticket of a lobby.
#[derive(Debug, Clone)]
pub(super) struct TicketFacts {
    /// The ticket.
    pub(super) id: TicketId,
    /// Its players, in join order.
    pub(super) players: Vec<PlayerId>,
    /// Their current ratings (the rating value: points or μ).
    pub(super) ratings: Vec<f64>,
    /// The roles each player accepts (empty: any).
    pub(super) roles: Vec<Vec<Role>>,
    /// The attributes the ticket was queued with.
    pub(super) attributes: Attributes,
    /// When the simulator queued it.
    pub(super) enqueued_at: DateTime<Utc>,
}

/// A limit after waiting `wait`, as the queue spec defines it.
pub(super) fn widen(limit: &Widening, wait: Duration) -> f64 {
    match limit {
        Widening::Fixed { value } => *value,
        Widening::Linear {
            initial,
            per_second,
            max,
        } => (initial + per_second * wait.as_secs_f64()).min(*max),
        Widening::Steps { steps } => steps
            .iter()
            .take_while(|s| s.after_secs <= wait.as_secs())
            .last()
            .map_or(0.0, |s| s.value),
    }
}

/// A party's rating under `strategy`.
fn party_rating(strategy: &PartyRating, ratings: &[f64]) -> f64 {
    let n = ratings.len().max(1) as f64;
    let mean = ratings.iter().sum::<f64>() / n;
    let max = ratings.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = ratings.iter().copied().fold(f64::INFINITY, f64::min);
    match strategy {
        PartyRating::Average => mean,
        PartyRating::Max => max,
        PartyRating::AverageWithGapPenalty { penalty } => mean + penalty * (max - min),
    }
}

/// Every rule `lobby` breaks at `now`, one message per broken rule (an empty
/// list: the lobby is valid). `facts` are the simulator's records of the
/// tickets it expects in the lobby.
pub(super) fn check_lobby(
    spec: &QueueSpec,
    lobby: &Lobby,
    facts: &[TicketFacts],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut broken = Findings::default();
    let seats = &lobby.proposal().seats;
    let sizes = spec.format.team_sizes();

    // Shape: every team exactly its size, nobody twice.
    let mut per_team = vec![0u32; sizes.len()];
    let mut seated = BTreeSet::new();
    for s in seats {
        if let Some(n) = per_team.get_mut(s.team as usize) {
            *n += 1;
        } else {
            broken.fail(
                "teams",
                format!("player {} sits on team {}", s.player, s.team),
            );
        }
        if !seated.insert(s.player) {
            broken.fail("teams", format!("player {} is seated twice", s.player));
        }
    }
    if per_team != sizes {
        broken.fail(
            "teams",
            format!("team sizes {per_team:?}, the format says {sizes:?}"),
        );
    }

    // Tickets: the lobby's, the seats' and the simulator's are the same, and a
    // ticket's players all sit on one team.
    let expected: BTreeSet<TicketId> = facts.iter().map(|f| f.id).collect();
    let held: BTreeSet<TicketId> = lobby.ticket_ids().collect();
    let on_seats: BTreeSet<TicketId> = seats.iter().map(|s| s.ticket).collect();
    if held != expected || on_seats != expected {
        broken.fail(
            "tickets",
            "the lobby's tickets are not the ones matched".into(),
        );
    }
    let mut team_of = BTreeMap::new();
    for f in facts {
        let ticket_seats: Vec<_> = seats.iter().filter(|s| s.ticket == f.id).collect();
        let players: BTreeSet<PlayerId> = ticket_seats.iter().map(|s| s.player).collect();
        if players != f.players.iter().copied().collect() {
            broken.fail("parties", format!("ticket {} is not seated whole", f.id));
        }
        let teams: BTreeSet<u16> = ticket_seats.iter().map(|s| s.team).collect();
        if teams.len() > 1 {
            broken.fail(
                "parties",
                format!("ticket {} is split over teams {teams:?}", f.id),
            );
        }
        team_of.insert(f.id, teams.first().copied().unwrap_or(0));
        if let Some(copy) = lobby.tickets().iter().find(|t| t.id() == f.id) {
            if copy.enqueued_at() != f.enqueued_at {
                broken.fail("tickets", format!("ticket {} lost its enqueue time", f.id));
            }
            let stale = copy
                .players()
                .iter()
                .zip(&f.ratings)
                .any(|(p, r)| (p.rating.rating() - r).abs() > EPS);
            if stale || copy.players().len() != f.ratings.len() {
                broken.fail(
                    "ratings",
                    format!(
                        "ticket {} carries ratings other than the players' own",
                        f.id
                    ),
                );
            }
        }
    }
    if !broken.0.is_empty() {
        // The rules below assume the shape holds.
        return broken.0;
    }

    let waits: Vec<Duration> = facts
        .iter()
        .map(|f| (now - f.enqueued_at).to_std().unwrap_or_default())
        .collect();
    if let Some(max) = spec.max_wait_secs
        && let Some((f, w)) = facts
            .iter()
            .zip(&waits)
            .find(|(_, w)| **w > Duration::from_secs(max))
    {
        broken.fail(
            "max wait",
            format!("ticket {} matched after {:.1} s", f.id, w.as_secs_f64()),
        );
    }

    // Rating window: each ticket's own window covers every other ticket.
    let ratings: Vec<f64> = facts
        .iter()
        .map(|f| party_rating(&spec.party_rating, &f.ratings))
        .collect();
    if let Some(detail) = first_pair(facts.len(), |i, j| {
        let window = widen(&spec.rating_window, waits[i]);
        ((ratings[j] - ratings[i]).abs() > window + EPS).then(|| {
            format!(
                "{:.2} ± {window:.2} does not reach {:.2}",
                ratings[i], ratings[j]
            )
        })
    }) {
        broken.fail("rating window", detail);
    }

    check_custom(spec, facts, &waits, &mut broken);
    check_region(spec, lobby, facts, &waits, &mut broken);
    check_roles(spec, lobby, facts, &mut broken);

    // Premade: the teams' largest parties differ by at most every ticket's limit.
    if let Some(limit) = &spec.party.premade_size_difference {
        let mut largest = vec![0usize; sizes.len()];
        for f in facts {
            let t = team_of[&f.id] as usize;
            largest[t] = largest[t].max(f.players.len());
        }
        let spread = largest.iter().max().unwrap_or(&0) - largest.iter().min().unwrap_or(&0);
        if let Some(w) = waits
            .iter()
            .find(|w| spread as f64 > widen(limit, **w).floor())
        {
            broken.fail(
                "premade",
                format!(
                    "largest parties differ by {spread}, a ticket of {:.0} s allows less",
                    w.as_secs_f64()
                ),
            );
        }
    }
    broken.0
}

/// Broken rules, one message each.
#[derive(Debug, Default)]
struct Findings(Vec<String>);

impl Findings {
    fn fail(&mut self, rule: &str, detail: String) {
        self.0.push(format!("{rule}: {detail}"));
    }
}

/// The first `(i, j)`, `i ≠ j`, for which `broken` has a complaint.
fn first_pair(n: usize, mut broken: impl FnMut(usize, usize) -> Option<String>) -> Option<String> {
    (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|(i, j)| i != j)
        .find_map(|(i, j)| broken(i, j))
}

fn check_custom(
    spec: &QueueSpec,
    facts: &[TicketFacts],
    waits: &[Duration],
    broken: &mut Findings,
) {
    for rule in &spec.custom {
        let key = rule.attribute.as_str();
        let relaxed =
            |after: &Option<u64>, i: usize| after.is_some_and(|s| waits[i].as_secs() >= s);
        match &rule.kind {
            CustomRuleKind::NumericDifference { max } => {
                let values: Option<Vec<f64>> = facts
                    .iter()
                    .map(|f| f.attributes.numbers.get(key).copied())
                    .collect();
                let Some(values) = values else {
                    broken.fail(key, "a ticket lacks the attribute".into());
                    continue;
                };
                if let Some(detail) = first_pair(facts.len(), |i, j| {
                    let limit = widen(max, waits[i]);
                    ((values[j] - values[i]).abs() > limit + EPS)
                        .then(|| format!("{} ± {limit} does not reach {}", values[i], values[j]))
                }) {
                    broken.fail(key, detail);
                }
            }
            CustomRuleKind::Equal { relax_after_secs } => {
                let values: BTreeSet<Option<&String>> = facts
                    .iter()
                    .map(|f| f.attributes.strings.get(key))
                    .collect();
                let all_relaxed = (0..facts.len()).all(|i| relaxed(relax_after_secs, i));
                if values.contains(&None) || (values.len() > 1 && !all_relaxed) {
                    broken.fail(
                        key,
                        format!("values {values:?} differ and not every ticket has relaxed"),
                    );
                }
            }
            CustomRuleKind::Intersect { relax_after_secs } => {
                let sets: Option<Vec<&BTreeSet<String>>> =
                    facts.iter().map(|f| f.attributes.sets.get(key)).collect();
                let Some(sets) = sets else {
                    broken.fail(key, "a ticket lacks the attribute".into());
                    continue;
                };
                let common = sets
                    .first()
                    .is_some_and(|first| first.iter().any(|v| sets.iter().all(|s| s.contains(v))));
                if !common && !(0..facts.len()).all(|i| relaxed(relax_after_secs, i)) {
                    broken.fail(
                        key,
                        "the sets share nothing and not every ticket has relaxed".into(),
                    );
                }
            }
        }
    }
}

fn check_region(
    spec: &QueueSpec,
    lobby: &Lobby,
    facts: &[TicketFacts],
    waits: &[Duration],
    broken: &mut Findings,
) {
    let placed = lobby.proposal().region.as_ref();
    match &spec.region {
        None => {}
        Some(RegionRule::Same) => {
            let regions: BTreeSet<_> = facts.iter().map(|f| f.attributes.region.as_ref()).collect();
            if regions.len() != 1 || regions.first() != Some(&placed) || placed.is_none() {
                broken.fail(
                    "region",
                    format!("regions {regions:?}, placed in {placed:?}"),
                );
            }
        }
        Some(RegionRule::BestCommon { max_latency_ms }) => {
            let limits: Vec<f64> = waits.iter().map(|w| widen(max_latency_ms, *w)).collect();
            let candidates: BTreeSet<_> = facts
                .iter()
                .flat_map(|f| f.attributes.latencies.keys())
                .collect();
            // The worst latency of each region every ticket accepts.
            let acceptable: Vec<(u32, _)> = candidates
                .into_iter()
                .filter_map(|region| {
                    let mut worst = 0;
                    for (f, limit) in facts.iter().zip(&limits) {
                        let ms = *f.attributes.latencies.get(region)?;
                        if f64::from(ms) > *limit {
                            return None;
                        }
                        worst = worst.max(ms);
                    }
                    Some((worst, region))
                })
                .collect();
            let best = acceptable.iter().min().map(|(_, r)| *r);
            match (placed, best) {
                (_, None) => broken.fail(
                    "region",
                    "no region is within every ticket's latency limit".into(),
                ),
                (Some(p), Some(b)) if p == b => {}
                (p, Some(b)) => broken.fail(
                    "region",
                    format!("placed in {p:?}, the best common region is {b}"),
                ),
            }
        }
    }
}

fn check_roles(spec: &QueueSpec, lobby: &Lobby, facts: &[TicketFacts], broken: &mut Findings) {
    let Some(composition) = &spec.roles else {
        return;
    };
    let accepts: BTreeMap<PlayerId, &Vec<Role>> = facts
        .iter()
        .flat_map(|f| f.players.iter().copied().zip(&f.roles))
        .collect();
    for (t, &size) in spec.format.team_sizes().iter().enumerate() {
        let team: Vec<_> = lobby.proposal().team(t as u16).collect();
        let open = size.saturating_sub(composition.fixed_places());
        for slot in &composition.slots {
            let filled = team
                .iter()
                .filter(|s| s.role.as_ref() == Some(&slot.role))
                .count() as u32;
            if filled < slot.count || (open == 0 && filled != slot.count) {
                broken.fail(
                    "roles",
                    format!("team {t} has {filled} {} for {}", slot.role, slot.count),
                );
            }
        }
        for s in &team {
            let wants = accepts.get(&s.player).map_or(&[][..], |r| r.as_slice());
            match &s.role {
                Some(role) if !wants.is_empty() && !wants.contains(role) => {
                    broken.fail(
                        "roles",
                        format!(
                            "player {} plays {role} but accepts only {wants:?}",
                            s.player
                        ),
                    );
                }
                None if open == 0 => {
                    broken.fail("roles", format!("player {} has no role", s.player))
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
