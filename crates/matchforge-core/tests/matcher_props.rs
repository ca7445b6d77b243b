//! Property tests of the matcher's guarantees over random populations and
//! configurations, against an independent brute-force oracle.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::ids::{PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::matcher::{MatchOutcome, MatchProposal, Matcher};
use matchforge_core::queue::{
    CustomRule, CustomRuleKind, MatchFormat, QueueConfig, QueueSpec, RegionRule, RoleComposition,
    Widening,
};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};
use proptest::prelude::*;

const ROLES: [&str; 3] = ["tank", "healer", "dps"];
const REGIONS: [&str; 2] = ["eu", "us"];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------
// Random configurations and populations.

fn widening(max_initial: f64, max_extra: f64) -> impl Strategy<Value = Widening> {
    prop_oneof![
        (0.0..max_initial).prop_map(|v| Widening::fixed(v).unwrap()),
        (0.0..max_initial, 0.0..10.0f64, 0.0..max_extra).prop_map(|(i, r, e)| Widening::linear(
            i,
            r,
            i + e
        )
        .unwrap()),
        (0.0..max_initial, 1u64..200, 0.0..max_extra).prop_map(|(i, t, e)| Widening::steps([
            (0, i),
            (t, i + e)
        ])
        .unwrap()),
    ]
}

fn format() -> impl Strategy<Value = MatchFormat> {
    prop_oneof![
        Just(MatchFormat::one_v_one()),
        Just(MatchFormat::two_v_two()),
        Just(MatchFormat::custom([1, 2]).unwrap()),
        Just(MatchFormat::free_for_all(3).unwrap()),
        Just(MatchFormat::three_v_three()),
        // The smallest format where a set's split decides its premade
        // spread (two duos and four solos: 2 against 1, or 2 against 2).
        Just(MatchFormat::teams_of(2, 4).unwrap()),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    config: QueueConfig,
    tickets: Vec<Ticket>,
}

fn config() -> impl Strategy<Value = QueueConfig> {
    (
        format(),
        widening(400.0, 400.0),
        prop_oneof![
            2 => Just(None),
            1 => Just(Some(RegionRule::Same)),
            1 => widening(150.0, 100.0).prop_map(|w| Some(RegionRule::BestCommon { max_latency_ms: w })),
        ],
        proptest::bool::weighted(0.4),
        proptest::option::weighted(0.3, widening(2.0, 2.0)),
        (
            proptest::bool::weighted(0.3),
            proptest::bool::weighted(0.3),
            proptest::bool::weighted(0.3),
        ),
        proptest::option::weighted(0.3, 100u64..400),
        proptest::option::of(0u64..300),
    )
        .prop_map(
            |(format, window, region, roles, premade, (num, eq, set), max_wait, relax)| {
                let mut spec = QueueSpec::new("q", format.clone()).with_rating_window(window);
                if let Some(region) = region {
                    spec = spec.with_region(region);
                }
                let smallest = *format.team_sizes().iter().min().unwrap();
                if roles && smallest >= 2 {
                    spec = spec.with_roles(RoleComposition::new([("tank", 1), ("healer", 1)]));
                }
                if let Some(p) = premade {
                    spec = spec.with_premade_matching(p);
                }
                if num {
                    spec = spec.with_custom_rule(CustomRule::numeric_difference(
                        "level",
                        Widening::linear(3.0, 0.1, 15.0).unwrap(),
                    ));
                }
                if eq {
                    spec = spec.with_custom_rule(CustomRule::equal("map", relax));
                }
                if set {
                    spec = spec.with_custom_rule(CustomRule::intersect("modes", relax));
                }
                if let Some(w) = max_wait {
                    spec = spec.with_max_wait_secs(w);
                }
                spec.build().unwrap()
            },
        )
}

#[derive(Debug, Clone)]
struct RawTicket {
    size: u32,
    ratings: [f64; 3],
    roles: [u8; 3],
    waited: i64,
    region: usize,
    latencies: [u32; 2],
    level: f64,
    map: bool,
    modes: u8,
}

fn raw_ticket() -> impl Strategy<Value = RawTicket> {
    (
        prop_oneof![4 => Just(1u32), 2 => Just(2u32), 1 => Just(3u32)],
        [1200.0..1600.0f64, 1200.0..1600.0f64, 1200.0..1600.0f64],
        [0u8..8, 0u8..8, 0u8..8],
        0i64..500,
        0usize..2,
        [5u32..200, 5u32..200],
        0.0..30.0f64,
        any::<bool>(),
        1u8..8,
    )
        .prop_map(
            |(size, ratings, roles, waited, region, latencies, level, map, modes)| RawTicket {
                size,
                ratings,
                roles,
                waited,
                region,
                latencies,
                level,
                map,
                modes,
            },
        )
}

fn build_ticket(id: u128, raw: &RawTicket, config: &QueueConfig) -> Ticket {
    let size = raw.size.min(config.max_party_size());
    let mut attrs = Attributes::new()
        .with_region(REGIONS[raw.region])
        .with_latency(REGIONS[0], raw.latencies[0])
        .with_latency(REGIONS[1], raw.latencies[1])
        .with_number("level", (raw.level * 10.0).round() / 10.0)
        .with_string("map", if raw.map { "x" } else { "y" });
    attrs = attrs.with_set(
        "modes",
        ["p", "q", "r"]
            .iter()
            .enumerate()
            .filter(|(i, _)| raw.modes & (1 << i) != 0)
            .map(|(_, m)| *m),
    );
    let mut b = Ticket::builder(
        TicketId::from_u128(id),
        QueueName::new("q"),
        now() - Duration::seconds(raw.waited),
    )
    .attributes(attrs);
    if size > 1 {
        b = b.party(PartyId::from_u128(id));
    }
    for k in 0..size as usize {
        // Role bitmask: bit i = accepts ROLES[i]; 0 = any role. Order varies with k.
        let mask = raw.roles[k];
        let mut roles: Vec<&str> = (0..3)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| ROLES[i])
            .collect();
        if k % 2 == 1 {
            roles.reverse();
        }
        let roles: Vec<&str> = if config.spec().roles.is_some() {
            roles.into_iter().filter(|r| *r != "dps").collect()
        } else {
            roles
        };
        let player = TicketPlayer::new(
            PlayerId::from_u128(id * 10 + k as u128),
            Rating::new(raw.ratings[k].round(), 60.0, 0.06).unwrap(),
        )
        .with_roles(roles);
        b = b.player(player);
    }
    b.build(&PartyRating::Average).unwrap()
}

