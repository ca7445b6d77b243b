//! Data-driven tests of each queue rule: a small population, a config, a time,
//! and the matches (or the reasons for waiting) expected.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use matchforge_core::ids::{PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::matcher::{Blocker, Matcher, Seat};
use matchforge_core::queue::{
    CustomRule, MatchFormat, QueueConfig, QueueSpec, RegionRule, RoleComposition, Widening,
};
use matchforge_core::rating::{Elo, PartyRating, Rating, RatingAlgorithm, WengLin, elo_expected};
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap()
}

/// A ticket description: id, ratings of its players, roles per player, seconds
/// since it queued, attributes.
struct T {
    id: u128,
    ratings: Vec<f64>,
    roles: Vec<Vec<&'static str>>,
    waited: i64,
    attrs: Attributes,
}

fn solo(id: u128, rating: f64) -> T {
    T {
        id,
        ratings: vec![rating],
        roles: vec![],
        waited: 0,
        attrs: Attributes::new(),
    }
}

impl T {
    fn waited(mut self, secs: i64) -> Self {
        self.waited = secs;
        self
    }
    fn attrs(mut self, attrs: Attributes) -> Self {
        self.attrs = attrs;
        self
    }
    fn roles(mut self, roles: Vec<Vec<&'static str>>) -> Self {
        self.roles = roles;
        self
    }
    fn party(id: u128, ratings: &[f64]) -> Self {
        T {
            id,
            ratings: ratings.to_vec(),
            roles: vec![],
            waited: 0,
            attrs: Attributes::new(),
        }
    }
}

fn build(queue: &str, tickets: Vec<T>, now: DateTime<Utc>) -> Vec<Ticket> {
    tickets
        .into_iter()
        .map(|t| {
            let mut b = Ticket::builder(
                TicketId::from_u128(t.id),
                QueueName::new(queue),
                now - Duration::seconds(t.waited),
            )
            .attributes(t.attrs);
            if t.ratings.len() > 1 {
                b = b.party(PartyId::from_u128(t.id));
            }
            for (k, r) in t.ratings.iter().enumerate() {
                let mut p = TicketPlayer::new(
                    PlayerId::from_u128(t.id * 100 + k as u128),
                    Rating::new(*r, 50.0, 0.06).unwrap(),
                );
                if let Some(roles) = t.roles.get(k) {
                    p = p.with_roles(roles.iter().copied());
                }
                b = b.player(p);
            }
            b.build(&PartyRating::Average).unwrap()
        })
        .collect()
}

/// Runs the matcher and returns the proposals as sorted lists of ticket numbers.
fn matches(config: &QueueConfig, tickets: &[Ticket], now: DateTime<Utc>) -> Vec<Vec<u128>> {
    let outcome = Matcher::new(config.clone()).find_matches(tickets, now);
    outcome
        .proposals
        .iter()
        .map(|p| {
            let mut ids: Vec<u128> = p.tickets().map(|t| t.as_uuid().as_u128()).collect();
            ids.sort_unstable();
            ids
        })
        .collect()
}

fn check(config: QueueConfig, tickets: Vec<T>, expected: &[&[u128]]) {
    let now = t0();
    let tickets = build(config.name().as_str(), tickets, now);
    let got = matches(&config, &tickets, now);
    let want: Vec<Vec<u128>> = expected.iter().map(|m| m.to_vec()).collect();
    assert_eq!(got, want);
}

fn duel(window: Widening) -> QueueConfig {
    QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_rating_window(window)
        .build()
        .unwrap()
}

#[test]
fn rating_window_linear_widens_with_wait() {
    let w = || Widening::linear(50.0, 5.0, 200.0).unwrap();
    // 80 apart: too far for fresh tickets...
    check(duel(w()), vec![solo(1, 1500.0), solo(2, 1580.0)], &[]);
    // ...but both have waited 10 s (window 100).
    check(
        duel(w()),
        vec![solo(1, 1500.0).waited(10), solo(2, 1580.0).waited(10)],
        &[&[1, 2]],
    );
    // Only one waited: the fresh ticket's 50-point window still refuses.
    check(
        duel(w()),
        vec![solo(1, 1500.0).waited(60), solo(2, 1580.0)],
        &[],
    );
    // The cap holds: 300 apart never match.
    check(
        duel(w()),
        vec![solo(1, 1500.0).waited(3600), solo(2, 1800.0).waited(3600)],
        &[],
    );
}

