//! Team balancing: split the tickets of a match into teams of exact sizes,
//! parties whole, roles filled, with team mean ratings as close as possible.
//!
//! Matches of up to 16 players are solved **exactly** by branch and bound
//! (groups placed biggest first; interchangeable empty teams tried once; a
//! branch is cut when even the most favourable placement of the remaining
//! players cannot beat the best split found by more than 1e-9, so "exactly"
//! means to within 1e-9). Larger matches, up to 200
//! players, run the same search with a node budget (20,000 nodes, and at most
//! 5,000 more once a split is known), cutting a branch as soon as a team can
//! no longer fill its roles or the premade limit can no longer hold, then
//! improve the best split by local search (swapping groups of equal size, and
//! one group for two whose sizes add up to it, never breaking roles or the
//! premade limit once they hold; with more than two teams a second local
//! search starts from a greedy packing, the best-rated group first onto the
//! emptiest, lowest team, and also takes moves that keep the spread but
//! bring the team means closer together, and the better end is kept). With
//! more than two teams the split is then improved two teams at a time: the
//! teams with the highest and the lowest mean (then either with another
//! team) are re-split as a two-team match of their tickets, while that
//! lowers the spread of team means, or keeps it and brings the means closer
//! together (at most 32 re-splits tried per team). The pair's search scores
//! its splits for the whole match: the spread of all teams' means, then
//! their dispersion, with the premade limit kept against every team. Pairs
//! of at most 16 players are searched exactly, so, unless that budget runs
//! out, no re-split of two teams of at most 16 players in all that keeps
//! the roles and the premade limit lowers the spread of the result, also
//! with teams of different sizes. Larger pairs are searched from the
//! current split within 1,000 nodes, which never makes the split worse but
//! may miss a better one.
//!
//! Large matches also report a **lower bound** on the optimum, the larger of
//! two:
//! - what each group forces on its own team, for any number of teams: the
//!   group's team holds at best (for a low mean) the lowest-rated other
//!   players and at worst the highest-rated, parties and roles relaxed; so
//!   the highest team mean is at least the largest of those least means (and
//!   at least the mean of all players), the lowest at most the smallest of
//!   those greatest means (and at most the mean of all players). A party of
//!   three 1900s in a team of five, with no one else below 1000, puts its
//!   team at 1540 or more;
//! - for two teams, a subset-sum over (players, rating mass rounded to
//!   1/100,000 of the total), which solves the rounded problem exactly,
//!   minus the most rounding can move a team mean. When the split found is
//!   within twice that rounding of a perfect balance, the subset-sum could
//!   only add a bound inside its own rounding error, and it is skipped.
//!
//! The gap to optimal is at most `imbalance - lower_bound`.
//!
//! A large match whose search finds no valid split within its budget starts
//! the local search from a packing that ignores roles and the premade limit;
//! if that cannot be repaired, a valid split is sought for validity alone:
//! every player is matched to a place (a team's role or open place) they
//! accept, and parties are placed biggest first, each on the team where the
//! matching already seats most of it, backtracking when the matching, a
//! team's room (which the parties still to place and the solo players must
//! be able to fill) or the premade limit fails, at most 20,000 placements. With
//! solo players only, one matching decides, so a valid split is always found
//! when one exists. Without roles or a premade limit only the parties' sizes
//! matter, and when that search runs out a search over sizes alone takes
//! over (teams with the same room left are tried once, states found dead
//! are not searched again, and a state is cut as soon as the solo players
//! cannot make up what the parties leave of the rooms): it finds a valid
//! split when one exists, and otherwise the error says that none exists,
//! unless it gives up after remembering 200,000 dead states (none of 3,000
//! random matches of 2 to 7 teams of 40 to 200 players in parties of 2 to 5,
//! with an occasional solo player, did). Otherwise a split is found unless
//! the search runs out of placements,
//! and the error then says so ("… was found within the search budget (one
//! may exist)"); on 20,000 random matches of 2 to 4 teams of 6 to 24 built
//! around a valid split, with up to 8 roles, parties of up to 5 and premade
//! limits, none was missed. Matches of parties only, with no solo players to
//! fill a gap, were harder: of 3,000 random ones of 2 to 4 teams of 20 to 99
//! players in parties of 2 to 5, about 1 in 100 was missed before the search
//! over sizes (which now decides those without roles or a premade limit).