fn setup(max_tickets: usize) -> impl Strategy<Value = Setup> {
    (
        config(),
        proptest::collection::vec(raw_ticket(), 0..=max_tickets),
    )
        .prop_map(|(config, raws)| {
            let tickets = raws
                .iter()
                .enumerate()
                .map(|(i, r)| build_ticket(i as u128 + 1, r, &config))
                .collect();
            Setup { config, tickets }
        })
}

/// Queues where the split, not only the set, decides the premade spread:
/// two teams of 4 or 5, a premade tolerance that starts below 2 players,
/// sometimes roles, and tickets a third each solos, duos and trios (two
/// duos and four solos split 2 against 1, or 2 against 2).
fn premade_setup() -> impl Strategy<Value = Setup> {
    (
        prop_oneof![
            Just(MatchFormat::teams_of(2, 4).unwrap()),
            Just(MatchFormat::teams_of(2, 5).unwrap()),
        ],
        widening(400.0, 400.0),
        widening(2.0, 1.0),
        proptest::bool::weighted(0.3),
        proptest::collection::vec((1u32..=3, raw_ticket()), 0..=16),
    )
        .prop_map(|(format, window, premade, roles, raws)| {
            let mut spec = QueueSpec::new("q", format)
                .with_rating_window(window)
                .with_premade_matching(premade);
            if roles {
                spec = spec.with_roles(RoleComposition::new([("tank", 1), ("healer", 1)]));
            }
            let config = spec.build().unwrap();
            let tickets = raws
                .iter()
                .enumerate()
                .map(|(i, (size, raw))| {
                    let raw = RawTicket {
                        size: *size,
                        ..raw.clone()
                    };
                    build_ticket(i as u128 + 1, &raw, &config)
                })
                .collect();
            Setup { config, tickets }
        })
}

// ---------------------------------------------------------------------------
// The oracle: an independent, brute-force statement of the rules.

fn wait_secs(t: &Ticket) -> u64 {
    t.wait(now()).as_secs()
}

fn waits(t: &Ticket) -> std::time::Duration {
    t.wait(now())
}