#[test]
fn rating_window_steps() {
    let w = || Widening::steps([(0, 25.0), (30, 100.0)]).unwrap();
    check(
        duel(w()),
        vec![solo(1, 1500.0).waited(29), solo(2, 1560.0).waited(29)],
        &[],
    );
    check(
        duel(w()),
        vec![solo(1, 1500.0).waited(30), solo(2, 1560.0).waited(30)],
        &[&[1, 2]],
    );
}

#[test]
fn closest_rating_is_preferred_and_oldest_is_served_first() {
    let w = Widening::fixed(300.0).unwrap();
    // Ticket 3 is oldest; its closest opponent is 4 (10 away), not 1 or 2.
    check(
        duel(w.clone()),
        vec![
            solo(1, 1400.0),
            solo(2, 1700.0),
            solo(3, 1550.0).waited(50),
            solo(4, 1560.0),
        ],
        &[&[3, 4], &[1, 2]],
    );
    // The same with the closest opponent below the oldest ticket: the search
    // looks both ways.
    check(
        duel(w),
        vec![
            solo(1, 1700.0),
            solo(2, 1400.0),
            solo(3, 1550.0).waited(50),
            solo(4, 1540.0),
        ],
        &[&[3, 4], &[1, 2]],
    );
}

#[test]
fn same_region_rule() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_region(RegionRule::Same)
        .build()
        .unwrap();
    let eu = || Attributes::new().with_region("eu-west");
    let us = || Attributes::new().with_region("us-east");
    check(
        config.clone(),
        vec![solo(1, 1500.0).attrs(eu()), solo(2, 1500.0).attrs(us())],
        &[],
    );
    check(
        config,
        vec![
            solo(1, 1500.0).attrs(eu()),
            solo(2, 1500.0).attrs(us()),
            solo(3, 1510.0).attrs(eu()),
        ],
        &[&[1, 3]],
    );
}

#[test]
fn best_common_region_picks_the_lowest_worst_latency() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::linear(60.0, 2.0, 150.0).unwrap(),
        })
        .build()
        .unwrap();
    let a = Attributes::new()
        .with_latency("eu-west", 20)
        .with_latency("eu-north", 45)
        .with_latency("us-east", 110);
    let b = Attributes::new()
        .with_latency("eu-west", 55)
        .with_latency("eu-north", 30)
        .with_latency("us-east", 90);
    let now = t0();
    let tickets = build(
        "duel",
        vec![
            solo(1, 1500.0).attrs(a.clone()),
            solo(2, 1500.0).attrs(b.clone()),
        ],
        now,
    );
    let outcome = Matcher::new(config.clone()).find_matches(&tickets, now);
    assert_eq!(outcome.proposals.len(), 1);
    // eu-west: worst 55; eu-north: worst 45 -> eu-north.
    assert_eq!(
        outcome.proposals[0].region.as_ref().unwrap().as_str(),
        "eu-north"
    );

    // Far apart: only us-east is common, and 110 ms is over the 60 ms limit...
    let c = Attributes::new()
        .with_latency("us-east", 110)
        .with_latency("eu-west", 20);
    let d = Attributes::new()
        .with_latency("us-east", 90)
        .with_latency("ap-south", 10);
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(c.clone()),
            solo(2, 1500.0).attrs(d.clone()),
        ],
        &[],
    );
    // ...until both have waited 25 s (limit 110).
    check(
        config,
        vec![
            solo(1, 1500.0).attrs(c).waited(25),
            solo(2, 1500.0).attrs(d).waited(25),
        ],
        &[&[1, 2]],
    );
}

