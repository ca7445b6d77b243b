use std::collections::BTreeSet;

use chrono::Duration as ChronoDuration;
use matchforge_core::matcher::Matcher;

use super::*;

fn five_v_five_roles() -> RoleComposition {
    RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 3)])
}

fn full_spec(seed: u64) -> PopulationSpec {
    PopulationSpec::new("q", 4_000)
        .with_seed(seed)
        .with_arrival_interval(Duration::from_millis(250))
        .with_party_sizes([(1, 0.5), (2, 0.3), (5, 0.2)])
        .with_roles(five_v_five_roles(), 2)
        .with_regions([("eu", 0.75), ("na", 0.25)])
        .with_first_id(1_000)
}

#[test]
fn the_same_seed_gives_the_same_tickets() {
    let a = full_spec(9).generate().unwrap();
    assert_eq!(a, full_spec(9).generate().unwrap());
    assert_ne!(a, full_spec(10).generate().unwrap());
}

#[test]
fn ids_are_distinct_and_times_ordered() {
    let tickets = full_spec(1).generate().unwrap();
    let ids: BTreeSet<_> = tickets.iter().map(Ticket::id).collect();
    assert_eq!(ids.len(), tickets.len());
    assert_eq!(tickets[0].id(), TicketId::from_u128(1_000));
    let players: Vec<_> = tickets.iter().flat_map(Ticket::player_ids).collect();
    assert_eq!(players.iter().collect::<BTreeSet<_>>().len(), players.len());
    let start = PopulationSpec::new("q", 1).start;
    for (i, t) in tickets.iter().enumerate() {
        assert_eq!(
            t.enqueued_at(),
            start + ChronoDuration::milliseconds(250 * i as i64),
            "ticket {i}"
        );
        assert_eq!(
            t.party().is_some(),
            t.size() > 1,
            "ticket {i}: a party ticket names its party"
        );
    }
}

#[test]
fn party_sizes_and_regions_follow_their_weights() {
    let tickets = full_spec(2).generate().unwrap();
    let n = tickets.len() as f64;
    // (what, share drawn, weight)
    let share = |f: &dyn Fn(&Ticket) -> bool| tickets.iter().filter(|t| f(t)).count() as f64 / n;
    let cases: [(&str, f64, f64); 5] = [
        ("solo", share(&|t| t.size() == 1), 0.5),
        ("duo", share(&|t| t.size() == 2), 0.3),
        ("five", share(&|t| t.size() == 5), 0.2),
        (
            "eu",
            share(&|t| {
                t.attributes()
                    .region
                    .as_ref()
                    .is_some_and(|r| r.as_str() == "eu")
            }),
            0.75,
        ),
        (
            "na",
            share(&|t| {
                t.attributes()
                    .region
                    .as_ref()
                    .is_some_and(|r| r.as_str() == "na")
            }),
            0.25,
        ),
    ];
    for (what, got, want) in cases {
        assert!(
            (got - want).abs() < 0.03,
            "{what}: share {got}, weight {want}"
        );
    }
}

#[test]
fn latencies_are_low_at_home_and_high_away() {
    for t in full_spec(3).generate().unwrap() {
        let home = t.attributes().region.clone().unwrap();
        assert_eq!(t.attributes().latencies.len(), 2);
        for (region, ms) in &t.attributes().latencies {
            let range = if *region == home { 20..=60 } else { 90..=180 };
            assert!(range.contains(ms), "{region}: {ms} ms");
        }
    }
}

#[test]
fn players_accept_distinct_known_roles() {
    let names: BTreeSet<&str> = ["tank", "healer", "dps"].into();
    let mut counts = [0usize; 3];
    for p in full_spec(4)
        .generate()
        .unwrap()
        .iter()
        .flat_map(|t| t.players().to_vec())
    {
        let roles: BTreeSet<&str> = p.roles.iter().map(Role::as_str).collect();
        assert_eq!(roles.len(), p.roles.len(), "distinct roles");
        assert!(roles.is_subset(&names), "{roles:?}");
        counts[p.roles.len()] += 1;
    }
    assert_eq!(counts[0], 0, "every player accepts at least one role");
    assert!(
        counts[1] > 0 && counts[2] > 0,
        "one and two roles both occur: {counts:?}"
    );
}

#[test]
fn party_members_are_rated_near_each_other() {
    for t in full_spec(5).with_party_spread(50.0).generate().unwrap() {
        let first = t.players()[0].rating.rating();
        for p in t.players() {
            assert!((p.rating.rating() - first).abs() <= 50.0);
        }
    }
}

#[test]
fn the_queue_spec_accepts_the_tickets_and_matches_them() {
    let spec = full_spec(6).with_roles(five_v_five_roles(), 3);
    let config = spec.queue_spec(MatchFormat::five_v_five()).build().unwrap();
    let tickets = spec.generate().unwrap();
    for t in &tickets {
        config.validate_ticket(t).unwrap();
    }
    let later = tickets.last().unwrap().enqueued_at() + ChronoDuration::seconds(60);
    let outcome = Matcher::new(config).find_matches(&tickets, later);
    assert!(
        outcome.proposals.len() > 100,
        "{} matches",
        outcome.proposals.len()
    );
    assert!(
        outcome.rejected.is_empty(),
        "{:?}",
        outcome.rejected.first()
    );
}

#[test]
fn bad_specs_are_rejected() {
    let base = || PopulationSpec::new("q", 10);
    #[allow(
        clippy::reversed_empty_ranges,
        reason = "an empty range is what this case tests"
    )]
    let reversed = 60..=20;
    let cases = [
        (base().with_party_sizes([]), "party size weights"),
        (base().with_party_sizes([(0, 1.0)]), "a party size of 0"),
        (base().with_party_sizes([(1, -1.0)]), "party size weights"),
        (base().with_regions([("eu", 0.0)]), "region weights"),
        (
            base()
                .with_regions([("eu", 1.0)])
                .with_latencies(reversed, 90..=180),
            "latency range",
        ),
        (
            base().with_roles(RoleComposition::new::<&str>([]), 1),
            "roles need",
        ),
        (base().with_roles(five_v_five_roles(), 0), "roles need"),
        (base().with_party_spread(f64::NAN), "party spread"),
    ];
    for (spec, message) in cases {
        let err = spec.generate().unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
}