fn usable(config: &QueueConfig, t: &Ticket) -> bool {
    config.max_wait().is_none_or(|m| waits(t) <= m)
}

fn relaxed(rule: &CustomRule, t: &Ticket) -> bool {
    match rule.kind {
        CustomRuleKind::Equal { relax_after_secs }
        | CustomRuleKind::Intersect { relax_after_secs } => {
            relax_after_secs.is_some_and(|s| wait_secs(t) >= s)
        }
        CustomRuleKind::NumericDifference { .. } => false,
    }
}

/// Every ticket-level rule, for a candidate set (no team split yet). Returns the
/// region the match can be placed in (or `Some(None)` without a region rule).
fn rules_hold(config: &QueueConfig, set: &[&Ticket]) -> bool {
    let spec = config.spec();
    for a in set {
        if !usable(config, a) {
            return false;
        }
        for b in set {
            // "Within a ticket's window" means inside [rating - window, rating + window].
            let (center, w, x) = (
                a.rating().rating(),
                spec.rating_window.at(waits(a)),
                b.rating().rating(),
            );
            if x < center - w || x > center + w {
                return false;
            }
        }
    }
    match &spec.region {
        None => {}
        Some(RegionRule::Same) => {
            let regions: HashSet<_> = set.iter().map(|t| t.attributes().region.clone()).collect();
            if regions.len() > 1 {
                return false;
            }
        }
        Some(RegionRule::BestCommon { max_latency_ms }) => {
            let ok = REGIONS.iter().any(|r| {
                set.iter().all(|t| {
                    t.attributes()
                        .latencies
                        .get(*r)
                        .is_some_and(|&ms| f64::from(ms) <= max_latency_ms.at(waits(t)))
                })
            });
            if !ok {
                return false;
            }
        }
    }
    for rule in &spec.custom {
        let key = &rule.attribute;
        match &rule.kind {
            CustomRuleKind::NumericDifference { max } => {
                for a in set {
                    for b in set {
                        let (center, w) = (a.attributes().numbers[key], max.at(waits(a)));
                        let x = b.attributes().numbers[key];
                        if x < center - w || x > center + w {
                            return false;
                        }
                    }
                }
            }
            CustomRuleKind::Equal { .. } => {
                let all_relaxed = set.iter().all(|t| relaxed(rule, t));
                let values: HashSet<_> = set.iter().map(|t| &t.attributes().strings[key]).collect();
                if !all_relaxed && values.len() > 1 {
                    return false;
                }
            }
            CustomRuleKind::Intersect { .. } => {
                let all_relaxed = set.iter().all(|t| relaxed(rule, t));
                let mut common: BTreeSet<String> = set[0].attributes().sets[key].clone();
                for t in &set[1..] {
                    common = common
                        .intersection(&t.attributes().sets[key])
                        .cloned()
                        .collect();
                }
                if !all_relaxed && common.is_empty() {
                    return false;
                }
            }
        }
    }
    true
}