#[test]
fn roles_must_be_filled_on_every_team() {
    let config = QueueSpec::new("trio", MatchFormat::three_v_three())
        .with_roles(RoleComposition::new([
            ("tank", 1),
            ("healer", 1),
            ("dps", 1),
        ]))
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .build()
        .unwrap();
    let p = |id, role: &'static str| solo(id, 1500.0).roles(vec![vec![role]]);
    // Only one healer: no match.
    check(
        config.clone(),
        vec![
            p(1, "tank"),
            p(2, "tank"),
            p(3, "healer"),
            p(4, "dps"),
            p(5, "dps"),
            p(6, "dps"),
        ],
        &[],
    );
    // Two of each: a match.
    check(
        config.clone(),
        vec![
            p(1, "tank"),
            p(2, "tank"),
            p(3, "healer"),
            p(4, "healer"),
            p(5, "dps"),
            p(6, "dps"),
        ],
        &[&[1, 2, 3, 4, 5, 6]],
    );
    // The matched teams each have one of every role.
    let now = t0();
    let tickets = build(
        "trio",
        vec![
            p(1, "tank"),
            p(2, "tank"),
            p(3, "healer"),
            p(4, "healer"),
            p(5, "dps"),
            p(6, "dps"),
        ],
        now,
    );
    let outcome = Matcher::new(config).find_matches(&tickets, now);
    for team in 0..2 {
        let mut roles: Vec<String> = outcome.proposals[0]
            .team(team)
            .map(|s| s.role.as_ref().unwrap().to_string())
            .collect();
        roles.sort();
        assert_eq!(roles, vec!["dps", "healer", "tank"]);
    }
}

#[test]
fn parties_stay_together_and_fit_the_teams() {
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .build()
        .unwrap();
    let now = t0();
    let tickets = build(
        "duo",
        vec![
            T::party(1, &[1600.0, 1400.0]).waited(5),
            solo(2, 1480.0),
            solo(3, 1520.0),
        ],
        now,
    );
    let outcome = Matcher::new(config).find_matches(&tickets, now);
    assert_eq!(outcome.proposals.len(), 1);
    let p = &outcome.proposals[0];
    let team_of = |player: u128| p.seat_of(PlayerId::from_u128(player)).unwrap().team;
    assert_eq!(team_of(100), team_of(101), "the party is split");
    assert_eq!(team_of(200), team_of(300));
    assert_ne!(team_of(100), team_of(200));
}

#[test]
fn proposals_report_seats_and_quality_figures() {
    let now = t0();
    // 1v1: the oldest ticket (1) anchors the match and takes team 0.
    let tickets = build(
        "duel",
        vec![solo(2, 1540.0).waited(10), solo(1, 1500.0).waited(30)],
        now,
    );
    for predictor in [
        Arc::new(Elo::default()) as Arc<dyn RatingAlgorithm>,
        Arc::new(WengLin::default()),
    ] {
        let matcher =
            Matcher::new(duel(Widening::fixed(100.0).unwrap())).with_predictor(predictor.clone());
        let outcome = matcher.find_matches(&tickets, now);
        let [p] = outcome.proposals.as_slice() else {
            panic!("one match expected, got {:?}", outcome.proposals);
        };
        let seat = |n: u128, team| Seat {
            player: PlayerId::from_u128(n * 100),
            ticket: TicketId::from_u128(n),
            team,
            role: None,
        };
        assert_eq!(p.seats, vec![seat(1, 0), seat(2, 1)]);
        assert_eq!(p.region, None);
        let rating = |r| Rating::new(r, 50.0, 0.06).unwrap();
        let expected = predictor
            .win_probability(&[rating(1500.0)], &[rating(1540.0)])
            .unwrap();
        assert_eq!(p.quality.win_probability, expected, "{}", predictor.name());
        assert_eq!(p.quality.rating_spread, 40.0);
        assert_eq!(p.quality.team_imbalance, 40.0);
        assert_eq!(p.quality.longest_wait, std::time::Duration::from_secs(30));
    }

    // 2v2 with a party: a party's players are rated at the party's rating.
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .build()
        .unwrap();
    let tickets = build(
        "duo",
        vec![
            T::party(1, &[1600.0, 1400.0]).waited(5),
            solo(2, 1480.0).waited(2),
            solo(3, 1560.0),
        ],
        now,
    );
    let outcome = Matcher::new(config).find_matches(&tickets, now);
    let [p] = outcome.proposals.as_slice() else {
        panic!("one match expected, got {:?}", outcome.proposals);
    };
    let mean_of = |team| {
        let ratings: Vec<f64> = p
            .team(team)
            .map(|s| match s.ticket.as_uuid().as_u128() {
                1 => 1500.0,
                2 => 1480.0,
                _ => 1560.0,
            })
            .collect();
        ratings.iter().sum::<f64>() / ratings.len() as f64
    };
    assert_eq!(
        p.quality.win_probability,
        elo_expected(mean_of(0), mean_of(1), 400.0)
    );
    assert_ne!(p.quality.win_probability, 0.5);
    assert_eq!(p.quality.rating_spread, 80.0);
    assert_eq!(p.quality.team_imbalance, 20.0);
    assert_eq!(p.quality.longest_wait, std::time::Duration::from_secs(5));
}

