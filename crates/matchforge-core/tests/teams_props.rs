//! The team balancer against brute force: exact up to 16 players, and for larger
//! matches a valid split whose reported lower bound never exceeds the optimum.

use chrono::{TimeZone, Utc};
use matchforge_core::ids::{PartyId, PlayerId, QueueName, TicketId};
use matchforge_core::matcher::{Matcher, Seat};
use matchforge_core::queue::{MatchFormat, QueueSpec, RoleComposition, Widening};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::teams::balance_teams;
use matchforge_core::ticket::{Ticket, TicketPlayer};
use proptest::prelude::*;

const ROLES: [&str; 2] = ["tank", "healer"];

#[derive(Debug, Clone)]
struct Case {
    format: MatchFormat,
    tickets: Vec<Ticket>,
    roles: Option<RoleComposition>,
    premade: Option<u32>,
}

fn tickets_for(sizes: &[u32], ratings: &[f64], role_masks: &[u8]) -> Vec<Ticket> {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut player = 0u128;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let mut b =
                Ticket::builder(TicketId::from_u128(i as u128 + 1), QueueName::new("q"), at);
            if size > 1 {
                b = b.party(PartyId::from_u128(i as u128 + 1));
            }
            for _ in 0..size {
                player += 1;
                let mask = role_masks[player as usize % role_masks.len()];
                let roles: Vec<&str> = (0..2)
                    .filter(|r| mask & (1 << r) != 0)
                    .map(|r| ROLES[r])
                    .collect();
                b = b.player(
                    TicketPlayer::new(
                        PlayerId::from_u128(player),
                        Rating::new(ratings[player as usize % ratings.len()], 50.0, 0.06).unwrap(),
                    )
                    .with_roles(roles),
                );
            }
            b.build(&PartyRating::Average).unwrap()
        })
        .collect()
}

/// Splits `total` into group sizes of at most `max` from a stream of choices.
fn sizes_from(total: u32, max: u32, picks: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut left = total;
    let mut i = 0;
    while left > 0 {
        let s = (picks[i % picks.len()] % max.min(left)) + 1;
        out.push(s);
        left -= s;
        i += 1;
    }
    out
}

fn case(max_players: u32) -> impl Strategy<Value = Case> {
    (
        2u32..=4,
        1u32..=8,
        proptest::collection::vec(0u32..10, 1..20),
        proptest::collection::vec(1000.0..2000.0f64, 1..40),
        proptest::collection::vec(0u8..4, 1..40),
        proptest::bool::weighted(0.4),
        proptest::option::weighted(0.3, 0u32..2),
    )
        .prop_filter_map(
            "too many players",
            move |(teams, size, picks, ratings, masks, roles, premade)| {
                // Keep the brute force affordable: 2 teams up to 16 players, more
                // teams up to 12.
                if teams * size > max_players || (teams > 2 && teams * size > 12) {
                    return None;
                }
                let format = MatchFormat::teams_of(teams, size).unwrap();
                let sizes = sizes_from(teams * size, size.min(3), &picks);
                let roles = (roles && size >= 2)
                    .then(|| RoleComposition::new([("tank", 1), ("healer", 1)]));
                let ratings: Vec<f64> = ratings.iter().map(|r| r.round()).collect();
                Some(Case {
                    format,
                    tickets: tickets_for(&sizes, &ratings, &masks),
                    roles,
                    premade,
                })
            },
        )
}

fn roles_fill(roles: &RoleComposition, team_size: u32, players: &[Vec<String>]) -> bool {
    let mut slots: Vec<Option<String>> = Vec::new();
    for s in &roles.slots {
        for _ in 0..s.count {
            slots.push(Some(s.role.to_string()));
        }
    }
    while slots.len() < team_size as usize {
        slots.push(None);
    }
    fn go(players: &[Vec<String>], slots: &[Option<String>], used: &mut Vec<bool>) -> bool {
        let Some((first, rest)) = players.split_first() else {
            return true;
        };
        (0..slots.len()).any(|i| {
            let fits = !used[i]
                && slots[i]
                    .as_ref()
                    .is_none_or(|role| first.is_empty() || first.contains(role));
            if fits {
                used[i] = true;
                let ok = go(rest, slots, used);
                used[i] = false;
                ok
            } else {
                false
            }
        })
    }
    players.len() == slots.len() && go(players, &slots, &mut vec![false; slots.len()])
}

/// The optimum by enumerating every assignment of tickets to teams that fits
/// the team sizes (a plain depth-first enumeration, no bounds).
fn brute_force(c: &Case) -> Option<f64> {
    fn go(
        c: &Case,
        i: usize,
        team_of: &mut Vec<usize>,
        fill: &mut Vec<u32>,
        best: &mut Option<f64>,
    ) {
        let sizes = c.format.team_sizes();
        let k = sizes.len();
        if i == c.tickets.len() {
            let mut sums = vec![0.0; k];
            let mut largest = vec![0u32; k];
            for (j, t) in c.tickets.iter().enumerate() {
                sums[team_of[j]] += t.rating().rating() * t.size() as f64;
                largest[team_of[j]] = largest[team_of[j]].max(t.size() as u32);
            }
            let premade_ok = c
                .premade
                .is_none_or(|l| largest.iter().max().unwrap() - largest.iter().min().unwrap() <= l);
            let roles_ok = c.roles.as_ref().is_none_or(|roles| {
                (0..k).all(|team| {
                    let players: Vec<Vec<String>> = c
                        .tickets
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| team_of[*j] == team)
                        .flat_map(|(_, t)| {
                            t.players()
                                .iter()
                                .map(|p| p.roles.iter().map(ToString::to_string).collect())
                        })
                        .collect();
                    roles_fill(roles, sizes[team], &players)
                })
            });
            if premade_ok && roles_ok {
                let means: Vec<f64> = (0..k).map(|t| sums[t] / f64::from(sizes[t])).collect();
                let imb = means.iter().copied().fold(f64::MIN, f64::max)
                    - means.iter().copied().fold(f64::MAX, f64::min);
                *best = Some(best.map_or(imb, |b: f64| b.min(imb)));
            }
            return;
        }
        let size = c.tickets[i].size() as u32;
        for team in 0..k {
            if fill[team] + size <= sizes[team] {
                fill[team] += size;
                team_of[i] = team;
                go(c, i + 1, team_of, fill, best);
                fill[team] -= size;
            }
        }
    }
    let mut best = None;
    let k = c.format.teams();
    go(
        c,
        0,
        &mut vec![0; c.tickets.len()],
        &mut vec![0; k],
        &mut best,
    );
    best
}