/// Can the players of one team fill the composition? (Brute force over slots.)
fn roles_fill(config: &QueueConfig, team_size: u32, players: &[Vec<String>]) -> bool {
    let Some(comp) = &config.spec().roles else {
        return true;
    };
    let mut slots: Vec<Option<String>> = Vec::new();
    for s in &comp.slots {
        for _ in 0..s.count {
            slots.push(Some(s.role.to_string()));
        }
    }
    while slots.len() < team_size as usize {
        slots.push(None);
    }
    fn go(players: &[Vec<String>], slots: &mut Vec<Option<String>>, used: &mut Vec<bool>) -> bool {
        let Some((first, rest)) = players.split_first() else {
            return true;
        };
        for i in 0..slots.len() {
            if used[i] {
                continue;
            }
            let ok = match &slots[i] {
                None => true,
                Some(role) => first.is_empty() || first.contains(role),
            };
            if ok {
                used[i] = true;
                if go(rest, slots, used) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    let mut used = vec![false; slots.len()];
    players.len() == slots.len() && go(players, &mut slots, &mut used)
}

/// The largest difference the set's teams' biggest parties may show: the
/// strictest tolerance among its tickets, each at its own wait (whole
/// players). `None` without a premade rule.
fn premade_limit(config: &QueueConfig, set: &[&Ticket]) -> Option<u32> {
    config
        .spec()
        .party
        .premade_size_difference
        .as_ref()
        .map(|w| {
            set.iter()
                .map(|t| w.at(waits(t)).floor() as u32)
                .min()
                .unwrap()
        })
}

/// Does a valid team split exist for this set? Returns the best imbalance.
fn best_split(config: &QueueConfig, set: &[&Ticket]) -> Option<f64> {
    let sizes = config.format().team_sizes();
    let premade = premade_limit(config, set);
    let k = sizes.len();
    let n = set.len();
    let mut best: Option<f64> = None;
    let total = k.pow(n as u32);
    for code in 0..total {
        let mut c = code;
        let mut team_of = vec![0usize; n];
        for slot in team_of.iter_mut() {
            *slot = c % k;
            c /= k;
        }
        let mut fill = vec![0u32; k];
        let mut sum = vec![0.0; k];
        let mut largest = vec![0u32; k];
        for (i, t) in set.iter().enumerate() {
            fill[team_of[i]] += t.size() as u32;
            sum[team_of[i]] += t.rating().rating() * t.size() as f64;
            largest[team_of[i]] = largest[team_of[i]].max(t.size() as u32);
        }
        if fill != sizes {
            continue;
        }
        if let Some(limit) = premade
            && largest.iter().max().unwrap() - largest.iter().min().unwrap() > limit
        {
            continue;
        }
        let roles_ok = (0..k).all(|team| {
            let players: Vec<Vec<String>> = set
                .iter()
                .enumerate()
                .filter(|(i, _)| team_of[*i] == team)
                .flat_map(|(_, t)| {
                    t.players()
                        .iter()
                        .map(|p| p.roles.iter().map(ToString::to_string).collect())
                })
                .collect();
            roles_fill(config, sizes[team], &players)
        });
        if !roles_ok {
            continue;
        }
        let means: Vec<f64> = (0..k).map(|t| sum[t] / f64::from(sizes[t])).collect();
        let imbalance = means.iter().copied().fold(f64::MIN, f64::max)
            - means.iter().copied().fold(f64::MAX, f64::min);
        best = Some(best.map_or(imbalance, |b: f64| b.min(imbalance)));
    }
    best
}

fn valid_match(config: &QueueConfig, set: &[&Ticket]) -> bool {
    let players: u32 = set.iter().map(|t| t.size() as u32).sum();
    players == config.format().players()
        && rules_hold(config, set)
        && best_split(config, set).is_some()
}

/// Does any valid match exist among `pool` (containing `must`, if given)?
fn some_match(config: &QueueConfig, pool: &[&Ticket], must: Option<TicketId>) -> bool {
    let n = pool.len();
    let need = config.format().players();
    (1u32..(1 << n)).any(|mask| {
        let set: Vec<&Ticket> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| pool[i])
            .collect();
        set.iter().map(|t| t.size() as u32).sum::<u32>() == need
            && must.is_none_or(|m| set.iter().any(|t| t.id() == m))
            && valid_match(config, &set)
    })
}

/// Checks the split `p` reports for its tickets `set`, not just that some
/// split exists: its teams' largest parties within the premade limit, the
/// imbalance its seats give equal to the reported one, and, up to 16 players
/// (where the balancer is exact), that imbalance equal to `best`, the best
/// any valid split of `set` reaches.
fn check_reported_split(
    config: &QueueConfig,
    p: &MatchProposal,
    set: &[&Ticket],
    best: Option<f64>,
) -> Result<(), TestCaseError> {
    let sizes = config.format().team_sizes();
    let mut largest = vec![0u32; sizes.len()];
    let mut sums = vec![0.0; sizes.len()];
    for t in set {
        let team = usize::from(p.seat_of(t.players()[0].id).unwrap().team);
        largest[team] = largest[team].max(t.size() as u32);
        sums[team] += t.rating().rating() * t.size() as f64;
    }
    if let Some(limit) = premade_limit(config, set) {
        let (hi, lo) = (largest.iter().max().unwrap(), largest.iter().min().unwrap());
        prop_assert!(
            hi - lo <= limit,
            "largest parties {:?} beyond the premade limit {}",
            largest,
            limit
        );
    }
    let means: Vec<f64> = sums
        .iter()
        .zip(sizes)
        .map(|(s, &n)| s / f64::from(n))
        .collect();
    let imbalance = means.iter().copied().fold(f64::MIN, f64::max)
        - means.iter().copied().fold(f64::MAX, f64::min);
    prop_assert!(
        (imbalance - p.quality.team_imbalance).abs() < 1e-6,
        "seats give imbalance {}, quality says {}",
        imbalance,
        p.quality.team_imbalance
    );
    if config.format().players() <= 16 {
        let best = best.unwrap();
        prop_assert!(
            (p.quality.team_imbalance - best).abs() < 1e-6,
            "imbalance {} where the best split reaches {}",
            p.quality.team_imbalance,
            best
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The properties.

/// Every ticket of `s` has no blocker exactly when the tick over all of
/// them matches it.
fn explain_agrees(s: &Setup) -> Result<(), TestCaseError> {
    let matcher = Matcher::new(s.config.clone());
    let outcome = matcher.find_matches(&s.tickets, now());
    let matched: HashSet<TicketId> = outcome.proposals.iter().flat_map(|p| p.tickets()).collect();
    for t in &s.tickets {
        let why = matcher.explain(t.id(), &s.tickets, now()).unwrap();
        prop_assert_eq!(
            why.is_empty(),
            matched.contains(&t.id()),
            "ticket {} of {}: {:?}",
            t.id(),
            s.tickets.len(),
            why
        );
    }
    Ok(())
}

fn run(s: &Setup) -> MatchOutcome {
    Matcher::new(s.config.clone()).find_matches(&s.tickets, now())
}

fn by_id(tickets: &[Ticket]) -> BTreeMap<TicketId, &Ticket> {
    tickets.iter().map(|t| (t.id(), t)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Every ticket in at most one proposal; parties whole; exact team sizes;
    /// roles met; every rule holds under each ticket's window; nothing expired
    /// is matched.
    #[test]
    fn proposals_are_valid(s in setup(24)) {
        let outcome = run(&s);
        let tickets = by_id(&s.tickets);
        let mut seen = HashSet::new();
        for p in &outcome.proposals {
            let set: Vec<&Ticket> = p.tickets().map(|id| tickets[&id]).collect();
            for t in &set {
                prop_assert!(seen.insert(t.id()), "ticket {} in two proposals", t.id());
                prop_assert!(!outcome.expired.contains(&t.id()));
                // Party whole: every player seated once, all on one team.
                let teams: HashSet<u16> = t.player_ids().map(|pl| p.seat_of(pl).unwrap().team).collect();
                prop_assert_eq!(teams.len(), 1, "party split");
            }
            prop_assert_eq!(p.seats.len() as u32, s.config.format().players());
            // The seats' documented order: by team, a ticket's players together.
            prop_assert!(p.seats.windows(2).all(|w| w[0].team <= w[1].team), "seats not by team: {:?}", p.seats);
            let runs: Vec<TicketId> = p.seats.chunk_by(|a, b| a.ticket == b.ticket).map(|run| run[0].ticket).collect();
            prop_assert_eq!(runs.iter().collect::<HashSet<_>>().len(), runs.len(), "a ticket's players apart: {:?}", p.seats);
            let seated: HashSet<PlayerId> = p.players().collect();
            prop_assert_eq!(seated.len(), p.seats.len());
            for (team, &size) in s.config.format().team_sizes().iter().enumerate() {
                prop_assert_eq!(p.team(team as u16).count() as u32, size);
                if let Some(comp) = &s.config.spec().roles {
                    for slot in &comp.slots {
                        let filled = p.team(team as u16).filter(|seat| seat.role.as_ref() == Some(&slot.role)).count() as u32;
                        prop_assert!(filled >= slot.count, "role {} short on team {}", slot.role, team);
                    }
                    for seat in p.team(team as u16) {
                        let player = set.iter().flat_map(|t| t.players()).find(|pl| pl.id == seat.player).unwrap();
                        if let Some(role) = &seat.role {
                            prop_assert!(player.roles.is_empty() || player.roles.contains(role));
                        }
                    }
                }
            }
            prop_assert!(rules_hold(&s.config, &set), "rules violated by {:?}", p.tickets().collect::<Vec<_>>());
            let best = best_split(&s.config, &set);
            prop_assert!(best.is_some());
            check_reported_split(&s.config, p, &set, best)?;
            if let Some(RegionRule::BestCommon { max_latency_ms }) = &s.config.spec().region {
                let region = p.region.as_ref().unwrap();
                for t in &set {
                    let ms = t.attributes().latencies[region];
                    prop_assert!(f64::from(ms) <= max_latency_ms.at(waits(t)));
                }
            }
        }
        for id in &outcome.expired {
            prop_assert!(!usable(&s.config, tickets[id]));
        }
    }

    /// Same input, same output, whatever the order the tickets arrive in.
    #[test]
    fn deterministic_and_order_independent(s in setup(24), seed in any::<u64>()) {
        let a = run(&s);
        prop_assert_eq!(&a, &run(&s));
        // A matcher reuses its memory from tick to tick: same answers again.
        let matcher = Matcher::new(s.config.clone());
        prop_assert_eq!(&a, &matcher.find_matches(&s.tickets, now()));
        prop_assert_eq!(&a, &matcher.find_matches(&s.tickets, now()));
        let mut shuffled = s.tickets.clone();
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let b = matcher.find_matches(&shuffled, now());
        prop_assert_eq!(a, b);
    }

    /// With a premade limit the split decides (teams of 4 or 5, many
    /// parties): every proposal's own split keeps the limit and is the best
    /// any valid split of its tickets reaches.
    #[test]
    fn premade_splits_are_kept_and_balanced(s in premade_setup()) {
        let outcome = run(&s);
        let tickets = by_id(&s.tickets);
        for p in &outcome.proposals {
            let set: Vec<&Ticket> = p.tickets().map(|id| tickets[&id]).collect();
            let best = best_split(&s.config, &set);
            prop_assert!(best.is_some());
            check_reported_split(&s.config, p, &set, best)?;
        }
    }

    /// `find_matches_limited` is `find_matches` stopped after `max_matches`
    /// proposals: for every limit, its proposals are the first that many of
    /// the unlimited tick's (so the oldest tickets are still served first),
    /// and it reports the same expired and rejected tickets.
    #[test]
    fn limited_matches_are_a_prefix(s in setup(24)) {
        let matcher = Matcher::new(s.config.clone());
        let full = matcher.find_matches(&s.tickets, now());
        for k in 0..=full.proposals.len() + 1 {
            let limited = matcher.find_matches_limited(&s.tickets, now(), k);
            let want = &full.proposals[..k.min(full.proposals.len())];
            prop_assert_eq!(limited.proposals.len(), want.len(), "limit {}", k);
            prop_assert_eq!(&limited.proposals[..], want, "limit {}", k);
            prop_assert_eq!(&limited.expired, &full.expired);
            prop_assert_eq!(&limited.rejected, &full.rejected);
        }
    }

    /// `explain` agrees with the matcher: a ticket the tick matches gets no
    /// blocker (each rule's blocker is a necessary condition, never a false
    /// alarm), and a ticket left waiting gets at least one.
    #[test]
    fn explain_agrees_with_the_matcher(s in setup(12)) {
        explain_agrees(&s)?;
    }

    /// The same with premade limits, where explain's premade check decides.
    #[test]
    fn explain_agrees_with_the_matcher_on_premades(s in premade_setup()) {
        explain_agrees(&s)?;
    }

    /// The oldest ticket that has any valid match is served, and no valid match
    /// is left among the tickets still waiting (nobody is stranded).
    #[test]
    fn oldest_first_and_nothing_stranded(s in setup(8)) {
        let outcome = run(&s);
        let matched: HashSet<TicketId> = outcome.proposals.iter().flat_map(|p| p.tickets()).collect();
        let mut usable_tickets: Vec<&Ticket> = s.tickets.iter().filter(|t| usable(&s.config, t)).collect();
        usable_tickets.sort_by_key(|t| (t.enqueued_at(), t.id()));
        if let Some(oldest) = usable_tickets.iter().find(|t| some_match(&s.config, &usable_tickets, Some(t.id()))) {
            prop_assert!(matched.contains(&oldest.id()), "oldest eligible {} not served", oldest.id());
        }
        let left: Vec<&Ticket> = usable_tickets.iter().copied().filter(|t| !matched.contains(&t.id())).collect();
        prop_assert!(!some_match(&s.config, &left, None), "a valid match was left among {:?}", left.iter().map(|t| t.id()).collect::<Vec<_>>());
    }
}