#[test]
fn a_party_that_only_fits_with_another_party_is_not_stranded() {
    // 3v3: a trio must face three players; a duo and a solo fit, two duos don't.
    let config = QueueSpec::new("trio", MatchFormat::three_v_three())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .build()
        .unwrap();
    check(
        config,
        vec![
            T::party(1, &[1500.0, 1500.0, 1500.0]).waited(30),
            T::party(2, &[1500.0, 1500.0]),
            T::party(3, &[1501.0, 1501.0]),
            solo(4, 1530.0),
        ],
        &[&[1, 2, 4]],
    );
}

#[test]
fn premade_matching_keeps_stacks_apart_from_solos() {
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .with_premade_matching(Widening::steps([(0, 0.0), (60, 1.0)]).unwrap())
        .build()
        .unwrap();
    // A duo against two solos differs by one premade player: refused at first...
    check(
        config.clone(),
        vec![
            T::party(1, &[1500.0, 1500.0]),
            solo(2, 1500.0),
            solo(3, 1500.0),
        ],
        &[],
    );
    // ...accepted once everyone waited a minute...
    check(
        config.clone(),
        vec![
            T::party(1, &[1500.0, 1500.0]).waited(60),
            solo(2, 1500.0).waited(60),
            solo(3, 1500.0).waited(60),
        ],
        &[&[1, 2, 3]],
    );
    // ...and a duo against a duo is fine at once.
    check(
        config,
        vec![
            T::party(1, &[1500.0, 1500.0]),
            T::party(2, &[1500.0, 1500.0]),
        ],
        &[&[1, 2]],
    );
}

#[test]
fn custom_numeric_difference() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_custom_rule(CustomRule::numeric_difference(
            "level",
            Widening::linear(5.0, 1.0, 20.0).unwrap(),
        ))
        .build()
        .unwrap();
    let lvl = |l: f64| Attributes::new().with_number("level", l);
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(lvl(10.0)),
            solo(2, 1500.0).attrs(lvl(18.0)),
        ],
        &[],
    );
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(lvl(10.0)),
            solo(2, 1500.0).attrs(lvl(18.0)),
            solo(3, 1600.0).attrs(lvl(13.0)),
        ],
        &[&[1, 3]],
    );
    check(
        config,
        vec![
            solo(1, 1500.0).attrs(lvl(10.0)).waited(3),
            solo(2, 1500.0).attrs(lvl(18.0)).waited(3),
        ],
        &[&[1, 2]],
    );
}

#[test]
fn custom_equality_relaxes_for_tickets_that_waited() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_custom_rule(CustomRule::equal("map", Some(120)))
        .build()
        .unwrap();
    let map = |m: &str| Attributes::new().with_string("map", m);
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(map("dust")),
            solo(2, 1500.0).attrs(map("nuke")),
        ],
        &[],
    );
    // One relaxed, one not: still refused (each ticket must accept the match).
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(map("dust")).waited(200),
            solo(2, 1500.0).attrs(map("nuke")),
        ],
        &[],
    );
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(map("dust")).waited(200),
            solo(2, 1500.0).attrs(map("nuke")).waited(130),
        ],
        &[&[1, 2]],
    );
    // A ticket relaxes at exactly `relax_after_secs`, and explain agrees.
    let tickets = vec![
        solo(1, 1500.0).attrs(map("dust")).waited(120),
        solo(2, 1500.0).attrs(map("nuke")).waited(120),
    ];
    let now = t0();
    let built = build("duel", tickets, now);
    assert_eq!(matches(&config, &built, now), vec![vec![1, 2]]);
    let matcher = Matcher::new(config);
    assert!(
        matcher
            .explain(TicketId::from_u128(1), &built, now)
            .unwrap()
            .is_empty()
    );
    let early = build(
        "duel",
        vec![
            solo(1, 1500.0).attrs(map("dust")).waited(120),
            solo(2, 1500.0).attrs(map("nuke")).waited(119),
        ],
        now,
    );
    assert!(matches(matcher.config(), &early, now).is_empty());
}

