//! The rule checker on hand-made lobbies: each case breaks one rule (or
//! none), and the checker must name exactly the rules broken.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use matchforge::Error;
use matchforge::ids::{LobbyId, PlayerId, Role, TicketId};
use matchforge::lobby::Lobby;
use matchforge::matcher::{MatchProposal, MatchQuality, Seat};
use matchforge::queue::{
    CustomRule, MatchFormat, QueueSpec, RegionRule, RoleComposition, Widening,
};
use matchforge::rating::{PartyRating, Rating};
use matchforge::ticket::{Attributes, Ticket, TicketPlayer};

use super::{TicketFacts, check_lobby, widen};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// One ticket of a case: its players `(id, rating, accepted roles, seat role)`,
/// team, seconds waited and attributes; `split` seats its last player on the
/// other team (of two).
struct Case {
    id: u128,
    players: Vec<(u128, f64, &'static [&'static str], Option<&'static str>)>,
    team: u16,
    waited: i64,
    attributes: Attributes,
    split: bool,
}

fn solo(id: u128, rating: f64, team: u16, waited: i64) -> Case {
    Case {
        id,
        players: vec![(id, rating, &[], None)],
        team,
        waited,
        attributes: Attributes::new(),
        split: false,
    }
}

/// The rules `check_lobby` names for a lobby of `cases` placed in `region`;
/// `stale` makes the simulator believe the first player's rating is 1 higher.
fn broken(spec: &QueueSpec, cases: &[Case], region: Option<&str>, stale: bool) -> Vec<String> {
    let (lobby, facts) = built(spec, cases, region, stale).unwrap();
    let mut rules: Vec<String> = check_lobby(spec, &lobby, &facts, now())
        .into_iter()
        .map(|m| m.split(':').next().unwrap_or_default().to_owned())
        .collect();
    rules.dedup();
    rules
}

/// The lobby of `cases` placed in `region`, and the simulator's facts about
/// its tickets (see [`broken`]).
fn built(
    spec: &QueueSpec,
    cases: &[Case],
    region: Option<&str>,
    stale: bool,
) -> Result<(Lobby, Vec<TicketFacts>), Error> {
    let mut seats = Vec::new();
    let mut tickets = Vec::new();
    let mut facts = Vec::new();
    for c in cases {
        let enqueued = now() - chrono::Duration::seconds(c.waited);
        let players: Vec<TicketPlayer> = c
            .players
            .iter()
            .map(|&(p, r, roles, _)| {
                TicketPlayer::new(PlayerId::from_u128(p), Rating::new(r, 50.0, 0.06).unwrap())
                    .with_roles(roles.iter().copied())
            })
            .collect();
        let ticket = Ticket::builder(TicketId::from_u128(c.id), spec.name.clone(), enqueued)
            .players(players)
            .attributes(c.attributes.clone())
            .build(&PartyRating::Average)
            .unwrap();
        for (k, &(p, _, _, role)) in c.players.iter().enumerate() {
            let other = c.split && k + 1 == c.players.len();
            seats.push(Seat {
                player: PlayerId::from_u128(p),
                ticket: ticket.id(),
                team: if other { 1 - c.team } else { c.team },
                role: role.map(Role::new),
            });
        }
        facts.push(TicketFacts {
            id: ticket.id(),
            players: ticket.player_ids().collect(),
            ratings: c.players.iter().map(|p| p.1).collect(),
            roles: c
                .players
                .iter()
                .map(|p| p.2.iter().copied().map(Role::new).collect())
                .collect(),
            attributes: c.attributes.clone(),
            enqueued_at: enqueued,
        });
        tickets.push(ticket);
    }
    if stale {
        facts[0].ratings[0] += 1.0;
    }
    seats.sort_by_key(|s| s.team);
    let proposal = MatchProposal {
        seats,
        region: region.map(Into::into),
        quality: MatchQuality {
            rating_spread: 0.0,
            team_imbalance: 0.0,
            imbalance_lower_bound: 0.0,
            win_probability: 0.5,
            longest_wait: Duration::ZERO,
        },
    };
    let lobby = Lobby::new(
        LobbyId::from_u128(99),
        spec.name.clone(),
        proposal,
        tickets,
        now(),
    )?;
    Ok((lobby, facts))
}

fn duel() -> QueueSpec {
    QueueSpec::new("duel", MatchFormat::one_v_one())
        .with_rating_window(Widening::linear(50.0, 10.0, 400.0).unwrap())
        .with_custom_rule(CustomRule::equal("input", Some(90)))
        .with_max_wait_secs(300)
}

fn input(case: Case, value: &str) -> Case {
    Case {
        attributes: Attributes::new().with_string("input", value),
        ..case
    }
}