fn check_split(c: &Case, split: &matchforge_core::teams::TeamSplit) -> Result<(), TestCaseError> {
    for (team, &size) in c.format.team_sizes().iter().enumerate() {
        prop_assert_eq!(
            split
                .seats
                .iter()
                .filter(|s| s.team as usize == team)
                .count() as u32,
            size
        );
    }
    for (i, t) in c.tickets.iter().enumerate() {
        for p in t.players() {
            let seat = split.seats.iter().find(|s| s.player == p.id).unwrap();
            prop_assert_eq!(seat.team, split.team_of_ticket[i], "party split");
        }
    }
    prop_assert!(split.lower_bound <= split.imbalance + 1e-9);
    // Roles as `Seat::role` and `RoleComposition` document them: a team's
    // places are `count` of each composition role, filled by players who
    // accept it (list it, or list nothing), and open places, which report
    // the player's first preference (none if they listed none). So each
    // role is seated at least `count` times, and beyond the role places
    // only by players who list it first; every other seat is open.
    if let Some(roles) = &c.roles {
        let players: Vec<&TicketPlayer> = c.tickets.iter().flat_map(|t| t.players()).collect();
        let player_of = |seat: &Seat| *players.iter().find(|p| p.id == seat.player).unwrap();
        for team in 0..c.format.teams() {
            let seats: Vec<&Seat> = split
                .seats
                .iter()
                .filter(|s| usize::from(s.team) == team)
                .collect();
            for slot in &roles.slots {
                let seated: Vec<&TicketPlayer> = seats
                    .iter()
                    .filter(|s| s.role.as_ref() == Some(&slot.role))
                    .map(|s| player_of(s))
                    .collect();
                // Seated in this role but not their first preference: only a
                // role place explains it.
                let placed = seated
                    .iter()
                    .filter(|p| p.roles.first() != Some(&slot.role))
                    .count() as u32;
                prop_assert!(
                    placed <= slot.count && slot.count <= seated.len() as u32,
                    "team {} seats {} {} ({} not as first preference) for {} places",
                    team,
                    seated.len(),
                    slot.role,
                    placed,
                    slot.count
                );
                for p in &seated {
                    prop_assert!(
                        p.roles.is_empty() || p.roles.contains(&slot.role),
                        "{} seated as {} but lists {:?}",
                        p.id,
                        slot.role,
                        p.roles
                    );
                }
            }
            for seat in &seats {
                let in_composition = seat
                    .role
                    .as_ref()
                    .is_some_and(|r| roles.index_of(r.as_str()).is_some());
                if !in_composition {
                    // An open place: the player's first preference, if any.
                    prop_assert_eq!(seat.role.as_ref(), player_of(seat).roles.first());
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn exact_up_to_sixteen_players(c in case(16)) {
        let got = balance_teams(&c.format, &c.tickets, c.roles.as_ref(), c.premade);
        match (brute_force(&c), got) {
            (None, Err(_)) => {}
            (Some(best), Ok(split)) => {
                prop_assert!(split.exact);
                prop_assert!((split.imbalance - best).abs() < 1e-6, "got {} want {}", split.imbalance, best);
                check_split(&c, &split)?;
            }
            (want, got) => prop_assert!(false, "brute force {want:?}, balancer {got:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Above 16 players (two teams of 9 or 10), the heuristic's split is valid and
    /// its lower bound does not exceed the brute-force optimum.
    #[test]
    fn heuristic_bound_is_sound(
        size in 9u32..=10,
        picks in proptest::collection::vec(0u32..10, 1..20),
        ratings in proptest::collection::vec(1000.0..2000.0f64, 1..40),
    ) {
        let sizes = sizes_from(2 * size, 2, &picks);
        let ratings: Vec<f64> = ratings.iter().map(|r| r.round()).collect();
        let c = Case {
            format: MatchFormat::teams_of(2, size).unwrap(),
            tickets: tickets_for(&sizes, &ratings, &[0]),
            roles: None,
            premade: None,
        };
        let Some(best) = brute_force(&c) else {
            // e.g. only duos for teams of 9: no split exists, and none is claimed.
            prop_assert!(balance_teams(&c.format, &c.tickets, None, None).is_err());
            return Ok(());
        };
        let split = balance_teams(&c.format, &c.tickets, None, None).unwrap();
        check_split(&c, &split)?;
        prop_assert!(split.imbalance >= best - 1e-6);
        prop_assert!(split.lower_bound <= best + 1e-6, "bound {} above optimum {}", split.lower_bound, best);
    }
}

#[test]
fn large_matches_report_a_small_gap() {
    // 100 v 100 solos with spread-out ratings: the heuristic should land very
    // close to its lower bound.
    let ratings: Vec<f64> = (0..200)
        .map(|i| 1000.0 + f64::from((i * 37) % 1000))
        .collect();
    let sizes = vec![1; 200];
    let tickets = tickets_for(&sizes, &ratings, &[0]);
    let format = MatchFormat::teams_of(2, 100).unwrap();
    let split = balance_teams(&format, &tickets, None, None).unwrap();
    assert!(!split.exact);
    assert!(split.lower_bound <= split.imbalance);
    assert!(
        split.imbalance - split.lower_bound < 1.0,
        "gap {} too large",
        split.imbalance - split.lower_bound
    );
    // Parties of 1..3 over four teams of 50: valid, with the trivial bound.
    let sizes = sizes_from(200, 3, &[0, 1, 2, 0, 0, 1]);
    let tickets = tickets_for(&sizes, &ratings, &[0]);
    let format = MatchFormat::teams_of(4, 50).unwrap();
    let split = balance_teams(&format, &tickets, None, None).unwrap();
    assert_eq!(split.seats.len(), 200);
    assert_eq!(split.lower_bound, 0.0);
    assert!(split.imbalance < 20.0, "imbalance {}", split.imbalance);
}

/// Two teams of 20 whose only split within a premade limit of 0 gives each a
/// five-stack: a five-stack, then groups of 1 to 3, twice.
fn stacked_teams(picks: &[u32]) -> Vec<u32> {
    let team: Vec<u32> = std::iter::once(5).chain(sizes_from(15, 3, picks)).collect();
    team.iter().chain(&team).copied().collect()
}

/// The largest party on each of two teams, `team_of` giving a ticket's team.
fn largest_parties(tickets: &[Ticket], team_of: impl Fn(usize, &Ticket) -> u16) -> [usize; 2] {
    let mut largest = [0; 2];
    for (i, ticket) in tickets.iter().enumerate() {
        let team = &mut largest[usize::from(team_of(i, ticket))];
        *team = (*team).max(ticket.size());
    }
    largest
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Above 16 players with a premade limit: when a split within the limit
    /// exists, the heuristic returns one. Its local search may trade a
    /// five-stack for a trio and a duo, which would leave it outside the limit.
    #[test]
    fn large_matches_keep_the_premade_limit(
        picks in proptest::collection::vec(0u32..10, 1..20),
        ratings in proptest::collection::vec(1000.0..2000.0f64, 1..60),
        limit in 0u32..2,
    ) {
        let c = Case {
            format: MatchFormat::teams_of(2, 20).unwrap(),
            tickets: tickets_for(&stacked_teams(&picks), &ratings, &[0]),
            roles: None,
            premade: Some(limit),
        };
        let split = balance_teams(&c.format, &c.tickets, None, c.premade);
        prop_assert!(split.is_ok(), "no split found: {:?}", split.err());
        let split = split.unwrap();
        check_split(&c, &split)?;
        let [a, b] = largest_parties(&c.tickets, |i, _| split.team_of_ticket[i]);
        prop_assert!(a.abs_diff(b) as u32 <= limit, "largest parties {} and {}", a, b);
    }

    /// The same through the matcher: it keeps a set once its search's
    /// placement is within the limit, and the balancer must then find a split
    /// within it too.
    #[test]
    fn matcher_keeps_the_premade_limit_beyond_the_exact_balancer(
        picks in proptest::collection::vec(0u32..10, 1..20),
        ratings in proptest::collection::vec(1000.0..2000.0f64, 1..60),
        limit in 0u32..2,
    ) {
        let tickets = tickets_for(&stacked_teams(&picks), &ratings, &[0]);
        let config = QueueSpec::new("q", MatchFormat::teams_of(2, 20).unwrap())
            .with_rating_window(Widening::fixed(2000.0).unwrap())
            .with_premade_matching(Widening::fixed(f64::from(limit)).unwrap())
            .build()
            .unwrap();
        let now = tickets[0].enqueued_at();
        let outcome = Matcher::new(config).find_matches(&tickets, now);
        prop_assert_eq!(outcome.proposals.len(), 1);
        let p = &outcome.proposals[0];
        let [a, b] = largest_parties(&tickets, |_, t| {
            p.seats.iter().find(|s| s.ticket == t.id()).map_or(0, |s| s.team)
        });
        prop_assert!(a.abs_diff(b) as u32 <= limit, "largest parties {} and {}", a, b);
    }
}

/// A composition with more fixed places than a team has is refused as a
/// configuration error, as `QueueSpec::build` refuses it, rather than
/// overflowing a place count inside the solver (a panic in debug builds, a
/// misleading "no valid teams" in release).
#[test]
fn compositions_bigger_than_a_team_are_invalid_config() {
    use matchforge_core::Error;
    let cases = [
        (
            MatchFormat::two_v_two(),
            RoleComposition::new([("tank", 1), ("healer", 1), ("dps", 3)]),
        ),
        (
            MatchFormat::one_v_one(),
            RoleComposition::new([("tank", 2)]),
        ),
        (
            MatchFormat::teams_of(2, 10).unwrap(),
            RoleComposition::new([("tank", 11)]),
        ),
    ];
    for (format, roles) in cases {
        let sizes = vec![1; format.players() as usize];
        let tickets = tickets_for(&sizes, &[1500.0], &[0]);
        match balance_teams(&format, &tickets, Some(&roles), None) {
            Err(Error::InvalidConfig(msg)) => {
                assert!(msg.contains("players per team"), "{}: {msg}", format.name());
            }
            other => panic!("{}: {other:?}", format.name()),
        }
    }
}

/// A ticket of `id` whose players (one per entry of `roles`, each listing the
/// roles they accept) all count with `rating`.
fn ticket_with_roles(id: u128, rating: f64, roles: &[Vec<String>]) -> Ticket {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut b = Ticket::builder(TicketId::from_u128(id), QueueName::new("q"), at);
    if roles.len() > 1 {
        b = b.party(PartyId::from_u128(id));
    }
    for (k, player_roles) in roles.iter().enumerate() {
        b = b.player(
            TicketPlayer::new(
                PlayerId::from_u128(id * 100 + k as u128),
                Rating::new(rating, 50.0, 0.06).unwrap(),
            )
            .with_roles(player_roles.iter().map(String::as_str)),
        );
    }
    b.build(&PartyRating::Average).unwrap()
}

/// Whether players accepting these roles (none: any) can fill a team of
/// `size` with `roles`: a bipartite matching of players to places, by
/// augmenting paths, independent of the balancer's own checks.
fn team_fills(
    roles: &RoleComposition,
    size: u32,
    players: &[&[matchforge_core::ids::Role]],
) -> bool {
    let mut places: Vec<Option<&str>> = roles
        .slots
        .iter()
        .flat_map(|s| std::iter::repeat_n(Some(s.role.as_str()), s.count as usize))
        .collect();
    if places.len() > size as usize || players.len() != size as usize {
        return false;
    }
    places.resize(size as usize, None);
    let fits = |i: usize, place: usize| {
        places[place]
            .is_none_or(|r| players[i].is_empty() || players[i].iter().any(|x| x.as_str() == r))
    };
    fn augment(
        i: usize,
        fits: &dyn Fn(usize, usize) -> bool,
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for place in 0..owner.len() {
            if fits(i, place) && !seen[place] {
                seen[place] = true;
                if owner[place].is_none_or(|j| augment(j, fits, seen, owner)) {
                    owner[place] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    let mut owner = vec![None; places.len()];
    (0..players.len()).all(|i| augment(i, &fits, &mut vec![false; places.len()], &mut owner))
}

/// Checks a split of `tickets` against everything it promises: full teams,
/// parties whole, the premade limit, every team able to field `roles`, and
/// seats whose roles fill the composition with roles their players accept.
fn check_valid(
    format: &MatchFormat,
    tickets: &[Ticket],
    roles: &RoleComposition,
    premade: Option<u32>,
    split: &matchforge_core::teams::TeamSplit,
) -> Result<(), TestCaseError> {
    let c = Case {
        format: format.clone(),
        tickets: tickets.to_vec(),
        roles: Some(roles.clone()),
        premade,
    };
    check_split(&c, split)?;
    let teams = format.teams();
    let mut largest = vec![0; teams];
    for (i, t) in tickets.iter().enumerate() {
        let team = usize::from(split.team_of_ticket[i]);
        largest[team] = largest[team].max(t.size());
    }
    if let Some(limit) = premade {
        let (hi, lo) = (largest.iter().max().unwrap(), largest.iter().min().unwrap());
        prop_assert!((hi - lo) as u32 <= limit, "largest parties {:?}", largest);
    }
    for (team, &size) in format.team_sizes().iter().enumerate() {
        let players: Vec<&[matchforge_core::ids::Role]> = tickets
            .iter()
            .enumerate()
            .filter(|(i, _)| usize::from(split.team_of_ticket[*i]) == team)
            .flat_map(|(_, t)| t.players().iter().map(|p| p.roles.as_slice()))
            .collect();
        prop_assert!(
            team_fills(roles, size, &players),
            "team {} cannot field the roles",
            team
        );
        for slot in &roles.slots {
            let seated = split
                .seats
                .iter()
                .filter(|s| usize::from(s.team) == team && s.role.as_ref() == Some(&slot.role))
                .count();
            prop_assert!(
                seated as u32 >= slot.count,
                "team {} seats {} {}",
                team,
                seated,
                slot.role
            );
        }
    }
    for seat in &split.seats {
        let player = tickets
            .iter()
            .flat_map(|t| t.players())
            .find(|p| p.id == seat.player)
            .unwrap();
        if let Some(role) = &seat.role {
            prop_assert!(
                player.roles.contains(role)
                    || (player.roles.is_empty() && roles.index_of(role.as_str()).is_some()),
                "seat role {} not accepted",
                role
            );
        }
    }
    Ok(())
}

/// Six roles of one place each, teams of 10 and 9, a premade limit of 0: a
/// valid split exists (the two duos on different teams), but the search,
/// which checked six roles only once a split was complete and the premade
/// limit likewise, spent its node budget with both duos on one team, and the
/// local search that followed could not repair a role-blind packing.
#[test]
fn six_roles_and_a_premade_limit_find_the_valid_split() {
    let roles = RoleComposition::new(
        ["tank", "healer", "dps", "support", "scout", "sniper"].map(|r| (r, 1)),
    );
    let list = |names: &[&str]| names.iter().map(ToString::to_string).collect::<Vec<_>>();
    let tickets_spec: [(f64, Vec<Vec<String>>); 17] = [
        (1133.0, vec![list(&["dps"])]),
        (1207.0, vec![list(&["sniper"])]),
        (1259.0, vec![list(&["support"])]),
        (1019.0, vec![list(&["healer"])]),
        (1098.0, vec![list(&["scout"])]),
        (1660.0, vec![list(&["sniper"])]),
        (1502.0, vec![list(&["scout"])]),
        (1684.0, vec![list(&["sniper"])]),
        (1165.0, vec![list(&["support"])]),
        (1325.0, vec![list(&["sniper"])]),
        (1028.0, vec![list(&["support"])]),
        (1849.0, vec![list(&["tank"]), list(&["scout"])]),
        (1936.0, vec![list(&["support"])]),
        (1432.0, vec![list(&["dps"])]),
        (1571.0, vec![list(&["healer"])]),
        (1752.0, vec![list(&["scout"]), list(&["scout"])]),
        (1702.0, vec![list(&["tank"])]),
    ];
    let tickets: Vec<Ticket> = tickets_spec
        .iter()
        .enumerate()
        .map(|(i, (rating, players))| ticket_with_roles(i as u128 + 1, *rating, players))
        .collect();
    let format = MatchFormat::custom(vec![10, 9]).unwrap();
    let split = balance_teams(&format, &tickets, Some(&roles), Some(0))
        .expect("a valid split exists: tickets 4, 6, 7, 8, 9, 11, 14, 16 and 17 against the rest");
    check_valid(&format, &tickets, &roles, Some(0), &split).unwrap();
}

const MANY_ROLES: [&str; 8] = [
    "tank", "healer", "dps", "support", "scout", "sniper", "medic", "pilot",
];

/// A large match built around a valid split, then shuffled.
#[derive(Debug, Clone)]
struct Feasible {
    format: MatchFormat,
    tickets: Vec<Ticket>,
    roles: RoleComposition,
    premade: Option<u32>,
}

/// Tiny deterministic generator for a case's details (who accepts which
/// roles, party cuts, ratings, order), so a case is its shape plus a seed.
struct Xorshift(u64);
impl Xorshift {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }
}

/// 2 to 4 teams beyond 16 players, up to 8 roles of 1 or 2 places, parties
/// up to `max_party`, and sometimes a premade limit: each team is made first
/// (a player for every role place who accepts that role, perhaps among
/// others; open places for anyone), cut into parties, and then all tickets
/// are shuffled together.
fn feasible_large_case() -> impl Strategy<Value = Feasible> {
    (
        2usize..=4,
        proptest::collection::vec(0u32..1000, 4),
        proptest::collection::vec(1u32..=2, 1..=8),
        1u32..=5,
        proptest::option::weighted(0.6, 0u32..=1),
        any::<u64>(),
    )
        .prop_map(|(teams, size_picks, counts, max_party, slack, seed)| {
            let sizes: Vec<u32> = size_picks[..teams]
                .iter()
                .map(|p| if teams == 2 { 9 + p % 16 } else { 6 + p % 15 })
                .collect();
            let smallest = *sizes.iter().min().unwrap();
            let mut fixed = 0;
            let counts: Vec<u32> = counts
                .into_iter()
                .take_while(|c| {
                    fixed += c;
                    fixed <= smallest
                })
                .collect();
            let roles =
                RoleComposition::new(counts.iter().enumerate().map(|(r, &c)| (MANY_ROLES[r], c)));
            let mut rng = Xorshift(seed | 1);
            let n = counts.len() as u32;
            // A role index, or one the queue does not know.
            let any_role = |rng: &mut Xorshift| match rng.below(n + 1) {
                r if r == n => "x".to_string(),
                r => MANY_ROLES[r as usize].to_string(),
            };
            let mut groups: Vec<Vec<Vec<String>>> = Vec::new();
            let mut largest = Vec::new();
            for &size in &sizes {
                let mut players: Vec<Vec<String>> = Vec::new();
                for (r, &c) in counts.iter().enumerate() {
                    for _ in 0..c {
                        let mut list = vec![MANY_ROLES[r].to_string()];
                        for _ in 0..rng.below(3) {
                            let extra = any_role(&mut rng);
                            if !list.contains(&extra) {
                                list.push(extra);
                            }
                        }
                        let first = rng.below(list.len() as u32) as usize;
                        list.swap(0, first);
                        players.push(list);
                    }
                }
                while (players.len() as u32) < size {
                    let mut list = Vec::new();
                    if rng.below(4) != 0 {
                        for _ in 0..=rng.below(2) {
                            let role = any_role(&mut rng);
                            if !list.contains(&role) {
                                list.push(role);
                            }
                        }
                    }
                    players.push(list);
                }
                for i in (1..players.len()).rev() {
                    players.swap(i, rng.below(i as u32 + 1) as usize);
                }
                let mut biggest = 0;
                while !players.is_empty() {
                    let party = if rng.below(2) == 0 {
                        1
                    } else {
                        1 + rng.below(max_party)
                    };
                    let party = (party as usize).min(players.len());
                    biggest = biggest.max(party);
                    groups.push(players.drain(..party).collect());
                }
                largest.push(biggest as u32);
            }
            for i in (1..groups.len()).rev() {
                groups.swap(i, rng.below(i as u32 + 1) as usize);
            }
            let tickets = groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    ticket_with_roles(i as u128 + 1, f64::from(1000 + rng.below(1000)), g)
                })
                .collect();
            let spread = largest.iter().max().unwrap() - largest.iter().min().unwrap();
            Feasible {
                format: MatchFormat::custom(sizes).unwrap(),
                tickets,
                roles,
                premade: slack.map(|s| spread + s),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Beyond 16 players, with many roles, parties and premade limits: when
    /// a valid split exists (these are built around one), one is found.
    #[test]
    fn large_role_constrained_matches_find_a_valid_split(c in feasible_large_case()) {
        let split = balance_teams(&c.format, &c.tickets, Some(&c.roles), c.premade);
        prop_assert!(split.is_ok(), "no split found: {:?}", split.err());
        check_valid(&c.format, &c.tickets, &c.roles, c.premade, &split.unwrap())?;
    }
}

/// Ratings near `f64::MAX` are valid (`Rating::new` takes any finite
/// number), but a team's rating mass, rating × players, overflowed: the
/// exact search compared NaN imbalances and reported that no split keeps
/// parties whole, and a large match came back with a NaN imbalance. Every
/// case here has a perfect split; the figures reported must be finite.
#[test]
fn ratings_near_the_largest_float_balance() {
    let m = f64::MAX;
    let alternating =
        |n: usize| -> Vec<f64> { (0..n).map(|i| if i % 2 == 0 { m } else { -m }).collect() };
    let cases: [(MatchFormat, Vec<f64>); 7] = [
        (MatchFormat::two_v_two(), vec![m; 4]),
        (MatchFormat::two_v_two(), vec![m, m, 0.0, 0.0]),
        (MatchFormat::two_v_two(), alternating(4)),
        (MatchFormat::teams_of(3, 2).unwrap(), vec![m; 6]),
        (MatchFormat::teams_of(2, 10).unwrap(), alternating(20)),
        (MatchFormat::teams_of(3, 10).unwrap(), vec![m; 30]),
        (MatchFormat::teams_of(2, 100).unwrap(), vec![1e307; 200]),
    ];
    for (format, ratings) in cases {
        let tickets = tickets_for(&vec![1; ratings.len()], &ratings, &[0]);
        let split = balance_teams(&format, &tickets, None, None)
            .unwrap_or_else(|e| panic!("{}: {e}", format.name()));
        // Perfect up to rounding: +m and -m cancel only to within the last
        // bits of m.
        let tolerance = 1e-12 * ratings[0];
        assert!(
            split.imbalance <= tolerance,
            "{}: {}",
            format.name(),
            split.imbalance
        );
        assert!(split.lower_bound <= split.imbalance, "{}", format.name());
        assert!(
            split.team_means.iter().all(|m| m.is_finite()),
            "{}: {:?}",
            format.name(),
            split.team_means
        );
    }
    // The spread of two means can exceed the largest float: it saturates.
    let tickets = tickets_for(&[1, 1], &[m, -m], &[0]);
    let split = balance_teams(&MatchFormat::one_v_one(), &tickets, None, None).unwrap();
    assert_eq!((split.imbalance, split.lower_bound), (m, m));
    // The matcher balances with the same solver.
    let tickets = tickets_for(&[1; 10], &[m], &[0]);
    let config = QueueSpec::new("q", MatchFormat::five_v_five())
        .with_rating_window(Widening::fixed(2000.0).unwrap())
        .build()
        .unwrap();
    let outcome = Matcher::new(config).find_matches(&tickets, tickets[0].enqueued_at());
    assert_eq!(outcome.proposals.len(), 1);
    let quality = outcome.proposals[0].quality;
    assert_eq!(
        (quality.team_imbalance, quality.imbalance_lower_bound),
        (0.0, 0.0)
    );
}

/// A ticket given twice, or a player on two tickets, is refused: the split
/// used to seat the same player once on each team.
#[test]
fn tickets_and_players_must_be_distinct() {
    use matchforge_core::Error;
    let tickets = tickets_for(&[1, 1, 1], &[1500.0, 1600.0, 1700.0], &[0]);
    let twice = [
        tickets[0].clone(),
        tickets[0].clone(),
        tickets[1].clone(),
        tickets[2].clone(),
    ];
    match balance_teams(&MatchFormat::two_v_two(), &twice, None, None) {
        Err(Error::InvalidTicket(msg)) => assert!(msg.contains("appears twice"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // The first player again, on a ticket of its own.
    let at = tickets[0].enqueued_at();
    let again = Ticket::builder(TicketId::from_u128(99), QueueName::new("q"), at)
        .player(tickets[0].players()[0].clone())
        .build(&PartyRating::Average)
        .unwrap();
    let shared = [
        tickets[0].clone(),
        again,
        tickets[1].clone(),
        tickets[2].clone(),
    ];
    match balance_teams(&MatchFormat::two_v_two(), &shared, None, None) {
        Err(Error::InvalidTicket(msg)) => assert!(msg.contains("is on tickets"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

/// The split does not depend on the order the tickets come in: each ticket
/// keeps its team and each player their role, with the same team means,
/// imbalance and bound. (Ties between equal ratings, and the large-match search, went by
/// the given order: 40 teams of 5 had an imbalance of 1.09 or 1.49.)
#[test]
fn splits_do_not_depend_on_the_tickets_order() {
    let mut x = 12345u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let ratings: Vec<f64> = (0..200).map(|_| 1000.0 + (next() % 1000) as f64).collect();
    let roles = RoleComposition::new([("tank", 1), ("healer", 1)]);
    let cases = [
        (MatchFormat::three_v_three(), vec![1; 6], None),
        (
            MatchFormat::teams_of(2, 8).unwrap(),
            sizes_from(16, 3, &[0, 1, 2]),
            Some(&roles),
        ),
        (MatchFormat::teams_of(40, 5).unwrap(), vec![1; 200], None),
        (
            MatchFormat::teams_of(4, 50).unwrap(),
            sizes_from(200, 3, &[2, 0, 1]),
            Some(&roles),
        ),
        (MatchFormat::teams_of(2, 100).unwrap(), vec![1; 200], None),
    ];
    for (format, sizes, roles) in cases {
        // Few distinct ratings in the small cases, so that ties abound.
        let ratings = if sizes.len() <= 16 {
            &ratings[..3]
        } else {
            &ratings[..]
        };
        let tickets = tickets_for(&sizes, ratings, &[0, 1, 2, 3]);
        let team_and_roles = |tickets: &[Ticket]| {
            let split = balance_teams(&format, tickets, roles, None).unwrap();
            let mut seats = split.seats.clone();
            seats.sort_by_key(|s| s.player);
            let means = split.team_means.clone();
            (
                seats,
                means,
                split.imbalance,
                split.lower_bound,
                split.exact,
            )
        };
        let want = team_and_roles(&tickets);
        let mut shuffled = tickets.clone();
        for round in 0..3 {
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            assert!(
                want == team_and_roles(&shuffled),
                "{} round {round}",
                format.name()
            );
        }
    }
}

/// Fifteen roles of three places each, teams of 45, every player listing two
/// roles, more first choices of some roles than places: the role assignment's
/// dynamic programme, one cell per player and combination of places left
/// (4^15 of them), asked for 48 GB and aborted the process. A valid split
/// with every role filled comes back.
#[test]
fn many_roles_with_many_places_are_assigned() {
    let names: Vec<String> = (0..15).map(|r| format!("role{r}")).collect();
    let roles = RoleComposition::new(names.iter().map(|r| (r.as_str(), 3)));
    let mut id = 0;
    let mut tickets = Vec::new();
    for _team in 0..2 {
        for r in 0..15 {
            // Roles 0, 2, …, 12 are the first choice of 4 players, the odd
            // ones of 2 and role 14 of 3: 45 players, and each even role's
            // fourth player can move on to their second choice, the next
            // role.
            let first_choices = match r {
                14 => 3,
                r if r % 2 == 0 => 4,
                _ => 2,
            };
            for _ in 0..first_choices {
                id += 1;
                let list = vec![names[r].clone(), names[(r + 1) % 15].clone()];
                tickets.push(ticket_with_roles(
                    id,
                    1000.0 + f64::from(id as u32 % 7),
                    &[list],
                ));
            }
        }
    }
    let format = MatchFormat::teams_of(2, 45).unwrap();
    let split = balance_teams(&format, &tickets, Some(&roles), None).unwrap();
    check_valid(&format, &tickets, &roles, None, &split).unwrap();
}

/// Parties only, no solo players to fill a gap: each team's room must be
/// made of whole parties. The last-resort search placed parties until a
/// team was left with an odd room and only duos to come, and ran out of
/// placements backtracking (a split existed in each case).
#[test]
fn parties_only_matches_find_a_valid_split() {
    let cases: [(MatchFormat, Vec<u32>, Option<u32>); 3] = [
        // Teams of 50: 5 quads each, then 4 trios and 9 duos or 6 and 6.
        (
            MatchFormat::teams_of(4, 50).unwrap(),
            [vec![4; 20], vec![3; 20], vec![2; 30]].concat(),
            Some(1),
        ),
        // 10 trios and 8 duos per team of 46, dealt in turn.
        (
            MatchFormat::teams_of(3, 46).unwrap(),
            (0..54).map(|i| if i % 9 < 5 { 3 } else { 2 }).collect(),
            Some(1),
        ),
        (
            MatchFormat::teams_of(3, 46).unwrap(),
            (0..54).map(|i| if i % 9 < 5 { 3 } else { 2 }).collect(),
            None,
        ),
    ];
    for (format, sizes, premade) in cases {
        assert_eq!(sizes.iter().sum::<u32>(), format.players());
        let ratings: Vec<f64> = (0..60).map(|i| 1000.0 + f64::from(i * 37 % 101)).collect();
        let tickets = tickets_for(&sizes, &ratings, &[0]);
        let split = balance_teams(&format, &tickets, None, premade);
        assert!(split.is_ok(), "{}: {:?}", format.name(), split.err());
    }
}

/// Many small teams: the local search only takes moves that lower the
/// highest-minus-lowest team mean, so from a poor start it stalls on the
/// flat stretch where no single swap touches both extremes. 100 teams of 2
/// solos came out with an imbalance of 757 points, where pairing the highest
/// rated with the lowest gives 34.5.
#[test]
fn many_small_teams_are_balanced() {
    let ratings: Vec<f64> = (0..200)
        .map(|i| 1000.0 + f64::from((i * 37) % 1000))
        .collect();
    let mut sorted = ratings.clone();
    sorted.sort_by(f64::total_cmp);
    let pair_means: Vec<f64> = (0..100)
        .map(|k| (sorted[k] + sorted[199 - k]) / 2.0)
        .collect();
    let paired = pair_means.iter().copied().fold(f64::MIN, f64::max)
        - pair_means.iter().copied().fold(f64::MAX, f64::min);
    let tickets = tickets_for(&[1; 200], &ratings, &[0]);
    let format = MatchFormat::teams_of(100, 2).unwrap();
    let split = balance_teams(&format, &tickets, None, None).unwrap();
    assert!(
        split.imbalance <= paired + 1e-9,
        "imbalance {}, pairing gives {paired}",
        split.imbalance
    );
    // Forty teams of five, parties of 1 to 3: 216 points before, 107.4 now.
    let sizes = sizes_from(200, 3, &[0, 1, 2, 0, 0, 1]);
    let tickets = tickets_for(&sizes, &ratings, &[0]);
    let format = MatchFormat::teams_of(40, 5).unwrap();
    let split = balance_teams(&format, &tickets, None, None).unwrap();
    assert_eq!(split.seats.len(), 200);
    assert!(split.imbalance < 150.0, "imbalance {}", split.imbalance);
}

/// More than two teams beyond 16 players: once balanced, re-splitting the
/// teams with the highest and the lowest mean exactly (as a two-team match of
/// their tickets) cannot lower the spread of team means. The swaps of the
/// local search alone left twelve teams of six (parties of up to three) at a
/// spread of 3.95 that such a re-split lowers to 2.80, and six teams of six
/// with roles at 4.69 (now 3.78).
#[test]
fn no_two_teams_can_be_resplit_to_a_smaller_spread() {
    // Spread-out ratings in a scrambled order, without a random generator.
    let ratings: Vec<f64> = (0..400u64)
        .map(|i| 1000.0 + ((i * 7919 + 13) % 1009) as f64 + ((i * 31) % 97) as f64 / 97.0)
        .collect();
    let roles = RoleComposition::new([("tank", 1), ("healer", 1)]);
    let cases: [(u32, u32, Vec<u32>, bool); 5] = [
        (40, 5, vec![1; 200], false),
        (12, 6, sizes_from(72, 3, &[0, 0, 1, 2, 0, 1]), false),
        (8, 8, sizes_from(64, 4, &[0, 3, 1, 0, 2, 0, 0]), false),
        (20, 5, sizes_from(100, 2, &[0, 0, 1]), true),
        (6, 6, vec![1; 36], true),
    ];
    for (teams, size, sizes, with_roles) in cases {
        let format = MatchFormat::teams_of(teams, size).unwrap();
        let tickets = tickets_for(&sizes, &ratings, &[1, 2, 3, 3, 0]);
        let roles = with_roles.then_some(&roles);
        let split = balance_teams(&format, &tickets, roles, None).unwrap();
        let spread = |means: &[f64]| {
            means.iter().copied().fold(f64::MIN, f64::max)
                - means.iter().copied().fold(f64::MAX, f64::min)
        };
        let means = &split.team_means;
        let team = |pick: fn(f64, f64) -> bool| {
            (0..means.len())
                .reduce(|a, b| if pick(means[b], means[a]) { b } else { a })
                .unwrap()
        };
        let (hi, lo) = (team(|a, b| a > b), team(|a, b| a < b));
        let pair: Vec<Ticket> = tickets
            .iter()
            .zip(&split.team_of_ticket)
            .filter(|&(_, &t)| usize::from(t) == hi || usize::from(t) == lo)
            .map(|(t, _)| t.clone())
            .collect();
        let resplit =
            balance_teams(&MatchFormat::teams_of(2, size).unwrap(), &pair, roles, None).unwrap();
        assert!(resplit.exact);
        let mut after = means.clone();
        (after[hi], after[lo]) = (resplit.team_means[0], resplit.team_means[1]);
        assert!(
            spread(&after) >= spread(means) - 1e-9,
            "{teams} teams of {size}: spread {} where re-splitting teams {hi} and {lo} gives {}",
            spread(means),
            spread(&after)
        );
        assert!(split.lower_bound <= split.imbalance);
    }
}

/// Without roles or a premade limit only the parties' sizes decide whether a
/// split exists, and the balancer decides it: twenty trios and four solo
/// players cannot make eight teams of eight (a team holds two trios at
/// most), which the budgeted searches could only report as "none found
/// within the search budget (one may exist)".
#[test]
fn party_sizes_alone_decide_whether_a_split_exists() {
    let sizes = [vec![3; 20], vec![1; 4]].concat();
    let ratings: Vec<f64> = (0..64).map(|i| 1000.0 + f64::from(i * 13 % 64)).collect();
    let tickets = tickets_for(&sizes, &ratings, &[0]);
    let format = MatchFormat::teams_of(8, 8).unwrap();
    let err = balance_teams(&format, &tickets, None, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("keeps parties whole") && !err.contains("may exist"),
        "{err}"
    );

    // Matches of parties only (2 to 5 players), each dealt from a valid
    // split, with no solo player to fill a gap: every one is split.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |bound: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(bound)) as u32
    };
    let mut missed = Vec::new();
    for case in 0..200 {
        let teams = 2 + next(5);
        let size = (20 + next(80)).min(200 / teams);
        let mut sizes = Vec::new();
        for _ in 0..teams {
            let mut left = size;
            while left > 0 {
                // Never leave a single player: parties only.
                let mut s = (2 + next(4)).min(left);
                if left - s == 1 {
                    s = if s > 2 { s - 1 } else { s + 1 };
                }
                sizes.push(s);
                left -= s;
            }
        }
        // Deal the parties out of their teams' order.
        for i in (1..sizes.len()).rev() {
            sizes.swap(i, next(i as u32 + 1) as usize);
        }
        let tickets = tickets_for(&sizes, &ratings, &[0]);
        let format = MatchFormat::teams_of(teams, size).unwrap();
        if let Err(err) = balance_teams(&format, &tickets, None, None) {
            missed.push(format!("case {case}, {}: {err}", format.name()));
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

/// With a solo player among the parties the search over sizes had no cut:
/// it gave up after about 190 ms on matches that cannot be split, and on
/// one that can. (Found by review.)
#[test]
fn a_solo_player_among_parties_does_not_defeat_the_search_over_sizes() {
    // Duos and one solo player cannot fill three odd teams.
    let sizes = [vec![2; 67], vec![1]].concat();
    let tickets = tickets_for(&sizes, &[1500.0], &[0]);
    let format = MatchFormat::custom(vec![21, 20, 18, 18, 19, 18, 21]).unwrap();
    let err = balance_teams(&format, &tickets, None, None)
        .unwrap_err()
        .to_string();
    assert!(!err.contains("may exist"), "{err}");
    // A split exists.
    let sizes = [vec![5; 13], vec![4; 13], vec![3; 21], vec![1]].concat();
    let tickets = tickets_for(&sizes, &[1500.0, 1400.0, 1700.0], &[0]);
    let format = MatchFormat::custom(vec![27, 26, 26, 27, 27, 25, 23]).unwrap();
    let split = balance_teams(&format, &tickets, None, None).unwrap();
    assert_eq!(split.seats.len(), 181);
}

/// The lowest spread of team means that re-splitting one pair of teams of a
/// split (`team_of`, a team per ticket) can reach, with the pair that
/// reaches it: every assignment of the pair's tickets to its two teams that
/// fills both, keeps the premade limit against every team and lets both
/// field `roles`, by enumeration. Only pairs of at most 16 players, which the
/// balancer re-splits exactly.
fn best_pair_resplit(
    format: &MatchFormat,
    tickets: &[Ticket],
    roles: Option<&RoleComposition>,
    premade: Option<u32>,
    team_of: &[u16],
) -> (f64, usize, usize) {
    struct Pair<'a> {
        tickets: Vec<&'a Ticket>,
        sizes: [u32; 2],
        /// The other teams' lowest and highest mean, smallest and largest
        /// biggest party.
        means: (f64, f64),
        largest: (u32, u32),
        roles: Option<&'a RoleComposition>,
        premade: Option<u32>,
    }
    fn go(pair: &Pair<'_>, i: usize, side: &mut Vec<usize>, fill: &mut [u32; 2], best: &mut f64) {
        if i == pair.tickets.len() {
            if *fill != pair.sizes {
                return;
            }
            let mut sums = [0.0; 2];
            let mut largest = [0u32; 2];
            for (t, &s) in pair.tickets.iter().zip(side.iter()) {
                sums[s] += t.rating().rating() * t.size() as f64;
                largest[s] = largest[s].max(t.size() as u32);
            }
            let means = [
                sums[0] / f64::from(pair.sizes[0]),
                sums[1] / f64::from(pair.sizes[1]),
            ];
            let spread =
                means[0].max(means[1]).max(pair.means.1) - means[0].min(means[1]).min(pair.means.0);
            if spread >= *best {
                return;
            }
            let hi = largest[0].max(largest[1]).max(pair.largest.1);
            let lo = largest[0].min(largest[1]).min(pair.largest.0);
            if pair.premade.is_some_and(|limit| hi - lo > limit) {
                return;
            }
            let fields = |s: usize| {
                pair.roles.is_none_or(|roles| {
                    let players: Vec<&[matchforge_core::ids::Role]> = pair
                        .tickets
                        .iter()
                        .zip(side.iter())
                        .filter(|&(_, &x)| x == s)
                        .flat_map(|(t, _)| t.players().iter().map(|p| p.roles.as_slice()))
                        .collect();
                    team_fills(roles, pair.sizes[s], &players)
                })
            };
            if fields(0) && fields(1) {
                *best = spread;
            }
            return;
        }
        let size = pair.tickets[i].size() as u32;
        for s in 0..2 {
            if fill[s] + size <= pair.sizes[s] {
                fill[s] += size;
                side.push(s);
                go(pair, i + 1, side, fill, best);
                side.pop();
                fill[s] -= size;
            }
        }
    }
    let sizes = format.team_sizes();
    let teams = sizes.len();
    let mut sums = vec![0.0; teams];
    let mut largest = vec![0u32; teams];
    for (t, &team) in tickets.iter().zip(team_of) {
        let team = usize::from(team);
        sums[team] += t.rating().rating() * t.size() as f64;
        largest[team] = largest[team].max(t.size() as u32);
    }
    let means: Vec<f64> = (0..teams).map(|t| sums[t] / f64::from(sizes[t])).collect();
    let mut best = (f64::INFINITY, 0, 0);
    for a in 0..teams {
        for b in (a + 1)..teams {
            if sizes[a] + sizes[b] > 16 {
                continue;
            }
            let others = (0..teams).filter(|&t| t != a && t != b);
            let pair = Pair {
                tickets: tickets
                    .iter()
                    .zip(team_of)
                    .filter(|&(_, &t)| usize::from(t) == a || usize::from(t) == b)
                    .map(|(t, _)| t)
                    .collect(),
                sizes: [sizes[a], sizes[b]],
                means: others.clone().fold((f64::MAX, f64::MIN), |(lo, hi), t| {
                    (lo.min(means[t]), hi.max(means[t]))
                }),
                largest: others.fold((u32::MAX, 0), |(lo, hi), t| {
                    (lo.min(largest[t]), hi.max(largest[t]))
                }),
                roles,
                premade,
            };
            let mut spread = best.0;
            go(&pair, 0, &mut Vec::new(), &mut [0, 0], &mut spread);
            if spread < best.0 {
                best = (spread, a, b);
            }
        }
    }
    best
}

/// Checks that no re-split of one pair of teams (at most 16 players) lowers
/// the spread of `split`'s team means by more than rounding.
fn no_pair_resplit_helps(
    format: &MatchFormat,
    tickets: &[Ticket],
    roles: Option<&RoleComposition>,
    premade: Option<u32>,
    split: &matchforge_core::teams::TeamSplit,
) -> Result<(), TestCaseError> {
    let (best, a, b) = best_pair_resplit(format, tickets, roles, premade, &split.team_of_ticket);
    prop_assert!(
        best >= split.imbalance - 1e-9,
        "{}, premade limit {:?}: spread {} where re-splitting teams {} and {} gives {} (means {:?})",
        format.name(),
        premade,
        split.imbalance,
        a,
        b,
        best,
        split.team_means
    );
    Ok(())
}

/// Pairs re-split for the whole match. The pair's search used to return the
/// split that brings the pair's two means closest, and it was kept only if
/// it lowered the spread of all teams' means and kept the premade limit
/// against every team. With teams of different sizes the closest split can
/// overshoot a third team's mean where one farther apart lowers the spread;
/// with a premade limit the closest can break the limit against a third
/// team where another split keeps it. Both were found by a harness over
/// random matches; the re-split now searches the pair for the spread of
/// all teams, within the limit against all of them.
#[test]
fn pair_resplits_are_scored_for_the_whole_match() {
    // Teams of 7, 7 and 3 solo players: the balancer left a spread of 3.33
    // where re-splitting teams 0 and 1 gives 2.86.
    let ratings = [
        1330.0, 1990.0, 1800.0, 1240.0, 1460.0, 1780.0, 1120.0, 1260.0, 1480.0, 1660.0, 1230.0,
        1930.0, 1560.0, 1750.0, 1980.0, 1280.0, 1860.0,
    ];
    // Five teams of 7 with parties of up to 3, a premade limit of 1: the
    // balancer left 4.29 where a re-split of two teams gives 2.86.
    let party_ratings = [
        (3, 1760.0),
        (1, 1790.0),
        (1, 1610.0),
        (1, 1040.0),
        (1, 1300.0),
        (1, 1390.0),
        (1, 1560.0),
        (2, 1490.0),
        (1, 1850.0),
        (1, 1320.0),
        (1, 1500.0),
        (1, 1020.0),
        (2, 1720.0),
        (1, 1540.0),
        (1, 1350.0),
        (1, 1850.0),
        (1, 1780.0),
        (3, 1820.0),
        (1, 1830.0),
        (3, 1990.0),
        (1, 1750.0),
        (1, 1290.0),
        (1, 1770.0),
        (1, 1190.0),
        (1, 1580.0),
        (1, 1060.0),
        (1, 1930.0),
    ];
    let check = |sizes: Vec<u32>, parties: &[(usize, f64)], premade: Option<u32>| {
        let format = MatchFormat::custom(sizes).unwrap();
        let tickets: Vec<Ticket> = parties
            .iter()
            .enumerate()
            .map(|(i, &(size, rating))| {
                ticket_with_roles(i as u128 + 1, rating, &vec![Vec::new(); size])
            })
            .collect();
        let split = balance_teams(&format, &tickets, None, premade).unwrap();
        no_pair_resplit_helps(&format, &tickets, None, premade, &split).unwrap();
    };
    let solo: Vec<(usize, f64)> = ratings.iter().map(|&r| (1, r)).collect();
    check(vec![7, 7, 3], &solo, None);
    check(vec![7; 5], &party_ratings, Some(1));
}

/// Three to five teams of 2 to 8 players beyond 16 in all (so every pair of
/// teams is re-split exactly), of different sizes three times in four,
/// parties of up to 4 cut from the teams (so a split exists), half the time
/// a premade limit (the difference between the biggest parties of those
/// teams, or one more), a quarter of the time roles (which may leave no
/// valid split).
fn resplit_case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(2u32..=8, 3..=5),
        proptest::bool::weighted(0.75),
        proptest::collection::vec(0u32..8, 1..20),
        proptest::collection::vec(1000.0..2000.0f64, 1..40),
        proptest::collection::vec(0u8..4, 1..40),
        proptest::bool::weighted(0.25),
        proptest::option::weighted(0.5, 0u32..=1),
        any::<u64>(),
    )
        .prop_filter_map(
            "16 players or fewer",
            |(mut sizes, uneven, picks, ratings, masks, roles, slack, seed)| {
                if !uneven {
                    let first = sizes[0];
                    sizes.fill(first);
                }
                if sizes.iter().sum::<u32>() <= 16 {
                    return None;
                }
                let mut parties = Vec::new();
                let mut biggest = Vec::new();
                let mut i = 0;
                for &size in &sizes {
                    let mut left = size;
                    let mut team_biggest = 0;
                    while left > 0 {
                        // Half solo players, half parties of 1 to 4.
                        let pick = picks[i % picks.len()];
                        let s = if pick < 4 { 1 } else { pick % left.min(4) + 1 };
                        parties.push(s);
                        team_biggest = team_biggest.max(s);
                        left -= s;
                        i += 1;
                    }
                    biggest.push(team_biggest);
                }
                let spread = biggest.iter().max().unwrap() - biggest.iter().min().unwrap();
                let mut x = seed | 1;
                for j in (1..parties.len()).rev() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    parties.swap(j, (x % (j as u64 + 1)) as usize);
                }
                let ratings: Vec<f64> = ratings.iter().map(|r| r.round()).collect();
                Some(Case {
                    format: MatchFormat::custom(sizes).unwrap(),
                    tickets: tickets_for(&parties, &ratings, &masks),
                    roles: roles.then(|| RoleComposition::new([("tank", 1), ("healer", 1)])),
                    premade: slack.map(|s| spread + s),
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// More than two teams beyond 16 players: no re-split of one pair of
    /// teams (at most 16 players) that keeps the premade limit against
    /// every team and fills both teams' roles lowers the spread of the
    /// balancer's split. (The pair's re-split used to look for the split
    /// closest for the pair alone: 94 of 3,981 of these matches were left
    /// with a pair that one re-split improves, so 500 cases missed none
    /// about once in 100,000 runs.)
    #[test]
    fn no_pair_resplit_lowers_the_spread(c in resplit_case()) {
        let Ok(split) = balance_teams(&c.format, &c.tickets, c.roles.as_ref(), c.premade) else {
            // The roles may leave no valid split.
            prop_assert!(c.roles.is_some(), "no split of a match built around one");
            return Ok(());
        };
        check_split(&c, &split)?;
        no_pair_resplit_helps(&c.format, &c.tickets, c.roles.as_ref(), c.premade, &split)?;
    }
}

/// Pairs of teams over 16 players used not to be re-split at all: three
/// teams of ten solo players were left to the local searches, which only
/// swap groups, at a mean spread of 0.49 points on these 30 matches. Such
/// pairs are now re-split by the two-team search within a node budget, from
/// the current split: 0.06.
#[test]
fn pairs_over_sixteen_players_are_resplit() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(bound)) as u32
    };
    let format = MatchFormat::teams_of(3, 10).unwrap();
    let mut total = 0.0;
    for _ in 0..30 {
        let ratings: Vec<f64> = (0..30).map(|_| f64::from(1000 + next(1000))).collect();
        let tickets = tickets_for(&[1; 30], &ratings, &[0]);
        let split = balance_teams(&format, &tickets, None, None).unwrap();
        total += split.imbalance;
    }
    let mean = total / 30.0;
    assert!(mean < 0.2, "mean spread {mean}");
}