#[test]
fn custom_set_intersection() {
    let config = QueueSpec::new("ffa", MatchFormat::free_for_all(3).unwrap())
        .with_custom_rule(CustomRule::intersect("modes", None))
        .build()
        .unwrap();
    let modes = |m: &[&str]| Attributes::new().with_set("modes", m.iter().copied());
    // Pairwise intersecting but no mode common to all three.
    check(
        config.clone(),
        vec![
            solo(1, 1500.0).attrs(modes(&["a", "b"])),
            solo(2, 1500.0).attrs(modes(&["b", "c"])),
            solo(3, 1500.0).attrs(modes(&["c", "a"])),
        ],
        &[],
    );
    check(
        config,
        vec![
            solo(1, 1500.0).attrs(modes(&["a", "b"])),
            solo(2, 1500.0).attrs(modes(&["b", "c"])),
            solo(3, 1500.0).attrs(modes(&["c", "b"])),
        ],
        &[&[1, 2, 3]],
    );
    // Relaxing, from exactly `relax_after_secs` on.
    let relaxing = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_custom_rule(CustomRule::intersect("modes", Some(60)))
        .build()
        .unwrap();
    let apart = |w1, w2| {
        vec![
            solo(1, 1500.0).attrs(modes(&["a"])).waited(w1),
            solo(2, 1500.0).attrs(modes(&["b"])).waited(w2),
        ]
    };
    check(relaxing.clone(), apart(60, 60), &[&[1, 2]]);
    check(relaxing, apart(60, 59), &[]);
}

#[test]
fn expired_tickets_are_reported_not_matched() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_max_wait_secs(300)
        .build()
        .unwrap();
    let now = t0();
    let tickets = build(
        "duel",
        vec![
            solo(1, 1500.0).waited(301),
            solo(2, 1500.0),
            solo(3, 1500.0).waited(300),
        ],
        now,
    );
    let outcome = Matcher::new(config).find_matches(&tickets, now);
    assert_eq!(outcome.expired, vec![TicketId::from_u128(1)]);
    assert_eq!(outcome.proposals.len(), 1);
    assert!(!outcome.proposals[0].has_ticket(TicketId::from_u128(1)));
}