#[test]
fn one_v_one_rules() {
    let spec = duel();
    let pair = |a: f64, wa: i64, b: f64, wb: i64, ia: &str, ib: &str| {
        vec![input(solo(1, a, 0, wa), ia), input(solo(2, b, 1, wb), ib)]
    };
    let check = |cases: Vec<Case>, stale: bool, expected: &[&str]| {
        assert_eq!(broken(&spec, &cases, None, stale), expected);
    };
    check(pair(1500.0, 0, 1540.0, 0, "kbm", "kbm"), false, &[]);
    check(
        pair(1500.0, 0, 1560.0, 0, "kbm", "kbm"),
        false,
        &["rating window"],
    );
    // The newer ticket's narrower window refuses, whatever the older allows.
    check(
        pair(1500.0, 5, 1560.0, 0, "kbm", "kbm"),
        false,
        &["rating window"],
    );
    check(pair(1500.0, 5, 1560.0, 5, "kbm", "kbm"), false, &[]);
    check(
        pair(1500.0, 10, 1500.0, 10, "kbm", "pad"),
        false,
        &["input"],
    );
    check(
        pair(1500.0, 90, 1500.0, 10, "kbm", "pad"),
        false,
        &["input"],
    );
    check(pair(1500.0, 90, 1500.0, 95, "kbm", "pad"), false, &[]);
    check(
        pair(1500.0, 301, 1500.0, 0, "kbm", "kbm"),
        false,
        &["max wait"],
    );
    check(pair(1500.0, 0, 1500.0, 0, "kbm", "kbm"), true, &["ratings"]);
}

fn duo() -> QueueSpec {
    QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(25.0).unwrap())
        .with_roles(RoleComposition::new([("a", 1), ("b", 1)]))
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::steps([(0, 50.0), (60, 100.0)]).unwrap(),
        })
        .with_premade_matching(Widening::steps([(0, 0.0), (60, 1.0)]).unwrap())
}

fn latencies(eu: u32, na: u32) -> Attributes {
    Attributes::new()
        .with_latency("eu", eu)
        .with_latency("na", na)
}

/// Two parties of two, one per team, each with a player for role a and b.
fn parties(waited: i64, eu: u32, na: u32) -> Vec<Case> {
    (0..2u16)
        .map(|team| {
            let base = u128::from(team) * 10;
            Case {
                id: base + 1,
                players: vec![
                    (base + 1, 1500.0, &["a"], Some("a")),
                    (base + 2, 1510.0, &["b", "a"], Some("b")),
                ],
                team,
                waited,
                attributes: latencies(eu, na),
                split: false,
            }
        })
        .collect()
}

#[test]
fn team_rules() {
    let spec = duo();
    let check = |cases: Vec<Case>, region: Option<&str>, expected: &[&str]| {
        assert_eq!(broken(&spec, &cases, region, false), expected);
    };
    check(parties(0, 30, 40), Some("eu"), &[]);
    check(parties(0, 30, 40), Some("na"), &["region"]);
    check(parties(0, 60, 70), Some("eu"), &["region"]);
    check(parties(60, 60, 70), Some("eu"), &[]);

    // A player in a role they do not accept (and the team lacks an a).
    let mut wrong_role = parties(0, 30, 40);
    wrong_role[0].players[0].3 = Some("b");
    check(wrong_role, Some("eu"), &["roles"]);

    // Premade: a party of two against two solos, allowed only after 60 s.
    let solos = |waited| {
        let mut cases = parties(waited, 30, 40);
        cases.pop();
        for (id, role) in [(11, "a"), (12, "b")] {
            cases.push(Case {
                id,
                players: vec![(id, 1505.0, &[], Some(role))],
                team: 1,
                waited,
                attributes: latencies(30, 40),
                split: false,
            });
        }
        cases
    };
    check(solos(0), Some("eu"), &["premade"]);
    check(solos(60), Some("eu"), &[]);
}

/// A split party never reaches the audit: the core refuses to build such a
/// lobby. The audit's own "parties" check stays as a defensive second line
/// that no `Lobby` can reach any more, so no test exercises it.
#[test]
fn a_party_on_two_teams_is_caught() {
    let spec = duo();
    // Each party's second player (role b) swaps teams: sizes and roles still
    // add up, only the parties are split.
    let mut cases = parties(0, 30, 40);
    for c in &mut cases {
        c.split = true;
    }
    match built(&spec, &cases, Some("eu"), false) {
        Err(Error::InvalidTicket(m)) => assert!(m.contains("split"), "{m}"),
        other => panic!("a split party was not refused: {:?}", other.map(|(l, _)| l)),
    }
}

#[test]
fn widening_matches_the_spec() {
    let cases = [
        (Widening::fixed(7.0).unwrap(), 1000, 7.0),
        (Widening::linear(50.0, 5.0, 300.0).unwrap(), 10_500, 102.5),
        (Widening::linear(50.0, 5.0, 300.0).unwrap(), 600_000, 300.0),
        (Widening::steps([(0, 1.0), (60, 2.0)]).unwrap(), 59_999, 1.0),
        (Widening::steps([(0, 1.0), (60, 2.0)]).unwrap(), 60_000, 2.0),
    ];
    for (limit, millis, expected) in cases {
        let wait = Duration::from_millis(millis);
        assert_eq!(widen(&limit, wait), expected, "{limit:?} at {millis} ms");
        assert_eq!(widen(&limit, wait), limit.at(wait), "agrees with the core");
    }
}