mod feasible;
mod packing;
pub(crate) mod roles;
pub(crate) mod solver;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::Role;
use crate::matcher::Seat;
use crate::queue::{MatchFormat, RoleComposition};
use crate::ticket::Ticket;
use roles::{RoleChoice, RolePrefs};
use solver::{Balancer, Group, Problem};

/// A balanced split of a match's tickets into teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamSplit {
    /// Every player's seat, ordered by team.
    pub seats: Vec<Seat>,
    /// The team of each ticket, in the order the tickets were given.
    pub team_of_ticket: Vec<u16>,
    /// Mean (party) rating of each team.
    pub team_means: Vec<f64>,
    /// Highest minus lowest team mean, saturating at `f64::MAX` (which only
    /// ratings of opposite signs near the largest float exceed).
    pub imbalance: f64,
    /// A lower bound on the best achievable imbalance (saturating likewise);
    /// the imbalance itself when [`exact`](Self::exact), so it may then
    /// exceed the optimum by less than 1e-9.
    pub lower_bound: f64,
    /// Whether the split is proven optimal, to within 1e-9: the search
    /// counts smaller improvements as ties (and stops at an imbalance of
    /// 1e-9 or less).
    pub exact: bool,
}

/// Splits `tickets` into the teams of `format`.
///
/// Each ticket's players count with the ticket's (party) rating. With `roles`,
/// every team fields the composition and players get roles they accept,
/// preferring earlier choices. With `premade_limit`, the teams' largest parties
/// differ by at most that many players.
///
/// The split does not depend on the order of `tickets`: ties are broken by
/// ticket id. Only the order of the seats within a team follows `tickets`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use matchforge_core::ids::{PlayerId, QueueName, TicketId};
/// use matchforge_core::queue::MatchFormat;
/// use matchforge_core::rating::{PartyRating, Rating};
/// use matchforge_core::teams::balance_teams;
/// use matchforge_core::ticket::{Ticket, TicketPlayer};
///
/// let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let solo = |n: u128, r: f64| {
///     Ticket::builder(TicketId::from_u128(n), QueueName::new("q"), at)
///         .player(TicketPlayer::new(PlayerId::from_u128(n), Rating::new(r, 50.0, 0.06)?))
///         .build(&PartyRating::Average)
/// };
/// let tickets = [solo(1, 1900.0)?, solo(2, 1500.0)?, solo(3, 1600.0)?, solo(4, 1800.0)?];
/// let split = balance_teams(&MatchFormat::two_v_two(), &tickets, None, None)?;
/// // 1900 + 1500 against 1600 + 1800: both teams average 1700.
/// assert_eq!(split.imbalance, 0.0);
/// assert!(split.exact);
/// # Ok::<(), matchforge_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidTicket`] if a ticket is given twice or a player is on two
/// tickets (see [`check_distinct`](crate::matcher::check_distinct));
/// [`Error::NoValidTeams`] if the players don't add up to the format, or no
/// split keeps parties whole and meets the roles and premade limit (beyond 16
/// players, rarely, none was found within the search budget though one may
/// exist, with roles or a premade limit far more often than without: see the
/// [module](self) docs);
/// [`Error::InvalidConfig`] for a composition that
/// [`QueueSpec::build`](crate::queue::QueueSpec::build) would reject: no roles
/// or too many, a role unnamed, counted 0 times or listed twice, or more fixed
/// places than a team of `format` has.
pub fn balance_teams(
    format: &MatchFormat,
    tickets: &[Ticket],
    roles: Option<&RoleComposition>,
    premade_limit: Option<u32>,
) -> Result<TeamSplit> {
    // A ticket or player counted twice would be seated twice.
    crate::matcher::check_distinct(tickets)?;
    // The solver relies on every team having room for the composition.
    if let Some(c) = roles
        && let Err(msg) = c.check(format.team_sizes())
    {
        return Err(Error::InvalidConfig(msg));
    }
    // The solver's ties and its search beyond 16 players go by the groups'
    // order: give them in ticket-id order, so the split does not depend on
    // the order of `tickets`.
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_unstable_by_key(|&i| tickets[i].id());
    let mut groups = Vec::with_capacity(tickets.len());
    let mut prefs = Vec::new();
    for t in order.iter().map(|&i| &tickets[i]) {
        groups.push(Group {
            size: t.size() as u32,
            rating: t.rating().rating(),
            first_player: prefs.len() as u32,
        });
        if let Some(c) = roles {
            for p in t.players() {
                prefs.push(if p.roles.is_empty() {
                    RolePrefs::ANY
                } else {
                    RolePrefs::from_indices(
                        p.roles
                            .iter()
                            .map(|r| c.index_of(r.as_str()).unwrap_or(roles::MAX_ROLES - 1)),
                    )
                });
            }
        }
    }
    let counts: Vec<u32> = roles
        .map(|c| c.slots.iter().map(|s| s.count).collect())
        .unwrap_or_default();
    let problem = Problem {
        team_sizes: format.team_sizes(),
        groups: &groups,
        prefs: &prefs,
        role_counts: roles.map(|_| counts.as_slice()),
        premade_limit,
        hint: None,
        outside: None,
    };
    let players: u32 = groups.iter().map(|g| g.size).sum();
    if players != format.players() {
        return Err(Error::NoValidTeams(format!(
            "{players} players cannot fill a {} match of {} players",
            format.name(),
            format.players()
        )));
    }
    let mut solution = solver::Solution::default();
    let mut balancer = Balancer::default();
    if !balancer.solve(&problem, &mut solution) {
        let rules = format!(
            "keeps parties whole{}{}",
            if roles.is_some() {
                " and fills the roles"
            } else {
                ""
            },
            if premade_limit.is_some() {
                " within the premade limit"
            } else {
                ""
            },
        );
        let (n, name) = (tickets.len(), format.name());
        return Err(Error::NoValidTeams(if balancer.undecided() {
            format!(
                "no split of these {n} tickets into {name} that {rules} was found within \
                 the search budget (one may exist)"
            )
        } else {
            format!("no split of these {n} tickets into {name} {rules}")
        }));
    }
    // Back to the order of `tickets`: `order[g]` is group `g`'s ticket.
    let mut team_of_ticket = vec![0; tickets.len()];
    let mut group_of_ticket = vec![0; tickets.len()];
    for (g, &i) in order.iter().enumerate() {
        team_of_ticket[i] = solution.team_of[g];
        group_of_ticket[i] = g;
    }
    let mut seats = Vec::with_capacity(players as usize);
    // Scaled as the solver scales them, so that no sum overflows.
    let scale = solver::rating_scale(&groups);
    let mut sums = vec![0.0; format.teams()];
    for (g, group) in groups.iter().enumerate() {
        sums[usize::from(solution.team_of[g])] += group.rating * scale * f64::from(group.size);
    }
    for team in 0..format.teams() as u16 {
        for (i, t) in tickets.iter().enumerate() {
            if team_of_ticket[i] != team {
                continue;
            }
            let g = group_of_ticket[i];
            for (k, p) in t.players().iter().enumerate() {
                let role: Option<Role> = roles.and_then(|c| {
                    match solution.roles.get(groups[g].first_player as usize + k) {
                        Some(RoleChoice::Role(i)) => {
                            c.slots.get(*i as usize).map(|s| s.role.clone())
                        }
                        _ => p.roles.first().cloned(),
                    }
                });
                seats.push(Seat {
                    player: p.id,
                    ticket: t.id(),
                    team,
                    role,
                });
            }
        }
    }
    let team_means = sums
        .iter()
        .zip(format.team_sizes())
        .map(|(s, &n)| (s / f64::from(n) / scale).clamp(-f64::MAX, f64::MAX))
        .collect();
    Ok(TeamSplit {
        seats,
        team_of_ticket,
        team_means,
        imbalance: solution.imbalance,
        lower_bound: solution.lower_bound,
        exact: solution.exact,
    })
}