#[test]
fn why_not_names_the_blocking_rule() {
    let config = QueueSpec::new("trio", MatchFormat::three_v_three())
        .with_region(RegionRule::Same)
        .with_roles(RoleComposition::new([
            ("tank", 1),
            ("healer", 1),
            ("dps", 1),
        ]))
        .with_rating_window(Widening::fixed(120.0).unwrap())
        .build()
        .unwrap();
    let now = t0();
    let eu = || Attributes::new().with_region("eu-west");
    let p = |id, r, role: &'static str| solo(id, r).roles(vec![vec![role]]).attrs(eu());
    let tickets = build(
        "trio",
        vec![
            p(1, 1500.0, "tank"),
            p(2, 1510.0, "tank"),
            p(3, 1490.0, "dps"),
            p(4, 1505.0, "dps"),
            p(5, 1520.0, "healer"),
            p(6, 1495.0, "dps"),
            p(7, 2500.0, "healer"),
            solo(8, 1500.0).attrs(Attributes::new().with_region("us-east")),
        ],
        now,
    );
    let matcher = Matcher::new(config);
    let why = |id: u128| {
        matcher
            .explain(TicketId::from_u128(id), &tickets, now)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(why(7), vec!["no opponent within 2500 ± 120 yet"]);
    assert_eq!(why(8), vec!["no other players in region us-east"]);
    assert_eq!(why(1), vec!["no healer in region eu-west (1 of 2 needed)"]);
    assert!(matches!(
        matcher.explain(TicketId::from_u128(99), &tickets, now),
        Err(matchforge_core::Error::TicketNotFound(_))
    ));
    let _ = Blocker::NoValidCombination;
}

/// Rules that block only together are named: each lets someone through, but
/// nobody meets them all.
#[test]
fn why_not_names_rules_that_block_together() {
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_region(RegionRule::Same)
        .with_rating_window(Widening::fixed(100.0).unwrap())
        .with_custom_rule(CustomRule::equal("input", None))
        .build()
        .unwrap();
    let now = t0();
    let at = |region: &str, input: &str| {
        Attributes::new()
            .with_region(region)
            .with_string("input", input)
    };
    let why = |tickets: Vec<T>| {
        Matcher::new(config.clone())
            .explain(TicketId::from_u128(1), &build("duel", tickets, now), now)
            .unwrap()
    };
    // The one in the window plays elsewhere; the one here is far away.
    let blockers = why(vec![
        solo(1, 1500.0).attrs(at("eu", "pad")),
        solo(2, 2500.0).attrs(at("eu", "pad")),
        solo(3, 1500.0).attrs(at("us", "pad")),
    ]);
    assert_eq!(
        blockers,
        vec![Blocker::RulesTogether {
            rules: vec!["rating".into(), "region".into()],
            available: 1,
            needed: 2,
        }]
    );
    assert_eq!(
        blockers[0].to_string(),
        "only 1 of the 2 players a match needs meet every rule at once \
         (held back by: rating, region)"
    );
    // No rule keeps a ticket out on its own (each fails two): every rule that
    // keeps one out is named.
    let blockers = why(vec![
        solo(1, 1500.0).attrs(at("eu", "pad")),
        solo(2, 2500.0).attrs(at("us", "pad")),
        solo(3, 1500.0).attrs(at("us", "kbm")),
        solo(4, 2500.0).attrs(at("eu", "kbm")),
    ]);
    assert!(
        matches!(&blockers[..], [Blocker::RulesTogether { rules, .. }]
            if rules == &["rating", "region", "input"]),
        "{blockers:?}"
    );
    // Alone in the queue, or among tickets every rule lets through: too few
    // players, whatever the rules.
    let duo = QueueSpec::new("duo", MatchFormat::two_v_two())
        .build()
        .unwrap();
    let blockers = Matcher::new(duo)
        .explain(
            TicketId::from_u128(1),
            &build("duo", vec![solo(1, 1500.0), solo(2, 1500.0)], now),
            now,
        )
        .unwrap();
    assert_eq!(
        blockers,
        vec![Blocker::NotEnoughPlayers {
            available: 2,
            needed: 4
        }]
    );
}

#[test]
fn premade_anchor_is_not_stranded_behind_closer_solos() {
    // Two five-stacks that may only face each other, and nine solos closer
    // in rating to the older stack than the other stack is. No set with a
    // solo beside a stack can be valid; the search must not spend its node
    // budget on those sets before it reaches the other stack.
    let config = QueueSpec::new("five", MatchFormat::five_v_five())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .with_premade_matching(Widening::fixed(0.0).unwrap())
        .build()
        .unwrap();
    let mut tickets = vec![
        T::party(1, &[1400.0; 5]).waited(120),
        T::party(2, &[1600.0; 5]).waited(110),
    ];
    tickets.extend((10..19).map(|id| solo(id, 1500.0)));
    check(config, tickets, &[&[1, 2]]);
    // The same in 2v2, with many more solos than the node budget would
    // allow combinations of.
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(500.0).unwrap())
        .with_premade_matching(Widening::fixed(0.0).unwrap())
        .with_search_breadth(60)
        .build()
        .unwrap();
    let mut tickets = vec![
        T::party(1, &[1400.0; 2]).waited(120),
        T::party(2, &[1600.0; 2]).waited(110),
    ];
    tickets.extend((10..50).map(|id| solo(id, 1500.0).waited(100)));
    let now = t0();
    let tickets = build("duo", tickets, now);
    let got = matches(&config, &tickets, now);
    assert_eq!(got.first(), Some(&vec![1, 2]), "{got:?}");
    assert_eq!(got.len(), 11, "the forty solos make ten matches: {got:?}");
}

#[test]
fn why_not_agrees_with_the_matcher_on_roles_the_queue_does_not_know() {
    // A role the queue does not list counts as an open place for the
    // matcher; the why-not must not call such a ticket unusable.
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_roles(RoleComposition::new([("tank", 1)]))
        .with_rating_window(Widening::fixed(100.0).unwrap())
        .build()
        .unwrap();
    let now = t0();
    let tickets = build(
        "duo",
        vec![
            solo(1, 1500.0).roles(vec![vec!["tank"]]),
            solo(2, 1500.0).roles(vec![vec!["tank"]]),
            solo(3, 1500.0).roles(vec![vec!["flex"]]),
            solo(4, 1500.0).roles(vec![vec!["flex"]]),
        ],
        now,
    );
    assert_eq!(matches(&config, &tickets, now), vec![vec![1, 2, 3, 4]]);
    let matcher = Matcher::new(config);
    for id in 1..=4 {
        let why = matcher
            .explain(TicketId::from_u128(id), &tickets, now)
            .unwrap();
        assert!(why.is_empty(), "ticket {id}: {why:?}");
    }
}

#[test]
fn a_search_breadth_that_cannot_fill_a_match_is_rejected() {
    // Solo tickets only: a 2v2 match needs three besides its anchor.
    let spec = |breadth| {
        QueueSpec::new("duo", MatchFormat::two_v_two())
            .with_max_party_size(1)
            .with_search_breadth(breadth)
            .build()
    };
    let err = spec(2).unwrap_err().to_string();
    assert!(err.contains("search breadth is 2"), "{err}");
    assert!(err.contains("at least 3"), "{err}");
    // With duos allowed, one duo besides the anchor can fill it.
    let duos = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_search_breadth(1)
        .build()
        .unwrap();
    check(
        duos,
        vec![T::party(1, &[1500.0; 2]), T::party(2, &[1500.0; 2])],
        &[&[1, 2]],
    );
    let config = spec(3).unwrap();
    check(
        config,
        (1..=4).map(|id| solo(id, 1500.0)).collect(),
        &[&[1, 2, 3, 4]],
    );
}

#[test]
fn extreme_enqueue_times_do_not_overflow_the_wait() {
    // Between chrono's earliest and latest dates the wait in microseconds
    // does not fit an i64: it saturates instead of overflowing.
    let ticket = |n: u128, at: DateTime<Utc>| {
        Ticket::builder(TicketId::from_u128(n), QueueName::new("duel"), at)
            .player(TicketPlayer::new(
                PlayerId::from_u128(n),
                Rating::new(1500.0, 50.0, 0.06).unwrap(),
            ))
            .build(&PartyRating::Average)
            .unwrap()
    };
    let tickets = vec![
        ticket(1, DateTime::<Utc>::MIN_UTC),
        ticket(2, DateTime::<Utc>::MIN_UTC),
    ];
    let config = duel(Widening::linear(50.0, 5.0, 400.0).unwrap());
    assert_eq!(
        matches(&config, &tickets, DateTime::<Utc>::MAX_UTC),
        vec![vec![1, 2]]
    );
    let expiring = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_max_wait_secs(600)
        .build()
        .unwrap();
    let outcome = Matcher::new(expiring).find_matches(&tickets, DateTime::<Utc>::MAX_UTC);
    assert_eq!(outcome.expired.len(), 2);
    assert!(tickets[0].wait(DateTime::<Utc>::MAX_UTC) > std::time::Duration::from_secs(1 << 40));
}

#[test]
fn check_distinct_names_a_repeated_ticket_or_player() {
    use matchforge_core::matcher::check_distinct;
    let now = t0();
    let clean = build(
        "duel",
        vec![solo(1, 1500.0), T::party(2, &[1500.0, 1500.0])],
        now,
    );
    assert!(check_distinct(&clean).is_ok());
    let twice = build("duel", vec![solo(1, 1500.0), solo(1, 1600.0)], now);
    let err = check_distinct(&twice).unwrap_err().to_string();
    assert!(
        err.contains(&format!("ticket {} appears twice", TicketId::from_u128(1))),
        "{err}"
    );
    // Ticket 3's first player is 300, who is also on ticket 4 below.
    let mut shared = build("duel", vec![solo(3, 1500.0)], now);
    shared.push(
        Ticket::builder(TicketId::from_u128(4), QueueName::new("duel"), now)
            .player(TicketPlayer::new(
                PlayerId::from_u128(300),
                Rating::new(1500.0, 50.0, 0.06).unwrap(),
            ))
            .build(&PartyRating::Average)
            .unwrap(),
    );
    let err = check_distinct(&shared).unwrap_err().to_string();
    assert!(err.contains(&PlayerId::from_u128(300).to_string()), "{err}");
}

#[test]
fn why_not_counts_roles_per_region_under_best_common_region() {
    // Two healers are compatible with ticket 1, but one plays only in eu and
    // the other only in us: no region has the two a match needs. The reason
    // is the healer shortage, not "no valid combination".
    let config = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::fixed(80.0).unwrap(),
        })
        .with_roles(RoleComposition::new([("tank", 1), ("healer", 1)]))
        .with_rating_window(Widening::fixed(100.0).unwrap())
        .build()
        .unwrap();
    let both = || {
        Attributes::new()
            .with_latency("eu", 30)
            .with_latency("us", 30)
    };
    let eu = Attributes::new()
        .with_latency("eu", 30)
        .with_latency("us", 200);
    let us = Attributes::new()
        .with_latency("eu", 200)
        .with_latency("us", 30);
    let now = t0();
    let tickets = build(
        "duo",
        vec![
            solo(1, 1500.0).roles(vec![vec!["tank"]]).attrs(both()),
            solo(2, 1500.0).roles(vec![vec!["tank"]]).attrs(both()),
            solo(3, 1500.0).roles(vec![vec!["healer"]]).attrs(eu),
            solo(4, 1500.0).roles(vec![vec!["healer"]]).attrs(us),
        ],
        now,
    );
    assert!(matches(&config, &tickets, now).is_empty());
    let why: Vec<String> = Matcher::new(config)
        .explain(TicketId::from_u128(1), &tickets, now)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(why, vec!["no healer in region eu (1 of 2 needed)"]);
}

#[test]
fn numeric_rule_misfits_closer_in_rating_do_not_strand_a_valid_pair() {
    // 40 tickets sit between the pair in rating, every one refused by the
    // level rule. A search skips up to sixteen times its breadth (8 here) of
    // such misfits, so the pair meets.
    let config = QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_rating_window(Widening::fixed(1000.0).unwrap())
        .with_custom_rule(CustomRule::numeric_difference(
            "level",
            Widening::fixed(0.0).unwrap(),
        ))
        .build()
        .unwrap();
    assert_eq!(config.search_breadth(), 8);
    let lvl = |l: f64| Attributes::new().with_number("level", l);
    let mut tickets = vec![
        solo(1, 1500.0).attrs(lvl(0.0)).waited(100),
        solo(2, 1600.0).attrs(lvl(0.0)).waited(90),
    ];
    for i in 0..40u32 {
        tickets.push(
            solo(100 + u128::from(i), 1540.0 + f64::from(i) * 0.5)
                .attrs(lvl(100.0 + f64::from(i)))
                .waited(10),
        );
    }
    check(config, tickets, &[&[1, 2]]);
}

#[test]
fn why_not_names_the_premade_rule() {
    // A duo among solos, with premade matching at no difference: the other
    // team needs a party of two, and there is none.
    let config = QueueSpec::new("duos", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(100.0).unwrap())
        .with_premade_matching(Widening::linear(0.0, 0.05, 1.0).unwrap())
        .build()
        .unwrap();
    let now = t0();
    let population = |duo_waited: i64| {
        build(
            "duos",
            vec![
                T::party(1, &[1500.0, 1500.0]).waited(duo_waited),
                solo(2, 1500.0).waited(duo_waited),
                solo(3, 1500.0).waited(duo_waited),
            ],
            now,
        )
    };
    let matcher = Matcher::new(config);
    let tickets = population(0);
    assert!(matcher.find_matches(&tickets, now).proposals.is_empty());
    let why: Vec<String> = matcher
        .explain(TicketId::from_u128(1), &tickets, now)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        why,
        vec!["no party of at least 2 players to face this party of 2 (0 of the 1 needed)"]
    );
    // After 20 s every ticket tolerates a difference of one: the duo plays the
    // two solos, and nothing blocks it.
    let tickets = population(20);
    assert_eq!(matcher.find_matches(&tickets, now).proposals.len(), 1);
    assert!(
        matcher
            .explain(TicketId::from_u128(1), &tickets, now)
            .unwrap()
            .is_empty()
    );
}
